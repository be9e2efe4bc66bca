"""The transform on the real sandbox company: accounts, postings, ids, concepts, manifest."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    REALM,
    REPO,
    Harness,
    _loopback_only,
    edited_sandbox,
    make_harness,
)

from ledgergraph.ids import stable_id
from ledgergraph.ledger_schema import LEDGER_NODE_TABLES, LEDGER_REL_TABLES
from ledgergraph.manifest import SourceUnitManifest, sha256_of
from ledgergraph.quickbooks.transform.outputs import OUTPUT_TABLES, output_schema, output_table
from ledgergraph.quickbooks.transform.runner import CONCEPT_MAP
from tests.fakes.network_guard import loopback_only
from tests.fakes.quickbooks_server import FakeQuickBooks, load_sandbox

RUN = "run-sandbox"
US_GAAP_2023 = (
    REPO / "sample_data/taxonomies/cache/https/xbrl.fasb.org/us-gaap/2023/elts/us-gaap-2023.xsd"
)


@pytest.fixture(scope="module", name="run")
def run_fixture(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """One full sync and transform of the sandbox company, shared by the read-only tests."""
    tmp_path = tmp_path_factory.mktemp("sandbox")
    with loopback_only(), FakeQuickBooks() as fake:
        for harness in make_harness(fake, tmp_path):
            harness.sync(run_id=RUN)
            harness.transform(RUN)
            yield harness


def lines_of(run: Harness, txn_type: str, qbo_id: str) -> list[tuple[str, str, Decimal, str]]:
    """(role, posting_type, amount, account Id) of a transaction's postings, in order."""
    txn_id = stable_id("quickbooks", REALM, txn_type, qbo_id)
    rows = run.rows(RUN, "LineItem", f"transaction_id = '{txn_id}'")
    rows.sort(key=lambda r: r["line_number"])
    return [(r["role"], r["posting_type"], r["amount"], r["account_qbo_id"]) for r in rows]


def test_the_chart_of_accounts_has_the_92_recorded_accounts(run: Harness) -> None:
    accounts = run.rows(RUN, "LedgerAccount")

    real = [a for a in accounts if not a["is_synthetic"]]
    assert len(real) == 92
    assert [a["name"] for a in accounts if a["is_synthetic"]] == [
        "Sales tax payable (derived by ledgergraph)"
    ]
    receivable = next(a for a in accounts if a["qbo_id"] == "84")
    assert receivable["id"] == stable_id("quickbooks", REALM, "Account", "84")
    assert receivable["classification"] == "Asset" and receivable["normal_balance"] == "debit"
    assert receivable["concept"] == "us-gaap:AccountsReceivableNetCurrent"
    assert receivable["current_balance"] == Decimal("4681.52")


def test_sub_accounts_point_at_their_parents(run: Harness) -> None:
    parents = run.rows(RUN, "ACCOUNT_HAS_PARENT")
    accounting = stable_id(
        "quickbooks", REALM, "Account", "69"
    )  # Legal & Professional Fees:Accounting
    legal = stable_id("quickbooks", REALM, "Account", "12")

    assert len(parents) == 30
    assert {"from": accounting, "to": legal} in parents


def test_every_account_maps_to_a_us_gaap_concept_and_revenue_lines_up(run: Harness) -> None:
    accounts = run.rows(RUN, "LedgerAccount")
    maps = {r["from"]: (r["to"], r["rule"]) for r in run.rows(RUN, "ACCOUNT_MAPS_TO_ELEMENT")}

    assert all(a["id"] in maps for a in accounts)
    income = [a for a in accounts if a["account_type"] == "Income"]
    assert len(income) == 20
    assert {maps[a["id"]][0] for a in income} == {"us-gaap:Revenues"}
    checking = next(a for a in accounts if a["name"] == "Checking")
    assert maps[checking["id"]] == (
        "us-gaap:CashAndCashEquivalentsAtCarryingValue", "Bank/*",
    )  # fmt: skip
    elements = {e["id"]: e for e in run.rows(RUN, "Element")}
    assert set(elements) == {to for to, _ in maps.values()}
    assert elements["us-gaap:Revenues"]["balance"] == "credit"


