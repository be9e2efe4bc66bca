"""Shared scenario of the EDGAR step tests (no tests here).

Discovery of Apple's and Tesla's 10-K and 10-Q filings filed 2023-11-03..2024-07-24 finds
six real accession numbers in the recorded submissions. The fake EDGAR serves two of them
with their real packages (Apple's FY2023 10-K, Tesla's Q2 2024 10-Q), two more with a copy
of a package and a scripted fault (a schema that is missing, a label linkbase answered by an
HTML page with status 200), and has nothing for the last two (their index.json is a 404).
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # NOTE: makes tests.fakes importable under pytest's rootdir
    sys.path.insert(0, str(REPO))

from tests.fakes.edgar_server import (  # noqa: E402
    FakeEdgar,
    Package,
    bundled_packages,
    html_page_200,
    not_found,
    throttled_429,
)

USER_AGENT = "ledgergraph tests tests@ledgergraph.example"
APPLE, TESLA = 320193, 1318605
APPLE_10K = "0000320193-23-000106"
TESLA_10Q = "0001628280-24-032662"
MISSING_SCHEMA = "0001628280-24-002390"  # Tesla's FY2023 10-K, served without its schema
HTML_LINKBASE = "0000320193-24-000069"  # Apple's Q2 FY2024 10-Q, an HTML page for a linkbase
NOT_SERVED = ("0000320193-24-000006", "0001628280-24-017503")
SELECTION: dict[str, Any] = {
    "tickers": ["AAPL", "TSLA"],
    "forms": ["10-K", "10-Q"],
    "date_from": "2023-11-03",
    "date_to": "2024-07-24",
}
APPLE_REVENUE_FY2023 = "383285000000"


def folder(package: Package) -> str:
    return f"/Archives/edgar/data/{package.cik}/{package.plain}"


def serve_scenario(fake: FakeEdgar, *, throttle_burst: int = 0) -> dict[str, Package]:
    """Serve the scenario's packages and script its faults; returns packages by accession.

    ``throttle_burst`` 429 answers (no Retry-After) come first for Tesla's 10-Q listing.
    """
    bundled = {p.accession: p for p in bundled_packages()}
    apple, tesla = bundled[APPLE_10K], bundled[TESLA_10Q]
    served = {
        APPLE_10K: apple,
        TESLA_10Q: tesla,
        MISSING_SCHEMA: dataclasses.replace(tesla, accession=MISSING_SCHEMA),
        HTML_LINKBASE: dataclasses.replace(apple, accession=HTML_LINKBASE),
    }
    for package in served.values():
        fake.add_package(package)
    fake.script(f"^{folder(served[MISSING_SCHEMA])}/tsla-20240630.xsd$", not_found())
    fake.script(f"^{folder(served[HTML_LINKBASE])}/aapl-20230930_lab.xml$", html_page_200())
    if throttle_burst:
        burst = [throttled_429()] * throttle_burst
        fake.script(f"^{folder(tesla)}/index.json$", *burst)
    return served


def edgar_environment(fake: FakeEdgar, **settings: Any) -> dict[str, str]:
    """``LEDGERGRAPH_EDGAR_*`` aiming at the fake, with short throttle pauses."""
    values = {
        "user_agent": USER_AGENT,
        "www_base": fake.base_url,
        "data_base": fake.base_url,
        "throttle_pause_s": 0.05,
        "backoff_base_s": 0.01,
    }
    values |= settings
    return {f"LEDGERGRAPH_EDGAR_{name.upper()}": str(value) for name, value in values.items()}
