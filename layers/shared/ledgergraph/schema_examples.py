"""Cypher examples of the graph schema document; a test runs each on the bundled graph.

Every example is parameterised the way a program would call it (``ledgergraph query
CYPHER --param name=json``); ``params`` are values that exist in the bundled sample graph,
and ``expected`` is (some columns of) a row the example gives there, which a test checks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class CypherExample:
    title: str
    explanation: str
    cypher: str
    params: dict[str, Any] = field(default_factory=dict)
    expected: dict[str, Any] = field(default_factory=dict)


# NOTE: the line's label role is bound in a WITH before the OPTIONAL MATCH that reads the
# label: real_ladybug 0.15.3 never matches `OPTIONAL MATCH ... WHERE l.role =
# coalesce(a.preferred_label, '...')` when preferred_label is null, so a line without a
# preferredLabel showed its concept id. A plain MATCH with that WHERE matches, as does the
# role bound first (AEON's 32 presentation arcs without one: 0 labels found, 32 so).
# NOTE: the less precise of consistent duplicates is dropped by an OPTIONAL MATCH of a better
# fact and `better IS NULL`, not by `NOT EXISTS { MATCH ... WHERE g.duplicate_group =
# f.duplicate_group ... }`: real_ladybug 0.15.3 answers a subquery reading a value of the
# outer query with wrong rows and dies of SIGSEGV when the query also aggregates (the node
# refuses such subqueries: graph_node/cypher_correlation.py). The OPTIONAL MATCH starts at r.
# NOTE: for the same reason a fact's members are checked against the statement by a pattern
# (member <- arc <- n), not by `d.member IN presented` of a list collected before: that form
# answered right here, but the same form over a list collected per fact answered 86 of 1,315
# Amazon facts and died under count(). Both give the same rows on each bundled filing.
INCOME_STATEMENT = CypherExample(
    "A filing's income statement in presentation order",
    "The statement of operations (or of income or earnings, but not of comprehensive income "
    "alone; titles are matched in lower case, filers capitalise them as they like) with its "
    "presentation arcs in reading order (``tree_sequence``), each line with the filer's "
    "label in the arc's preferred role and the facts of the periods ending on the report "
    "date (a 10-Q gives the quarter and the year to date): undimensioned, and those on the "
    "members the statement itself presents (``dimensions``: Boeing's and Apple's revenue by "
    "product and service, Tesla's by its kinds of revenue), none in a context with "
    "non-dimensional content. ``value`` is the fact as "
    "reported; ``shown`` is the figure as the statement prints it, negated where the line "
    "uses a negated label role (Boeing's income tax expense of 237000000 under \"Income tax "
    '(expense)/benefit" is shown as -237000000); a line whose arc names no preferred '
    "label takes the standard label. One fact per line, period and members: of consistent "
    "duplicates (facts of every aspect alike, values equal once rounded, ``duplicate`` = "
    "consistent) only the most precise is shown (``decimals``, INF the highest; of equally "
    "precise ones, the smallest ``id``): Amazon's provision for income taxes, filed as "
    "-3217000000 (decimals -6) and -3200000000 (-8), shows -3217000000 alone. Inconsistent "
    "duplicates all stay, ``duplicate`` = inconsistent: the filing states two values and "
    "the query does not choose. Works on each bundled filing. The statement is the "
    "filing's presentation network: a filing without a presentation linkbase has none, and "
    "the query returns no row. Its calculation network, when it has one, still gives the "
    "totals and their items (``link_kind = 'calculation'``, as in the calculation example "
    "below; weights, but no display order or label roles).",
    """
MATCH (r:Report)-[:REPORT_HAS_NETWORK]->(n:Network)
WHERE r.id = $report AND n.category = 'Statement'
  AND NOT lower(n.title) CONTAINS 'parenthetical'
  AND (lower(n.title) CONTAINS 'operations'
       OR ((lower(n.title) CONTAINS 'income' OR lower(n.title) CONTAINS 'earnings')
           AND NOT lower(n.title) CONTAINS 'comprehensive'))
MATCH (n)-[:NETWORK_HAS_ARC]->(a:Arc)-[:ARC_TO_ELEMENT]->(e:Element)
WHERE a.link_kind = 'presentation'
WITH r, n, a, e,
     coalesce(a.preferred_label, 'http://www.xbrl.org/2003/role/label') AS label_role
OPTIONAL MATCH (e)-[:ELEMENT_HAS_LABEL]->(l:Label)
WHERE l.accession_number = r.id AND l.role = label_role
OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_ELEMENT]->(e),
               (f)-[:FACT_HAS_CONTEXT]->(c:Context), (f)-[:FACT_HAS_PERIOD]->(p:Period)
