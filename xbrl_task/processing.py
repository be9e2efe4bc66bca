"""Process one filing package folder into its source unit's Parquet files and manifest.

Shared by the batch worker and the local CLI. A filing that cannot be processed gets an
``error.json`` and a ``failed`` outcome; only object store failures (and configuration
errors) escape, because those stop the whole task.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger

from ledgergraph.errors import FilingError
from ledgergraph.filing_package import is_inline_document
from ledgergraph.manifest import FactCounts, SourceUnitManifest, error_key, manifest_key
from ledgergraph.objectstore import ObjectStore
from xbrl_task.census import count_document_set
from xbrl_task.collector import collection_after, long_lived
from xbrl_task.documents import document_set, refetch_hint, sidecar_registration
from xbrl_task.errors import (
    FilingNotLoadable,
    FilingRejected,
    NoFacts,
    XbrlTaskError,
    store_errors,
)
from xbrl_task.extract import Extraction, ReportMeta, extract_filing
from xbrl_task.outputs import (
    clear_unit,
    utc_now,
    write_error,
    write_manifest,
    write_tables,
)
from xbrl_task.reuse import inputs_digest, reusable_output
from xbrl_task.version import PROCESSOR

if TYPE_CHECKING:  # Arelle is imported by the loader only, so a bad setup fails fast
    from xbrl_task.arelle_loader import ArelleLoader

MANIFEST_KIND = "sec-filing"


@dataclass(frozen=True)
class FilingJob:
    """One filing to process: where its package is and what the batch knows about it."""

    source_unit: str
    cik: int
    folder: Path
    entry_point: str
    accession_number: str | None = None
    form: str | None = None


@dataclass(frozen=True)
class FilingOutcome:
    """What happened to one filing; ``key`` is its manifest or error record."""

    source_unit: str
    status: str
    key: str
    duration_ms: int
    facts: FactCounts | None = None
    error: str | None = None


class FilingUnexpectedError(FilingRejected):
    """Extraction crashed on this filing; recorded like any bad filing, logged in full."""


class FilingProcessor:
    """Turns filing packages into source units of one graph, with one Arelle loader."""

    def __init__(
        self,
        loader: ArelleLoader,
        store: ObjectStore,
        graph_id: str,
        logger: Logger,
        *,
        reuse_outputs: bool = True,
    ) -> None:
        self.reuse_outputs = reuse_outputs  # False: always load again (the benchmark)
        self.loader = loader
        self.store = store
        self.graph_id = graph_id
        self.logger = logger
        self.processor = PROCESSOR

    def process(self, job: FilingJob, *, free_after: bool = True) -> FilingOutcome:
        """Process ``job``; stale outputs of its source unit are removed first.

        Output made from exactly the same inputs (``reuse.inputs_digest``) is reused as
        it is stored, without loading the filing again. ``free_after=False`` is for the
        last filing of a process that ends right after: its Arelle model is neither
        closed nor collected (``collector.long_lived``), which saves the 0.05-0.15 s of
        CPU that freeing a model costs; memory stays taken until the process exits.
        """
        started = time.perf_counter()
        inputs = inputs_digest(job.folder, getattr(self.loader, "cache", None))
        stored = None
        if self.reuse_outputs:
            with store_errors("read", job.source_unit):
                stored = reusable_output(self.store, self.graph_id, job.source_unit, inputs)
        if stored is not None:
            self.logger.info("filing output reused", extra={"unit": job.source_unit})
            key = manifest_key(self.graph_id, job.source_unit)
            return FilingOutcome(
                job.source_unit, "processed", key, _elapsed_ms(started), stored.facts
            )
        with collection_after() if free_after else long_lived():
            with store_errors("clear", job.source_unit):
                clear_unit(self.store, self.graph_id, job.source_unit)
            counted = _Counted()
            try:
                extraction = self.extract(job, free_model=free_after, counted=counted)
            except FilingError as exc:
                return self._record_failure(job, exc, started, counted.facts)
            return self._write(job, extraction, started, inputs)

    def extract(
        self, job: FilingJob, *, free_model: bool = True, counted: _Counted | None = None
    ) -> Extraction:
        """Census, Arelle load and extraction of one package; raises the filing's error.

        ``free_model``: see ``ArelleLoader.load``. ``counted`` gets the census's fact count
        as soon as it is taken, so a filing that fails later still says how many facts its
        documents hold.
        """
        entry = job.folder / job.entry_point
        if not entry.is_file():
            raise FilingNotLoadable(
                f"filing {job.source_unit}: entry point {job.entry_point} is missing "
                f"from its package"
            )
        try:
            inline = is_inline_document(entry)
            documents = document_set(entry) if inline else [entry]
            census = count_document_set(documents, is_inline=inline, unit=job.source_unit)
            if counted is not None:
                counted.facts = census.total
            filing = self.loader.load(
                entry,
                unit=job.source_unit,
                concepts=census.per_concept,
                documents=documents,
                free_model=free_model,
            )
            meta = ReportMeta(
                source_unit=job.source_unit,
                accession_number=job.accession_number,
                cik=job.cik,
                entry_point=job.entry_point,
                is_inline=inline,
                processor=self.processor,
                form_hint=job.form,
                documents=tuple(d.name for d in documents),
                registration=sidecar_registration(job.folder),
            )
            return extract_filing(filing, census, meta)
        except FilingNotLoadable as exc:
            if exc.missing_file and (hint := refetch_hint(job.folder)):
                raise FilingNotLoadable(f"{exc}{hint}", missing_file=exc.missing_file) from exc
            raise
        except (FilingError, XbrlTaskError):
            raise
        except Exception as exc:  # a bug meets a filing: that filing fails, the batch goes on
            self.logger.exception("filing extraction crashed", extra={"unit": job.source_unit})
            raise FilingUnexpectedError(
                f"filing {job.source_unit} ({job.entry_point}): {type(exc).__name__}: {exc}"
            ) from exc

    def _write(
        self, job: FilingJob, extraction: Extraction, started: float, inputs: str
    ) -> FilingOutcome:
        with store_errors("write", job.source_unit):
            files = write_tables(self.store, self.graph_id, job.source_unit, extraction.tables)
            duration_ms = _elapsed_ms(started)
            manifest = SourceUnitManifest(
                graph_id=self.graph_id,
                source_unit=job.source_unit,
                kind=MANIFEST_KIND,
                tables=files,
                facts=extraction.counts,
                cik=job.cik,
                entry_point=job.entry_point,
                form=extraction.report.get("form"),
                processor=self.processor,
                duration_ms=duration_ms,
                warnings=extraction.warnings,
                warnings_to_act_on=extraction.warnings_to_act_on,
                created_at=utc_now(),
                inputs=inputs,
            )
            write_manifest(self.store, manifest)
        counts = extraction.counts
        self.logger.info(
            "filing processed",
            extra={
                "unit": job.source_unit,
                "facts_in_document": counts.in_document,
                "facts_extracted": counts.extracted,
                "facts_collapsed": counts.duplicates_collapsed,
                "facts_inconsistent": counts.duplicates_inconsistent,
                "facts_rejected": counts.rejected_total,
                "warnings": len(extraction.warnings),
                "duration_ms": duration_ms,
            },
        )
        key = manifest_key(self.graph_id, job.source_unit)
        return FilingOutcome(job.source_unit, "processed", key, duration_ms, counts)

    def _record_failure(
        self, job: FilingJob, exc: Exception, started: float, facts: int | None = None
    ) -> FilingOutcome:
        reasons = exc.rejected_reasons if isinstance(exc, NoFacts) else None
        with store_errors("write error record", job.source_unit):
            write_error(
                self.store,
                self.graph_id,
                job.source_unit,
                exc,
                facts_in_document=facts,
                rejected_reasons=reasons,
            )
        duration_ms = _elapsed_ms(started)
        self.logger.error(
            "filing failed",
            extra={
                "unit": job.source_unit,
                "error_type": type(exc).__name__,
                "error": str(exc),
                "duration_ms": duration_ms,
            },
        )
        key = error_key(self.graph_id, job.source_unit)
        return FilingOutcome(job.source_unit, "failed", key, duration_ms, error=str(exc))


@dataclass
class _Counted:
    """The facts a filing's documents hold, once counted (None before the census)."""

    facts: int | None = None


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
