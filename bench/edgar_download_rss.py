"""Benchmark: peak RSS of downloading one filing with a large instance from a fake EDGAR.

Apple's 10-K of ``sample_data/sec`` is served by the fake EDGAR (``tests/fakes``) on
127.0.0.1 in a process of its own, its instance grown to ``--mib`` MiB by a comment after
the document element that repeats the instance's own text (so it compresses as the real one
does: the fake gzips it, as EDGAR does). Another process downloads it into a local store in
a temporary folder and prints its own peak RSS (``ru_maxrss``): that process alone holds
what ``download_filing`` holds.

    python bench/edgar_download_rss.py [--mib 250] [--layout files|zip]

``--layout zip`` also lists an -xbrl.zip, which the download takes instead of the files.
Run it with another checkout first on PYTHONPATH to measure that one's code.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # the fake server lives with the tests
    sys.path.append(str(REPO))

USER_AGENT = "ledgergraph benchmark bench@ledgergraph.example"
APPLE = REPO / "sample_data" / "sec" / "aapl-10k-2023-09-30"
INSTANCE = "aapl-20230930_htm.xml"


def grown_package(folder: Path, mib: int) -> Path:
    """Apple's package in ``folder``, its instance grown to ``mib`` MiB."""
    for path in APPLE.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    text = (APPLE / INSTANCE).read_bytes().replace(b"--", b"- ")
    with (folder / INSTANCE).open("ab") as out:
        out.write(b"\n<!--")
        missing = (mib << 20) - (APPLE / INSTANCE).stat().st_size - 9
        while missing > 0:
            out.write(text[:missing])
            missing -= len(text)
        out.write(b"-->\n")
    return folder


def serve(folder: Path, zipped: bool) -> None:
    """Serve the package until stdin closes; the first line out is the base URL."""
    from tests.fakes.edgar_server import FakeEdgar, bundled_packages

    apple = next(p for p in bundled_packages() if p.name == APPLE.name)
    files = {name: folder / name for name in apple.files}
    with FakeEdgar() as fake:
        fake.add_package(dataclasses.replace(apple, files=files), with_zip=zipped)
        print(fake.base_url, flush=True)
        sys.stdin.read()


def download(base_url: str) -> None:
    """Download Apple's 10-K into a temporary store; print the outcome and peak RSS."""
    from ledgergraph.edgar import DiscoveredFiling, EdgarClient, EdgarSettings, download_filing
    from ledgergraph.objectstore import LocalObjectStore

    filing = DiscoveredFiling(
        cik=320193, accession="0000320193-23-000106", form="10-K", filing_date="2023-11-03"
    )
    settings = EdgarSettings(
        user_agent=USER_AGENT, www_base=base_url, data_base=base_url, max_retries=0
    )
    with tempfile.TemporaryDirectory() as tmp, EdgarClient(settings) as client:
        started = time.monotonic()
        outcome = download_filing(filing, client=client, store=LocalObjectStore(Path(tmp)))
        elapsed = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1000  # KiB on Linux
    print(
        f"{outcome.status}: {outcome.files} files, {outcome.bytes / (1 << 20):.0f} MiB "
        f"in {elapsed:.1f} s; peak RSS {peak_mb:.0f} MB"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=250, help="size of the instance")
    parser.add_argument("--layout", choices=("files", "zip"), default="files")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--download", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.layout == "zip")
        return
    if args.download:
        download(args.download)
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = grown_package(Path(tmp), args.mib)
        command = [sys.executable, __file__, "--layout", args.layout]
        with subprocess.Popen(
            [*command, "--serve", str(folder)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        ) as server:
            base_url = server.stdout.readline().decode().strip()
            try:
                subprocess.run([*command, "--download", base_url], check=True)
            finally:
                server.stdin.close()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
