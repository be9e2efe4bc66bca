"""The end of an SEC run: one line per filing, loaded or failed and why, and the totals.

The plan (``batches.json``) names every filing the run was given; the outcome records under
``outcomes/`` say how each ended (see ``run_outcomes``). A filing without a record is
reported as failed: its batch ended without recording it, or its load was never recorded.
Nothing here counts a filing as loaded unless its MaterializeBatch step said so.

A processed filing whose load failed for the load's sake (the graph node unavailable, a
timeout: see ``load_state``) is ``interrupted``, not failed: its facts are not rejected,
and the node's file registry, asked when the summary is written, says how much of it is
in the graph (``graph_files``; None when the node did not answer).

The full summary goes to ``summary.json``; the state machine gets counts, its key, and
the per-filing lines only when they are few (Step Functions payloads stay under 256 KiB).
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ledgergraph.causes import explain_cause
from ledgergraph.errors import ObjectNotFound
from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.load_state import (
    LoadState,
    StagingReader,
    is_interruption,
    read_load_states,
)
from ledgergraph.logs import get_logger
from ledgergraph.missing_schemas import missing_schema_warnings
from ledgergraph.objectstore import ObjectStore
from ledgergraph.run_outcomes import (
    RUN_ID_PATTERN,
    LoadRecord,
    batch_failure_key,
    batches_key,
    discovery_key,
    load_key,
    outcomes_prefix,
    processing_key,
)

logger = get_logger("ledgergraph")

MAX_INLINE_FILINGS = 200
MAX_INLINE_BYTES = 96 * 1024
# facts_loaded is what the graph was offered (all present afterwards, but for an
# interrupted filing's facts_unsettled), facts_added what this run added to it: a rerun
# offers the same facts and adds none; facts_present what the graph held already. Every
# line and the totals add up: in document = added + present + unsettled + rejected +
# duplicates_collapsed.
_COUNTS = (
    "facts_in_document", "facts_loaded", "facts_added", "facts_present", "facts_rejected",
    "duplicates_collapsed", "duplicates_consistent", "duplicates_inconsistent",
    "inconsistent_sets", "facts_unsettled",
)  # fmt: skip
_READ_WORKERS = 16


class BatchRecord(BaseModel):
    """Filing lines handed over whole: the failed downloads of CollectDownloads."""

    batch_key: str
    filings: list[dict[str, Any]] = Field(default_factory=list)
    loads: list[dict[str, Any]] = Field(default_factory=list)
    batch_error: dict[str, Any] | None = Field(
        default=None, description="Step Functions error output: Error and Cause"
    )


class SummarizeRunRequest(BaseModel):
    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern)
    download_failures: BatchRecord | None = Field(
        default=None, description="failed downloads of a run from EDGAR (CollectDownloads)"
    )
    process_error: dict[str, Any] | None = Field(
        default=None,
        description="the batch Map's error output, if the Map itself failed: names every "
        "filing left without a record",
    )
    correlation_id: str | None = None


@dataclass
class RunOutcomes:
    """The records of one run, by batch index and source unit."""

    processing: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    batch_errors: dict[int, dict[str, Any]] = field(default_factory=dict)
    loads: dict[str, dict[str, Any]] = field(default_factory=dict)


def summary_key(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/summary.json``."""
    return f"work/{graph_id}/{run_id}/summary.json"


def _loading_outcome(outcome: dict[str, Any], load: dict[str, Any] | None) -> dict[str, Any]:
    if load is None:
        return {"status": "failed", "error_type": "NotLoaded", "error": "processed, never loaded"}
    if load.get("status") == "loaded":
        return {
            "status": "loaded",
            "facts_loaded": load.get("facts_loaded", 0),
            "facts_added": load.get("facts_added"),  # None: a record from before it was kept
            "rows_updated": dict(load.get("rows_updated") or {}),
            "loading_ms": load.get("loading_ms"),
        }
    return {
        "status": "failed",
        "error_type": load.get("error"),
        "error": explain_cause(load.get("cause")),
    }


