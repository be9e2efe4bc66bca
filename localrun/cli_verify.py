"""``ledgergraph verify``: every filing in the graph compared with Arelle's own export."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ledgergraph.messages import pluralize
from localrun import render_graph
from localrun.cli_common import (
    EXIT_FAILURES,
    EXIT_NOT_CHECKED,
    EXIT_OK,
    add_common,
    emit,
    home_of,
)
from localrun.cli_graph import delete_command_of, node_api_key, reach_of

if TYPE_CHECKING:
    from xbrl_task.verify.run import FilingCheck, VerifyReport


def register(commands: argparse._SubParsersAction) -> None:
    verify = commands.add_parser(
        "verify",
        help="compare the graph's facts with Arelle's export of each filing",
        epilog="exit status: 0 every filing checked with no difference, 1 a difference (or "
        "an error), 3 no difference but a filing could not be checked (its line says why: "
        "e.g. its package is not in this home's store, as on a replica; or a WARNING: the "
        "file registry counts it loaded but the graph has no Report of it)",
    )
    add_common(verify)
    verify.add_argument(
        "--report", action="append", default=None, help="only this report id (repeatable)"
    )
    verify.set_defaults(handler=cmd_verify)


def cmd_verify(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader, refuse_graph_without_sec_data
    from xbrl_task.settings import XbrlTaskSettings
    from xbrl_task.taxonomy_cache import prepare_cache
    from xbrl_task.verify import verify_graph

    home = home_of(args)
    settings = XbrlTaskSettings(home=home)
    cache = prepare_cache(list(settings.taxonomy_cache), settings.bundled_taxonomy_cache)
    try:
        with open_reader(home=home, endpoint=args.endpoint, api_key=node_api_key(home)) as reader:
            refuse_graph_without_sec_data(
                reader, args.graph, reach=reach_of(args, home), command="verify"
            )
            report = verify_graph(
                reader, args.graph, store_root=home / "store", cache=cache, only=args.report
            )
            found = reader.stats(args.graph)
            # with --report only the named Reports, all in the graph, are asked about
            missing = {} if args.report else _loaded_without_report(reader, args.graph, report)
    finally:
        cache.close()
    warnings = render_graph.reading_warnings(found, delete_command=delete_command_of(args, home))
    warnings += _missing_warnings(missing, found.get("interrupted_deletes") or {})
    result = report.to_json() | {
        "unfinished": found.get("unfinished") or {},
        "interrupted_deletes": found.get("interrupted_deletes") or {},
        "loaded_without_report": missing,
        "warnings": warnings,
    }
    emit(args, result, render(report, warnings, loaded_without_report=len(missing)))
    return exit_code_of(report, loaded_without_report=len(missing))


# Reports staging holds from materialized files: the filings the file registry counts as
# loaded. verify compares the Reports of the graph; one missing there is said, not skipped.
_LOADED_REPORTS = (
    'SELECT DISTINCT r.id, f.source_unit FROM "Report" r JOIN file_registry f '
    "ON f.file_id = r.file_id WHERE f.status = 'materialized' ORDER BY r.id"
)


def _loaded_without_report(reader: Any, graph_id: str, report: VerifyReport) -> dict[str, str]:
    """Report id -> source unit of each filing the file registry counts as loaded whose
    Report the graph does not hold (a delete interrupted, a graph file older than staging)."""
    in_graph = {check.report for check in report.filings}
    answer = reader.query_staging(graph_id, _LOADED_REPORTS)
    return {rid: unit for rid, unit in answer["rows"] if rid not in in_graph}


def _missing_warnings(missing: dict[str, str], deletes: dict[str, int]) -> list[str]:
    """A WARNING per filing loaded by the registry's account but not in the graph."""
    lines = []
    for report_id, unit in missing.items():
        why = (
            "its delete was interrupted (above)"
            if unit in deletes
            else "the graph file may be older than staging: `ledgergraph rebuild` makes it "
            "from staging again"
        )
        lines.append(
            f"WARNING {report_id}: the file registry counts source unit {unit} as loaded "
            f"but the graph has no Report of it, so it was not checked; {why}"
        )
    return lines


