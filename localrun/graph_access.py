"""Read access to a graph for the CLI: a running graph node, or the files in-process.

With an endpoint (``--endpoint`` or LEDGERGRAPH_GRAPH_API_URL set by the user) the CLI talks
HTTP to that node; otherwise it opens the graph files of the data directory read-only, which
is what a user wants after ``sec run`` has finished and stopped its node.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ledgergraph.messages import first_named
from localrun.errors import NoFactsInGraph, UnknownConcept
from localrun.periods import period_order

if TYPE_CHECKING:
    from graph_node.service import GraphService


class GraphReader(Protocol):
    def query_cypher(
        self, graph_id: str, cypher: str, parameters: dict[str, Any] | None = None
    ) -> dict[str, Any]: ...

    def stats(self, graph_id: str) -> dict[str, Any]: ...


@contextmanager
def open_reader(*, home: Path, endpoint: str | None, api_key: str | None) -> Iterator[GraphReader]:
    """A reader over HTTP when ``endpoint`` is given, else over the local files."""
    if endpoint:
        from ledgergraph.graph_client import GraphClient
        from ledgergraph.logs import send_logs_to_stderr

        send_logs_to_stderr()  # the client's warnings (a 503) must not mix into --json output
        client = GraphClient(endpoint, api_key=api_key)
        try:
            yield client
        finally:
            client.close()
        return

    with local_node(home, read_only=True) as service:
        yield service


@contextmanager
def local_node(home: Path, *, read_only: bool) -> Iterator[GraphService]:
    """The graph files under ``home`` opened in-process, the node's log lines in its log.

    The command reports the node's errors itself, in one line; the node's own lines (an
    engine crash, a damaged file) go to ``logs/graph-node.log``, as a served node's do.
    """
    from graph_node.log import logger as node_logger
    from graph_node.service import GraphService
    from graph_node.settings import NodeSettings
    from ledgergraph.logs import send_logs_to_stderr, service_logs_to_file
    from localrun.graph_node_process import node_log_path

    send_logs_to_stderr()
    with service_logs_to_file(node_logger.service, node_log_path(home)):
        service = GraphService(NodeSettings(home=home), read_only=read_only)
        try:
            yield service
        finally:
            service.close()


# NOTE: value_decimal is read as the text of its absolute value plus its sign: real_ladybug
# 0.15.3 prints a DECIMAL between -0.1 and 0 wrongly (-0.018 as "0.-18000000000") and its
# driver then raises; the stored value is right, and this way of reading it is exact.
FACTS_CYPHER = """
MATCH (en:Entity)<-[:FACT_HAS_ENTITY]-(f:Fact)-[:FACT_HAS_ELEMENT]->(e:Element)
WHERE e.id = $concept AND ($cik < 0 OR en.cik = $cik)
MATCH (f)-[:FACT_HAS_PERIOD]->(p:Period)
MATCH (r:Report)-[:REPORT_HAS_FACT]->(f)
OPTIONAL MATCH (f)-[:FACT_HAS_CONTEXT]->(c:Context)
OPTIONAL MATCH (f)-[:FACT_HAS_UNIT]->(u:Unit)
OPTIONAL MATCH (f)-[:FACT_HAS_DIMENSION]->(d:Dimension)
RETURN en.cik AS cik, en.name AS entity, r.id AS report, r.form AS form, f.id AS fact,
       p.id AS period, p.start_date AS start_date, p.end_date AS end_date,
       p.period_type AS period_type,
       CAST(abs(f.value_decimal) AS STRING) AS magnitude, f.value_decimal < 0 AS negative,
       f.value_text AS value_text, f.is_nil AS is_nil,
       f.decimals AS decimals, u.id AS unit, collect(d.id) AS dimensions,
       c.non_dimensional AS non_dimensional,
       f.duplicate_status AS duplicate_status, f.duplicate_group AS duplicate_group
