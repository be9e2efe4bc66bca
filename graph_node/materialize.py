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
(``_graph_keys_<table>``): a DuckDB join costs milliseconds where looking thousands of keys
up in LadybugDB costs tenths of seconds, and relationships have no key in LadybugDB to look
up at all. Relationship endpoints are checked the same way, against the endpoint tables'
ledgers. One query reads the candidates with those flags (``_candidates``). The ledger must
hold exactly as many keys as the graph holds rows: the graph's count is the writer's known
count (``GraphStore.known_count``: counted when the graph opened, then advanced by what
each COPY reports it copied), so no call scans a relationship table to count it.

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

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import check_copy_rows, check_engine_range, conform
from graph_node.definitions import apply_definitions, defined_column, plan_definitions
from graph_node.errors import FileConflict, GraphInconsistent, MissingEndpoints, NodeError
from graph_node.faults import NO_FAULTS, FaultPoints
from graph_node.graph_store import GraphStore
from graph_node.journal import Intent, open_intent
from graph_node.log import logger
from graph_node.models import FileState, MaterializeResult
from graph_node.read_ahead import ReadAhead
from graph_node.recovery import (
    agree_with_ledger,
    apply_intent,
    ledger_rows,
    settle_materialize,
)
from graph_node.registry import FileRecord, get_files, next_materialize_seq, ordered
from graph_node.staging_db import OpenTransaction, StagingDB, ledger_table, quote
from graph_node.upsert import (
    UpsertPlan,
    apply_upsert,
    drop_superseded,
    plan_upsert,
    record_versions,
    upserts,
)
from graph_node.winners import defined_first
from ledgergraph.graph_schema import TABLES, NodeTable, RelTable, Table, all_columns

_MAX_NAMED = 10
# Writes a call's intent while the engine copies (DuckDB and LadybugDB release the GIL).
_INTENTS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="write-intent")
# Calls of a several-table request read ahead of the one being copied (materialize_tables).
# On a quiet 2-core machine three ahead was fastest (20 filings: 1.48-1.60 s; one ahead
# 1.56-1.65 s; a call per table 1.79-1.81 s); on a machine busy with other work reading
# ahead gains less, as the reads then compete with the engine's COPY for a core.
_READ_AHEAD = 3

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

    plan: _Plan
    engine_rows: pa.Table
    upsert: UpsertPlan | None


def _prepare(db: StagingDB, table: Table, file_ids: Sequence[str]) -> _Prepared:
    plan = _plan(db, table, file_ids)
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
    plan: _Plan,
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


@dataclass(frozen=True)
class _Plan:
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


def _plan(db: StagingDB, table: Table, file_ids: Sequence[str]) -> _Plan:
    """The files, the ledger's size and the candidate rows, each flagged present or new.

    One query reads every candidate with whether the ledger holds its key (and, for a
    relationship, whether the ledgers of its endpoint tables hold its nodes), instead of
    one query for the candidates and one more for each thing checked about them.
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
    return _Plan(
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


_PRESENT = "__present"
_FEW_FILES = 64
# Rows whose COPY outlasts a staging checkpoint (100-400 ms here), which it then hides.
_LONG_COPY = 10_000
_NARROW = 4  # columns: a relationship's from and to and a property or two
_ENDS = (("from", "__from_missing"), ("to", "__to_missing"))
_UNDEFINED_KEPT = "__undefined_kept"


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
    if column := defined_column(table):
        # NOTE: a semi join with the table's undefined rows, as a rule none: nearly free
        undefined = f"SELECT id FROM {quote(table.name)} WHERE {quote(column)} IS NULL"
        kept = f"({present}) AND c.{quote(column)} IS NOT NULL AND c.id IN ({undefined})"
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