WHERE p.end_date = r.period_of_report AND c.non_dimensional IS NULL
  AND NOT EXISTS { MATCH (f)-[:FACT_HAS_DIMENSION]->(d:Dimension)
                   WHERE NOT EXISTS { MATCH (d)-[:DIMENSION_HAS_MEMBER]->(:Element)
                                            <-[:ARC_TO_ELEMENT]-(s:Arc)<-[:NETWORK_HAS_ARC]-(n)
                                      WHERE s.link_kind = 'presentation' } }
WITH r, n, a, e, l, c, p, f,
     CAST(CASE WHEN f.decimals = 'INF' THEN '99' ELSE f.decimals END AS INT64) AS accuracy
OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->(better:Fact)
WHERE better.duplicate_group = f.duplicate_group AND better.duplicate_status = 'consistent'
  AND (CAST(CASE WHEN better.decimals = 'INF' THEN '99' ELSE better.decimals END AS INT64)
         > accuracy
       OR better.decimals = f.decimals AND better.id < f.id)
WITH n, a, e, l, c, p, f, better
WHERE better IS NULL
RETURN n.title AS statement, a.tree_sequence AS line, a.depth AS depth,
       coalesce(l.text, e.id) AS label, c.dimensions AS dimensions,
       p.start_date AS period_start, f.value_decimal AS value,
       CASE WHEN a.preferred_label CONTAINS '/role/negated' THEN -f.value_decimal
            ELSE f.value_decimal END AS shown, f.decimals AS decimals,
       f.duplicate_status AS duplicate
ORDER BY line, dimensions, period_start
""",
    {"report": "0000012927-24-000010"},
    {
        "label": "Income tax (expense)/benefit",
        "period_start": "2023-01-01",
        "value": "237000000",
        "shown": "-237000000",
    },
)

TIME_SERIES = CypherExample(
    "A concept's time series across filings",
    "Every undimensioned fact of a concept for one filer, from every filing in the graph "
    "that reports it; a period reported again by a later filing appears once per filing "
    "(``report``), so restatements stay visible.",
    """
MATCH (en:Entity)<-[:FACT_HAS_ENTITY]-(f:Fact)-[:FACT_HAS_ELEMENT]->(e:Element)
WHERE e.id = $concept AND en.cik = $cik
MATCH (f)-[:FACT_HAS_CONTEXT]->(c:Context), (f)-[:FACT_HAS_PERIOD]->(p:Period),
      (r:Report)-[:REPORT_HAS_FACT]->(f)
WHERE c.dimension_count = 0 AND c.non_dimensional IS NULL
RETURN p.start_date AS period_start, p.end_date AS period_end, f.value_decimal AS value,
       f.decimals AS decimals, r.id AS report, r.form AS form, r.is_amendment AS amended
ORDER BY period_end, period_start, report
""",
    {"concept": "us-gaap:NetIncomeLoss", "cik": 320193},
    {
        "period_start": "2022-09-25",
        "period_end": "2023-09-30",
        "value": "96995000000",
        "report": "0000320193-23-000106",
    },
)

SEGMENT_REVENUE = CypherExample(
    "Revenue by segment member",
    "Each segment's revenue (``us-gaap:Revenues`` or ``RevenueFromContractWithCustomer"
    "ExcludingAssessedTax``), with the member's label; ``value`` is exact. Filers tag it "
    "two ways: on the business segment axis alone (Amazon, Apple, Tesla), or on that axis "
    "and ``srt:ConsolidationItemsAxis`` = ``us-gaap:OperatingSegmentsMember`` (Boeing, "
    "whose three segments had 33901000000, 24933000000 and 19127000000 in 2023); the "
    "query takes both. It leaves out every fact on "
    "another axis or member too: intersegment eliminations (Boeing's "
    "``IntersegmentEliminationMember``), and breakdowns of a segment by customer, "
    "geography or program. A filer that tags a segment's revenue both ways shows it twice.",
    """
MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_DIMENSION]->(d:Dimension)
WHERE r.id = $report AND d.axis = 'us-gaap:StatementBusinessSegmentsAxis'
  AND f.concept IN ['us-gaap:Revenues',
                    'us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax']
MATCH (f)-[:FACT_HAS_CONTEXT]->(c:Context), (f)-[:FACT_HAS_PERIOD]->(p:Period),
      (d)-[:DIMENSION_HAS_MEMBER]->(m:Element)
WHERE c.non_dimensional IS NULL
  AND (c.dimension_count = 1
       OR c.dimension_count = 2 AND c.dimensions CONTAINS
          ':srt:ConsolidationItemsAxis=us-gaap:OperatingSegmentsMember')
OPTIONAL MATCH (m)-[:ELEMENT_HAS_LABEL]->(l:Label)
WHERE l.accession_number = r.id AND l.role = 'http://www.xbrl.org/2003/role/label'
RETURN p.start_date AS period_start, p.end_date AS period_end, m.id AS member,
       l.text AS label, f.value_decimal AS value
