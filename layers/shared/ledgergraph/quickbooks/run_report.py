"""The end of a QuickBooks execution: what loaded, what was rejected, what failed validation.

A loaded run's summary puts side by side, per graph table, the rows the transform wrote and
what MaterializeGraph did with them (added, updated, unchanged; relationships and nodes a
newer version no longer has, removed),
the records rejected with their reasons, and every validation failure by name (from the
transform's ``reconciliation.json`` and the staging check). ``ok`` is true only when the
run loaded and nothing failed; a loaded run with failures says so rather than pass.
A failed run's summary names the step, the error and what to do about it. A run whose
load was interrupted (the graph node gone or restarted, a timeout: ``load_state``) is
``interrupted``, not failed: its data did not fail, and the summary says how many of its
files the graph holds and how to finish it.
Both are written to ``work/{graph_id}/{run_id}/summary.json`` and returned.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from ledgergraph.causes import explain_cause
from ledgergraph.graph_client import GraphClient
from ledgergraph.load_state import LoadState, StagingReader, is_interruption, read_load_states
from ledgergraph.logs import get_logger
from ledgergraph.manifest import processed_prefix
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.runs import RECONCILIATION_NAME, TRANSACTION_ENTITIES
from ledgergraph.quickbooks.staging_check import StagingCheck, check_staging
from ledgergraph.quickbooks.steps import RunRef
from ledgergraph.run_summary import summary_key

logger = get_logger("quickbooks")

NAMED_LIMIT = 50  # failures named in the step output; the stored summary has them all
CHANGED_NOTE = (
    "rows present with changed content are NOT applied: the graph holds another version of "
    "these keys than the run (only the company Entity node keeps its first version)"
)
# The graph table a QuickBooks entity's records become, where it is not the entity's name.
_RECORD_TABLES = {
    "CompanyInfo": "Entity", "Account": "LedgerAccount", "Class": "LedgerDimension",
    "Department": "LedgerDimension", **dict.fromkeys(TRANSACTION_ENTITIES, "LedgerTransaction"),
}  # fmt: skip
_RECORD_TABLE_NAMES = frozenset(
    {*_RECORD_TABLES.values(), "Customer", "Vendor", "Employee", "Item"}
)
_CONNECT = "`ledgergraph quickbooks connect --realm {realm}`"
_ACTIONS = {
    "NeedsReauthorization": f"re-authorise the company: run {_CONNECT} (on AWS, store the "
    "new tokens in Secrets Manager), then sync again",
    "NotConnected": f"connect the company first: {_CONNECT}",
    "QuickBooksThrottled": "Intuit kept throttling after every retry; sync again later",
    "QuickBooksUnavailable": "Intuit did not answer after every retry; sync again later",
}

# Steps after which the run's files may be part in the graph, part staged: an interruption
# there stops the load, not the run's data.
_LOADING_STEPS = frozenset({"RegisterFiles", "StageFiles", "MaterializeGraph", "SummarizeRun"})
FINISH = (
    "remove what it left with `{delete} {run}`, then run the same command again: the next "
    "run compares with the last run the graph holds, so it loads what this one did"
)


class StepFailure(BaseModel):
    """What a Catch hands over: the failed state and the Step Functions error output."""

    step: str
    error: str | None = Field(default=None, description="e.g. NeedsReauthorization")
    cause: str | None = Field(default=None, description="Lambda error body or message")


class SummaryRequest(RunRef):
    sync: dict[str, Any] | None = None
    transform: dict[str, Any] | None = None
    load: dict[str, Any] | None = Field(default=None, description="MaterializeGraph output")
    failure: StepFailure | None = None


def summarize_quickbooks_run(
    store: ObjectStore, graph: GraphClient, request: SummaryRequest
) -> dict[str, Any]:
    """The run's summary (written to the store too); never raises for a failed run."""
    if request.failure is not None:
        summary = failed_summary(request, request.failure)
        if summary["status"] == "interrupted":
            settle_run(summary, graph)
    else:
        summary = loaded_summary(store, graph, request)
    key = summary_key(request.graph_id, request.run_id)
    store.put_bytes(key, json.dumps(summary, indent=2).encode("utf-8"))
    logger.info(
        "quickbooks run summarized",
        extra={"summary_key": key, "status": summary["status"], "ok": summary["ok"]},
    )
    return shorten(summary) | {"summary_key": key}


