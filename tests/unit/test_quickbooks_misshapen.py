"""Records whose structure is not what QuickBooks sends: rejected one by one, not the run.

``"Line": "x"`` once stopped TransformRun in 50_transactions.sql (``Conversion Error:
Expected ARRAY``), and a string ``"CustomerRef": "1"`` lost its relationship without a
word; so did a line's ``ItemRef`` that was a string or had no ``value`` (the line loaded
pointing at no item). The transform rejects such a record naming the field and the line
(15_values.sql) and the run goes on; ``load-sample --source`` refuses such a recording
before anything lands.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)
from test_quickbooks_versions import Records, record, sample_copy

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from localrun.quickbooks_sample import land_sample_run
from tests.fakes.quickbooks_server import FakeQuickBooks


def misshapen(records: Records) -> None:
    """Invoice 1037 (Id 130) with Line "x", 1042 (155) with a null line, 1036 (129) with a
    string CustomerRef."""
    record(records, "Invoice", "130")["Line"] = "x"
    record(records, "Invoice", "155")["Line"][0] = None
    record(records, "Invoice", "129")["CustomerRef"] = "1"


def test_misshapen_records_are_rejected_and_the_run_goes_on(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    misshapen(fake.records)
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    details = harness.store.get_bytes(f"processed/{GRAPH}/run-1/reconciliation.json")
    reconciliation = json.loads(details)["reconciliation"]
    assert reconciliation["records"]["Invoice"]["rejected"] == {
        'Invoice 129: CustomerRef "1" is not a reference': 1,
        'Invoice 130: Line "x" is not a list of lines': 1,
        "Invoice 155: Line[0] null is not a line (an object)": 1,
    }
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (3, 145)
    customers = reconciliation["references"]["TRANSACTION_HAS_CUSTOMER"]
    assert customers == {"references": 59, "out": 59, "unresolved": 0}  # 62 less the 3


def test_load_sample_refuses_a_misshapen_recording_before_anything_lands(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    folder = sample_copy(tmp_path, "misshapen", misshapen)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(store, folder=folder)

    assert str(refused.value) == (
        f"recorded Invoice records in {folder / 'Invoice.json'} are not shaped as QuickBooks "
        'sends them (counted from 1): record 1 (Id "130"): Line is a string, not a list of '
        'lines; record 3 (Id "155"): Line[0] is null, not a line (an object); record 10 '
        '(Id "129"): CustomerRef is a string, not a reference (an object)'
    )
    assert not store.root.exists()


def misshapen_references(records: Records) -> None:
    """Real invoices with a reference broken: 1037 (Id 130) with its Pump line's ItemRef the
    string "11", 1015 (49) with its Rock Fountain line's ItemRef without its value, 1042
    (155) with its line's SalesItemLineDetail a string, 1036 (129) with a CustomerRef
    without its value."""
    pump = record(records, "Invoice", "130")["Line"][1]["SalesItemLineDetail"]
    pump["ItemRef"] = pump["ItemRef"]["value"]
    fountain = record(records, "Invoice", "49")["Line"][2]["SalesItemLineDetail"]
    del fountain["ItemRef"]["value"]
    line = record(records, "Invoice", "155")["Line"][0]
    line["SalesItemLineDetail"] = line["SalesItemLineDetail"]["ItemRef"]["name"]
    del record(records, "Invoice", "129")["CustomerRef"]["value"]


def test_references_without_a_target_reject_their_record_naming_the_line(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    misshapen_references(fake.records)
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    details = harness.store.get_bytes(f"processed/{GRAPH}/run-1/reconciliation.json")
    reconciliation = json.loads(details)["reconciliation"]
    invoices = reconciliation["records"]["Invoice"]
    assert invoices["rejected"] == {
        'Invoice 130: Line[1].SalesItemLineDetail.ItemRef "11" is not a reference': 1,
        'Invoice 49: Line[2].SalesItemLineDetail.ItemRef {"name":"Rock Fountain"} is a '
        "reference without a value (an Id as text)": 1,
        'Invoice 155: Line[0].SalesItemLineDetail "Test Item Updated" is not a line detail '
        "(an object)": 1,
        'Invoice 129: CustomerRef {"name":"0969 Example Road"} is a reference without a value '
        "(an Id as text)": 1,
    }
    assert (invoices["records_in"], invoices["out"]) == (37, 33)
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (4, 144)  # of 148
    # the rejected invoices' lines are not offered: 249 lines less their 18
    lines = reconciliation["lines"]
    assert (lines["records_in"], lines["out"], lines["informational"]) == (231, 162, 69)
    assert lines["rejected"] == {}
    references = reconciliation["references"]
    # 81 item lines less the 13 of the four invoices; 62 customers less the 4
    assert references["LINE_HAS_ITEM"] == {"references": 68, "out": 68, "unresolved": 0}
    assert references["TRANSACTION_HAS_CUSTOMER"] == {"references": 58, "out": 58,
                                                      "unresolved": 0}  # fmt: skip


def test_load_sample_refuses_a_recording_with_references_without_a_target(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    folder = sample_copy(tmp_path, "references", misshapen_references)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(store, folder=folder)

    assert str(refused.value) == (
        f"recorded Invoice records in {folder / 'Invoice.json'} are not shaped as QuickBooks "
        'sends them (counted from 1): record 1 (Id "130"): Line[1].SalesItemLineDetail.ItemRef '
        'is a string, not a reference (an object); record 3 (Id "155"): '
        "Line[0].SalesItemLineDetail is a string, not a line detail (an object); record 10 "
        '(Id "129"): CustomerRef is a reference without a value (an Id as text); and 1 more'
    )
    assert not store.root.exists()


@pytest.mark.parametrize("kind", ["", 'Sales"ItemLineDetail'])
def test_a_line_kind_no_path_can_be_built_of_rejects_its_record_not_the_run(
    harness: Harness, fake: FakeQuickBooks, kind: str
) -> None:
    """Invoice 1037 (Id 130) with its Rock Fountain line's DetailType broken: the transform
    builds JSON paths of it, and these stopped the run (``JSON path error near '."".Qty'``)."""
    record(fake.records, "Invoice", "130")["Line"][0]["DetailType"] = kind
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    details = harness.store.get_bytes(f"processed/{GRAPH}/run-1/reconciliation.json")
    invoices = json.loads(details)["reconciliation"]["records"]["Invoice"]
    assert invoices["rejected"] == {
        f"Invoice 130: Line[0].DetailType {json.dumps(kind)} is not a line kind (a name of "
        "letters)": 1
    }
    assert (invoices["records_in"], invoices["out"]) == (37, 36)
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (1, 147)


def misshapen_payment_accounts(records: Records) -> None:
    """The accounts a real bill payment is paid from, a deposit's cash back goes to, broken:
    BillPayment 118's CCAccountRef without its value, 104's BankAccountRef the string "35",
    91's CheckPayment a string, Deposit 121's CashBack.AccountRef without its value."""
    del record(records, "BillPayment", "118")["CreditCardPayment"]["CCAccountRef"]["value"]
    record(records, "BillPayment", "104")["CheckPayment"]["BankAccountRef"] = "35"
    record(records, "BillPayment", "91")["CheckPayment"] = "x"
    del record(records, "Deposit", "121")["CashBack"]["AccountRef"]["value"]


def test_references_in_payment_and_cash_back_details_reject_their_record(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """They were followed without a check: each record was kept with its bank or cash back
    posting rejected (``header posting has no account``), its postings incomplete."""
    misshapen_payment_accounts(fake.records)
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    assert harness.rejected("run-1") == {
        "BillPayment": {
            'BillPayment 118: CreditCardPayment.CCAccountRef {"name":"Mastercard"} is a '
            "reference without a value (an Id as text)": 1,
            'BillPayment 104: CheckPayment.BankAccountRef "35" is not a reference': 1,
            'BillPayment 91: CheckPayment "x" is not a payment detail (an object)': 1,
        },
        "Deposit": {
            'Deposit 121: CashBack.AccountRef {"name":"Savings"} is a reference without a '
            "value (an Id as text)": 1
        },
    }
    counts = harness.record_counts("run-1")
    assert (counts["BillPayment"], counts["Deposit"]) == ((10, 7, 3), (13, 12, 1))
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (4, 144)  # of 148
    assert harness.reconciliation("run-1")["rejected_postings"] == []


def test_load_sample_refuses_a_recording_with_payment_accounts_without_a_target(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    folder = sample_copy(tmp_path, "payment-accounts", misshapen_payment_accounts)

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(store, folder=folder)

    assert str(refused.value) == (
        f"recorded BillPayment records in {folder / 'BillPayment.json'} are not shaped as "
        'QuickBooks sends them (counted from 1): record 1 (Id "118"): '
        "CreditCardPayment.CCAccountRef is a reference without a value (an Id as text); "
        'record 3 (Id "104"): CheckPayment.BankAccountRef is a string, not a reference (an '
        'object); record 4 (Id "91"): CheckPayment is a string, not a payment detail (an '
        "object)"
    )
    assert not store.root.exists()


def test_a_line_id_that_is_not_text_rejects_its_record_naming_the_line(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """Invoice 1037 (Id 130) with its Rock Fountain line's Id the number 1, 1015 (49) with
    its first line's Id an object: both were loaded, the Id read as "1" and '{"x":1}'."""
    record(fake.records, "Invoice", "130")["Line"][0]["Id"] = 1
    record(fake.records, "Invoice", "49")["Line"][0]["Id"] = {"x": 1}
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    assert harness.rejected("run-1") == {"Invoice": {
        "Invoice 130: Line[0].Id 1 is not text (a JSON string)": 1,
        'Invoice 49: Line[0].Id {"x":1} is not text (a JSON string)': 1,
    }}  # fmt: skip
    assert harness.record_counts("run-1")["Invoice"] == (37, 35, 2)
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (2, 146)


def test_a_line_id_of_text_not_digits_is_kept_and_quoted_in_a_reason(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """A line Id is no key (lines are numbered by position), so text of other than digits
    is kept, as QuickBooks' own line Ids are text; a reason naming the line quotes it, as
    it quotes such a record Id. Invoice 1037 (Id 130)'s Rock Fountain line, Id "a 1", sold
    an item the books do not hold (99999)."""
    line = record(fake.records, "Invoice", "130")["Line"][0]
    line["Id"] = "a 1"
    line["SalesItemLineDetail"]["ItemRef"]["value"] = "99999"
    harness.sync(run_id="run-1")

    harness.transform("run-1")

    assert harness.rejected("run-1") == {}
    assert harness.reconciliation("run-1")["unresolved_references"] == [{
        "record_type": "Invoice", "qbo_id": "130", "ref": 'Line "a 1" ItemRef',
        "target_type": "Item", "target_id": "99999",
        "reason": "no Item 99999 among the synced records",
    }]  # fmt: skip
    (posted,) = harness.rows("run-1", "LineItem", "source_line_id = 'a 1'")
    assert (posted["description"], posted["amount"]) == ("Rock Fountain", 275)
