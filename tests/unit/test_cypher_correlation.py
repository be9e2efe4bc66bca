"""Subqueries tied to the query by a value are refused before real_ladybug 0.15.3 sees them.

The engine answers them wrongly or dies of SIGSEGV (graph_node/cypher_correlation.py has
the measurements on the bundled Amazon 10-K); tests/integration/test_sec_pipeline.py runs
the refused query and its rewrite on that filing, test_graph_node_query_limits.py on a node.
"""

from __future__ import annotations

import pytest

from graph_node.cypher_correlation import check_correlation
from graph_node.cypher_guard import measure_shape
from graph_node.errors import QueryRefused
from ledgergraph.schema_examples import EXAMPLES

FACTS = "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = $report "
OTHERS = "MATCH (g:Fact) WHERE g.duplicate_group = f.duplicate_group AND g.id <> f.id"
REWRITE = (
    FACTS + "OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->(g:Fact) "
    "WHERE g.duplicate_group = f.duplicate_group AND g.id <> f.id "
    "WITH r, f, count(g) AS others WHERE others = 0 RETURN f.concept, count(f)"
)

# What each refusal must name; all but the last two crashed or answered wrongly when run.
REFUSED = {
    "the crashing query": (
        FACTS + f"AND NOT EXISTS {{ {OTHERS} }} RETURN f.concept, count(f)",
        "NOT EXISTS { } subquery reads f.duplicate_group",
    ),
    "the wrong rows": (
        FACTS + f"AND NOT EXISTS {{ {OTHERS} }} RETURN f.id",
        "NOT EXISTS { } subquery reads f.duplicate_group",
    ),
    "EXISTS": (FACTS + f"AND EXISTS {{ {OTHERS} }} RETURN f.id", "the EXISTS { } subquery"),
    "COUNT in WHERE": (
        FACTS + f"AND COUNT {{ {OTHERS} }} = 0 RETURN f.concept, count(f)",
        "the COUNT { } subquery reads f.duplicate_group",
    ),
    "anchored on the outer node": (
        FACTS + "AND NOT EXISTS { MATCH (f)<-[:REPORT_HAS_FACT]-(:Report)-[:REPORT_HAS_FACT]"
        "->(g:Fact) WHERE g.duplicate_group = f.duplicate_group AND g <> f } RETURN f.id",
        "subquery reads f.duplicate_group",
    ),
    "values passed on by WITH": (
        FACTS + "WITH f, f.duplicate_group AS grp, f.id AS fid WHERE NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group = grp AND g.id <> fid } RETURN count(f)",
        "subquery reads grp of the query around it",
    ),
    "an OPTIONAL MATCH sharing no node": (
        FACTS + "OPTIONAL MATCH (g:Fact) WHERE g.duplicate_group = f.duplicate_group "
        "AND g.id <> f.id WITH f, count(g) AS others WHERE others = 0 RETURN f.id",
        "an OPTIONAL MATCH whose pattern shares no node with the query before it reads "
        "f.duplicate_group",
    ),
    # answered right on the bundled data, refused as the form is the same
    "a value that is never null": (
        FACTS + "AND EXISTS { MATCH (e:Element) WHERE e.id = f.concept } RETURN f.id",
        "the EXISTS { } subquery reads f.concept",
    ),
    "in RETURN": (FACTS + f"RETURN f.id, COUNT {{ {OTHERS} }}", "the COUNT { } subquery"),
}

