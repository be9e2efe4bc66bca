"""Deleting a source unit: its rows leave staging, and the graph rows only it supported go.

A key stays in the graph while a materialized file of another source unit holds it (an
Element, Period or Unit that other filings share). A surviving key whose row in the graph
came from the deleted unit gets the row of the next file in materialization order (the
newest other one for an upsert table: an Entity falls back to its previous filing's
statements; a defining one first for an Element: ``winners.winner_order``), so the graph
equals one built without the unit (``rebuild`` gives the same); a next row identical in
every column is not written and is counted ``unchanged``. Only
materialized files of other units count: a staged one is not in the graph yet, and adds
its rows when it is materialized (or rebuilt), as it would have without the delete.
A node no longer held by any other unit but still an endpoint of another unit's
relationship is kept and reported (deleting it would orphan that relationship).

Rows an upsert of the unit took out (the lines of an invoice whose newer version had
fewer, or none) are in none of its files: where the unit wrote ledger tables, the
versioned ones are brought to what a rebuild without the unit keeps instead
(restoration.py), so the deleted unit's older versions come back with their lines. An
upsert table's recorded version follows every rewritten or restored row.

Crash safety: a delete intent is recorded first; the graph changes in one engine
transaction; one staging transaction then removes the rows, the ledger keys and the intent
and marks the files deleted. Every step is computed from staging, which only changes in
that last transaction, so ``redo_delete`` after a crash recomputes the same plan and
finishes the job (deleting what is already gone changes nothing).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import conform
from graph_node.errors import SourceNotFound
from graph_node.faults import NO_FAULTS, FaultPoints
from graph_node.graph_store import GraphStore
from graph_node.journal import Intent, close_intent, open_intent
from graph_node.log import logger
from graph_node.planning import key_sql
from graph_node.registry import (
    DELETED_BY_RECOVERY,
    DELETED_BY_REQUEST,
    FileRecord,
    files_of_unit,
    mark_deleted,
)
from graph_node.restoration import (
    needs_restoration,
    plan_restoration,
    record_restoration,
    versioned_tables,
)
from graph_node.staging_db import REGISTRY_TABLE, StagingDB, ledger_table, quote, registered
from graph_node.upsert import forget_keys, upserts
from graph_node.winners import winner_order
from ledgergraph.graph_schema import LOAD_ORDER, TABLES, NodeTable, RelTable, Table, all_columns

_UNIT_FILES = "unit_files"
_REMOVED = "removed_keys"
_SAME = "same_as_graph"


@dataclass
class _Plan:
    """What deleting a unit does to each table."""

    removed: dict[str, pa.Table] = field(default_factory=dict)
    rewritten: dict[str, pa.Table] = field(default_factory=dict)  # with file_id
    unchanged: dict[str, int] = field(default_factory=dict)  # next row identical
    restored: dict[str, pa.Table] = field(default_factory=dict)  # with file_id
    versions: dict[str, pa.Table] = field(default_factory=dict)  # id, file_id to record
    kept: dict[str, list[str]] = field(default_factory=dict)
    untouched: dict[str, int] = field(default_factory=dict)  # another unit's row stays


def delete_source(
    db: StagingDB,
    graph: GraphStore,
    source_unit: str,
    *,
    graph_id: str,
    faults: FaultPoints = NO_FAULTS,
    finished: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Remove ``source_unit`` from staging and the graph ``graph_id``; a second call
    changes nothing.

    ``finished`` is the answer of this unit's delete that a crash interrupted and settling
    the graph finished (``redo_delete``) before this call: with no file of the unit left
    to delete, that is the answer, marked ``finished_interrupted``, so the caller learns
    what the delete it asked for removed rather than "0 files". Without it, a unit whose
    files are all deleted already (by an earlier call, or by another command's write that
    finished an interrupted one) is answered with ``already_deleted``: how many files,
    when, and what deleted them, as the registry recorded it.

    Raises:
        SourceNotFound: no file of the unit was ever registered in this graph.
    """
    started = time.monotonic()
    with db.cursor(what="reading the file registry") as cur:
        records = files_of_unit(cur, source_unit)
    if not records:
        raise SourceNotFound(f"no file of source unit {source_unit!r} in graph {graph_id!r}")
    live = [r.file_id for r in records if r.status != "deleted"]
    if not live and finished is not None:
        logger.info("interrupted delete reported", extra={"source_unit": source_unit})
        return finished | {"finished_interrupted": True}
    if not live:
        answer = _answer(source_unit, 0, _Plan(), started)
        answer["already_deleted"] = already_deleted(records)
        logger.info("source unit already deleted", extra=answer)
        return answer
    with db.transaction(what=f"recording the delete of {source_unit}") as cur:
        detail = {"source_unit": source_unit, "file_ids": live}
        intent = open_intent(cur, "delete", detail)
    plan = run_delete(db, graph, intent, faults=faults)
    answer = _answer(source_unit, len(live), plan, started)
    logger.info("source unit deleted", extra=answer)
    return answer


