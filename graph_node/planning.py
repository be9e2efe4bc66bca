"""Planning one materialize call: what it offers, what it adds, and whether it may run.

Everything is read from staging, in one cursor, before the engine sees a row. The
candidates are the rows of the call's files, one per key (``table.key``; when files
disagree on a key's other columns the lowest file id wins, after one that defines the node
for a ``defined_by`` table: ``winners.defined_first``), less those a newer version of their
record supersedes (``upsert.drop_superseded``). A candidate whose key the graph holds is
"present"; the rest are the new rows the call copies. For a ``defined_by`` table, present
rows whose node the graph holds without its definition are found too (``definitions.py``).
The plan refuses files that are unknown, of another table or not staged, and
relationships whose endpoint nodes the graph lacks, before anything is written.

"Already in the graph" comes from the table's key ledger in staging
(``_graph_keys_<table>``): a DuckDB join costs milliseconds where looking thousands of keys
up in LadybugDB costs tenths of seconds, and relationships have no key in LadybugDB to look
up at all. Relationship endpoints are checked the same way, against the endpoint tables'
ledgers. One query reads the candidates with those flags (``_candidates``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.definitions import defined_column, plan_definitions, undefined_sql
from graph_node.errors import FileConflict, MissingEndpoints
from graph_node.recovery import ledger_rows
from graph_node.registry import FileRecord, get_files, ordered
from graph_node.staging_db import StagingDB, ledger_table, quote
from graph_node.upsert import drop_superseded
from graph_node.winners import defined_first
from ledgergraph.graph_schema import TABLES, NodeTable, RelTable, Table, all_columns
from ledgergraph.messages import pluralize

_MAX_NAMED = 10
_PRESENT = "__present"
_FEW_FILES = 64
_NARROW = 4  # columns: a relationship's from and to and a property or two
_ENDS = (("from", "__from_missing"), ("to", "__to_missing"))
_UNDEFINED_KEPT = "__undefined_kept"


@dataclass(frozen=True)
class MaterializePlan:
    """What one call will do, read from staging in one go."""

    table: Table
    records: list[FileRecord]
    recorded: int  # rows of the key ledger
    pending: int  # ... of them still being added by an open intent
    candidates: pa.Table  # one row per key offered, with file_id and the flag columns
    new_rows: pa.Table  # the candidates the ledger does not hold, with file_id
    superseded: int  # rows offered that a newer version of their record supersedes
    defined: pa.Table | None = None  # present rows whose definition the graph lacks

    @property
    def offered(self) -> int:
        return self.candidates.num_rows

    @property
    def offered_rows(self) -> pa.Table:
        """The candidates without the flag columns (schema columns and file_id)."""
        return self.candidates.select([*(c.name for c in all_columns(self.table)), "file_id"])

    @property
    def present(self) -> int:
        return self.offered - self.new_rows.num_rows


def plan_materialize(db: StagingDB, table: Table, file_ids: Sequence[str]) -> MaterializePlan:
    """The files, the ledger's size and the candidate rows, each flagged present or new.

    One query reads every candidate with whether the ledger holds its key (and, for a
    relationship, whether the ledgers of its endpoint tables hold its nodes), instead of
    one query for the candidates and one more for each thing checked about them.

    Raises:
        UnknownFile, FileConflict: an id is unknown, of another table, or not staged.
        MissingEndpoints: relationships whose endpoint nodes are not in the graph.
    """
    with db.cursor(what=f"reading staged {table.name} rows") as cur:
        records = _check_files(cur, table, file_ids)
        recorded, pending = ledger_rows(cur, table)
        offered = _candidates(cur, table, [r.file_id for r in records], ledger_empty=not recorded)
        candidates = drop_superseded(cur, table, offered)
        present = candidates.column(_PRESENT)
        any_present = pc.any(present).as_py()
        defined = _defining(cur, table, records, candidates) if any_present else None
    if isinstance(table, RelTable):
        _check_endpoints(table, candidates)
    new = candidates.filter(pc.invert(present)) if any_present else candidates
    return MaterializePlan(
        table=table, records=records, recorded=recorded, pending=pending, candidates=candidates,
        new_rows=new.drop_columns(_flag_columns(table)),
        superseded=offered.num_rows - candidates.num_rows, defined=defined,
    )  # fmt: skip


def _defining(
    cur: duckdb.DuckDBPyConnection, table: Table, records: list[FileRecord], candidates: pa.Table
) -> pa.Table | None:
    """Present candidates whose definition the graph's node lacks (``definitions.py``):
    looked up only for those ``__undefined_kept`` flags, so most calls run no query."""
    if defined_column(table) is None:
        return None
    flagged = candidates.filter(candidates.column(_UNDEFINED_KEPT))
    if not flagged.num_rows:
        return flagged.drop_columns(_flag_columns(table))
    staged = [r.file_id for r in records if r.status == "staged"]
    return plan_definitions(cur, table, flagged.drop_columns(_flag_columns(table)), staged)


def _check_files(
    cur: duckdb.DuckDBPyConnection, table: Table, file_ids: Sequence[str]
) -> list[FileRecord]:
    records = ordered(get_files(cur, file_ids), file_ids)
    for record in records:
        if record.table_name != table.name:
            raise FileConflict(
                f"file {record.file_id} holds {record.table_name} rows, not {table.name}"
            )
        if record.status not in ("staged", "materialized"):
            raise FileConflict(
                f"file {record.file_id} ({table.name}) is {record.status}, not staged"
            )
    return records


def key_sql(table: Table, alias: str = "") -> str:
    """The table's key columns, quoted, optionally qualified with ``alias``."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + quote(k) for k in table.key)


