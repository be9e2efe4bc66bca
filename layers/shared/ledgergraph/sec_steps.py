"""The SEC state machine's processing steps: plan the batches, collect what a batch left.

The XBRL task reads a batch from the store and leaves, per filing, either a manifest
(complete Parquet) or an ``error.json``. These functions are what the PlanBatches and
CollectBatch Lambdas run; they read and write only keys of the object store, and return
keys and counts: the plan and every filing's outcome stay in the store (``run_outcomes``).
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from ledgergraph.batches import Batch, FilingRef, batch_key
from ledgergraph.errors import PermanentError
from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.logs import get_logger
from ledgergraph.manifest import SourceUnitError, SourceUnitManifest, error_key, manifest_key
from ledgergraph.objectstore import ObjectStore
from ledgergraph.run_outcomes import (
    RUN_ID_PATTERN,
    batches_key,
    bucket_key,
    processing_key,
    run_prefix,
)

logger = get_logger("ledgergraph")

MAX_BATCH_SIZE = 100


class PlanBatchesRequest(BaseModel):
    """What the state machine was started with."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern, description="one run's work keys")
    batch_size: int = Field(default=3, ge=1, le=MAX_BATCH_SIZE, description="filings per task")
    filings: list[FilingRef] | None = Field(default=None, description="the filings, inline")
    filings_key: str | None = Field(
        default=None,
        description="or a store key under work/{graph_id}/ holding the list, for long lists",
    )
    correlation_id: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> PlanBatchesRequest:
        if (self.filings is None) == (self.filings_key is None):
            raise ValueError("give exactly one of filings and filings_key")
        if self.filings_key is not None and not self.filings_key.startswith(
            f"work/{self.graph_id}/"
        ):
            raise ValueError(f"filings_key must be under work/{self.graph_id}/")
        return self


class CollectBatchRequest(BaseModel):
    """A batch the XBRL task has worked through."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    batch_key: str
    correlation_id: str | None = None


def _unique(filings: list[FilingRef]) -> list[FilingRef]:
    seen: set[str] = set()
    unique = []
    for filing in filings:
        if filing.source_unit in seen:
            logger.warning("duplicate filing dropped", extra={"source_unit": filing.source_unit})
            continue
        seen.add(filing.source_unit)
        unique.append(filing)
    return unique


def read_filings(store: ObjectStore, request: PlanBatchesRequest) -> list[FilingRef]:
    """The run's filings, inline or from ``filings_key``, each once (first one wins)."""
    if request.filings is not None:
        return _unique(request.filings)
    items = json.loads(store.get_bytes(request.filings_key or ""))
    return _unique([FilingRef.model_validate(item) for item in items])


def plan_batches(store: ObjectStore, request: PlanBatchesRequest) -> dict[str, Any]:
    """Write each batch and the plan (``batches.json``); idempotent for a run id.

    The plan lists every batch's key, index and filings (source unit, CIK, form): the
    batch Map's items, and SummarizeRun's list of what the run was given. Returns the
    plan's bucket key (for the Map's ItemReader) and counts, never the batches.
    """
    filings = read_filings(store, request)
    size = request.batch_size
    plan = []
    for index, start in enumerate(range(0, len(filings), size)):
        batch = Batch(
            graph_id=request.graph_id,
            run_id=request.run_id,
            index=index,
            filings=filings[start : start + size],
        )
        key = batch_key(request.graph_id, request.run_id, index)
        store.put_bytes(key, batch.model_dump_json().encode())
        refs = [f.model_dump(include={"source_unit", "cik", "form"}) for f in batch.filings]
        plan.append({"batch_key": key, "index": index, "filings": refs})
    key = batches_key(request.graph_id, request.run_id)
    store.put_bytes(key, json.dumps(plan).encode())
    logger.info("batches planned", extra={"filings": len(filings), "batches": len(plan)})
    return {
        "graph_id": request.graph_id,
        "run_id": request.run_id,
        "batches_key": bucket_key(store, key),
        "batch_count": len(plan),
        "filing_count": len(filings),
    }


