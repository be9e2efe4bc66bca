"""One request-rate limiter per process, shared by every worker thread.

Requests are spaced at least ``1 / rate`` seconds apart on the monotonic clock (no bursts:
the SEC counts requests per second across all of a user's machines). A throttling answer
closes a gate: nobody sends until the gate's time has passed, then traffic resumes by itself.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# A sleeping worker wakes at least this often to notice a gate opened or moved.
_MAX_NAP_S = 0.25


class RateLimiter:
    """Spaced request slots plus a 'pause all traffic until T' gate; thread-safe."""

    def __init__(
        self,
        requests_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if requests_per_second <= 0:
            raise ValueError("requests_per_second must be positive")
        self._interval = 1.0 / requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._paused_until = 0.0

    @property
    def requests_per_second(self) -> float:
        return 1.0 / self._interval

    def acquire(self) -> float:
        """Block until this caller may send one request; returns the seconds waited."""
        started = self._clock()
        while True:
            with self._lock:
                now = self._clock()
                ready_at = max(self._next_slot, self._paused_until)
                if ready_at <= now:
                    self._next_slot = now + self._interval
                    return now - started
            self._sleep(min(ready_at - now, _MAX_NAP_S))

    def pause(self, seconds: float) -> float:
        """Hold every caller for ``seconds`` from now (a longer pause already set wins).

        Returns the monotonic time when traffic resumes.
        """
        with self._lock:
            until = self._clock() + max(seconds, 0.0)
            self._paused_until = max(self._paused_until, until)
            return self._paused_until

    def limit_to(self, requests_per_second: float) -> None:
        """Lower the rate to ``requests_per_second`` (a higher value is ignored)."""
        with self._lock:
            self._interval = max(self._interval, 1.0 / requests_per_second)

    def paused_for(self) -> float:
        """Seconds left before the gate opens (0 when open)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())


_process_limiter: RateLimiter | None = None
_process_lock = threading.Lock()


def process_limiter(requests_per_second: float) -> RateLimiter:
    """The process-wide limiter, created on first use.

    Every client of the process shares it, so the SEC sees one polite caller however many
    clients and threads there are. A later call with a lower rate slows it down; a higher
    rate never speeds it up.
    """
    global _process_limiter
    with _process_lock:
        if _process_limiter is None:
            _process_limiter = RateLimiter(requests_per_second)
        else:
            _process_limiter.limit_to(requests_per_second)
        return _process_limiter


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def backoff_delay(
    attempt: int, *, base_s: float, max_s: float, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with jitter: between half and all of ``base * 2**attempt``."""
    ceiling = min(max_s, base_s * (2**attempt))
    return ceiling * (0.5 + 0.5 * rng())
