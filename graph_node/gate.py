"""Many readers or one writer over one graph's LadybugDB ``Database``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from graph_node.errors import EngineUnavailable


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
    def reading(self) -> Iterator[None]:
        with self._changed:
            if not self._changed.wait_for(
                lambda: not self._writing and not self._writers_waiting, self.timeout_s
            ):
                raise EngineUnavailable(
                    f"the graph was being written for all the {self.timeout_s:g} s a read "
                    "waits for a write to end; retry the read"
                )
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
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