def already_deleted(records: list[FileRecord]) -> dict[str, Any]:
    """How many of a unit's files were deleted, when (the latest), and by what (the
    registry's ``deleted_by`` of the latest; None for a file deleted before it was kept)."""
    latest = max(records, key=lambda r: r.deleted_at or r.registered_at)
    return {
        "files": len(records),
        "deleted_at": latest.deleted_at.isoformat() if latest.deleted_at else None,
        "by": latest.deleted_by,
    }


def _answer(source_unit: str, files: int, plan: _Plan, started: float) -> dict[str, Any]:
    """What a delete did, per table and kind of change (``render_graph.deleted_source``)."""
    return {
        "source_unit": source_unit,
        "files": files,
        "removed": {t: rows.num_rows for t, rows in plan.removed.items() if rows.num_rows},
        "rewritten": {t: rows.num_rows for t, rows in plan.rewritten.items() if rows.num_rows},
        "unchanged": {t: n for t, n in plan.unchanged.items() if n},
        "restored": {t: rows.num_rows for t, rows in plan.restored.items() if rows.num_rows},
        "kept": {t: len(ids) for t, ids in plan.kept.items() if ids},
        "untouched": {t: n for t, n in plan.untouched.items() if n},
        "duration_ms": round((time.monotonic() - started) * 1000),
    }


def redo_delete(db: StagingDB, graph: GraphStore, intent: Intent) -> dict[str, Any]:
    """Finish a delete a crash interrupted (recovery.settle_intents calls this); what it
    does, as ``delete_source`` answers.

    The plan is computed from staging, which the interrupted delete never changed, so the
    counts are those of the delete as first asked for, whether or not its graph
    transaction had committed before the crash.
    """
    started = time.monotonic()
    plan = run_delete(db, graph, intent, by=DELETED_BY_RECOVERY)
    unit = str(intent.detail["source_unit"])
    answer = _answer(unit, len(intent.detail["file_ids"]), plan, started)
    logger.warning("interrupted delete finished", extra=answer)
    return answer


def run_delete(
    db: StagingDB,
    graph: GraphStore,
    intent: Intent,
    *,
    faults: FaultPoints = NO_FAULTS,
    by: str = DELETED_BY_REQUEST,
) -> _Plan:
    """Plan from staging, change the graph in one transaction, then staging in one
    (the files marked deleted ``by`` the request or the recovery that finished it)."""
    file_ids = list(intent.detail["file_ids"])
    unit = str(intent.detail["source_unit"])
    with db.cursor(what="reading the file registry") as cur:
        names = {r.table_name for r in files_of_unit(cur, unit) if r.file_id in file_ids}
    tables = [name for name in LOAD_ORDER if name in names]
    plan = _plan(db, file_ids, unit, tables)
    _apply(graph, plan)
    faults.reached("after-graph-delete", "*")
    with db.transaction(what=f"deleting {unit} from staging") as cur:
        _delete_staged_rows(cur, file_ids, tables, plan)
        record_restoration(cur, plan.restored, plan.versions)
        mark_deleted(cur, file_ids, by=by)
        close_intent(cur, intent)
    return plan


def _apply(graph: GraphStore, plan: _Plan) -> None:
    """The plan's graph changes in one engine transaction: removals (relationships
    first), restored rows (nodes first), rewrites."""
    graph.apply(
        deletes=[(TABLES[n], plan.removed[n]) for n in reversed(LOAD_ORDER) if n in plan.removed],
        merges=[_engine_rows(n, plan.restored) for n in LOAD_ORDER if n in plan.restored],
        updates=[_engine_rows(n, plan.rewritten) for n in LOAD_ORDER if n in plan.rewritten],
    )


def _engine_rows(name: str, found: dict[str, pa.Table]) -> tuple[Table, pa.Table]:
    """Table ``name`` and its rows in ``found`` as the engine takes them (no file_id)."""
    table = TABLES[name]
    return table, conform(table, found[name].select([c.name for c in all_columns(table)]))