def _flag_columns(table: Table) -> list[str]:
    ends = [flag for _, flag in _ENDS] if isinstance(table, RelTable) else []
    defined = [_UNDEFINED_KEPT] if defined_column(table) else []
    return [_PRESENT, *ends, *defined]


def _candidates(
    cur: duckdb.DuckDBPyConnection, table: Table, file_ids: list[str], *, ledger_empty: bool
) -> pa.Table:
    """The files' rows in schema column order, with file_id and the flag columns, one per key:
    the lowest file id's, or for a ``defined_by`` table the lowest of those that define it.

    ``__present``: the key ledger holds the row's key. For a relationship,
    ``__from_missing`` / ``__to_missing``: the endpoint table's ledger lacks that node. For
    a ``defined_by`` table, ``__undefined_kept``: a present row that defines its node, of a
    key some staged row leaves undefined (the graph's node may lack the definition).
    Staging refuses a file with a key twice, so one file needs no deduplication.
    """
    columns = ", ".join(quote(c.name) for c in all_columns(table))
    source, first = quote(table.name), _in_files(file_ids)
    if len(file_ids) > 1:
        order = defined_first(table) + "file_id"
        rank = f"row_number() OVER (PARTITION BY {key_sql(table)} ORDER BY {order})"
        first += f" QUALIFY {rank} = 1"
        if len(all_columns(table)) > _NARROW:
            # Rank keys and row ids only, then read the winners' other columns: sorting
            # whole rows cost Fact's batch of 20 filings twice the time of reading them.
            first = f"rowid IN (SELECT rowid FROM {source} WHERE {first})"
    rows = f"SELECT {columns}, file_id FROM {source} WHERE {first}"
    flags = ", ".join(_flags(table, ledger_empty=ledger_empty))
    return cur.sql(f"SELECT c.*, {flags} FROM ({rows}) c", params=[file_ids]).to_arrow_table()


def _flags(table: Table, *, ledger_empty: bool) -> list[str]:
    """``_candidates``' flag columns over its rows ``c``, each a semi join of one ledger.

    A semi join gives DuckDB a mark join (a boolean per row), where a LEFT JOIN carried
    the ledger's key strings along to test them for NULL: on 20 filings, FACT_HAS_ELEMENT's
    query took 17.7 -> 11.0 ms of CPU on a first load, 28.8 -> 18.3 ms with the rows of 19
    of them in its ledger; a key held twice can no longer repeat a row either. An empty
    ledger (a table's first load) is not read.
    """
    ledger = quote(ledger_table(table))
    if ledger_empty:
        present = "false"
    elif len(table.key) == 1:  # a node: one column, which a NULL never matches
        key = quote(table.key[0])
        present = f"coalesce(c.{key} IN (SELECT {key} FROM {ledger}), false)"
    else:  # EXISTS is never NULL
        on = " AND ".join(f"l.{quote(k)} = c.{quote(k)}" for k in table.key)
        present = f"EXISTS (SELECT 1 FROM {ledger} l WHERE {on})"
    flags = [f"{present} AS {_PRESENT}"]
    if defined_column(table):
        # NOTE: a semi join with the table's undefined rows, as a rule none: nearly free
        undefined = f"SELECT id FROM {quote(table.name)} WHERE {undefined_sql(table)}"
        kept = f"({present}) AND NOT {undefined_sql(table, 'c')} AND c.id IN ({undefined})"
        flags.append(f"{'false' if ledger_empty else kept} AS {_UNDEFINED_KEPT}")
    if isinstance(table, RelTable):
        for (column, flag), node in zip(_ENDS, (table.from_table, table.to_table), strict=True):
            ends = quote(ledger_table(node_table_of(node)))
            # NOT IN is NULL, not true, for an id the ledger lacks if it held a NULL
            missing = f"c.{quote(column)} NOT IN (SELECT id FROM {ends})"
            flags.append(f"coalesce({missing}, true) AS {flag}")
    return flags


def _in_files(file_ids: list[str]) -> str:
    """A filter on ``file_id`` by the list parameter: a list lookup per row for a few files
    (DuckDB plans, builds and probes a hash join for the subquery form, ~1.5 ms a call)."""
    if len(file_ids) <= _FEW_FILES:
        return "list_contains(?, file_id)"
    return "file_id IN (SELECT unnest(?))"


def _check_endpoints(table: RelTable, candidates: pa.Table) -> None:
    """Fail naming the endpoint ids missing from the graph, before copying anything.

    Checked for every candidate, present or not: a key the ledger holds must still have
    both of its nodes.
    """
    problems = []
    for (column, flag), node in zip(_ENDS, (table.from_table, table.to_table), strict=True):
        missing = candidates.filter(candidates.column(flag)).column(column)
        if len(missing):
            ids = sorted(pc.unique(missing).to_pylist())
            named = ", ".join(ids[:_MAX_NAMED])
            problems.append(f"{pluralize(len(ids), f'{node} node')} ({column}): {named}")
    if problems:
        raise MissingEndpoints(
            f"{table.name}: endpoint nodes not in the graph, materialize them first: "
            + "; ".join(problems)
        )


def node_table_of(name: str) -> NodeTable:
    """The node table called ``name`` (a relationship's endpoint table)."""
    table = TABLES[name]
    assert isinstance(table, NodeTable), f"{name} is not a node table"
    return table
