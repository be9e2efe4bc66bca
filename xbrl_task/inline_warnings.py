"""Warnings to act on for Inline XBRL rules the document set breaks (Arelle's ix errors).

Arelle validates the Inline XBRL rules while it loads (a continuation that is missing or
claimed twice, a context id twice in the document set...), logs what is broken as errors
and loads the rest. EDGAR refuses such a filing, and what the graph holds of it may not be
what the filer meant, so the user has to fix the package and load it again.
"""

from __future__ import annotations

import re
from collections import Counter

from xbrl_task.errors import ProcessorMessage

# ix10.* (Inline XBRL 1.0) and ix11.* (1.1) codes, e.g. ix11.11.1.2:continuationMissing
_INLINE_CODE = re.compile(r"^ix1[01]\.[\d.]*:(?P<rule>\w+)$")
# rules broken by one fact's value: that fact is rejected with a reason naming it
# (extract.value_rejection), as a classic value invalid for its type is
_VALUE_RULES = frozenset({"transformValueError", "invalidTransformation"})
_CODE_PREFIX = re.compile(r"^\[[^\]]*\] ")
_MAX_TEXT = 240


def is_inline_rule(message: ProcessorMessage) -> bool:
    """An Inline XBRL error of the document set as a whole, not of one fact's value."""
    found = _INLINE_CODE.match(message.code)
    return found is not None and message.level == "error" and found["rule"] not in _VALUE_RULES


def inline_rule_warnings(
    messages: list[ProcessorMessage], repeated_ids: dict[str, tuple[str, ...]]
) -> list[str]:
    """One line per broken Inline XBRL rule (Arelle's code), counting its messages and
    quoting the first, in the order Arelle logged them; one more for the fact ids found in
    several documents of a set (``census``), naming the first and its documents."""
    lines = _arelle_lines([m for m in messages if is_inline_rule(m)])
    if repeated_ids:
        fact_id, documents = next(iter(repeated_ids.items()))
        lines.append(
            f"not valid Inline XBRL (a fact id in several documents of the set, "
            f"{len(repeated_ids)}x); fix the package and load it again: fact id {fact_id} "
            f"in {', '.join(documents)}"
        )
    return lines


def _arelle_lines(broken: list[ProcessorMessage]) -> list[str]:
    counts = Counter(m.code for m in broken)
    lines = []
    for code, count in counts.items():
        first = next(m.text for m in broken if m.code == code)
        text = _CODE_PREFIX.sub("", first)[:_MAX_TEXT]
        lines.append(f"not valid Inline XBRL (Arelle: {code}, {count}x); fix the package "
                     f"and load it again: {text}")  # fmt: skip
    return lines
