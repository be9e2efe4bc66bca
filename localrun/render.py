"""Plain-text rendering of CLI results: aligned columns, no colour, stable order."""

from __future__ import annotations

import re
from typing import Any

from ledgergraph.edgar.dailyindex import RejectedLine
from ledgergraph.edgar.submissions import RejectedRow
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.messages import pluralize
from ledgergraph.missing_schemas import FACTS_NOT_LOADED, is_missing_schema
from ledgergraph.run_summary import failure_reason

# NOTE: the end of xbrl_task.extract's folded value reasons: each fact counted under one is
# named on a line of the manifest's warnings (not imported: that module loads pyarrow rows)
UNLISTED_VALUES = ": more values, each named in the manifest's warnings"


def table(columns: list[str], rows: list[list[Any]]) -> str:
    """Columns padded to their widest cell; None prints as empty."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)


def _rejections(filing: dict[str, Any], *, warned: bool = True) -> str:
    """``N reason; ...``; ``warned=False`` leaves out the reasons a WARNING line counts
    (a schema the taxonomy cache lacked), so their facts are not told twice."""
    reasons = filing.get("rejected_reasons") or {}
    return "; ".join(
        f"{n} {reason}"
        for reason, n in sorted(reasons.items())
        if warned or not is_missing_schema(reason)
    )


def sec_summary(summary: dict[str, Any]) -> str:
    """The per-filing summary of an SEC run, then the rejections and errors in full.

    Facts are counted as offered to the graph, added by this run, and already present, so
    a rerun of loaded filings reads as adding nothing. A failed filing's row says why in
    its status and counts every fact of it rejected, so each row adds up: in filing =
    offered + rejected + dupes. An interrupted filing's facts are offered, not rejected;
    its note says how much of it the graph holds and how to finish or remove it.
    ``consistent`` and ``inconsistent`` count the offered facts kept in sets of duplicates
    (same aspects, other values), flagged on their Fact nodes; each inconsistent set is also
    a WARNING line; the facts and arcs that schemas not available offline kept out are one
    WARNING for the run, per schema and filing. ``warnings`` counts a filing's: its
    manifest's and one per schema missing whose facts were rejected. A filing
    refused because an earlier run's load of it is kept offered nothing; its row counts
    that load, the facts the graph holds of it as present. Every cell is its line's value
    in the JSON summary.
    """
    columns = [
        "filing", "cik", "form", "status", "in filing", "offered", "added", "present",
        "rejected", "dupes", "consistent", "inconsistent", "warnings", "seconds",
    ]  # fmt: skip
    rows = [_row(f) for f in summary["filings"]]
    lines = [table(columns, rows), ""]
    for f in summary["filings"]:
        where = f" ({f['folder']})" if f.get("folder") else ""
        lines += [f"{f['source_unit']}: WARNING {w}" for w in _own_warnings(f)]
        rejected = _rejections(f, warned=False)
        if f["status"] == "loaded" and rejected:
            lines.append(f"{f['source_unit']}: rejected {rejected}")
        elif f["status"] == "duplicate":
            lines.append(f"{f['source_unit']}{where}: skipped, {f.get('error')}")
        elif f["status"] == "interrupted":
            lines.append(f"{f['source_unit']}{where}: {_interruption(f)}")
        elif f["status"] != "loaded":
            lines.append(f"{f['source_unit']}{where}: {_failure(f)}")
    lines += _offline_schema_notes(summary)
    lines += _discovery_notes(summary.get("discovery"))
    lines += [f"restart: {note}" for note in summary.get("node_restarts") or []]
    lines += _finish_notes(summary)
    lines += _warning_notes(summary)
    if summary.get("publish") is False:
        lines.append(
            f"publish: {summary.get('publish_note')} (a local run publishes nothing; "
            f"after a run that loads, {summary.get('publish_command')} publishes a snapshot)"
        )
    skipped = summary.get("duplicates") or 0
    stopped = summary.get("interrupted") or 0
    lines.append(
        f"{pluralize(summary['loaded'], 'filing')} loaded, "
        + (f"{stopped} interrupted (see above), " if stopped else "")
        + f"{summary['failed']} failed"
        + (f", {pluralize(skipped, 'duplicate')} skipped" if skipped else "")
        + f" in {summary.get('duration_ms', 0) / 1000:.1f} s; "
        + _fact_counts(summary["filings"])
    )
    return "\n".join(lines)


def _row(filing: dict[str, Any]) -> list[Any]:
    form = filing.get("form") or "unknown form"
    return [
        filing["source_unit"], filing.get("cik"), form, *_outcome(filing),
        _warning_count(filing), _secs(filing),
    ]  # fmt: skip


def _warning_count(filing: dict[str, Any]) -> int | None:
    """The line's ``warnings``: the manifest's and the summary's own, one per schema whose
    facts were rejected (not in the manifest); None: no manifest (not processed, not run)."""
    return filing.get("warnings")


def _manifest_warnings(filing: dict[str, Any]) -> int:
    """The warnings of a filing's manifest: its ``warnings`` but the summary's own."""
    return (filing.get("warnings") or 0) - _schema_warnings(filing)


def _schema_warnings(filing: dict[str, Any]) -> int:
    """The ``facts not loaded`` warnings the summary adds to a filing's manifest's."""
    to_act_on = filing.get("warnings_to_act_on") or []
    return sum(1 for w in to_act_on if w.startswith(FACTS_NOT_LOADED))


def _discovery_notes(discovery: dict[str, Any] | None) -> list[str]:
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


def _own_warnings(filing: dict[str, Any]) -> list[str]:
    """A filing's warnings to act on but those about a schema not available offline,
    which ``_offline_schema_notes`` tells once per schema for every filing."""
    return [w for w in filing.get("warnings_to_act_on") or [] if not _OFFLINE_SCHEMA.match(w)]


def _offline_schema_notes(summary: dict[str, Any]) -> list[str]:
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


def _warning_notes(summary: dict[str, Any]) -> list[str]:
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
    loaded = [f["source_unit"] for f in filings if f["status"] == "loaded" and _own_warnings(f)]
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


def _finish_notes(summary: dict[str, Any]) -> list[str]:
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


def _interruption(filing: dict[str, Any]) -> str:
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


def _outcome(filing: dict[str, Any]) -> list[Any]:
    """Status, in filing, offered, added, present, rejected, dupes (collapsed), and the
    facts in consistent and inconsistent duplicate sets of a filing's row.

    A failed filing offered nothing: every fact of it is rejected for the filing's error
    (``all`` when the document was never counted), but for one refused because an earlier
    run's load of it is kept (``earlier_load_kept``): its line counts that load. A
    duplicate was not run at all, nor was a folder refused before the run (not a package,
    one of several folders of a filing with other files): their lines count nothing
    (no ``facts_loaded``), so their cells are blank.
    """
    status, counted = filing["status"], filing.get("facts_in_document")
    if status == "duplicate":
        return [status, None, None, None, None, None, None, None, None]
    if status == "failed" and "facts_loaded" not in filing and counted is None:
        why = f"failed ({filing['error_type']})" if filing.get("error_type") else "failed"
        return [why, None, None, None, None, None, None, None, None]
    if status == "interrupted":
        return _interrupted_outcome(filing)
    if status != "loaded":
        error = filing.get("error_type")
        why = f"failed ({error})" if error else "failed"
        if filing.get("earlier_load_kept"):
            why = "failed (already loaded)"
        elif counted is None:
            return [why, None, 0, 0, 0, "all", None, None, None]
    else:
        why = status
    return [why, counted, filing.get("facts_loaded"), filing.get("facts_added"),
            filing.get("facts_present"), filing.get("facts_rejected"),
            filing.get("duplicates_collapsed"), *_duplicate_sets(filing)]  # fmt: skip


def _duplicate_sets(filing: dict[str, Any]) -> list[Any]:
    """Facts kept in consistent and in inconsistent duplicate sets (None: not counted)."""
    return [filing.get("duplicates_consistent"), filing.get("duplicates_inconsistent")]


def _interrupted_outcome(filing: dict[str, Any]) -> list[Any]:
    """An interrupted filing's cells: its facts offered, added and present only once its
    Fact file is in the graph (``?`` until then), and none rejected for the interruption."""
    offered, added = filing.get("facts_loaded"), filing.get("facts_added")
    present: Any = filing.get("facts_present")
    if filing.get("facts_unsettled"):
        added = present = "?"
    why = f"interrupted ({filing.get('error_type')})"
    return [why, filing.get("facts_in_document"), offered, added, present,
            filing.get("facts_rejected"), filing.get("duplicates_collapsed"),
            *_duplicate_sets(filing)]  # fmt: skip


def _failure(filing: dict[str, Any]) -> str:
    """``FAILED Type: error``, then what became of the facts the document was counted at:
    rejected for the failure, but those rejected for a reason of their own before it; a
    filing that failed because every fact was rejected (NoFacts) names their reasons."""
    error = filing.get("error") or ""
    text = f"FAILED {filing.get('error_type')}: {error}"
    if filing.get("earlier_load_kept"):
        held = filing.get("facts_present")
        facts = "its facts" if held is None else f"{held} facts"
        counts = "the row counts that load"
        if other := filing.get("earlier_load_counted_on"):  # a folder's row counts it
            facts, counts = "its facts", f"counted on the row of {other}"
        return (
            f"FAILED, already in the graph from an earlier run: {facts} (present; "
            f"{counts}), none of this run's rejected; {filing.get('error_type')}: {error}"
        )
    counted = filing.get("facts_in_document")
    if counted is None:
        return text
    failure = failure_reason(filing.get("error_type"))
    reasons = filing.get("rejected_reasons") or {}
    if reasons and failure not in reasons:
        own = _rejections(filing)
        return text if own in error else f"{text}; all {counted} facts rejected: {own}"
    text += f"; all {counted} facts rejected for it"
    before = {r: n for r, n in reasons.items() if r != failure}
    reasons = _rejections({"rejected_reasons": before})
    return f"{text} ({reasons} before it failed)" if reasons else text


def _secs(filing: dict[str, Any]) -> str:
    """Processing plus loading time in seconds, as far as the filing got."""
    ms = (filing.get("processing_ms") or 0) + (filing.get("loading_ms") or 0)
    return f"{ms / 1000:.2f}"


def _fact_counts(filings: list[dict[str, Any]]) -> str:
    """``N facts offered, A added, P already present`` over the loaded and interrupted
    filings, then ``U not known to be in the graph``: interrupted before their facts. P is
    the present column's total: with a refused filing, the facts an earlier run's load of
    it keeps (it offered none) are told apart from the offered ones the graph held."""
    loaded = [f for f in filings if f["status"] in ("loaded", "interrupted")]
    offered = sum(f.get("facts_loaded") or 0 for f in loaded)
    if any(f.get("facts_added") is None for f in loaded):  # an older run's load records
        return f"{pluralize(offered, 'fact')} offered"
    added = sum(f["facts_added"] for f in loaded)
    unsettled = sum(f.get("facts_unsettled") or 0 for f in loaded)
    present = offered - added - unsettled
    kept = [
        f for f in filings
        if f.get("earlier_load_kept") and not f.get("earlier_load_counted_on")
    ]  # fmt: skip
    held = sum(f.get("facts_present") or 0 for f in kept)
    text = f"{pluralize(offered, 'fact')} offered, {added} added, "
    text += f"{present + held} already present"
    if kept:
        text += (
            f" ({present} offered this run, {held} kept from an earlier run's load of "
            f"{pluralize(len(kept), 'refused filing')})"
        )
    if unsettled:
        text += f", {unsettled} not known to be in the graph (interrupted)"
    return text


def facts(rows: list[dict[str, Any]]) -> str:
    """``facts``: one line per Fact. ``period`` is the Period id, so a timed or zoned
    moment shows (``2024-06-30T12:00:00Z``), not its day alone; ``duplicate`` is the
    fact's duplicate_status; ``non-dimensional`` the context's segment or scenario content
    that is no dimension member, without which a fact of no dimension is company-wide."""
    columns = [
        "cik", "report", "form", "period", "value", "unit", "decimals", "duplicate",
        "dimensions", "non-dimensional",
    ]  # fmt: skip
    body = []
    for r in rows:
        value = "nil" if r["is_nil"] else (r["value_decimal"] or r["value_text"])
        body.append(
            [
                r["cik"],
                r["report"],
                r["form"],
                r["period"],
                value,
                r["unit"],
                r["decimals"],
                r["duplicate_status"],
                ", ".join(r["dimensions"]),
                non_dimensional_text(r["non_dimensional"]),
            ]
        )
    return table(columns, body)


# Context.non_dimensional as xbrl_task.arelle_context_content writes it: a segment, then a
# scenario, each declaring every namespace of its content (C14N) on itself
_CONTENT = re.compile(
    r'<xbrli:(segment|scenario)((?: xmlns:[\w.-]+="[^"]*")*)>(.*?)</xbrli:\1>', re.DOTALL
)
_DECLARATION = re.compile(r' xmlns:([\w.-]+)="([^"]*)"')


def non_dimensional_text(xml: str | None) -> str | None:
    """``Context.non_dimensional`` shortened for a table: each container's content with
    the namespaces its ``nsN`` prefixes stand for, ``segment <ns1:Region>EMEA</ns1:Region>
    (ns1 urn:x)``; the XML as stored when it is not of that shape."""
    if xml is None:
        return None
    parts, end = [], 0
    for match in _CONTENT.finditer(xml):
        if match.start() != end:
            return xml
        container, declarations, content = match.groups()
        prefixes = _DECLARATION.findall(declarations)
        named = [f"{prefix} {uri}" for prefix, uri in prefixes if prefix != "xbrli"]
        parts.append(f"{container} {content}" + (f" ({', '.join(named)})" if named else ""))
        end = match.end()
    return "; ".join(parts) if parts and end == len(xml) else xml


def _unit_argument(units: dict[str, int]) -> str:
    """The one unit to name in a command, or a placeholder for several."""
    return next(iter(units)) if len(units) == 1 else "<source unit>"


def stats(result: dict[str, Any], *, delete_command: str = "ledgergraph delete-source") -> str:
    """Counts per table and file status; then the source units whose files were never
    materialized, with ``delete_command`` (``... --graph G``) that removes them."""
    rows = [["node", name, n] for name, n in result["nodes"].items()]
    rows += [["relationship", name, n] for name, n in result["relationships"].items()]
    rows += [["files", status, n] for status, n in result.get("files", {}).items()]
    text = table(["kind", "table", "count"], rows)
    unfinished = result.get("unfinished") or {}
    deletes = interrupted_delete_warnings(
        result.get("interrupted_deletes") or {}, delete_command=delete_command
    )
    if deletes:
        text += "\n\n" + "\n".join(deletes)  # a blank line after the table
    if not unfinished:
        return text
    lines = [
        "",
        "files registered or staged but never materialized, in "
        f"{pluralize(len(unfinished), 'source unit')}: a load still running, or one that "
        "stopped (killed, failed)",
        *(f"  {unit}: {pluralize(n, 'file')}" for unit, n in unfinished.items()),
        f"if no load is running, remove them with: {delete_command} {_unit_argument(unfinished)}",
    ]
    return text + "\n" + "\n".join(lines)  # a blank line after the table


def unfinished_warnings(unfinished: dict[str, int], *, delete_command: str) -> list[str]:
    """A WARNING per source unit with files registered or staged, never materialized:
    the graph may hold part of it (a load interrupted, or still running)."""
    return [
        f"WARNING {unit}: {pluralize(n, 'file')} staged but not materialized, so it may be half "
        "loaded (a load interrupted, or one still running); finish it by running the load "
        "again (the same `sec run`: it adds only what is missing), or remove it with: "
        f"{delete_command} {unit}"
        for unit, n in unfinished.items()
    ]


def interrupted_delete_warnings(deletes: dict[str, int], *, delete_command: str) -> list[str]:
    """A WARNING per source unit whose delete was killed before it finished: the graph
    may have lost all or part of it while the file registry still counts it loaded."""
    return [
        f"WARNING {unit}: a delete of it was interrupted (the node killed) and is not "
        f"finished: the graph may hold all, part or none of it, while the file registry "
        f"still counts its {pluralize(n, 'file')} as they were; finish the delete with: "
        f"{delete_command} {unit}"
        for unit, n in deletes.items()
    ]


def reading_warnings(stats_result: dict[str, Any], *, delete_command: str) -> list[str]:
    """What a reading command warns of from ``stats``: deletes interrupted, then source
    units staged but not materialized."""
    deletes = stats_result.get("interrupted_deletes") or {}
    unfinished = stats_result.get("unfinished") or {}
    return [
        *interrupted_delete_warnings(deletes, delete_command=delete_command),
        *unfinished_warnings(unfinished, delete_command=delete_command),
    ]


DELETE_COUNTS = ("removed", "rewritten", "unchanged", "restored", "kept", "untouched")


def deleted_source(result: dict[str, Any]) -> str:
    """``delete-source``: per table the rows removed, rewritten with another unit's row,
    unchanged (another unit's identical row takes over), restored (rows the unit's newer
    versions had taken out), nodes kept, and keys left untouched (another unit's row was
    the graph's already), as --json."""
    counts = {kind: result.get(kind) or {} for kind in DELETE_COUNTS}
    found = {name for named in counts.values() for name in named}
    names = [n for n in LOAD_ORDER if n in found] + sorted(found - set(LOAD_ORDER))
    rows = [[name, *(counts[kind].get(name, 0) for kind in DELETE_COUNTS)] for name in names]
    files = pluralize(result["files"], "file")
    head = f"{result['source_unit']}: {files} deleted\n"
    if result.get("finished_interrupted"):  # this call found the unit gone already
        head = (
            f"{result['source_unit']}: finished its interrupted delete (the node was killed "
            f"during it): {files} deleted, what that delete did below\n"
        )
    if gone := result.get("already_deleted"):
        return _already_deleted(result["source_unit"], gone)
    return head + table(["table", *DELETE_COUNTS], rows)


def _already_deleted(unit: str, gone: dict[str, Any]) -> str:
    """A delete that found every file of the unit deleted before it: when and by what."""
    when = f" at {gone['deleted_at']}" if gone.get("deleted_at") else ""
    by = f" by {gone['by']}" if gone.get("by") else ""
    return (
        f"{unit}: already deleted, nothing changed: its {pluralize(gone['files'], 'file')} "
        f"{'was' if gone['files'] == 1 else 'were'} deleted{when}{by}\n"
    )
