"""Where an SEC run keeps its plan and the outcome of every filing, under ``work/{graph}/{run}/``.

Step Functions payloads carry keys and counts, so each step that learns how a filing ended
writes it to the store, and SummarizeRun reads everything back:

- ``batches.json``: the plan (PlanBatches), each batch's key and its filings.
- ``outcomes/batch-NNNN.json``: how processing ended for each filing of a batch
  (CollectBatch).
- ``outcomes/batch-NNNN.failed.json``: the batch's task or collection failed (RecordOutcome).
- ``outcomes/loads/{source_unit}.json``: a filing's load, loaded or failed (MaterializeBatch,
  or RecordOutcome for a filing that failed registering or staging).
- ``loading/{source_unit}.json``: the files of a filing the run loads, claimed by
  MaterializeBatch before its first call (``load_claims``); not an outcome.

A record that is missing is itself an outcome: SummarizeRun reports such a filing as
failed (never processed, or never loaded), so no filing goes unreported.
"""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlparse

from pydantic import BaseModel, Field, model_validator

from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore

logger = get_logger("ledgergraph")

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
SOURCE_UNIT_PATTERN = RUN_ID_PATTERN


def run_prefix(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/``: everything one run writes besides processed data."""
    return f"work/{graph_id}/{run_id}/"


def filings_key(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/filings.json``: a run's input list, when too big to pass."""
    return f"{run_prefix(graph_id, run_id)}filings.json"


def discovery_key(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/discovery.json``: how a run from EDGAR accounted for
    every row of EDGAR's listings it read (found or rejected, and why), for the summary."""
    return f"{run_prefix(graph_id, run_id)}discovery.json"


def batches_key(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/batches.json``: the batch Map's items."""
    return f"{run_prefix(graph_id, run_id)}batches.json"


def outcomes_prefix(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/outcomes/``."""
    return f"{run_prefix(graph_id, run_id)}outcomes/"


def processing_key(graph_id: str, run_id: str, index: int) -> str:
    """``.../outcomes/batch-{index:04d}.json``: per-filing processing outcomes of a batch."""
    return f"{outcomes_prefix(graph_id, run_id)}batch-{index:04d}.json"


def batch_failure_key(graph_id: str, run_id: str, index: int) -> str:
    """``.../outcomes/batch-{index:04d}.failed.json``: why a batch as a whole failed."""
    return f"{outcomes_prefix(graph_id, run_id)}batch-{index:04d}.failed.json"


def load_key(graph_id: str, run_id: str, source_unit: str) -> str:
    """``.../outcomes/loads/{source_unit}.json``: how one filing's load ended."""
    return f"{outcomes_prefix(graph_id, run_id)}loads/{source_unit}.json"


def bucket_key(store: ObjectStore, key: str) -> str:
    """The key as the bucket knows it (an S3 store's prefix included), for an ItemReader."""
    uri = urlparse(store.uri(key))
    return uri.path.lstrip("/") if uri.scheme == "s3" else key


class LoadRecord(BaseModel):
    """How a filing's load ended: MaterializeBatch's counts or reason, or the error a Catch
    of its staging saw."""

    source_unit: str = Field(pattern=SOURCE_UNIT_PATTERN.pattern)
    status: Literal["loaded", "failed"]
    facts_loaded: int | None = None
    facts_added: int | None = None
    rows_updated: dict[str, int] = Field(
        default_factory=dict,
        description="per table, rows the graph held that this load changed (the filer's "
        "newer Entity, the definition an Element or ElementDefinition lacked); none listed: "
        "0",
    )
    loading_ms: int | None = Field(
        default=None, description="register + stage + its share (by rows) of the batch's "
        "materialize calls"
    )  # fmt: skip
    error: str | None = Field(default=None, description="error name (Step Functions')")
    cause: str | None = Field(default=None, description="Step Functions cause, or a message")
    table: str | None = Field(default=None, description="the table that failed to load")


class BatchFailure(BaseModel):
    """A batch whose XBRL task or CollectBatch failed (after the state machine's retries)."""

    batch_key: str
    index: int = Field(ge=0)
    error: str | None = None
    cause: str | None = None


class RecordOutcomeRequest(BaseModel):
    """One load outcome or one batch failure of a run, to be written to the store."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern)
    load: LoadRecord | None = None
    batch_failure: BatchFailure | None = None
    correlation_id: str | None = None

    @model_validator(mode="after")
    def _one_outcome(self) -> RecordOutcomeRequest:
        if (self.load is None) == (self.batch_failure is None):
            raise ValueError("give exactly one of load and batch_failure")
        return self


def record_outcome(store: ObjectStore, request: RecordOutcomeRequest) -> dict[str, Any]:
    """Write the outcome under the run's ``outcomes/``; idempotent, a repeat overwrites.

    Returns the key written and the status, which is all the state machine keeps.
    """
    graph_id, run_id = request.graph_id, request.run_id
    if request.load is not None:
        record: BaseModel = request.load
        key = load_key(graph_id, run_id, request.load.source_unit)
        status = request.load.status
    else:
        assert request.batch_failure is not None
        record = request.batch_failure
        key = batch_failure_key(graph_id, run_id, request.batch_failure.index)
        status = "failed"
    store.put_bytes(key, record.model_dump_json().encode())
    logger.info("outcome recorded", extra={"key": key, "status": status})
    return {"key": key, "status": status}
