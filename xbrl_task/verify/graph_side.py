"""The graph side of the fidelity check: reports and their facts, read back with Cypher.

Everything is read the way a user reads the graph (the CLI's reader, read-only Cypher), in
pages, because a reader returns at most a fixed number of rows per query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from xbrl_task.verify.facts import (
    NIL,
    ComparableFact,
    members_key,
    number_key,
    precision_key,
    uri_members,
)

PAGE = 5000

REPORTS = """
MATCH (r:Report)
OPTIONAL MATCH (e:Entity)-[h:ENTITY_HAS_REPORT]->(r) WHERE h.role = 'registrant'
RETURN r.id, e.cik, r.entry_point, r.documents, r.fact_count, r.duplicates_collapsed,
       r.facts_in_document, r.facts_rejected
ORDER BY r.id
"""

# NOTE: the DECIMAL is read as the text of its absolute value, and its sign: real_ladybug
# 0.15.3 prints a DECIMAL between -0.1 and 0 wrongly (-0.018 as "0.-18000000000", and its
# Python driver then raises), and its driver rounds DECIMALs to 28 significant digits.
# The stored values are right; reading them this way is exact.
FACTS = """
MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_ELEMENT]->(e:Element)
WHERE r.id = $report
MATCH (f)-[:FACT_HAS_CONTEXT]->(c:Context)
OPTIONAL MATCH (f)-[:FACT_HAS_UNIT]->(u:Unit)
RETURN f.id, e.id, c.entity, c.period, u.id, f.value_text, CAST(abs(f.value_decimal) AS STRING),
       f.value_decimal < 0, f.decimals, f.precision, f.is_nil, f.is_numeric, f.language,
       f.occurrences, c.non_dimensional
ORDER BY f.id SKIP $skip LIMIT $limit
"""

DIMENSIONS = """
MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_DIMENSION]->(d:Dimension)
WHERE r.id = $report
RETURN f.id, d.axis, d.member, d.id
ORDER BY f.id, d.axis SKIP $skip LIMIT $limit
"""


FACT_NODES = """
MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = $report RETURN count(f)
"""


class Reader(Protocol):
    def query_cypher(
        self, graph_id: str, cypher: str, parameters: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class GraphReport:
    """A Report node with what the check needs to find its package and count its facts."""

    id: str
    cik: int | None
    entry_point: str
    documents: tuple[str, ...]
    fact_count: int
    collapsed: int
    in_document: int
    rejected: int


def graph_reports(reader: Reader, graph_id: str) -> list[GraphReport]:
    rows = reader.query_cypher(graph_id, REPORTS, {})["rows"]
    return [
        GraphReport(r[0], r[1], r[2], tuple((r[3] or r[2]).split()), r[4], r[5], r[6], r[7])
        for r in rows
    ]


def count_fact_nodes(reader: Reader, graph_id: str, report: str) -> int:
    """The report's Fact nodes: one per fact, complete duplicates of the document collapsed
    into one (what ``stats`` and ``facts`` count)."""
    return reader.query_cypher(graph_id, FACT_NODES, {"report": report})["rows"][0][0]


def graph_facts(reader: Reader, graph_id: str, report: str) -> Iterator[ComparableFact]:
    """Every fact of ``report``, repeated as often as the document had it (occurrences)."""
    dimensions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for fid, axis, member, did in _pages(reader, graph_id, DIMENSIONS, report):
        # a typed dimension's id is axis#key, the key its value canonical for its type
        dimensions[fid].append((axis, member if member is not None else did[len(axis) :]))
    for row in _pages(reader, graph_id, FACTS, report):
        fact = _comparable(row, tuple(sorted(dimensions.get(row[0], ()))))
        for _ in range(row[13]):
            yield fact


def _comparable(row: list[Any], dims: tuple[tuple[str, str], ...]) -> ComparableFact:
    concept, entity, period, unit, text, magnitude, negative = row[1:8]
    decimals, precision, nil, numeric, language = row[8:13]
    number = _signed(magnitude, negative)
    accurate = numeric and not nil
    if nil:
        value = NIL
    elif numeric:
        value = number_key(str(number)) if number is not None else number_key(text or "")
    else:
        members = uri_members(text or "")
        value = members_key(members) if members else text if text is not None else ""
    return ComparableFact(
        concept=concept,
        entity=entity,
        period=period,
        unit=unit if numeric else None,
        dimensions=dims,
        value=value,
        decimals=_decimals(decimals) if accurate and decimals is not None else None,
        language=language if not numeric else None,
        precision=_precision(decimals, precision) if accurate else None,
        non_dimensional=row[14] or "",
    )


def _signed(magnitude: Any, negative: bool | None) -> Decimal | None:
    if magnitude is None:
        return None
    number = Decimal(str(magnitude))
    return number.copy_negate() if negative else number  # unary minus rounds to 28 digits


def _decimals(decimals: str) -> str | None:
    return None if decimals.strip() == "INF" else str(int(decimals))


def _precision(decimals: str | None, precision: str | None) -> str | None:
    """A precision when the fact has no decimals (XBRL 2.1 allows one or the other)."""
    return precision_key(precision) if decimals is None and precision is not None else None


def _pages(reader: Reader, graph_id: str, cypher: str, report: str) -> Iterator[list[Any]]:
    skip = 0
    while True:
        params = {"report": report, "skip": skip, "limit": PAGE}
        rows = reader.query_cypher(graph_id, cypher, params)["rows"]
        yield from rows
        if len(rows) < PAGE:
            return
        skip += PAGE