def summarize_filing(
    outcome: dict[str, Any], load: dict[str, Any] | None, batch_error: dict[str, Any] | None
) -> dict[str, Any]:
    """One filing's line: processing counts, then how its load (or processing) ended."""
    line: dict[str, Any] = {
        "source_unit": outcome["source_unit"],
        "cik": outcome.get("cik"),
        "form": outcome.get("form"),
        "status": "failed",
        "facts_in_document": outcome.get("facts_in_document"),
        "facts_loaded": 0,
        "facts_added": 0,
        "facts_rejected": outcome.get("facts_rejected"),
        "rejected_reasons": outcome.get("rejected_reasons") or {},
        # per table, rows the graph held that the load changed: the filer's newer Entity,
        # the definition an Element or ElementDefinition lacked (none of them a fact)
        "rows_updated": {},
        "duplicates_collapsed": outcome.get("duplicates_collapsed"),
        # facts kept in sets of duplicates (of those offered), and the inconsistent sets
        "duplicates_consistent": outcome.get("duplicates_consistent"),
        "duplicates_inconsistent": outcome.get("duplicates_inconsistent"),
        "inconsistent_sets": outcome.get("inconsistent_sets"),
        "error_type": outcome.get("error_type"),
        "error": outcome.get("error"),
        "processing_ms": outcome.get("processing_ms"),
        "loading_ms": None,
        # the manifest's warnings (None without a manifest), plus one per schema missing
        # that cost facts (added below); and the warnings to act on
        "warnings": outcome.get("warnings"),
        "warnings_to_act_on": outcome.get("warnings_to_act_on") or [],
    }
    if batch_error is not None:
        line["error_type"] = batch_error.get("Error")
        line["error"] = explain_cause(batch_error.get("Cause"))
    elif outcome.get("status") == "processed":
        line |= _loading_outcome(outcome, load)
        # a new list: the outcome's, as read, stays as it is
        missing = missing_schema_warnings(line["rejected_reasons"])
        line["warnings_to_act_on"] = [*line["warnings_to_act_on"], *missing]
        if missing:
            line["warnings"] = (line["warnings"] or 0) + len(missing)
    if is_interruption(line["error_type"]) and outcome.get("status") == "processed":
        line |= _interrupted(line)
    elif line["status"] == "failed":
        line |= _failed_filing(line)
    line["facts_present"] = facts_present(line)
    return line


def facts_present(line: dict[str, Any]) -> int | None:
    """The facts a filing offered that the graph held already: offered, not added and not
    unsettled (an interrupted load's). None when the added count is unknown (a load
    record from before it was kept)."""
    offered, added = line.get("facts_loaded"), line.get("facts_added")
    if offered is None or added is None:
        return None
    return offered - added - (line.get("facts_unsettled") or 0)


def _failed_filing(line: dict[str, Any]) -> dict[str, Any]:
    """A failed filing offered nothing: every fact of it is rejected, those its processing
    rejected under their reasons and the rest under the failure's (``failure_reason``),
    whether it failed in the XBRL task or at loading. So in document = rejected and
    ``rejected_reasons`` adds up to ``facts_rejected``; uncounted facts stay None."""
    counted = line["facts_in_document"]
    if counted is None:
        return {}
    reasons = dict(line["rejected_reasons"])
    rest = counted - sum(reasons.values())
    if rest > 0:
        reasons[failure_reason(line["error_type"])] = rest
    return {
        "facts_rejected": counted,
        "rejected_reasons": reasons,
        "duplicates_collapsed": 0,
        "duplicates_consistent": 0,
        "duplicates_inconsistent": 0,
        "inconsistent_sets": 0,
    }


def failure_reason(error_type: str | None) -> str:
    """The rejection reason of the facts a failed filing had offered."""
    return f"filing failed ({error_type or 'unknown error'})"


def _interrupted(line: dict[str, Any]) -> dict[str, Any]:
    """An interrupted filing's fields: every fact it offered is unsettled until the
    registry says whether its Fact file is in the graph (``settle_interrupted``)."""
    offered = (line["facts_in_document"] or 0) - (line["facts_rejected"] or 0)
    offered -= line["duplicates_collapsed"] or 0
    return {"status": "interrupted", "facts_loaded": offered, "facts_unsettled": offered,
            "graph_files": None}  # fmt: skip


