"""``sec discover`` and ``sec download`` stopped by EDGAR throttling exit 75 (EX_TEMPFAIL).

EDGAR is the fake server on 127.0.0.1 serving Apple's recorded submissions and its FY2023
10-K; a 429 whose Retry-After (a day) is past the wait allowed stops the command at once.
A throttle is transient: a scheduler retries on 75 and pages someone on 1.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
from test_edgar_steps_cases import APPLE, APPLE_10K, USER_AGENT, folder

from ledgergraph.edgar import ratelimit
from localrun.cli import main as cli
from tests.fakes.edgar_server import FakeEdgar, bundled_packages, throttled_429

SUBMISSIONS = f"/submissions/CIK{APPLE:010d}.json"
APPLE_FY2023 = ("--cik", str(APPLE), "--forms", "10-K", "--from", "2023-11-01")
APPLE_FY2023 += ("--to", "2023-11-30")
A_DAY = "86400"


@pytest.fixture
def fake() -> Iterator[FakeEdgar]:
    """The fake EDGAR, only this test's settings, and a process rate limiter of its own
    (the day-long pause it is given must not hold back the tests after it)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_EDGAR_")}
    with (
        FakeEdgar(snapshot="2026-03") as server,
        mock.patch.dict(os.environ, clean, clear=True),
        mock.patch.object(ratelimit, "_process_limiter", None),
    ):
        apple = next(p for p in bundled_packages() if p.accession == APPLE_10K)
        server.add_package(apple)
        yield server


def edgar(fake: FakeEdgar) -> tuple[str, ...]:
    return ("--edgar-url", fake.base_url, "--user-agent", USER_AGENT)


def test_discover_throttled_past_the_wait_allowed_exits_75_naming_url_and_wait(
    fake: FakeEdgar, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.script(f"^{SUBMISSIONS}$", throttled_429(A_DAY))
    started = time.monotonic()

    code = cli(["sec", "discover", "--home", str(tmp_path), *APPLE_FY2023, *edgar(fake), "--json"])

    captured = capsys.readouterr()
    assert code == 75
    assert time.monotonic() - started < 5  # not a day
    url = fake.base_url + SUBMISSIONS
    assert f"error: EDGAR asked for a pause of {A_DAY} s (Retry-After)" in captured.err
    assert f"not waiting longer than 600 s (LEDGERGRAPH_EDGAR_MAX_WAIT_S) for {url}" in (
        captured.err
    )
    assert "run the same command again later; exit 75" in captured.err
    error = json.loads(captured.out)["error"]
    assert error["type"] == "EdgarThrottled" and url in error["message"]
    assert fake.paths() == [SUBMISSIONS]


def test_discover_that_is_not_throttled_still_exits_0(
    fake: FakeEdgar, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(["sec", "discover", "--home", str(tmp_path), *APPLE_FY2023, *edgar(fake), "--json"])

    assert code == 0
    filings = json.loads(capsys.readouterr().out)["filings"]
    assert [f["accession"] for f in filings] == [APPLE_10K]


def test_download_throttled_past_the_wait_allowed_exits_75_and_a_rerun_completes_it(
    fake: FakeEdgar, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    apple = next(p for p in bundled_packages() if p.accession == APPLE_10K)
    index = f"{folder(apple)}/index.json"
    fake.script(f"^{index}$", throttled_429(A_DAY))
    argv = ["sec", "download", "--home", str(tmp_path), *APPLE_FY2023, *edgar(fake)]

    code = cli(argv)
    text = capsys.readouterr().out

    assert code == 75
    assert f"{APPLE_10K}: FAILED EdgarThrottled: filing {APPLE_10K}: index.json" in text
    assert f"asked for a pause of {A_DAY} s (Retry-After)" in text
    assert fake.base_url + index in text
    assert "1 failed for a transient reason (EDGAR throttling or unavailable)" in text

    ratelimit._process_limiter = None  # the day has passed
    again = cli([*argv, "--json"])
    outcomes = json.loads(capsys.readouterr().out)

    assert again == 0 and [o["status"] for o in outcomes] == ["ok"]
