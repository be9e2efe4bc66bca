"""Materialization: exactly the new rows of staged files, from DuckDB into LadybugDB.

Candidate rows are the rows of the given files, one per key (``table.key``; when files
disagree on a key's other columns the lowest file id wins, after one that defines the node
for a ``defined_by`` table: ``winners.defined_first``). Rows whose key is already in
the graph are "present"; the rest are checked by ``copy_guard`` and copied (DuckDB ->
Arrow -> COPY) and "added". For upsert tables (the ledger's, ``upsert.py``) the present
keys are then "updated" or "unchanged", and relationships their newer versions lost are
removed, in one more engine transaction under the same intent; candidates a newer version
of their record supersedes are set aside first (``upsert.drop_superseded``). For a
``defined_by`` table, a present key whose node the graph holds without its definition is
"updated" the same way when a staged file of the call defines it (``definitions.py``).
``rows_offered == rows_added + rows_present + rows_superseded`` holds by construction of
the plan; what is checked is that the graph grew by exactly the rows copied (and, before,
that it holds exactly what the ledger records), and the call fails naming the table and
keys otherwise.

"Already in the graph" comes from the table's key ledger in staging
(``_graph_keys_<table>``), as does whether a relationship's endpoint nodes are:
``planning.py`` reads a call's candidates with those flags, and checks them, before the COPY.
The ledger must hold exactly as many keys as the graph holds rows: the graph's count is the
writer's known count (``GraphStore.known_count``: counted when the graph opened, then
advanced by what each COPY reports it copied), so no call scans a relationship table to
count it.

Crash safety (journal.py): the keys to add and the per-file counts are recorded as an
intent before the COPY commits, and the files are marked materialized from that intent
after it, so a crash anywhere is settled exactly by ``recovery.settle_intents`` on the next
write or reopen. Callers must hold the graph's writer lock and settle open intents first.

The staging side of a call runs in a second thread beside the engine (both release the
GIL): while the engine COPYs the rows in an open transaction, the intent is written and
committed; the engine commits only once it has (a failed intent rolls the COPY back);
then the finishing transaction's statements run, and it commits once the graph has been
checked. The order of the three commits, which is all the crash guarantee rests on, is
the same as when they ran one after the other. A request for several tables
(``materialize_tables``) also reads the later calls' rows in a third thread
(``read_ahead``), so the engine rarely waits for staging between two tables.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import check_copy_rows, check_engine_range, conform
from graph_node.definitions import apply_definitions
from graph_node.errors import GraphInconsistent, NodeError
from graph_node.faults import NO_FAULTS, FaultPoints
from graph_node.graph_store import GraphStore
from graph_node.journal import Intent, open_intent
from graph_node.log import logger
from graph_node.models import FileState, MaterializeResult
from graph_node.planning import MaterializePlan, plan_materialize
from graph_node.read_ahead import ReadAhead
from graph_node.recovery import agree_with_ledger, apply_intent, settle_materialize
from graph_node.registry import FileRecord, next_materialize_seq
from graph_node.staging_db import OpenTransaction, StagingDB
from graph_node.upsert import (
    UpsertPlan,
    apply_upsert,
    plan_upsert,
    record_versions,
    upserts,
)
from ledgergraph.graph_schema import Table

_MAX_NAMED = 10
# Writes a call's intent while the engine copies (DuckDB and LadybugDB release the GIL).
_INTENTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-intent")
# Calls of a several-table request read ahead of the one being copied (materialize_tables).
# On a quiet 2-core machine three ahead was fastest (20 filings: 1.48-1.60 s; one ahead
# 1.56-1.65 s; a call per table 1.79-1.81 s); on a machine busy with other work reading
# ahead gains less, as the reads then compete with the engine's COPY for a core.
_READ_AHEAD = 3
# Rows whose COPY outlasts a staging checkpoint (100-400 ms here), which it then hides.
_LONG_COPY = 10_000

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
    prepared = _prepare(db, table, file_ids)
    return _materialize(db, graph, prepared, started, faults=faults, copier=copier)


@dataclass(frozen=True)
class TablesOutcome:
    """What ``materialize_tables`` did: each call's result, up to the one that failed."""

    results: list[MaterializeResult]
    stopped: tuple[str, NodeError] | None = None  # that call's table and error


