"""Read-only Cypher: refuse a statement that could write before the engine sees it.

The check tokenises the text the way the parser will (string literals, backquoted names,
comments, parameters and property names are not keywords) and refuses write and admin
clauses, CALL of anything but a few catalogue functions, and more than one statement.
Queries also run in a READ ONLY transaction, so a write this check missed still fails.

``check_parameters`` refuses a query that uses a ``$parameter`` the request does not give:
real_ladybug 0.15.3 binds a parameter missing from an empty parameter map as NULL without a
word, so ``WHERE r.id = $report`` without ``report`` would answer for every report.
``check_parameter_values`` refuses an integer outside INT64, which the engine's Python
binding cannot convert (it fails with a bare pybind11 cast error naming nothing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from graph_node.errors import InvalidRequest, QueryRefused

WRITE_KEYWORDS = frozenset(
    {
        "CREATE", "MERGE", "SET", "DELETE", "DETACH", "REMOVE", "COPY", "DROP", "ALTER",
        "INSTALL", "UNINSTALL", "LOAD", "ATTACH", "USE", "IMPORT", "EXPORT", "BEGIN",
        "COMMIT", "ROLLBACK", "CHECKPOINT", "TRANSACTION", "UPDATE", "INSERT", "TRUNCATE",
    }
)  # fmt: skip
CALL_ALLOWLIST = frozenset(
    {"show_tables", "table_info", "show_connection", "db_version", "show_indexes"}
)

# NOTE: real_ladybug 0.15.3 binds a Python int as INT64 only; anything wider is a cast error.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SPACE = re.compile(r"\s+")


def check_read_only(cypher: str) -> None:
    """Raise QueryRefused if ``cypher`` could write or is not exactly one statement."""
    tokens = [token for token in _tokens(cypher) if not token.startswith("$")]
    for index, token in enumerate(tokens):
        if token == ";":
            if index != len(tokens) - 1:
                raise QueryRefused("Cypher query must be one statement")
            continue
        keyword = token.upper()
        if keyword in WRITE_KEYWORDS:
            raise QueryRefused(f"Cypher query refused: {keyword} writes or changes the node")
        if keyword == "CALL":
            called = tokens[index + 1] if index + 1 < len(tokens) else ""
            if called.lower() not in CALL_ALLOWLIST:
                raise QueryRefused(
                    f"Cypher query refused: CALL {called} is not one of "
                    f"{', '.join(sorted(CALL_ALLOWLIST))}"
                )


def check_parameters(cypher: str, parameters: Mapping[str, Any]) -> None:
    """Raise QueryRefused naming every ``$parameter`` of ``cypher`` missing from ``parameters``."""
    used = {token[1:] for token in _tokens(cypher) if token.startswith("$")}
    missing = sorted(used - set(parameters))
    if missing:
        names = ", ".join(f"${name}" for name in missing)
        raise QueryRefused(f"Cypher query uses {names} but the request gives no value for it")


def check_parameter_values(parameters: Mapping[str, Any]) -> None:
    """Raise InvalidRequest naming the first parameter holding an integer outside INT64.

    Lists and maps are searched too; the message names the place (``$n``, ``$ids[2]``,
    ``$m.total``) and how to pass such a number instead.
    """
    for name, value in parameters.items():
        found = _wide_integer(value, f"${name}")
        if found is not None:
            where, number = found
            raise InvalidRequest(
                f"Cypher parameter {where} is {number}, outside the graph engine's integer "
                f"range (INT64, {INT64_MIN} to {INT64_MAX}); pass it as a string "
                f'("{number}") and convert it in the query, e.g. CAST(${name} AS INT128) '
                f"or CAST(${name} AS DECIMAL(38, 0))"
            )


def _wide_integer(value: Any, where: str) -> tuple[str, int] | None:
    """Where in ``value`` an integer outside INT64 sits, and the integer; None if nowhere."""
    if isinstance(value, int) and not isinstance(value, bool):
        return None if INT64_MIN <= value <= INT64_MAX else (where, value)
    if isinstance(value, list | tuple):
        found = (_wide_integer(item, f"{where}[{i}]") for i, item in enumerate(value))
    elif isinstance(value, Mapping):
        found = (_wide_integer(item, f"{where}.{key}") for key, item in value.items())
    else:
        return None
    return next((hit for hit in found if hit is not None), None)


def _tokens(text: str) -> Iterator[str]:
    """Bare words, ``$parameter`` names and ';' in the order the parser sees them; everything
    else is skipped."""
    position, end = 0, len(text)
    while position < end:
        char = text[position]
        if match := _SPACE.match(text, position):
            position = match.end()
        elif text.startswith("//", position):
            newline = text.find("\n", position)
            position = end if newline < 0 else newline + 1
        elif text.startswith("/*", position):
            position = _after(text, "*/", position + 2, what="comment")
        elif char in "'\"":
            position = _after_string(text, position)
        elif char == "`":
            position = _after(text, "`", position + 1, what="backquoted name")
        elif char in "$.":
            # a parameter or property name: never a clause keyword
            word = _WORD.match(text, position + 1)
            if word and char == "$":
                yield "$" + word.group()
            position = word.end() if word else position + 1
        elif match := _WORD.match(text, position):
            yield match.group()
            position = match.end()
        else:
            if char == ";":
                yield ";"
            position += 1


def _after(text: str, closing: str, start: int, *, what: str) -> int:
    found = text.find(closing, start)
    if found < 0:
        raise QueryRefused(f"Cypher query refused: unterminated {what}")
    return found + len(closing)


def _after_string(text: str, start: int) -> int:
    quote_char, position = text[start], start + 1
    while position < len(text):
        char = text[position]
        if char == "\\":
            position += 2
        elif char == quote_char:
            return position + 1
        else:
            position += 1
    raise QueryRefused("Cypher query refused: unterminated string literal")
