"""Materializing a batch of staged filings: one call per table, accounting per filing.

RegisterFiles and StageFiles run per filing, and a filing they fail is recorded and left
out. MaterializeBatch then makes one materialize call per table for the staged files of
every filing of the batch, tables in ``LOAD_ORDER`` (nodes before relationships), files in
the batch's order, all in one request (the node reads each table's rows while the engine
copies the table before). Each call costs the graph node a fixed amount (the registry,
the ledger count, the plan, two commits), so a batch pays it once per table instead of
once per table and filing. Where files share a key, the node copies the row of the lowest
file id and credits the key to that file.

Failures stay per filing: when a table's call fails for a permanent reason, the request
stops there, that table is materialized again filing by filing, and the tables after it
get a call each. Each filing whose own call fails is recorded as failed (its accession
number, the table and the node's reason) and left out of the later tables; the other
filings go on. Each call is all or nothing on the node, so a failure loses nothing stored
and leaves no table half copied; a failed filing's rows in the tables before the failing
one are deleted at the end (``remove_failed``).

Each filing's outcome is read back from the node's file registry (``rows_added`` and
``rows_present`` per file): every row of every file must be credited as added or already
present, and the credits of a call must add up to what the call reported added, or the
filing fails naming the table. What the run added counts the files it claimed
(``load_claims``: those still staged when it first came to them), so the tables an
earlier attempt of the step materialized before a transient stop are credited too.
The rows a call updated (a filer's newer Entity, the definition an Element the graph held
lacked) are credited per file in the call's answer, and a loaded filing's record counts
them per table (``rows_updated``). Outcomes go to the run's store folder
(``run_outcomes``); the state machine gets counts only.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Literal

from pydantic import BaseModel, Field

from ledgergraph.batch_files import BatchFile, Files, check_answer, read_batch_files
from ledgergraph.errors import FilingError, PermanentError
from ledgergraph.graph_client import GRAPH_ID_PATTERN, GraphClient, stop_error
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.load_claims import claim_files
from ledgergraph.loading import ms_since
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.run_outcomes import RUN_ID_PATTERN, LoadRecord, load_key

logger = get_logger("ledgergraph")


class StagedFiling(BaseModel):
    """How one filing left the staging Map: staged (with its file count), or not."""

    source_unit: str = Field(min_length=1)
    status: Literal["staged", "failed", "unrecorded"]
    files: int = Field(default=0, ge=0, description="files StageFiles staged")
    loading_ms: int = Field(default=0, ge=0, description="register + stage")


class MaterializeBatchRequest(BaseModel):
    """The staging Map's result for one batch; only staged filings are materialized."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern)
    filings: list[StagedFiling] = Field(default_factory=list)
    correlation_id: str | None = None


@dataclass(frozen=True)
class TableCall:
    """One materialize call that succeeded: its files, the rows it reported added, and
    the rows it updated per file id (a newer Entity, a definition an Element lacked)."""

    table: str
    files: list[BatchFile]
    added: int
    updated: dict[str, int]


@dataclass(frozen=True)
class Failure:
    """Why a filing was not loaded: the error class, a message naming it, the table."""

    error: str
    cause: str
    table: str | None = None


