"""QuickBooks input that must not erase good data (tester3's H2, M4, M3, L2, L7, L8).

Copies of the bundled sandbox recordings, broken the way the tester broke them: a
recording of the wrong shape, a record without an Id, amounts too large or too precise for
the staged decimals, text that is not Unicode, a journal line to an unknown account. Each
is refused naming what failed, and what the graph held stays.
"""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from test_quickbooks_versions import (  # noqa: F401 - fixtures
    GRAPH,
    Books,
    Records,
    assert_rebuild_gives_the_same_graph,
    books_fixture,
    newer,
    record,
    sample_copy,
)

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.run_report import rejections
from ledgergraph.quickbooks.transform.service import transform_run
from localrun.cli_quickbooks import render_summary
from localrun.quickbooks_sample import SAMPLE_REALM, land_sample_run

# NOTE: two queries: the engine answered count(l) 0 beside count(DISTINCT t) after an
# OPTIONAL MATCH, though the invoices hold 121 lines.
INVOICES = (
    "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' "
    "RETURN t.is_deleted, count(*) ORDER BY t.is_deleted"
)
INVOICE_LINES = (
    "MATCH (t:LedgerTransaction)-[:TRANSACTION_HAS_LINE]->(l:LineItem) "
    "WHERE t.txn_type = 'Invoice' RETURN count(l)"
)
EXPECTED = 'expected an object like {"QueryResponse": {"Invoice": [...]}}'


def invoices_and_lines(books: Books) -> tuple[list[list[object]], int]:
    """Invoices per is_deleted, and the lines invoices hold."""
    ((lines,),) = books.cypher(INVOICE_LINES)
    return books.cypher(INVOICES), lines


def stored_keys(store: LocalObjectStore) -> list[str]:
    files = (p for p in store.root.rglob("*") if p.is_file())
    return sorted(str(p.relative_to(store.root)) for p in files)


