"""Fact-by-fact comparison of two multisets of comparable facts.

Facts equal in every compared property cancel out. What is left on either side is paired
by aspects (concept, entity, period, unit, dimensions): a pair is one difference of value,
decimals or language; a fact without a partner is one difference of its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from xbrl_task.verify.facts import ComparableFact, escaped

ONLY_GRAPH = "only in the graph"
ONLY_ARELLE = "only in Arelle's export"
DIFFERENT = "differs"
# characters of a value shown before and after the first one where the two sides differ
_BEFORE = 20
_AFTER = 40


@dataclass(frozen=True)
class Difference:
    kind: str
    graph: str | None
    arelle: str | None
    # where two values differ: " at value character N" (1-based), "" otherwise
    where: str = ""

    def describe(self) -> str:
        if self.kind == DIFFERENT:
            return f"{DIFFERENT}{self.where}: graph {self.graph} | Arelle {self.arelle}"
        return f"{self.kind}: {self.graph or self.arelle}"


def compare_facts(
    graph: Iterable[ComparableFact], arelle: Iterable[ComparableFact]
) -> list[Difference]:
    """Differences between the two sides, in a stable order."""
    graph_left = Counter(graph)
    arelle_left = Counter(arelle)
    common = graph_left & arelle_left
    graph_left -= common
    arelle_left -= common
    by_aspects: dict[tuple[object, ...], tuple[list, list]] = defaultdict(lambda: ([], []))
    for fact in sorted(graph_left.elements()):
        by_aspects[fact.aspects][0].append(fact)
    for fact in sorted(arelle_left.elements()):
        by_aspects[fact.aspects][1].append(fact)
    differences = []
    for ours, theirs in by_aspects.values():
        for index in range(max(len(ours), len(theirs))):
            mine = ours[index] if index < len(ours) else None
            other = theirs[index] if index < len(theirs) else None
            differences.append(_difference(mine, other))
    return differences


def _difference(graph: ComparableFact | None, arelle: ComparableFact | None) -> Difference:
    if graph is None:
        return Difference(ONLY_ARELLE, None, _show(arelle))
    if arelle is None:
        return Difference(ONLY_GRAPH, _show(graph), None)
    if graph.value == arelle.value:
        return Difference(DIFFERENT, _show(graph), _show(arelle))
    # two long values cut at the same length would look alike: show where they part
    first = _first_difference(graph.value, arelle.value)
    return Difference(
        DIFFERENT,
        _show(graph, _around(graph.value, first)),
        _show(arelle, _around(arelle.value, first)),
        f" at value character {first + 1}",
    )


def _first_difference(one: str, other: str) -> int:
    """The index of the first character where ``one`` and ``other`` differ (the shorter
    one's length when it begins the other)."""
    return next(
        (i for i, (a, b) in enumerate(zip(one, other, strict=False)) if a != b),
        min(len(one), len(other)),
    )


def _around(value: str, index: int) -> str | None:
    """The part of ``value`` around ``index``, escaped, ``...`` where cut; None for a value
    short enough to show whole."""
    if len(value) <= 60:
        return None
    start = max(0, index - _BEFORE)
    end = index + _AFTER
    head = "..." if start else ""
    tail = "..." if end < len(value) else ""
    return f"{head}{escaped(value[start:end])}{tail}"


def _show(fact: ComparableFact, value: str | None = None) -> str:
    lang = f" lang={fact.language}" if fact.language else ""
    # a value Arelle keeps and the graph rejects says why, not as if the fact were lost
    rejected = f"; rejected: {fact.rejected}" if fact.rejected else ""
    return fact.describe(value=value) + lang + rejected
