"""Copies of the bundled sample edited the way a tester did: references to records the
ledger does not know (named, the record kept, every relationship table reconciled), the
same record listed twice, and a source folder missing a whole entity file."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path

import pytest
from test_quickbooks_versions import (  # noqa: F401 - fixtures
    GRAPH,
    Books,
    Records,
    books_fixture,
    record,
    sample_copy,
)

from ledgergraph.loading import register_entries
from ledgergraph.manifest import SourceUnitManifest, manifest_key
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.run_report import unresolved_references
from ledgergraph.quickbooks.transform.service import transform_run
from localrun import render_graph
from localrun.quickbooks_sample import SAMPLE_REALM, land_sample_run


def add_dangling_references(records: Records) -> None:
    """Invoice 1037 copied twice: to customer 77777, and with line 1 to item 88888; Account
    69 (Accounting) without its AccountType."""
    to_customer = copy.deepcopy(record(records, "Invoice", "130"))
    to_customer.update(Id="9001", DocNumber="X-1", CustomerRef={"value": "77777"})
    to_item = copy.deepcopy(record(records, "Invoice", "130"))
    to_item.update(Id="9002", DocNumber="X-2")
    to_item["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": "88888"}
    records["Invoice"] += [to_customer, to_item]
    del record(records, "Account", "69")["AccountType"]


def test_references_to_unknown_records_are_named_and_their_records_kept(
    books: Books, tmp_path: Path
) -> None:
    summary = books.transform(sample_copy(tmp_path, "dangling", add_dangling_references), "r1")

    reconciliation = books.reconciliation("r1")
    assert unresolved_references(reconciliation)["references"] == [
        "Account 69: AccountType/AccountSubType: no AccountType, so no concept "
        "(no Element mapping)",
        "Invoice 9001: CustomerRef: no Customer 77777 among the synced records",
        "Invoice 9002: Line 1 ItemRef: no Item 88888 among the synced records",
    ]
    references = reconciliation["references"]
    assert references["TRANSACTION_HAS_CUSTOMER"] == {"references": 64, "out": 63, "unresolved": 1}
    assert references["LINE_HAS_ITEM"] == {"references": 87, "out": 86, "unresolved": 1}
    assert references["ACCOUNT_MAPS_TO_ELEMENT"] == {"references": 93, "out": 92, "unresolved": 1}
    assert summary.rejected == 0 and summary.rows["LedgerTransaction"] == 150

    books.load("r1")
    (invoice,) = books.cypher(
        "MATCH (t:LedgerTransaction) WHERE t.qbo_id = '9001' RETURN t.total_amount"
    )
    assert Decimal(invoice[0]) == Decimal("362.07")


def test_an_untouched_sample_has_every_reference_resolved(books: Books, tmp_path: Path) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")

    reconciliation = books.reconciliation("r1")
    assert reconciliation["unresolved_references"] == []
    assert all(c["unresolved"] == 0 for c in reconciliation["references"].values())
    assert reconciliation["references"]["TRANSACTION_HAS_CUSTOMER"]["out"] == 62


def reject_customer_8(records: Records) -> None:
    record(records, "Customer", "8")["Balance"] = "abc"


def test_a_rejected_customer_is_named_in_its_invoices_missing_links(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "bad-customer", reject_customer_8), "r1")

    reconciliation = books.reconciliation("r1")
    assert reconciliation["records"]["Customer"]["rejected"] == {
        'Customer 8: Balance "abc" is not a number': 1
    }
    assert unresolved_references(reconciliation)["references"] == [
        f"{txn_type} {qbo_id}: CustomerRef: Customer 8 was rejected in this run"
        for txn_type, qbo_id in [("Invoice", "129"), ("Invoice", "95"), ("Invoice", "96"),
                                 ("Payment", "128"), ("Payment", "97")]
    ]  # fmt: skip
    assert reconciliation["references"]["TRANSACTION_HAS_CUSTOMER"]["out"] == 62 - 5


def test_an_empty_reference_id_is_shown_quoted_in_its_reason(books: Books, tmp_path: Path) -> None:
    """Invoice 1036 (Id 129) with ``"CustomerRef": {"value": ""}``: its reason read ``no
    Customer  among the synced records``, the Id left out."""

    def empty_customer_id(records: Records) -> None:
        record(records, "Invoice", "129")["CustomerRef"] = {"value": ""}

    books.transform(sample_copy(tmp_path, "empty-id", empty_customer_id), "r1")

    reconciliation = books.reconciliation("r1")
    assert unresolved_references(reconciliation)["references"] == [
        'Invoice 129: CustomerRef: no Customer "" among the synced records'
    ]
    customers = reconciliation["references"]["TRANSACTION_HAS_CUSTOMER"]
    assert customers == {"references": 62, "out": 61, "unresolved": 1}


def list_records_twice(records: Records) -> None:
    """Invoice 130 listed twice as is; Customer 2 twice under SyncToken 0 with two names;
    Item 5 twice, the second copy saved once more (SyncToken 3)."""
    records["Invoice"].append(copy.deepcopy(record(records, "Invoice", "130")))
    renamed = copy.deepcopy(record(records, "Customer", "2"))
    renamed["DisplayName"] = "Bill's Windsurf Shop (renamed)"
    records["Customer"].append(renamed)
    saved = copy.deepcopy(record(records, "Item", "5"))
    saved.update(SyncToken=str(int(saved["SyncToken"]) + 1))
    records["Item"].append(saved)


def test_a_record_listed_twice_is_a_duplicate_and_two_contents_of_one_version_conflict(
    books: Books, tmp_path: Path
) -> None:
    summary = books.transform(sample_copy(tmp_path, "twice", list_records_twice), "r1")

    records = books.reconciliation("r1")["records"]
    assert records["Invoice"]["duplicate_reasons"] == {
        "Invoice 130: the same record (SyncToken 3 updated 2026-05-05T03:13:29-07:00) "
        "listed again in the run": 1
    }
    assert (records["Invoice"]["records_in"], records["Invoice"]["out"]) == (38, 37)
    assert records["Customer"]["rejected"] == {
        "Customer 2: 2 records with different content have the same version "
        "(SyncToken 0 updated 2026-05-05T03:08:49-07:00) in the run": 2
    }
    assert (records["Customer"]["records_in"], records["Customer"]["out"]) == (34, 32)
    assert records["Item"]["superseded_reasons"] == {
        "Item 5: SyncToken 2 updated 2026-04-08T13:16:17-07:00 has a newer version in the "
        "same run": 1
    }
    assert summary.rejected == 2 and summary.rows["Customer"] == 32


def test_a_source_without_invoice_json_is_refused_unless_the_empty_list_is_meant(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    folder = sample_copy(tmp_path, "no-invoices")
    (folder / "Invoice.json").unlink()

    with pytest.raises(QuickBooksDataError) as raised:
        land_sample_run(books.store, run_id="r2", folder=folder)
    land_sample_run(books.store, run_id="r3", folder=folder, missing_means_empty=True)
    summary = transform_run(books.store, realm_id=SAMPLE_REALM, run_id="r3", graph_id=GRAPH)

    assert str(raised.value) == (
        f"{folder}: no Invoice.json (37 Invoice records known). Loading it would delete "
        "those records from the graph, as a full sync that lists none of them does. Fix the "
        "listing, or pass --missing-means-empty if the records are meant to be deleted"
    )
    assert (summary.deleted, summary.deleted_inferred) == (37, 37)


def test_a_run_stopped_after_staging_is_named_by_stats_with_the_command_that_removes_it(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")
    books.transform(sample_copy(tmp_path, "again"), "r2")
    raw = books.store.get_bytes(manifest_key(GRAPH, "r2"))
    entries = register_entries(books.store, SourceUnitManifest.model_validate_json(raw))
    files = books.service.register_files(GRAPH, entries)["files"]
    books.service.stage_files(GRAPH, [f["file_id"] for f in files])  # then killed

    stopped = books.service.stats(GRAPH)
    books.service.delete_source(GRAPH, "r2")
    cleaned = books.service.stats(GRAPH)

    assert stopped["unfinished"] == {"r2": len(entries)} and stopped["files"]["staged"] > 0
    text = render_graph.stats(stopped, delete_command="ledgergraph delete-source --graph g")
    assert text.splitlines()[-4:] == [
        "",
        "files registered or staged but never materialized, in 1 source unit: a load "
        "still running, or one that stopped (killed, failed)",
        f"  r2: {len(entries)} files",
        "if no load is running, remove them with: ledgergraph delete-source --graph g r2",
    ]
    assert (cleaned["unfinished"], cleaned["files"]["staged"]) == ({}, 0)
    assert cleaned["nodes"] == stopped["nodes"]
