"""Incremental runs: CDC deletes become tombstones, sparse records never blank stored fields."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    REALM,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
    make_harness,
)
from test_quickbooks_versions import INCOME_BY_CONCEPT, NodeClient, record

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.ids import stable_id
from ledgergraph.loading import register_entries
from ledgergraph.manifest import SourceUnitManifest, manifest_key
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.run_report import validation_section
from ledgergraph.quickbooks.runs import records_state_key
from ledgergraph.quickbooks.staging_check import check_staging
from tests.fakes.quickbooks_server import FakeQuickBooks, Scripted, load_sandbox

INVOICE_49 = (
    "MATCH (t:LedgerTransaction {txn_type: 'Invoice', qbo_id: '49'}) "
    "RETURN t.doc_number, t.is_deleted"
)
INVOICE_155 = (
    "MATCH (t:LedgerTransaction {txn_type: 'Invoice', qbo_id: '155'}) "
    "RETURN t.doc_number, t.is_deleted"
)
UPDATED_AT = {"LastUpdatedTime": "2026-05-06T10:00:00-07:00"}


def deleted(qbo_id: str) -> dict[str, object]:
    """A deleted entity as CDC reports it."""
    return {"domain": "QBO", "status": "Deleted", "Id": qbo_id, "MetaData": UPDATED_AT}


def new_journal_entry() -> dict[str, object]:
    entry = copy.deepcopy(next(j for j in load_sandbox()["JournalEntry"] if j["Id"] == "192"))
    entry.update({"Id": "900", "DocNumber": "JE-900", "SyncToken": "0", "MetaData": UPDATED_AT})
    for line in entry["Line"]:
        line["Amount"] = 50
    return entry


def sparse_customer(sync_token: str, **fields: object) -> dict[str, object]:
    return {"Id": "2", "SyncToken": sync_token, "sparse": True, "domain": "QBO",
            "MetaData": UPDATED_AT, **fields}  # fmt: skip


def cdc_run(harness: Harness, fake: FakeQuickBooks, changes: dict[str, list]) -> str:
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    fake.cdc_changes = changes
    harness.sync(run_id="run-2")
    harness.transform("run-2")
    return "run-2"


def load_run(node: GraphService, store: LocalObjectStore, run_id: str) -> None:
    """What the loading steps do with a transformed run: register, stage, materialize."""
    manifest = SourceUnitManifest.model_validate_json(store.get_bytes(manifest_key(GRAPH, run_id)))
    files = node.register_files(GRAPH, register_entries(store, manifest))["files"]
    ids = {f["table"]: f["file_id"] for f in files}
    node.stage_files(GRAPH, list(ids.values()))
    for table in (t for t in LOAD_ORDER if t in ids):
        node.materialize(GRAPH, table, [ids[table]])


def test_a_deleted_invoice_becomes_a_tombstone_that_keeps_its_fields(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    run = cdc_run(harness, fake, {"Invoice": [deleted("49")]})

    (invoice,) = harness.rows(run, "LedgerTransaction")
    assert invoice["id"] == stable_id("quickbooks", REALM, "Invoice", "49")
    assert invoice["is_deleted"] is True
    assert invoice["doc_number"] == "1015" and invoice["total_amount"] == Decimal("954.75")
    assert invoice["line_count"] == 0
    assert harness.rows(run, "LineItem") == []


def test_a_sparse_update_changes_only_the_fields_it_carries(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    patch = sparse_customer("1", DisplayName="Bill's Windsurf & Surf Shop", CompanyName=None)
    run = cdc_run(harness, fake, {"Customer": [patch]})

    (customer,) = harness.rows(run, "Customer")
    assert customer["display_name"] == "Bill's Windsurf & Surf Shop"
    assert customer["company_name"] == "Bill's Windsurf Shop"  # null in a sparse record: kept
    assert customer["balance"] == Decimal(-15) and customer["is_active"] is True
    assert customer["sync_token"] == "1"


def test_an_incremental_run_writes_only_what_changed(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    changes = {"JournalEntry": [new_journal_entry()], "Vendor": [deleted("56")]}
    run = cdc_run(harness, fake, changes)

    tables = ("LedgerTransaction", "LineItem", "Vendor", "LedgerAccount", "Customer", "Entity")
    rows = {t: len(harness.rows(run, t)) for t in tables}
    assert rows == {"LedgerTransaction": 1, "LineItem": 2, "Vendor": 1, "LedgerAccount": 0,
                    "Customer": 0, "Entity": 1}  # fmt: skip
    lines = harness.rows(run, "LineItem")
    assert {(r["posting_type"], r["amount"]) for r in lines} == {
        ("debit", Decimal(50)), ("credit", Decimal(50)),
    }  # fmt: skip
    (vendor,) = harness.rows(run, "Vendor")
    assert vendor["is_deleted"] is True and vendor["display_name"] == "Bob's Burger Joint"


def test_the_newest_version_in_a_run_wins_and_the_older_is_counted_superseded(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    older = sparse_customer("1", DisplayName="first rename")
    newer = sparse_customer("2", DisplayName="second rename")
    run = cdc_run(harness, fake, {"Customer": [newer, older]})

    (customer,) = harness.rows(run, "Customer")
    details = json.loads(harness.store.get_bytes(f"processed/{GRAPH}/{run}/reconciliation.json"))
    assert customer["display_name"] == "second rename"
    assert details["reconciliation"]["records"]["Customer"]["superseded"] == 1


def test_validation_covers_the_whole_ledger_after_an_incremental_run(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    run = cdc_run(harness, fake, {"Invoice": [deleted("42")]})

    details = json.loads(harness.store.get_bytes(f"processed/{GRAPH}/{run}/reconciliation.json"))
    validation = details["validation"]
    assert validation["trial_balance_total"] == "0"  # the unbalanced invoice 1013 is gone
    assert "balanced" not in {f["check"] for f in validation["failures"]}


def test_a_cdc_run_needs_the_previous_run_transformed_first(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    harness.sync(run_id="run-1")
    harness.sync(run_id="run-2")

    with pytest.raises(QuickBooksDataError, match="transform that run first"):
        harness.transform("run-2")
    harness.transform("run-1")
    assert harness.transform("run-2").rows["LedgerTransaction"] == 0


def test_a_full_resync_turns_records_gone_from_quickbooks_into_tombstones(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    for harness in make_harness(fake, tmp_path):
        harness.sync(run_id="run-1")
        harness.transform("run-1")
        fake.records["Vendor"] = [v for v in fake.records["Vendor"] if v["Id"] != "56"]
        fake.records["Bill"] = fake.records["Bill"][1:]
        gone_bill = load_sandbox()["Bill"][0]["Id"]

        harness.sync(run_id="run-2", force_full=True)
        summary = harness.transform("run-2")

        vendor = harness.rows("run-2", "Vendor", "qbo_id = '56'")[0]
        bill = harness.rows("run-2", "LedgerTransaction", f"qbo_id = '{gone_bill}'")[0]
        assert vendor["is_deleted"] is True and bill["is_deleted"] is True
        assert summary.rows["Vendor"] == 35 and summary.rows["LedgerTransaction"] == 148


def test_an_older_version_after_a_cdc_delete_leaves_the_tombstone(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    invoice = copy.deepcopy(next(i for i in load_sandbox()["Invoice"] if i["Id"] == "49"))
    cdc_run(harness, fake, {"Invoice": [deleted("49")]})
    fake.cdc_changes = {"Invoice": [invoice]}  # SyncToken 0, as before the delete
    harness.sync(run_id="run-3")

    summary = harness.transform("run-3")

    details = json.loads(harness.store.get_bytes(f"processed/{GRAPH}/run-3/reconciliation.json"))
    assert details["reconciliation"]["records"]["Invoice"]["superseded_reasons"] == {
        "Invoice 49: SyncToken 0 updated 2026-04-06T11:43:20-07:00 is older than the version "
        "known (deleted after SyncToken 0)": 1
    }
    # only Invoice 49's tombstone, restated as every run restates a known deletion
    (tombstone,) = harness.rows("run-3", "LedgerTransaction")
    assert (tombstone["doc_number"], tombstone["is_deleted"]) == ("1015", True)
    assert summary.rows["LineItem"] == 0 and summary.deleted == 0


def test_deleting_the_cdc_run_that_deleted_an_invoice_leaves_it_deleted(
    harness: Harness, fake: FakeQuickBooks, tmp_path: Path
) -> None:
    """run-2 (CDC) deletes Invoice 49 (1015), run-3 (CDC, nothing changed) restates that
    tombstone; once run-2 is deleted from the graph the invoice stays deleted, as in a
    graph that never held run-2, not live again until the next full sync."""
    cdc_run(harness, fake, {"Invoice": [deleted("49")]})
    fake.cdc_changes = {}
    harness.sync(run_id="run-3")
    run_3 = harness.transform("run-3")
    node = GraphService(NodeSettings(
        home=tmp_path / "node", store_uri=harness.store.base_uri, events="none",
    ))  # fmt: skip
    try:
        for run_id in ("run-1", "run-2", "run-3"):
            load_run(node, harness.store, run_id)
        node.delete_source(GRAPH, "run-2")
        invoice_49 = node.query_cypher(GRAPH, INVOICE_49)["rows"]
    finally:
        node.close()

    assert invoice_49 == [["1015", True]]
    assert (run_3.rows["LedgerTransaction"], run_3.deleted) == (1, 0)  # restated, not new


FOREIGN_INVOICE = {"Id": "5000", "TotalAmt": 1, "CustomerRef": {"value": "1"}, "Line": []}


def without(entity: str, *ids: str) -> list[dict[str, object]]:
    """The sandbox's records of ``entity`` but those with the given Ids."""
    return [r for r in load_sandbox()[entity] if r["Id"] not in ids]


