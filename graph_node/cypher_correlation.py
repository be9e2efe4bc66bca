"""Subqueries and optional matches tied to the query by a value: refused before the engine.

real_ladybug 0.15.3 answers an ``EXISTS { }``, ``NOT EXISTS { }`` or ``COUNT { }``
subquery wrongly when its body reads a value of the query around it (``f.duplicate_group``
of an outer ``f``, or a ``WITH f.duplicate_group AS grp``), and kills the process (SIGSEGV,
no exception) when such a subquery filters rows that are then aggregated. Measured on the
bundled Amazon 10-K (1,341 facts, 26 of them in duplicate sets, the others with a null
``duplicate_group``): ``NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group =
f.duplicate_group AND g.id <> f.id }`` returns 1,172 rows (13 distinct) where 1,315 facts
are due, ``EXISTS`` 14 of 26, ``COUNT { } = 0`` 188 rows of one fact, and each of them
followed by ``RETURN f.concept, count(f)`` kills the process. Anchoring the subquery on
``f`` or ``r`` with a pattern does not help while its WHERE reads ``f.duplicate_group``
(188 rows, or SIGSEGV), nor does ``coalesce(f.duplicate_group, '')``, nor passing the value
on under another name (``UNWIND [f.duplicate_group] AS grp``: 0 rows). The same forms over
values that are never null (``f.concept``) answered right, so whether a query hits the bug
depends on the data: the check refuses the form, not the data.

An ``OPTIONAL MATCH`` whose pattern shares no node with the query before it and whose
WHERE reads such a value is wrong too (1,327 facts without a duplicate instead of 1,315);
started at a node the query already matched (``OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->
(g:Fact) WHERE g.duplicate_group = f.duplicate_group AND g.id <> f.id``), then counted
(``WITH f, count(g) AS others WHERE others = 0``), it answers right.

A list the query collected is no safer: ``WITH f, collect(f.duplicate_group) AS grps
WHERE NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group IN grps }`` returns 86 facts where
1,315 are due and dies under ``count(f)``, anchored on ``f`` or collected before ``f`` was
matched it dies too. So the rule works on names, not on the forms a value can take (a
property, an alias, an alias of an alias, an UNWIND, a list): names are compared case-folded
and without backquotes, as the engine does, and a *variable use* is any name not after
``.``, not a label (after ``:`` unless a map's value), not a map key, not before ``(`` (a
function), and no keyword. The outer names of a subquery are all those used anywhere
outside its braces (bar other subqueries' bodies); inside the braces an outer name may only
be a node or relationship of a pattern, of the body or of a subquery nested in it
(``MATCH (f)-[:FACT_HAS_DIMENSION]->(d)``). An OPTIONAL MATCH is refused when its WHERE uses
a name used before it and its pattern has none of them as a node or relationship. A name
reused after it left scope is refused too: renaming it is the way out, and the message says
so. docs/graph-schema.md, "Correlated subqueries", says the same to users.
"""

from __future__ import annotations

from typing import NamedTuple

from graph_node.cypher_guard import cypher_tokens
from graph_node.errors import QueryRefused

# Words that are never a variable use here; function names are recognised by their "(".
_KEYWORDS = frozenset(
    {
        "MATCH", "OPTIONAL", "WHERE", "WITH", "RETURN", "UNWIND", "AS", "AND", "OR", "XOR",
        "NOT", "IN", "IS", "NULL", "TRUE", "FALSE", "DISTINCT", "ORDER", "BY", "SKIP",
        "LIMIT", "ASC", "ASCENDING", "DESC", "DESCENDING", "CASE", "WHEN", "THEN", "ELSE",
        "END", "EXISTS", "COUNT", "UNION", "ALL", "CONTAINS", "STARTS", "ENDS", "CALL",
        "YIELD", "ANY", "NONE", "SINGLE",
    }
)  # fmt: skip
# Clauses that end a pattern (and an OPTIONAL MATCH's WHERE) when met outside brackets.
_CLAUSE_STARTS = frozenset(
    {"MATCH", "OPTIONAL", "WITH", "RETURN", "UNWIND", "CALL", "UNION", "ORDER", "SKIP", "LIMIT"}
)  # fmt: skip
_REWRITE = (
    "match the other rows with an OPTIONAL MATCH that starts at a node the query already "
    "matched, then count them: MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) OPTIONAL "
    "MATCH (r)-[:REPORT_HAS_FACT]->(g:Fact) WHERE g.duplicate_group = f.duplicate_group "
    "AND g.id <> f.id WITH r, f, count(g) AS others WHERE others = 0 "
    "(docs/graph-schema.md, Correlated subqueries)"
)