def materialize_tables(
    db: StagingDB,
    graph: GraphStore,
    calls: Sequence[tuple[Table, Sequence[str]]],
    *,
    faults: FaultPoints = NO_FAULTS,
    copier: Copier = copy_in_process,
) -> TablesOutcome:
    """``materialize_table`` for each (table, file ids) in turn, up to the first that fails.

    Later calls' rows are read from staging and checked while the engine copies the
    current one's (``read_ahead``: a call is read once the calls before it that change
    what it reads are far enough along). Each call is all or nothing, so a failed one
    leaves the tables before it materialized, as separate calls would.
    """
    results: list[MaterializeResult] = []
    reader = ReadAhead(calls, partial(_prepare, db), depth=_READ_AHEAD)
    try:
        for index, (table, _) in enumerate(calls):
            started = time.monotonic()
            try:
                prepared = reader.take(index)
                results.append(_materialize(
                    db, graph, prepared, started, faults=faults, copier=copier,
                    on_recorded=partial(reader.recorded, index),
                ))  # fmt: skip
            except NodeError as exc:
                return TablesOutcome(results, (table.name, exc))
            reader.finished(index)
    finally:
        reader.stop()
    return TablesOutcome(results)


@dataclass(frozen=True)
class _Prepared:
    """A call's plan and the rows for the engine, checked: all read before the COPY."""

    plan: MaterializePlan
    engine_rows: pa.Table
    upsert: UpsertPlan | None


def _prepare(db: StagingDB, table: Table, file_ids: Sequence[str]) -> _Prepared:
    plan = plan_materialize(db, table, file_ids)
    # Upsert tables (upsert.py): present keys with other content are updated after the COPY.
    upsert = (
        plan_upsert(db, table, plan.offered_rows, present=plan.present) if upserts(table) else None
    )
    engine_rows = conform(table, plan.new_rows.drop_columns(["file_id"]))
    check_copy_rows(table, engine_rows)  # before the engine sees a row, as always
    # the rows SET over keys in the graph reach the engine too
    for updated in (upsert.updated if upsert else None, plan.defined):
        if updated is not None and updated.num_rows:
            check_engine_range(table, conform(table, updated.drop_columns(["file_id"])))
    return _Prepared(plan, engine_rows, upsert)


def _materialize(
    db: StagingDB,
    graph: GraphStore,
    prepared: _Prepared,
    started: float,
    *,
    faults: FaultPoints,
    copier: Copier,
    on_recorded: Callable[[], None] | None = None,
) -> MaterializeResult:
    """Record, COPY and finish one prepared call (``materialize_table``'s second half).

    ``on_recorded`` runs once the call's intent has committed, while the engine copies.
    """
    plan, upsert = prepared.plan, prepared.upsert
    table = plan.table
    before = agree_with_ledger(graph, table, recorded=plan.recorded, pending=plan.pending)

    # Staging work runs in another thread meanwhile: the intent is written and committed
    # while the rows are COPYed (the COPY commits only after it: _copy), and the
    # finishing transaction's statements run, to commit once the graph is checked.
    recorded: Future[Intent] = Future()
    recording = _INTENTS.submit(_record, db, table, plan, before, upsert, recorded, on_recorded)
    copied = _copy(db, graph, table, prepared.engine_rows, recorded, recording, copier, faults)
    (intent, finish), settled = copied
    try:
        faults.reached("after-copy", table.name)
        if upsert is not None:
            apply_upsert(graph, upsert)  # a write: the next known_count counts in the graph
            faults.reached("after-update", table.name)
        elif plan.defined is not None and plan.defined.num_rows:
            apply_definitions(graph, table, plan.defined)
            faults.reached("after-update", table.name)
        added = graph.known_count(table) - before
        _check_balance(
            table, plan.candidates, offered=plan.offered, added=added, present=plan.present,
            expected_added=plan.new_rows.num_rows,
        )  # fmt: skip
    except BaseException:
        if not settled:
            finish.rollback()  # the intent stays open: the next write settles it
        raise
    if not settled:
        finish.commit()

    changed = upsert.updated if upsert else plan.defined
    updated = 0 if changed is None else changed.num_rows
    by_file = _rows_per_file(changed)
    result = MaterializeResult(
        table=table.name, rows_offered=plan.offered + plan.superseded, rows_added=added,
        rows_present=plan.present, rows_superseded=plan.superseded,
        rows_updated=updated, rows_unchanged=plan.present - updated,
        relationships_removed=upsert.removed_counts("rel") if upsert else {},
        nodes_removed=upsert.removed_counts("node") if upsert else {},
        files=[FileState(file_id=r.file_id, status="materialized",
                         rows_updated=by_file.get(r.file_id, 0)) for r in plan.records],
    )  # fmt: skip
    logger.info(
        "table materialized",
        extra={**result.model_dump(exclude={"files"}), "files": len(plan.records),
               "duration_ms": round((time.monotonic() - started) * 1000)},
    )  # fmt: skip
    return result


