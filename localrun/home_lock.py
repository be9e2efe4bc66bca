"""One ``ledgergraph`` command at a time per home.

Two runs on one home would share its object store, staging files and graph: the second
one's graph node cannot open the files the first holds, and its task outputs land beside
the first one's. So a command that works on a home holds ``{home}/.lock``
(``ledgergraph.file_lock``) for as long as it runs; a second command fails at once naming
the holder, before touching anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from ledgergraph.file_lock import LockHeld, exclusive_lock
from localrun.errors import LocalRuntimeError

LOCK_NAME = ".lock"


class HomeInUse(LocalRuntimeError):
    """Another ledgergraph command is working on the same home."""


class HomeNotFound(LocalRuntimeError):
    """A command that reads a home was given one that does not exist."""


@contextmanager
def home_lock(home: Path, command: str) -> Iterator[None]:
    """Hold ``home``'s lock while the block runs; HomeInUse at once if another holds it."""
    with ExitStack() as held_while:
        try:
            held_while.enter_context(exclusive_lock(home / LOCK_NAME, command))
        except LockHeld as held:
            raise HomeInUse(
                f"home {home} is in use by {held.holder}; wait for it to finish, use another "
                "--home, or read its graph through the running node with --endpoint"
            ) from None
        yield