ORDER BY period_end DESC, value DESC
""",
    {"report": "0001018724-23-000004"},
    {
        "member": "amzn:AmazonWebServicesSegmentMember@2f911b2b",
        "period_end": "2022-12-31",
        "label": "Amazon Web Services Segment [Member]",
        "value": "80096000000",
    },
)

COVER_PAGE = CypherExample(
    "What each filing states about its filer",
    "The cover page (dei) of every filing: registrant or co-registrant, filer category, "
    "state of incorporation, fiscal year end, EIN, symbols and exchanges, and EDGAR's SIC "
    "code when the package carried EDGAR's registration data (``sec run --cik/--ticker/"
    "--since`` packages do, the bundled ones do not).",
    """
MATCH (e:Entity)-[s:ENTITY_HAS_REPORT]->(r:Report)
RETURN r.id AS report, r.form AS form, r.period_of_report AS period, e.cik AS cik,
       s.role AS role, s.name AS name, s.filer_category AS filer_category,
       s.state_of_incorporation AS incorporated, s.fiscal_year_end AS fiscal_year_end,
       s.ein AS ein, s.trading_symbols AS symbols, s.exchanges AS exchanges, s.sic AS sic
ORDER BY cik, report
""",
    expected={
        "report": "0000320193-23-000106",
        "name": "Apple Inc.",
        "ein": "94-2404110",
        "symbols": "AAPL",
        "exchanges": "NASDAQ",
    },
)

CALCULATION = CypherExample(
    "The calculation of a total, with weights",
    "The summation-item arcs (XBRL 2.1 or Calculations 1.1 arcrole) under a total "
    "concept in one filing, in order.",
    """
MATCH (r:Report)-[:REPORT_HAS_NETWORK]->(n:Network)-[:NETWORK_HAS_ARC]->(a:Arc)
WHERE r.id = $report AND a.link_kind = 'calculation' AND a.from_element = $total
RETURN n.title AS network, a.arcrole AS arcrole, a.to_element AS item, a.weight AS weight
ORDER BY network, a.tree_sequence
""",
    {"report": "0000320193-23-000106", "total": "us-gaap:GrossProfit"},
    {"item": "us-gaap:CostOfGoodsAndServicesSold", "weight": "-1"},
)

DUPLICATES = CypherExample(
    "Duplicate facts a filing reports",
    "Facts that share every aspect with another fact of the same filing but differ in "
    "value or accuracy, with their consistency; complete duplicates are one fact whose "
    "``occurrences`` count them.",
    """
MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)
WHERE f.duplicate_group IS NOT NULL
RETURN r.id AS report, f.duplicate_group AS duplicate_set, f.duplicate_status AS status,
       f.concept AS concept, f.value_text AS value, f.decimals AS decimals
ORDER BY report, duplicate_set, value
""",
    expected={
        "concept": "us-gaap:UnrecognizedTaxBenefits",
        "status": "consistent",
        "value": "16800000000",
        "decimals": "-8",
    },
)

DEFINITION_PER_YEAR = CypherExample(
    "A concept's definition in each taxonomy year",
    "The definition (ElementDefinition) each taxonomy (one per namespace, so per year) "
    "gives the concept, with the filings whose facts use that year's: us-gaap 2022 defines "
    "PropertyPlantAndEquipmentUsefulLife as duration (Amazon's FY2022 10-K and AEON's "
    "10-Q use it), 2023 as instant (Boeing's FY2023 10-K). The Element node itself holds "
    "the definition of the first filing loaded (``element_period_type``).",
    """
MATCH (e:Element)-[:ELEMENT_HAS_DEFINITION]->(d:ElementDefinition),
      (e)-[:ELEMENT_IN_TAXONOMY]->(t:Taxonomy)
WHERE e.id = $concept AND d.taxonomy = t.id
OPTIONAL MATCH (t)<-[:REPORT_USES_TAXONOMY]-(r:Report)-[:REPORT_HAS_FACT]->(f:Fact),
               (f)-[:FACT_HAS_ELEMENT]->(e)
RETURN t.namespace AS taxonomy, t.version AS year, d.period_type AS period_type,
       d.balance AS balance, d.data_type AS data_type, e.period_type AS element_period_type,
       r.id AS report, count(f) AS facts
ORDER BY year, report
""",
    {"concept": "us-gaap:PropertyPlantAndEquipmentUsefulLife"},
    {"year": "2023", "period_type": "instant", "report": "0000012927-24-000010", "facts": 6},
)

EXAMPLES: tuple[CypherExample, ...] = (
    INCOME_STATEMENT,
    TIME_SERIES,
    SEGMENT_REVENUE,
    COVER_PAGE,
    CALCULATION,
    DUPLICATES,
    DEFINITION_PER_YEAR,
)
