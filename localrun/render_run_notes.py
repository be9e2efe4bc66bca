"""The notes under an SEC run's table: what needs the reader (WARNING lines, schemas not
available offline), where the counted warnings are listed, how an interrupted filing stands
and is finished, and how a run from EDGAR read its listings. ``render.sec_summary`` puts
them together."""

from __future__ import annotations

import re
from typing import Any

from ledgergraph.edgar.dailyindex import RejectedLine
from ledgergraph.edgar.submissions import RejectedRow
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.messages import pluralize
from ledgergraph.missing_schemas import FACTS_NOT_LOADED

# NOTE: the end of xbrl_task.extract's folded value reasons: each fact counted under one is
# named on a line of the manifest's warnings (not imported: that module loads pyarrow rows)
UNLISTED_VALUES = ": more values, each named in the manifest's warnings"


def _manifest_warnings(filing: dict[str, Any]) -> int:
    """The warnings of a filing's manifest: its ``warnings`` but the summary's own."""
    return (filing.get("warnings") or 0) - _schema_warnings(filing)


def _schema_warnings(filing: dict[str, Any]) -> int:
    """The ``facts not loaded`` warnings the summary adds to a filing's manifest's."""
    to_act_on = filing.get("warnings_to_act_on") or []
    return sum(1 for w in to_act_on if w.startswith(FACTS_NOT_LOADED))


def discovery_notes(discovery: dict[str, Any] | None) -> list[str]:
    """A run from EDGAR: how the rows of EDGAR's listings were accounted for (read = found
    + rejected; a daily index's lines read = found + rejected + header lines, or that
    EDGAR had no daily index for the days asked), then each rejected row or line with its
    reason. None for a run from a folder."""
    if discovery is None:
        return []
    rows = discovery.get("rejected_rows") or []
    index_lines = discovery.get("rejected_lines") or []
    rejected = discovery["rows_rejected"] + discovery.get("lines_rejected", 0)
    lines = [
        f"discovery: {pluralize(discovery['rows_read'], 'row')} of EDGAR's listings read: "
        f"{pluralize(discovery['rows_found'], 'filing')} found, {rejected} rejected; "
        f"{pluralize(discovery['filings'], 'filing')} selected for this run"
    ]
    days = discovery.get("index_days")
    if days and not discovery.get("indexes_read"):
        lines.append(f"daily indexes: none for {days[0]}..{days[1]} (none on weekends and "
                     "holidays, nor for a day EDGAR has not published yet)")  # fmt: skip
    elif discovery.get("lines_read"):
        lines.append(
            f"daily indexes: {pluralize(discovery['lines_read'], 'line')} read = "
            f"{pluralize(discovery['rows_found'], 'filing')} found + "
            f"{pluralize(discovery['lines_rejected'], 'line')} rejected + "
            f"{pluralize(discovery['header_lines'], 'header line')}"
        )
    lines += [f"rejected row: {RejectedRow.model_validate(r).describe()}" for r in rows]
    return lines + [
        f"rejected line: {RejectedLine.model_validate(r).describe()}" for r in index_lines
    ]


# A warning about a schema the taxonomy cache lacked, as the XBRL task words it for arcs
# (dts_rows.ARCS_NOT_LOADED) and the run summary for facts (missing_schemas.FACTS_NOT_LOADED).
_OFFLINE_SCHEMA = re.compile(
    r"^(?P<kind>arcs|facts) not loaded: (?P<count>\d+) .*? not available offline, "
    r"(?P<url>[^\s;]+)"
)


def own_warnings(filing: dict[str, Any]) -> list[str]:
    """A filing's warnings to act on but those about a schema not available offline,
    which ``offline_schema_notes`` tells once per schema for every filing."""
    return [w for w in filing.get("warnings_to_act_on") or [] if not _OFFLINE_SCHEMA.match(w)]