def refused_full_run(harness: Harness, fake: FakeQuickBooks, run_id: str) -> None:
    """A full run whose Invoice listing holds none of the known invoices: TransformRun
    refuses it, so it leaves no snapshot and puts nothing in the graph."""
    fake.records["Invoice"] = [FOREIGN_INVOICE]
    harness.sync(run_id=run_id, force_full=True)
    with pytest.raises(QuickBooksDataError, match=r"lists none of the \d+ known Invoice"):
        harness.transform(run_id)


def test_a_full_run_after_a_refused_one_still_deletes_what_its_listing_lacks(
    harness: Harness, fake: FakeQuickBooks, tmp_path: Path
) -> None:
    """The tester's sequence: the sample, a run refused at TransformRun, then the sample
    without Invoice 155 (1042), listed in full twice: the first marks it deleted, as it
    would with no refused run between, and the second finds it already deleted."""
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    refused_full_run(harness, fake, "run-2")
    fake.records["Invoice"] = without("Invoice", "155")
    harness.sync(run_id="run-3", force_full=True)
    run_3 = harness.transform("run-3")
    harness.sync(run_id="run-4", force_full=True)
    run_4 = harness.transform("run-4")

    node = GraphService(NodeSettings(
        home=tmp_path / "node", store_uri=harness.store.base_uri, events="none",
    ))  # fmt: skip
    try:
        for run_id in ("run-1", "run-3", "run-4"):
            load_run(node, harness.store, run_id)
        invoice_155 = node.query_cypher(GRAPH, INVOICE_155)["rows"]
        income = dict(node.query_cypher(GRAPH, INCOME_BY_CONCEPT)["rows"])
    finally:
        node.close()

    assert (run_3.deleted, run_3.deleted_inferred, run_4.deleted) == (1, 1, 0)
    assert invoice_155 == [["1042", True]]
    assert Decimal(str(income["us-gaap:Revenues"])) == Decimal("8632.02")


