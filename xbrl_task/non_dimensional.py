"""Contexts whose segment or scenario holds more than dimensions: a warning to act on.

XBRL 2.1 lets a segment or scenario hold any element; EDGAR accepts only dimension members
(``xbrldi:explicitMember``, ``xbrldi:typedMember``) there. The graph keeps such content
as part of the context's identity (``Context.non_dimensional``), so the facts of such a
context stand apart from those of the same period without it; what the content means is
the filer's own, and nobody reading the graph by its dimensions sees it: this says which
contexts hold it, and what.
"""

from __future__ import annotations

from collections.abc import Iterable

from xbrl_task.model import ContextInfo, FactInfo

_LISTED_CONTEXTS = 10


def non_dimensional_warnings(facts: Iterable[FactInfo]) -> list[str]:
    """One line per context of ``facts`` holding non-dimensional content, naming it and
    counting its facts (the first ten contexts, then one line for the rest)."""
    used: dict[str, tuple[ContextInfo, int]] = {}
    for fact in facts:
        context = fact.context
        if context is not None and context.non_dimensional is not None:
            count = used[context.id][1] if context.id in used else 0
            used[context.id] = (context, count + 1)
    lines = [
        f"context {context.id} holds {', '.join(context.non_dimensional_names)}, which is no "
        "dimension member (EDGAR accepts only xbrldi members in a context): its "
        f"{count} facts are on a Context of their own, whose non_dimensional content is part "
        "of its identity, neither merged with nor flagged as duplicates of the facts of a "
        "context without it; fix the package and load it again"
        for context, count in list(used.values())[:_LISTED_CONTEXTS]
    ]
    if len(used) > _LISTED_CONTEXTS:
        lines.append(
            f"{len(used) - _LISTED_CONTEXTS} more contexts hold content that is no dimension "
            "member, each on a Context of its own"
        )
    return lines
