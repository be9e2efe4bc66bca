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
(188 rows, or SIGSEGV), nor does ``coalesce(f.duplicate_group, '')``. The same forms over
values that are never null (``f.concept``) answered right, so whether a query hits the bug
depends on the data: the check refuses the form, not the data.

An ``OPTIONAL MATCH`` whose pattern shares no node with the query before it and whose
WHERE reads such a value is wrong too (1,327 facts without a duplicate instead of 1,315);
started at a node the query already matched (``OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->
(g:Fact) WHERE g.duplicate_group = f.duplicate_group AND g.id <> f.id``), then counted
(``WITH f, count(g) AS others WHERE others = 0``), it answers right, with or without an
aggregation after it. A subquery tied by its pattern alone (``COUNT { MATCH
(f)-[:FACT_HAS_DIMENSION]->(d) WHERE d.member IN presented }``, ``presented`` a collected
list) is not refused. docs/graph-schema.md, "Correlated subqueries", says the same to users.
"""

from __future__ import annotations

from typing import NamedTuple

from graph_node.cypher_guard import cypher_tokens
from graph_node.errors import QueryRefused

_SUBQUERY_KEYWORDS = frozenset({"EXISTS", "COUNT"})
# Clauses that end an OPTIONAL MATCH (with its WHERE) when met outside brackets.
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


class Scope(NamedTuple):
    """Names bound in one query level, each with the index of the token first binding it;
    ``aliases`` holds those bound to a property (``grp`` -> ``f.duplicate_group``)."""

    names: dict[str, int]
    aliases: dict[str, str]


class Outer(NamedTuple):
    """What the query around token ``at`` has bound by then: the scopes enclosing it."""

    scopes: tuple[Scope, ...]
    at: int

    def binds(self, name: str) -> bool:
        return any(scope.names.get(name, self.at) < self.at for scope in self.scopes)

    def alias(self, name: str) -> str | None:
        if not self.binds(name):
            return None
        return next((s.aliases[name] for s in self.scopes if name in s.aliases), None)


class Span(NamedTuple):
    """Tokens ``start`` to ``end`` (exclusive) of a clause or a subquery's braces."""

    start: int
    end: int


def check_correlation(cypher: str) -> None:
    """Raise QueryRefused naming the subquery or OPTIONAL MATCH of ``cypher`` that reads
    a value of the query around it in a form real_ladybug 0.15.3 answers wrongly or dies
    on, and how to write it instead."""
    tokens = list(cypher_tokens(cypher, punctuation=True))
    subqueries = _subqueries(tokens)
    optionals = _optional_matches(tokens)
    bound = _bound_at(tokens, subqueries, [clause.start for clause, _ in optionals])
    for keyword, body in subqueries:
        read = _outer_value_read(tokens, body, bound[body.start])
        if read:
            kind = "NOT EXISTS" if _negated(tokens, keyword) else tokens[keyword].upper()
            raise QueryRefused(
                f"Cypher query refused: the {kind} {{ }} subquery reads {read} of the query "
                "around it; the graph engine (real_ladybug 0.15.3) answers a subquery tied "
                "to the query by a value wrongly, and under an aggregation crashes the whole "
                f"node: {_REWRITE}"
            )
    for clause, pattern in optionals:
        outer = bound[clause.start]
        if any(outer.binds(name) for name in _pattern_variables(tokens, pattern)):
            continue
        read = _outer_value_read(tokens, clause, outer)
        if read:
            raise QueryRefused(
                "Cypher query refused: an OPTIONAL MATCH whose pattern shares no node with "
                f"the query before it reads {read} of it; the graph engine (real_ladybug "
                f"0.15.3) answers such a match wrongly: {_REWRITE}"
            )


def _subqueries(tokens: list[str]) -> list[tuple[int, Span]]:
    """Each ``EXISTS {`` or ``COUNT {``: the keyword's index and the tokens in its braces."""
    found = []
    for index, token in enumerate(tokens[:-1]):
        if token.upper() in _SUBQUERY_KEYWORDS and tokens[index + 1] == "{":
            found.append((index, Span(index + 2, _closing(tokens, index + 1))))
    return found


