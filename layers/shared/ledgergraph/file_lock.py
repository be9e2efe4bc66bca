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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockHeld(Exception):
    """Another process holds the lock; ``holder`` says who, as it wrote it."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by {holder}")
        self.path, self.holder = path, holder


@contextmanager
def exclusive_lock(path: Path, what: str) -> Iterator[None]:
    """Hold ``path``'s lock while the block runs; LockHeld at once if another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeld(path, _holder(path)) from None
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        handle.truncate(0)
        handle.write(json.dumps({"pid": os.getpid(), "what": what, "since": since}))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (it may not have written it yet)."""
    try:
        holder = json.loads(path.read_text())
        return f"`{holder['what']}` (pid {holder['pid']}, since {holder['since']})"
    except (OSError, ValueError, KeyError):
        return "another process"
