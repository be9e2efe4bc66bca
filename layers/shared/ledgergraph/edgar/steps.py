"""The EDGAR steps of the SEC state machine: DiscoverFilings and DownloadFiling.

DiscoverFilings writes the filings it found to ``work/{graph}/{run}/discovered.json``, the
list a distributed Map reads with its ItemReader, and returns the key and counts. Each
DownloadFiling puts one package in the raw store and records its outcome, failed or not,
under ``work/{graph}/{run}/downloads/``, where CollectDownloads (``edgar.collect``) finds it.

Rate: every DownloadFiling Lambda paces itself with a limiter of its own process, so the
concurrency of the download Map multiplies the rate. DiscoverFilings therefore gives each
download ``max_requests_per_second / concurrency`` (see ``per_process_rate``).
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx
from pydantic import BaseModel, Field, ValidationError, field_validator

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.discovery import DiscoveryRequest, find_filings
from ledgergraph.edgar.download import download_filing
from ledgergraph.edgar.errors import InvalidStepEvent
from ledgergraph.edgar.models import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.ratelimit import RateLimiter
from ledgergraph.edgar.settings import EdgarSettings
from ledgergraph.errors import LedgerGraphError, TransientError
from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.logs import get_logger
from ledgergraph.messages import validation_problems
from ledgergraph.objectstore import ObjectStore
from ledgergraph.run_outcomes import discovery_key
from ledgergraph.sec_steps import RUN_ID_PATTERN

logger = get_logger("edgar")

DEFAULT_DOWNLOAD_CONCURRENCY = 4
MAX_DOWNLOAD_CONCURRENCY = 40
MAX_LOOKBACK_DAYS = 31
_REASON_LIMIT = 500

Model = TypeVar("Model", bound=BaseModel)


class StepRequest(BaseModel):
    """What every EDGAR step is given: the graph, the run and the execution id."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern, description="names the run's work keys")
    correlation_id: str | None = None


class DiscoverFilingsRequest(StepRequest):
    discover: DiscoveryRequest = Field(
        description="what to find; a scheduled run may give as_of (its scheduled time) and "
        "lookback_days instead of since/date_to"
    )
    download_concurrency: int = Field(
        default=DEFAULT_DOWNLOAD_CONCURRENCY,
        ge=1,
        le=MAX_DOWNLOAD_CONCURRENCY,
        description="MaxConcurrency of the download Map: DownloadFiling Lambdas at once",
    )

    @field_validator("discover", mode="before")
    @classmethod
    def _scheduled_window(cls, value: Any) -> Any:
        return scheduled_window(value) if isinstance(value, dict) else value


def scheduled_window(discover: dict[str, Any]) -> dict[str, Any]:
    """``as_of`` + ``lookback_days`` as ``since`` + ``date_to``: the days before ``as_of``.

    A nightly schedule passes its scheduled time; with ``lookback_days`` 1 the run reads
    the daily index of the day before (UTC). Explicit since/date_to win.
    """
    if "as_of" not in discover:
        return discover
    window = dict(discover)
    as_of = datetime.fromisoformat(str(window.pop("as_of")))
    day = as_of.astimezone(UTC).date() if as_of.tzinfo else as_of.date()
    days = int(window.pop("lookback_days", 1))
    if not 1 <= days <= MAX_LOOKBACK_DAYS:
        raise ValueError(f"lookback_days must be 1..{MAX_LOOKBACK_DAYS}")
    window.setdefault("since", day - timedelta(days=days))
    window.setdefault("date_to", day - timedelta(days=1))
    return window


class DownloadFilingRequest(StepRequest):
    filing: DiscoveredFiling
    requests_per_second: float = Field(
        gt=0, description="this Lambda's share of the EDGAR rate (see per_process_rate)"
    )
    force: bool = Field(default=False, description="download again even if complete")


def parse_event(model: type[Model], event: Any) -> Model:
    """The event as ``model``; InvalidStepEvent (permanent, never retried) if it is not one."""
    try:
        return model.model_validate(event)
    except ValidationError as exc:
        raise InvalidStepEvent(f"{model.__name__} is invalid: {validation_problems(exc)}") from None


def per_process_rate(max_requests_per_second: float, concurrency: int) -> float:
    """Requests per second each of ``concurrency`` processes may send.

    Each DownloadFiling Lambda is a process with its own limiter, so the Map's concurrency
    times this rate stays within ``max_requests_per_second`` (under the SEC's 10).
    """
    return round(max_requests_per_second / max(concurrency, 1), 3)


