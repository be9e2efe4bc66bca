"""``ledgergraph quickbooks ...``: connect a company, sync it, or load the bundled sample.

``connect`` prints Intuit's authorization URL; ``connect --realm R --code C`` trades the
code Intuit sent back for tokens, stored in ``<home>/quickbooks/tokens.json`` (mode 0600).
``sync`` and ``load-sample`` run the QuickBooks state machine locally and print the run's
summary; they exit 1 unless the run loaded and every validation check passed.
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import Any

from ledgergraph.logs import send_logs_to_stderr
from localrun import render, render_run_notes
from localrun.cli_common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    emit,
    graph_id,
    home_of,
    run_exit_code,
)

RUN_EXIT_STATUS = (
    "exit status: 0 loaded, 1 failed (the run names the step and error), "
    f"{EXIT_INTERRUPTED} interrupted, or Ctrl-C (the run says how to finish it)"
)


def _add_options(parser: argparse.ArgumentParser, *, graph: bool = True) -> None:
    parser.add_argument("--home", type=Path, default=None, help="data directory")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    if graph:
        parser.add_argument(
            "--graph", type=graph_id, default=None, help="graph id (default: qbo-<realm>)"
        )


def register(commands: argparse._SubParsersAction) -> None:
    qbo = commands.add_parser("quickbooks", help="QuickBooks Online books into a ledger graph")
    area = qbo.add_subparsers(dest="quickbooks_command", required=True)

    connect = area.add_parser("connect", help="connect a company (OAuth 2.0 with Intuit)")
    _add_options(connect, graph=False)
    connect.add_argument("--realm", default=None, help="realmId Intuit sent back")
    connect.add_argument("--code", default=None, help="authorization code Intuit sent back")
    connect.add_argument("--redirect-uri", default=None, help="the app's registered redirect")
    connect.set_defaults(handler=cmd_connect)

    sync = area.add_parser(
        "sync",
        help="sync a connected company and load it into its graph",
        epilog=RUN_EXIT_STATUS,
    )
    _add_options(sync)
    sync.add_argument("--realm", required=True, help="QuickBooks company (realm) id")
    sync.add_argument("--full", action="store_true", help="list everything, ignore CDC")
    sync.add_argument("--api-base", default=None, help="QBO API base URL (e.g. the sandbox)")
    sync.add_argument(
        "--missing-means-empty", action="store_true",
        help="a full listing may delete every known record of its entity (refused otherwise)",
    )  # fmt: skip
    sync.set_defaults(handler=cmd_sync)

    sample = area.add_parser(
        "load-sample", help="load the bundled sandbox company, offline", epilog=RUN_EXIT_STATUS
    )
    _add_options(sample)
    sample.add_argument(
        "--source", type=Path, default=None,
        help="folder of recorded query responses (<Entity>.json) like the bundled one",
    )  # fmt: skip
    sample.add_argument(
        "--missing-means-empty", action="store_true",
        help="an <Entity>.json missing from --source, empty or sharing no Id with the known "
        "records means none: delete its known records",
    )  # fmt: skip
    sample.set_defaults(handler=cmd_load_sample)


def cmd_connect(args: argparse.Namespace) -> int:
    from ledgergraph.errors import PermanentError
    from ledgergraph.quickbooks.oauth import authorization_url
    from ledgergraph.quickbooks.settings import QuickBooksSettings
    from localrun.quickbooks_run import token_path

    send_logs_to_stderr()
    path = token_path(home_of(args))
    settings = QuickBooksSettings(token_store="file", token_path=path, app_secret_id=None)
    if args.redirect_uri:
        settings = settings.model_copy(update={"redirect_uri": args.redirect_uri})
    if not settings.client_id:
        raise PermanentError(
            "set LEDGERGRAPH_QBO_CLIENT_ID and LEDGERGRAPH_QBO_CLIENT_SECRET to your Intuit "
            "app's client id and secret (developer.intuit.com, Keys & credentials)"
        )
    if args.code is None:
        state = secrets.token_urlsafe(16)
        url = authorization_url(
            authorize_url=settings.authorize_url, client_id=settings.client_id,
            redirect_uri=settings.redirect_uri, scope=settings.scope, state=state,
        )  # fmt: skip
        emit(args, {"authorization_url": url, "state": state}, _connect_help(url, state))
        return EXIT_OK
    if not args.realm:
        raise PermanentError("--code needs the --realm (realmId) Intuit sent with it")
    return _exchange(args, settings)


def _connect_help(url: str, state: str) -> str:
    return "\n".join([
        "Open this URL, sign in and choose the company:", "", url, "",
        f"Intuit then redirects to the app's redirect URI with code, realmId and state={state}",
        "(check the state matches). Finish with:",
        "  ledgergraph quickbooks connect --realm <realmId> --code <code>",
    ])  # fmt: skip


def _exchange(args: argparse.Namespace, settings: Any) -> int:
    import httpx

    from ledgergraph.quickbooks.service import open_token_manager

    with httpx.Client(timeout=settings.timeout_s) as http:
        tokens = open_token_manager(settings, http)
        tokens.exchange_code(args.realm, args.code, redirect_uri=settings.redirect_uri)
    path = settings.token_path
    result = {"realm_id": args.realm, "status": "connected", "token_file": str(path)}
    text = f"realm {args.realm} connected; tokens stored in {path} (mode 0600)"
    emit(args, result, text)
    return EXIT_OK


def cmd_sync(args: argparse.Namespace) -> int:
    from localrun.quickbooks_run import quickbooks_environment, run_quickbooks_pipeline

    send_logs_to_stderr()
    home = home_of(args)
    summary = run_quickbooks_pipeline(
        args.realm, home=home, graph_id=args.graph, force_full=args.full,
        missing_means_empty=args.missing_means_empty,
        environment=quickbooks_environment(home, api_base=args.api_base),
    )  # fmt: skip
    emit(args, summary, render_summary(summary))
    return run_exit_code(summary)


def cmd_load_sample(args: argparse.Namespace) -> int:
    from localrun.quickbooks_run import load_sample
    from localrun.quickbooks_sample import SAMPLE_COMPANY

    send_logs_to_stderr()
    folder = args.source or SAMPLE_COMPANY
    summary = load_sample(home=home_of(args), graph_id=args.graph, folder=folder,
                          missing_means_empty=args.missing_means_empty)  # fmt: skip
    emit(args, summary, render_summary(summary))
    return run_exit_code(summary)


def render_summary(summary: dict[str, Any]) -> str:
    """The run in a few lines: outcome, tables, rejections, every validation failure."""
    head = (f"QuickBooks run {summary['run_id']} of realm {summary.get('realm_id')} "
            f"into graph {summary['graph_id']}: {summary['status']}")  # fmt: skip
    if summary["status"] != "loaded":
        step = summary.get("failed_step", "?")
        text = f"{head} at {step}\n{summary.get('error_type')}: {summary.get('error')}"
        if summary["status"] == "interrupted":
            held = render_run_notes.files_held(
                summary.get("graph_files"), never="the run was never summarized"
            )
            text += f"\n{held}\nto finish: {summary['finish']}"
        return text
    lines = [f"{head} ({summary.get('mode')}: {summary.get('mode_reason')})", ""]
    rows = [[name, t["rows"], t["added"], t["updated"], t["unchanged"], t.get("superseded", 0),
             t["not_applied"]] for name, t in summary["tables"].items()]  # fmt: skip
    header = ["table", "rows", "added", "updated", "unchanged", "superseded", "not applied"]
    lines += [render.table(header, rows), ""]
    explained = summary.get("rows_explained") or []
    if explained:
        lines.append("rows beyond the records (records in + derived = rows + not written):")
        lines += [f"  {text}" for text in explained]
    rejected = summary["rejected"]
    lines.append(f"records rejected: {rejected['total']}")
    lines += [f"  {n} {reason}" for reason, n in sorted(rejected["reasons"].items())]
    superseded = summary.get("superseded") or {"total": 0, "reasons": {}}
    lines.append(f"records superseded (a newer version is known, not applied): "
                 f"{superseded['total']}")  # fmt: skip
    lines += [f"  {n} {reason}" for reason, n in sorted(superseded["reasons"].items())]
    duplicates = summary.get("duplicates") or {"total": 0, "reasons": {}}
    lines.append(f"records listed twice (same version, same content): {duplicates['total']}")
    lines += [f"  {n} {reason}" for reason, n in sorted(duplicates["reasons"].items())]
    lines += _deletion_lines(summary)
    lines.append(
        "links to transactions not synced (LinkedTxn to an Estimate, a StatementCharge...): "
        f"{summary.get('unresolved_links', 0)}"
    )
    lines.append(
        "links to transactions rejected in this run (named above): "
        f"{summary.get('links_to_rejected', 0)}"
    )
    lines += _unresolved_lines(summary.get("unresolved_references"))
    for kind in ("relationships_removed", "nodes_removed"):
        removed = summary.get(kind) or {}
        named = ", ".join(f"{table} {n}" for table, n in removed.items())
        lines.append(f"{kind.replace('_', ' ')}: {sum(removed.values())}"
                     + (f" ({named})" if named else ""))  # fmt: skip
    changed = summary["rows_present_with_changed_content"]
    if changed:
        lines.append(f"rows the graph holds in another version (not applied): {changed}")
    lines += _validation_lines(summary["validation"])
    not_loaded = summary.get("source_not_loaded") or []
    if not_loaded:
        lines.append(f"files in the source folder not loaded: {len(not_loaded)}")
        lines += [f"  {note}" for note in not_loaded]
    return "\n".join(lines)


def _deletion_lines(summary: dict[str, Any]) -> list[str]:
    """Deletions QuickBooks stated (CDC) apart from those inferred from a full listing."""
    deleted = summary.get("deleted", 0)
    inferred = summary.get("deleted_inferred", 0)
    stated = summary.get("deleted_stated", deleted - inferred)
    lines = [
        f"records marked deleted (is_deleted): {deleted}",
        f"  stated deleted by QuickBooks (CDC): {stated}",
        f"  inferred, missing from a full listing: {inferred}",
    ]
    withheld = summary.get("deletions_withheld", [])
    return lines + [f"  none inferred for missing: {why}" for why in withheld]


def _unresolved_lines(unresolved: dict[str, Any] | None) -> list[str]:
    """References to unknown records: the record is kept without that relationship."""
    unresolved = unresolved or {"total": 0, "references": []}
    lines = [f"references to records not in the ledger (kept, relationship not written): "
             f"{unresolved['total']}"]  # fmt: skip
    lines += [f"  {reference}" for reference in unresolved["references"]]
    if unresolved.get("not_shown"):
        lines.append(f"  ... {unresolved['not_shown']} more in the stored summary")
    return lines


def _validation_lines(validation: dict[str, Any]) -> list[str]:
    """Failures, then superseded versions staged unbalanced (the graph holds a newer one,
    so they are not failures of the ledger), then skipped checks."""
    checks = ", ".join(validation["checks"])
    if validation["passed"]:
        lines = [f"validation passed: {checks}"]
    else:
        lines = [f"validation FAILED: {', '.join(validation['failed_checks'])} (of {checks})"]
        lines += [f"  {failure}" for failure in validation["failures"]]
    if validation.get("failures_not_shown"):
        lines.append(f"  ... {validation['failures_not_shown']} more in the stored summary")
    apart = validation.get("superseded_unbalanced") or []
    if apart:
        lines.append(f"superseded versions staged unbalanced (not applied): {len(apart)}")
        lines += [f"  {text}" for text in apart]
    lines += [f"skipped {skipped}" for skipped in validation.get("skipped", [])]
    return lines
