"""Materialization: exactly the new rows of staged files, from DuckDB into LadybugDB.

Candidate rows are the rows of the given files, one per key (``table.key``; when files
disagree on a key's other columns the lowest file id wins). Rows whose key is already in
the graph are "present"; the rest are checked by ``copy_guard`` and copied (DuckDB ->
Arrow -> COPY) and "added". For upsert tables (the ledger's, ``upsert.py``) the present
keys are then "updated" or "unchanged", and relationships their newer versions lost are
removed, in one more engine transaction under the same intent. ``rows_offered ==
rows_added + rows_present`` holds by construction of the plan; what is checked is that the
graph grew by exactly the rows copied (and, before, that it holds exactly what the ledger
records), and the call fails naming the table and keys otherwise.

"Already in the graph" comes from the table's key ledger in staging
(``_graph_keys_<table>``), checked against the graph's count before every call: a DuckDB
anti-join costs milliseconds where looking thousands of keys up in LadybugDB costs tenths
of seconds, and relationships have no key in LadybugDB to look up at all. Relationship
endpoints are checked the same way, against the endpoint tables' ledgers.

Crash safety (journal.py): the keys to add and the per-file counts are recorded as an
intent before the COPY, and the files are marked materialized from that intent after it, so
a crash anywhere is settled exactly by ``recovery.settle_intents`` on the next write or
reopen. Callers must hold the graph's writer lock and settle open intents first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import check_copy_rows, conform
from graph_node.errors import FileConflict, GraphInconsistent, MissingEndpoints, NodeError
from graph_node.faults import NO_FAULTS, FaultPoints
from graph_node.graph_store import GraphStore
from graph_node.journal import Intent, open_intent
from graph_node.log import logger
from graph_node.models import FileState, MaterializeResult
from graph_node.recovery import check_ledger, finish_materialize, settle_materialize
from graph_node.registry import FileRecord, get_files, next_materialize_seq, ordered
from graph_node.staging_db import StagingDB, ledger_table, quote
from graph_node.upsert import UpsertPlan, apply_upsert, plan_upsert, record_versions, upserts
from ledgergraph.graph_schema import TABLES, NodeTable, RelTable, Table, all_columns

_MAX_NAMED = 10
_CANDIDATES = "candidates"

# How rows reach the engine: GraphStore.copy in-process, or isolation.copy_in_child.
Copier = Callable[[GraphStore, Table, pa.Table], None]


def copy_in_process(graph: GraphStore, table: Table, rows: pa.Table) -> None:
    """COPY in the node itself (the default; ``isolation.copy_in_child`` is the other)."""
    graph.copy(table, rows)


def materialize_table(
    db: StagingDB,
    graph: GraphStore,
    table: Table,
    file_ids: Sequence[str],
    *,
    faults: FaultPoints = NO_FAULTS,
    copier: Copier = copy_in_process,
) -> MaterializeResult:
    """Copy the rows of ``file_ids`` whose keys are not in the graph; idempotent.

    Raises:
        UnknownFile, FileConflict: an id is unknown, of another table, or not staged.
        MissingEndpoints: relationships whose endpoint nodes are not in the graph.
        CopyRefused: the rows would be unsafe for the engine (nothing copied).
        GraphInconsistent: offered != added + present, or graph and ledger disagree.
    """
    started = time.monotonic()
    records = _check_files(db, table, file_ids)
    before = check_ledger(db, graph, table)
    offered, candidates, new_rows, present = _plan(db, table, file_ids)
    engine_rows = conform(table, new_rows.drop_columns(["file_id"]))
    check_copy_rows(table, engine_rows)
    # Upsert tables (upsert.py): present keys with other content are updated after the COPY.
    upsert = plan_upsert(db, table, candidates, present=present) if upserts(table) else None

    intent = _open_intent(db, table, records, new_rows, before, upsert, candidates)
    faults.reached("after-intent", table.name)
    finished = _copy(db, graph, table, engine_rows, intent, copier)
    faults.reached("after-copy", table.name)
    if upsert is not None:
        apply_upsert(graph, upsert)
        faults.reached("after-update", table.name)
    added = graph.count(table) - before
    _check_balance(
        table, candidates, offered=offered, added=added, present=present,
        expected_added=new_rows.num_rows,
    )  # fmt: skip
    if not finished:
        finish_materialize(db, intent, table)

    result = MaterializeResult(
        table=table.name, rows_offered=offered, rows_added=added, rows_present=present,
        rows_updated=upsert.updated.num_rows if upsert else 0,
        rows_unchanged=upsert.unchanged if upsert else present,
        relationships_removed=upsert.removed_counts("rel") if upsert else {},
        nodes_removed=upsert.removed_counts("node") if upsert else {},
        files=[FileState(file_id=r.file_id, status="materialized") for r in records],
    )  # fmt: skip
    logger.info(
        "table materialized",
        extra={**result.model_dump(exclude={"files"}), "files": len(records),
               "duration_ms": round((time.monotonic() - started) * 1000)},
    )  # fmt: skip
    return result


def _copy(
    db: StagingDB, graph: GraphStore, table: Table, rows: pa.Table, intent: Intent, copier: Copier
) -> bool:
    """COPY the rows; True when an engine error had to be settled by the intent's keys."""
    try:
        copier(graph, table, rows)
    except NodeError as exc:
        # NOTE: LadybugDB can raise after the COPY committed (its automatic checkpoint
        # times out while readers are active); the intent's keys say which it was.
        if settle_materialize(db, graph, intent) != "rolled forward":
            raise
        logger.warning(
            "copy committed despite an engine error",
            extra={"table": table.name, "rows": rows.num_rows, "error": str(exc)},
        )
        return True
    return False


