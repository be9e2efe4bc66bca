"""The shared rate limiter and the 'pause all traffic' gate, alone and against the fake EDGAR."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from test_edgar_cases import local_client, local_settings, max_in_window

from ledgergraph.edgar import EdgarClient
from ledgergraph.edgar import ratelimit as ratelimit_module
from ledgergraph.edgar.errors import EdgarThrottled
from ledgergraph.edgar.ratelimit import (
    RateLimiter,
    backoff_delay,
    process_limiter,
    retry_after_seconds,
)
from tests.fakes.edgar_server import FakeEdgar, throttle_page, throttled_429
from tests.fakes.network_guard import loopback_only

TICKERS = "/files/company_tickers.json"
SUBMISSIONS = "/submissions/CIK0000350001.json"  # the small test entity: cheap to serve


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


class SimulatedClock:
    """A monotonic clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_slots_are_spaced_by_the_rate() -> None:
    clock = SimulatedClock()
    limiter = RateLimiter(4, clock=clock, sleep=clock.sleep)

    starts = []
    for _ in range(5):
        limiter.acquire()
        starts.append(round(clock.now - 100.0, 6))

    assert starts == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_a_pause_holds_the_next_request_until_it_ends() -> None:
    clock = SimulatedClock()
    limiter = RateLimiter(8, clock=clock, sleep=clock.sleep)
    limiter.acquire()

    limiter.pause(3.0)
    limiter.pause(1.0)  # a shorter pause never shortens the longer one
    waited = limiter.acquire()

    assert waited == pytest.approx(3.0)
    assert limiter.paused_for() == 0.0


def test_the_process_limiter_is_one_object_and_only_slows_down(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ratelimit_module, "_process_limiter", None)

    first = process_limiter(8)
    second = process_limiter(9)
    third = process_limiter(5)

    assert first is second is third
    assert first.requests_per_second == pytest.approx(5)


def test_retry_after_in_seconds_or_as_an_http_date() -> None:
    now = datetime(2026, 3, 5, 11, 20, 33, tzinfo=UTC)

    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90)), now=now) == 90.0
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_backoff_doubles_within_its_jitter_and_cap() -> None:
    delays = [backoff_delay(n, base_s=0.5, max_s=3.0, rng=lambda: 1.0) for n in range(4)]
    low = backoff_delay(2, base_s=0.5, max_s=3.0, rng=lambda: 0.0)

    assert delays == [0.5, 1.0, 2.0, 3.0]
    assert low == 1.0


def run_threads(clients: list[EdgarClient], each: int, path: str) -> list[Exception]:
    """One thread per client entry, each making ``each`` requests; returns their errors."""
    errors: list[Exception] = []

    def work(client: EdgarClient) -> None:
        try:
            for _ in range(each):
                client.get_json(client.data_url(path))
        except Exception as exc:  # collected: the tests assert there are none
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_eight_threads_stay_under_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ratelimit_module, "_process_limiter", None)
    with FakeEdgar(rate_limit=10) as fake:  # answers like the SEC past 10 in any second
        settings = local_settings(fake, max_requests_per_second=9)
        # two clients without their own limiter: the process-wide one paces all 8 threads
        with EdgarClient(settings) as first, EdgarClient(settings) as second:
            errors = run_threads([first, second] * 4, 5, SUBMISSIONS)

    times = sorted(r.at for r in fake.requests)
    achieved = (len(times) - 1) / (times[-1] - times[0])
    assert errors == []
    assert len(times) == 40 and {r.status for r in fake.requests} == {200}
    assert max_in_window(times) <= 10
    assert achieved <= 9 * 1.05


def test_a_429_with_retry_after_pauses_every_worker_then_traffic_resumes() -> None:
    with FakeEdgar() as fake:
        fake.script(SUBMISSIONS, throttled_429("1"))
        client = local_client(fake, max_retries=3)

        errors = run_threads([client] * 4, 3, SUBMISSIONS)

    records = sorted(fake.requests, key=lambda r: r.at)
    throttled_at = next(r.at for r in records if r.status == 429)
    after = [r.at - throttled_at for r in records if r.at > throttled_at]
    assert errors == []
    assert [r.status for r in records].count(429) == 1
    assert len(records) == 4 * 3 + 1
    # nobody sent during the pause (Retry-After: 1), bar at most one request already on
    # its way when the 429 arrived
    assert sum(1 for delay in after if delay < 0.95) <= 1
    assert max(after) >= 0.95


def test_the_throttling_page_without_retry_after_pauses_for_the_configured_time() -> None:
    with FakeEdgar() as fake:
        fake.script(TICKERS, throttle_page(403))
        client = local_client(fake, throttle_pause_s=0.6)

        errors = run_threads([client] * 3, 1, TICKERS)

    records = sorted(fake.requests, key=lambda r: r.at)
    assert errors == []
    assert [r.status for r in records] == [403, 200, 200, 200]
    gaps = [r.at - records[0].at for r in records[1:]]
    assert sum(1 for gap in gaps if gap < 0.55) <= 1  # at most one already on its way
    assert max(gaps) >= 0.55


def test_a_429_without_retry_after_uses_the_configured_pause_and_gives_up_bounded() -> None:
    with FakeEdgar() as fake:
        fake.script(SUBMISSIONS, *[throttled_429()] * 3)
        client = local_client(fake, throttle_pause_s=0.2, max_retries=2)

        with pytest.raises(EdgarThrottled):
            client.get_json(client.data_url(SUBMISSIONS))

    times = [r.at for r in fake.requests]
    assert len(times) == 3
    assert all(later - earlier >= 0.18 for earlier, later in zip(times, times[1:], strict=False))
    assert client.limiter.paused_for() > 0  # the last throttle still holds everyone back


def test_a_retry_after_over_the_default_cap_fails_at_once_naming_the_url() -> None:
    with FakeEdgar() as fake:
        fake.script(TICKERS, throttled_429("86400"))
        client = local_client(fake)  # max_wait_s left at its default
        url = client.www_url(TICKERS)

        started = time.monotonic()
        with pytest.raises(EdgarThrottled, match="not waiting longer than 600 s") as raised:
            client.get_json(url)

    assert time.monotonic() - started < 2
    assert url in str(raised.value) and raised.value.retry_after_s == 86400
    assert fake.paths() == [TICKERS]


def test_a_throttle_within_the_cap_is_announced_with_its_wait(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakeEdgar() as fake:
        fake.script(TICKERS, throttled_429("1"))
        client = local_client(fake)
        url = client.www_url(TICKERS)

        client.get_json(url)

    # on stdout, as a Lambda logs, whatever CLI test ran before (conftest puts them back)
    warnings = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    waits = [w for w in warnings if w["message"] == "edgar throttled, every request waits"]
    assert [(w["url"], w["wait_s"]) for w in waits] == [(url, 1.0)]