def test_the_concept_map_names_real_us_gaap_elements_with_their_balance_and_period() -> None:
    schema = US_GAAP_2023.read_text(encoding="utf-8")
    con = duckdb.connect()
    rows = con.execute(
        "SELECT DISTINCT concept, balance, period_type FROM read_csv(?, all_varchar = true)",
        [str(CONCEPT_MAP)],
    ).fetchall()
    for concept, balance, period_type in rows:
        name = concept.removeprefix("us-gaap:")
        element = re.search(rf"<xs:element[^>]*name='{name}'[^>]*>", schema)
        assert element, f"{concept} is not in us-gaap 2023"
        assert f"xbrli:balance='{balance}'" in element.group(0), concept
        assert f"xbrli:periodType='{period_type}'" in element.group(0), concept


def test_journal_entry_je_001_debits_100_and_credits_100(run: Harness) -> None:
    assert lines_of(run, "JournalEntry", "192") == [
        ("line", "debit", Decimal(100), "1"),
        ("line", "credit", Decimal(100), "2"),
    ]
    entry = run.rows(RUN, "LedgerTransaction", "qbo_id = '192'")[0]
    assert entry["doc_number"] == "JE-001" and str(entry["txn_date"]) == "2024-05-05"


def test_invoice_1015_posts_its_total_to_receivables_and_its_lines_to_income(
    run: Harness,
) -> None:
    invoice = run.rows(RUN, "LedgerTransaction", "txn_type = 'Invoice' AND qbo_id = '49'")[0]

    assert invoice["doc_number"] == "1015" and invoice["total_amount"] == Decimal("954.75")
    assert lines_of(run, "Invoice", "49") == [
        ("header", "debit", Decimal("954.75"), "84"),
        ("line", "credit", Decimal(300), "82"),
        ("line", "credit", Decimal(250), "52"),
        ("line", "credit", Decimal(275), "48"),
        ("line", "credit", Decimal(180), "48"),
        ("line", "debit", Decimal("50.25"), "86"),  # 5 % discount
    ]


def test_sales_tax_goes_to_the_derived_tax_account(run: Harness) -> None:
    lines = run.rows(RUN, "LineItem", "role = 'tax'")
    invoice_1001 = [r for r in lines if r["amount"] == Decimal("26.82")]

    assert len(lines) == 16  # the 16 invoices with TotalTax > 0
    assert {r["account_qbo_id"] for r in lines} == {"ledgergraph-sales-tax"}
    assert invoice_1001 and invoice_1001[0]["posting_type"] == "credit"


def test_a_deposit_with_cash_back_balances(run: Harness) -> None:
    assert lines_of(run, "Deposit", "121") == [
        ("header", "debit", Decimal("868.15"), "35"),
        ("line", "credit", Decimal("226.75"), "4"),
        ("line", "credit", Decimal("460.4"), "4"),
        ("line", "credit", Decimal(80), "4"),
        ("line", "credit", Decimal(81), "4"),
        ("line", "credit", Decimal(220), "4"),
        ("cashback", "debit", Decimal(200), "36"),
    ]


def test_payments_and_bill_payments_move_money_between_balance_sheet_accounts(
    run: Harness,
) -> None:
    assert lines_of(run, "Payment", "128") == [
        ("header", "debit", Decimal(387), "4"),
        ("header", "credit", Decimal(387), "84"),
    ]
    assert lines_of(run, "BillPayment", "118") == [
        ("header", "debit", Decimal("103.55"), "33"),
        ("header", "credit", Decimal("103.55"), "41"),
    ]
    assert lines_of(run, "Payment", "74") == []  # a zero payment only links credits to charges


def test_bought_inventory_goes_to_the_inventory_asset(run: Harness) -> None:
    postings = lines_of(run, "Bill", "126")

    assert postings == [
        ("header", "credit", Decimal(205), "33"),
        ("line", "debit", Decimal(80), "81"),
        ("line", "debit", Decimal(125), "81"),
    ]


def test_payments_link_to_the_invoices_they_settle(run: Harness) -> None:
    links = run.rows(RUN, "TRANSACTION_LINKS_TO")
    payment = stable_id("quickbooks", REALM, "Payment", "128")
    invoice = stable_id("quickbooks", REALM, "Invoice", "96")

    assert {"from": payment, "to": invoice} in links


