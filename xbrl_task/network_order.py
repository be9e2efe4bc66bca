"""Reading order of a network: a depth-first walk of its arcs from the roots, by order.

A statement is read top to bottom: each root concept, then its children by arc order, each
child's own children before the next sibling. The walk gives every arc its position
(``tree_sequence``) and the depth of its target, so a query can list a statement in
presentation order with an ORDER BY instead of a recursive walk.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from xbrl_task.model import ArcInfo

_NO_ORDER = Decimal(0)


def walk_order(arcs: list[ArcInfo]) -> list[tuple[int | None, int | None]]:
    """(sequence, depth) per arc of one tree (one role, arcrole and link), by index.

    Arcs on a cycle that no root reaches get neither (None, None); an arc is walked once,
    so a cycle never loops.
    """
    # NOTE: concepts are keyed by (namespace, local name), as QName compares them: a
    # tuple hashes in C, a QName through its dataclass __hash__ (half of this walk's time)
    sources = [(a.source.namespace, a.source.local_name) for a in arcs]
    targets = [(a.target.namespace, a.target.local_name) for a in arcs]
    children: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, source in enumerate(sources):
        children[source].append(index)
    for indexes in children.values():
        indexes.sort(key=lambda i: (arcs[i].order or _NO_ORDER, i))
    reached = set(targets)
    roots = list(dict.fromkeys(s for s in sources if s not in reached))
    positions: list[tuple[int | None, int | None]] = [(None, None)] * len(arcs)
    sequence = 0
    stack = [(i, 1) for root in reversed(roots) for i in reversed(children[root])]
    while stack:
        index, depth = stack.pop()
        if positions[index][0] is not None:
            continue
        sequence += 1
        positions[index] = (sequence, depth)
        below = children.get(targets[index], [])
        stack.extend((i, depth + 1) for i in reversed(below))
    return positions
