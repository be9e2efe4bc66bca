"""Text the transform reads, sent as another JSON type: the record is rejected, naming it.

The transform reads text with ``json_extract_string``, which turns any JSON value into text:
an Account's ``"AccountSubType": {"v": 1}`` was stored as ``{"v":1}``, and the account
silently moved from us-gaap:ProfessionalFees to its AccountType's fallback concept,
us-gaap:OperatingExpenses, with nothing rejected. Text fields are now checked like the
numbers, dates and flags (15_values.sql): a record holding one of another type is rejected
and the graph keeps the version it had.
"""

from __future__ import annotations

import copy
from typing import Any

from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)
from test_quickbooks_versions import record

from tests.fakes.quickbooks_edits import UPDATED_AT
from tests.fakes.quickbooks_server import FakeQuickBooks


def changed_account(fake: FakeQuickBooks, qbo_id: str, **fields: object) -> dict[str, Any]:
    """A copy of the sandbox account ``qbo_id`` saved once more, with ``fields`` set."""
    account = copy.deepcopy(record(fake.records, "Account", qbo_id))
    account.update(SyncToken="1", MetaData=UPDATED_AT, **fields)
    return account


def test_accounts_whose_type_is_not_text_are_rejected_and_keep_their_concept(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """Accounting (69, Expense/LegalProfessionalFees) and Advertising (7) changed by CDC."""
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    fake.cdc_changes = {
        "Account": [
            changed_account(fake, "69", AccountSubType={"v": 1}),
            changed_account(fake, "7", AccountType=7),
        ]
    }
    harness.sync(run_id="run-2")

    summary = harness.transform("run-2")

    accounts = harness.reconciliation("run-2")["records"]["Account"]
    assert accounts["rejected"] == {
        'Account 69: AccountSubType {"v":1} is not text (a JSON string)': 1,
        "Account 7: AccountType 7 is not text (a JSON string)": 1,
    }
    assert (accounts["records_in"], accounts["out"], summary.rejected) == (2, 0, 2)
    assert harness.rows("run-2", "ACCOUNT_MAPS_TO_ELEMENT") == []
    # the graph keeps run 1's mapping of Accounting
    (accounting,) = harness.rows("run-1", "LedgerAccount", "name = 'Accounting'")
    (mapped,) = harness.rows("run-1", "ACCOUNT_MAPS_TO_ELEMENT", f"\"from\" = '{accounting['id']}'")
    assert (mapped["to"], mapped["rule"]) == (
        "us-gaap:ProfessionalFees",
        "Expense/LegalProfessionalFees",
    )


def test_text_of_another_type_on_a_transaction_or_its_line_rejects_it(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """Invoice 1037 (Id 130) with DocNumber the number 1037, Invoice 1036 (129) with its
    first line's Description an object, Purchase 143 whose EntityRef type (Vendor) is a number."""
    record(fake.records, "Invoice", "130")["DocNumber"] = 1037
    record(fake.records, "Invoice", "129")["Line"][0]["Description"] = {"text": "Sod"}
    record(fake.records, "Purchase", "143")["EntityRef"]["type"] = 1
    harness.sync(run_id="run-1")

    summary = harness.transform("run-1")

    records = harness.reconciliation("run-1")["records"]
    assert records["Invoice"]["rejected"] == {
        "Invoice 130: DocNumber 1037 is not text (a JSON string)": 1,
        'Invoice 129: Line[0].Description {"text":"Sod"} is not text (a JSON string)': 1,
    }
    assert records["Purchase"]["rejected"] == {
        "Purchase 143: EntityRef.type 1 is not text (a JSON string)": 1
    }
    counts = {e: (records[e]["records_in"], records[e]["out"]) for e in ("Invoice", "Purchase")}
    assert counts == {"Invoice": (37, 35), "Purchase": (35, 34)}
    assert (summary.rejected, summary.rows["LedgerTransaction"]) == (3, 145)  # of 148