def failed_summary(request: SummaryRequest, failure: StepFailure) -> dict[str, Any]:
    """A run that stopped at ``failure.step``: the error, its message, the action."""
    error_type = failure.error or "Unknown"
    message = explain_cause(failure.cause) or error_type
    action = _ACTIONS.get(error_type, "")
    if action:
        message = f"{message}. {action.format(realm=request.realm_id)}"
    summary = _header(request) | {
        "status": "failed", "ok": False, "failed_step": failure.step,
        "error_type": error_type, "error": message,
    }  # fmt: skip
    if is_interruption(error_type) and failure.step in _LOADING_STEPS:
        delete = f"ledgergraph delete-source --graph {request.graph_id}"
        summary |= {"status": "interrupted", "graph_files": None,
                    "finish": FINISH.format(delete=delete, run=request.run_id)}  # fmt: skip
    return summary


def settle_run(summary: dict[str, Any], reader: StagingReader) -> None:
    """Set an interrupted run's ``graph_files`` (its materialized and unmaterialized file
    counts) from the node's registry; left None when the registry cannot be read."""
    states = read_load_states(reader, summary["graph_id"], [summary["run_id"]])
    state = None if states is None else states.get(summary["run_id"], LoadState())
    if state is not None:
        summary["graph_files"] = state.graph_files()


def loaded_summary(
    store: ObjectStore, graph: GraphClient, request: SummaryRequest
) -> dict[str, Any]:
    """A run that went through MaterializeGraph: counts, rejections, named failures."""
    details = _read_details(store, request)
    staging = check_staging(
        graph, request.graph_id, request.run_id, correlation_id=request.correlation_id
    )
    validation = validation_section(details.get("validation", {}), staging)
    reconciliation = details.get("reconciliation", {})
    written_too = details.get("superseded_written", {}).get("records", {})
    tables = table_lines(request, staging, reconciliation, written_too)
    changed = staging.changed_total
    return _header(request) | {
        "status": "loaded",
        "ok": validation["passed"],
        "tables": tables,
        "rows_explained": explain_rows(details.get("table_rows", {})),
        "rows_added": sum(t["added"] for t in tables.values()),
        "rows_updated": sum(t["updated"] for t in tables.values()),
        "rows_unchanged": sum(t["unchanged"] for t in tables.values()),
        "rows_present": sum(t["updated"] + t["unchanged"] for t in tables.values()),
        **_deletions(request),
        "deletions_withheld": (request.transform or {}).get("deletions_withheld", []),
        "relationships_removed": _removed(request, "relationships_removed"),
        "nodes_removed": _removed(request, "nodes_removed"),
        "rows_present_with_changed_content": changed,
        "not_applied": CHANGED_NOTE if changed else None,
        "rejected": rejections(reconciliation),
        "superseded": superseded_records(reconciliation, tables),
        "duplicates": supersessions(reconciliation, kind="duplicate_reasons"),
        "unresolved_links": reconciliation.get("unresolved_links", 0),
        "links_to_rejected": reconciliation.get("links_to_rejected", 0),
        "unresolved_references": unresolved_references(reconciliation),
        "validation": validation,
    }


def explain_rows(table_rows: dict[str, dict[str, Any]]) -> list[str]:
    """Where the rows of a table with more rows than records come from, one line per table
    (``transform/table_rows.py``): ``LedgerAccount: 92 Account records + 1 derived (...) =
    93 rows + 0 not written``."""
    lines = []
    for table, counts in table_rows.items():
        derived, not_written = counts.get("derived", {}), counts.get("not_written", {})
        text = (
            f"{table}: {counts['records_in']} {counts['source']} + {sum(derived.values())} "
            f"derived{_named(derived)} = {counts['rows']} rows + "
            f"{sum(not_written.values())} not written{_named(not_written)}"
        )
        lines.append(text)
    return lines


def _named(counts: dict[str, int]) -> str:
    return f" ({', '.join(f'{reason} {n}' for reason, n in counts.items())})" if counts else ""


def _header(request: SummaryRequest) -> dict[str, Any]:
    sync = request.sync or {}
    return {
        "graph_id": request.graph_id, "realm_id": request.realm_id, "run_id": request.run_id,
        "mode": sync.get("mode"), "mode_reason": sync.get("mode_reason"),
        "records": sync.get("records", {}), "warnings": sync.get("warnings", []),
    }  # fmt: skip


def _read_details(store: ObjectStore, request: SummaryRequest) -> dict[str, Any]:
    key = processed_prefix(request.graph_id, request.run_id) + RECONCILIATION_NAME
    return json.loads(store.get_bytes(key))


