"""The SEC EDGAR client: discover filings and download their XBRL packages, politely.

Every request carries the declared User-Agent and goes through one process-wide rate limiter
(under the SEC's 10 requests per second), and a throttling answer pauses all traffic of the
process. Service functions for the pipeline steps:

* ``discover_filings(request, client=...)`` -> ``list[DiscoveredFiling]``
* ``download_filing(filing, client=..., store=...)`` -> ``DownloadOutcome`` (raises on failure)
* ``download_filings(filings, client=..., store=..., workers=8)`` -> one outcome per filing
"""

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.discovery import DiscoveryRequest, discover_filings
from ledgergraph.edgar.download import download_filing
from ledgergraph.edgar.models import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.pool import download_filings
from ledgergraph.edgar.settings import EdgarSettings, load_edgar_settings

__all__ = [
    "DiscoveredFiling",
    "DiscoveryRequest",
    "DownloadOutcome",
    "EdgarClient",
    "EdgarSettings",
    "discover_filings",
    "download_filing",
    "download_filings",
    "load_edgar_settings",
]
