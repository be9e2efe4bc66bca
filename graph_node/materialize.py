"""Materialization: exactly the new rows of staged files, from DuckDB into LadybugDB.

Candidate rows are the rows of the given files, one per key (``table.key``; when files
disagree on a key's other columns the lowest file id wins). Rows whose key is already in
the graph are "present"; the rest are copied (DuckDB -> Arrow -> COPY) and "added".
``rows_offered == rows_added + rows_present`` is checked against three separate counts
(distinct keys in staging, keys found before the COPY, the graph's count change) and the
call fails naming the table and keys if it does not hold.

Where "already in the graph" comes from:
- nodes: the graph itself, by primary-key lookup; nothing else to keep in step.
- relationships have no key in LadybugDB, so a ledger table in staging
  (``_graph_keys_<REL>``) records the keys copied. Keys are written there as pending before
  the COPY and committed after it; a crash in between is repaired on the next call by
  comparing the graph's relationship count with the ledger (see ``reconcile_ledger``).

NOTE: the registry is updated after the COPY. If the process dies between the two, the
files stay "staged"; the next call finds their keys present, adds nothing and marks them
materialized with rows_added 0, so the graph is right but the per-file rows_added of that
first call is lost. Callers must hold the graph's writer lock.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.errors import FileConflict, GraphInconsistent, MissingEndpoints, NodeError
from graph_node.graph_store import GraphStore
from graph_node.log import logger
from graph_node.models import FileState, MaterializeResult
from graph_node.registry import FileRecord, get_files, mark_materialized, ordered
from graph_node.staging_db import StagingDB, ledger_table, quote
from ledgergraph.graph_schema import TABLES, NodeTable, RelTable, Table, all_columns

_MAX_NAMED = 10
_CANDIDATES = "candidates"


def materialize_table(
    db: StagingDB, graph: GraphStore, table: Table, file_ids: Sequence[str]
) -> MaterializeResult:
    """Copy the rows of ``file_ids`` whose keys are not in the graph; idempotent.

    Raises:
        UnknownFile, FileConflict: an id is unknown, of another table, or not staged.
        MissingEndpoints: relationships whose endpoint nodes are not in the graph.
        GraphInconsistent: offered != added + present, or graph and ledger disagree.
    """
    started = time.monotonic()
    records = _check_files(db, table, file_ids)
    if isinstance(table, RelTable):
        reconcile_ledger(db, graph, table)
    offered, candidates, new_rows, present = _plan(db, graph, table, file_ids)

    added = _copy_new_rows(db, graph, table, new_rows)
    _check_balance(
        graph, table, candidates, offered=offered, added=added, present=present,
        expected_added=new_rows.num_rows,
    )  # fmt: skip
    _record(db, table, records, new_rows)

    result = MaterializeResult(
        table=table.name,
        rows_offered=offered,
        rows_added=added,
        rows_present=present,
        files=[FileState(file_id=r.file_id, status="materialized") for r in records],
    )
    logger.info(
        "table materialized",
        extra={**result.model_dump(exclude={"files"}), "files": len(records),
               "duration_ms": round((time.monotonic() - started) * 1000)},
    )  # fmt: skip
    return result


def _plan(
    db: StagingDB, graph: GraphStore, table: Table, file_ids: Sequence[str]
) -> tuple[int, pa.Table, pa.Table, int]:
    """Distinct keys offered, one candidate row per key, the new rows, keys present."""
    with db.cursor(what=f"reading staged {table.name} rows") as cur:
        offered = _count_offered(cur, table, file_ids)
        candidates = _candidates(cur, table, file_ids)
        if isinstance(table, NodeTable):
            new_rows, present = _new_nodes(graph, table, candidates)
        else:
            new_rows, present = _new_rels(cur, table, candidates)
            _check_endpoints(graph, table, new_rows)
    return offered, candidates, new_rows, present


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


def _key_sql(table: Table) -> str:
    return ", ".join(quote(k) for k in table.key)


def _count_offered(cur: duckdb.DuckDBPyConnection, table: Table, file_ids: Sequence[str]) -> int:
    sql = (
        f"SELECT count(*) FROM (SELECT DISTINCT {_key_sql(table)} FROM {quote(table.name)} "
        "WHERE file_id IN (SELECT unnest(?)))"
    )
    return int(cur.execute(sql, [list(file_ids)]).fetchall()[0][0])


def _candidates(cur: duckdb.DuckDBPyConnection, table: Table, file_ids: Sequence[str]) -> pa.Table:
    """One row per key, in schema column order, with the file_id it was taken from."""
    columns = ", ".join(quote(c.name) for c in all_columns(table))
    sql = (
        f"SELECT {columns}, file_id FROM {quote(table.name)} "
        "WHERE file_id IN (SELECT unnest(?)) "
        f"QUALIFY row_number() OVER (PARTITION BY {_key_sql(table)} ORDER BY file_id) = 1"
    )
    return cur.sql(sql, params=[list(file_ids)]).to_arrow_table()


def _new_nodes(graph: GraphStore, table: NodeTable, candidates: pa.Table) -> tuple[pa.Table, int]:
    present = graph.present_ids(table, candidates.column("id").combine_chunks())
    keep = pc.invert(pc.is_in(candidates.column("id"), value_set=present))
    return candidates.filter(keep), len(present)


def _new_rels(
    cur: duckdb.DuckDBPyConnection, table: RelTable, candidates: pa.Table
) -> tuple[pa.Table, int]:
    ledger = quote(ledger_table(table))
    on = " AND ".join(f"c.{quote(k)} = l.{quote(k)}" for k in table.key)
    cur.register(_CANDIDATES, candidates)
    try:
        new_rows = cur.sql(
            f"SELECT c.* FROM {_CANDIDATES} c ANTI JOIN {ledger} l ON {on}"
        ).to_arrow_table()
        present = cur.execute(
            f"SELECT count(*) FROM {_CANDIDATES} c SEMI JOIN {ledger} l ON {on}"
        ).fetchall()[0][0]
    finally:
        cur.unregister(_CANDIDATES)
    return new_rows, int(present)


def _check_endpoints(graph: GraphStore, table: RelTable, new_rows: pa.Table) -> None:
    """Fail naming the endpoint ids missing from the graph, before copying anything."""
    problems = []
    for column, node_table in (("from", table.from_table), ("to", table.to_table)):
        ids = pc.unique(new_rows.column(column).combine_chunks())
        found = graph.present_ids(_node_table(node_table), ids)
        missing = ids.filter(pc.invert(pc.is_in(ids, value_set=found))).to_pylist()
        if missing:
            named = ", ".join(sorted(missing)[:_MAX_NAMED])
            problems.append(f"{len(missing)} {node_table} node(s) ({column}): {named}")
    if problems:
        raise MissingEndpoints(
            f"{table.name}: endpoint nodes not in the graph, materialize them first: "
            + "; ".join(problems)
        )


def _node_table(name: str) -> NodeTable:
    table = TABLES[name]
    assert isinstance(table, NodeTable), f"{name} is not a node table"
    return table


def _copy_new_rows(db: StagingDB, graph: GraphStore, table: Table, new_rows: pa.Table) -> int:
    """COPY the new rows; returns by how much the graph's count of ``table`` grew."""
    if isinstance(table, RelTable):
        _add_pending_keys(db, table, new_rows)
    before = graph.count(table)
    try:
        graph.copy(table, new_rows.drop_columns(["file_id"]))
    except NodeError as exc:
        # NOTE: LadybugDB can raise after the COPY committed (its automatic checkpoint
        # times out while readers are active); the count says which it was.
        grown = graph.count(table) - before
        if new_rows.num_rows == 0 or grown != new_rows.num_rows:
            if isinstance(table, RelTable) and grown == 0:
                _drop_pending_keys(db, table)
            raise
        logger.warning(
            "copy committed despite an engine error",
            extra={"table": table.name, "rows": grown, "error": str(exc)},
        )
    return graph.count(table) - before