def settle_interrupted(
    filings: list[dict[str, Any]],
    states: dict[str, LoadState] | None,
) -> None:
    """Set each interrupted filing's ``graph_files`` (materialized and unmaterialized
    file counts) and, once its Fact file is in the graph, its facts added and present.
    ``states`` None: what is in the graph is unknown, and the lines stay as they are."""
    for line in filings:
        state = None if states is None else states.get(line["source_unit"])
        if line["status"] != "interrupted" or state is None:
            continue
        line["graph_files"] = state.graph_files()
        if state.facts_added is not None:
            present = state.facts_present or 0
            line["facts_added"] = state.facts_added
            line["facts_unsettled"] = line["facts_loaded"] - state.facts_added - present
            line["facts_present"] = present


def count_totals(filings: list[dict[str, Any]]) -> dict[str, Any]:
    """Filings per outcome, and every count of the lines summed (``rows_updated`` per
    table)."""
    totals: dict[str, Any] = {"filings": len(filings)}
    totals["loaded"] = sum(1 for f in filings if f["status"] == "loaded")
    totals["interrupted"] = sum(1 for f in filings if f["status"] == "interrupted")
    totals["failed"] = totals["filings"] - totals["loaded"] - totals["interrupted"]
    for name in (*_COUNTS, "warnings", "processing_ms", "loading_ms"):
        totals[name] = sum(f.get(name) or 0 for f in filings)
    totals["rows_updated"] = sum_updated(filings)
    return totals


def sum_updated(filings: list[dict[str, Any]]) -> dict[str, int]:
    """The lines' ``rows_updated`` summed per table."""
    updated: dict[str, int] = {}
    for line in filings:
        for table, n in (line.get("rows_updated") or {}).items():
            updated[table] = updated.get(table, 0) + n
    return updated


def publish_decision(totals: dict[str, Any]) -> dict[str, Any]:
    """Whether the publish a successful run sets off makes a snapshot (``publish``), and
    why not (``publish_note``). A run that loaded no filing (every one failed, or none was
    given) changed nothing in the graph: a new snapshot would only move the replicas to a
    copy of what they serve. A run that loaded or interrupted a filing publishes, even one
    whose facts were all present: its other tables (arcs, labels) may have gained rows."""
    if totals.get("loaded") or totals.get("interrupted"):
        return {"publish": True, "publish_note": "a snapshot follows"}
    return {"publish": False, "publish_note": "skipped, nothing loaded"}


def _read_json(store: ObjectStore, key: str) -> Any | None:
    try:
        return json.loads(store.get_bytes(key))
    except ObjectNotFound:
        return None
    except ValueError:
        logger.warning("outcome record unreadable", extra={"key": key})
        return None


def _read_load(store: ObjectStore, key: str) -> dict[str, Any] | None:
    raw = _read_json(store, key)
    try:
        return None if raw is None else LoadRecord.model_validate(raw).model_dump()
    except ValidationError:
        logger.warning("outcome record unreadable", extra={"key": key})
        return None


def read_outcomes(
    store: ObjectStore, graph_id: str, run_id: str, plan: list[dict[str, Any]]
) -> RunOutcomes:
    """Every outcome record of the run's planned filings; one listing, then parallel reads."""
    present = set(store.list_keys(outcomes_prefix(graph_id, run_id)))

    def read(key: str) -> Any | None:
        return _read_json(store, key) if key in present else None

    def read_load(key: str) -> dict[str, Any] | None:
        return _read_load(store, key) if key in present else None

    indexes = [batch["index"] for batch in plan]
    units = [f["source_unit"] for batch in plan for f in batch["filings"]]
    with ThreadPoolExecutor(max_workers=_READ_WORKERS) as pool:
        processed = list(pool.map(read, [processing_key(graph_id, run_id, i) for i in indexes]))
        failed = list(pool.map(read, [batch_failure_key(graph_id, run_id, i) for i in indexes]))
        loads = list(pool.map(read_load, [load_key(graph_id, run_id, u) for u in units]))

    outcomes = RunOutcomes(loads=dict(zip(units, loads, strict=True)))
    for index, record, failure in zip(indexes, processed, failed, strict=True):
        if record is not None:
            outcomes.processing[index] = {f["source_unit"]: f for f in record["filings"]}
        if failure is not None:
            outcomes.batch_errors[index] = {
                "Error": failure.get("error"),
                "Cause": failure.get("cause"),
            }
    return outcomes


