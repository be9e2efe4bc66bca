"""The bundled sandbox company lands as a sync run through the real extract code, offline."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.run_report import explain_rows
from ledgergraph.quickbooks.runs import SyncRun, run_manifest_key
from ledgergraph.quickbooks.transform.service import transform_run
from localrun.quickbooks_sample import (
    SAMPLE_COMPANY,
    SAMPLE_LABEL,
    SAMPLE_REALM,
    RecordedCompany,
    land_sample_run,
)


def test_the_sample_lands_like_a_full_sync_and_says_what_it_is(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")

    run_id = land_sample_run(store)

    run = SyncRun.model_validate_json(store.get_bytes(run_manifest_key(SAMPLE_REALM, run_id)))
    assert run_id.startswith("qbo-sample-") and run.mode == "full"
    assert run.mode_reason == SAMPLE_LABEL
    records = run.records_by_entity()
    assert (records["Account"], records["Invoice"], records["JournalEntry"]) == (92, 37, 13)
    assert records["Employee"] == 0 and "Estimate" not in records  # not modelled, not asked
    assert [p.entity for p in run.pages if p.kind == "report"] == [
        "ProfitAndLoss", "BalanceSheet", "TrialBalance",
    ]  # fmt: skip


def test_the_sample_transforms_with_its_genuine_failures_and_no_report_checks(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    run_id = land_sample_run(store)

    summary = transform_run(store, realm_id=SAMPLE_REALM, run_id=run_id, graph_id="sample")

    assert summary.rows["LedgerAccount"] == 93 and summary.rows["LineItem"] == 352
    assert summary.failed_checks == ["account_balances", "balanced", "trial_balance"]


def test_the_recorded_company_pages_like_qbo_does() -> None:
    company = RecordedCompany()
    company.settings = company.settings.model_copy(update={"page_size": 40})

    pages = list(company.query_pages("Account", where="Active IN (true, false)"))

    assert [p.records for p in pages] == [40, 40, 12]
    assert company.company_info()["CompanyInfo"]["CompanyName"].endswith("(bundled sample)")


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("[]",
         'the file is an empty list, expected an object like '
         '{"QueryResponse": {"Customer": [...]}}'),
        ("{}",
         'the file has no QueryResponse (its keys: none), expected an object like '
         '{"QueryResponse": {"Customer": [...]}}'),
        ('{"QueryResponse": {"Vendor": [{"Id": "1"}], "maxResults": 1}}',
         'QueryResponse holds Vendor (a list of 1 object), not only Customer: expected an '
         'object like {"QueryResponse": {"Customer": [...]}}'),
        ('{"QueryResponse": {"Customer": "oops"}}',
         'QueryResponse.Customer is a string ("oops"), expected a list of Customer objects'),
        ('{"QueryResponse": {"Customer": [{"Id": "1"}, 7]}}',
         "QueryResponse.Customer is a list holding int 7, expected a list of Customer objects"),
    ],
)  # fmt: skip
def test_a_recording_of_the_wrong_shape_is_named_with_its_file_and_entity(
    tmp_path: Path, body: str, problem: str
) -> None:
    folder = tmp_path / "recordings"
    shutil.copytree(SAMPLE_COMPANY, folder)
    (folder / "Customer.json").write_text(body)
    store = LocalObjectStore(tmp_path / "store")

    with pytest.raises(QuickBooksDataError) as raised:
        land_sample_run(store, folder=folder)

    assert (
        str(raised.value) == f"recorded Customer records in {folder / 'Customer.json'}: {problem}"
    )


def test_the_summary_says_where_rows_beyond_the_sample_records_come_from(
    tmp_path: Path,
) -> None:
    """93 LedgerAccount rows for 92 accounts, 352 LineItem rows for 249 Line entries."""
    store = LocalObjectStore(tmp_path / "store")
    run_id = land_sample_run(store)
    transform_run(store, realm_id=SAMPLE_REALM, run_id=run_id, graph_id="sample")

    details = json.loads(store.get_bytes(f"processed/sample/{run_id}/reconciliation.json"))

    assert explain_rows(details["table_rows"]) == [
        "LedgerAccount: 92 Account records + 1 derived (sales tax account (not in QuickBooks' "
        "API) 1) = 93 rows + 0 not written",
        "LineItem: 249 QuickBooks Line entries + 176 derived (cash back postings 1, header "
        "postings (receivable, payable or bank side) 159, sales tax postings 16) = 352 rows + "
        "73 not written (informational lines (subtotals, descriptions, applied payments) 73)",
    ]
