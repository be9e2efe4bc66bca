"""Sync runs: raw JSON landing before any transform, full listings, CDC and its window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    REALM,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)

from ledgergraph.quickbooks import extract
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.runs import (
    SYNC_ENTITIES,
    SyncRun,
    SyncState,
    run_manifest_key,
    sync_state_key,
)
from ledgergraph.quickbooks.transform.runner import load_run
from tests.fakes.quickbooks_server import FakeQuickBooks, load_sandbox

RECORDED = {"Account": 92, "Customer": 33, "Vendor": 35, "Item": 23, "Invoice": 37, "Bill": 15,
            "Payment": 16, "JournalEntry": 13, "Purchase": 35, "Deposit": 13, "BillPayment": 10,
            "CreditMemo": 9, "Transfer": 0}  # fmt: skip


def test_a_first_sync_lists_every_entity_and_lands_each_page_as_returned(
    harness: Harness,
) -> None:
    summary = harness.sync(run_id="run-1")

    assert summary.mode == "full"
    for entity, count in RECORDED.items():
        assert summary.records[entity] == count
    for entity in ("Employee", "Class", "Department", "SalesReceipt", "VendorCredit"):
        assert summary.records[entity] == 0  # not recorded in the sandbox data
    body = json.loads(harness.store.get_bytes(f"raw/quickbooks/{REALM}/Account/run-1-1.json"))
    assert body["QueryResponse"]["Account"] == load_sandbox()["Account"]
    assert "Estimate" not in summary.records


def test_list_entities_are_queried_with_inactive_records_included(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    harness.sync(run_id="run-1")

    queries = fake.queries()
    assert (
        "SELECT * FROM Account WHERE Active IN (true, false) STARTPOSITION 1 MAXRESULTS 1000"
        in queries
    )
    assert "SELECT * FROM Invoice STARTPOSITION 1 MAXRESULTS 1000" in queries


def test_the_run_manifest_is_written_after_every_raw_page_and_the_state_last(
    harness: Harness,
) -> None:
    written: list[str] = []
    real_put = harness.store.put_bytes

    def recording_put(key: str, data: bytes) -> str:
        written.append(key)
        return real_put(key, data)

    harness.store.put_bytes = recording_put  # type: ignore[method-assign]
    harness.sync(run_id="run-1")

    assert written[-2:] == [run_manifest_key(REALM, "run-1"), sync_state_key(REALM)]
    run = load_run(harness.store, REALM, "run-1")
    assert {p.key for p in run.pages} == set(written[:-2])
    assert run.full_entities == list(SYNC_ENTITIES)
    assert [p.entity for p in run.pages if p.kind == "report"] == [
        "ProfitAndLoss", "BalanceSheet", "TrialBalance",
    ]  # fmt: skip


def test_raw_json_lands_before_and_independently_of_the_transform(
    fake: FakeQuickBooks, harness: Harness
) -> None:
    harness.sync(run_id="run-1")
    assert not list(harness.store.list_keys("processed/"))
    seen_before = len(fake.requests)

    summary = harness.transform("run-1")  # reads the store only: the server is not asked

    assert len(fake.requests) == seen_before
    assert summary.rows["LedgerAccount"] == 93


def test_a_run_without_its_manifest_cannot_be_transformed(harness: Harness) -> None:
    harness.sync(run_id="run-1")
    harness.store.delete(run_manifest_key(REALM, "run-1"))

    with pytest.raises(QuickBooksDataError, match="did not complete"):
        harness.transform("run-1")


def test_a_second_sync_asks_change_data_capture_since_the_first_started(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    first = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    harness.sync(run_id="run-1", now=lambda: first)
    fake.cdc_changes = {"Vendor": [load_sandbox()["Vendor"][0]]}

    summary = harness.sync(run_id="run-2")

    cdc = fake.seen("/cdc")[0].params
    assert summary.mode == "cdc"
    assert cdc["changedSince"] == (first - timedelta(seconds=300)).isoformat()  # overlap
    assert cdc["entities"].split(",") == list(SYNC_ENTITIES)
    run = SyncRun.model_validate_json(harness.store.get_bytes(run_manifest_key(REALM, "run-2")))
    assert run.previous_run_id == "run-1" and run.full_entities == []
    assert summary.records == {"cdc": 1}
    assert [p.entity for p in run.pages if p.kind == "cdc"] == ["cdc"]


def test_a_last_sync_older_than_the_cdc_window_runs_a_full_resync(harness: Harness) -> None:
    old = datetime.now(UTC) - timedelta(days=31)
    state = SyncState(realm_id=REALM, last_run_id="run-0", last_started_at=old.isoformat())
    harness.store.put_bytes(sync_state_key(REALM), state.model_dump_json().encode())

    summary = harness.sync(run_id="run-1")

    assert summary.mode == "full"
    run = load_run(harness.store, REALM, "run-1")
    assert "30-day CDC window" in run.mode_reason


def test_the_fake_refuses_a_change_data_capture_older_than_30_days(harness: Harness) -> None:
    from ledgergraph.quickbooks.errors import QuickBooksRequestRejected

    too_old = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    with pytest.raises(QuickBooksRequestRejected, match="30 days"):
        harness.client.cdc(["Invoice"], too_old)


def test_an_entity_at_the_cdc_limit_is_listed_in_full_as_well(
    harness: Harness, fake: FakeQuickBooks, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(extract, "CDC_PAGE_LIMIT", 2)
    harness.sync(run_id="run-1")
    fake.cdc_changes = {"Bill": load_sandbox()["Bill"][:2], "Vendor": load_sandbox()["Vendor"][:1]}

    summary = harness.sync(run_id="run-2")

    run = load_run(harness.store, REALM, "run-2")
    assert summary.mode == "cdc"
    assert run.full_entities == ["Bill"]
    assert summary.records["Bill"] == 15


def test_forcing_a_full_sync_ignores_the_state(harness: Harness, fake: FakeQuickBooks) -> None:
    harness.sync(run_id="run-1")
    summary = harness.sync(run_id="run-2", force_full=True)

    assert summary.mode == "full" and fake.seen("/cdc") == []


def test_run_ids_are_safe_key_segments(harness: Harness, tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        harness.sync(run_id="../escape")
    summary = harness.sync()
    assert summary.run_id.startswith(f"qbo-{REALM}-") and ":" not in summary.run_id