class BatchLoad:
    """One batch's table calls: what they materialized, which filings failed and why."""

    def __init__(self, client: GraphClient, request: MaterializeBatchRequest) -> None:
        self.client, self.request = client, request
        self.calls: list[TableCall] = []
        self.failed: dict[str, Failure] = {}
        self.fallbacks: list[str] = []  # tables whose batch call failed
        self.before: Files = {}  # the registry's files of the batch, before any call
        self.after: Files = {}  # ... and once every call is made
        self.claimed: dict[str, set[str]] = {}  # unit -> the file ids this run loads

    def fail(self, file: BatchFile, exc: PermanentError) -> None:
        """Record the filing's first failure; it is left out of the later tables."""
        cause = f"{file.source_unit}: {file.table} not materialized: {exc}"
        failure = Failure(type(exc).__name__, cause, file.table)
        self.failed.setdefault(file.source_unit, failure)
        logger.error(
            "filing not materialized",
            extra={"source_unit": file.source_unit, "table": file.table, "error": str(exc)},
        )

    def call(self, table: str, files: list[BatchFile]) -> None:
        """One materialize call; raises what the node or the counts check raised."""
        answer = self.client.materialize(
            self.request.graph_id,
            table,
            [f.file_id for f in files],
            correlation_id=self.request.correlation_id,
        )
        self.calls.append(_table_call(table, files, answer))

    def pending(self, table: str, files: Files) -> list[BatchFile]:
        """The table's files still staged, of the filings not failed so far."""
        offered = [by_table.get(table) for unit, by_table in files.items()
                   if unit not in self.failed]  # fmt: skip
        return [f for f in offered if f is not None and f.status == "staged"]

    def materialize_all(self, files: Files) -> list[str]:
        """Every table's files in one request (the node reads each table's rows while the
        engine copies the table before); the tables left for ``materialize_table``: the one
        whose call failed, then the tables after it, which the node did not try.
        """
        calls = [
            (table, pending) for table in LOAD_ORDER if (pending := self.pending(table, files))
        ]
        if not calls:
            return []
        answer = self.client.materialize_tables(
            self.request.graph_id,
            [(table, [f.file_id for f in pending]) for table, pending in calls],
            correlation_id=self.request.correlation_id,
        )
        for (table, pending), result in zip(calls, answer["results"], strict=False):
            try:
                self.calls.append(_table_call(table, pending, result))
            except PermanentError as exc:
                self.one_by_one(table, pending, exc)
        stopped = answer.get("stopped")
        if stopped is None:
            return []
        done = len(answer["results"])
        table, pending = calls[done]
        self.one_by_one(table, pending, stop_error(self.request.graph_id, stopped))
        return [table for table, _ in calls[done + 1 :]]

    def materialize_table(self, table: str, files: Files) -> None:
        """The table's files not yet materialized in one call, one by one if it fails.

        Transient errors (the node busy or gone) propagate: the state machine retries the
        step, and files a call already materialized are not offered again.
        """
        pending = self.pending(table, files)
        if not pending:
            return
        try:
            self.call(table, pending)
        except PermanentError as exc:
            self.one_by_one(table, pending, exc)

    def one_by_one(self, table: str, pending: list[BatchFile], exc: PermanentError) -> None:
        """After the table's call for ``pending`` failed with ``exc``: a call per file,
        so that only the filings whose own call fails are recorded as failed."""
        if len(pending) == 1:
            self.fail(pending[0], exc)
            return
        logger.warning(
            "batch table call failed",
            extra={"table": table, "files": len(pending), "error": str(exc)},
        )
        self.fallbacks.append(table)
        for file in pending:
            try:
                self.call(table, [file])
            except PermanentError as one:
                self.fail(file, one)

    def check_staged(self, filings: list[StagedFiling]) -> None:
        """A filing whose staged files the registry does not hold, every one, fails."""
        for filing in filings:
            held = len(self.before[filing.source_unit])
            if held != filing.files:
                cause = (
                    f"{filing.source_unit}: the registry holds {held} staged files, "
                    f"StageFiles staged {filing.files}"
                )
                self.failed[filing.source_unit] = Failure("FilingError", cause)

    def check_credits(self) -> None:
        """Fail the filings whose files the registry does not credit in full.

        Every row of a file must be credited as added or already present, and a call's
        credits must add up to the rows it reported added (when no file of the call is at
        fault already, every filing of the call fails: the registry cannot say whose it is).
        """
        for call in self.calls:
            credited = [self.after[f.source_unit].get(f.table) for f in call.files]
            whole = True
            for file, record in zip(call.files, credited, strict=True):
                if record is None or record.status != "materialized":
                    status = None if record is None else record.status
                    message = f"file {file.file_id} is {status} afterwards"
                    self.fail(file, FilingError(message))
                    whole = False
                elif (record.rows_added or 0) + (record.rows_present or 0) != file.rows:
                    self.fail(file, FilingError(
                        f"file {file.file_id} has {file.rows} rows, the registry credits "
                        f"{record.rows_added} added + {record.rows_present} present"
                    ))  # fmt: skip
                    whole = False
            added = sum((r.rows_added or 0) for r in credited if r is not None)
            if whole and added != call.added:
                message = f"the registry credits {added} rows added, the call {call.added}"
                for file in call.files:
                    self.fail(file, FilingError(message))

    def check_earlier(self) -> None:
        """Fail the filings whose files an earlier attempt of this run materialized (no
        call of this one offered them) and the registry does not credit in full."""
        offered = {f.file_id for call in self.calls for f in call.files}
        for unit, file_ids in self.claimed.items():
            for record in self.after.get(unit, {}).values():
                if record.file_id not in file_ids or record.file_id in offered:
                    continue
                credited = (record.rows_added or 0) + (record.rows_present or 0)
                if record.status == "materialized" and credited != record.rows:
                    self.fail(record, FilingError(
                        f"file {record.file_id} has {record.rows} rows, the registry "
                        f"credits {record.rows_added} added + {record.rows_present} present"
                    ))  # fmt: skip

    def added_by_run(self) -> dict[str, int]:
        """``rows_added`` of each claimed file of a loaded filing, whichever attempt of
        this run materialized it: a file a previous run loaded is claimed by none."""
        return {
            record.file_id: record.rows_added or 0
            for unit, file_ids in self.claimed.items()
            if unit not in self.failed
            for record in self.after.get(unit, {}).values()
            if record.file_id in file_ids and record.status == "materialized"
        }

    def updated_by_run(self) -> dict[str, int]:
        """The rows each file of a loaded filing updated, by file id, as this attempt's
        calls answered (the registry keeps no such count: see ``_record``)."""
        return {
            file.file_id: call.updated.get(file.file_id, 0)
            for call in self.calls
            for file in call.files
            if file.source_unit not in self.failed
        }

    def remove_failed(self) -> None:
        """Take every failed filing out of staging and the graph, so none is half loaded.

        A filing that failed at one table may have had its earlier tables materialized
        (its Report and Fact nodes, say); the node's delete removes them with the rest of
        its staged rows, and a corrected package of the filing then registers afresh. What
        was removed, or why it could not be, is added to the filing's failure.
        """
        for unit, failure in list(self.failed.items()):
            try:
                answer = self.client.delete_source(
                    self.request.graph_id, unit, correlation_id=self.request.correlation_id
                )
            except PermanentError as exc:
                note = (f"; removing its rows failed ({exc}): "
                        f"run `ledgergraph delete-source {unit}`")  # fmt: skip
            else:
                removed = sum(answer.get("removed", {}).values())
                note = f"; removed from staging and the graph ({removed} rows it had added there)"
            self.failed[unit] = replace(failure, cause=failure.cause + note)


