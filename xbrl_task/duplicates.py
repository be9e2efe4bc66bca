"""Duplicate facts: kept, flagged consistent or inconsistent, never one silently winning.

Complete duplicates (same aspects, value, decimals and precision) are already one Fact node
(``occurrences`` counts them). What is left are facts sharing every aspect (concept, entity,
period, dimensions, unit, language) with different values or accuracy. Following the XBRL
Duplicates rules, numeric facts are consistent when the ranges their decimals allow
overlap and no two with the same decimals differ; anything else is inconsistent. Every fact
of such a set keeps its row and gets ``duplicate_status`` and a shared ``duplicate_group``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Context, Decimal

from ledgergraph.ids import stable_id
from xbrl_task.rows import Row

CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
_HALF = Decimal("0.5")
_EXACT = Context(prec=100)  # the default 28 digits would round long values


def flag_duplicates(facts: Iterable[Row], aspects: dict[str, tuple[object, ...]]) -> int:
    """Set the duplicate columns of ``facts`` in place; returns how many facts were flagged."""
    groups: dict[tuple[object, ...], list[Row]] = defaultdict(list)
    for row in facts:
        groups[aspects[row["id"]]].append(row)
    flagged = 0
    for key, rows in groups.items():
        if len(rows) < 2:
            continue
        status = CONSISTENT if are_consistent(rows) else INCONSISTENT
        group = stable_id("duplicates", *key)
        for row in rows:
            row["duplicate_status"], row["duplicate_group"] = status, group
        flagged += len(rows)
    return flagged


def are_consistent(rows: list[Row]) -> bool:
    """Numeric facts whose value ranges overlap; text facts are never consistent here."""
    if not all(r["is_numeric"] and not r["is_nil"] for r in rows):
        return False
    if any(r["value_decimal"] is None for r in rows):
        return False  # a value we could not read is not evidence of consistency
    by_decimals: dict[str | None, Decimal] = {}
    for row in rows:
        key = row["decimals"] if row["decimals"] is not None else f"p{row['precision']}"
        if by_decimals.setdefault(key, row["value_decimal"]) != row["value_decimal"]:
            return False
    ranges = [value_range(r["value_decimal"], r["decimals"], r["precision"]) for r in rows]
    return max(low for low, _ in ranges) <= min(high for _, high in ranges)


def value_range(
    value: Decimal, decimals: str | None, precision: str | None
) -> tuple[Decimal, Decimal]:
    """The interval a reported value stands for, given its accuracy."""
    places = _decimals_of(value, decimals, precision)
    if places is None:
        return value, value
    half = _HALF.scaleb(-places)
    return _EXACT.subtract(value, half), _EXACT.add(value, half)


def _decimals_of(value: Decimal, decimals: str | None, precision: str | None) -> int | None:
    """Decimal places of accuracy; None for exact (INF). Precision is turned into decimals."""
    if decimals is not None:
        return None if decimals.strip() == "INF" else int(decimals)
    if precision is None or precision.strip() == "INF":
        return None
    digits = int(precision)
    if value.is_zero():
        return None if digits else -(10**6)
    return digits - 1 - value.adjusted()
