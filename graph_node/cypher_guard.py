"""Read-only Cypher: refuse a statement that could write before the engine sees it.

The check tokenises the text the way the parser will (string literals, backquoted names,
comments, parameters and property names are not keywords) and refuses write and admin
clauses, CALL of anything but a few catalogue functions, and more than one statement.
Queries also run in a READ ONLY transaction, so a write this check missed still fails.

``check_shape`` refuses a query too long or too deeply nested for the engine. real_ladybug
0.15.3 parses and binds recursively and before its query timeout starts: measured on an
empty database, it dies of SIGSEGV (no exception, the whole process) at 2,000 nested
parentheses, 1,000 nested lists, 1,000 nested function calls or 10,000 chained ``+`` or
``AND``; 4,000 chained ``+`` take 5 s, 150 nested lists 5 s, 200 nested maps 20 s, and
each nested CASE doubles the time (20 deep: 13 s); nesting levels of any kind multiply
each other's cost. The limits below sit far beneath those: the slowest query found that
they let through (8 KiB of maps inside CASE, 13 deep) takes 1.5 s.

``check_parameters`` refuses a query that uses a ``$parameter`` the request does not give:
real_ladybug 0.15.3 binds a parameter missing from an empty parameter map as NULL without a
word, so ``WHERE r.id = $report`` without ``report`` would answer for every report.
``check_parameter_values`` refuses an integer outside INT64, which the engine's Python
binding cannot convert (it fails with a bare pybind11 cast error naming nothing), and
parameters too deep or too large to bind: the engine converts a parameter value before its
query timeout starts, holding the process meanwhile. Measured with 0.15.3 in a child
process: a list nested 1,000 deep binds in 0.8 s, 3,000 deep in 9 s, 10,000 deep did not
finish in 90 s; a map nested 3,000 deep takes 13 s past a 10 s timeout; 3,000 maps each
nested 32 deep take 14 s (the cost grows with the square of the depth per element); a
million integers 1.5 s, a million one-key maps 10 s; a map of 70,000 keys fails with the
same nameless cast error. Within the limits below the costliest found (6,250 maps nested
7 deep in a list) binds in 3 s.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

from graph_node.cypher_values import check_bindable
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
MAX_CHARS = 8_192
MAX_NESTING = 16  # (), [], {} and CASE together: each level multiplies the parse time
MAX_LITERAL_NESTING = 8  # [] and {} alone: list and map literals cost the most per level
MAX_CASE_NESTING = 4  # each level doubles the time
MAX_OPERATORS = 1_000
MAX_PARAMETER_NESTING = 8  # lists and maps inside one parameter value
MAX_PARAMETER_VALUES = 50_000  # list elements and map entries of all parameters together
# Operators as the tokenizer yields them: a run of symbols (``<=``, ``->``) counts once; a
# property lookup ``.name`` counts once; every ``[`` counts too (a subscript chain nests).
_OPERATOR_WORDS = frozenset(
    {"AND", "OR", "XOR", "NOT", "IN", "IS", "CONTAINS", "STARTS", "ENDS"}
)  # fmt: skip
_OPERATOR_SYMBOLS = "-+*/%^=<>~!"
_OPENING = {"(": ")", "[": "]", "{": "}"}

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"0[xX][0-9A-Fa-f]+|[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_SYMBOLS = re.compile(r"(?:[-+*%^=<>~!]|/(?![/*]))+")  # never eats a comment's start
_SPACE = re.compile(r"\s+")


class Shape(NamedTuple):
    """How deep a Cypher text nests and how many operators it holds (``measure_shape``)."""

    nesting: int
    literal_nesting: int
    case_nesting: int
    operators: int


def check_shape(cypher: str) -> None:
    """Raise QueryRefused naming the first limit ``cypher`` passes (length, nesting,
    operators) and that limit, or a lone surrogate in it; comments and string literals do
    not nest or count."""
    if len(cypher) > MAX_CHARS:
        raise QueryRefused(
            f"Cypher query refused: {len(cypher):,} characters long, at most {MAX_CHARS:,} "
            "are accepted (pass long values as parameters)"
        )
    try:
        cypher.encode("utf-8")
    except UnicodeEncodeError as exc:  # the engine's binding fails naming nothing
        raise QueryRefused(
            f"Cypher query refused: a lone surrogate ({cypher[exc.start]!r}) at character "
            f"{exc.start} is not Unicode text"
        ) from exc
    shape = measure_shape(cypher)
    for found, limit, what in (
        (shape.nesting, MAX_NESTING, "brackets (), [], {} and CASE expressions nest"),
        (shape.literal_nesting, MAX_LITERAL_NESTING, "brackets [] and {} nest"),
        (shape.case_nesting, MAX_CASE_NESTING, "CASE expressions nest"),
    ):
        if found > limit:
            raise QueryRefused(
                f"Cypher query refused: {what} {found:,} deep, at most {limit} are accepted"
            )
    if shape.operators > MAX_OPERATORS:
        raise QueryRefused(
            f"Cypher query refused: {shape.operators:,} operators, property lookups and "
            f"subscripts, at most {MAX_OPERATORS:,} are accepted"
        )


def measure_shape(cypher: str) -> Shape:
    """The deepest nesting and the operator count of ``cypher``, outside strings and
    comments; a stray closing bracket or END is ignored (the parser refuses it)."""
    open_brackets: list[str] = []
    nesting = literal_nesting = case_nesting = operators = literals = cases = 0
    for token in cypher_tokens(cypher, punctuation=True):
        if token in _OPENING:
            open_brackets.append(token)
            literals += token != "("
            nesting = max(nesting, len(open_brackets) + cases)
            literal_nesting = max(literal_nesting, literals)
        elif token in _OPENING.values():
            if open_brackets:
                literals -= open_brackets.pop() != "("
        elif token.upper() == "CASE":
            cases += 1
            case_nesting = max(case_nesting, cases)
            nesting = max(nesting, len(open_brackets) + cases)
        elif token.upper() == "END":
            cases = max(cases - 1, 0)
        operators += _is_operator(token)
    return Shape(nesting, literal_nesting, case_nesting, operators)


def _is_operator(token: str) -> bool:
    if token == "[" or token[0] in "." + _OPERATOR_SYMBOLS:
        return True
    return token.upper() in _OPERATOR_WORDS


def check_read_only(cypher: str) -> None:
    """Raise QueryRefused if ``cypher`` could write or is not exactly one statement."""
    tokens = [token for token in cypher_tokens(cypher) if not token.startswith("$")]
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
    used = {token[1:] for token in cypher_tokens(cypher) if token.startswith("$")}
    missing = sorted(used - set(parameters))
    if missing:
        names = ", ".join(f"${name}" for name in missing)
        raise QueryRefused(f"Cypher query uses {names} but the request gives no value for it")


def check_parameter_values(parameters: Mapping[str, Any]) -> None:
    """Raise InvalidRequest naming the first parameter the engine cannot bind safely.

    First the shape (``check_parameter_shape``), then integers outside INT64, searched in
    lists and maps too; the message names the place (``$n``, ``$ids[2]``, ``$m.total``)
    and how to pass such a number instead. Then values without one engine type
    (``cypher_values``: lone surrogates, empty or mixed lists, infinity and NaN).
    """
    check_parameter_shape(parameters)
    for name, value in parameters.items():
        found = _wide_integer(value, f"${name}")
        if found is not None:
            where, number = found
            raise InvalidRequest(
                f"Cypher parameter {where} is {number}, outside the graph engine's integer "
                f"range (INT64, {INT64_MIN} to {INT64_MAX}); {_wide_hint(name, where, number)}"
            )
        check_bindable(name, value)


def check_parameter_shape(parameters: Mapping[str, Any]) -> None:
    """Raise InvalidRequest naming the parameter that nests lists and maps deeper than
    ``MAX_PARAMETER_NESTING`` or takes the values past ``MAX_PARAMETER_VALUES``.

    Walks without recursion and stops at the first limit passed, so a value nested a
    million deep costs no more than one at the limit.
    """
    total = 0
    for name, value in parameters.items():
        pending: list[tuple[Any, int]] = [(value, 0)]
        while pending:
            item, depth = pending.pop()
            if isinstance(item, Mapping):
                children = list(item.values())
            elif isinstance(item, list | tuple):
                children = list(item)
            else:
                continue
            if depth == MAX_PARAMETER_NESTING:
                raise InvalidRequest(
                    f"Cypher parameter ${name} nests lists and maps more than "
                    f"{MAX_PARAMETER_NESTING} deep, at most {MAX_PARAMETER_NESTING} are "
                    "accepted (the graph engine's binding time grows with the square of the "
                    "depth, before the query timeout starts)"
                )
            total += len(children)
            if total > MAX_PARAMETER_VALUES:
                limit = f"{MAX_PARAMETER_VALUES:,}"
                raise InvalidRequest(
                    f"Cypher parameters hold more than {limit} list elements and map "
                    f"entries (passed in ${name}), at most {limit} are accepted: split the "
                    "query"
                )
            pending.extend((child, depth + 1) for child in children)


def _wide_hint(name: str, where: str, number: int) -> str:
    """How to pass ``number`` instead, for the parameter itself, a map field or a list
    element (a list must then hold strings only: one mixing them with numbers does not
    bind)."""
    if where.endswith("]"):
        items = where[: where.rindex("[")]
        return (
            f'give {items}\'s elements all as strings ("{number}"; a list mixing strings and '
            f"numbers does not bind) and convert them in the query, e.g. "
            f"list_transform({items}, v -> CAST(v AS INT128))"
        )
    decimal = f" or CAST(${name} AS DECIMAL(38, 0))" if where == f"${name}" else ""
    return (
        f'pass it as a string ("{number}") and convert it in the query, e.g. '
        f"CAST({where} AS INT128){decimal}"
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


def cypher_tokens(text: str, *, punctuation: bool = False, quoted: bool = False) -> Iterator[str]:
    """Bare words, ``$parameter`` names and ';' in the order the parser sees them; with
    ``punctuation`` also brackets, ':', ',', runs of operator symbols and property lookups
    (``.name``, or '.' alone); with ``quoted`` also backquoted names, backquotes kept."""
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
            closing = _after(text, "`", position + 1, what="backquoted name")
            if quoted:
                yield text[position:closing]
            position = closing
        elif char in "$.":
            # a parameter or property name: never a clause keyword
            word = _WORD.match(text, position + 1)
            if word and char == "$":
                yield "$" + word.group()
            elif punctuation and char == ".":
                yield "." + (word.group() if word else "")
            position = word.end() if word else position + 1
        elif match := _NUMBER.match(text, position) or _WORD.match(text, position):
            if not char.isdigit():
                yield match.group()
            position = match.end()
        elif match := _SYMBOLS.match(text, position):
            if punctuation:
                yield match.group()
            position = match.end()
        else:
            if char == ";" or (punctuation and char in "()[]{}:,"):
                yield char
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