def _table_call(table: str, files: list[BatchFile], answer: dict[str, Any]) -> TableCall:
    """The call's record once ``check_answer`` accepts its counts."""
    added = check_answer(table, answer, files)
    answered = answer.get("files", [])
    updated = {f["file_id"]: int(f.get("rows_updated") or 0) for f in answered}
    return TableCall(table, files, added, updated)


def _record(
    filing: StagedFiling,
    files: dict[str, BatchFile],
    added_now: dict[str, int],
    updated_now: dict[str, int],
    failure: Failure | None,
    loading_ms: int,
) -> LoadRecord:
    """A staged filing's load record. Its ``rows_updated`` counts the updates of this
    attempt's calls only.

    NOTE: a table an earlier attempt of the step materialized (before a transient stop)
    counts no update: the registry records rows added and present per file, not updated.
    """
    unit = filing.source_unit
    if failure is not None:
        return LoadRecord(
            source_unit=unit, status="failed", error=failure.error, cause=failure.cause,
            table=failure.table, loading_ms=loading_ms,
        )  # fmt: skip
    fact = files.get("Fact")
    return LoadRecord(
        source_unit=unit,
        status="loaded",
        facts_loaded=0 if fact is None else fact.rows,
        facts_added=0 if fact is None else added_now.get(fact.file_id, 0),
        rows_updated={t: n for t, f in files.items() if (n := updated_now.get(f.file_id))},
        loading_ms=loading_ms,
    )