def offline_schema_notes(summary: dict[str, Any]) -> list[str]:
    """One WARNING for the schemas not available offline: per schema, the facts and arcs
    of each filing that it kept out of the graph, then how to bring them in. The
    filings' own lines (``warnings_to_act_on``, in the JSON) keep their full text."""
    lost: dict[str, dict[str, list[int]]] = {}  # url -> filing -> [facts, arcs]
    for filing in summary["filings"]:
        for warning in filing.get("warnings_to_act_on") or []:
            if match := _OFFLINE_SCHEMA.match(warning):
                counts = lost.setdefault(match["url"], {}).setdefault(filing["source_unit"], [0, 0])
                counts[match["kind"] == "arcs"] += int(match["count"])
    if not lost:
        return []
    delete = summary.get("delete_command") or "ledgergraph delete-source"
    lines = [
        f"WARNING {pluralize(len(lost), 'schema')} not available offline: the facts and arcs "
        "of their concepts are not in the graph"
    ]
    for url, filings in lost.items():
        each = "; ".join(f"{unit} {_facts_and_arcs(*counts)}" for unit, counts in filings.items())
        lines.append(f"  {url}: {each}")
    units = {unit for filings in lost.values() for unit in filings}
    remove = f"the filing ({delete} {units.pop()})" if len(units) == 1 else (
        f"each filing ({delete} <filing>)"
    )  # fmt: skip
    lines.append(
        f"  to load them: add the {'schema' if len(lost) == 1 else 'schemas'} to a taxonomy "
        f"cache (LEDGERGRAPH_TAXONOMY_CACHE), remove {remove} and run again; a filing's "
        "manifest names the networks that lost arcs"
    )
    return lines


def _facts_and_arcs(facts: int, arcs: int) -> str:
    return ", ".join(pluralize(n, noun) for n, noun in ((facts, "fact"), (arcs, "arc")) if n)


def warning_notes(summary: dict[str, Any]) -> list[str]:
    """Where the counted manifest warnings are listed, and how a loaded filing with a
    warning to act on is loaded again once what the warning names is fixed."""
    filings = summary["filings"]
    counted = [f for f in filings if _manifest_warnings(f)]
    lines: list[str] = []
    if counted:
        total = sum(_manifest_warnings(f) for f in counted)
        where = summary.get("manifest_path") or "processed/<graph>/<filing>/manifest.json"
        marked = any(f.get("warnings_to_act_on") for f in filings)
        need = "those that need you are marked WARNING above" if marked else "none needs you"
        lines.append(
            f"warnings: {total} in the {_manifests_of(len(counted))} "
            f"({_kinds(filings)}; {need}), listed in full in {where}"
            + _schema_note(sum(_schema_warnings(f) for f in counted))
        )
    loaded = [f["source_unit"] for f in filings if f["status"] == "loaded" and own_warnings(f)]
    if loaded:
        delete = summary.get("delete_command") or "ledgergraph delete-source"
        unit = loaded[0] if len(loaded) == 1 else "<filing>"
        lines.append(
            "a filing loaded with a WARNING keeps what it loaded: once what the WARNING "
            f"names is fixed (its package, a taxonomy cache), remove it ({delete} {unit}) "
            "and run again"
        )
    return lines


def _manifests_of(filings: int) -> str:
    return "manifest of 1 filing" if filings == 1 else f"manifests of {filings} filings"


def _schema_note(added: int) -> str:
    """The warnings column's count past the manifests': the ``facts not loaded`` lines."""
    if not added:
        return ""
    return (
        f"; the warnings column counts {added} more, one per filing and schema above "
        "whose facts the filing lost (read from its rejected facts, in no manifest)"
    )


