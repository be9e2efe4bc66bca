"""QBO report bodies (ProfitAndLoss, BalanceSheet, TrialBalance) walked into flat rows.

A report is a tree: a Section row has a Header, nested Rows and a Summary (its total); a Data
row has ColData cells, the first naming the account (with its Id) and the money columns
after it. The walk keeps every Data row and every Section total with the path of section
headers above it, so totals come from the report's own Summary rows, never re-added here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from ledgergraph.quickbooks.client import json_type

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# An amount as the records' numbers are read (number_pattern in transform/sql/00_macros.sql):
# Decimal() also takes "NaN", "1e400", "1_000", " 12 " and other scripts' digits ("١٢").
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,4})?")
# Report amounts are compared as DECIMAL(38, 12), as the records' numbers are stored.
_WHOLE_DIGITS, _DECIMAL_PLACES = 26, 12
# How deep sections may nest. A report nests a section per heading (Assets, Current Assets,
# Bank Accounts) and per parent account, and QuickBooks keeps sub-accounts to five levels,
# so its reports stay far shallower; the limit keeps the walks (recursive) within Python's
# stack and a deeper body a named error.
MAX_SECTION_DEPTH = 32
# Header values the walk keeps and the validation compares or prints: text when present.
_HEADER_TEXT = ("ReportName", "ReportBasis", "Currency", "StartPeriod", "EndPeriod")


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
    """The amount in a money cell; None when the cell is absent or empty. report_problem
    has refused a body whose amount is anything else."""
    if index >= len(cells):
        return None
    text = cells[index].get("value") or ""
    if amount_problem(text) is not None:
        raise ValueError(f"report amount {text!r} was not checked before the walk")
    return Decimal(text) if text else None


def amount_problem(text: str) -> str | None:
    """Why a money cell's text is not an amount the ledger can be compared with, or None.

    Empty is no amount (QuickBooks leaves a cell blank for nothing); anything else is a
    number as JSON writes it whose digits fit DECIMAL(38, 12), as the records' are.
    """
    if text == "":
        return None
    if _NUMBER.fullmatch(text) is None:
        return "not a number"
    _, digits, exponent = Decimal(text).as_tuple()
    assert isinstance(exponent, int)  # a finite number: the pattern has no NaN or Infinity
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return None
    exponent += len(digits) - len(significant)
    whole, places = max(0, len(significant) + exponent), max(0, -exponent)
    if whole > _WHOLE_DIGITS:
        return f"{whole} digits before the point, more than the {_WHOLE_DIGITS} kept"
    if places > _DECIMAL_PLACES:
        return f"{places} decimal places, more than the {_DECIMAL_PLACES} kept"
    return None


def _first_value(cells: list[dict[str, Any]]) -> str:
    return str(cells[0].get("value", "")) if cells else ""


def report_problem(body: dict[str, Any]) -> str | None:
    """What in a report body is not shaped as QuickBooks sends it, or None.

    Checked: every object, list and text ``walk_report`` reads (``Header`` and its
    ``Option`` list, ``Columns.Column`` with their ``MetaData``, the ``Rows`` tree with each
    row's ``Header``, ``Summary`` and ``ColData`` cells), and ``StartPeriod``/``EndPeriod``
    as dates, which the validation compares the ledger with. Walked as it is, such a body
    would fail the transform (AttributeError, a date cast) or compare the ledger with rows
    that are not the report's. The answer names the place: ``Rows.Row[0].Summary a JSON
    string, not an object``.
    """
    header = body.get("Header", {})
    problem = (
        _expect(header, dict, "Header")
        or _header_problem(header)
        or _columns_problem(body.get("Columns", {}))
    )
    if problem is not None:
        return problem
    reader = _amount_reader(body.get("Columns", {}).get("Column", []))
    money = {i for i in (reader.debit, reader.credit, reader.total) if i is not None}
    return _rows_problem(body.get("Rows", {}), "Rows", money, 0)


def _expect(value: Any, kind: type, where: str) -> str | None:
    if isinstance(value, kind):
        return None
    return f"{where} a JSON {json_type(value)}, not {'an object' if kind is dict else 'a list'}"


def _objects(value: Any, where: str) -> str | None:
    """A list whose every item is an object, or what is wrong with it."""
    problem = _expect(value, list, where)
    if problem is not None:
        return problem
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            return f"{where}[{i}] a JSON {json_type(item)}, not an object"
    return None


def _texts(item: dict[str, Any], keys: tuple[str, ...], where: str) -> str | None:
    for key in keys:
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            return f"{where}.{key} a JSON {json_type(value)}, not text"
    return None


def _header_problem(header: dict[str, Any]) -> str | None:
    problem = _objects(header.get("Option", []), "Header.Option") or _texts(
        header, _HEADER_TEXT, "Header"
    )
    if problem is not None:
        return problem
    for name in ("StartPeriod", "EndPeriod"):
        value = header.get(name)
        if value is not None and not _is_day(value):
            return f"Header.{name} {json.dumps(value)}, not a date (YYYY-MM-DD)"
    return None


def _is_day(text: str) -> bool:
    try:
        return _DAY.fullmatch(text) is not None and date.fromisoformat(text) is not None
    except ValueError:
        return False


def _columns_problem(columns: Any) -> str | None:
    problem = _expect(columns, dict, "Columns")
    if problem is not None:
        return problem
    column_list = columns.get("Column", [])
    problem = _objects(column_list, "Columns.Column")
    for i, column in enumerate(column_list if problem is None else []):
        where = f"Columns.Column[{i}]"
        problem = _objects(column.get("MetaData", []), f"{where}.MetaData")
        if problem is None and not isinstance(title := column.get("ColTitle", ""), str):
            problem = f"{where}.ColTitle a JSON {json_type(title)}, not text"
        if problem is not None:
            return problem
    return problem


def _rows_problem(rows: Any, where: str, money: set[int], depth: int) -> str | None:
    """The rows of a section ``depth`` sections deep (0: the report's own ``Rows``)."""
    problem = _expect(rows, dict, where) or _objects(rows.get("Row", []), f"{where}.Row")
    if problem is not None:
        return problem
    for i, row in enumerate(rows.get("Row", [])):
        if depth == MAX_SECTION_DEPTH and "ColData" not in row:
            # named by the outermost section: the full path is as deep as the nesting
            outermost = where.split(".Rows", 1)[0]
            return f"{outermost} holding sections nested more than {MAX_SECTION_DEPTH} deep"
        problem = _row_problem(row, f"{where}.Row[{i}]", money, depth)
        if problem is not None:
            return problem
    return None


def _row_problem(row: dict[str, Any], where: str, money: set[int], depth: int) -> str | None:
    """A Data row's cells, or a Section's Header, Summary and nested Rows."""
    problem = _texts(row, ("group",), where)
    if problem is not None or "ColData" in row:
        return problem or _cells_problem(row["ColData"], f"{where}.ColData", money)
    for part in ("Header", "Summary"):
        value = row.get(part, {})
        problem = _expect(value, dict, f"{where}.{part}")
        if problem is None and value.get("ColData") is not None:  # null: no cells
            problem = _cells_problem(value["ColData"], f"{where}.{part}.ColData", money)
        if problem is not None:
            return problem
    return _rows_problem(row.get("Rows", {}), f"{where}.Rows", money, depth + 1)


def _cells_problem(cells: Any, where: str, money: set[int]) -> str | None:
    """Cells are objects with text ``value`` and ``id``; a money column's value an amount."""
    problem = _objects(cells, where)
    for i, cell in enumerate(cells if problem is None else []):
        problem = _texts(cell, ("value", "id"), f"{where}[{i}]")
        why = amount_problem(cell.get("value") or "") if i in money and not problem else None
        if why is not None:
            problem = f"{where}[{i}].value {json.dumps(cell['value'])}, {why}"
        if problem is not None:
            return problem
    return problem
