"""Duplicate facts: kept, flagged consistent or inconsistent, never one silently winning.

Complete duplicates (same aspects, value, decimals and precision) are already one Fact node
(``occurrences`` counts them). What is left are facts sharing every aspect (concept, entity,
period, dimensions, unit, language) and their parent (XBRL 2.1, 4.10: the same tuple, or
both outside tuples) with different values or accuracy. Following the XBRL
Duplicates rules, numeric facts are consistent when the ranges their decimals allow
overlap and no two with the same decimals differ; anything else is inconsistent. Every fact
of such a set keeps its row and gets ``duplicate_status`` and a shared ``duplicate_group``.
The sets are also counted for the manifest, and each inconsistent one becomes a warning to
act on (``inconsistent_warnings``): no value of it silently wins, and no set goes unsaid.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Context, Decimal

from ledgergraph.ids import stable_id
from ledgergraph.messages import first_named
from xbrl_task.rows import Row

CONSISTENT = "consistent"
INCONSISTENT = "inconsistent"
_HALF = Decimal("0.5")
_EXACT = Context(prec=100)  # the default 28 digits would round long values
# inconsistent sets named one warning each; the rest are counted on one line (the warnings
# to act on are printed by `sec run` and kept in every run's outcome records)
MAX_LISTED_SETS = 20
MAX_LISTED_FACTS = 5  # values named per set
_MAX_TEXT = 60


@dataclass
class DuplicateSets:
    """The duplicate sets of one filing: facts flagged per status, and the inconsistent sets
    (their Fact rows, in document order) to warn about."""

    consistent_facts: int = 0
    inconsistent_facts: int = 0
    inconsistent: list[list[Row]] = field(default_factory=list)


def flag_duplicates(facts: Iterable[Row], aspects: dict[str, tuple[object, ...]]) -> DuplicateSets:
    """Set the duplicate columns of ``facts`` in place; returns the sets found.

    ``aspects`` maps each Fact id to what its duplicates share (``FactRowBuilder.aspects``).
    """
    groups: dict[tuple[object, ...], list[Row]] = defaultdict(list)
    for row in facts:
        groups[aspects[row["id"]]].append(row)
    found = DuplicateSets()
    for key, rows in groups.items():
        if len(rows) < 2:
            continue
        consistent = are_consistent(rows)
        status = CONSISTENT if consistent else INCONSISTENT
        group = stable_id("duplicates", *key)
        for row in rows:
            row["duplicate_status"], row["duplicate_group"] = status, group
        if consistent:
            found.consistent_facts += len(rows)
        else:
            found.inconsistent_facts += len(rows)
            found.inconsistent.append(rows)
    return found


def inconsistent_warnings(found: DuplicateSets, parents: dict[str, str] | None = None) -> list[str]:
    """One warning to act on per inconsistent set, naming its concept, the tuple holding
    it if any, its contexts, unit and values; past ``MAX_LISTED_SETS`` the sets are counted
    on one line. ``parents``: the tuple holding each Fact id in one (``tuple_name``), so
    that the sets of two tuples of one concept and context can be told apart."""
    parents = parents or {}
    lines = [_set_warning(rows, parents) for rows in found.inconsistent[:MAX_LISTED_SETS]]
    left = found.inconsistent[MAX_LISTED_SETS:]
    if left:
        facts = sum(len(rows) for rows in left)
        lines.append(
            f"inconsistent duplicates: {len(left)} more sets ({facts} facts) not named here, "
            "each flagged on its Fact nodes (duplicate_status 'inconsistent')"
        )
    return lines


def _set_warning(rows: list[Row], parents: dict[str, str]) -> str:
    """``inconsistent duplicates: <concept> [in tuple <tuple>,] in context <ids>, unit
    <ids>, states <values>; ...`` with what the graph keeps and what the user can do."""
    contexts = ", ".join(sorted({r["context_id"] for r in rows}))
    units = sorted({r["unit_ref"] for r in rows if r["unit_ref"] is not None})
    unit = f"unit {', '.join(units)}" if units else "no unit"
    values = first_named([_stated(r) for r in rows], MAX_LISTED_FACTS)
    parent = parents.get(rows[0]["id"])  # one for the whole set: items of one tuple
    held = f" in tuple {parent}," if parent is not None else ""
    return (
        f"inconsistent duplicates: {rows[0]['concept']}{held} in context {contexts}, {unit}, "
        f"states {values}; the graph keeps each value as a Fact with duplicate_status "
        f"'inconsistent' and duplicate_group '{rows[0]['duplicate_group']}', none chosen: "
        "fix the package and load it again, or choose in your queries"
    )


def _stated(row: Row) -> str:
    """A fact's value as read (after any inline format and scale; text cut short), its
    accuracy and its id in the document."""
    if row["is_nil"]:
        value = "nil"
    elif row["is_numeric"]:
        value = str(row["value_text"])
    else:
        text = row["value_text"] or ""
        value = repr(text if len(text) <= _MAX_TEXT else f"{text[:_MAX_TEXT]}...")
    accuracy = [f"decimals {row['decimals']}"] if row["decimals"] is not None else []
    if row["precision"] is not None:
        accuracy.append(f"precision {row['precision']}")
    where = ", ".join([*accuracy, f"id {row['fact_xml_id'] or 'none'}"])
    return f"{value} ({where})"


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