def table_lines(
    request: SummaryRequest,
    staging: StagingCheck,
    reconciliation: dict[str, Any],
    written_too: dict[str, int] | None = None,
) -> dict[str, dict[str, int]]:
    """Per table: rows written, added to the graph, updated, unchanged, superseded, and
    rows the graph holds in another version than the run's (``not_applied``: Entity, and
    superseded rows).

    ``superseded`` counts both ways a newer version wins: rows the graph node found older
    than its own (a run loaded late, or a version the transform found older than the one
    known and wrote all the same), and, on a record's own table, records the transform
    superseded without writing them (not among ``rows``).
    """
    in_transform = _superseded_by_table(reconciliation, written_too)
    written = (request.transform or {}).get("rows", {})
    loaded = (request.load or {}).get("tables", {})
    lines = {}
    for table, rows in written.items():
        done = loaded.get(table, {})
        present = int(done.get("present", 0))
        lines[table] = {
            "rows": rows,
            "added": int(done.get("added", 0)),
            "updated": int(done.get("updated", 0)),
            "unchanged": int(done.get("unchanged", present)),
            "superseded": int(done.get("superseded", 0)) + in_transform.get(table, 0),
            "not_applied": staging.changed_present.get(table, 0),
        }
    return lines


def _removed(request: SummaryRequest, kind: str) -> dict[str, int]:
    """Relationships or nodes the run's newer versions removed, per table, summed."""
    removed: dict[str, int] = {}
    for done in (request.load or {}).get("tables", {}).values():
        for table, n in (done.get(kind) or {}).items():
            removed[table] = removed.get(table, 0) + int(n)
    return dict(sorted(removed.items()))


def _superseded_by_table(
    reconciliation: dict[str, Any], written_too: dict[str, int] | None
) -> dict[str, int]:
    """Records the transform superseded and did not write, per the graph table their
    entity becomes (``written_too``: per entity, those it wrote all the same)."""
    counts: dict[str, int] = {}
    for entity, outcome in reconciliation.get("records", {}).items():
        table = _RECORD_TABLES.get(entity, entity)
        kept_out = int(outcome.get("superseded", 0)) - (written_too or {}).get(entity, 0)
        counts[table] = counts.get(table, 0) + kept_out
    return counts


def _deletions(request: SummaryRequest) -> dict[str, int]:
    """Records the run marks ``is_deleted``: in all, those QuickBooks stated deleted (CDC
    Deleted entries), and those only inferred (missing from a full listing)."""
    transform = request.transform or {}
    deleted = int(transform.get("deleted", 0))
    inferred = int(transform.get("deleted_inferred", 0))
    return {"deleted": deleted, "deleted_stated": deleted - inferred, "deleted_inferred": inferred}


def rejections(reconciliation: dict[str, Any]) -> dict[str, Any]:
    """Records and postings rejected, counted per entity and reason."""
    reasons: dict[str, int] = {}
    for entity, counts in reconciliation.get("records", {}).items():
        for reason, n in counts.get("rejected", {}).items():
            reasons[_entity_reason(entity, reason)] = n
    for reason, n in reconciliation.get("lines", {}).get("rejected", {}).items():
        reasons[f"Line: {reason}"] = n
    # a line's rejected posting is counted above as its rejected line
    postings = reconciliation.get("rejected_postings", [])
    for posting in (p for p in postings if p.get("role") != "line"):
        name = f"posting: {posting.get('reason')}"
        reasons[name] = reasons.get(name, 0) + 1
    return {"total": sum(reasons.values()), "reasons": reasons}


def supersessions(
    reconciliation: dict[str, Any], *, kind: str = "superseded_reasons"
) -> dict[str, Any]:
    """Records not applied because a newer version of them is known (or, with ``kind``
    ``duplicate_reasons``, because the run listed the same record twice), per reason."""
    reasons: dict[str, int] = {}
    for entity, counts in reconciliation.get("records", {}).items():
        for reason, n in counts.get(kind, {}).items():
            reasons[_entity_reason(entity, reason)] = n
    return {"total": sum(reasons.values()), "reasons": reasons}


def superseded_records(
    reconciliation: dict[str, Any], tables: dict[str, dict[str, int]]
) -> dict[str, Any]:
    """Records not applied because a newer version is known: those the transform found
    older (with their reasons) and those the graph node did (a run loaded late), so the
    total is the ``superseded`` column summed over the record tables."""
    found = supersessions(reconciliation)
    # all of them: a superseded record the transform wrote is superseded in the graph too
    in_transform = _superseded_by_table(reconciliation, None)
    reasons = dict(found["reasons"])
    for table in sorted(_RECORD_TABLE_NAMES):
        late = tables.get(table, {}).get("superseded", 0) - in_transform.get(table, 0)
        if late > 0:
            reasons[f"{table}: older than the version the graph holds (a run loaded late)"] = late
    return {"total": sum(reasons.values()), "reasons": reasons}


def unresolved_references(reconciliation: dict[str, Any]) -> dict[str, Any]:
    """References to records the ledger does not know, one line each: the record is kept,
    its relationship is not written (``Invoice 130: CustomerRef: no Customer 77777 ...``)."""
    named = [
        f"{r['record_type']} {r['qbo_id']}: {r['ref']}: {r['reason']}"
        for r in reconciliation.get("unresolved_references", [])
    ]
    return {"total": len(named), "references": named}


