"""Full listings that cannot erase good data, round 2 (tester4's M-H1, M2, L5, L6).

Copies of the bundled sandbox recordings, edited the way the tester edited them: the Bill
records saved as Invoice.json, invoices that share no Id with the known ones, a journal
line posted "Sideways", an Id with spaces around it. Each is refused or rejected naming
what failed, and the 37 invoices the graph holds stay live.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from test_quickbooks_bad_input import invoices_and_lines, stored_keys
from test_quickbooks_versions import (  # noqa: F401 - fixtures
    GRAPH,
    Books,
    Records,
    books_fixture,
    record,
    sample_copy,
)

from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.extract import sync_realm
from ledgergraph.quickbooks.run_report import SummaryRequest, superseded_records, table_lines
from ledgergraph.quickbooks.staging_check import StagingCheck
from ledgergraph.quickbooks.transform.service import transform_run
from localrun.cli_quickbooks import render_summary
from localrun.quickbooks_recordings import Recording
from localrun.quickbooks_sample import SAMPLE_REALM, RecordedCompany, land_sample_run

PAGE = "raw/quickbooks/9341457021722202/Invoice/{run}-1.json"


def bills_as_invoices(records: Records) -> None:
    """The tester's edit: Invoice.json keeps its key but holds the 15 Bill records."""
    records["Invoice"][:] = records["Bill"]


def renumbered_invoices(records: Records) -> None:
    """Invoices of the right shape whose Ids are none of the known ones."""
    for invoice in records["Invoice"]:
        invoice["Id"] = str(int(invoice["Id"]) + 50000)


def live_run(books: Books, folder: Path, run_id: str, *, confirm: bool = False) -> None:
    """Land ``folder`` the way a live sync lands QuickBooks' answers: no up-front check of
    the recordings as a whole, only what ``sync_realm`` itself checks."""
    recordings = {
        p.stem: Recording(p.stem, p, json.loads(p.read_text())["QueryResponse"].get(p.stem, []),
                          None)
        for p in folder.glob("[A-Z]*.json")
    }  # fmt: skip
    client = RecordedCompany(folder, recordings=recordings)
    sync_realm(client, books.store, client.settings, run_id=run_id, force_full=True,
               confirm_deletions=confirm)  # fmt: skip