def finish_notes(summary: dict[str, Any]) -> list[str]:
    """How interrupted loads are finished or undone: the same run again, or a delete."""
    units = [f["source_unit"] for f in summary["filings"] if f["status"] == "interrupted"]
    if not units:
        return []
    delete = summary.get("delete_command") or "ledgergraph delete-source"
    if len(units) == 1:
        return [
            "1 filing interrupted while loading, its facts not rejected: run the same "
            "`sec run` again to finish it (it loads only what is missing), or remove it "
            f"from staging and the graph with: {delete} {units[0]}"
        ]
    return [
        f"{len(units)} filings interrupted while loading, their facts not rejected: run "
        "the same `sec run` again to finish them (it loads only what is missing), or "
        f"remove one from staging and the graph with: {delete} <filing>"
    ]


def interruption(filing: dict[str, Any]) -> str:
    """``INTERRUPTED Type: error``, then what the graph node's registry holds of it."""
    facts = "its facts are not" if filing.get("facts_unsettled") else "its facts are"
    held = files_held(filing.get("graph_files"), materialized=f" ({facts} in the graph)",
                      never="the load was never recorded")  # fmt: skip
    return f"INTERRUPTED {filing.get('error_type')}: {filing.get('error')}; {held}"


def files_held(files: dict[str, int] | None, *, materialized: str = "", never: str) -> str:
    """What the graph node's registry holds of an interrupted unit's files (a summary's
    ``graph_files``): ``materialized`` follows the count of materialized files of a half
    loaded one, ``never`` says what did not happen when all of them are in the graph."""
    if files is None:
        return (
            "what is in the graph of it is unknown (the graph node did not answer when the "
            "run was summarized): it may be half loaded"
        )
    done, left = files["materialized"], files["unmaterialized"]
    if done and left:
        return (
            f"HALF LOADED: {done} of {done + left} files materialized{materialized}, "
            f"{left} only staged"
        )
    if done:
        return f"all {done} files materialized, but {never}"
    if left:
        return f"not in the graph: {left} files staged or registered, none in it"
    return "not in the graph: none of its files is registered"


def _kinds(filings: list[dict[str, Any]]) -> str:
    """What the manifests' warnings are: rejected facts named past the listed reasons
    (counted under "rejected" above), else missing taxonomy files and Arelle's messages."""
    named = sum(
        n
        for f in filings
        for reason, n in (f.get("rejected_reasons") or {}).items()
        if reason.endswith(UNLISTED_VALUES)
    )
    kinds = "taxonomy files not available offline, Arelle's messages"
    if not named:
        return kinds
    name = "1 names a rejected fact" if named == 1 else f"{named} name a rejected fact each"
    return f"{name}, past the reasons listed above; the rest: {kinds}"


def updated_text(updated: dict[str, int]) -> str:
    """``1 Entity, 21 Element, 21 ElementDefinition``: rows updated per table, in load
    order."""
    names = [n for n in LOAD_ORDER if n in updated] + sorted(set(updated) - set(LOAD_ORDER))
    return ", ".join(f"{updated[n]} {n}" for n in names if updated[n])


def update_notes(summary: dict[str, Any]) -> list[str]:
    """What an ``updated`` line under the table means, once, when a filing has one: nodes
    the graph held that a load gave a new row, for the reasons of the tables named. No
    column counts them: the columns count facts, and no load updates a fact."""
    updated = [f.get("rows_updated") or {} for f in summary["filings"]]
    tables = {table for counts in updated for table, n in counts.items() if n}
    if not tables:
        return []
    why = []
    if "Entity" in tables:
        why.append("an Entity takes what the filing loaded last states about its filer")
    if tables & {"Element", "ElementDefinition"}:
        why.append(
            "an Element or ElementDefinition that an earlier filing brought without its "
            "definition (its schema not available offline then) takes the filing's"
        )
    if "Taxonomy" in tables:
        why.append(
            "a Taxonomy an earlier filing named without loading its schema takes the row "
            "of the filing that loads it"
        )
    if tables - {"Entity", "Taxonomy", "Element", "ElementDefinition"}:
        why.append("a record takes its newer version")
    return [
        "updated: nodes the graph held that a filing's load gave a new row, counted in no "
        f"column (the columns count facts, which no load updates); {'; '.join(why)}"
    ]