def _open_intent(
    db: StagingDB,
    table: Table,
    records: list[FileRecord],
    new_rows: pa.Table,
    before: int,
    upsert: UpsertPlan | None,
    candidates: pa.Table,
) -> Intent:
    """Record the keys about to be added and what each staged file will be credited."""
    counts = pc.value_counts(new_rows.column("file_id").combine_chunks()).to_pylist()
    added_by_file = {c["values"]: c["counts"] for c in counts}
    files = {
        r.file_id: [added_by_file.get(r.file_id, 0),
                    (r.rows_staged or 0) - added_by_file.get(r.file_id, 0)]
        for r in records if r.status == "staged"
    }  # fmt: skip
    with db.transaction(what=f"recording a {table.name} intent") as cur:
        detail = {"seq": next_materialize_seq(cur), "count_before": before,
                  "rows": new_rows.num_rows, "files": files}  # fmt: skip
        keys = new_rows.select(list(table.key))
        intent = open_intent(cur, "materialize", detail, table=table, keys=keys)
        if upsert is not None:
            record_versions(cur, upsert, candidates, intent)
        return intent


def _plan(
    db: StagingDB, table: Table, file_ids: Sequence[str]
) -> tuple[int, pa.Table, pa.Table, int]:
    """Distinct keys offered, one candidate row per key, the new rows, keys present."""
    with db.cursor(what=f"reading staged {table.name} rows") as cur:
        candidates = _candidates(cur, table, file_ids)
        cur.register(_CANDIDATES, candidates)
        try:
            new_rows = _new_rows(cur, table)
            if isinstance(table, RelTable):
                _check_endpoints(cur, table)
        finally:
            cur.unregister(_CANDIDATES)
    offered = candidates.num_rows
    return offered, candidates, new_rows, offered - new_rows.num_rows


def _check_files(db: StagingDB, table: Table, file_ids: Sequence[str]) -> list[FileRecord]:
    with db.cursor(what="reading the file registry") as cur:
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


def _candidates(cur: duckdb.DuckDBPyConnection, table: Table, file_ids: Sequence[str]) -> pa.Table:
    """One row per key, in schema column order, with the file_id it was taken from.

    Staging refuses a file with a key twice, so one file needs no deduplication.
    """
    columns = ", ".join(quote(c.name) for c in all_columns(table))
    sql = f"SELECT {columns}, file_id FROM {quote(table.name)} WHERE file_id IN (SELECT unnest(?))"
    if len(set(file_ids)) > 1:
        sql += f" QUALIFY row_number() OVER (PARTITION BY {key_sql(table)} ORDER BY file_id) = 1"
    return cur.sql(sql, params=[list(file_ids)]).to_arrow_table()


def _new_rows(cur: duckdb.DuckDBPyConnection, table: Table) -> pa.Table:
    """The candidates whose key the ledger does not hold."""
    ledger = quote(ledger_table(table))
    on = " AND ".join(f"c.{quote(k)} = l.{quote(k)}" for k in table.key)
    return cur.sql(f"SELECT c.* FROM {_CANDIDATES} c ANTI JOIN {ledger} l ON {on}").to_arrow_table()


def _check_endpoints(cur: duckdb.DuckDBPyConnection, table: RelTable) -> None:
    """Fail naming the endpoint ids missing from the graph, before copying anything.

    Checked for every candidate, present or not: a key the ledger holds must still have
    both of its nodes.
    """
    ends = (("from", table.from_table), ("to", table.to_table))
    sql = " UNION ALL ".join(
        f"SELECT DISTINCT '{column}' AS side, c.{quote(column)} AS id FROM {_CANDIDATES} c "
        f"ANTI JOIN {quote(ledger_table(node_table_of(node)))} l ON c.{quote(column)} = l.id"
        for column, node in ends
    )
    missing = cur.execute(f"{sql} ORDER BY side, id").fetchall()
    problems = []
    for column, node in ends:
        ids = [i for side, i in missing if side == column]
        if ids:
            named = ", ".join(ids[:_MAX_NAMED])
            problems.append(f"{len(ids)} {node} node(s) ({column}): {named}")
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


def _check_balance(
    table: Table,
    candidates: pa.Table,
    *,
    offered: int,
    added: int,
    present: int,
    expected_added: int,
) -> None:
    """offered == added + present, and the graph grew by exactly the rows copied."""
    if added != expected_added or offered != added + present:
        keys = _sample_keys(table, candidates)
        raise GraphInconsistent(
            f"{table.name}: rows offered {offered} != added {added} + present {present} "
            f"(expected to add {expected_added}); keys include {keys}"
        )


def _sample_keys(table: Table, rows: pa.Table) -> str:
    sample = rows.select(list(table.key)).slice(0, _MAX_NAMED).to_pylist()
    return "; ".join(", ".join(f"{k}={v!r}" for k, v in row.items()) for row in sample)
