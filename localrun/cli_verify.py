"""``ledgergraph verify``: every filing in the graph compared with Arelle's own export."""

from __future__ import annotations

import argparse

from localrun.cli_common import EXIT_FAILURES, EXIT_OK, add_common, emit, home_of
from localrun.cli_graph import node_api_key


def register(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser(
        "verify", help="compare the graph's facts with Arelle's export of each filing"
    )
    add_common(verify)
    verify.add_argument(
        "--report", action="append", default=None, help="only this report id (repeatable)"
    )
    verify.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader
    from xbrl_task.settings import XbrlTaskSettings
    from xbrl_task.taxonomy_cache import prepare_cache
    from xbrl_task.verify import verify_graph

    home = home_of(args)
    settings = XbrlTaskSettings(home=home)
    cache = prepare_cache(list(settings.taxonomy_cache), settings.bundled_taxonomy_cache)
    try:
        with open_reader(home=home, endpoint=args.endpoint, api_key=node_api_key(home)) as reader:
            report = verify_graph(
                reader, args.graph, store_root=home / "store", cache=cache, only=args.report
            )
    finally:
        cache.close()
    emit(args, report.to_json(), render(report))
    return EXIT_OK if report.differences == 0 else EXIT_FAILURES


def render(report: object) -> str:
    lines = []
    for check in report.filings:
        state = check.error or f"{check.difference_count} differences"
        lines.append(
            f"{check.report}  graph {check.graph_facts} facts, Arelle {check.arelle_facts}: {state}"
        )
        lines.extend(f"    {line}" for line in check.differences)
    lines.append(report.summary())
    return "\n".join(lines)
