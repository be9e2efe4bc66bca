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
    """Another ledgergraph command is working on the same home.

    ``ends_by_itself``: the holder is a command that ends (a run, a sync), so the same
    command later succeeds (the CLI exits 75, EX_TEMPFAIL, for a scheduler to retry); a
    served node (``ledgergraph serve``) holds the home until someone stops it.
    """

    def __init__(self, message: str, *, ends_by_itself: bool) -> None:
        super().__init__(message)
        self.ends_by_itself = ends_by_itself


class HomeNotFound(LocalRuntimeError):
    """A command that reads a home was given one that does not exist, or a file."""


@contextmanager
def home_lock(
    home: Path,
    command: str,
    *,
    serves: bool = False,
    endpoint: str | None = None,
    takes_endpoint: bool = True,
) -> Iterator[None]:
    """Hold ``home``'s lock while the block runs; HomeInUse at once if another holds it.

    ``serves`` says this command serves the home's graphs to others (``ledgergraph
    serve``), at ``endpoint`` when its URL is known before it starts (not ``--port 0``);
    both are written in the lock for a refused command to name. ``takes_endpoint`` says
    whether this command could work through a node instead (its ``--endpoint``), which
    its refusal then offers.
    """
    details = {"serves": "yes"} if serves else {}
    details |= {"endpoint": endpoint} if endpoint else {}
    with ExitStack() as held_while:
        try:
            held_while.enter_context(exclusive_lock(home / LOCK_NAME, command, details=details))
        except LockHeld as held:
            raise HomeInUse(
                in_use_message(home, held, takes_endpoint=takes_endpoint),
                ends_by_itself=not held.record.get("serves"),
            ) from None
        yield


def in_use_message(home: Path, held: LockHeld, *, takes_endpoint: bool = True) -> str:
    """Who holds ``home`` and what a second command can do meanwhile.

    Only a served node (``ledgergraph serve``) can be worked through, and only by a command
    that takes ``--endpoint`` (``takes_endpoint``): a run's own graph node (``sec run``,
    ``quickbooks sync``) listens on a port it picks, with an API key it generates and writes
    nowhere, so no ``--endpoint`` reaches it.
    """
    pid = held.record.get("pid")
    text = f"home {home} is in use by {held.holder}"
    if held.record.get("serves") and not takes_endpoint:
        return (
            f"{text}; this command works on the home's files itself (it takes no "
            "--endpoint), so it can run here only once that node stops: stop it, or use "
            "another --home"
        )
    if held.record.get("serves"):
        endpoint = held.record.get("endpoint") or (
            "http://HOST:PORT (it picked its port at start: its log line `graph node "
            "listening` names it)"
        )
        return (
            f"{text}; reach its graphs through that node: --endpoint {endpoint}; the key is "
            f"read from {home}/graph-node.key with this --home (or set "
            "LEDGERGRAPH_GRAPH_API_KEY to the key that node was given); or stop it"
        )
    who = f"pid {pid}" if pid else f"the process holding {home / LOCK_NAME}"
    return (
        f"{text}; its graphs can be read only once it ends: it holds the graph files "
        "itself or through a graph node of its own, which listens on a port it picks with "
        "an API key it generates and writes nowhere, so no --endpoint reaches it. "
        f"Wait for {who} to end (a run logs its steps to {home / 'logs'}), then run this "
        "again, or use another --home"
    )