def _entity_reason(entity: str, reason: str) -> str:
    """``Invoice: record without Id``; a reason naming its record already names the entity."""
    return reason if reason.startswith(f"{entity} ") else f"{entity}: {reason}"


def validation_section(report: dict[str, Any], staging: StagingCheck) -> dict[str, Any]:
    """Every failure named; staging's own balance check must agree with the transform's.

    A superseded version the run staged (the graph holds a newer one) that does not balance
    is named apart, under ``superseded_unbalanced``, unless the transform validated it too
    (a run loaded after a newer one): the transform checked the version it knew instead.
    """
    named = [(f["check"], name_failure(f)) for f in report.get("failures", [])]
    flagged = {(f.get("txn_type"), f.get("qbo_id")) for f in report.get("failures", [])
               if _unbalanced_in_staging_too(f)}  # fmt: skip
    apart = [u for u in staging.unbalanced
             if u.get("superseded") and (u["txn_type"], u["qbo_id"]) not in flagged]  # fmt: skip
    in_staging = {(u["txn_type"], u["qbo_id"]) for u in staging.unbalanced if u not in apart}
    for txn_type, qbo_id in sorted(in_staging ^ flagged, key=str):
        where = "staging" if (txn_type, qbo_id) in in_staging else "the transform"
        text = f"staging_balanced: {txn_type} (Id {qbo_id}): unbalanced in {where} only"
        named.append(("staging_balanced", text))
    return {
        "passed": not named,
        "checks": [*report.get("checks", []), "staging_balanced"],
        "failed_checks": sorted({check for check, _ in named}),
        "failures": [text for _, text in named],
        "superseded_unbalanced": [_name_superseded(u) for u in apart],
        "trial_balance_total": report.get("trial_balance_total"),
        "skipped": report.get("skipped", []),
    }


def _name_superseded(unbalanced: dict[str, Any]) -> str:
    """``Invoice 1037 (Id 130): debits 120.00 <> credits 110.00 in a superseded version``."""
    number = f" {unbalanced['doc_number']}" if unbalanced.get("doc_number") else ""
    return (
        f"{unbalanced['txn_type']}{number} (Id {unbalanced['qbo_id']}): debits "
        f"{_amount(unbalanced['debits'])} <> credits {_amount(unbalanced['credits'])} in a "
        "superseded version the run staged; the graph holds a newer one"
    )


def _amount(value: str) -> str:
    """Staging's DECIMAL text (``81.000000000000``) at cents."""
    return f"{Decimal(value).quantize(Decimal('0.01'))}"


def _unbalanced_in_staging_too(failure: dict[str, Any]) -> bool:
    """A ``balanced`` failure staging should see too: of a transaction the run staged (a
    CDC run validates the whole ledger, and stages only what changed), and not one whose
    rejected lines are its only fault (staging holds no rejected line, so what is left
    balances there)."""
    if failure.get("check") != "balanced" or failure.get("staged") is False:
        return False
    return not (failure.get("rejected_lines") and failure.get("amount") == failure.get("expected"))


def name_failure(failure: dict[str, Any]) -> str:
    """``balanced: Invoice 1013 (Id 42): debits 81.00 <> credits 6.00``."""
    parts = [failure["check"]]
    if failure.get("txn_type"):
        number = f" {failure['doc_number']}" if failure.get("doc_number") else ""
        parts.append(f"{failure['txn_type']}{number} (Id {failure.get('qbo_id')})")
    elif failure.get("account"):
        parts.append(f"account {failure['account']}")
    text = ": ".join([*parts, failure.get("detail") or "failed"])
    if failure["check"] != "balanced" and failure.get("amount") is not None:
        text += f" (found {failure['amount']}, expected {failure.get('expected')})"
    return text


def shorten(summary: dict[str, Any]) -> dict[str, Any]:
    """The summary for a state's output: at most NAMED_LIMIT failures named."""
    summary = _shorten_references(summary)
    validation = summary.get("validation")
    if not validation or len(validation["failures"]) <= NAMED_LIMIT:
        return summary
    failures = validation["failures"]
    hidden = len(failures) - NAMED_LIMIT
    shown = {"failures": failures[:NAMED_LIMIT], "failures_not_shown": hidden}
    return summary | {"validation": validation | shown}


def _shorten_references(summary: dict[str, Any]) -> dict[str, Any]:
    unresolved = summary.get("unresolved_references")
    if not unresolved or len(unresolved["references"]) <= NAMED_LIMIT:
        return summary
    shown = unresolved["references"][:NAMED_LIMIT]
    hidden = len(unresolved["references"]) - NAMED_LIMIT
    return summary | {
        "unresolved_references": unresolved | {"references": shown, "not_shown": hidden}
    }
