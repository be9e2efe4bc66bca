"""Contexts whose segment or scenario holds more than dimensions: a warning to act on.

XBRL 2.1 lets a segment or scenario hold any element; EDGAR accepts only dimension members
(``xbrldi:explicitMember``, ``xbrldi:typedMember``) there. The graph keeps such content
as part of the context's identity (``Context.non_dimensional``), so the facts of such a
context stand apart from those of the same period without it; what the content means is
the filer's own, and nobody reading the graph by its dimensions sees it: this says which
contexts hold it, and what.

One warning per Context node: the document's contexts of the same entity, period,
dimensions and content (``my:Region`` and ``zz:Region`` of one namespace, attributes in
another order) are one Context, named together. Only facts the graph keeps count: a
context whose facts were all rejected is on no Context, and its facts' rejections say so.
"""

from __future__ import annotations

from ledgergraph.messages import first_named
from xbrl_task.model import ContextInfo

_LISTED_CONTEXTS = 10  # Context nodes with a line each; and document contexts per line


def non_dimensional_warnings(kept: dict[str, list[tuple[ContextInfo, str]]]) -> list[str]:
    """One line per Context node holding non-dimensional content, naming the document's
    contexts on it and their content, and counting their facts kept (the first ten
    Contexts, then one line for the rest).

    Args:
        kept: Context id -> (context as filed, Fact id) for each fact kept
            (``FactRowBuilder.non_dimensional``), complete duplicates included.
    """
    lines = [_warning(facts) for facts in list(kept.values())[:_LISTED_CONTEXTS]]
    if len(kept) > _LISTED_CONTEXTS:
        rest = list(kept.values())[_LISTED_CONTEXTS:]
        count = sum(len(facts) for facts in rest)
        lines.append(
            f"{_many(len(rest), 'more Context')} hold content that is no dimension member, "
            f"each a Context of its own ({_many(count, 'fact')} kept)"
        )
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


def _many(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _be(count: int) -> str:
    return "is" if count == 1 else "are"
