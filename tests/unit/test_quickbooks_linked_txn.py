"""``LinkedTxn`` lists not shaped as QuickBooks sends them: their record is rejected alone.

The transform unnests a transaction's ``LinkedTxn`` (and each line's) as a list to write
TRANSACTION_LINKS_TO. One CDC Invoice with ``"LinkedTxn": "x"`` once stopped TransformRun
(``90_graph_rels.sql failed ... Conversion Error: Expected ARRAY, but got VARCHAR``), and
every later sync of the company failed the same way. The transform now rejects such a
record naming the field and the line (15_values.sql), and ``load-sample --source`` refuses
such a recording before anything lands.

Every case is a record of the recorded sandbox company broken in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)
from test_quickbooks_cdc_shape import Body, part, sync_with_cdc_body
from test_quickbooks_versions import Records, record, sample_copy

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from localrun.quickbooks_sample import land_sample_run
from tests.fakes.quickbooks_server import FakeQuickBooks


def misshapen_links(records: Records) -> None:
    """Invoice 1037 (Id 130) with LinkedTxn "x", Payment 128 with its line's LinkedTxn "x",
    Deposit 121 with its first line's link an object instead of a list of one."""
    record(records, "Invoice", "130")["LinkedTxn"] = "x"
    record(records, "Payment", "128")["Line"][0]["LinkedTxn"] = "x"
    line = record(records, "Deposit", "121")["Line"][0]
    line["LinkedTxn"] = line["LinkedTxn"][0]


