"""Interrupting a read query whose HTTP client has hung up, and a write still waiting.

A read runs in a worker thread and holds the graph's read gate (or a staging cursor) until
the engine returns; nothing in the engine learns that the client is gone, so a query of a
few minutes would run on, keep writers waiting and, through the gate, every reader queued
behind them. The route watches the connection while the query runs (``server.run_watched``)
and, once the client has gone, interrupts the engine through the ``Cancellation`` the query
registered its connection with. A write is watched the same way while it waits for the
graph's writer lock (``acquire_unless_cancelled``): one whose client left stops waiting;
one that holds the lock runs to its end, as every write is atomic and idempotent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from graph_node.errors import QueryCancelled, RequestCancelled


class Cancellation:
    """A request's "the client has gone" flag, and the engine call it interrupts.

    ``cancel`` may come from any thread at any moment; it interrupts whatever is
    registered with ``interrupting`` then, and a query registered afterwards is refused
    before it starts.
    """

    def __init__(self, *, what: str) -> None:
        self.what = what
        self.cancelled = False
        self._lock = threading.Lock()
        self._interrupt: Callable[[], None] | None = None

    def cancel(self) -> None:
        """Mark the request cancelled and interrupt its running engine call, if any.

        Safe to call again: ``run_watched`` repeats it until the query returns, which
        covers an interrupt the engine dropped because it came between two statements.
        """
        with self._lock:  # never interrupt a connection that is being closed
            self.cancelled = True
            if self._interrupt is not None:
                self._interrupt()

    @contextmanager
    def interrupting(self, interrupt: Callable[[], None]) -> Iterator[None]:
        """Let ``cancel`` call ``interrupt`` while the block runs.

        Raises:
            QueryCancelled: the request was cancelled before the block or while it ran
                (whatever the engine raised on being interrupted is its cause).
        """
        with self._lock:
            if self.cancelled:
                raise QueryCancelled(f"{self.what}: the client hung up before it started")
            self._interrupt = interrupt
        try:
            yield
        except Exception as exc:
            if self.cancelled:
                raise QueryCancelled(f"{self.what}: interrupted, the client hung up") from exc
            raise
        finally:
            with self._lock:
                self._interrupt = None


@contextmanager
def interrupting(
    cancellation: Cancellation | None, interrupt: Callable[[], None]
) -> Iterator[None]:
    """``cancellation.interrupting(interrupt)``, or nothing for a call without one."""
    if cancellation is None:
        yield
        return
    with cancellation.interrupting(interrupt):
        yield


# How often a write waiting for a lock looks at its cancellation: a threading.Lock cannot be
# woken, so a hang-up is acted on within this.
LOCK_POLL_S = 0.1


def acquire_unless_cancelled(
    lock: threading.Lock,
    *,
    timeout_s: float,
    cancellation: Cancellation | None,
    poll_s: float = LOCK_POLL_S,
) -> bool:
    """``lock.acquire(timeout=timeout_s)``, given up once ``cancellation`` is cancelled.

    Returns:
        Whether the lock is now held (False: ``timeout_s`` passed first).

    Raises:
        RequestCancelled: the client hung up before or while it waited; the lock is not held.
    """
    if cancellation is None:
        return lock.acquire(timeout=timeout_s)
    deadline = time.monotonic() + timeout_s
    while not cancellation.cancelled:
        remaining = deadline - time.monotonic()
        if lock.acquire(timeout=max(0.0, min(poll_s, remaining))):
            return True
        if remaining <= poll_s:
            return False
    raise RequestCancelled(
        f"{cancellation.what}: the client hung up while it waited for the graph's writer lock"
    )