def test_bill_records_saved_as_invoices_are_refused_before_anything_lands(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")
    before = stored_keys(books.store)
    folder = sample_copy(tmp_path, "billrecs", bills_as_invoices)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(books.store, run_id="r2", folder=folder)
    with pytest.raises(QuickBooksDataError) as meant:
        land_sample_run(books.store, run_id="r3", folder=folder, missing_means_empty=True)

    assert str(refused.value) == (
        f"recorded Invoice records in {folder / 'Invoice.json'} do not look like Invoice "
        'records (counted from 1): record 1 (Id "126"): no CustomerRef and VendorRef, '
        'APAccountRef, which no Invoice has; record 2 (Id "25"): no CustomerRef and '
        'VendorRef, APAccountRef, which no Invoice has; record 3 (Id "105"): no CustomerRef '
        "and VendorRef, APAccountRef, which no Invoice has; and 12 more"
    )
    assert str(meant.value) == str(refused.value)  # the shape is never a deletion meant
    assert stored_keys(books.store) == before
    assert invoices_and_lines(books) == ([[False, 37]], 121)


def test_a_live_listing_of_bills_as_invoices_stops_before_its_invoice_page_lands(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    folder = sample_copy(tmp_path, "billrecs", bills_as_invoices)

    with pytest.raises(QuickBooksDataError) as refused:
        live_run(books, folder, "r2", confirm=True)

    assert str(refused.value).startswith(
        f"Invoice listing of realm {SAMPLE_REALM}, page 1: records do not look like Invoice "
        'records (record 1 (Id "126"): no CustomerRef and VendorRef, APAccountRef, which no '
        "Invoice has;"
    )
    assert not books.store.exists(PAGE.format(run="r2"))
    assert not books.store.exists(f"raw/quickbooks/{SAMPLE_REALM}/runs/r2.json")


def test_invoices_sharing_no_id_with_the_known_ones_are_refused_unless_meant(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")
    before = stored_keys(books.store)
    folder = sample_copy(tmp_path, "renumbered", renumbered_invoices)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(books.store, run_id="r2", folder=folder)
    assert stored_keys(books.store) == before
    land_sample_run(books.store, run_id="r3", folder=folder, missing_means_empty=True)
    meant = transform_run(books.store, realm_id=SAMPLE_REALM, run_id="r3", graph_id=GRAPH)

    assert str(refused.value) == (
        f"{folder}: Invoice.json: its 37 Invoice records share no Id with the 37 known: "
        "every known Invoice would be marked deleted. Loading it would delete those records "
        "from the graph, as a full sync that lists none of them does. Fix the listing, or "
        "pass --missing-means-empty if the records are meant to be deleted"
    )
    assert (meant.deleted, meant.deleted_inferred) == (37, 37)


def test_the_transform_refuses_a_live_listing_that_deletes_every_known_invoice(
    books: Books, tmp_path: Path
) -> None:
    """Where a live sync decides tombstones: nothing of the run is written."""
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")
    live_run(books, sample_copy(tmp_path, "renumbered", renumbered_invoices), "r2")

    with pytest.raises(QuickBooksDataError) as refused:
        transform_run(books.store, realm_id=SAMPLE_REALM, run_id="r2", graph_id=GRAPH)

    assert str(refused.value) == (
        f"run r2 of realm {SAMPLE_REALM}: the Invoice listing (37 records in "
        f"{PAGE.format(run='r2')}) lists none of the 37 known Invoice records, so all would "
        "be marked deleted. Nothing was transformed. Sync in full again; if QuickBooks "
        "really holds none of them (or, after an empty page, only the records listed), with "
        "--missing-means-empty"
    )
    assert not list(books.store.root.glob(f"processed/{GRAPH}/r2/*"))
    assert not books.store.exists(f"state/quickbooks/{SAMPLE_REALM}/records-r2.parquet")
    assert invoices_and_lines(books) == ([[False, 37]], 121)


def test_a_live_run_that_confirms_the_deletions_transforms_them(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    live_run(books, sample_copy(tmp_path, "renumbered", renumbered_invoices), "r2", confirm=True)

    meant = transform_run(books.store, realm_id=SAMPLE_REALM, run_id="r2", graph_id=GRAPH)

    assert (meant.deleted, meant.deleted_inferred) == (37, 37)
    assert meant.rows["LedgerTransaction"] == 148 + 37  # 37 tombstones beside 37 new Ids


def journal_entry_192(first: str, second_account: str | None = None) -> object:
    """JE 192 (JE-001: 100.00 debit to account 1, credit to 2): line 0 posted ``first``,
    and line 1 to ``second_account`` if given."""

    def edit(records: Records) -> None:
        lines = record(records, "JournalEntry", "192")["Line"]
        lines[0]["JournalEntryLineDetail"]["PostingType"] = first
        if second_account is not None:
            lines[1]["JournalEntryLineDetail"]["AccountRef"]["value"] = second_account

    return edit


def balanced_failures(books: Books, run_id: str) -> list[dict[str, object]]:
    key = f"processed/{GRAPH}/{run_id}/reconciliation.json"
    failures = json.loads(books.store.get_bytes(key))["validation"]["failures"]
    return [f for f in failures if f["check"] == "balanced" and f["qbo_id"] == "192"]


def test_a_journal_line_posted_sideways_is_a_rejected_line_and_unbalances_its_entry(
    books: Books, tmp_path: Path
) -> None:
    summary = books.transform(sample_copy(tmp_path, "je", journal_entry_192("Sideways")), "r1")

    lines = books.reconciliation("r1")["lines"]
    assert lines["rejected"] == {
        'JournalEntry 192: Line[0] PostingType "Sideways" is not Debit or Credit': 1
    }
    assert lines["records_in"] == lines["out"] + lines["informational"] + 1
    assert summary.rows["LineItem"] == 351  # 352 less the sideways line
    ((failure,),) = [balanced_failures(books, "r1")]
    assert (failure["amount"], failure["expected"], failure["rejected_lines"]) == ("0", "100", "1")
    assert failure["detail"] == (
        "debits 0.00 <> credits 100.00, but 1 line rejected: its postings are incomplete"
    )
    books.load("r1")
    assert books.cypher("MATCH (l:LineItem) WHERE l.posting_type = 'sideways' RETURN count(l)") == [
        [0]
    ]


def test_a_journal_entry_whose_lines_are_all_rejected_is_not_called_balanced(
    books: Books, tmp_path: Path
) -> None:
    edit = journal_entry_192("Sideways", second_account="99999")
    books.transform(sample_copy(tmp_path, "je2", edit), "r1")

    assert books.reconciliation("r1")["lines"]["rejected"] == {
        'JournalEntry 192: Line[0] PostingType "Sideways" is not Debit or Credit': 1,
        "JournalEntry 192: Line[1] posts to unknown account 99999": 1,
    }
    ((failure,),) = [balanced_failures(books, "r1")]
    assert failure["detail"] == (
        "debits 0.00 = credits 0.00, but 2 lines rejected: its postings are incomplete"
    )
    assert failure["rejected_lines"] == "2"


def spaced_id_on_invoice_130(records: Records) -> None:
    record(records, "Invoice", "130")["Id"] = " 130 "


def test_an_id_with_spaces_is_rejected_like_a_blank_one_never_a_second_record(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "r1")
    books.load("r1")

    summary = books.transform(sample_copy(tmp_path, "spaced", spaced_id_on_invoice_130), "r2")
    books.load("r2")

    invoices = books.reconciliation("r2")["records"]["Invoice"]
    assert invoices["rejected"] == {
        f'Invoice record 1 of {PAGE.format(run="r2")} (DocNumber "1037"): Id " 130 " is not '
        "a QuickBooks Id (digits only)": 1
    }
    assert (invoices["records_in"], invoices["out"]) == (37, 36)
    assert (summary.deleted, summary.rejected) == (0, 1)
    assert summary.deletions_withheld == [
        "1 Invoice record without a valid Id in the full listing: no known Invoice is "
        "marked deleted for missing from it"
    ]
    assert invoices_and_lines(books) == ([[False, 37]], 121)
    assert books.cypher(
        "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND t.qbo_id STARTS WITH ' ' "
        "RETURN count(t)"
    ) == [[0]]
    assert books.revenue() == Decimal("8732.02")


def test_the_summary_tells_deletions_quickbooks_stated_from_inferred_ones() -> None:
    summary = {
        "run_id": "r3", "realm_id": "1", "graph_id": GRAPH, "status": "loaded",
        "mode": "full", "mode_reason": "bundled sample", "tables": {},
        "rejected": {"total": 0, "reasons": {}}, "deleted": 39, "deleted_stated": 2,
        "deleted_inferred": 37, "rows_present_with_changed_content": 0,
        "validation": {"passed": True, "checks": ["balanced"]},
    }  # fmt: skip

    text = render_summary(summary)

    assert (
        "records marked deleted (is_deleted): 39\n  stated deleted by QuickBooks (CDC): 2\n"
        "  inferred, missing from a full listing: 37\n"
    ) in text


def test_records_superseded_agree_with_the_tables_superseded_column(
    books: Books, tmp_path: Path
) -> None:
    """The tester's case: Invoice 130 older than the version known is not written, so the
    graph node never sees it; the LedgerTransaction column must count it all the same."""

    def older_invoice_130(records: Records) -> None:
        record(records, "Invoice", "130")["SyncToken"] = "2"

    books.transform(sample_copy(tmp_path, "original"), "r1")
    summary = books.transform(sample_copy(tmp_path, "older", older_invoice_130), "r2")
    loaded = books.load("r2")
    reconciliation = books.reconciliation("r2")
    request_load = {"tables": {t: {"present": 0, "superseded": r.get("rows_superseded", 0)}
                               for t, r in loaded.items()}}  # fmt: skip

    request = SummaryRequest(realm_id=SAMPLE_REALM, graph_id=GRAPH, run_id="r2",
                             transform=summary.model_dump(), load=request_load)  # fmt: skip
    tables = table_lines(request, StagingCheck(unbalanced=[], changed_present={}),
                         reconciliation)  # fmt: skip
    superseded = superseded_records(reconciliation, tables)

    assert tables["LedgerTransaction"]["superseded"] == 1
    assert sum(t["superseded"] for t in tables.values()) == 1
    assert superseded == {
        "total": 1,
        "reasons": {
            "Invoice 130: SyncToken 2 updated 2026-05-05T03:13:29-07:00 is older than the "
            "version known (SyncToken 3 updated 2026-05-05T03:13:29-07:00)": 1
        },
    }
