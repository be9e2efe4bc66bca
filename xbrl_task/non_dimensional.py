"""Contexts whose segment or scenario holds more than dimensions: a warning to act on.

XBRL 2.1 lets a segment or scenario hold any element; EDGAR accepts only dimension members
(``xbrldi:explicitMember``, ``xbrldi:typedMember``) there. The graph keeps such content
as part of the context's identity (``Context.non_dimensional``), so the facts of such a
context stand apart from those of the same period without it; what the content means is
the filer's own, and nobody reading the graph by its dimensions sees it: this says which
contexts hold it, and what.

One warning per Context node: the document's contexts of the same entity, period,
dimensions and content (``my:Region`` and ``zz:Region`` of one namespace, attributes in
another order) are one Context, named together, with the count of the facts the graph keeps
on it. A context of which the graph keeps no fact (all rejected, or none in it) is on no
Context, yet its content is as much in the package to fix: one more line names every such
context and its content. The rejections do not say it: most name no context (a concept
not defined, an entity scheme), and once their cause is fixed the content would come into
the graph unannounced.
"""

from __future__ import annotations

from collections.abc import Iterable

from ledgergraph.messages import first_named
from xbrl_task.model import ContextInfo

_LISTED_CONTEXTS = 10  # Context nodes with a line each; and document contexts per line


def non_dimensional_warnings(
    kept: dict[str, list[tuple[ContextInfo, str]]], contexts: Iterable[ContextInfo]
) -> list[str]:
    """One line per Context node holding non-dimensional content, naming the document's
    contexts on it and their content, and counting their facts kept (the first ten
    Contexts, then one line for the rest); then one line naming the document's contexts
    with such content of which no fact is kept.

    Args:
        kept: Context id -> (context as filed, Fact id) for each fact kept
            (``FactRowBuilder.non_dimensional``), complete duplicates included.
        contexts: every context of the document holding such content
            (``LoadedFiling.non_dimensional_contexts``).
    """
    lines = [_warning(pairs) for pairs in list(kept.values())[:_LISTED_CONTEXTS]]
    if len(kept) > _LISTED_CONTEXTS:
        rest = list(kept.values())[_LISTED_CONTEXTS:]
        count = sum(len(pairs) for pairs in rest)
        lines.append(
            f"{_many(len(rest), 'more Context')} hold content that is no dimension member, "
            f"each a Context of its own ({_many(count, 'fact')} kept)"
        )
    on_contexts = {context.id for pairs in kept.values() for context, _ in pairs}
    unkept = [c for c in contexts if c.id not in on_contexts]
    if unkept:
        lines.append(_unkept_warning(unkept))
    return lines


def _warning(facts: list[tuple[ContextInfo, str]]) -> str:
    contexts = list(dict.fromkeys(context.id for context, _ in facts))
    names = ", ".join(
        dict.fromkeys(name for context, _ in facts for name in context.non_dimensional_names)
    )
    shown = first_named(contexts, _LISTED_CONTEXTS)
    counted = _many(len(facts), "fact")
    nodes = len({fact_id for _, fact_id in facts})
    if nodes < len(facts):
        counted += f" ({_many(nodes, 'Fact node')}, complete duplicates collapsed)"
    if len(contexts) == 1:
        subject = f"context {shown} holds {names}"
        where = f"its {counted} {_be(len(facts))} on a Context of its own"
    else:
        subject = f"contexts {shown} hold the same content, {names}"
        where = f"their {counted} {_be(len(facts))} on one Context of their own"
    return (
        f"{subject}, which is no dimension member (EDGAR accepts only xbrldi members in a "
        f"context): {where}, whose non_dimensional content is part of its identity, "
        "neither merged with nor flagged as duplicates of the facts of a context without "
        "it; fix the package and load it again"
    )


def _unkept_warning(contexts: list[ContextInfo]) -> str:
    """The line naming the contexts with such content of which no fact is kept."""
    shown = first_named(
        [f"{c.id} ({', '.join(c.non_dimensional_names)})" for c in contexts], _LISTED_CONTEXTS
    )
    if len(contexts) == 1:
        subject, where = f"context {shown} holds", "it"
    else:
        subject, where = f"contexts {shown} hold", "them"
    return (
        f"{subject} content that is no dimension member (EDGAR accepts only xbrldi members "
        f"in a context) and no fact the graph keeps: any fact in {where} is among the "
        "rejected facts, and no Context of the graph has the content; fix the package and "
        "load it again"
    )


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _be(count: int) -> str:
    return "is" if count == 1 else "are"
