"""The ``ledgergraph`` command: run the pipelines locally and read the graph.

Each area registers its own sub-commands (``cli_sec``, ``cli_graph``, ...); ``DESCRIPTION``
is what ``ledgergraph --help`` says of them all.
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import os
import sys
import threading
from contextlib import AbstractContextManager, nullcontext, suppress

from ledgergraph.messages import clip
from localrun import cli_events, cli_graph, cli_quickbooks, cli_sec, cli_verify
from localrun.cli_common import EXIT_FAILURES, EXIT_INTERRUPTED, home_of
from localrun.home_lock import HomeInUse, HomeNotFound, home_lock

AREAS = (cli_sec, cli_quickbooks, cli_graph, cli_events, cli_verify)
DESCRIPTION = (
    "Run the ledgergraph pipelines on this machine and read the graphs they build. Commands "
    "that work on a home take --home (LEDGERGRAPH_HOME, default ./.ledgergraph), those on a "
    "graph --graph (default sec), those that print data --json; `ledgergraph COMMAND --help` "
    "says which."
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgergraph", description=DESCRIPTION)
    commands = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(commands)
    return parser


# A reading command stopped by Ctrl-C exits as shells report SIGINT; a writing one exits
# EXIT_INTERRUPTED (75, EX_TEMPFAIL), as a run whose load was interrupted does: run it again.
EXIT_SIGINT = 130
_READERS = ("query", "facts", "stats", "verify")  # commands that never create a home


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # moto's interpreter logs every failed state, and warns about ASL it does not evaluate;
    # the run's own summary says what failed and why, so a terminal does not need both.
    logging.getLogger("moto").setLevel(logging.CRITICAL)
    from ledgergraph.errors import LedgerGraphError

    try:
        with _home_held(args, argv):
            return args.handler(args)
    except LedgerGraphError as exc:
        retry_later = _retry_later(args, exc)
        message = _explained(args, exc) + (RETRY_LATER if retry_later else "")
        _report(args, type(exc).__name__, message)
        return EXIT_INTERRUPTED if retry_later else EXIT_FAILURES
    except BrokenPipeError:
        # The reader (| head) went away: nothing left to say, and nowhere to say it; stdout
        # points at /dev/null so the interpreter's last flush does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURES
    except (ValueError, LookupError, OSError) as exc:
        # Bad input that reached a library's own check (a JSON document, an id, a path):
        # one line naming it; LEDGERGRAPH_DEBUG=1 shows where it came from.
        if os.environ.get("LEDGERGRAPH_DEBUG"):
            raise
        _report(args, type(exc).__name__, _one_line(exc))
        return EXIT_FAILURES
    except KeyboardInterrupt:
        _report(args, "Interrupted", _interrupted(args))
        return EXIT_SIGINT if args.command in _READERS else EXIT_INTERRUPTED


def _home_held(args: argparse.Namespace, argv: list[str] | None) -> AbstractContextManager:
    """The home's lock for a command that works on a home (not one talking to --endpoint)."""
    if not hasattr(args, "home") or getattr(args, "endpoint", None):
        return nullcontext()
    if not getattr(args, "needs_home", True):  # accepts --home, reads nothing of it
        return nullcontext()
    home = home_of(args)
    if home.exists() and not home.is_dir():
        raise HomeNotFound(f"{home} is a file, not a ledgergraph home (--home, LEDGERGRAPH_HOME)")
    if args.command in _READERS and not home.is_dir():
        raise HomeNotFound(f"no ledgergraph home at {home} (--home, LEDGERGRAPH_HOME)")
    words = sys.argv[1:] if argv is None else argv
    leading = itertools.takewhile(lambda word: not word.startswith("-"), words[:2])
    command = " ".join(["ledgergraph", *(word[:40] for word in leading)])
    serves = args.command == "serve"
    return home_lock(
        home,
        command,
        serves=serves,
        endpoint=_served_endpoint(args),
        takes_endpoint=hasattr(args, "endpoint"),
    )


def _served_endpoint(args: argparse.Namespace) -> str | None:
    """The URL ``serve`` listens on, for commands refused its home to read through; None
    for other commands and for a port picked at start (``--port 0``)."""
    if args.command != "serve" or not args.port:
        return None
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(args.host, args.host)
    return f"http://[{host}]:{args.port}" if ":" in host else f"http://{host}:{args.port}"


RETRY_LATER = f" (transient: run the same command again later; exit {EXIT_INTERRUPTED})"


def _retry_later(args: argparse.Namespace, exc: Exception) -> bool:
    """Whether ``exc`` stopped a command that exits EXIT_INTERRUPTED on a transient error
    (``sec discover``, ``sec download``: EDGAR throttled them past the wait allowed, or
    kept failing), or stopped any command because another one that ends by itself holds
    its home, so a scheduler retries it instead of paging someone."""
    from ledgergraph.errors import TransientError

    if isinstance(exc, HomeInUse):
        return exc.ends_by_itself
    return getattr(args, "transient_exit", False) and isinstance(exc, TransientError)


def _explained(args: argparse.Namespace, exc: Exception) -> str:
    """The error's message; for a key a node at --endpoint refused, how to give it one."""
    from ledgergraph.errors import GraphNodeRejected

    endpoint = getattr(args, "endpoint", None)
    # 401 only: a 403 is a replica refusing a write, which no key changes
    if endpoint and isinstance(exc, GraphNodeRejected) and exc.status == 401:
        return f"{exc}. {cli_graph.key_hint(endpoint, home_of(args))}"
    return str(exc)


def _one_line(exc: BaseException) -> str:
    return clip(str(exc), 500) or type(exc).__name__


def _interrupted(args: argparse.Namespace) -> str:
    """What Ctrl-C left: a reading command changed nothing (a graph node drops the query of
    a client that hung up, also one still waiting behind a write); anything a writing one
    stored stays consistent, since every step writes atomically and a rerun resumes."""
    if args.command in _READERS:
        return f"interrupted; {args.command} changed nothing: run it again when you want"
    resume = "interrupted; run the same command again to resume"
    if getattr(args, "sec_command", None) == "run":
        # the run's summary is not printed: say where a half-loaded filing shows meanwhile
        resume += (
            "; until then a filing it had begun loading may be half loaded (`ledgergraph "
            "stats` lists its files never materialized; `verify` and `facts` warn)"
        )
    return resume


def _report(args: argparse.Namespace, error_type: str, message: str) -> None:
    """The error on stderr; with --json also as a JSON object on stdout, for scripts."""
    print(f"error: {message}", file=sys.stderr)
    if getattr(args, "json", False):
        print(json.dumps({"error": {"type": error_type, "message": message}}))


def run() -> None:
    """The ``ledgergraph`` program: ``main`` on the command line, then its exit status.

    A local execution's steps run in daemon threads (the Step Functions interpreter's), and
    one that Ctrl-C left inside DuckDB or the graph engine is ended by the interpreter's
    finalization with a forced unwind through C++ frames, which aborts the process (SIGABRT,
    exit 134) instead of giving the 75 or 130 a scheduler acts on. Such threads are dropped
    at exit either way, and every step writes atomically, so the process ends before
    finalization: streams and logs flushed, the status kept.
    """
    code = main()
    if any(thread.daemon and thread.is_alive() for thread in threading.enumerate()):
        _leave_now(code)
    sys.exit(code)


def _leave_now(code: int) -> None:
    """End the process with ``code`` without finalizing the interpreter."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        # a reader gone (| head) or a stream already closed: nothing more to say there
        with suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
