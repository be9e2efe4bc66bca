"""The transform step: one sync run's raw JSON into graph-shaped Parquet and a manifest.

Writes, in this order: the table files, ``reconciliation.json`` (record and line counts,
where the rows of tables with derived rows come from, rejections, the validation report),
the run's state snapshot for the next CDC run, and the manifest last. Re-running a run
gives the same files: ids are content-derived and the prior state it merges with is the
previous run's own snapshot.
"""

from __future__ import annotations

import json
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from pydantic import BaseModel, Field

from ledgergraph import __version__
from ledgergraph.logs import get_logger
from ledgergraph.manifest import (
    SourceUnitManifest,
    TableFile,
    manifest_key,
    processed_prefix,
)
from ledgergraph.messages import pluralize
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.reports import WalkedReport, report_problem, walk_report
from ledgergraph.quickbooks.runs import RECONCILIATION_NAME, SyncRun
from ledgergraph.quickbooks.transform.outputs import Reconciliation, reconcile, write_tables
from ledgergraph.quickbooks.transform.runner import (
    check_absence_deletions,
    load_run,
    open_session,
    sql_files,
)
from ledgergraph.quickbooks.transform.snapshots import write_state_snapshot
from ledgergraph.quickbooks.transform.superseded import stage_superseded
from ledgergraph.quickbooks.transform.table_rows import count_table_rows
from ledgergraph.quickbooks.validation import ValidationReport, validate_ledger

logger = get_logger("quickbooks")

PROCESSOR = f"ledgergraph {__version__} quickbooks-transform (duckdb {duckdb.__version__})"


class TransformSummary(BaseModel):
    """What the transform step hands on: keys and counts, never documents."""

    realm_id: str
    run_id: str
    graph_id: str
    manifest_key: str
    rows: dict[str, int]
    rejected: int
    deleted: int = 0
    deleted_inferred: int = Field(
        default=0, description="of deleted, records only missing from a full listing"
    )
    deletions_withheld: list[str] = Field(
        default_factory=list, description="entities whose full listing deleted nothing, why"
    )
    validation_failures: int
    failed_checks: list[str]
    duration_ms: int


def transform_run(
    store: ObjectStore, *, realm_id: str, run_id: str, graph_id: str
) -> TransformSummary:
    """Transform sync run ``run_id`` of ``realm_id`` into ``processed/{graph_id}/{run_id}/``.

    Raises:
        QuickBooksDataError: the run is incomplete, a previous CDC run was not transformed,
            its counts do not reconcile, or a full listing would delete every known record
            of its entity without the run confirming it (permanent).
    """
    clock = time.monotonic()
    run = load_run(store, realm_id, run_id)
    with tempfile.TemporaryDirectory(prefix="qbo-transform-") as tmp:
        files, reconciliation, validation = _write_outputs(run, store, graph_id, Path(tmp))

    duration_ms = int((time.monotonic() - clock) * 1000)
    manifest = SourceUnitManifest(
        graph_id=graph_id, source_unit=run_id, kind="quickbooks-sync", tables=files,
        processor=PROCESSOR, duration_ms=duration_ms, warnings=_warnings(validation, run),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )  # fmt: skip
    key = manifest_key(graph_id, run_id)
    store.put_bytes(key, manifest.model_dump_json(indent=2).encode("utf-8"))

    rejected = sum(sum(c.rejected.values()) for c in reconciliation.records.values())
    summary = TransformSummary(
        realm_id=realm_id, run_id=run_id, graph_id=graph_id, manifest_key=key,
        rows={f.table: f.rows for f in files}, rejected=rejected,
        deleted=reconciliation.tombstones,
        deleted_inferred=reconciliation.tombstones_inferred,
        deletions_withheld=list(reconciliation.deletions_withheld.values()),
        validation_failures=len(validation.failures),
        failed_checks=sorted(validation.failed_checks()), duration_ms=duration_ms,
    )  # fmt: skip
    logger.info("quickbooks run transformed", extra=summary.model_dump(exclude={"rows"}))
    return summary


def _write_outputs(
    run: SyncRun, store: ObjectStore, graph_id: str, workdir: Path
) -> tuple[list[TableFile], Reconciliation, ValidationReport]:
    """Tables, reconciliation.json and the state snapshot: everything but the manifest."""
    con = open_session(run, store, workdir)
    try:
        check_absence_deletions(con, run)
        reconciliation = reconcile(con, run.run_id)
        validation = validate_ledger(
            con, lines="ledger_LineItem", transactions="ledger_LedgerTransaction",
            accounts="ledger_LedgerAccount", incomplete="incomplete_txn",
            reports=run_reports(run, store),
        )  # fmt: skip
        superseded = stage_superseded(con, sql_files(), run.run_id)
        mark_staged(con, validation)
        table_rows = count_table_rows(con, reconciliation, superseded)
        files = write_tables(
            con, store, graph_id=graph_id, source_unit=run.run_id, workdir=workdir,
            prefix="staged_out_",
        )  # fmt: skip
        details = {"reconciliation": reconciliation.model_dump(),
                   "superseded_written": superseded.model_dump(),
                   "table_rows": {t: c.model_dump() for t, c in table_rows.items()},
                   "validation": validation.model_dump()}  # fmt: skip
        store.put_bytes(
            processed_prefix(graph_id, run.run_id) + RECONCILIATION_NAME,
            json.dumps(details, indent=2).encode("utf-8"),
        )
        write_state_snapshot(con, run, store, workdir)
    finally:
        con.close()
    return files, reconciliation, validation


def mark_staged(con: duckdb.DuckDBPyConnection, validation: ValidationReport) -> None:
    """Say of each transaction's failure whether the run stages that transaction, so the
    summary compares staging's balance check with the transform's over the same ones."""
    rows = con.execute('SELECT id FROM "staged_out_LedgerTransaction" WHERE NOT is_deleted')
    staged = {row[0] for row in rows.fetchall()}
    for failure in validation.failures:
        if failure.transaction_id is not None:
            failure.staged = failure.transaction_id in staged


def run_reports(run: SyncRun, store: ObjectStore) -> list[WalkedReport]:
    """The reports the run fetched, walked (first page of each).

    Raises:
        QuickBooksDataError: a report page not shaped as QuickBooks sends one (a run
            landed before the sync checked reports), naming the run, the key and the place.
    """
    reports = []
    for page in run.pages:
        if page.kind != "report":
            continue
        body = json.loads(store.get_bytes(page.key))
        problem = report_problem(body) if isinstance(body, dict) else "not a JSON object"
        if problem is not None:
            raise QuickBooksDataError(
                f"run {run.run_id} of realm {run.realm_id} cannot be transformed: its "
                f"{page.entity} report ({page.key}) holds {problem}, not a report QuickBooks "
                "gives; sync again"
            )
        reports.append(walk_report(body))
    return reports


def _warnings(validation: ValidationReport, run: SyncRun) -> list[str]:
    """One line per failed check (details are in reconciliation.json), plus skipped ones."""
    counts: dict[str, int] = {}
    for failure in validation.failures:
        counts[failure.check] = counts.get(failure.check, 0) + 1
    lines = [f"validation {check}: {pluralize(n, 'failure')}, see {RECONCILIATION_NAME}"
             for check, n in sorted(counts.items())]  # fmt: skip
    lines += [f"validation skipped {s}" for s in validation.skipped]
    if run.mode == "cdc":
        lines.append("incremental run: tables hold the records changed since the previous run")
    return lines
