"""Fact-by-fact comparison of two multisets of comparable facts.

Facts equal in every compared property cancel out. What is left on either side is paired
by aspects (concept, entity, period, unit, dimensions): a pair is one difference of value,
decimals or language; a fact without a partner is one difference of its own.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from xbrl_task.verify.facts import ComparableFact

ONLY_GRAPH = "only in the graph"
ONLY_ARELLE = "only in Arelle's export"
DIFFERENT = "differs"


@dataclass(frozen=True)
class Difference:
    kind: str
    graph: str | None
    arelle: str | None

    def describe(self) -> str:
        if self.kind == DIFFERENT:
            return f"{DIFFERENT}: graph {self.graph} | Arelle {self.arelle}"
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
    return Difference(DIFFERENT, _show(graph), _show(arelle))


def _show(fact: ComparableFact) -> str:
    lang = f" lang={fact.language}" if fact.language else ""
    # a value Arelle keeps and the graph rejects says why, not as if the fact were lost
    rejected = f"; rejected: {fact.rejected}" if fact.rejected else ""
    return fact.describe() + lang + rejected