def _plan(db: StagingDB, file_ids: list[str], unit: str, tables: list[str]) -> _Plan:
    """What to delete and rewrite in ``tables`` (the unit's, in load order), and what to
    restore in the versioned tables if the unit wrote ledger tables."""
    plan = _Plan()
    versioned = {t.name for t in versioned_tables()} if needs_restoration(tables) else set()
    with db.cursor(what=f"planning the delete of {unit}") as cur:
        cur.register(_UNIT_FILES, pa.table({"file_id": pa.array(file_ids, pa.string())}))
        if versioned:
            restoration = plan_restoration(cur, _UNIT_FILES)
            plan.removed |= restoration.removed
            plan.rewritten |= restoration.rewritten
            plan.unchanged |= restoration.unchanged
            plan.restored |= restoration.restored
            plan.versions |= restoration.versions
            for name in (n for n in tables if n in versioned):
                plan.untouched[name] = _untouched_versioned(cur, TABLES[name], plan)
        for name in (n for n in tables if n not in versioned):
            table = TABLES[name]
            only_here = _in_ledger(cur, table, _only_here(cur, table, unit))
            if isinstance(table, NodeTable):
                kept = _still_referenced(cur, table, only_here, unit)
                plan.kept[name] = kept
                held = pc.is_in(only_here.column("id"), value_set=pa.array(kept, pa.string()))
                only_here = only_here.filter(pc.invert(held))
            plan.removed[name] = only_here
            plan.rewritten[name], same = _new_winners(cur, table, unit)
            plan.unchanged[name] = same.num_rows
            replaced = plan.rewritten[name].num_rows + same.num_rows
            plan.untouched[name] = _shared_keys(cur, table, unit) - replaced
            if upserts(table):  # the version moves to the new file, identical or not
                moved = pa.concat_tables([plan.rewritten[name], same])
                plan.versions[name] = moved.select(["id", "file_id"])
    return plan


def _untouched_versioned(cur: duckdb.DuckDBPyConnection, table: Table, plan: _Plan) -> int:
    """How many keys of the unit's files in versioned ``table`` the restoration neither
    removes, restores, rewrites nor counts unchanged: their graph row (another unit's, or
    none, as for a row the graph superseded) stays as it is.

    The restoration plans the whole table against a rebuild without the unit; this counts
    what it leaves of the unit's own keys, so that per table removed + rewritten +
    unchanged + untouched is the unit's keys, as for every other table (``kept`` is 0
    here: a rebuild keeps no node for a relationship's sake).
    """
    written = [
        found[table.name].select(table.key)
        for found in (plan.removed, plan.rewritten, plan.restored)
        if table.name in found
    ]
    keys = key_sql(table)
    sql = (
        f"SELECT count(*) FROM (SELECT {keys} FROM {quote(table.name)} "
        f"WHERE file_id IN (SELECT file_id FROM {_UNIT_FILES})"
    )
    removed: dict[str, pa.Table] = {}
    if written:
        removed[_REMOVED] = pa.concat_tables(written, promote_options="permissive")
        sql += f" EXCEPT SELECT {keys} FROM {_REMOVED}"
    with registered(cur, removed):
        left = int(cur.execute(sql + ")").fetchall()[0][0])
    return left - plan.unchanged.get(table.name, 0)


def _only_here(cur: duckdb.DuckDBPyConnection, table: Table, unit: str) -> pa.Table:
    """Keys of the unit's files that no materialized file of another unit holds."""
    keys, name = key_sql(table), quote(table.name)
    sql = (
        f"SELECT DISTINCT {keys} FROM {name} WHERE file_id IN (SELECT file_id FROM {_UNIT_FILES})"
        f" EXCEPT SELECT {key_sql(table, 't')} FROM {name} t JOIN {REGISTRY_TABLE} r "
        "ON r.file_id = t.file_id WHERE r.status = 'materialized' AND r.source_unit <> ?"
    )
    return cur.sql(sql, params=[unit]).to_arrow_table()


def _shared_keys(cur: duckdb.DuckDBPyConnection, table: Table, unit: str) -> int:
    """How many keys of the unit's files a materialized file of another unit holds too:
    those whose row in the graph came from the unit are rewritten or unchanged, the rest
    keep another unit's row untouched."""
    name = quote(table.name)
    sql = (
        f"SELECT count(*) FROM (SELECT {key_sql(table)} FROM {name} "
        f"WHERE file_id IN (SELECT file_id FROM {_UNIT_FILES}) INTERSECT "
        f"SELECT {key_sql(table, 't')} FROM {name} t JOIN {REGISTRY_TABLE} r "
        "ON r.file_id = t.file_id WHERE r.status = 'materialized' AND r.source_unit <> ?)"
    )
    return int(cur.execute(sql, [unit]).fetchall()[0][0])


