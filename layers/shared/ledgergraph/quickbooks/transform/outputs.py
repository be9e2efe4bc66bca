"""The transform's outputs: one Parquet file per graph table, and the run's reconciliation.

Raw records in = rows out + records superseded (by a newer version in the same run, or
older than the version known before the run) + records rejected with a reason; QuickBooks
lines in = lines posted + informational lines + lines rejected with a reason; references
to other records (CustomerRef, ItemRef, ParentRef...) = relationships written + references
unresolved, each named. All must hold or the run fails, naming the counts.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import BaseModel, Field

from ledgergraph.graph_schema import Column, Table, all_columns, get_table
from ledgergraph.ledger_schema import LEDGER_NODE_TABLES, LEDGER_REL_TABLES, LEDGER_TABLES
from ledgergraph.manifest import TableFile, sha256_of, table_key
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError

_REL_TABLE_NAMES = frozenset(t.name for t in LEDGER_REL_TABLES)

# Nodes before relationships; Entity and Element are the SEC tables the ledger points at.
OUTPUT_TABLES: tuple[str, ...] = (
    "Entity",
    "Element",
    *(t.name for t in LEDGER_NODE_TABLES),
    *(t.name for t in LEDGER_REL_TABLES),
)


def output_table(name: str) -> Table:
    """The table definition a file is written against (ledger tables, then the SEC ones)."""
    return LEDGER_TABLES.get(name) or get_table(name)


def output_schema(table: Table) -> pa.Schema:
    """The table's Arrow schema.

    NOTE: ``Entity.cik`` is declared non-null for SEC filers; a QuickBooks company has no
    CIK, so this writer relaxes that one column to nullable (the graph schema owner decides).
    """

    def field_of(column: Column) -> pa.Field:
        nullable = column.nullable or (table.name == "Entity" and column.name == "cik")
        return pa.field(column.name, column.arrow_type, nullable=nullable)

    return pa.schema([field_of(c) for c in all_columns(table)])


def write_tables(
    con: duckdb.DuckDBPyConnection,
    store: ObjectStore,
    *,
    graph_id: str,
    source_unit: str,
    workdir: Path,
    prefix: str = "out_",
) -> list[TableFile]:
    """Write every output table (empty ones included) from the ``{prefix}<Table>``
    relations and return their manifest entries."""
    files: list[TableFile] = []
    for name in OUTPUT_TABLES:
        table_def = output_table(name)
        schema = output_schema(table_def)
        columns = ", ".join(f'"{f.name}"' for f in schema)
        order = ", ".join(f'"{k}"' for k in table_def.key)  # sorted: same run, same bytes
        source = f'"{prefix}{name}"'
        data = con.sql(f"SELECT {columns} FROM {source} ORDER BY {order}").to_arrow_table()
        table = data.cast(schema)
        path = workdir / f"{name}.parquet"
        pq.write_table(table, path)
        key = table_key(graph_id, source_unit, name)
        uri = store.put_file(key, path)
        files.append(
            TableFile(table=name, key=key, uri=uri, rows=table.num_rows, checksum=sha256_of(path))
        )
    return files


class OutcomeCounts(BaseModel):
    """in = out + superseded + duplicates + informational + rejected (per reason)."""

    records_in: int
    out: int
    superseded: int = 0
    superseded_reasons: dict[str, int] = Field(default_factory=dict)
    duplicates: int = 0
    duplicate_reasons: dict[str, int] = Field(
        default_factory=dict, description="the same record (same version and content) again"
    )
    informational: int = 0
    rejected: dict[str, int] = Field(default_factory=dict)

    def reconciles(self) -> bool:
        rejected = sum(self.rejected.values())
        kept_out = self.superseded + self.duplicates + self.informational + rejected
        return self.records_in == self.out + kept_out


class ReferenceCounts(BaseModel):
    """One relationship table: references in = relationships written + unresolved."""

    references: int
    out: int
    unresolved: int

    def reconciles(self) -> bool:
        return self.references == self.out + self.unresolved


class Reconciliation(BaseModel):
    """How a run's raw records and QuickBooks lines reconcile with the rows written."""

    run_id: str
    records: dict[str, OutcomeCounts] = Field(description="per QuickBooks entity")
    lines: OutcomeCounts = Field(description="QuickBooks Line entries of transactions")
    rejected_postings: list[dict[str, str]] = Field(
        default_factory=list, description="derived postings dropped, with the reason"
    )
    unresolved_links: int = Field(
        default=0,
        description="LinkedTxn entries to transactions not synced (e.g. Estimate), links to "
        "transactions this run rejected aside",
    )
    links_to_rejected: int = Field(
        default=0,
        description="LinkedTxn entries to transactions this run listed and rejected (named "
        "among the rejected records), which the graph did not hold before",
    )
    tombstones: int = Field(
        default=0, description="records the run marks deleted (written with is_deleted true)"
    )
    tombstones_inferred: int = Field(
        default=0,
        description="of tombstones, those only inferred: the record was missing from a full "
        "listing (the others QuickBooks stated, as CDC Deleted entries)",
    )
    deletions_withheld: dict[str, str] = Field(
        default_factory=dict,
        description="per entity listed in full: why records missing from the listing were "
        "not marked deleted (it held records without a valid Id, which may be any of them)",
    )
    references: dict[str, ReferenceCounts] = Field(
        default_factory=dict, description="per relationship table built from a reference"
    )
    unresolved_references: list[dict[str, str]] = Field(
        default_factory=list,
        description="references whose record is not in the ledger: the record is kept, "
        "its relationship is not written",
    )

    def reconciles(self) -> bool:
        return (
            self.lines.reconciles()
            and all(c.reconciles() for c in self.records.values())
            and all(c.reconciles() for c in self.references.values())
        )


