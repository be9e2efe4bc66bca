"""A sync run: QuickBooks responses into the raw store, as returned, before any transform.

A first run (or one after more than the CDC window) lists every entity with paged queries; a
later run asks Change Data Capture what changed since the previous run started. Each response
body is written to ``raw/quickbooks/{realm_id}/{entity}/{run_id}-{n}.json`` the moment it
arrives (a fraction a double cannot hold lands as a string of its digits, see
``client.exact_json``); the run manifest is written last and the sync state after it, so a
failed run is simply run again and the next CDC window starts from the last complete one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from ledgergraph.errors import ObjectNotFound
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.listings import describe_misfits, listing_misfits
from ledgergraph.quickbooks.reports import report_problem
from ledgergraph.quickbooks.runs import (
    LIST_ENTITIES,
    REPORTS,
    SYNC_ENTITIES,
    RawPage,
    SyncRun,
    SyncState,
    check_segment,
    new_run_id,
    raw_page_key,
    run_manifest_key,
    sync_state_key,
)
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.withdrawals import live_sync_state

logger = get_logger("quickbooks")

CDC_PAGE_LIMIT = 1000  # QBO returns at most 1000 changed records per entity in one response
_ALL_LIST_ROWS = "Active IN (true, false)"  # list queries skip inactive records otherwise


class SyncSummary(BaseModel):
    """What a sync step hands to the next state: keys and counts, never documents."""

    realm_id: str
    run_id: str
    mode: str
    run_key: str
    pages: int
    records: dict[str, int]
    duration_ms: int


def sync_realm(
    client: QuickBooksClient,
    store: ObjectStore,
    settings: QuickBooksSettings,
    *,
    run_id: str | None = None,
    force_full: bool = False,
    confirm_deletions: bool = False,
    report_period: tuple[date, date] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> SyncSummary:
    """Land one sync run of ``client.realm_id`` in the raw store and write its manifest.

    Safe to re-run after a failure: a new run id lands new keys, and the sync state only
    moves once a manifest is complete. ``confirm_deletions`` lets a full listing delete
    every known record of its entity (the transform refuses that otherwise). Raises the
    client's transient or permanent errors, and QuickBooksDataError for a listing whose
    records do not look like its entity's or a report not shaped as QuickBooks sends one.
    """
    realm_id = check_segment(client.realm_id, "realm id")
    started = now()
    run_id = check_segment(run_id or new_run_id(realm_id, started), "run id")
    clock = time.monotonic()
    state = live_sync_state(store, realm_id)
    mode, reason, since = choose_mode(state, started, settings, force_full=force_full)
    if state is None and load_sync_state(store, realm_id) is not None and not force_full:
        reason = "no earlier run's state describes the graph (runs deleted from it)"
    logger.info(
        "quickbooks sync started",
        extra={"realm_id": realm_id, "run_id": run_id, "mode": mode, "reason": reason},
    )

    lander = _Lander(store, realm_id, run_id)
    lander.land("companyinfo", "CompanyInfo", client.company_info(), 0)
    full_entities = (
        _land_queries(client, lander, SYNC_ENTITIES)
        if mode == "full"
        else _land_changes(client, lander, since or "")
    )
    period = report_period or _default_period(started)
    _land_reports(client, lander, period, settings)

    run = SyncRun(
        realm_id=realm_id, run_id=run_id, mode=mode, mode_reason=reason,
        previous_run_id=state.last_run_id if state else None, changed_since=since,
        full_entities=full_entities, deletions_confirmed=confirm_deletions,
        started_at=_iso(started), finished_at=_iso(now()),
        pages=lander.pages, report_period=(period[0].isoformat(), period[1].isoformat()),
    )  # fmt: skip
    key = _commit(store, run)
    summary = SyncSummary(
        realm_id=realm_id, run_id=run_id, mode=mode, run_key=key, pages=len(lander.pages),
        records=run.records_by_entity(), duration_ms=int((time.monotonic() - clock) * 1000),
    )  # fmt: skip
    logger.info("quickbooks sync finished", extra=summary.model_dump(exclude={"records"}))
    return summary


def _commit(store: ObjectStore, run: SyncRun) -> str:
    """The run manifest after every page, then the sync state: a crash leaves no half run."""
    key = run_manifest_key(run.realm_id, run.run_id)
    store.put_bytes(key, run.model_dump_json(indent=2).encode("utf-8"))
    state = SyncState(realm_id=run.realm_id, last_run_id=run.run_id, last_started_at=run.started_at)
    store.put_bytes(sync_state_key(run.realm_id), state.model_dump_json().encode("utf-8"))
    return key


def choose_mode(
    state: SyncState | None, now: datetime, settings: QuickBooksSettings, *, force_full: bool
) -> tuple[str, str, str | None]:
    """("full" | "cdc", why, changedSince): CDC only inside the window QBO keeps changes."""
    if force_full:
        return "full", "full resync requested", None
    if state is None:
        return "full", "first sync of the realm", None
    last = datetime.fromisoformat(state.last_started_at)
    since = last - timedelta(seconds=settings.cdc_overlap_s)
    if now - since >= timedelta(days=settings.cdc_window_days):
        return "full", f"last sync older than the {settings.cdc_window_days}-day CDC window", None
    return "cdc", f"changes since run {state.last_run_id}", _iso(since)


def load_sync_state(store: ObjectStore, realm_id: str) -> SyncState | None:
    try:
        return SyncState.model_validate_json(store.get_bytes(sync_state_key(realm_id)))
    except ObjectNotFound:
        return None


class _Lander:
    """Writes response bodies as they arrive and remembers what it wrote."""

    def __init__(self, store: ObjectStore, realm_id: str, run_id: str) -> None:
        self.store, self.realm_id, self.run_id = store, realm_id, run_id
        self.pages: list[RawPage] = []
        self._numbers: dict[str, int] = {}

    def land(self, kind: str, entity: str, body: dict[str, Any], records: int) -> None:
        number = self._numbers.get(entity, 0) + 1
        self._numbers[entity] = number
        key = raw_page_key(self.realm_id, entity, self.run_id, number)
        try:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate (\ud800) in the response
            raise QuickBooksDataError(
                f"{entity} page {number} of run {self.run_id} (realm {self.realm_id}) holds "
                f"{exc.object[exc.start]!r}, which is not Unicode text and cannot be stored"
            ) from exc
        self.store.put_bytes(key, data)
        self.pages.append(
            RawPage(kind=kind, entity=entity, number=number, key=key, records=records)
        )


def _land_queries(
    client: QuickBooksClient, lander: _Lander, entities: tuple[str, ...] | list[str]
) -> list[str]:
    for entity in entities:
        where = _ALL_LIST_ROWS if entity in LIST_ENTITIES else ""
        total = 0
        for page in client.query_pages(entity, where=where):
            _check_page_fits(client.realm_id, entity, page.body, page.number, total)
            lander.land("query", entity, page.body, page.records)
            total += page.records
        logger.info(
            "quickbooks entity listed",
            extra={"realm_id": client.realm_id, "entity": entity, "records": total},
        )
    return list(entities)


def _check_page_fits(
    realm_id: str, entity: str, body: dict[str, Any], number: int, before: int
) -> None:
    """Refuse a query page whose records do not look like ``entity``'s before it lands: as
    a full listing it would delete every known record it lacks (``listings``)."""
    records = body.get("QueryResponse", {}).get(entity, [])
    misfits = listing_misfits(entity, records, first_position=before + 1)
    if misfits:
        raise QuickBooksDataError(
            f"{entity} listing of realm {realm_id}, page {number}: records do not look like "
            f"{entity} records ({describe_misfits(misfits)}); the run stops before its "
            "manifest, so none of it is transformed"
        )


def _land_changes(client: QuickBooksClient, lander: _Lander, since: str) -> list[str]:
    """One CDC call; an entity that hit the CDC limit is listed in full as well."""
    body = client.cdc(list(SYNC_ENTITIES), since)
    counts = cdc_counts(body)
    lander.land("cdc", "cdc", body, sum(counts.values()))
    truncated = [e for e in SYNC_ENTITIES if counts.get(e, 0) >= CDC_PAGE_LIMIT]
    if truncated:
        logger.warning(
            "quickbooks cdc truncated", extra={"realm_id": client.realm_id, "entities": truncated}
        )
    return _land_queries(client, lander, truncated)


def cdc_counts(body: dict[str, Any]) -> dict[str, int]:
    """Records per entity in a CDC response (deleted ones included)."""
    counts: dict[str, int] = {}
    for response in body.get("CDCResponse", []):
        for part in response.get("QueryResponse", []):
            for name, value in part.items():
                if isinstance(value, list):
                    counts[name] = counts.get(name, 0) + len(value)
    return counts


def _land_reports(
    client: QuickBooksClient,
    lander: _Lander,
    period: tuple[date, date],
    settings: QuickBooksSettings,
) -> None:
    params = {
        "start_date": period[0].isoformat(),
        "end_date": period[1].isoformat(),
        "accounting_method": settings.report_accounting_method,
    }
    for name in REPORTS:
        body = client.report(name, params)
        problem = report_problem(body)
        if problem is not None:
            raise QuickBooksDataError(
                f"QuickBooks answered the {name} report (/reports/{name}, {params['start_date']}"
                f" to {params['end_date']}) of realm {client.realm_id} with {problem}: not a "
                "report QuickBooks gives; the run stops before its manifest, so none of it is "
                "transformed"
            )
        lander.land("report", name, body, 0)


def _default_period(now: datetime) -> tuple[date, date]:
    """Calendar year to date.

    NOTE: a fiscal year that does not start in January still gets a calendar-year report;
    the reconciliation compares like with like because it reads the period from the report.
    """
    today = now.astimezone(UTC).date()
    return date(today.year, 1, 1), today


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")