def test_bills_link_to_their_payments_by_check_and_by_card(run: Harness) -> None:
    """A Bill names each payment as TxnType BillPaymentCheck, a card payment too: Bill 25's
    payment 118 and Bill 105's payment 117 are PayType CreditCard in the recording."""
    links = {(r["from"], r["to"]) for r in run.rows(RUN, "TRANSACTION_LINKS_TO")}
    bill_to_payment = {
        (stable_id("quickbooks", REALM, "Bill", bill),
         stable_id("quickbooks", REALM, "BillPayment", payment))
        for bill, payment in (("25", "118"), ("105", "117"), ("24", "104"))
    }  # fmt: skip

    assert bill_to_payment <= links
    assert len(links) == 67  # the 57 before these links resolved, and the 10 bills' own


def test_the_files_match_the_schema_and_the_manifest_is_complete(run: Harness) -> None:
    manifest = SourceUnitManifest.model_validate_json(
        run.store.get_bytes(f"processed/{GRAPH}/{RUN}/manifest.json")
    )
    assert manifest.kind == "quickbooks-sync" and manifest.source_unit == RUN
    assert [f.table for f in manifest.tables] == list(OUTPUT_TABLES)
    for entry in manifest.tables:
        path = run.store.path(entry.key)
        table = pq.read_table(path)
        assert table.schema.equals(output_schema(output_table(entry.table)))
        assert table.num_rows == entry.rows
        assert sha256_of(path) == entry.checksum
    rows = {f.table: f.rows for f in manifest.tables}
    assert rows["LedgerTransaction"] == 148 and rows["LineItem"] == 352
    assert rows["Customer"] == 33 and rows["Vendor"] == 35 and rows["Item"] == 23


def test_relationships_only_join_nodes_the_run_wrote(run: Harness) -> None:
    nodes = ("Entity", "Element", *(t.name for t in LEDGER_NODE_TABLES))
    ids = {name: {r["id"] for r in run.rows(RUN, name)} for name in nodes}
    for rel in LEDGER_REL_TABLES:
        for row in run.rows(RUN, rel.name):
            assert row["from"] in ids[rel.from_table], rel.name
            assert row["to"] in ids[rel.to_table], rel.name


def test_raw_records_reconcile_with_the_rows_written(run: Harness) -> None:
    details = json.loads(run.store.get_bytes(f"processed/{GRAPH}/{RUN}/reconciliation.json"))
    records = details["reconciliation"]["records"]
    lines = details["reconciliation"]["lines"]

    assert records["Account"] == {"records_in": 92, "out": 92, "superseded": 0,
                                  "superseded_reasons": {}, "duplicates": 0,
                                  "duplicate_reasons": {}, "informational": 0,
                                  "rejected": {}}  # fmt: skip
    assert sum(c["records_in"] for c in records.values()) == 332  # 331 recorded + CompanyInfo
    assert lines == {"records_in": 249, "out": 176, "superseded": 0,
                     "superseded_reasons": {}, "duplicates": 0, "duplicate_reasons": {},
                     "informational": 73, "rejected": {}}  # fmt: skip
    # 4 Estimates, 2 ReimburseCharges, a StatementCharge, 2 TimeActivities (both of
    # Invoice 106) and 2 SalesReceipts (both of Deposit 62, the recording lacks them): none
    # of them extracted. Bills' links to their payments, typed BillPaymentCheck, resolve
    assert details["reconciliation"]["unresolved_links"] == 11
    assert details["reconciliation"]["unresolved_references"] == []
    assert details["reconciliation"]["references"]["LINE_HAS_ITEM"] == {
        "references": 81, "out": 81, "unresolved": 0
    }  # fmt: skip


def test_the_same_run_transformed_again_gives_the_same_files(run: Harness) -> None:
    keys = [k for k in run.store.list_keys(f"processed/{GRAPH}/{RUN}/") if k.endswith(".parquet")]
    before = {k: sha256_of(run.store.path(k)) for k in keys}
    run.transform(RUN)
    after = {k: sha256_of(run.store.path(k)) for k in before}

    assert after == before


def test_the_sql_id_macro_is_the_python_stable_id(run: Harness) -> None:
    line = run.rows(RUN, "LineItem", "txn_type = 'JournalEntry' AND line_number = 1")[0]
    txn = run.rows(RUN, "LedgerTransaction", f"id = '{line['transaction_id']}'")[0]

    expected = stable_id("quickbooks", REALM, "JournalEntry", txn["qbo_id"], "line", 1)
    assert line["id"] == expected


