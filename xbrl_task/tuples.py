"""Tuples, which EDGAR does not accept and the graph does not model: a warning to act on.

A tuple (``xbrli:tuple`` substitution group; ``ix:tuple`` inline) groups facts without a
context of its own. The EDGAR Filer Manual forbids them in SEC filings (6.7.19: no
concept may be a tuple; EDGAR refuses an instance holding one), so the graph has no node
for them. The facts in a tuple are facts of their own and are loaded, each with its
context; what is lost is only that the tuple groups them, and this says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledgergraph.messages import first_named
from xbrl_task.identity import concept_name
from xbrl_task.model import FactInfo, QName

_LISTED_IDS = 5


def tuple_warnings(facts: Iterable[FactInfo]) -> list[str]:
    """One line per tuple concept of the filing: how many tuples, their ids (the first
    five) and how many facts they hold directly; empty without tuples."""
    tuples: dict[QName, list[FactInfo]] = {}
    for fact in facts:
        if fact.is_tuple:
            tuples.setdefault(fact.qname, []).append(fact)
    lines = []
    for qname, found in tuples.items():
        ids = first_named([f.xml_id or "no id" for f in found], _LISTED_IDS)
        held = sum(f.tuple_facts for f in found)
        lines.append(
            f"tuple {concept_name(qname)} x{len(found)} (ids {ids}) holding {held} "
            "facts: EDGAR accepts no tuple (EDGAR Filer Manual 6.7.19) and the graph keeps "
            "none; each fact in it is loaded on its own, without the tuple that groups "
            "them; fix the package and load it again"
        )
    return lines
