"""Rebuild: a fresh graph file from staging, built in a child process, swapped in atomically.

Each table gets one row per key from the staged and materialized files, the row of the
file with the lowest (materialize_seq, file_id), a row that defines the node before any
that does not (``winners.winner_order``): the row incremental materialization put in the
graph (earlier calls win, within a call the lowest file id; a later call's definition
replaces an undefined node, ``definitions.py``), so a rebuild equals the incremental graph
table by table. Upsert tables take the newest version instead, with
the relationships it came with (``winners.settle_winners``), as incremental upserts do.
A worker process builds ``graph.lbug.rebuilt``; a native engine crash there costs only
the rebuild. Then one staging transaction rewrites the key ledgers, marks staged files
materialized and records the swap; the live file is closed, replaced by ``os.replace``
and reopened. ``recover_swap`` finishes a swap a crash interrupted, before the graph is
opened, and removes the rows and half-built file of a rebuild that was killed. A damaged
live file (graphs.py) is never opened: it is moved aside under a ``.damaged-{time}`` name
and the rebuilt file takes its place.
"""

from __future__ import annotations

import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import check_copy_rows, conform
from graph_node.errors import GraphInconsistent, MissingEndpoints
from graph_node.graph_store import GraphStore
from graph_node.isolation import WorkerOptions, run_worker, write_rows
from graph_node.log import logger
from graph_node.registry import mark_materialized, next_materialize_seq
from graph_node.staging_db import (
    INTENT_TABLE,
    META_TABLE,
    REGISTRY_TABLE,
    StagingDB,
    ledger_table,
    quote,
    registered,
)
from graph_node.winners import record_rebuild_versions, settle_winners, winning_rows
from ledgergraph.graph_schema import LOAD_ORDER, TABLES, RelTable, Table
from ledgergraph.messages import pluralize

REBUILT_SUFFIX = ".rebuilt"
WORK_DIR = "rebuild"  # {graph folder}/rebuild/{table}.arrow: the rows a worker builds from
_SWAP_KEY = "rebuild_swap"
_DAMAGED = " (replacing a damaged file)"
_WINNERS = "winners"
# LadybugDB's files beside a graph file: its log, and the pages a checkpoint is writing
# (a worker killed mid-checkpoint leaves ``graph.lbug.rebuilt.shadow``)
_SIDECARS = (".wal", ".shadow")


def rebuild_graph(
    db: StagingDB, graph_file: Path, options: WorkerOptions, *, live: GraphStore | None
) -> dict[str, Any]:
    """Build the graph again from staging and swap it in; counts per table.

    ``live`` is the open graph file, closed for the swap; None when it is damaged: it is
    never opened then, and is kept aside as ``graph.lbug.damaged-{time}`` for inspection.
    """
    started = time.monotonic()
    folder = graph_file.parent
    work, rebuilt = folder / WORK_DIR, Path(f"{graph_file}{REBUILT_SUFFIX}")
    _remove(work, rebuilt)
    work.mkdir()
    try:
        winners = _write_winners(db, work)
        done = run_worker(
            ["build", "--rows", str(work), "--out", str(rebuilt), "--tables", ",".join(winners)],
            options,
            what="rebuilding the graph",
        )
        expected = {name: rows.num_rows for name, rows in winners.items()}
        if done["counts"] != expected:
            raise GraphInconsistent(
                f"rebuilt graph holds {done['counts']}, staging offered {expected}"
            )
    except BaseException:
        _remove(work, rebuilt)  # the live graph was never touched
        raise
    _remove(work)
    _record(db, winners, rebuilt.name, damaged=live is None)
    aside = _swap(db, live, graph_file, rebuilt)
    answer: dict[str, Any] = {
        "tables": expected,
        "duration_ms": round((time.monotonic() - started) * 1000),
    }
    if aside is not None:
        answer["damaged_file"] = str(aside)
    logger.info("graph rebuilt", extra=answer)
    return answer


def recover_swap(db: StagingDB, graph_file: Path) -> None:
    """Finish or forget a swap a crash interrupted; call before opening ``graph_file``.

    The rows of a rebuild killed before its swap (``rebuild/``, as large as the graph's
    tables) go too, and its half-built file with the engine's sidecars: a rebuild writes
    them afresh.
    """
    rebuilt = Path(f"{graph_file}{REBUILT_SUFFIX}")
    work = graph_file.parent / WORK_DIR
    if work.is_dir():
        _remove(work)
        logger.warning("rows of an interrupted rebuild removed", extra={"folder": str(work)})
    with db.cursor(what="reading the rebuild state") as cur:
        pending = cur.execute(
            f"SELECT value FROM {META_TABLE} WHERE key = ?", [_SWAP_KEY]
        ).fetchall()
    if pending and rebuilt.exists():
        if pending[0][0].endswith(_DAMAGED):
            _keep_aside(graph_file)
        _replace(rebuilt, graph_file)
        logger.warning("rebuilt graph swapped in after a restart", extra={"file": str(graph_file)})
    elif _exists(rebuilt):  # a build that never finished (maybe killed mid-checkpoint)
        _remove(rebuilt)
        logger.warning("half-built graph of a rebuild removed", extra={"file": str(rebuilt)})
    if pending:
        with db.transaction(what="clearing the rebuild state") as cur:
            cur.execute(f"DELETE FROM {META_TABLE} WHERE key = ?", [_SWAP_KEY])