def _add_pending_keys(db: StagingDB, table: RelTable, new_rows: pa.Table) -> None:
    keys = ", ".join(quote(k) for k in table.key)
    with db.transaction(what=f"recording {table.name} keys") as cur:
        cur.register(_CANDIDATES, new_rows)
        try:
            cur.execute(
                f"INSERT INTO {quote(ledger_table(table))} ({keys}, committed) "
                f"SELECT {keys}, false FROM {_CANDIDATES}"
            )
        finally:
            cur.unregister(_CANDIDATES)


def _drop_pending_keys(db: StagingDB, table: RelTable) -> None:
    with db.transaction(what=f"dropping pending {table.name} keys") as cur:
        cur.execute(f"DELETE FROM {quote(ledger_table(table))} WHERE NOT committed")


def _check_balance(
    graph: GraphStore,
    table: Table,
    candidates: pa.Table,
    *,
    offered: int,
    added: int,
    present: int,
    expected_added: int,
) -> None:
    """offered == added + present, and every offered node key is in the graph now."""
    if isinstance(table, NodeTable):
        ids = candidates.column("id").combine_chunks()
        found = graph.present_ids(table, ids)
        missing = ids.filter(pc.invert(pc.is_in(ids, value_set=found))).to_pylist()
        if missing:
            raise GraphInconsistent(
                f"{table.name}: {len(missing)} offered key(s) not in the graph after COPY: "
                f"{', '.join(sorted(missing)[:_MAX_NAMED])}"
            )
    if added != expected_added or offered != added + present:
        keys = _sample_keys(table, candidates)
        raise GraphInconsistent(
            f"{table.name}: rows offered {offered} != added {added} + present {present} "
            f"(expected to add {expected_added}); keys include {keys}"
        )