def _rows_per_file(rows: pa.Table | None) -> dict[str, int]:
    """How many of ``rows`` (with file_id) each file gave: the file an update is
    credited to is the one whose row was SET, so a run can tell which filing did it."""
    if rows is None or not rows.num_rows:
        return {}
    counts = pc.value_counts(rows.column("file_id")).to_pylist()
    return {c["values"]: c["counts"] for c in counts}


_Recorded = tuple[Intent, OpenTransaction]


def _record(
    db: StagingDB,
    table: Table,
    plan: MaterializePlan,
    before: int,
    upsert: UpsertPlan | None,
    recorded: Future[Intent],
    on_recorded: Callable[[], None] | None = None,
) -> _Recorded:
    """Commit the call's intent (then set ``recorded``: the COPY may commit), fold a long
    staging log into its file, and run (not commit) the transaction that finishes it."""
    try:
        intent = _open_intent(
            db, table, plan.records, plan.new_rows, before, upsert, plan.offered_rows
        )
    except BaseException as exc:
        recorded.set_exception(exc)
        raise
    recorded.set_result(intent)
    if on_recorded is not None:
        on_recorded()
    if plan.new_rows.num_rows >= _LONG_COPY:
        db.checkpoint_early()  # while the engine copies, not in a commit the call waits for
    finish = db.begin(what=f"recording materialized {table.name} files")
    finish.run(lambda cur: apply_intent(cur, intent))
    return intent, finish


def _copy(
    db: StagingDB,
    graph: GraphStore,
    table: Table,
    rows: pa.Table,
    recorded: Future[Intent],
    recording: Future[_Recorded],
    copier: Copier,
    faults: FaultPoints,
) -> tuple[_Recorded, bool]:
    """COPY the rows, committed only once the intent has committed (``recorded``).

    In-process, the engine COPYs while the intent is written and commits after it; a
    copier that commits on its own (a child process) starts after the intent. Returns
    what was recorded, and True when an engine error had to be settled by the intent's
    keys (the finishing transaction then rolled back: settling finished the intent).
    """

    def intent_recorded() -> None:
        recorded.result()
        faults.reached("after-intent", table.name)  # the COPY not committed yet

    try:
        if copier is copy_in_process:
            graph.copy(table, rows, before_commit=intent_recorded)
        else:
            intent_recorded()
            copier(graph, table, rows)
    except NodeError as exc:
        intent, finish = done = recording.result()  # a failed intent is the error
        finish.rollback()
        # NOTE: LadybugDB can raise after the COPY committed (its automatic checkpoint
        # times out while readers are active); the intent's keys say which it was.
        if settle_materialize(db, graph, intent) != "rolled forward":
            raise
        logger.warning(
            "copy committed despite an engine error",
            extra={"table": table.name, "rows": rows.num_rows, "error": str(exc)},
        )
        return done, True
    except BaseException:
        wait([recording])  # an interrupted call never leaves staging work running
        if recording.exception() is None:
            recording.result()[1].rollback()
        raise
    return recording.result(), False


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
