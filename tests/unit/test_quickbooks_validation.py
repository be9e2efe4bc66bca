"""Validation of the transformed ledger: balance, trial balance, currency, reports."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    REALM,
    Harness,
    _loopback_only,
    edited_sandbox,
    fake_fixture,
    harness_fixture,
    make_harness,
)

from ledgergraph.ids import stable_id
from ledgergraph.quickbooks.reports import walk_report
from ledgergraph.quickbooks.validation import ValidationReport, validate_ledger
from tests.fakes.quickbooks_server import SAMPLE, FakeQuickBooks

RUN = "run-1"


def transformed(harness: Harness) -> duckdb.DuckDBPyConnection:
    """Sync and transform, then load the run's ledger tables into a fresh DuckDB."""
    harness.sync(run_id=RUN)
    harness.transform(RUN)
    con = duckdb.connect()
    for table in ("LineItem", "LedgerTransaction", "LedgerAccount"):
        path = harness.store.path(f"processed/{GRAPH}/{RUN}/{table}.parquet")
        con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM read_parquet(?)', [str(path)])
    return con


def failures(report: ValidationReport, check: str) -> list[dict[str, Any]]:
    return [f.model_dump(exclude_none=True) for f in report.failures if f.check == check]


def test_the_sandbox_has_one_unbalanced_invoice_and_validation_names_it(
    harness: Harness,
) -> None:
    report = validate_ledger(transformed(harness))

    # Invoice 1013 bills a StatementCharge whose lines the API does not return: only its
    # sales tax has a line, so the receivable (81.00) has 6.00 of credits against it.
    assert failures(report, "balanced") == [{
        "check": "balanced", "transaction_id": stable_id("quickbooks", REALM, "Invoice", "42"),
        "txn_type": "Invoice", "qbo_id": "42", "doc_number": "1013", "amount": "81",
        "expected": "6", "detail": "debits 81.00 <> credits 6.00",
    }]  # fmt: skip
    assert report.trial_balance_total == "75"
    assert failures(report, "trial_balance")[0]["amount"] == "75"


def test_an_edited_journal_entry_that_does_not_balance_is_named(
    tmp_path: Path,
) -> None:
    entry = next(j for j in edited_sandbox("JournalEntry", "192", {})["JournalEntry"]
                 if j["Id"] == "192")  # fmt: skip
    lines = json.loads(json.dumps(entry["Line"]))
    lines[1]["Amount"] = 90
    records = edited_sandbox("JournalEntry", "192", {"Line": lines})

    with FakeQuickBooks(records=records) as fake:
        for harness in make_harness(fake, tmp_path):
            report = validate_ledger(transformed(harness))

    named = [f for f in failures(report, "balanced") if f["txn_type"] == "JournalEntry"]
    entry_id = stable_id("quickbooks", REALM, "JournalEntry", "192")
    assert named == [{
        "check": "balanced", "transaction_id": entry_id,
        "txn_type": "JournalEntry", "qbo_id": "192", "doc_number": "JE-001", "amount": "100",
        "expected": "90", "detail": "debits 100.00 <> credits 90.00",
    }]  # fmt: skip
    assert report.trial_balance_total == "85"  # invoice 1013's 75 plus this entry's 10


def test_a_transaction_balanced_only_at_the_cent_names_its_own_amounts_in_full(
    tmp_path: Path,
) -> None:
    """JE-001 (Id 192) with its credit line at 100.001: its home amounts, rounded to the
    cent, balance; its own do not, and the failure says so instead of ``100.00 = 100.00``."""
    entry = next(j for j in edited_sandbox("JournalEntry", "192", {})["JournalEntry"]
                 if j["Id"] == "192")  # fmt: skip
    lines = json.loads(json.dumps(entry["Line"]))
    lines[1]["Amount"] = "100.001"
    records = edited_sandbox("JournalEntry", "192", {"Line": lines})

    with FakeQuickBooks(records=records) as fake:
        for harness in make_harness(fake, tmp_path):
            report = validate_ledger(transformed(harness))

    (named,) = [f for f in failures(report, "balanced") if f["txn_type"] == "JournalEntry"]
    assert named["detail"] == (
        "debits 100.00 = credits 100.00 in the home currency, but debits 100.00 <> credits "
        "100.001 in its own"
    )


def test_foreign_currency_amounts_are_converted_to_the_cent(tmp_path: Path) -> None:
    records = edited_sandbox(
        "Invoice", "49", {"CurrencyRef": {"value": "CAD"}, "ExchangeRate": 0.75}
    )
    with FakeQuickBooks(records=records) as fake:
        for harness in make_harness(fake, tmp_path):
            con = transformed(harness)

    invoice_id = stable_id("quickbooks", REALM, "Invoice", "49")
    rows = con.execute(
        "SELECT role, amount, amount_home, currency, home_currency FROM LineItem "
        "WHERE transaction_id = ? ORDER BY line_number", [invoice_id],
    ).fetchall()  # fmt: skip
    assert rows[0] == ("header", Decimal("954.75"), Decimal("716.06"), "CAD", "USD")
    assert rows[-1][:3] == ("line", Decimal("50.25"), Decimal("37.69"))  # the discount
    report = validate_ledger(con)
    assert failures(report, "currency") == []
    assert invoice_id not in {f.transaction_id for f in report.failures}

    con.execute("UPDATE LineItem SET amount_home = 716.10 WHERE transaction_id = ? "
                "AND role = 'header'", [invoice_id])  # fmt: skip
    (named,) = failures(validate_ledger(con), "currency")
    assert named["transaction_id"] == invoice_id and named["account"] == "84"
    assert named["amount"] == "716.1" and named["expected"] == "716.06"


