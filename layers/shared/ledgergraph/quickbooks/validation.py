"""Checks of a transformed ledger, in DuckDB SQL over its graph tables.

- ``balanced``: every live transaction's debits equal its credits (home and transaction
  currency);
- ``trial_balance``: all postings together sum to zero;
- ``currency``: every posting's home amount is its amount x exchange rate, within a cent;
- ``account_balances``: a balance-sheet account's ledger balance equals the CurrentBalance
  QuickBooks reports for it;
- ``report:<name>``: a report's account rows equal the ledger over the report's period, and
  its own totals add up (only when the run fetched the report with data).

Each failure names what failed: transaction, account, amounts. The checks read three
relations with the graph columns of ``LineItem``, ``LedgerTransaction``, ``LedgerAccount``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

import duckdb
import pyarrow as pa
from pydantic import BaseModel, Field

from ledgergraph.quickbooks.reports import WalkedReport
from ledgergraph.quickbooks.validation_sql import (
    ACCOUNT_BALANCES,
    CURRENCY,
    REPORT_VS_LEDGER,
    TRIAL_BALANCE,
    UNBALANCED,
)

_RELATION = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
CENT = Decimal("0.01")


class ValidationFailure(BaseModel):
    """One failed check, named: which transaction or account, which amounts."""

    check: str
    transaction_id: str | None = None
    txn_type: str | None = None
    qbo_id: str | None = None
    doc_number: str | None = None
    account: str | None = None
    amount: str | None = Field(default=None, description="the amount found (exact text)")
    expected: str | None = Field(default=None, description="the amount it should equal")
    rejected_lines: str | None = Field(
        default=None, description="lines of the transaction rejected (postings incomplete)"
    )
    staged: bool | None = Field(
        default=None,
        description="of a transaction: whether the run writes it (a CDC run validates the "
        "whole ledger but stages only what changed); None when not known",
    )
    detail: str = ""


class ValidationReport(BaseModel):
    """Checks run, failures found, and the trial balance total (0 when it balances)."""

    checks: list[str]
    failures: list[ValidationFailure]
    trial_balance_total: str
    skipped: list[str] = Field(default_factory=list, description="checks not run, and why")

    @property
    def passed(self) -> bool:
        return not self.failures

    def failed_checks(self) -> set[str]:
        return {f.check for f in self.failures}


def validate_ledger(
    con: duckdb.DuckDBPyConnection,
    *,
    lines: str = "LineItem",
    transactions: str = "LedgerTransaction",
    accounts: str = "LedgerAccount",
    incomplete: str | None = None,
    reports: Sequence[WalkedReport] = (),
) -> ValidationReport:
    """Run every check over the named relations; never raises for a failed check.

    ``incomplete`` names a relation (txn_type, qbo_id, rejected_lines) of transactions
    with rejected lines: ``balanced`` lists them whatever their sums.
    """
    _bind(con, lines=lines, transactions=transactions, accounts=accounts)
    if incomplete is None:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW v_incomplete AS SELECT NULL::VARCHAR AS txn_type, "
            "NULL::VARCHAR AS qbo_id, 0::BIGINT AS rejected_lines WHERE false"
        )
    else:
        _bind(con, incomplete=incomplete)
    failures: list[ValidationFailure] = []
    failures += _rows(con, "balanced", UNBALANCED)
    total = _scalar(con, TRIAL_BALANCE)
    if total != 0:
        failures.append(
            ValidationFailure(check="trial_balance", amount=_text(total), expected="0",
                              detail="debits minus credits of all postings")
        )  # fmt: skip
    failures += _rows(con, "currency", CURRENCY)
    failures += _rows(con, "account_balances", ACCOUNT_BALANCES)
    checks = ["balanced", "trial_balance", "currency", "account_balances"]
    skipped: list[str] = []
    for report in reports:
        if not report.has_data:
            skipped.append(f"report:{report.name}: no report data")
            continue
        checks.append(f"report:{report.name}")
        failures += _report_failures(con, report)
    return ValidationReport(
        checks=checks, failures=failures, trial_balance_total=_text(total), skipped=skipped
    )


def _bind(con: duckdb.DuckDBPyConnection, **relations: str) -> None:
    """Point the v_* views at the given relations (names checked, never pasted from input)."""
    for alias, name in relations.items():
        if not _RELATION.match(name):
            raise ValueError(f"not a relation name: {name!r}")
        con.execute(f'CREATE OR REPLACE TEMP VIEW v_{alias} AS SELECT * FROM "{name}"')


def _rows(con: duckdb.DuckDBPyConnection, check: str, query: str) -> list[ValidationFailure]:
    result = con.execute(query)
    names = [d[0] for d in result.description]
    return [
        ValidationFailure(check=check, **{k: _text(v) for k, v in zip(names, row, strict=True)})
        for row in result.fetchall()
    ]


def _report_failures(
    con: duckdb.DuckDBPyConnection, report: WalkedReport
) -> list[ValidationFailure]:
    check = f"report:{report.name}"
    failures = _internal_total_failures(report, check)
    rows = [
        r for r in report.rows if r.kind == "data" and r.account_qbo_id and r.amount is not None
    ]
    table = pa.table({
        "account_qbo_id": pa.array([r.account_qbo_id for r in rows], pa.string()),
        "label": pa.array([r.label for r in rows], pa.string()),
        "amount": pa.array([r.amount for r in rows], pa.decimal128(38, 12)),
    })  # fmt: skip
    con.register("report_rows", table)
    params = [report.name, report.start, report.end]
    result = con.execute(REPORT_VS_LEDGER, params)
    names = [d[0] for d in result.description]
    for row in result.fetchall():
        values = {k: _text(v) for k, v in zip(names, row, strict=True)}
        failures.append(ValidationFailure(check=check, **values))
    con.unregister("report_rows")
    return failures


def _internal_total_failures(report: WalkedReport, check: str) -> list[ValidationFailure]:
    """A section's Summary must equal its rows and sub-section totals (the report's own sums)."""
    failures = []
    for summary in (r for r in report.rows if r.kind == "summary" and r.amount is not None):
        depth = len(summary.path)
        children = [
            r.amount for r in report.rows
            if r is not summary and r.amount is not None and r.path[:depth] == summary.path
            and ((r.kind == "data" and len(r.path) == depth)
                 or (r.kind == "summary" and len(r.path) == depth + 1))
        ]  # fmt: skip
        if children and abs(sum(children, Decimal(0)) - summary.amount) >= CENT:
            failures.append(
                ValidationFailure(check=check, account=summary.label, amount=_text(summary.amount),
                                  expected=_text(sum(children, Decimal(0))),
                                  detail="section total differs from its rows")
            )  # fmt: skip
    return failures


def _scalar(con: duckdb.DuckDBPyConnection, query: str) -> Decimal:
    rows = con.execute(query).fetchall()
    value = rows[0][0] if rows else None
    return Decimal(value) if value is not None else Decimal(0)


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return format(value.normalize() if value != 0 else Decimal(0), "f")
    return str(value)
