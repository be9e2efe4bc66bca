"""Many readers or one writer over one graph's LadybugDB ``Database``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from graph_node.cancellation import Cancellation, interrupting
from graph_node.errors import EngineUnavailable, QueryCancelled


class ReadWriteGate:
    """Many readers or one writer; a writer waiting holds new readers back.

    LadybugDB checkpoints right after a COPY commits and waits for every open transaction
    to end first, giving up after a few seconds; keeping readers out while a COPY runs lets
    that checkpoint go through instead of failing and stalling the writer.
    """

    def __init__(self, *, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self, *, cancellation: Cancellation | None = None) -> Iterator[None]:
        """Hold the graph for one read; wait while it is written, at most ``timeout_s``.

        ``cancellation`` (the client hung up) ends the wait at once: a read queued behind a
        long write would otherwise hold its request thread for the whole wait.

        Raises:
            EngineUnavailable: the graph was written for the whole wait.
            QueryCancelled: cancelled before or while it waited.
        """
        with interrupting(cancellation, self._wake):
            admitted = self._wait_to_read(cancellation)
        if not admitted:
            raise QueryCancelled(
                f"{cancellation.what if cancellation else 'read'}: the client hung up while "
                "it waited for a write to end"
            )
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    def _wait_to_read(self, cancellation: Cancellation | None) -> bool:
        """Count one more reader once no write runs or waits; False if cancelled first."""

        def cancelled() -> bool:
            return cancellation is not None and cancellation.cancelled

        with self._changed:
            free = self._changed.wait_for(
                lambda: cancelled() or (not self._writing and not self._writers_waiting),
                self.timeout_s,
            )
            if cancelled():
                return False
            if not free:
                raise EngineUnavailable(
                    f"the graph was being written for all the {self.timeout_s:g} s a read "
                    "waits for a write to end; retry the read"
                )
            self._readers += 1
            return True

    def _wake(self) -> None:
        """Make waiting readers look at their cancellation again (``Cancellation.cancel``)."""
        with self._changed:
            self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers_waiting += 1
            try:
                free = self._changed.wait_for(
                    lambda: not self._writing and self._readers == 0, self.timeout_s
                )
            finally:
                self._writers_waiting -= 1
                self._changed.notify_all()
            if not free:
                raise EngineUnavailable("readers kept the graph busy; retry the write")
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()
