"""Benchmark: download 200 filings from a local fake EDGAR with 8 workers.

The bundled packages of ``sample_data/sec`` are served under 200 made-up accession numbers
by the fake EDGAR (``tests/fakes/edgar_server.py``) on 127.0.0.1, which also throttles like
the SEC past 10 requests in any second. Prints the achieved request rate against the
configured limit: the workers overlap waiting, the limiter sets the pace.

    python bench/edgar_download.py [--filings 200] [--workers 8] [--rate 8] [--layout zip]

``--layout files`` serves folders without an -xbrl.zip: seven requests per filing instead of
two, so about 3.5 times longer.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # one line per filing is noise here
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the fake server lives with the tests
    sys.path.insert(0, str(REPO))

from ledgergraph.edgar import (  # noqa: E402
    DiscoveredFiling,
    DownloadOutcome,
    EdgarClient,
    EdgarSettings,
    download_filings,
)
from ledgergraph.edgar.ratelimit import RateLimiter  # noqa: E402
from ledgergraph.objectstore import LocalObjectStore  # noqa: E402
from tests.fakes.edgar_server import (  # noqa: E402
    FakeEdgar,
    Package,
    RequestRecord,
    bundled_packages,
)
from tests.fakes.network_guard import loopback_only  # noqa: E402

USER_AGENT = "ledgergraph benchmark bench@ledgergraph.example"


def synthetic_filings(fake: FakeEdgar, count: int, *, zipped: bool) -> list[DiscoveredFiling]:
    """``count`` accession numbers, each serving one of the bundled packages."""
    bundled = bundled_packages()
    filings = []
    for n in range(count):
        package: Package = dataclasses.replace(
            bundled[n % len(bundled)], accession=f"0009999999-24-{n + 1:06d}"
        )
        fake.add_package(package, with_zip=zipped)
        filings.append(
            DiscoveredFiling(
                cik=package.cik,
                accession=package.accession,
                form=package.form,
                filing_date="2024-06-28",
                report_date=package.period,
                company_name=package.company,
            )
        )
    return filings


def max_in_one_second(times: list[float]) -> int:
    """Most requests that arrived within any one-second window."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def run(count: int, workers: int, rate: float, zipped: bool) -> None:
    with loopback_only(), FakeEdgar(rate_limit=10) as fake, tempfile.TemporaryDirectory() as tmp:
        filings = synthetic_filings(fake, count, zipped=zipped)
        settings = EdgarSettings(
            user_agent=USER_AGENT,
            www_base=fake.base_url,
            data_base=fake.base_url,
            max_requests_per_second=rate,
        )
        store = LocalObjectStore(Path(tmp))
        with EdgarClient(settings, limiter=RateLimiter(rate)) as client:
            started = time.monotonic()
            outcomes = download_filings(filings, client=client, store=store, workers=workers)
            elapsed = time.monotonic() - started
            first_pass = list(fake.requests)
            started = time.monotonic()
            rerun = download_filings(filings, client=client, store=store, workers=workers)
            rerun_elapsed = time.monotonic() - started
        print(
            f"filings            {len(outcomes)} with {workers} workers, layout "
            f"{'zip' if zipped else 'files'}"
        )
        report(first_pass, outcomes, elapsed, rate)
        print(
            f"re-run             {sum(o.status == 'skipped' for o in rerun)} skipped in "
            f"{rerun_elapsed:.2f} s, {len(fake.requests) - len(first_pass)} requests"
        )


def report(
    requests: list[RequestRecord], outcomes: list[DownloadOutcome], elapsed: float, rate: float
) -> None:
    """Print the first pass's figures."""
    times = sorted(record.at for record in requests)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    achieved = (len(times) - 1) / span if span else float("nan")
    statuses = {s: sum(o.status == s for o in outcomes) for s in ("ok", "skipped", "failed")}
    mib = sum(o.bytes for o in outcomes) / (1 << 20)
    throttled = sum(record.status in (403, 429) for record in requests)
    print(f"outcomes           {statuses}")
    print(f"requests           {len(times)} in {elapsed:.1f} s ({mib:.0f} MiB stored)")
    print(f"achieved rate      {achieved:.2f} requests/s (limit {rate:g}/s, SEC maximum 10/s)")
    print(
        f"busiest second     {max_in_one_second(times)} requests; throttled by server: {throttled}"
    )
    print(f"per filing         {elapsed / max(len(outcomes), 1) * 1000:.0f} ms wall clock")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=200)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--rate", type=float, default=8.0, help="requests per second (< 10)")
    parser.add_argument("--layout", choices=("zip", "files"), default="zip")
    args = parser.parse_args(argv)
    run(args.filings, args.workers, args.rate, zipped=args.layout == "zip")


if __name__ == "__main__":
    main()
