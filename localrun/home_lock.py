"""One ``ledgergraph`` command at a time per home.

Two runs on one home would share its object store, staging files and graph: the second
one's graph node cannot open the files the first holds, and its task outputs land beside
the first one's. So a command that works on a home takes an exclusive ``flock`` on
``{home}/.lock`` for as long as it runs and writes who holds it there; a second command
fails at once naming the holder, before touching anything. The kernel drops the lock when
the process ends, however it ends, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from localrun.errors import LocalRuntimeError

LOCK_NAME = ".lock"


class HomeInUse(LocalRuntimeError):
    """Another ledgergraph command is working on the same home."""


@contextmanager
def home_lock(home: Path, command: str) -> Iterator[None]:
    """Hold ``home``'s lock while the block runs; HomeInUse at once if another holds it."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_NAME
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HomeInUse(
                f"home {home} is in use by {_holder(path)}; wait for it to finish "
                "or use another --home"
            ) from None
        handle.truncate(0)
        since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        handle.write(json.dumps({"pid": os.getpid(), "command": command, "since": since}))
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder wrote it (it may not have written it yet)."""
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return "another ledgergraph command"
    return f"`{holder['command']}` (pid {holder['pid']}, since {holder['since']})"