# Records the run marks deleted: a tombstone a full listing restates for a record deleted
# before the run is written again (20_current.sql) but deletes nothing new.
_MARKED_DELETED = "changed AND is_deleted AND NOT tombstone_restated"


def reconcile(con: duckdb.DuckDBPyConnection, run_id: str) -> Reconciliation:
    """Count every raw record and line into exactly one outcome; fail if any is lost."""
    records: dict[str, OutcomeCounts] = {}
    rows = con.sql(
        "SELECT entity, outcome, count(*) FROM record_outcome GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    for entity, outcome, count in rows:
        counts = records.setdefault(entity, OutcomeCounts(records_in=0, out=0))
        _add(counts, outcome, count)
    result = Reconciliation(
        run_id=run_id, records=records, lines=line_counts(con),
        rejected_postings=_rejected_postings(con),
        unresolved_links=_count(
            con, "SELECT count(*) FROM txn_link WHERE NOT resolved AND NOT target_rejected"
        ),
        links_to_rejected=_count(con, "SELECT count(*) FROM txn_link WHERE target_rejected"),
        tombstones=_count(con, f"SELECT count(*) FROM current_record WHERE {_MARKED_DELETED}"),
        tombstones_inferred=_count(
            con, f"SELECT count(*) FROM current_record WHERE {_MARKED_DELETED} "
            "AND deleted_by_absence"
        ),
        deletions_withheld=dict(
            con.sql("SELECT entity, reason FROM listing_not_trusted ORDER BY entity").fetchall()
        ),
        references=reference_counts(con), unresolved_references=_unresolved_references(con),
    )  # fmt: skip
    if not result.reconciles():
        raise QuickBooksDataError(f"run {run_id} does not reconcile: {result.model_dump_json()}")
    return result


def line_counts(con: duckdb.DuckDBPyConnection) -> OutcomeCounts:
    """The changed transactions' QuickBooks lines by outcome (``line_outcome``)."""
    lines = OutcomeCounts(records_in=0, out=0)
    for outcome, count in con.sql(
        "SELECT outcome, count(*) FROM line_outcome GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        _add(lines, "out" if outcome == "posting" else outcome, count)
    return lines


def _add(counts: OutcomeCounts, outcome: str, count: int) -> None:
    counts.records_in += count
    if outcome == "out":
        counts.out += count
    elif outcome.startswith("superseded: "):
        counts.superseded += count
        reason = outcome.removeprefix("superseded: ")
        counts.superseded_reasons[reason] = counts.superseded_reasons.get(reason, 0) + count
    elif outcome.startswith("duplicate: "):
        counts.duplicates += count
        reason = outcome.removeprefix("duplicate: ")
        counts.duplicate_reasons[reason] = counts.duplicate_reasons.get(reason, 0) + count
    elif outcome == "informational":
        counts.informational += count
    else:
        reason = outcome.removeprefix("rejected: ")
        counts.rejected[reason] = counts.rejected.get(reason, 0) + count


def _rejected_postings(con: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    rows = con.sql(
        "SELECT txn_type, qbo_id, role, CAST(amount AS VARCHAR), outcome FROM posting_checked "
        "WHERE outcome <> 'out' AND changed ORDER BY txn_type, qbo_id, sort_key"
    ).fetchall()
    keys = ("txn_type", "qbo_id", "role", "amount", "reason")
    return [dict(zip(keys, (str(v) for v in row), strict=True)) for row in rows]


def reference_counts(con: duckdb.DuckDBPyConnection) -> dict[str, ReferenceCounts]:
    """Per relationship: its references against the rows its ``out_`` view writes."""
    counts = {}
    rows = con.sql(
        "SELECT rel, count(*), count(*) FILTER (NOT resolved) FROM reference "
        "GROUP BY rel ORDER BY rel"
    ).fetchall()
    for rel, references, unresolved in rows:
        if rel not in _REL_TABLE_NAMES:
            raise QuickBooksDataError(f"reference table names no relationship table: {rel}")
        out = _count(con, f'SELECT count(*) FROM "out_{rel}"')
        counts[rel] = ReferenceCounts(references=references, out=out, unresolved=unresolved)
    return counts


def _unresolved_references(con: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    rows = con.sql(
        "SELECT record_type, qbo_id, ref, target_type, target_id, reason FROM reference "
        "WHERE NOT resolved ORDER BY record_type, qbo_id, ref, target_id"
    ).fetchall()
    keys = ("record_type", "qbo_id", "ref", "target_type", "target_id", "reason")
    return [dict(zip(keys, (str(v) for v in row), strict=True)) for row in rows]


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    rows = con.execute(query).fetchall()
    return int(rows[0][0]) if rows else 0