# The bypasses a tester found of the guard that tracked `v.prop` and `WITH v.prop AS x`
# forms: on the Amazon 10-K (AMAZON, 1,315 facts due) each crashed the engine (SIGSEGV),
# answered 188 rows or 0, or was refused with a garbled name.
AMAZON = "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '0001018724-23-000004' "
BY_GROUP = "RETURN f.concept, count(f)"
BYPASSES = {
    "an outer name in another case": (
        AMAZON + "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = F.duplicate_group "
        "AND g.id <> F.id } " + BY_GROUP,
        "NOT EXISTS { } subquery reads F.duplicate_group",
    ),
    "an alias in another case": (
        AMAZON + "WITH f, f.duplicate_group AS grp WHERE NOT EXISTS { MATCH (g:Fact) "
        "WHERE g.duplicate_group = GRP } " + BY_GROUP,
        "subquery reads GRP of the query around it",
    ),
    "a UNION ALL branch": (
        AMAZON + "RETURN f.concept, count(f) UNION ALL " + AMAZON + "AND NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group = F.duplicate_group } " + BY_GROUP,
        "subquery reads F.duplicate_group",
    ),
    "a backquoted property": (
        AMAZON + "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = "
        "f.`duplicate_group` } " + BY_GROUP,
        "subquery reads f.duplicate_group",
    ),
    "a backquoted variable": (
        AMAZON + "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = "
        "`f`.duplicate_group } " + BY_GROUP,
        "subquery reads f.duplicate_group",
    ),
    "spaces around the dot": (
        AMAZON + "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = "
        "f . duplicate_group } " + BY_GROUP,
        "subquery reads f.duplicate_group",
    ),
    "a backquoted alias": (
        AMAZON + "WITH f, f.duplicate_group AS grp WHERE COUNT { MATCH (g:Fact) "
        "WHERE g.duplicate_group = `grp` } = 0 " + BY_GROUP,
        "the COUNT { } subquery reads grp",
    ),
    "an alias of an alias": (
        AMAZON + "WITH f, f.duplicate_group AS grp WITH f, grp AS grp2 WHERE NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group = grp2 } " + BY_GROUP,
        "subquery reads grp2 of the query around it",
    ),
    "a value passed on by UNWIND": (
        AMAZON + "UNWIND [f.duplicate_group] AS grp WITH f, grp WHERE NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group = grp } RETURN count(f)",
        "subquery reads grp of the query around it",
    ),
    "a value in the pattern's property map": (
        AMAZON
        + "AND NOT EXISTS { MATCH (g:Fact {duplicate_group: f.duplicate_group}) } "
        + BY_GROUP,
        "subquery reads f.duplicate_group",
    ),
    "an alias in the pattern's property map": (
        AMAZON + "WITH f, f.duplicate_group AS grp WHERE NOT EXISTS { "
        "MATCH (g:Fact {duplicate_group: grp}) } " + BY_GROUP,
        "subquery reads grp",
    ),
    "an outer name in another case in an OPTIONAL MATCH": (
        AMAZON + "OPTIONAL MATCH (g:Fact) WHERE g.duplicate_group = F.duplicate_group "
        "WITH f, count(g) AS others WHERE others = 0 RETURN count(f)",
        "an OPTIONAL MATCH whose pattern shares no node with the query before it reads "
        "F.duplicate_group",
    ),
    "an alias in an OPTIONAL MATCH": (
        AMAZON + "WITH f, f.duplicate_group AS grp OPTIONAL MATCH (g:Fact) "
        "WHERE g.duplicate_group = grp WITH f, count(g) AS others WHERE others = 0 "
        "RETURN count(f)",
        "OPTIONAL MATCH whose pattern shares no node with the query before it reads grp",
    ),
    # 86 facts where 1,315 are due, SIGSEGV under count(f); anchored on f it died too
    "a list collected per fact": (
        AMAZON + "WITH f, collect(f.duplicate_group) AS grps WHERE NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group IN grps } " + BY_GROUP,
        "subquery reads grps of the query around it",
    ),
    "a list collected before": (
        "MATCH (n:Network)-[:NETWORK_HAS_ARC]->(a:Arc) WITH n, collect(a.to_element) AS "
        "presented MATCH (f:Fact)-[:FACT_HAS_CONTEXT]->(c:Context) WHERE COUNT { MATCH "
        "(f)-[:FACT_HAS_DIMENSION]->(d:Dimension) WHERE d.member IN presented } = "
        "c.dimension_count RETURN f.id",
        "the COUNT { } subquery reads presented",
    ),
    "a slice's end": (
        AMAZON + "WITH f, size(f.id) AS n WHERE EXISTS { MATCH (g:Fact) "
        "WHERE g.id = substring('abc', 0, 1) AND [1, 2, 3][0:n] = [1] } " + BY_GROUP,
        "subquery reads n of the query around it",
    ),
    # the same name bound again in a later part of the query: refused, with a way out
    "a name reused after it left scope": (
        "MATCH (g:Unit) WITH count(g) AS units MATCH (f:Fact) WHERE EXISTS { "
        "MATCH (f)-[:FACT_HAS_UNIT]->(u:Unit) WHERE u.id = g } RETURN count(f)",
        "subquery reads g of the query around it",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_subquery_reading_a_value_of_the_query_around_it_is_refused(name: str) -> None:
    cypher, says = REFUSED[name]

    with pytest.raises(QueryRefused) as refused:
        check_correlation(cypher)

    message = str(refused.value)
    assert says in message
    assert "real_ladybug 0.15.3" in message and "wrongly" in message
    assert "OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->(g:Fact)" in message  # the rewrite


@pytest.mark.parametrize("name", list(BYPASSES))
def test_a_value_read_under_another_spelling_or_name_is_refused_all_the_same(name: str) -> None:
    cypher, says = BYPASSES[name]

    with pytest.raises(QueryRefused) as refused:
        check_correlation(cypher)

    message = str(refused.value)
    assert says in message
    assert "real_ladybug 0.15.3" in message and "wrongly" in message
    assert "WITH r, f, count(g) AS others WHERE others = 0" in message  # the rewrite
    assert "give it a name of its own" in message  # for a reused name


ALLOWED = {
    "the rewrite the refusal proposes": REWRITE,
    "a subquery tied by its pattern": (
        FACTS + "AND NOT EXISTS { MATCH (f)-[:FACT_HAS_DIMENSION]->() } RETURN f.concept, count(f)"
    ),
    "a pattern of a nested subquery starting at a node of the query": (
        "MATCH (n:Network)-[:NETWORK_HAS_ARC]->(a:Arc) MATCH (f:Fact) WHERE NOT EXISTS { "
        "MATCH (f)-[:FACT_HAS_DIMENSION]->(d:Dimension) WHERE NOT EXISTS { MATCH (d)"
        "-[:DIMENSION_HAS_MEMBER]->(:Element)<-[:ARC_TO_ELEMENT]-(s:Arc)<-[:NETWORK_HAS_ARC]-(n) "
        "WHERE s.link_kind = 'presentation' } } RETURN f.id"
    ),
    "a subquery reading parameters and literals": (
        FACTS + "AND EXISTS { MATCH (f)-[:FACT_HAS_ELEMENT]->(e:Element) "
        "WHERE e.balance = 'credit' AND e.id <> $concept } RETURN count(f)"
    ),
    "a subquery reading its own variables": (
        FACTS + "AND NOT EXISTS { MATCH (g:Fact)-[:FACT_HAS_ELEMENT]->(e:Element) "
        "WHERE g.concept = e.id AND g.id = 'x' } RETURN count(f)"
    ),
    "names in strings and comments": (
        FACTS + "AND NOT EXISTS { MATCH (f)-[:FACT_HAS_UNIT]->(u:Unit) "
        "WHERE u.id = 'f.duplicate_group' /* f.id */ } RETURN f.id"
    ),
    "an earlier subquery's variable is not the outer query's": (
        "MATCH (f:Fact) WHERE EXISTS { MATCH (f)-[:FACT_HAS_UNIT]->(g:Unit) } "
        "AND EXISTS { MATCH (f)-[:FACT_HAS_ELEMENT]->(g:Element) WHERE g.id = 'x' } "
        "RETURN f.id"
    ),
    "a label spelled like an outer name": (
        "MATCH (unit:Fact) WHERE EXISTS { MATCH (unit)-[:FACT_HAS_UNIT]->(u:Unit) "
        "WHERE u:Unit } RETURN count(unit)"
    ),
    "map keys spelled like outer names": (
        "MATCH (f:Fact) WHERE EXISTS { MATCH (f)-[:FACT_HAS_UNIT]->(u:Unit) "
        "WHERE u.id IN [x IN ['iso4217:USD'] | {f: x}.f] } RETURN count(f)"
    ),
}


@pytest.mark.parametrize("name", list(ALLOWED))
def test_subqueries_tied_by_a_pattern_alone_still_run(name: str) -> None:
    check_correlation(ALLOWED[name])


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: example.title)
def test_the_schema_examples_pass_the_check(example) -> None:
    check_correlation(example.cypher)


def test_property_lookups_still_count_once_each_as_operators() -> None:
    assert measure_shape("MATCH (f:Fact) RETURN f.concept, f.value_decimal, f.id").operators == 3
