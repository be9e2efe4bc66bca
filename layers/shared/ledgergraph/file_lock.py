"""An exclusive lock on a file, held while a block runs, naming its holder when refused.

``flock`` on ``path``; the holder's description (pid, what it is, since when) is written
into the file so a refused process can say who holds it. The kernel drops the lock when
its process ends, however it ends, so a killed holder never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` says who, as it wrote it, and ``record``
    is all it wrote (empty when it could not be read)."""

    def __init__(self, path: Path, holder: str, record: Mapping[str, Any] | None = None) -> None:
        super().__init__(f"{path} is held by {holder}")
        self.path, self.holder = path, holder
        self.record: Mapping[str, Any] = record or {}


@contextmanager
def exclusive_lock(
    path: Path, what: str, *, details: Mapping[str, str] | None = None
) -> Iterator[None]:
    """Hold ``path``'s lock while the block runs; LockHeld at once if another holds it.

    ``details`` are written beside the pid, ``what`` and the time, for a refused process
    to read (``LockHeld.record``); never put a secret there.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            record = _record(path)
            raise LockHeld(path, _holder(record), record) from None
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        handle.truncate(0)
        record = {**(details or {}), "pid": os.getpid(), "what": what, "since": since}
        handle.write(json.dumps(record))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _record(path: Path) -> dict[str, Any]:
    """What the holder wrote, empty if nothing readable (it may not have written it yet)."""
    try:
        record = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def _holder(record: Mapping[str, Any]) -> str:
    """Who holds the lock, as its holder wrote it."""
    try:
        return f"`{record['what']}` (pid {record['pid']}, since {record['since']})"
    except KeyError:
        return "another process"
