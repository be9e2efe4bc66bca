"""The batch loop of the XBRL task: every filing of one Batch, in one warm process.

A failed filing is recorded and skipped; the loop only stops for the object store or the
configuration (batch missing, store unreachable), which the entry point turns into a
non-zero exit code.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from ledgergraph.batches import Batch, FilingRef
from ledgergraph.errors import FilingError, ObjectNotFound
from ledgergraph.manifest import error_key
from ledgergraph.objectstore import ObjectStore
from xbrl_task.errors import XbrlTaskConfigError, XbrlTaskTransientError, store_errors
from xbrl_task.outputs import clear_unit, write_error
from xbrl_task.packages import staged_package
from xbrl_task.processing import FilingJob, FilingOutcome, FilingProcessor

if TYPE_CHECKING:
    from xbrl_task.arelle_loader import ArelleLoader

_ACCESSION = re.compile(r"^\d{10}-\d{2}-\d{6}$")


@dataclass
class BatchSummary:
    graph_id: str
    run_id: str
    index: int
    outcomes: list[FilingOutcome] = field(default_factory=list)
    duration_ms: int = 0

    @property
    def processed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "processed")

    @property
    def failed(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "failed")


def read_batch(store: ObjectStore, key: str | None) -> Batch:
    """The Batch at ``key``.

    Raises:
        XbrlTaskConfigError: no key configured, or the object is not a Batch.
        XbrlTaskTransientError: the batch object is missing or the store failed.
    """
    if not key:
        raise XbrlTaskConfigError("no batch key: set LEDGERGRAPH_BATCH_KEY")
    try:
        with store_errors("read the batch", key):
            data = store.get_bytes(key)
    except ObjectNotFound as exc:
        raise XbrlTaskTransientError(f"batch {key} not found: {exc}") from exc
    try:
        return Batch.model_validate_json(data)
    except ValueError as exc:
        raise XbrlTaskConfigError(f"batch {key} is not a Batch: {exc}") from exc


def run_batch(
    batch: Batch,
    *,
    store: ObjectStore,
    loader: ArelleLoader,
    logger: Logger,
    free_last: bool = True,
) -> BatchSummary:
    """Process every filing of ``batch``; failures become error records, not exceptions.

    ``free_last=False`` when the process ends right after: the last filing's Arelle model
    is left for the exit to drop (``FilingProcessor.process``).
    """
    started = time.perf_counter()
    summary = BatchSummary(batch.graph_id, batch.run_id, batch.index)
    processor = FilingProcessor(loader, store, batch.graph_id, logger)
    logger.info("batch started", extra={"run_id": batch.run_id, "filings": len(batch.filings)})
    last = len(batch.filings) - 1
    for index, ref in enumerate(batch.filings):
        free = free_last or index < last
        summary.outcomes.append(process_ref(processor, ref, free_after=free))
    summary.duration_ms = int((time.perf_counter() - started) * 1000)
    logger.info(
        "batch processed",
        extra={
            "run_id": batch.run_id,
            "index": batch.index,
            "processed": summary.processed,
            "failed": summary.failed,
            "duration_ms": summary.duration_ms,
        },
    )
    return summary


def process_ref(
    processor: FilingProcessor, ref: FilingRef, *, free_after: bool = True
) -> FilingOutcome:
    """Stage the package of ``ref`` locally and process it.

    ``free_after``: see ``FilingProcessor.process``.
    """
    started = time.perf_counter()
    unit = ref.source_unit
    try:
        with (
            store_errors("stage the package", unit),
            staged_package(processor.store, ref.package_prefix, unit=unit) as folder,
        ):
            return processor.process(job_of(ref, folder), free_after=free_after)
    except (FilingError, ObjectNotFound) as exc:  # the package is missing or unsafe
        with store_errors("write error record", ref.source_unit):
            clear_unit(processor.store, processor.graph_id, ref.source_unit)
            write_error(processor.store, processor.graph_id, ref.source_unit, exc)
        processor.logger.error("filing failed", extra={"unit": ref.source_unit, "error": str(exc)})
        elapsed = int((time.perf_counter() - started) * 1000)
        key = error_key(processor.graph_id, ref.source_unit)
        return FilingOutcome(ref.source_unit, "failed", key, elapsed, error=str(exc))


def job_of(ref: FilingRef, folder: Path) -> FilingJob:
    """The processing job of a batch entry whose package is staged in ``folder``."""
    accession = ref.source_unit if _ACCESSION.match(ref.source_unit) else None
    return FilingJob(
        source_unit=ref.source_unit,
        cik=ref.cik,
        folder=folder,
        entry_point=ref.entry_point,
        accession_number=accession,
        form=ref.form,
    )
