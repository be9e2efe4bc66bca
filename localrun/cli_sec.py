"""``ledgergraph sec ...``: the SEC pipeline, run locally on the same state machine.

``sec run --source DIR`` loads local filing packages; ``sec run --cik/--ticker/--since ...``
starts from EDGAR. ``sec discover`` and ``sec download`` are the EDGAR steps alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from ledgergraph.logs import send_logs_to_stderr
from localrun import render
from localrun.cli_common import (
    EXIT_FAILURES,
    EXIT_INTERRUPTED,
    EXIT_OK,
    add_common,
    emit,
    existing_folder,
    home_of,
    positive_int,
    run_exit_code,
)

if TYPE_CHECKING:
    from ledgergraph.edgar import DownloadOutcome

SELECTORS = ("cik", "ticker", "since")
RUN_EXIT_STATUS = (
    "exit status: 0 every filing loaded (or already there), 1 a filing failed, "
    f"{EXIT_INTERRUPTED} none failed but a load was interrupted, or Ctrl-C (run the same "
    "command again)"
)


def _listed(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def add_selectors(parser: argparse.ArgumentParser) -> None:
    """Which filings: --cik/--ticker (repeat or comma-separate), --forms, dates."""
    parser.add_argument(
        "--cik", type=_listed, action="extend", metavar="CIK[,CIK]", help="filer CIK(s)"
    )
    parser.add_argument(
        "--ticker", type=_listed, action="extend", metavar="TICKER[,..]", help="e.g. AAPL,MSFT"
    )
    parser.add_argument(
        "--forms",
        type=_listed,
        metavar="FORM[,FORM]",
        help="form types (default 10-K,10-Q,20-F,40-F,8-K)",
    )
    day = {"type": date.fromisoformat, "metavar": "YYYY-MM-DD"}
    parser.add_argument("--from", dest="date_from", help="filed on or after", **day)
    parser.add_argument("--to", dest="date_to", help="filed on or before", **day)
    parser.add_argument("--since", help="everything filed since (daily indexes)", **day)
    parser.add_argument("--amendments", action="store_true", help="also the /A amendments")
    parser.add_argument(
        "--user-agent", metavar="'NAME EMAIL'", help="who you are, with a contact e-mail (SEC rule)"
    )
    parser.add_argument("--edgar-url", metavar="URL", help="www.sec.gov or a mirror of it")
    parser.add_argument(
        "--edgar-data-url", metavar="URL", help="data.sec.gov or a mirror (default: --edgar-url)"
    )


def register(commands: argparse._SubParsersAction) -> None:
    sec = commands.add_parser("sec", help="the SEC XBRL pipeline").add_subparsers(
        dest="sec_command", required=True
    )
    run = sec.add_parser(
        "run",
        help="run the SEC pipeline over local packages or EDGAR filings",
        epilog=RUN_EXIT_STATUS,
    )
    add_common(run, endpoint=False)
    run.add_argument(
        "--source", type=existing_folder, default=None, help="folder of filing packages"
    )
    add_selectors(run)
    run.add_argument("--batch-size", type=positive_int, default=3, help="filings per XBRL task")
    run.add_argument(
        "--download-concurrency",
        type=int,
        default=1,
        metavar="N",
        help="MaxConcurrency of the download Map; each download gets 1/N of the EDGAR rate "
        "(default 1: one local process plays every download Lambda)",
    )
    run.set_defaults(handler=cmd_sec_run)

    discover = sec.add_parser("discover", help="list the filings EDGAR has for the selection")
    add_common(discover, endpoint=False)
    add_selectors(discover)
    discover.set_defaults(handler=cmd_sec_discover, transient_exit=True)

    download = sec.add_parser("download", help="download the selection into the raw store")
    add_common(download, endpoint=False)
    add_selectors(download)
    download.add_argument("--workers", type=int, default=8, help="concurrent downloads")
    download.add_argument("--force", action="store_true", help="download complete ones again")
    download.set_defaults(handler=cmd_sec_download, transient_exit=True)


def _selection(args: argparse.Namespace) -> tuple[Any, dict[str, Any]]:
    """The discovery request and EDGAR settings overrides the flags give."""
    from localrun.edgar_local import discovery_request, flag_overrides

    request = discovery_request(
        {
            "ciks": args.cik,
            "tickers": args.ticker,
            "forms": args.forms,
            "date_from": args.date_from,
            "date_to": args.date_to,
            "since": args.since,
            "include_amendments": args.amendments,
        }
    )
    return request, flag_overrides(vars(args))


def cmd_sec_run(args: argparse.Namespace) -> int:
    from ledgergraph.errors import PermanentError

    selected = any(getattr(args, name) for name in SELECTORS)
    if args.source is not None and selected:
        raise PermanentError("give either --source or EDGAR selectors, not both")
    if args.source is not None:
        from localrun.sec_run import run_sec_from_folder

        summary = run_sec_from_folder(
            args.source, home=home_of(args), graph_id=args.graph, batch_size=args.batch_size
        )
    elif selected:
        summary = _run_from_edgar(args)
    else:
        raise PermanentError("give --source DIR, or --cik, --ticker or --since to use EDGAR")
    emit(args, summary, render.sec_summary(summary))
    return run_exit_code(summary)


def _run_from_edgar(args: argparse.Namespace) -> dict[str, Any]:
    from ledgergraph.edgar.steps import MAX_DOWNLOAD_CONCURRENCY
    from ledgergraph.errors import PermanentError
    from localrun.sec_run import run_sec_from_edgar

    if not 1 <= args.download_concurrency <= MAX_DOWNLOAD_CONCURRENCY:
        raise PermanentError(f"--download-concurrency must be 1..{MAX_DOWNLOAD_CONCURRENCY}")
    request, overrides = _selection(args)
    return run_sec_from_edgar(
        request,
        home=home_of(args),
        graph_id=args.graph,
        batch_size=args.batch_size,
        edgar=overrides,
        download_concurrency=args.download_concurrency,
    )


def cmd_sec_discover(args: argparse.Namespace) -> int:
    from localrun.edgar_local import discover_now, edgar_settings
    from localrun.render_edgar import discovery_text

    request, overrides = _selection(args)
    settings = edgar_settings(overrides)
    send_logs_to_stderr()
    result = discover_now(request, settings)
    emit(args, result.model_dump(mode="json"), discovery_text(result))
    return EXIT_OK


def cmd_sec_download(args: argparse.Namespace) -> int:
    from localrun.edgar_local import download_now, edgar_settings
    from localrun.render_edgar import outcome_table

    request, overrides = _selection(args)
    settings = edgar_settings(overrides)
    send_logs_to_stderr()
    outcomes = download_now(
        request, settings, home=home_of(args), workers=args.workers, force=args.force
    )
    emit(args, [o.model_dump(mode="json") for o in outcomes], outcome_table(outcomes))
    return download_exit_code(outcomes)


def download_exit_code(outcomes: Sequence[DownloadOutcome]) -> int:
    """0 nothing failed; EXIT_INTERRUPTED when every failure is transient (EDGAR throttled
    or unavailable: the same command again downloads what is missing); else 1."""
    failed = [o for o in outcomes if o.status == "failed"]
    if not failed:
        return EXIT_OK
    return EXIT_INTERRUPTED if all(o.transient for o in failed) else EXIT_FAILURES