def test_a_recording_not_shaped_like_its_entitys_response_lands_nothing(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    before = stored_keys(books.store)
    empty = sample_copy(tmp_path, "empty-object")
    (empty / "Invoice.json").write_text("{}")
    bills = sample_copy(tmp_path, "bills-as-invoices")
    shutil.copy(bills / "Bill.json", bills / "Invoice.json")

    with pytest.raises(QuickBooksDataError) as as_empty:
        land_sample_run(books.store, run_id="r2", folder=empty)
    with pytest.raises(QuickBooksDataError) as as_bills:
        land_sample_run(books.store, run_id="r3", folder=bills)

    assert str(as_empty.value) == (
        f"recorded Invoice records in {empty / 'Invoice.json'}: the file has no "
        f"QueryResponse (its keys: none), {EXPECTED}"
    )
    assert str(as_bills.value) == (
        f"recorded Invoice records in {bills / 'Invoice.json'}: QueryResponse holds Bill "
        f"(a list of 15 objects), not only Invoice: {EXPECTED}"
    )
    assert stored_keys(books.store) == before


def test_invoices_a_listing_lacked_are_live_again_when_listed_again(
    books: Books, tmp_path: Path
) -> None:
    """The tester's sequence, with the listing QBO really sends for no invoices."""
    original = sample_copy(tmp_path, "original")
    none = sample_copy(tmp_path, "no-invoices")
    no_results = {"QueryResponse": {}, "time": "2026-05-06T10:00:00Z"}  # as QBO answers
    (none / "Invoice.json").write_text(json.dumps(no_results))
    books.transform(original, "r1")
    books.load("r1")
    assert invoices_and_lines(books) == ([[False, 37]], 121)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(books.store, run_id="r2", folder=none)
    land_sample_run(books.store, run_id="r3", folder=none, missing_means_empty=True)
    gone = transform_run(books.store, realm_id=SAMPLE_REALM, run_id="r3", graph_id=GRAPH)
    gone_load = books.load("r3")
    deleted = invoices_and_lines(books)
    back = books.transform(original, "r4")
    back_load = books.load("r4")

    assert str(refused.value).startswith(
        f"{none}: Invoice.json: it lists no Invoice records: all 37 known would be deleted. "
        "Loading it would delete those records from the graph"
    )
    assert gone.deleted == 37 and deleted == ([[True, 37]], 0)
    assert gone_load["LedgerTransaction"]["nodes_removed"] == {"LineItem": 121}
    invoices = books.reconciliation("r4")["records"]["Invoice"]
    assert (invoices["records_in"], invoices["out"], invoices["superseded"]) == (37, 37, 0)
    assert (back.deleted, back_load["LedgerTransaction"]["rows_updated"]) == (0, 37)
    assert back_load["LineItem"]["rows_added"] == 121
    assert invoices_and_lines(books) == ([[False, 37]], 121)
    assert books.revenue() == Decimal("8732.02")
    assert_rebuild_gives_the_same_graph(books)


def without_id(value: str | None) -> object:
    def edit(records: Records) -> None:
        customer = record(records, "Customer", "2")
        if value is None:
            del customer["Id"]
        else:
            customer["Id"] = value

    return edit


@pytest.mark.parametrize(("value", "problem"), [(None, "no Id"), ("", "empty Id")])
def test_a_record_without_an_id_is_rejected_and_its_listing_deletes_nothing(
    books: Books, tmp_path: Path, value: str | None, problem: str
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")

    summary = books.transform(sample_copy(tmp_path, "no-id", without_id(value)), "r2")
    books.load("r2")

    customers = books.reconciliation("r2")["records"]["Customer"]
    page = "raw/quickbooks/9341457021722202/Customer/r2-1.json"
    assert customers["rejected"] == {
        f'Customer record 1 of {page} (DisplayName "Bill\'s Windsurf Shop"): {problem}': 1
    }
    assert (customers["records_in"], customers["out"]) == (33, 32)
    assert (summary.deleted, summary.rejected) == (0, 1)
    assert summary.deletions_withheld == [
        "1 Customer record without a valid Id in the full listing: no known Customer is "
        "marked deleted for missing from it"
    ]
    assert books.customer_2() == ["Bill's Windsurf Shop", "0"]
    (deleted,) = books.cypher("MATCH (c:Customer) WHERE c.qbo_id = '2' RETURN c.is_deleted")
    assert deleted == [False]


def amount_of_invoice_130(amount: str) -> object:
    def edit(records: Records) -> None:
        invoice = record(records, "Invoice", "130")
        invoice["Line"][0]["Amount"] = amount
        newer(invoice)

    return edit


def test_amounts_the_staged_decimals_cannot_hold_reject_their_record(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")
    huge = amount_of_invoice_130("12345678901234567890.12")
    precise = amount_of_invoice_130("275.00000000000000000001")

    too_large = books.transform(sample_copy(tmp_path, "huge", huge), "r2")
    loaded = books.load("r2")
    too_precise = books.transform(sample_copy(tmp_path, "precise", precise), "r3")

    assert books.reconciliation("r2")["records"]["Invoice"]["rejected"] == {
        'Invoice 130: Line[0].Amount "12345678901234567890.12" has 20 digits before the '
        "point, more than the 18 an amount can hold": 1
    }
    assert books.reconciliation("r3")["records"]["Invoice"]["rejected"] == {
        'Invoice 130: Line[0].Amount "275.00000000000000000001" has 20 decimal places, '
        "more than the 6 an amount keeps": 1
    }
    for summary in (too_large, too_precise):
        assert (summary.rejected, summary.deleted) == (1, 0)
        assert summary.rows["LedgerTransaction"] == 147  # 148 less Invoice 130
    assert loaded["LedgerTransaction"]["rows_updated"] == 0
    (kept,) = books.cypher(
        "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND t.qbo_id = '130' "
        "RETURN t.total_amount, t.sync_token, t.is_deleted"
    )
    assert kept == ["362.07", "3", False]
    assert books.revenue() == Decimal("8732.02")


@pytest.mark.parametrize(
    ("written", "problem"),
    [
        ("12345678901234567890.12", "has 20 digits before the point, more than the 18 an "
         "amount can hold"),
        ("275.00000000000000000001", "has 20 decimal places, more than the 6 an amount keeps"),
    ],
)  # fmt: skip
def test_unquoted_amounts_are_checked_with_the_digits_written(
    books: Books, tmp_path: Path, written: str, problem: str
) -> None:
    folder = sample_copy(tmp_path, "unquoted", amount_of_invoice_130("AMOUNT"))
    text = (folder / "Invoice.json").read_text()
    (folder / "Invoice.json").write_text(text.replace('"AMOUNT"', written))

    summary = books.transform(folder, "r1")

    invoices = books.reconciliation("r1")["records"]["Invoice"]
    assert invoices["rejected"] == {f'Invoice 130: Line[0].Amount "{written}" {problem}': 1}
    assert (invoices["records_in"], invoices["out"], summary.rejected) == (37, 36, 1)


def test_text_that_is_not_unicode_is_refused_naming_file_and_record(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path, "surrogate")
    body = json.loads((folder / "Customer.json").read_text())
    body["QueryResponse"]["Customer"][1]["DisplayName"] = "C\ud800ol Cars"
    (folder / "Customer.json").write_text(json.dumps(body))  # ASCII: "\ud800" escaped
    store = LocalObjectStore(tmp_path / "store")

    with pytest.raises(QuickBooksDataError) as raised:
        land_sample_run(store, folder=folder)

    assert str(raised.value) == (
        f"recorded Customer records in {folder / 'Customer.json'}: "
        "QueryResponse.Customer[1].DisplayName (Id \"3\") holds '\\ud800' at character 1, "
        "which is not Unicode text (a lone surrogate) and cannot be stored"
    )
    assert stored_keys(store) == []


def test_a_posting_to_an_unknown_account_names_its_journal_entry(
    books: Books, tmp_path: Path
) -> None:
    def unknown_account(records: Records) -> None:
        entry = record(records, "JournalEntry", "192")
        entry["Line"][1]["JournalEntryLineDetail"]["AccountRef"] = {"value": "99999"}

    summary = books.transform(sample_copy(tmp_path, "unknown", unknown_account), "r1")

    reconciliation = books.reconciliation("r1")
    lines = reconciliation["lines"]
    reason = "JournalEntry 192: Line[1] posts to unknown account 99999"
    assert lines["rejected"] == {reason: 1}
    assert lines["records_in"] == lines["out"] + lines["informational"] + 1 == 249
    postings = reconciliation["rejected_postings"]
    assert [p["reason"] for p in postings] == [f"rejected: {reason}"]
    assert rejections(reconciliation) == {"total": 1, "reasons": {f"Line: {reason}": 1}}
    assert summary.rows["LineItem"] == 351


def test_the_summary_says_why_a_listing_deleted_nothing() -> None:
    summary = {
        "run_id": "r2", "realm_id": "1", "graph_id": GRAPH, "status": "loaded",
        "mode": "full", "mode_reason": "bundled sample", "tables": {},
        "rejected": {"total": 0, "reasons": {}}, "deleted": 0,
        "deletions_withheld": ["1 Customer record without a valid Id in the full listing: no "
                               "known Customer is marked deleted for missing from it"],
        "rows_present_with_changed_content": 0,
        "validation": {"passed": True, "checks": ["balanced"]},
    }  # fmt: skip

    text = render_summary(summary)

    assert (
        "records marked deleted (is_deleted): 0\n  stated deleted by QuickBooks (CDC): 0\n"
        "  inferred, missing from a full listing: 0\n  none inferred for missing: 1 Customer "
        "record without a valid Id in the full listing"
    ) in text
