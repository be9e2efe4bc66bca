"""``ledgergraph sec ...``: the SEC pipeline, run locally on the same state machine."""

from __future__ import annotations

import argparse
from pathlib import Path

from localrun import render
from localrun.cli_common import EXIT_FAILURES, EXIT_OK, add_common, emit, home_of


def register(commands: argparse._SubParsersAction) -> None:
    sec = commands.add_parser("sec", help="the SEC XBRL pipeline").add_subparsers(
        dest="sec_command", required=True
    )
    run = sec.add_parser("run", help="run the SEC pipeline over local filing packages")
    add_common(run, endpoint=False)
    run.add_argument("--source", type=Path, required=True, help="folder of filing packages")
    run.add_argument("--batch-size", type=int, default=3, help="filings per XBRL task")
    run.set_defaults(handler=cmd_sec_run)


def cmd_sec_run(args: argparse.Namespace) -> int:
    from localrun.sec_run import run_sec_from_folder

    summary = run_sec_from_folder(
        args.source, home=home_of(args), graph_id=args.graph, batch_size=args.batch_size
    )
    emit(args, summary, render.sec_summary(summary))
    return EXIT_OK if summary["ok"] else EXIT_FAILURES
