"""The SEC state machine's processing steps: plan the batches, collect what a batch left.

The XBRL task reads a batch from the store and leaves, per filing, either a manifest
(complete Parquet) or an ``error.json``. These functions are what the PlanBatches and
CollectBatch Lambdas run; they read and write only keys of the object store.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ledgergraph.batches import Batch, FilingRef, batch_key
from ledgergraph.errors import PermanentError
from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.logs import get_logger
from ledgergraph.manifest import SourceUnitError, SourceUnitManifest, error_key, manifest_key
from ledgergraph.objectstore import ObjectStore

logger = get_logger("ledgergraph")

RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
MAX_BATCH_SIZE = 100


class PlanBatchesRequest(BaseModel):
    """What the state machine was started with."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern, description="one run's work keys")
    batch_size: int = Field(default=3, ge=1, le=MAX_BATCH_SIZE, description="filings per task")
    filings: list[FilingRef]
    correlation_id: str | None = None


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


def plan_batches(store: ObjectStore, request: PlanBatchesRequest) -> dict[str, Any]:
    """Write ``work/{graph}/{run}/batch-NNNN.json`` per batch; idempotent for a run id.

    Returns the batch keys with each batch's filings (source unit, CIK, form), which is
    all the state machine needs to mark a batch's filings failed if its task fails.
    """
    filings = _unique(request.filings)
    size = request.batch_size
    batches = []
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
        batches.append({"batch_key": key, "index": index, "filings": refs})
    logger.info("batches planned", extra={"filings": len(filings), "batches": len(batches)})
    return {"graph_id": request.graph_id, "run_id": request.run_id, "batches": batches}


def _failed(filing: FilingRef, error_type: str, message: str) -> dict[str, Any]:
    return {
        "source_unit": filing.source_unit,
        "cik": filing.cik,
        "form": filing.form,
        "status": "failed",
        "error_type": error_type,
        "error": message,
    }


def _processed(filing: FilingRef, manifest: SourceUnitManifest) -> dict[str, Any]:
    facts = manifest.facts
    return {
        "source_unit": filing.source_unit,
        "cik": filing.cik,
        "form": filing.form,
        "status": "processed",
        "facts_in_document": facts.in_document if facts else None,
        "facts_extracted": facts.extracted if facts else None,
        "duplicates_collapsed": facts.duplicates_collapsed if facts else None,
        "facts_rejected": facts.rejected_total if facts else None,
        "rejected_reasons": dict(facts.rejected) if facts else {},
        "processing_ms": manifest.duration_ms,
        "warnings": len(manifest.warnings),
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
        return _failed(filing, error.error_type, error.message)
    return _failed(
        filing, "NoOutput", f"the XBRL task left neither manifest.json nor error.json for {unit}"
    )


def collect_batch(store: ObjectStore, request: CollectBatchRequest) -> dict[str, Any]:
    """Per-filing outcomes of a batch, and the source units ready to load, in batch order."""
    batch = Batch.model_validate_json(store.get_bytes(request.batch_key))
    if batch.graph_id != request.graph_id:
        raise PermanentError(f"batch {request.batch_key} belongs to graph {batch.graph_id}")
    outcomes = [collect_filing(store, request.graph_id, f) for f in batch.filings]
    loadable = [o["source_unit"] for o in outcomes if o["status"] == "processed"]
    logger.info(
        "batch collected",
        extra={
            "batch_key": request.batch_key,
            "processed": len(loadable),
            "failed": len(outcomes) - len(loadable),
        },
    )
    return {"batch_key": request.batch_key, "filings": outcomes, "loadable": loadable}
