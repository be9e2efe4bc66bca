"""CollectDownloads: the run's download records into XBRL batches and a failure record.

Every filing DiscoverFilings found has a record under ``work/{graph}/{run}/downloads/`` once
its DownloadFiling step ended, unless its Lambda timed out or crashed; then the download
Map's result says how it ended. Downloaded filings are planned into batches exactly as
PlanBatches plans filings given to the run; failed ones become one batch record of failed
filings, so the run summary names each with its reason.
"""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import Field, ValidationError

from ledgergraph.batches import FilingRef
from ledgergraph.edgar.models import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.steps import StepRequest, discovered_key, download_record_key
from ledgergraph.errors import ObjectNotFound
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.sec_steps import MAX_BATCH_SIZE, PlanBatchesRequest, plan_batches

logger = get_logger("edgar")

_READ_WORKERS = 16


class CollectDownloadsRequest(StepRequest):
    batch_size: int = Field(default=3, ge=1, le=MAX_BATCH_SIZE, description="filings per task")
    statuses: list[str] = Field(
        default_factory=list,
        description="the download Map's result in item order: ok, skipped, failed or "
        "'failed:<Error>' where the iteration's Catch caught the error",
    )


def read_outcome(store: ObjectStore, key: str) -> DownloadOutcome | None:
    """The recorded outcome at ``key``; None if there is none or it is unreadable."""
    try:
        return DownloadOutcome.model_validate_json(store.get_bytes(key))
    except ObjectNotFound:
        return None
    except ValidationError:
        logger.warning("download record unreadable", extra={"key": key})
        return None


def unrecorded(filing: DiscoveredFiling, status: str | None) -> DownloadOutcome:
    """The outcome of a download that left no record (a timeout or a crash of its Lambda)."""
    error = status.split(":", 1)[1] if status and ":" in status else "NoDownloadRecord"
    return DownloadOutcome(
        cik=filing.cik,
        accession=filing.accession,
        status="failed",
        package_prefix=filing.package_prefix,
        form=filing.form,
        error_type=error,
        reason=f"filing {filing.accession}: the DownloadFiling step ended with {error} "
        "and left no download record",
    )


def summary_line(outcome: DownloadOutcome) -> dict[str, Any]:
    """A failed download as a filing line of the run summary."""
    return {
        "source_unit": outcome.accession,
        "cik": outcome.cik,
        "form": outcome.form,
        "status": "failed",
        "error_type": outcome.error_type,
        "error": outcome.reason,
    }


def read_outcomes(store: ObjectStore, request: CollectDownloadsRequest) -> list[DownloadOutcome]:
    """One outcome per discovered filing, in discovery order."""
    items = json.loads(store.get_bytes(discovered_key(request.graph_id, request.run_id)))
    filings = [DiscoveredFiling.model_validate(item) for item in items]
    keys = [download_record_key(request.graph_id, request.run_id, f.accession) for f in filings]
    with ThreadPoolExecutor(max_workers=_READ_WORKERS) as pool:
        records = list(pool.map(lambda key: read_outcome(store, key), keys))
    statuses = request.statuses + [None] * (len(filings) - len(request.statuses))
    return [
        record if record is not None else unrecorded(filing, status)
        for filing, record, status in zip(filings, records, statuses, strict=False)
    ]


def collect_downloads(store: ObjectStore, request: CollectDownloadsRequest) -> dict[str, Any]:
    """Plan the downloaded filings into batches; failed downloads become a summary record.

    Returns what PlanBatches returns, plus ``downloads`` (counts per status) and
    ``download_failures``: a batch record whose filings are the failed downloads.
    """
    outcomes = read_outcomes(store, request)
    refs: list[FilingRef] = [o.filing_ref() for o in outcomes if o.status != "failed"]
    plan = plan_batches(
        store,
        PlanBatchesRequest(
            graph_id=request.graph_id,
            run_id=request.run_id,
            batch_size=request.batch_size,
            filings=refs,
            correlation_id=request.correlation_id,
        ),
    )
    failed = [summary_line(o) for o in outcomes if o.status == "failed"]
    counts = dict(Counter(o.status for o in outcomes))
    logger.info("downloads collected", extra={"filings": len(outcomes), **counts})
    plan["downloads"] = counts
    plan["download_failures"] = {
        "batch_key": f"work/{request.graph_id}/{request.run_id}/downloads/",
        "filings": failed,
        "loads": [],
    }
    return plan
