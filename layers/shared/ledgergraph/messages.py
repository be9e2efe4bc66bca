"""Error text made for one line: long reasons shortened at a boundary, pydantic's errors
named by field and rule, counts with their noun in the right number."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

_INPUT_SHOWN = 60


def clip(text: str, limit: int, *, more: str = "") -> str:
    """``text`` on one line, at most about ``limit`` characters: cut after the last "; "
    (else the last space) that fits, and marked with how much was left out and ``more``
    (where the rest is, e.g. "the node's log has it all")."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    head = line[:limit]
    cut = head.rfind("; ")
    cut = cut if cut > limit // 2 else head.rfind(" ")
    head = head[: cut if cut > 0 else limit].rstrip(" ;,")
    where = f"; {more}" if more else ""
    return f"{head} [... {len(line) - len(head)} more characters{where}]"


def pluralize(n: int, noun: str, *, many: str | None = None) -> str:
    """``1 filing``, ``2 filings``: the count and its noun, ``many`` the plural when it is
    not the noun and an ``s``."""
    return f"{n} {noun}" if n == 1 else f"{n} {many or noun + 's'}"


def first_named(names: Sequence[str], limit: int) -> str:
    """The first ``limit`` of ``names``, ", " between them, and how many more there are
    (``a, b and 3 more``): a list in a message kept to one line."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


def validation_problems(exc: ValidationError) -> str:
    """Each of pydantic's errors as ``field: rule (got value)``, "; " between them, without
    pydantic's help links."""
    return "; ".join(_problem(error) for error in exc.errors(include_url=False))


def _problem(error: Mapping[str, Any]) -> str:
    field = ".".join(str(part) for part in error["loc"]) or "the document"
    value = repr(error.get("input"))
    value = value if len(value) <= _INPUT_SHOWN else value[:_INPUT_SHOWN] + "..."
    return f"{field}: {error['msg']} (got {value})"