def test_account_balances_are_compared_with_quickbooks_current_balance(
    harness: Harness,
) -> None:
    report = validate_ledger(transformed(harness))

    named = {
        f["account"]: (f["amount"], f["expected"]) for f in failures(report, "account_balances")
    }
    # Savings, Mastercard, Loan and Notes Payable, the truck's cost agree with QuickBooks;
    # accounts touched by documents missing from the recording (sales receipts, statement
    # charges, inventory cost of sales) do not.
    assert not {"36", "38", "41", "43", "44"} & set(named)
    assert named["35"] == ("1602.9", "2101")
    assert named["81"] == ("433.75", "596.25")


def test_the_recorded_balance_sheet_is_walked_with_its_own_totals() -> None:
    sheet = walk_report(json.loads((SAMPLE / "reports" / "BalanceSheet.json").read_text()))

    totals = sheet.totals()
    assert (sheet.name, sheet.start, sheet.end, sheet.basis) == (
        "BalanceSheet", "2019-01-01", "2019-02-01", "Accrual",
    )  # fmt: skip
    assert totals["TotalAssets"] == totals["TotalLiabilitiesAndEquity"] == Decimal("23436.29")
    assert totals["Equity"] == Decimal("-7695.04")
    net_income = next(r for r in sheet.rows if r.group == "NetIncome")
    assert net_income.amount == Decimal("-34.00") and net_income.account_qbo_id is None
    savings = next(r for r in sheet.rows if r.account_qbo_id == "36")
    assert savings.path == ("ASSETS", "Current Assets", "Bank Accounts")


def test_a_report_of_another_company_and_year_does_not_reconcile_and_says_where(
    harness: Harness,
) -> None:
    sheet = walk_report(json.loads((SAMPLE / "reports" / "BalanceSheet.json").read_text()))
    report = validate_ledger(transformed(harness), reports=[sheet])

    named = {f["account"]: f for f in failures(report, "report:BalanceSheet")}
    assert "section total differs from its rows" not in {f["detail"] for f in named.values()}
    assert named["36"]["expected"] == "800" and named["36"]["amount"] == "0"
    assert named["36"]["detail"] == "Savings: ledger differs from the report"
    assert "2" not in named  # Retained Earnings: QuickBooks closes income into it implicitly


def report_body(name: str, rows: list[tuple[str, str, list[str]]], *, debit_credit: bool) -> dict:
    """A QBO-shaped report built by a test (TEST DATA, not a recording)."""
    money = ["Debit", "Credit"] if debit_credit else ["Total"]
    columns = [{"ColTitle": "", "ColType": "Account"}]
    for title in money:
        key = [{"Name": "ColKey", "Value": title.lower()}]
        columns.append({"ColTitle": title, "ColType": "Money", "MetaData": key})
    data = []
    for qbo_id, label, values in rows:
        cells = [{"value": label, "id": qbo_id}, *({"value": v} for v in values)]
        data.append({"type": "Data", "ColData": cells})
    header = {"ReportName": name, "StartPeriod": "2026-01-01", "EndPeriod": "2026-12-31",
              "Option": [{"Name": "NoReportData", "Value": "false"}]}  # fmt: skip
    return {"Header": header, "Columns": {"Column": columns}, "Rows": {"Row": data}}


def test_a_trial_balance_that_matches_the_ledger_passes_and_one_cent_off_fails(
    harness: Harness,
) -> None:
    con = transformed(harness)
    rows = [("36", "Savings", ["800.00", ""]), ("41", "Mastercard", ["", "157.72"])]
    matching = walk_report(report_body("TrialBalance", rows, debit_credit=True))
    assert failures(validate_ledger(con, reports=[matching]), "report:TrialBalance") == []

    rows[1] = ("41", "Mastercard", ["", "157.73"])
    off = walk_report(report_body("TrialBalance", rows, debit_credit=True))
    (named,) = failures(validate_ledger(con, reports=[off]), "report:TrialBalance")
    assert (named["account"], named["amount"], named["expected"]) == ("41", "-157.72", "-157.73")


def test_profit_and_loss_rows_compare_with_income_over_the_period(harness: Harness) -> None:
    con = transformed(harness)
    design = con.execute(
        "SELECT sum(CASE WHEN posting_type = 'credit' THEN amount_home ELSE -amount_home END) "
        "FROM LineItem WHERE account_qbo_id = '82' AND txn_date BETWEEN '2026-01-01' "
        "AND '2026-12-31'"
    ).fetchall()[0][0]
    assert design == Decimal("1687.5")  # invoice lines to Design income in 2026, from the JSON

    good = walk_report(report_body("ProfitAndLoss", [("82", "Design income", ["1687.50"])],
                                   debit_credit=False))  # fmt: skip
    bad = walk_report(report_body("ProfitAndLoss", [("82", "Design income", ["1000.00"])],
                                  debit_credit=False))  # fmt: skip
    assert failures(validate_ledger(con, reports=[good]), "report:ProfitAndLoss") == []
    (named,) = failures(validate_ledger(con, reports=[bad]), "report:ProfitAndLoss")
    assert named["account"] == "82" and named["amount"] == "1687.5"


def test_reports_without_data_are_skipped_and_said_so(harness: Harness) -> None:
    con = transformed(harness)
    empty = walk_report(harness.client.report("ProfitAndLoss", {"start_date": "2026-01-01"}))

    report = validate_ledger(con, reports=[empty])
    assert report.skipped == ["report:ProfitAndLoss: no report data"]


def test_relation_names_are_checked_before_they_reach_sql(harness: Harness) -> None:
    with pytest.raises(ValueError):
        validate_ledger(duckdb.connect(), lines='LineItem"; DROP TABLE x; --')