def _closing(tokens: list[str], opening: int) -> int:
    """Index of the bracket closing ``tokens[opening]`` (the end if none does)."""
    depth = 0
    for index in range(opening, len(tokens)):
        depth += tokens[index] in "([{"
        depth -= tokens[index] in ")]}"
        if depth == 0:
            return index
    return len(tokens)


def _negated(tokens: list[str], keyword: int) -> bool:
    return keyword > 0 and tokens[keyword - 1].upper() == "NOT"


def _bound_at(
    tokens: list[str], subqueries: list[tuple[int, Span]], clauses: list[int]
) -> dict[int, Outer]:
    """What is bound at the first token of each subquery body and at each of ``clauses``:
    pattern variables and ``AS`` names, outside subqueries closed by then. One pass; a
    subquery's names live in a scope of their own, dropped at its closing brace."""
    opened = {body.start for _, body in subqueries}
    closed = {body.end for _, body in subqueries}
    wanted = opened | set(clauses)
    scopes = [Scope({}, {})]
    bound = {}
    for index, token in enumerate(tokens):
        if index in closed and len(scopes) > 1:
            scopes.pop()
        if index in wanted:
            bound[index] = Outer(tuple(scopes), index)
        if index in opened:
            scopes.append(Scope({}, {}))
        scope = scopes[-1]
        if _is_pattern_variable(tokens, index):
            scope.names.setdefault(token, index)
        elif index > 0 and tokens[index - 1].upper() == "AS" and _is_name(token):
            scope.names.setdefault(token, index)
            if _aliases_property(tokens, index):
                scope.aliases[token] = tokens[index - 3] + tokens[index - 2]
    return bound


def _outer_value_read(tokens: list[str], span: Span, outer: Outer) -> str | None:
    """The first ``var.property`` of a variable ``outer`` binds read in ``span``, or a name
    that aliases one (as ``grp (f.duplicate_group)``); None if there is none."""
    for index in range(span.start, min(span.end, len(tokens))):
        token = tokens[index]
        if index > 0 and (
            tokens[index - 1].startswith((".", ":")) or tokens[index - 1].upper() == "AS"
        ):
            continue  # a property or label name, or a name being bound
        if _is_property_read(tokens, index):
            if outer.binds(token):
                return token + tokens[index + 1]
        elif (alias := outer.alias(token)) is not None:
            return f"{token} ({alias})"
    return None


def _optional_matches(tokens: list[str]) -> list[tuple[Span, Span]]:
    """Each OPTIONAL MATCH: the whole clause with its WHERE, and its pattern alone."""
    found = []
    for index in range(len(tokens) - 1):
        if tokens[index].upper() != "OPTIONAL" or tokens[index + 1].upper() != "MATCH":
            continue
        depth, where, end = 0, None, len(tokens)
        for position in range(index + 2, len(tokens)):
            token = tokens[position]
            depth += token in "([{"
            depth -= token in ")]}"
            word = token.upper()
            if depth < 0 or (depth == 0 and word in _CLAUSE_STARTS) or token == ";":
                end = position
                break
            if depth == 0 and word == "WHERE" and where is None:
                where = position
        found.append((Span(index, end), Span(index + 2, where or end)))
    return found


def _pattern_variables(tokens: list[str], pattern: Span) -> set[str]:
    return {tokens[i] for i in range(*pattern) if _is_pattern_variable(tokens, i)}


def _is_pattern_variable(tokens: list[str], index: int) -> bool:
    """``tokens[index]`` names a node or relationship: ``(f:Fact)``, ``(f)``, ``[e:X]``."""
    return (
        0 < index < len(tokens) - 1
        and tokens[index - 1] in ("(", "[")
        and _is_name(tokens[index])
        and tokens[index + 1] in (":", ")", "]", "{")
    )


def _aliases_property(tokens: list[str], index: int) -> bool:
    """``tokens[index]`` is bound by ``WITH v.property AS name`` (or ``, v.property AS``)."""
    return (
        index >= 4
        and tokens[index - 4].upper() in ("WITH", ",")
        and _is_property_read(tokens, index - 3)
    )


def _is_property_read(tokens: list[str], index: int) -> bool:
    return (
        _is_name(tokens[index])
        and index + 1 < len(tokens)
        and tokens[index + 1].startswith(".")
        and len(tokens[index + 1]) > 1
    )


def _is_name(token: str) -> bool:
    return token[:1].isalpha() or token[:1] == "_"
