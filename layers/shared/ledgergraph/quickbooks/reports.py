"""QBO report bodies (ProfitAndLoss, BalanceSheet, TrialBalance) walked into flat rows.

A report is a tree: a Section row has a Header, nested Rows and a Summary (its total); a Data
row has ColData cells, the first naming the account (with its Id) and the money columns
after it. The walk keeps every Data row and every Section total with the path of section
headers above it, so totals come from the report's own Summary rows, never re-added here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class ReportRow:
    """A Data row (kind "data") or a Section total (kind "summary")."""

    kind: str
    path: tuple[str, ...]
    label: str
    group: str | None
    account_qbo_id: str | None
    amount: Decimal | None
    depth: int


@dataclass(frozen=True)
class WalkedReport:
    """The rows of one report with the header facts needed to compare it to a ledger."""

    name: str
    start: str | None
    end: str | None
    basis: str | None
    currency: str | None
    has_data: bool
    rows: list[ReportRow] = field(default_factory=list)

    def totals(self) -> dict[str, Decimal | None]:
        """Section totals by group (TotalAssets, NetIncome ...) as the report states them."""
        return {r.group: r.amount for r in self.rows if r.kind == "summary" and r.group}


def walk_report(body: dict[str, Any]) -> WalkedReport:
    """Flatten a report body; a report flagged NoReportData has no rows."""
    header = body.get("Header", {})
    options = {o.get("Name"): o.get("Value") for o in header.get("Option", [])}
    amount_of = _amount_reader(body.get("Columns", {}).get("Column", []))
    rows: list[ReportRow] = []
    _walk_rows(body.get("Rows", {}), (), 0, amount_of, rows)
    return WalkedReport(
        name=header.get("ReportName", ""),
        start=header.get("StartPeriod"),
        end=header.get("EndPeriod"),
        basis=header.get("ReportBasis"),
        currency=header.get("Currency"),
        has_data=options.get("NoReportData") != "true" and bool(rows),
        rows=rows,
    )


def _walk_rows(
    rows: dict[str, Any],
    path: tuple[str, ...],
    depth: int,
    amount_of: _AmountReader,
    out: list[ReportRow],
) -> None:
    for row in rows.get("Row", []):
        if "ColData" in row:
            out.append(_data_row(row, path, depth, amount_of))
            continue
        title = _first_value(row.get("Header", {}).get("ColData", [])) or row.get("group", "")
        section_path = (*path, title) if title else path
        _walk_rows(row.get("Rows", {}), section_path, depth + 1, amount_of, out)
        summary = row.get("Summary", {}).get("ColData")
        if summary:
            out.append(
                ReportRow("summary", section_path, _first_value(summary), row.get("group"),
                          None, amount_of(summary), depth)
            )  # fmt: skip


def _data_row(
    row: dict[str, Any], path: tuple[str, ...], depth: int, amount_of: _AmountReader
) -> ReportRow:
    cells = row["ColData"]
    first = cells[0] if cells else {}
    return ReportRow(
        "data", path, first.get("value", ""), row.get("group"), first.get("id"),
        amount_of(cells), depth,
    )  # fmt: skip


class _AmountReader:
    """Reads a row's amount: the Total column, or Debit minus Credit (TrialBalance)."""

    def __init__(self, debit: int | None, credit: int | None, total: int | None) -> None:
        self.debit, self.credit, self.total = debit, credit, total

    def __call__(self, cells: list[dict[str, Any]]) -> Decimal | None:
        if self.debit is not None and self.credit is not None:
            debit, credit = _cell(cells, self.debit), _cell(cells, self.credit)
            if debit is None and credit is None:
                return None
            return (debit or Decimal(0)) - (credit or Decimal(0))
        return _cell(cells, self.total) if self.total is not None else None


def _amount_reader(columns: list[dict[str, Any]]) -> _AmountReader:
    money = [i for i, c in enumerate(columns) if c.get("ColType") == "Money"]
    titles = {columns[i].get("ColTitle", "").lower(): i for i in money}
    keys = {_col_key(columns[i]): i for i in money}
    total = keys.get("total", money[-1] if money else None)
    return _AmountReader(titles.get("debit"), titles.get("credit"), total)


def _col_key(column: dict[str, Any]) -> str:
    for meta in column.get("MetaData", []):
        if meta.get("Name") == "ColKey":
            return str(meta.get("Value", ""))
    return ""


def _cell(cells: list[dict[str, Any]], index: int) -> Decimal | None:
    if index >= len(cells):
        return None
    text = str(cells[index].get("value", "")).replace(",", "").strip()
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _first_value(cells: list[dict[str, Any]]) -> str:
    return str(cells[0].get("value", "")) if cells else ""
