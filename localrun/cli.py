"""The ``ledgergraph`` command: run the pipelines locally and read the graph.

Every command takes ``--home`` (LEDGERGRAPH_HOME, default ./.ledgergraph) and ``--graph``
(default ``sec``); commands that print data take ``--json``. Each area registers its own
sub-commands (``cli_sec``, ``cli_graph``, ...).
"""

from __future__ import annotations

import argparse
import sys

from localrun import cli_events, cli_graph, cli_quickbooks, cli_sec, cli_verify
from localrun.cli_common import EXIT_FAILURES

AREAS = (cli_sec, cli_quickbooks, cli_graph, cli_events, cli_verify)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgergraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for area in AREAS:
        area.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from ledgergraph.errors import LedgerGraphError

    try:
        return args.handler(args)
    except LedgerGraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES


if __name__ == "__main__":
    sys.exit(main())
