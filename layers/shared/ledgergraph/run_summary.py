"""The end of an SEC run: one line per filing, loaded or failed and why, and the totals.

The state machine hands over, per batch, what CollectBatch found (or the batch's failure)
and the record of each filing's load. Nothing here counts a filing as loaded unless its
MaterializeGraph step said so.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.sec_steps import RUN_ID_PATTERN

logger = get_logger("ledgergraph")

_CAUSE_LIMIT = 1000
_COUNTS = ("facts_in_document", "facts_loaded", "facts_rejected", "duplicates_collapsed")


class BatchRecord(BaseModel):
    """A batch as the state machine ends it: outcomes, loads, or the batch's failure."""

    batch_key: str
    filings: list[dict[str, Any]] = Field(default_factory=list)
    loads: list[dict[str, Any]] = Field(default_factory=list)
    batch_error: dict[str, Any] | None = Field(
        default=None, description="Step Functions error output: Error and Cause"
    )


class SummarizeRunRequest(BaseModel):
    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern)
    batches: list[BatchRecord]
    correlation_id: str | None = None


def summary_key(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/summary.json``."""
    return f"work/{graph_id}/{run_id}/summary.json"


def explain_cause(cause: str | None) -> str:
    """A readable message from a Step Functions cause (Lambda error or ECS task JSON)."""
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        return cause[:_CAUSE_LIMIT]
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        return str(parsed["errorMessage"])[:_CAUSE_LIMIT]
    if isinstance(parsed, dict) and "StoppedReason" in parsed:
        return f"XBRL task failed: {parsed['StoppedReason']}"[:_CAUSE_LIMIT]
    return cause[:_CAUSE_LIMIT]


def _loading_outcome(outcome: dict[str, Any], load: dict[str, Any] | None) -> dict[str, Any]:
    if load is None:
        return {"status": "failed", "error_type": "NotLoaded", "error": "processed, never loaded"}
    if load.get("status") == "loaded":
        return {
            "status": "loaded",
            "facts_loaded": load.get("facts_loaded", 0),
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
        "facts_rejected": outcome.get("facts_rejected"),
        "rejected_reasons": outcome.get("rejected_reasons") or {},
        "duplicates_collapsed": outcome.get("duplicates_collapsed"),
        "error_type": outcome.get("error_type"),
        "error": outcome.get("error"),
        "processing_ms": outcome.get("processing_ms"),
        "loading_ms": None,
    }
    if batch_error is not None:
        line["error_type"] = batch_error.get("Error")
        line["error"] = explain_cause(batch_error.get("Cause"))
    elif outcome.get("status") == "processed":
        line |= _loading_outcome(outcome, load)
    return line


def _totals(filings: list[dict[str, Any]]) -> dict[str, int]:
    totals = {"filings": len(filings)}
    totals["loaded"] = sum(1 for f in filings if f["status"] == "loaded")
    totals["failed"] = totals["filings"] - totals["loaded"]
    for name in (*_COUNTS, "processing_ms", "loading_ms"):
        totals[name] = sum(f.get(name) or 0 for f in filings)
    return totals


def summarize_run(store: ObjectStore, request: SummarizeRunRequest) -> dict[str, Any]:
    """The run's summary, also written to ``summary_key``; ``ok`` only if all loaded."""
    filings = []
    for batch in request.batches:
        loads = {load.get("source_unit"): load for load in batch.loads}
        filings += [
            summarize_filing(o, loads.get(o["source_unit"]), batch.batch_error)
            for o in batch.filings
        ]
    totals = _totals(filings)
    summary = {
        "graph_id": request.graph_id,
        "run_id": request.run_id,
        "ok": totals["failed"] == 0,
        "loaded": totals["loaded"],
        "failed": totals["failed"],
        "totals": totals,
        "filings": filings,
    }
    key = summary_key(request.graph_id, request.run_id)
    store.put_bytes(key, json.dumps(summary, indent=2).encode())
    logger.info("run summarized", extra={"summary_key": key, **totals})
    return summary