def test_links_not_in_a_list_reject_their_record_and_the_run_goes_on(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    misshapen_links(fake.records)
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    records = harness.reconciliation("run-1")["records"]
    rejected = {e: records[e]["rejected"] for e in ("Invoice", "Payment", "Deposit")}
    assert rejected == {
        "Invoice": {'Invoice 130: LinkedTxn "x" is not a list of linked transactions': 1},
        "Payment": {'Payment 128: Line[0].LinkedTxn "x" is not a list of linked transactions': 1},
        "Deposit": {
            'Deposit 121: Line[0].LinkedTxn {"TxnId":"97","TxnType":"Payment","TxnLineId":"0"} '
            "is not a list of linked transactions": 1
        },
    }
    counts = {e: (records[e]["records_in"], records[e]["out"]) for e in rejected}
    assert counts == {"Invoice": (37, 36), "Payment": (16, 15), "Deposit": (13, 12)}
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (3, 145)  # of 148
    # 57 links in the whole sandbox: the three records' own 7 and 5 to them. The 6 links
    # to the rejected records (Invoice 96's to Payment 128, five Payments' to Deposit 121)
    # are counted apart; 18 of the sandbox's 19 unresolved links are left (Invoice 130's
    # to its Estimate went with it)
    assert summary.rows["TRANSACTION_LINKS_TO"] == 45
    links = harness.reconciliation("run-1")
    assert (links["unresolved_links"], links["links_to_rejected"]) == (18, 6)


def only_deposit_links(records: Records) -> None:
    line = record(records, "Deposit", "121")["Line"][0]
    line["LinkedTxn"] = line["LinkedTxn"][0]


@pytest.mark.parametrize(
    ("edit", "entity", "problem"),
    [
        (misshapen_links, "Invoice",
         'record 1 (Id "130"): LinkedTxn is a string, not a list of linked transactions'),
        (only_deposit_links, "Deposit",
         'record 9 (Id "121"): Line[0].LinkedTxn is an object, not a list of linked '
         "transactions"),
    ],
)  # fmt: skip
def test_load_sample_refuses_a_recording_with_links_not_in_a_list(
    tmp_path: Path, edit: Callable[[Records], None], entity: str, problem: str
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    folder = sample_copy(tmp_path, "links", edit)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(store, folder=folder)

    assert str(refused.value) == (
        f"recorded {entity} records in {folder / f'{entity}.json'} are not shaped as "
        f"QuickBooks sends them (counted from 1): {problem}"
    )
    assert not store.root.exists()


def test_a_cdc_invoice_with_links_not_in_a_list_is_rejected_and_later_syncs_go_on(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """The tester's case: the CDC change of Invoice 1015 (Id 49) with "LinkedTxn": "x"."""

    def break_links(body: Body) -> None:
        part(body, "Invoice")["Invoice"][0]["LinkedTxn"] = "x"

    sync_with_cdc_body(harness, fake, break_links)

    harness.transform("run-2")
    harness.sync(run_id="run-3")  # the fake answers the same changes, unbroken
    harness.transform("run-3")

    invoices = [harness.reconciliation(run)["records"]["Invoice"] for run in ("run-2", "run-3")]
    assert [(i["records_in"], i["out"], i["rejected"]) for i in invoices] == [
        (1, 0, {'Invoice 49: LinkedTxn "x" is not a list of linked transactions': 1}),
        (1, 1, {}),
    ]
    (invoice,) = harness.rows("run-3", "LedgerTransaction")
    assert (invoice["doc_number"], invoice["total_amount"]) == ("1015", Decimal("802.75"))


def links_naming_no_transaction(records: Records) -> None:
    """Payment 128's link to Invoice 96 as the bare Id "96"; Invoice 1037 (Id 130) with its
    header link to Estimate 100 without a TxnId; Deposit 121 with its first line's link
    to Payment 97 with an empty TxnId."""
    record(records, "Payment", "128")["Line"][0]["LinkedTxn"] = ["96"]
    record(records, "Invoice", "130")["LinkedTxn"] = [{"TxnType": "Estimate"}]
    record(records, "Deposit", "121")["Line"][0]["LinkedTxn"][0]["TxnId"] = ""


def test_links_that_name_no_transaction_reject_their_record_not_count_as_unresolved(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """Such a link once loaded as an ``unresolved_links`` entry, the count of links to
    transactions the sync does not extract, and TRANSACTION_LINKS_TO was gone."""
    links_naming_no_transaction(fake.records)
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    details = harness.reconciliation("run-1")
    records = details["records"]
    rejected = {e: records[e]["rejected"] for e in ("Invoice", "Payment", "Deposit")}
    words = "is not a link to a transaction (an object with a TxnType and a TxnId of digits)"
    assert rejected == {
        "Invoice": {f'Invoice 130: LinkedTxn[0] {{"TxnType":"Estimate"}} {words}': 1},
        "Payment": {f'Payment 128: Line[0].LinkedTxn[0] "96" {words}': 1},
        "Deposit": {
            f'Deposit 121: Line[0].LinkedTxn[0] {{"TxnId":"","TxnType":"Payment",'
            f'"TxnLineId":"0"}} {words}': 1
        },
    }
    counts = {e: (records[e]["records_in"], records[e]["out"]) for e in rejected}
    assert counts == {"Invoice": (37, 36), "Payment": (16, 15), "Deposit": (13, 12)}
    # the same three records rejected as in the first test: the same links left
    assert (summary.rejected, summary.rows["TRANSACTION_LINKS_TO"]) == (3, 45)
    # as there: none of the broken links, and the 6 to the rejected records apart
    assert (details["unresolved_links"], details["links_to_rejected"]) == (18, 6)


def test_load_sample_refuses_a_link_that_names_no_transaction(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    folder = sample_copy(tmp_path, "links", links_naming_no_transaction)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(store, folder=folder)

    assert str(refused.value) == (
        f"recorded Invoice records in {folder / 'Invoice.json'} are not shaped as QuickBooks "
        'sends them (counted from 1): record 1 (Id "130"): LinkedTxn[0] {"TxnType": '
        '"Estimate"} is not a link to a transaction (an object with a TxnType and a TxnId '
        "of digits)"
    )
    assert not store.root.exists()


def test_links_to_a_transaction_rejected_in_the_run_are_counted_apart(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """Invoice 1034 (Id 96) with TotalAmt "abc": Payment 128 settles it. The link was
    counted among the links to transactions the sync does not extract (20 where the
    sandbox has 19); the sync extracts invoices, and this one is named among the rejected."""
    record(fake.records, "Invoice", "96")["TotalAmt"] = "abc"
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    assert harness.rejected("run-1") == {
        "Invoice": {'Invoice 96: TotalAmt "abc" is not a number': 1}
    }
    assert harness.record_counts("run-1")["Invoice"] == (37, 36, 1)
    links = harness.reconciliation("run-1")
    assert (links["unresolved_links"], links["links_to_rejected"]) == (19, 1)
    # 57 less Payment 128's link to Invoice 96 and Invoice 96's own to Payment 128
    assert summary.rows["TRANSACTION_LINKS_TO"] == 55