def _in_ledger(cur: duckdb.DuckDBPyConnection, table: Table, keys: pa.Table) -> pa.Table:
    """The keys among ``keys`` that the graph holds (in the table's ledger)."""
    on = " AND ".join(f"k.{quote(c)} = l.{quote(c)}" for c in table.key)
    with registered(cur, {_REMOVED: keys}):
        return cur.sql(
            f"SELECT k.* FROM {_REMOVED} k SEMI JOIN {quote(ledger_table(table))} l ON {on}"
        ).to_arrow_table()


def _still_referenced(
    cur: duckdb.DuckDBPyConnection, table: NodeTable, ids: pa.Table, unit: str
) -> list[str]:
    """Ids among ``ids`` that a relationship of another unit's materialized file uses."""
    if ids.num_rows == 0:
        return []
    found: set[str] = set()
    with registered(cur, {_REMOVED: ids}):
        for rel in (t for t in TABLES.values() if isinstance(t, RelTable)):
            for column, end in (("from", rel.from_table), ("to", rel.to_table)):
                if end != table.name:
                    continue
                rows = cur.execute(
                    f"SELECT DISTINCT t.{quote(column)} FROM {quote(rel.name)} t "
                    f"JOIN {REGISTRY_TABLE} r ON r.file_id = t.file_id "
                    f"WHERE r.status = 'materialized' AND r.source_unit <> ? "
                    f"AND t.{quote(column)} IN (SELECT id FROM {_REMOVED})",
                    [unit],
                ).fetchall()
                found.update(row[0] for row in rows)
    return sorted(found)


def _new_winners(
    cur: duckdb.DuckDBPyConnection, table: Table, unit: str
) -> tuple[pa.Table, pa.Table]:
    """Rows of other units for keys whose row in the graph came from ``unit``: those that
    differ from the graph's row in some column, and those identical to it.

    The row in the graph is the first materialized, or the newest for an upsert table
    (``winners.winner_order``, as a rebuild keeps); the next one in that order replaces it.
    An identical replacement (a shared Element two filings state alike) needs no write.
    """
    keys, name, order = key_sql(table), quote(table.name), winner_order(table)
    joined = " AND ".join(f"t.{quote(k)} = u.{quote(k)}" for k in table.key)
    names = [c.name for c in all_columns(table)]
    columns = ", ".join(f"n.{quote(c)}" for c in [*names, "file_id"])
    same = " AND ".join(
        ["TRUE", *(f"n.{quote(c)} IS NOT DISTINCT FROM g.{quote(c)}" for c in names)]
    )
    on = " AND ".join(f"n.{quote(k)} = g.{quote(k)}" for k in table.key)
    sql = f"""
        WITH unit_keys AS (
            SELECT DISTINCT {keys} FROM {name}
            WHERE file_id IN (SELECT file_id FROM {_UNIT_FILES})
        ), ranked AS (
            SELECT t.*, r.source_unit = ? AS in_unit,
                row_number() OVER (PARTITION BY {key_sql(table, "t")}
                    ORDER BY {order}) AS rank_all,
                row_number() OVER (PARTITION BY {key_sql(table, "t")}, r.source_unit = ?
                    ORDER BY {order}) AS rank_side
            FROM {name} t JOIN {REGISTRY_TABLE} r ON r.file_id = t.file_id
            JOIN unit_keys u ON {joined}
            WHERE r.status = 'materialized'
        ), held AS (SELECT * FROM ranked WHERE rank_all = 1 AND in_unit)
        SELECT {columns}, {same} AS {_SAME} FROM ranked n JOIN held g ON {on}
        WHERE NOT n.in_unit AND n.rank_side = 1"""
    rows = cur.sql(sql, params=[unit, unit]).to_arrow_table()
    identical = rows.column(_SAME)
    rows = rows.drop_columns([_SAME])
    return rows.filter(pc.invert(identical)), rows.filter(identical)


def _delete_staged_rows(
    cur: duckdb.DuckDBPyConnection, file_ids: list[str], tables: list[str], plan: _Plan
) -> None:
    """The unit's staged rows go; removed keys leave the ledgers and recorded versions."""
    for name in tables:
        cur.execute(f"DELETE FROM {quote(name)} WHERE file_id IN (SELECT unnest(?))", [file_ids])
    for name, removed in plan.removed.items():
        forget_keys(cur, TABLES[name], removed)
