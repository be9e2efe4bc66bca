"""Shared helpers of the EDGAR client tests (no tests here).

Every client these helpers build points at a fake EDGAR on 127.0.0.1 and has its own rate
limiter, so tests do not share a pace; each test module also installs the loopback guard.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # NOTE: makes tests.fakes importable under pytest's rootdir
    sys.path.insert(0, str(REPO))

from ledgergraph.edgar import DiscoveredFiling, EdgarClient, EdgarSettings  # noqa: E402
from ledgergraph.edgar.ratelimit import RateLimiter  # noqa: E402
from tests.fakes.edgar_server import FakeEdgar, Package  # noqa: E402

USER_AGENT = "ledgergraph tests tests@ledgergraph.example"
EDGAR_DATA = REPO / "sample_data" / "edgar"
SEC_PACKAGES = REPO / "sample_data" / "sec"
UNPACED_RATE = 500.0


def local_settings(fake: FakeEdgar, **overrides: Any) -> EdgarSettings:
    """Settings aimed at the fake server, fast retries unless overridden."""
    values: dict[str, Any] = {
        "user_agent": USER_AGENT,
        "www_base": fake.base_url,
        "data_base": fake.base_url,
        "max_requests_per_second": 9.5,
        "max_retries": 3,
        "backoff_base_s": 0.01,
        "throttle_pause_s": 0.3,
        "timeout_s": 5.0,
    }
    values.update(overrides)
    return EdgarSettings(**values)


def local_client(fake: FakeEdgar, *, paced: bool = True, **overrides: Any) -> EdgarClient:
    """A client for the fake server with a limiter of its own.

    ``paced=False`` lifts the SEC pace for tests of what is fetched rather than when (the
    fake server is local); the rate tests keep it.
    """
    settings = local_settings(fake, **overrides)
    rate = settings.max_requests_per_second if paced else UNPACED_RATE
    return EdgarClient(settings, limiter=RateLimiter(rate))


def as_discovered(package: Package, *, filing_date: str = "2024-01-31") -> DiscoveredFiling:
    """What discovery would have returned for a bundled package."""
    return DiscoveredFiling(
        cik=package.cik,
        accession=package.accession,
        form=package.form,
        filing_date=filing_date,
        report_date=package.period,
        company_name=package.company,
    )


def max_in_window(times: list[float], window_s: float = 1.0) -> int:
    """Most requests that arrived within any ``window_s`` (half-open) interval."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= window_s:
            start += 1
        best = max(best, end - start + 1)
    return best