def test_the_company_is_an_entity_node_with_a_qbo_id(run: Harness) -> None:
    (company,) = run.rows(RUN, "Entity")

    assert company["id"] == f"qbo:{REALM}" and company["cik"] is None
    assert "TEST DATA" in company["name"]
    assert len(run.rows(RUN, "COMPANY_HAS_TRANSACTION")) == 148


def test_transform_files_never_leave_the_processed_prefix(run: Harness, tmp_path: Path) -> None:
    keys = list(run.store.list_keys(f"processed/{GRAPH}/{RUN}/"))
    assert all(
        re.fullmatch(rf"processed/{GRAPH}/{RUN}/[A-Za-z_]+\.(parquet|json)", k) for k in keys
    )


def test_classes_and_departments_become_dimensions_of_the_postings(tmp_path: Path) -> None:
    # TEST DATA: the recorded sandbox has no Class or Department; these two are made up here.
    records = edited_sandbox("JournalEntry", "192", {"DepartmentRef": {"value": "1"}})
    entry = next(j for j in records["JournalEntry"] if j["Id"] == "192")
    entry["Line"][0]["JournalEntryLineDetail"]["ClassRef"] = {"value": "7"}
    dated = {"LastUpdatedTime": "2026-04-01T08:00:00-07:00"}
    records["Class"] = [{"Id": "7", "Name": "Landscaping", "FullyQualifiedName": "Landscaping",
                         "Active": True, "SyncToken": "0", "MetaData": dated}]  # fmt: skip
    records["Department"] = [{"Id": "1", "Name": "North", "FullyQualifiedName": "North",
                              "Active": True, "SyncToken": "0", "MetaData": dated}]  # fmt: skip

    with loopback_only(), FakeQuickBooks(records=records) as fake:
        for harness in make_harness(fake, tmp_path):
            harness.sync(run_id="run-dims")
            harness.transform("run-dims")

    dims = {d["id"]: (d["kind"], d["name"]) for d in harness.rows("run-dims", "LedgerDimension")}
    tagged = harness.rows("run-dims", "LINE_HAS_DIMENSION")
    first = stable_id("quickbooks", REALM, "JournalEntry", "192", "line", 1)
    second = stable_id("quickbooks", REALM, "JournalEntry", "192", "line", 2)
    assert sorted(dims.values()) == [("Class", "Landscaping"), ("Department", "North")]
    assert sorted((r["from"], dims[r["to"]][0]) for r in tagged) == sorted(
        [(first, "Class"), (first, "Department"), (second, "Department")]
    )


def test_the_sandbox_has_no_employee_and_rejects_none(run: Harness) -> None:
    details = json.loads(run.store.get_bytes(f"processed/{GRAPH}/{RUN}/reconciliation.json"))

    assert run.rows(RUN, "Employee") == []
    assert "Employee" not in details["reconciliation"]["records"]  # none recorded, none lost


def test_an_employee_becomes_an_employee_node(tmp_path: Path) -> None:
    # TEST DATA: the recorded sandbox has no Employee; this one is made up here, with the
    # fields of QBO's Employee entity.
    records = load_sandbox()
    records["Employee"] = [{
        "Id": "55", "SyncToken": "2", "DisplayName": "Emily Platt", "EmployeeNumber": "E-7",
        "Active": True, "HiredDate": "2024-03-01", "BillRate": 42.5, "domain": "QBO",
        "MetaData": {"LastUpdatedTime": "2026-04-01T08:00:00-07:00"},
    }]  # fmt: skip

    with loopback_only(), FakeQuickBooks(records=records) as fake:
        for harness in make_harness(fake, tmp_path):
            harness.sync(run_id="run-employee")
            harness.transform("run-employee")

    (employee,) = harness.rows("run-employee", "Employee")
    assert employee["id"] == stable_id("quickbooks", REALM, "Employee", "55")
    assert (employee["display_name"], employee["employee_number"]) == ("Emily Platt", "E-7")
    assert employee["hired_date"] == date(2024, 3, 1) and employee["released_date"] is None
    assert employee["bill_rate"] == Decimal("42.5") and employee["sync_token"] == "2"
    assert employee["is_active"] is True and employee["is_deleted"] is False