def test_a_full_run_after_a_refused_one_restates_a_cdc_tombstone(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """Invoice 161 (1043) deleted by CDC, then a refused run, then a full run that also
    rejects a record (Invoice 130): that run's files and snapshot keep 161's tombstone."""
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    fake.cdc_changes = {"Invoice": [deleted("161")]}
    harness.sync(run_id="run-2")
    harness.transform("run-2")
    refused_full_run(harness, fake, "run-3")
    fake.records["Invoice"] = without("Invoice", "161")
    record(fake.records, "Invoice", "130")["TotalAmt"] = "abc"
    harness.sync(run_id="run-4", force_full=True)

    run_4 = harness.transform("run-4")

    assert (run_4.deleted, run_4.rejected) == (0, 1)
    (tombstone,) = harness.rows("run-4", "LedgerTransaction", "qbo_id = '161'")
    assert (tombstone["doc_number"], tombstone["is_deleted"]) == ("1043", True)
    snapshot = harness.store.path(records_state_key(REALM, "run-4"))
    assert duckdb.execute(
        "SELECT is_deleted, deleted_by_absence FROM read_parquet(?) "
        "WHERE entity = 'Invoice' AND qbo_id = '161'",
        [str(snapshot)],
    ).fetchall() == [(True, False)]


def test_a_full_listing_ending_on_an_empty_page_deletes_nothing(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    """At 10 a page, page 2 of the Customer listing answered ``{"QueryResponse": {}}``:
    the 23 of the 33 known customers it did not reach are not marked deleted, the run is refused."""
    serve = fake.answer_query

    def page_2_empty(text: str) -> Scripted:
        if "FROM Customer " in text and "STARTPOSITION 11 " in text:
            return Scripted(200, {}, {"QueryResponse": {}})
        return serve(text)

    for harness in make_harness(fake, tmp_path, page_size=10):
        harness.sync(run_id="run-1")
        harness.transform("run-1")
        fake.answer_query = page_2_empty  # type: ignore[method-assign]
        harness.sync(run_id="run-2", force_full=True)

        with pytest.raises(QuickBooksDataError) as refused:
            harness.transform("run-2")

    assert str(refused.value) == (
        f"run run-2 of realm {REALM}: the Customer listing (10 records) ended with an empty "
        f"page 2 (raw/quickbooks/{REALM}/Customer/run-2-2.json) right after a full one, and "
        "23 of the 33 known Customer records are not in it: QuickBooks may have answered "
        "that page incompletely, so they would be marked deleted. Nothing was transformed. "
        "Sync in full again; if QuickBooks really holds none of them (or, after an empty "
        "page, only the records listed), with --missing-means-empty"
    )
    assert not harness.store.exists(records_state_key(REALM, "run-2"))


def test_a_cdc_run_compares_staging_with_the_transactions_it_staged(
    harness: Harness, fake: FakeQuickBooks, tmp_path: Path
) -> None:
    """A CDC run that fetched nothing stages no Invoice 42 (1013), which the transform
    still finds unbalanced over the whole ledger: no ``staging_balanced`` failure for it."""
    cdc_run(harness, fake, {})
    node = GraphService(NodeSettings(
        home=tmp_path / "node", store_uri=harness.store.base_uri, events="none",
    ))  # fmt: skip
    try:
        for run_id in ("run-1", "run-2"):
            load_run(node, harness.store, run_id)
        staged = {run_id: check_staging(NodeClient(node), GRAPH, run_id)  # type: ignore[arg-type]
                  for run_id in ("run-1", "run-2")}  # fmt: skip
    finally:
        node.close()
    sections = {}
    for run_id, staging in staged.items():
        raw = harness.store.get_bytes(f"processed/{GRAPH}/{run_id}/reconciliation.json")
        sections[run_id] = validation_section(json.loads(raw)["validation"], staging)

    for section in sections.values():  # the full run stages Invoice 42 and both see it
        assert [f for f in section["failures"] if f.startswith("staging_balanced")] == []
        assert "balanced: Invoice 1013 (Id 42): debits 81.00 <> credits 6.00" in section["failures"]
    assert [u["qbo_id"] for u in staged["run-1"].unbalanced] == ["42"]
    assert staged["run-2"].unbalanced == []