def _failed(
    filing: FilingRef,
    error_type: str,
    message: str,
    facts_in_document: int | None = None,
    rejected_reasons: dict[str, int] | None = None,
) -> dict[str, Any]:
    """A failed filing's outcome; its facts, when they were counted, are all rejected,
    those counted per reason before the failure under their reasons (``run_summary``)."""
    return {
        "source_unit": filing.source_unit,
        "cik": filing.cik,
        "form": filing.form,
        "status": "failed",
        "error_type": error_type,
        "error": message,
        "facts_in_document": facts_in_document,
        "facts_rejected": facts_in_document,
        "rejected_reasons": rejected_reasons or {},
    }


def _processed(filing: FilingRef, manifest: SourceUnitManifest) -> dict[str, Any]:
    facts = manifest.facts
    return {
        "source_unit": filing.source_unit,
        "cik": filing.cik,
        "form": filing.form or manifest.form,  # a package without filing.json: the document's
        "status": "processed",
        "facts_in_document": facts.in_document if facts else None,
        "facts_extracted": facts.extracted if facts else None,
        "duplicates_collapsed": facts.duplicates_collapsed if facts else None,
        "duplicates_consistent": facts.duplicates_consistent if facts else None,
        "duplicates_inconsistent": facts.duplicates_inconsistent if facts else None,
        "inconsistent_sets": facts.inconsistent_sets if facts else None,
        "facts_rejected": facts.rejected_total if facts else None,
        "rejected_reasons": dict(facts.rejected) if facts else {},
        "processing_ms": manifest.duration_ms,
        "warnings": len(manifest.warnings),
        "warnings_to_act_on": manifest.warnings_to_act_on,
    }


def collect_filing(store: ObjectStore, graph_id: str, filing: FilingRef) -> dict[str, Any]:
    """One filing's outcome: processed (a manifest), failed (error.json), or no output."""
    unit = filing.source_unit
    if store.exists(manifest_key(graph_id, unit)):
        try:
            manifest = SourceUnitManifest.model_validate_json(
                store.get_bytes(manifest_key(graph_id, unit))
            )
        except ValidationError as exc:
            return _failed(filing, "InvalidManifest", f"manifest of {unit} is invalid: {exc}")
        if manifest.source_unit != unit or manifest.graph_id != graph_id:
            return _failed(filing, "InvalidManifest", f"manifest of {unit} names another unit")
        return _processed(filing, manifest)
    if store.exists(error_key(graph_id, unit)):
        try:
            error = SourceUnitError.model_validate_json(store.get_bytes(error_key(graph_id, unit)))
        except ValidationError as exc:
            return _failed(filing, "InvalidErrorRecord", f"error.json of {unit} is invalid: {exc}")
        return _failed(
            filing, error.error_type, error.message, error.facts_in_document,
            error.rejected_reasons,
        )  # fmt: skip
    return _failed(
        filing, "NoOutput", f"the XBRL task left neither manifest.json nor error.json for {unit}"
    )


def collect_batch(store: ObjectStore, request: CollectBatchRequest) -> dict[str, Any]:
    """Record each filing's processing outcome; returns the source units ready to load.

    The outcomes go to ``outcomes/batch-NNNN.json`` of the batch's run (SummarizeRun reads
    them); the result carries only counts and the loadable source units, in batch order.
    """
    batch = Batch.model_validate_json(store.get_bytes(request.batch_key))
    if batch.graph_id != request.graph_id:
        raise PermanentError(f"batch {request.batch_key} belongs to graph {batch.graph_id}")
    if not request.batch_key.startswith(run_prefix(batch.graph_id, batch.run_id)):
        raise PermanentError(f"batch {request.batch_key} is not in its run's folder")
    outcomes = [collect_filing(store, request.graph_id, f) for f in batch.filings]
    key = processing_key(batch.graph_id, batch.run_id, batch.index)
    record = {"batch_key": request.batch_key, "filings": outcomes}
    store.put_bytes(key, json.dumps(record).encode())
    loadable = [o["source_unit"] for o in outcomes if o["status"] == "processed"]
    failed = len(outcomes) - len(loadable)
    logger.info(
        "batch collected",
        extra={"batch_key": request.batch_key, "processed": len(loadable), "failed": failed},
    )
    return {
        "batch_key": request.batch_key,
        "outcomes_key": key,
        "processed": len(loadable),
        "failed": failed,
        "loadable": loadable,
    }