ORDER BY cik, period, report, fact
"""


# Concepts named by local name alone: those with facts (of the filer, with --cik) first,
# then any element of that name, to say what exists when none has facts.
_CONCEPTS_WITH_FACTS = """
MATCH (en:Entity)<-[:FACT_HAS_ENTITY]-(:Fact)-[:FACT_HAS_ELEMENT]->(e:Element)
WHERE e.local_name = $name AND ($cik < 0 OR en.cik = $cik)
RETURN DISTINCT e.id ORDER BY e.id
"""
_CONCEPTS_NAMED = "MATCH (e:Element) WHERE e.local_name = $name RETURN e.id ORDER BY e.id"
_CONCEPT_BY_ID = "MATCH (e:Element) WHERE e.id = $id RETURN e.id"
# Case-insensitive lookups, only when the exact one found nothing: they read every element
# (and, for a bare name, every fact), where the exact ones use the primary key.
_CONCEPTS_WITH_FACTS_ANY_CASE = """
MATCH (en:Entity)<-[:FACT_HAS_ENTITY]-(:Fact)-[:FACT_HAS_ELEMENT]->(e:Element)
WHERE lower(e.local_name) = $name AND ($cik < 0 OR en.cik = $cik)
RETURN DISTINCT e.id ORDER BY e.id
"""
_CONCEPTS_ANY_CASE = """
MATCH (e:Element) WHERE lower(e.id) = $id OR starts_with(lower(e.id), $abbreviated)
RETURN e.id ORDER BY e.id
"""
_LISTED = 10


def resolve_concept(reader: GraphReader, graph_id: str, concept: str, cik: int | None) -> str:
    """The concept id for ``concept``: itself when the graph holds it; for an extension
    concept given without its namespace hash (``aapl:Foo`` for ``aapl:Foo@6b480ee3``) the
    one id it abbreviates; for a bare name the one concept of that local name that has facts
    (of ``cik``, when given). When none matches exactly, the one that matches ignoring case
    (``us-gaap:revenues`` reads ``us-gaap:Revenues``).

    Raises:
        UnknownConcept: a prefixed id the graph does not hold, or a bare name that matches no
            concept with facts, or several (also ignoring case); the message names the ids
            the graph holds, or asks which of those that match ignoring case was meant.
    """
    if ":" in concept:
        return _prefixed(reader, graph_id, concept)
    params = {"name": concept, "cik": -1 if cik is None else cik}
    found = _ids(reader.query_cypher(graph_id, _CONCEPTS_WITH_FACTS, params))
    if len(found) == 1:
        return found[0]
    whose = f" for CIK {cik}" if cik is not None else ""
    if found:
        raise UnknownConcept(
            f"concept {concept!r} has no prefix and several concepts of that name have "
            f"facts{whose} in graph {graph_id}: {_some(found)}; give one of them"
        )
    params["name"] = concept.lower()
    alike = _ids(reader.query_cypher(graph_id, _CONCEPTS_WITH_FACTS_ANY_CASE, params))
    if len(alike) == 1:
        return alike[0]
    named = _ids(reader.query_cypher(graph_id, _CONCEPTS_NAMED, {"name": concept}))
    what = f"concept {concept!r} has no prefix and no facts{whose} in graph {graph_id}"
    if alike:
        raise UnknownConcept(f"{what}; did you mean {_either(alike)}?")
    if named:
        raise UnknownConcept(f"{what}; the concepts of that name are {_some(named)}")
    raise UnknownConcept(
        f"{what}, nor does any concept of that name exist there; concept ids carry their "
        "prefix, e.g. us-gaap:Revenues"
    )


def _prefixed(reader: GraphReader, graph_id: str, concept: str) -> str:
    if _ids(reader.query_cypher(graph_id, _CONCEPT_BY_ID, {"id": concept})):
        return concept
    name = concept.split(":", 1)[1].split("@", 1)[0]
    named = _ids(reader.query_cypher(graph_id, _CONCEPTS_NAMED, {"name": name}))
    abbreviated = [id_ for id_ in named if id_.startswith(f"{concept}@")]
    if len(abbreviated) == 1:
        return abbreviated[0]
    alike = _ids(reader.query_cypher(graph_id, _CONCEPTS_ANY_CASE, _any_case(concept)))
    if len(alike) == 1:
        return alike[0]
    missing = f"graph {graph_id} holds no concept {concept!r}"
    if alike:
        raise UnknownConcept(f"{missing}; did you mean {_either(alike)}?")
    known = f"; the concepts named {name!r} are {_some(named)}" if named else ""
    raise UnknownConcept(f"{missing}{known}")


def _any_case(concept: str) -> dict[str, str]:
    """Parameters of ``_CONCEPTS_ANY_CASE``: the id, or the ids it abbreviates (no hash)."""
    return {"id": concept.lower(), "abbreviated": f"{concept.lower()}@"}


def _either(ids: list[str]) -> str:
    """``a``, ``a or b``, ``a, b or c`` (at most ``_LISTED`` named)."""
    if len(ids) > _LISTED:
        return _some(ids)
    return ids[0] if len(ids) == 1 else f"{', '.join(ids[:-1])} or {ids[-1]}"


def _ids(result: dict[str, Any]) -> list[str]:
    return [row[0] for row in result["rows"]]


def _some(ids: list[str]) -> str:
    return first_named(ids, _LISTED)


def fetch_facts(
    reader: GraphReader, graph_id: str, *, concept: str, cik: int | None
) -> list[dict[str, Any]]:
    """A concept's facts, optionally for one filer, as one dict per fact.

    Besides its value, unit and dimensions, a fact says what else sets it apart from a
    company-wide fact of the same days: ``period`` is the Period id (a time of day, in UTC
    when zoned, is part of it where ``start_date``/``end_date`` keep the day alone),
    ``non_dimensional`` its context's segment or scenario content that is no dimension
    member (canonical XML, None for none), and ``duplicate_status``/``duplicate_group``
    whether other facts of the filing share every aspect (consistent, inconsistent).
    """
    params = {"concept": concept, "cik": -1 if cik is None else cik}
    result = reader.query_cypher(graph_id, FACTS_CYPHER, params)
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]
    for row in rows:
        row["dimensions"] = sorted(d for d in row["dimensions"] or [] if d)
        row["value_decimal"] = _exact(row.pop("magnitude"), row.pop("negative"))
    # per filer, periods in XBRL's time order; the facts of one period keep the query's
    # order (report, fact id): sort is stable
    rows.sort(key=lambda row: (row["cik"], *period_order(row["period"]), row["period"]))
    return rows


def _exact(magnitude: str | None, negative: bool | None) -> str | None:
    """The exact decimal as text, trailing zeros of the fixed scale removed."""
    if magnitude is None:
        return None
    number = Decimal(magnitude)
    text = format(-number if negative else number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_SHARED_NODES = ("Entity", "Element")  # tables SEC filings and company ledgers both fill
# What each SEC command needs the graph to hold: the node table, and how its message says so
_SEC_NEEDS = {
    "facts": ("Fact", "SEC facts (no Fact nodes), which is all `facts` reads"),
    "verify": ("Report", "SEC filings (no Report nodes), which is what `verify` compares"),
}


def refuse_graph_without_sec_data(
    reader: GraphReader, graph_id: str, *, reach: str, command: str = "facts"
) -> None:
    """NoFactsInGraph if the graph holds none of what ``command`` (facts, verify) reads,
    naming what it holds and the ``query`` command that reads it; ``reach`` is how the
    command reached the graph (``--home DIR`` or ``--endpoint URL``), repeated in that
    command."""
    table, needed = _SEC_NEEDS[command]
    if reader.query_cypher(graph_id, f"MATCH (n:{table}) RETURN count(n)")["rows"][0][0]:
        return
    counts = reader.stats(graph_id)
    nodes = {table: n for table, n in counts["nodes"].items() if n}
    links = {table: n for table, n in counts["relationships"].items() if n}
    what = f"graph {graph_id} holds no {needed}"
    if not nodes:
        raise NoFactsInGraph(f"{what}; it holds no rows at all")
    held = ", ".join(f"{table} {n:,}" for table, n in nodes.items())
    if links:
        held += f", and {sum(links.values()):,} relationships in {len(links)} tables"
    example = next((t for t in nodes if t not in _SHARED_NODES), next(iter(nodes)))
    query = f'ledgergraph query {reach} --graph {graph_id} "MATCH (n:{example}) RETURN n LIMIT 10"'
    more = " (docs/quickbooks.md has an income statement query)" if "LedgerAccount" in nodes else ""
    raise NoFactsInGraph(f"{what}. It holds {held}. Read it with {query}{more}")