def _write_winners(db: StagingDB, work: Path) -> dict[str, pa.Table]:
    """Each table's winning rows (with file_id) checked and written to ``work/{table}.arrow``."""
    winners: dict[str, pa.Table] = {}
    with db.cursor(what="reading staged rows for a rebuild") as cur:
        for name in LOAD_ORDER:
            winners[name] = winning_rows(cur, TABLES[name])
        winners = settle_winners(cur, winners)  # upsert tables: as incremental leaves them
    for name, rows in winners.items():
        table = TABLES[name]
        engine_rows = conform(table, rows.drop_columns(["file_id"]))
        check_copy_rows(table, engine_rows)
        if isinstance(table, RelTable):
            _check_endpoints(table, rows, winners)
        write_rows(work / f"{name}.arrow", engine_rows)
    return winners


def _check_endpoints(table: RelTable, rows: pa.Table, winners: dict[str, pa.Table]) -> None:
    for column, end in (("from", table.from_table), ("to", table.to_table)):
        ids = winners[end].column("id")
        missing = rows.filter(pc.invert(pc.is_in(rows.column(column), value_set=ids)))
        if missing.num_rows:
            named = ", ".join(missing.column(column).slice(0, 5).to_pylist())
            raise MissingEndpoints(
                f"{table.name}: {pluralize(missing.num_rows, 'relationship')} "
                f"{'points' if missing.num_rows == 1 else 'point'} at {end} nodes no staged "
                f"file holds ({column}): {named}"
            )


def _record(
    db: StagingDB, winners: dict[str, pa.Table], rebuilt_name: str, *, damaged: bool
) -> None:
    """Ledgers from the winners, staged files materialized, the swap announced: one commit.

    Open materialize intents (left by a crash the damaged graph could not settle) go: the
    ledgers are rewritten whole. Delete intents stay, for the rebuilt graph to settle.
    """
    with db.transaction(what="recording a rebuild") as cur:
        seq = next_materialize_seq(cur)
        staged = cur.execute(
            f"SELECT file_id, table_name, rows_staged FROM {REGISTRY_TABLE} WHERE status = 'staged'"
        ).fetchall()
        counts = {}
        for file_id, name, rows_staged in staged:
            file_ids = winners[name].column("file_id")
            added = int(pc.sum(pc.equal(file_ids, file_id)).as_py() or 0)
            counts[file_id] = (added, (rows_staged or 0) - added)
        mark_materialized(cur, counts, seq=seq)
        for name, rows in winners.items():
            _replace_ledger(cur, TABLES[name], rows)
        record_rebuild_versions(cur, winners)  # pending versions of open intents go too
        cur.execute(f"DELETE FROM {INTENT_TABLE} WHERE kind = 'materialize'")
        value = f"{rebuilt_name}{_DAMAGED if damaged else ''}"
        cur.execute(f"INSERT OR REPLACE INTO {META_TABLE} VALUES (?, ?)", [_SWAP_KEY, value])


def _replace_ledger(cur: duckdb.DuckDBPyConnection, table: Table, rows: pa.Table) -> None:
    ledger = quote(ledger_table(table))
    keys = ", ".join(quote(k) for k in table.key)
    cur.execute(f"DELETE FROM {ledger}")
    with registered(cur, {_WINNERS: rows}):
        cur.execute(f"INSERT INTO {ledger} SELECT {keys}, NULL FROM {_WINNERS}")


def _swap(db: StagingDB, live: GraphStore | None, graph_file: Path, rebuilt: Path) -> Path | None:
    """Put the rebuilt file in place; where the damaged one was kept, if it was."""
    aside = None
    if live is None:
        aside = _keep_aside(graph_file)
        _replace(rebuilt, graph_file)
    else:
        with live.detached() as path:
            _replace(rebuilt, path)
    with db.transaction(what="clearing the rebuild state") as cur:
        cur.execute(f"DELETE FROM {META_TABLE} WHERE key = ?", [_SWAP_KEY])
    return aside


def _keep_aside(graph_file: Path) -> Path | None:
    """Move a damaged graph file (and its log) to ``{name}.damaged-{UTC time}``."""
    if not graph_file.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    aside = graph_file.with_name(f"{graph_file.name}.damaged-{stamp}")
    os.replace(graph_file, aside)
    for sidecar in _SIDECARS:
        found = Path(f"{graph_file}{sidecar}")
        if found.exists():
            os.replace(found, Path(f"{aside}{sidecar}"))
    logger.warning("damaged graph file kept aside", extra={"file": str(aside)})
    return aside


def _replace(rebuilt: Path, live: Path) -> None:
    """Put the rebuilt file in place of the closed live one; the old log goes with it."""
    for sidecar in _SIDECARS:
        Path(f"{live}{sidecar}").unlink(missing_ok=True)
    os.replace(rebuilt, live)
    descriptor = os.open(live.parent, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _exists(graph_file: Path) -> bool:
    """Whether the graph file or one of its engine sidecars is there."""
    return any(Path(f"{graph_file}{sidecar}").exists() for sidecar in ("", *_SIDECARS))


def _remove(*paths: Path) -> None:
    """Remove files or folders, and a file's engine sidecars with it."""
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
        for sidecar in _SIDECARS:
            Path(f"{path}{sidecar}").unlink(missing_ok=True)