def _unprocessed(
    ref: dict[str, Any], batch_key: str, process_error: dict[str, Any] | None
) -> dict[str, Any]:
    """The outcome of a planned filing whose batch left no record of it."""
    error = process_error or {}
    return ref | {
        "status": "failed",
        "error_type": error.get("Error") or "NotProcessed",
        "error": explain_cause(error.get("Cause"))
        or f"batch {batch_key} ended without a record of {ref['source_unit']}",
    }


def summarize_planned(
    plan: list[dict[str, Any]], outcomes: RunOutcomes, process_error: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """One line per planned filing, in plan order.

    A load record stands even if its batch failed later (a load the graph node confirmed,
    or a filing's own staging or materialize failure); a processing failure keeps its own
    reason; otherwise the batch's failure names the filing.
    """
    lines = []
    for batch in plan:
        processing = outcomes.processing.get(batch["index"], {})
        batch_error = outcomes.batch_errors.get(batch["index"])
        for ref in batch["filings"]:
            unit = ref["source_unit"]
            outcome = processing.get(unit) or _unprocessed(ref, batch["batch_key"], process_error)
            load = outcomes.loads.get(unit)
            settled = outcome["status"] == "failed" and unit in processing
            error = None if settled or load is not None else batch_error
            lines.append(summarize_filing(outcome, load, error))
    return lines


def compact(summary: dict[str, Any], key: str) -> dict[str, Any]:
    """What SummarizeRun returns: counts and the summary's key; the lines only if few."""
    names = ("graph_id", "run_id", "ok", "loaded", "interrupted", "failed")
    names += ("publish", "publish_note")
    result = {name: summary[name] for name in names}
    result |= {"totals": summary["totals"], "summary_key": key}
    filings = summary["filings"]
    if len(filings) <= MAX_INLINE_FILINGS and len(json.dumps(filings)) <= MAX_INLINE_BYTES:
        result["filings"] = filings
    return result


def summarize_run(
    store: ObjectStore, request: SummarizeRunRequest, *, registry: StagingReader | None = None
) -> dict[str, Any]:
    """Write the run's summary to ``summary_key``; returns ``compact`` of it.

    ``ok`` only if every filing loaded. Reads the plan and every outcome record of the run,
    and asks ``registry`` (the graph node) about interrupted filings only, if there are any.
    A run from EDGAR also gets ``discovery``: the rows of EDGAR's listings read, found and
    rejected (each rejected row with its reason), so its counts reconcile end to end.
    """
    graph_id, run_id = request.graph_id, request.run_id
    plan = json.loads(store.get_bytes(batches_key(graph_id, run_id)))
    outcomes = read_outcomes(store, graph_id, run_id, plan)
    filings = summarize_planned(plan, outcomes, request.process_error)
    if request.download_failures is not None:
        filings += [summarize_filing(f, None, None) for f in request.download_failures.filings]
    stopped = [f["source_unit"] for f in filings if f["status"] == "interrupted"]
    if stopped:
        settle_interrupted(filings, read_load_states(registry, graph_id, stopped))
    totals = count_totals(filings)
    summary = {
        "graph_id": graph_id,
        "run_id": run_id,
        "ok": totals["failed"] == totals["interrupted"] == 0,
        "loaded": totals["loaded"],
        "interrupted": totals["interrupted"],
        "failed": totals["failed"],
        **publish_decision(totals),
        "totals": totals,
        "filings": filings,
    }
    discovery = _read_json(store, discovery_key(graph_id, run_id))
    if discovery is not None:  # a run from EDGAR: the rows of its listings, found or not
        summary["discovery"] = discovery
    key = summary_key(graph_id, run_id)
    store.put_bytes(key, json.dumps(summary, indent=2).encode())
    logger.info("run summarized", extra={"summary_key": key, **totals})
    return compact(summary, key)
