"""``load-sample --source``: a folder that holds no response, or entries that would not load.

A source folder is a full listing: a response that is not read is an entity listed empty,
so a misnamed ``Invoices.json`` loaded the company without invoices and said nothing.
Such a folder is refused before anything lands, naming each entry; a response of an
entity the sync does not extract (the bundled ``Estimate.json``) is named as not loaded.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_quickbooks_versions import sample_copy

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from localrun.quickbooks_recordings import unextracted_responses
from localrun.quickbooks_sample import SAMPLE_COMPANY, land_sample_run
from localrun.template import PROJECT_ROOT

EXPECTED_NAMES = (
    "Account.json, Customer.json, Vendor.json, Employee.json, Item.json, Class.json, "
    "Department.json, JournalEntry.json, Invoice.json, Bill.json, Payment.json, "
    "BillPayment.json, SalesReceipt.json, Purchase.json, Deposit.json, Transfer.json, "
    "CreditMemo.json, VendorCredit.json, RefundReceipt.json"
)


def refusal(store: LocalObjectStore, folder: Path) -> str:
    with pytest.raises(QuickBooksDataError) as raised:
        land_sample_run(store, folder=folder)
    assert not store.root.exists()  # nothing landed
    return str(raised.value)


def test_the_folder_above_the_recordings_is_refused_naming_the_one_to_pass(
    tmp_path: Path,
) -> None:
    parent = PROJECT_ROOT / "sample_data" / "quickbooks"

    assert refusal(LocalObjectStore(tmp_path / "store"), parent) == (
        f"{parent} holds no recorded QuickBooks query response (its folder "
        "sandbox-company-a holds some: pass that one as --source): expected one or more "
        f"of {EXPECTED_NAMES}"
    )


def test_a_folder_of_other_files_only_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "README.md").write_text("recordings go here")

    assert refusal(LocalObjectStore(tmp_path / "store"), folder) == (
        f"{folder} holds no recorded QuickBooks query response: expected one or more of "
        f"{EXPECTED_NAMES}"
    )


def test_misnamed_unknown_and_folder_entries_are_refused_each_by_name(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path, "misnamed")
    (folder / "Invoice.json").rename(folder / "Invoices.json")
    (folder / "Foo.json").write_text('{"note": "not a response"}')
    (folder / "bill.json").write_text((folder / "Bill.json").read_text())
    (folder / "Bill.json").unlink()
    (folder / "Payment.json").unlink()
    (folder / "Payment.json").mkdir()

    assert refusal(LocalObjectStore(tmp_path / "store"), folder) == (
        f"{folder}: Foo.json is not the response of an entity the sync extracts; "
        "Invoices.json holds Invoice records: name it Invoice.json; "
        "Payment.json is a folder, not a recorded response; "
        "bill.json holds Bill records: name it Bill.json. Nothing was loaded: a full "
        "listing without them would load none of their records. Expected names: "
        f"{EXPECTED_NAMES}"
    )


def test_a_near_name_gets_a_suggestion_and_a_dangling_link_is_named(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path, "near")
    (folder / "Vendr.json").write_text("[]")
    (folder / "Item.json").unlink()
    (folder / "Item.json").symlink_to(tmp_path / "gone.json")

    assert refusal(LocalObjectStore(tmp_path / "store"), folder).startswith(
        f"{folder}: Item.json is not a readable file; Vendr.json is not the response of "
        "an entity the sync extracts (did you mean Vendor.json?). Nothing was loaded"
    )


def test_a_response_that_cannot_be_read_as_text_is_named(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path, "binary")
    (folder / "Invoices.json").write_bytes(b"\xff\xfe\x00")

    assert refusal(LocalObjectStore(tmp_path / "store"), folder).startswith(
        f"{folder}: Invoices.json cannot be read as a recorded response ('utf-8' codec "
        "can't decode byte 0xff in position 0: invalid start byte). Nothing was loaded"
    )


def test_the_bundled_estimates_are_named_as_not_loaded(tmp_path: Path) -> None:
    folder = tmp_path / "with-estimates"
    shutil.copytree(SAMPLE_COMPANY, folder)

    assert unextracted_responses(folder) == [
        "Estimate.json (8 Estimate records): the sync does not extract Estimate"
    ]
    assert land_sample_run(LocalObjectStore(tmp_path / "store"), folder=folder)
