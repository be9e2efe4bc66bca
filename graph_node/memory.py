"""A cap on the node's address space, so a runaway query fails instead of the machine.

LadybugDB keeps query working memory in its buffer pool (a query past it fails cleanly),
but some values are built outside it: ``UNWIND range(1, 1000000000)`` materialises the
whole list, and nothing stops it short of the machine's memory. With RLIMIT_AS set,
such an allocation fails with ``std::bad_alloc``, which the engine reports as an error of
that query; the node and its other queries go on. The cap is the address space in use when
it is applied plus ``memory_limit_mb``. Each open graph reserves ``max_db_size_mb`` of
address space, so opening one lifts the cap for the moment of the open and re-applies it
on top of the new reservation.

glibc's malloc keeps freed blocks in its per-thread arenas once it has raised its mmap
threshold, which it does to the size of each mapped block freed (up to 32 MiB), and the cap
counts that address space: a series of staging queries that each built 150 values of 10 MB
(refused as too large) kept 0.7-1.3 GiB more of it taken. With the threshold fixed at 1 MiB
(``release_large_blocks``, applied with the cap) the same series kept 0.1-0.5 GiB.
"""

from __future__ import annotations

import ctypes
import resource
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph_node.log import logger

_MIB = 1 << 20
_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
MMAP_THRESHOLD_BYTES = _MIB
_STATUS = Path("/proc/self/status")


def _address_space_in_use() -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class AddressSpaceLimit:
    """RLIMIT_AS of this process: headroom above what is mapped, or no limit at all."""

    def __init__(self) -> None:
        self.headroom: int | None = None
        self._lock = threading.RLock()

    def apply(self, headroom_mb: int | None) -> None:
        """Cap the address space at what is in use now plus ``headroom_mb`` (None: no cap)."""
        with self._lock:
            self.headroom = headroom_mb * _MIB if headroom_mb else None
            self._set()
        if self.headroom is not None:
            release_large_blocks()

    def _set(self) -> None:
        in_use = _address_space_in_use()
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if self.headroom is None or in_use is None:
            soft = hard
        else:
            soft = in_use + self.headroom
            soft = soft if hard == resource.RLIM_INFINITY else min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        logger.debug("address space limit set", extra={"soft": soft, "in_use": in_use})

    @contextmanager
    def lifted(self) -> Iterator[None]:
        """No cap while an engine reserves its address space, the cap re-applied after."""
        if self.headroom is None:
            yield
            return
        with self._lock:
            _, hard = resource.getrlimit(resource.RLIMIT_AS)
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
            try:
                yield
            finally:
                self._set()


def release_large_blocks() -> bool:
    """Have malloc map each block of ``MMAP_THRESHOLD_BYTES`` or more on its own, so freeing
    it gives its address space back at once; False where the C library has no ``mallopt``
    for it (not glibc)."""
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def lift_inherited_limit() -> None:
    """Child processes inherit the cap; an engine worker starts without it."""
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))


ADDRESS_SPACE = AddressSpaceLimit()