class Span(NamedTuple):
    """Tokens ``start`` to ``end`` (exclusive) of a clause or a subquery's braces."""

    start: int
    end: int

    def holds(self, index: int) -> bool:
        return self.start <= index < self.end


def check_correlation(cypher: str) -> None:
    """Raise QueryRefused naming the subquery or OPTIONAL MATCH of ``cypher`` that reads
    a name of the query around it in a form real_ladybug 0.15.3 answers wrongly or dies
    on, and how to write it instead."""
    tokens = list(cypher_tokens(cypher, punctuation=True, quoted=True))
    subqueries = _subqueries(tokens)
    bodies = [body for _, body in subqueries]
    owners = _innermost_bodies(tokens, bodies)
    by_owner: dict[Span | None, set[str]] = {}
    for index, owner in enumerate(owners):
        if _is_variable_use(tokens, index):
            by_owner.setdefault(owner, set()).add(_name(tokens[index]))
    for keyword, body in subqueries:
        # outside the braces: the query's top level and the bodies enclosing this one
        enclosing = [b for b in bodies if b != body and b.holds(body.start)]
        outer = set().union(*(by_owner.get(b, set()) for b in [None, *enclosing]))
        nested = [b for b in bodies if body.holds(b.start)]
        read = _outer_read(tokens, [body, *nested], outer)
        if read:
            kind = "NOT EXISTS" if _negated(tokens, keyword) else tokens[keyword].upper()
            raise QueryRefused(
                f"Cypher query refused: the {kind} {{ }} subquery reads {read} of the query "
                "around it outside its pattern; the graph engine (real_ladybug 0.15.3) "
                "answers a subquery tied to the query by a value wrongly, and under an "
                f"aggregation crashes the whole node: {_REWRITE}. {_RENAME}"
            )
    for clause, pattern in _optional_matches(tokens):
        before = _names_used(tokens, range(clause.start))
        top = _names_used(tokens, range(clause.start), owners)
        if any(_name(tokens[i]) in top for i in _pattern_variables(tokens, pattern)):
            continue
        read = _outer_read(tokens, [Span(pattern.end, clause.end)], before)
        if read:
            raise QueryRefused(
                "Cypher query refused: an OPTIONAL MATCH whose pattern shares no node with "
                f"the query before it reads {read} of it; the graph engine (real_ladybug "
                f"0.15.3) answers such a match wrongly: {_REWRITE}. {_RENAME}"
            )


_RENAME = "If that name is one the query used before for something else, give it a name of its own."


def _name(token: str) -> str:
    """A name as the engine compares it: case-folded, backquotes stripped."""
    return token.strip("`").casefold()


def _is_word(token: str) -> bool:
    return token[:1].isalpha() or token[:1] in "_`"


def _is_variable_use(tokens: list[str], index: int) -> bool:
    """``tokens[index]`` names a variable: not a property, label, map key, function,
    keyword, parameter or literal."""
    token = tokens[index]
    if not _is_word(token) or (token[0] != "`" and token.upper() in _KEYWORDS):
        return False
    before = tokens[index - 1] if index else ""
    after = tokens[index + 1] if index + 1 < len(tokens) else ""
    if before == "." or after == "(" or _is_label(tokens, index):
        return False
    return not (after == ":" and before in ("{", ","))  # a map key


def _is_label(tokens: list[str], index: int) -> bool:
    """``tokens[index]`` is a label: after ``:`` (but not a map's value, ``{key: v}``, nor
    a slice's end, ``list[:n]``: the tokenizer drops numbers), or after another label
    (``[:A|B]``: the tokenizer drops the ``|``)."""
    before = tokens[index - 1] if index else ""
    if before == ":":
        if index >= 3 and tokens[index - 3] in ("{", ","):
            return False
        return tokens[index - 2] != "[" or index < 3 or tokens[index - 3].endswith("-")
    if index >= 2 and _is_word(before) and before.upper() not in _KEYWORDS:
        return _is_label(tokens, index - 1)
    return False


def _names_used(
    tokens: list[str], indices: range, owners: list[Span | None] | None = None
) -> set[str]:
    """The names used as variables at ``indices``; with ``owners``, only those outside
    every subquery's braces."""
    return {
        _name(tokens[i])
        for i in indices
        if _is_variable_use(tokens, i) and (owners is None or owners[i] is None)
    }