class PacedClients:
    """EDGAR clients of one process at the rates its steps are given; one connection pool.

    A DownloadFiling Lambda is told its share of the rate in every event; the client for a
    rate (never above the configured maximum) and its limiter are built once and reused.
    """

    def __init__(self, settings: EdgarSettings, http: httpx.Client | None = None) -> None:
        self.settings = settings
        self._http = http or httpx.Client(timeout=settings.timeout_s, follow_redirects=False)
        self._clients: dict[float, EdgarClient] = {}

    def at(self, requests_per_second: float) -> EdgarClient:
        """The client pacing this process at ``requests_per_second``."""
        rate = min(requests_per_second, self.settings.max_requests_per_second)
        if rate not in self._clients:
            limiter = RateLimiter(rate)
            self._clients[rate] = EdgarClient(self.settings, self._http, limiter=limiter)
        return self._clients[rate]


def discovered_key(graph_id: str, run_id: str) -> str:
    """``work/{graph_id}/{run_id}/discovered.json``: the download Map's items."""
    return f"work/{graph_id}/{run_id}/discovered.json"


def download_record_key(graph_id: str, run_id: str, accession: str) -> str:
    """``work/{graph_id}/{run_id}/downloads/{accession}.json``: one filing's outcome."""
    return f"work/{graph_id}/{run_id}/downloads/{accession}.json"


def bucket_key(store: ObjectStore, key: str) -> str:
    """The key as the bucket knows it (an S3 store's prefix included), for an ItemReader."""
    uri = urlparse(store.uri(key))
    return uri.path.lstrip("/") if uri.scheme == "s3" else key


def discover_step(
    request: DiscoverFilingsRequest, *, client: EdgarClient, store: ObjectStore
) -> dict[str, Any]:
    """Find the filings, write them for the download Map; returns the key and counts.

    The counts reconcile: ``rows_read`` = ``rows_found`` + ``rows_rejected`` +
    ``lines_rejected`` (each rejected submissions row is logged with its CIK, accession
    number, column and reason, each rejected daily index line with its file, line number
    and reason, and both are written with the counts to ``discovery_key`` for the run's
    summary), and a daily index's ``lines_read`` = ``rows_found`` + ``lines_rejected`` +
    ``header_lines``; ``filings`` are the rows found that the request's filters kept.

    Raises:
        EdgarNotFound: an unknown ticker or CIK.
        EdgarTransientError: EDGAR kept throttling or failing (the state machine retries).
    """
    result = find_filings(request.discover, client=client)
    filings = result.filings
    key = discovered_key(request.graph_id, request.run_id)
    items = [filing.model_dump(mode="json") for filing in filings]
    store.put_bytes(key, json.dumps(items).encode())
    counts = {
        "filings": len(filings),
        "rows_read": result.rows_read,
        "rows_found": result.found,
        "rows_rejected": len(result.rejected),
        "lines_read": result.lines_read,
        "lines_rejected": len(result.rejected_lines),
        "header_lines": result.header_lines,
    }
    rejected = [row.model_dump(mode="json") for row in result.rejected]
    lines = [line.model_dump(mode="json") for line in result.rejected_lines]
    days = [day.isoformat() for day in result.index_days] if result.index_days else None
    record = counts | {
        "index_days": days,  # a run over the daily indexes: the first and last day asked
        "indexes_read": result.indexes_read,
        "rejected_rows": rejected,
        "rejected_lines": lines,
    }
    store.put_bytes(discovery_key(request.graph_id, request.run_id), json.dumps(record).encode())
    concurrency = request.download_concurrency
    rate = per_process_rate(client.settings.max_requests_per_second, concurrency)
    return counts | {
        "graph_id": request.graph_id,
        "run_id": request.run_id,
        "items_key": bucket_key(store, key),
        "forms": dict(Counter(filing.form for filing in filings)),
        "concurrency": concurrency,
        "requests_per_second": rate,
    }


def failed_outcome(filing: DiscoveredFiling, exc: Exception) -> DownloadOutcome:
    """A failed DownloadOutcome naming the error class and its message."""
    return DownloadOutcome(
        cik=filing.cik,
        accession=filing.accession,
        status="failed",
        package_prefix=filing.package_prefix,
        form=filing.form,
        error_type=type(exc).__name__,
        transient=isinstance(exc, TransientError),
        reason=str(exc)[:_REASON_LIMIT],
    )


def download_step(
    request: DownloadFilingRequest, *, client: EdgarClient, store: ObjectStore
) -> dict[str, Any]:
    """Download one filing and record its outcome for CollectDownloads.

    A failure is recorded first, then raised: transient errors for the state machine's
    Retry (a later success overwrites the record), permanent ones for its Catch.
    """
    filing = request.filing
    key = download_record_key(request.graph_id, request.run_id, filing.accession)
    try:
        outcome = download_filing(filing, client=client, store=store, force=request.force)
    except LedgerGraphError as exc:
        store.put_bytes(key, failed_outcome(filing, exc).model_dump_json().encode())
        logger.warning(
            "filing download failed",
            extra={"accession": filing.accession, "error": type(exc).__name__},
        )
        raise
    store.put_bytes(key, outcome.model_dump_json().encode())
    return {
        "accession": filing.accession,
        "status": outcome.status,
        "files": outcome.files,
        "bytes": outcome.bytes,
        "requests": outcome.requests,
    }
