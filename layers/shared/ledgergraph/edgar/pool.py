"""Download many filings concurrently through the one shared rate limiter.

Threads only overlap waiting (network, store writes); the pace is the limiter's, whatever
the number of workers. A failing filing becomes a ``failed`` outcome with its error type and
reason; it never stops the batch.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.download import download_filing
from ledgergraph.edgar.models import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.steps import failed_outcome
from ledgergraph.errors import LedgerGraphError
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore

logger = get_logger("edgar")


def download_filings(
    filings: Iterable[DiscoveredFiling],
    *,
    client: EdgarClient,
    store: ObjectStore,
    workers: int = 8,
    force: bool = False,
) -> list[DownloadOutcome]:
    """One outcome per distinct accession number, in input order: ok, skipped or failed."""
    unique: dict[str, DiscoveredFiling] = {}
    for filing in filings:
        unique.setdefault(filing.accession, filing)  # co-registrants list one accession twice
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="edgar") as pool:
        outcomes = list(
            pool.map(
                lambda filing: _download_one(filing, client=client, store=store, force=force),
                unique.values(),
            )
        )
    counts = {
        status: sum(o.status == status for o in outcomes) for status in ("ok", "skipped", "failed")
    }
    logger.info(
        "filings downloaded",
        extra={
            **counts,
            "workers": workers,
            "duration_ms": int((time.monotonic() - started) * 1000),
        },
    )
    return outcomes


def _download_one(
    filing: DiscoveredFiling, *, client: EdgarClient, store: ObjectStore, force: bool
) -> DownloadOutcome:
    try:
        return download_filing(filing, client=client, store=store, force=force)
    except LedgerGraphError as exc:
        logger.error(
            "filing download failed",
            extra={"accession": filing.accession, "cik": filing.cik, "error": type(exc).__name__},
        )
        return failed_outcome(filing, exc)
    except Exception as exc:  # a bug on one filing must not sink the batch; it is recorded
        logger.exception("filing download crashed", extra={"accession": filing.accession})
        return failed_outcome(filing, exc)
