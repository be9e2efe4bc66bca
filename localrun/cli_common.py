"""What every ``ledgergraph`` sub-command shares: options, the data directory, output."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_FAILURES = 1
# ``verify``: no difference found, but some filings could not be compared (argparse's own
# usage errors take 2)
EXIT_NOT_CHECKED = 3
# ``sec run``, ``quickbooks sync | load-sample``: nothing failed, but a load was interrupted
# (the graph node gone or restarted, a timeout): the same command again finishes it.
# sysexits' EX_TEMPFAIL, so a scheduler can tell "retry" from "look at the errors".
EXIT_INTERRUPTED = 75


def run_exit_code(summary: dict[str, Any]) -> int:
    """A pipeline run's exit status: 0 all done, 1 something failed, 75 only interrupted.

    ``summary`` is an SEC run's (``failed`` and ``interrupted`` filing counts) or a
    QuickBooks run's (``status``); a failure wins over an interruption.
    """
    if summary["ok"]:
        return EXIT_OK
    if summary.get("status") == "interrupted":  # a QuickBooks run
        return EXIT_INTERRUPTED
    if summary.get("failed") == 0 and summary.get("interrupted", 0) > 0:  # an SEC run
        return EXIT_INTERRUPTED
    return EXIT_FAILURES


_GRAPH_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


def graph_id(text: str) -> str:
    """An argparse type: a graph id as the graph node accepts it, checked before any work."""
    if not _GRAPH_ID.match(text):
        raise argparse.ArgumentTypeError(
            f"invalid graph id {text!r}: lower-case letters, digits, - and _, "
            "starting with a letter"
        )
    return text


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def cik_number(text: str) -> int:
    """An argparse type: a CIK, a whole number of 1 to 10 digits (EDGAR's 10-digit form with
    its leading zeros too)."""
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 10 or int(digits) < 1:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a CIK: a whole number of 1 to 10 digits, such as 12927 or 0000012927"
        )
    return int(digits)


def existing_folder(text: str) -> Path:
    """An argparse type: a folder that exists, checked before any work (no home is made
    for a run given a mistyped folder)."""
    path = Path(text)
    if not path.is_dir():
        what = "a file, not a folder" if path.exists() else "no such folder"
        raise argparse.ArgumentTypeError(f"{text}: {what}")
    return path


def json_document(text: str) -> Any:
    """An argparse type: a JSON document."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not JSON ({exc}): {text[:80]!r}") from None


def add_common(parser: argparse.ArgumentParser, *, endpoint: bool = True) -> None:
    """--home, --graph, --json (and --endpoint for commands that read a graph)."""
    parser.add_argument("--home", type=Path, default=None, help="data directory")
    parser.add_argument("--graph", type=graph_id, default="sec", help="graph id (default: sec)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    if endpoint:
        parser.add_argument(
            "--endpoint",
            default=None,
            help="URL of a running graph node; without it the command works on the home's "
            "graph files itself",
        )


def home_of(args: argparse.Namespace) -> Path:
    """--home, else LEDGERGRAPH_HOME, else ./.ledgergraph (resolved)."""
    if getattr(args, "home", None) is not None:
        return args.home.resolve()
    return Path(os.environ.get("LEDGERGRAPH_HOME", ".ledgergraph")).resolve()


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    """JSON with --json, else the human rendering."""
    print(json.dumps(data, indent=2, default=str) if args.json else text)


API_KEY_VARIABLE = "LEDGERGRAPH_GRAPH_API_KEY"


def api_key() -> str | None:
    """The Graph API key a user set for talking to a remote node."""
    return os.environ.get(API_KEY_VARIABLE)