def _innermost_bodies(tokens: list[str], bodies: list[Span]) -> list[Span | None]:
    """For each token, the innermost subquery body holding it (None at the top level)."""
    owners: list[Span | None] = [None] * len(tokens)
    for body in sorted(bodies, key=lambda span: span.start):  # outer bodies first
        owners[body.start : body.end] = [body] * (body.end - body.start)
    return owners


def _outer_read(tokens: list[str], bodies: list[Span], outer: set[str]) -> str:
    """The first use in ``bodies[0]`` of a name of ``outer`` that is not a node or
    relationship of a pattern of one of ``bodies`` (a body and those nested in it), as
    written (``f.duplicate_group`` when a property follows); '' if there is none."""
    patterns = [pattern for body in bodies for pattern in _patterns(tokens, body)]
    allowed = set(_pattern_variables(tokens, *patterns))
    for index in range(*bodies[0]):
        if index in allowed or not _is_variable_use(tokens, index):
            continue
        if _name(tokens[index]) in outer:
            return _as_written(tokens, index)
    return ""


def _as_written(tokens: list[str], index: int) -> str:
    read = tokens[index].strip("`")
    following = tokens[index + 1 : index + 3]
    if following and following[0].startswith(".") and len(following[0]) > 1:
        return read + following[0]
    if len(following) == 2 and following[0] == "." and _is_word(following[1]):
        return f"{read}.{following[1].strip('`')}"
    return read


def _subqueries(tokens: list[str]) -> list[tuple[int, Span]]:
    """Each ``EXISTS {`` or ``COUNT {``: the keyword's index and the tokens in its braces."""
    found = []
    for index, token in enumerate(tokens[:-1]):
        if token.upper() in ("EXISTS", "COUNT") and tokens[index + 1] == "{":
            found.append((index, Span(index + 2, _closing(tokens, index + 1))))
    return found


def _closing(tokens: list[str], opening: int) -> int:
    """Index of the bracket closing ``tokens[opening]`` (the end if none does)."""
    depth = 0
    for index in range(opening, len(tokens)):
        depth += tokens[index] in ("(", "[", "{")
        depth -= tokens[index] in (")", "]", "}")
        if depth == 0:
            return index
    return len(tokens)


def _negated(tokens: list[str], keyword: int) -> bool:
    return keyword > 0 and tokens[keyword - 1].upper() == "NOT"


def _patterns(tokens: list[str], span: Span) -> list[Span]:
    """The pattern parts of a subquery body: after each MATCH at its top level (or from
    its start, for ``EXISTS { (f)-->() }``) up to the next WHERE or clause there."""
    found, start, depth = [], span.start, 0
    for index in range(span.start, span.end):
        word = tokens[index].upper() if tokens[index][0] != "`" else ""
        if depth == 0 and (word in _CLAUSE_STARTS or word == "WHERE"):
            if start is not None and start < index:
                found.append(Span(start, index))
            start = index + 1 if word == "MATCH" else None
        depth += tokens[index] in ("(", "[", "{")
        depth -= tokens[index] in (")", "]", "}")
    if start is not None and start < span.end:
        found.append(Span(start, span.end))
    return found


def _pattern_variables(tokens: list[str], *patterns: Span) -> list[int]:
    """Indices of the names that open a node or relationship in ``patterns``: right after
    a ``(`` or ``[`` at the pattern's own level (``(f:Fact)``, ``[e]``), so a value in a
    property map or a nested expression never counts."""
    found = []
    for pattern in patterns:
        depth = 0
        for index in range(pattern.start, pattern.end):
            token = tokens[index]
            opens = depth == 0 and token in ("(", "[") and index + 1 < pattern.end
            if opens and _is_variable_use(tokens, index + 1):
                found.append(index + 1)
            depth += token in ("(", "[", "{")
            depth -= token in (")", "]", "}")
    return found


def _optional_matches(tokens: list[str]) -> list[tuple[Span, Span]]:
    """Each OPTIONAL MATCH: the whole clause with its WHERE, and its pattern alone."""
    found = []
    for index in range(len(tokens) - 1):
        if tokens[index].upper() != "OPTIONAL" or tokens[index + 1].upper() != "MATCH":
            continue
        depth, where, end = 0, None, len(tokens)
        for position in range(index + 2, len(tokens)):
            token = tokens[position]
            depth += token in ("(", "[", "{")
            depth -= token in (")", "]", "}")
            word = token.upper() if token[0] != "`" else ""
            if depth < 0 or (depth == 0 and word in _CLAUSE_STARTS) or token == ";":
                end = position
                break
            if depth == 0 and word == "WHERE" and where is None:
                where = position
        found.append((Span(index, end), Span(index + 2, where or end)))
    return found