def _loading_ms(filings: list[StagedFiling], files: Files, ms: int) -> dict[str, int]:
    """Each filing's register + stage time plus its share (by rows) of the batch's calls."""
    units = [f.source_unit for f in filings]
    rows = {unit: sum(x.rows for x in files[unit].values()) for unit in units}
    total = sum(rows.values())
    return {
        f.source_unit: f.loading_ms
        + (ms * rows[f.source_unit] // total if total else ms // len(filings))
        for f in filings
    }


def load_staged(
    store: ObjectStore, client: GraphClient, request: MaterializeBatchRequest
) -> BatchLoad:
    """Materialize the staged filings of the request, table by table, and check credits;
    the files the run loads are claimed in ``store`` before the first call."""
    load = BatchLoad(client, request)
    staged = [f for f in request.filings if f.status == "staged"]
    units = [f.source_unit for f in staged]
    if not units:
        return load
    corr = request.correlation_id
    load.before = read_batch_files(client, request.graph_id, units, correlation_id=corr)
    load.check_staged(staged)
    pending = {
        unit: [f.file_id for f in load.before[unit].values() if f.status == "staged"]
        for unit in units
        if unit not in load.failed
    }
    load.claimed = claim_files(store, request.graph_id, request.run_id, pending)
    for table in load.materialize_all(load.before):
        load.materialize_table(table, load.before)
    load.after = read_batch_files(client, request.graph_id, units, correlation_id=corr)
    load.check_credits()
    load.check_earlier()
    load.remove_failed()
    return load


def materialize_batch(
    store: ObjectStore, client: GraphClient, request: MaterializeBatchRequest
) -> dict[str, Any]:
    """Materialize the batch's staged filings table by table; record each filing's load.

    Writes a load record (loaded with its fact counts, or failed naming the table) for
    every staged filing; the filings that failed staging have theirs already. Idempotent:
    a repeat offers only files not yet materialized and writes the same records again
    (``facts_added`` counts what this run added, in whichever attempt; another run that
    finds the filing loaded records 0). Returns counts only.
    """
    started = time.monotonic()
    load = load_staged(store, client, request)
    files = load.before
    staged = [f for f in request.filings if f.status == "staged"]
    added_now, updated_now = load.added_by_run(), load.updated_by_run()
    shares = _loading_ms(staged, files, ms_since(started))
    for filing in staged:
        unit = filing.source_unit
        failure = load.failed.get(unit)
        record = _record(filing, files[unit], added_now, updated_now, failure, shares[unit])
        key = load_key(request.graph_id, request.run_id, unit)
        store.put_bytes(key, record.model_dump_json().encode())
    loaded = len(staged) - len(load.failed)
    result = {
        "graph_id": request.graph_id,
        "run_id": request.run_id,
        "filings": len(request.filings),
        "staged": len(staged),
        "loaded": loaded,
        "failed": len(request.filings) - loaded,
        "calls": len(load.calls),
        "fallback_tables": load.fallbacks,
        "duration_ms": ms_since(started),
    }
    logger.info("batch materialized", extra=result)
    return result