def exit_code_of(report: VerifyReport, *, loaded_without_report: int = 0) -> int:
    """1 for any difference; else 3 if a filing could not be checked (one the file
    registry counts as loaded but the graph has no Report of included); else 0."""
    if report.differences:
        return EXIT_FAILURES
    return EXIT_NOT_CHECKED if report.not_checked or loaded_without_report else EXIT_OK


def render(
    report: VerifyReport, warnings: list[str] | None = None, *, loaded_without_report: int = 0
) -> str:
    """One line per filing, its differences under it, ``warnings`` (source units not
    wholly materialized or deleted), then the summary line, which counts the filings the
    file registry holds as loaded whose Report the graph lacks (``loaded_without_report``).

    A filing's line counts fact occurrences (each fact as often as the document has it,
    as Arelle exports them) and, beside them, the graph's Fact nodes, which hold a fact
    once however often the document repeats it; ``stats`` and ``facts`` count those.
    """
    lines = []
    for check in report.filings:
        if check.not_checked:
            lines.append(f"{check.report}  not checked: {check.not_checked}")
            continue
        state = check.error or _differences(check)
        lines.append(f"{check.report}  {_counts(check)}: {state}")
        if check.not_compared:
            lines.append(f"    {_not_compared(check)}")
        lines.extend(f"    {line}" for line in check.differences)
        hidden = check.difference_count - len(check.differences)
        if hidden > 0:
            lines.append(f"    ... and {hidden} more")
    if any(not check.not_checked for check in report.filings):
        lines.append(
            f"(facts compared as occurrences in the documents; the graph holds them as "
            f"{report.fact_nodes} Fact nodes, complete duplicates collapsed, as stats counts)"
        )
    lines += warnings or []
    summary = report.summary()
    if loaded_without_report:
        summary += (
            f"; {pluralize(loaded_without_report, 'filing')} loaded by the file registry's "
            f"account {'has' if loaded_without_report == 1 else 'have'} no Report in the "
            "graph: not checked (WARNING above)"
        )
    lines.append(summary)
    return "\n".join(lines)


def _differences(check: FilingCheck) -> str:
    """``3 differences (2 missing from the graph, 1 extra in the graph, 0 different)``."""
    from xbrl_task.verify.run import describe_kinds

    if not check.difference_count:
        return "0 differences"
    kinds = describe_kinds(
        missing_from_graph=check.missing_from_graph,
        extra_in_graph=check.extra_in_graph,
        different=check.different,
    )
    return f"{check.difference_count} differences ({kinds})"


def _not_compared(check: FilingCheck) -> str:
    """``not compared: 953 of the document's 1377 facts, ...``: the facts nobody compared,
    and why the extraction rejected what it rejected (the filing's manifest)."""
    line = (
        f"not compared: {check.not_compared} of the document's {check.facts_in_document} facts, "
        "not in Arelle's export (Arelle makes no fact of an element no loaded schema defines)"
    )
    reasons = check.rejected_reasons
    if reasons is None:
        return line + "; why: in the filing's manifest, not in this home's store"
    if not reasons:
        return line + "; the extraction rejected none"
    listed = "; ".join(f"{reason}: {count}" for reason, count in sorted(reasons.items()))
    return line + f"; the extraction rejected {sum(reasons.values())} (manifest): {listed}"


def _counts(check: FilingCheck) -> str:
    """``graph 2466 fact occurrences (2252 facts + 214 complete duplicates), Arelle 2466``;
    ``Arelle not read`` when its export could not be had (the error says why)."""
    from xbrl_task.verify.run import UNTYPED_NOTE

    collapsed = check.graph_facts - check.graph_fact_nodes
    left_out = (
        f" (+{check.both_rejected} with no valid value, rejected by the graph too: not compared)"
        if check.both_rejected
        else ""
    )
    arelle = f"Arelle {check.arelle_facts}" if check.arelle_exported else "Arelle not read"
    if check.untyped:
        left_out += f" ({check.untyped} {UNTYPED_NOTE}: {', '.join(check.untyped_types)})"
    return (
        f"graph {check.graph_facts} fact occurrences ({check.graph_fact_nodes} facts + "
        f"{collapsed} complete duplicates), {arelle}{left_out}"
    )