def _sample_keys(table: Table, rows: pa.Table) -> str:
    sample = rows.select(list(table.key)).slice(0, _MAX_NAMED).to_pylist()
    return "; ".join(", ".join(f"{k}={v!r}" for k, v in row.items()) for row in sample)


def _record(db: StagingDB, table: Table, records: list[FileRecord], new_rows: pa.Table) -> None:
    """Mark the staged files materialized and commit the ledger, in one transaction."""
    counts = pc.value_counts(new_rows.column("file_id").combine_chunks()).to_pylist()
    added_by_file = {c["values"]: c["counts"] for c in counts}
    with db.transaction(what=f"recording materialized {table.name} files") as cur:
        if isinstance(table, RelTable):
            cur.execute(
                f"UPDATE {quote(ledger_table(table))} SET committed = true WHERE NOT committed"
            )
        for record in records:
            if record.status != "staged":
                continue
            added = added_by_file.get(record.file_id, 0)
            mark_materialized(
                cur, record.file_id, rows_added=added,
                rows_present=(record.rows_staged or 0) - added,
            )  # fmt: skip


def reconcile_ledger(db: StagingDB, graph: GraphStore, table: RelTable) -> None:
    """Settle keys left pending by a crash between recording them and the COPY's end.

    The graph's relationship count says whether the COPY happened: committed + pending
    means it did (commit them), committed means it did not (drop them). Any other count
    means something else changed the graph, and the call fails rather than guess.
    """
    ledger = quote(ledger_table(table))
    with db.cursor(what=f"reading the {table.name} ledger") as cur:
        committed, pending = cur.execute(
            f"SELECT count(*) FILTER (WHERE committed), count(*) FILTER (WHERE NOT committed) "
            f"FROM {ledger}"
        ).fetchall()[0]
    in_graph = graph.count(table)
    if pending and in_graph == committed + pending:
        with db.transaction(what=f"recovering the {table.name} ledger") as cur:
            cur.execute(f"UPDATE {ledger} SET committed = true WHERE NOT committed")
    elif pending and in_graph == committed:
        _drop_pending_keys(db, table)
    elif in_graph != committed:
        raise GraphInconsistent(
            f"{table.name}: {in_graph} relationships in the graph but the ledger records "
            f"{committed} (+{pending} pending): something else wrote to it; not guessing"
        )
    if pending:
        logger.warning(
            "relationship ledger recovered",
            extra={"table": table.name, "pending": pending, "in_graph": in_graph},
        )
