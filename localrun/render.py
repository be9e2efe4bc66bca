"""Plain-text rendering of CLI results: aligned columns, no colour, stable order; and the
summary of an SEC run, one row per filing, its notes (``render_run_notes``) and totals.
What the graph-reading commands print is ``render_graph``'s."""

from __future__ import annotations

from typing import Any

from ledgergraph.messages import pluralize
from ledgergraph.missing_schemas import is_missing_schema
from ledgergraph.run_summary import failure_reason, sum_updated
from localrun.render_run_notes import (
    discovery_notes,
    finish_notes,
    interruption,
    offline_schema_notes,
    own_warnings,
    update_notes,
    updated_text,
    warning_notes,
)


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
    WARNING for the run, per schema and filing. Nodes the graph held that a load changed
    (an Entity, an Element given its definition) are no fact: a filing's ``updated`` line
    and the closing line count them per table. ``warnings`` counts a filing's: its
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
        lines += [f"{f['source_unit']}: WARNING {w}" for w in own_warnings(f)]
        rejected = _rejections(f, warned=False)
        if f["status"] == "loaded" and rejected:
            lines.append(f"{f['source_unit']}: rejected {rejected}")
        elif f["status"] == "duplicate":
            lines.append(f"{f['source_unit']}{where}: skipped, {f.get('error')}")
        elif f["status"] == "interrupted":
            lines.append(f"{f['source_unit']}{where}: {interruption(f)}")
        elif f["status"] != "loaded":
            lines.append(f"{f['source_unit']}{where}: {_failure(f)}")
        if f["status"] == "loaded" and f.get("rows_updated"):
            lines.append(f"{f['source_unit']}: updated {updated_text(f['rows_updated'])}")
    lines += update_notes(summary)
    lines += offline_schema_notes(summary)
    lines += discovery_notes(summary.get("discovery"))
    lines += [f"restart: {note}" for note in summary.get("node_restarts") or []]
    lines += finish_notes(summary)
    lines += warning_notes(summary)
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
        + _updated_count(summary["filings"])
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


def _updated_count(filings: list[dict[str, Any]]) -> str:
    """``; updated N Table, ...``: the nodes the graph held that the run's loads changed,
    summed over the filings (each filing's are on its line above); empty when none."""
    updated = sum_updated(filings)
    return f"; updated {updated_text(updated)}" if updated else ""
