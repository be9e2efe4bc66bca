"""The graph's tables: one definition used by the extractor, staging and LadybugDB.

Every writer of graph-shaped Parquet builds its Arrow schema from here, staging validates
files against it, and the graph node creates the LadybugDB tables from it. Changing a
column here changes all three at once; bump ``SCHEMA_VERSION`` when you do.
"""

from __future__ import annotations

import pyarrow as pa

from ledgergraph.ledger_schema import LEDGER_NODE_TABLES, LEDGER_REL_TABLES
from ledgergraph.schema_model import (
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    Column,
    NodeTable,
    RelTable,
    Table,
)

__all__ = [
    "DECIMAL_PRECISION",
    "DECIMAL_SCALE",
    "Column",
    "NodeTable",
    "RelTable",
    "Table",
]

SCHEMA_VERSION = "2"


def _id(meaning: str) -> Column:
    return Column("id", "STRING", meaning, nullable=False)


def _endpoints(from_table: str, to_table: str) -> tuple[Column, Column]:
    return (
        Column("from", "STRING", f"id of the {from_table} node", nullable=False),
        Column("to", "STRING", f"id of the {to_table} node", nullable=False),
    )


NODE_TABLES: tuple[NodeTable, ...] = (
    NodeTable(
        "Entity",
        "A registrant (one node per CIK whatever the filing) or a company whose books are "
        "loaded (qbo:{realm_id}).",
        (
            _id("the CIK as 10 digits, zero padded; qbo:{realm_id} for a QuickBooks company"),
            Column("cik", "INT64", "the CIK as an integer; null for a company with no CIK"),
            Column("name", "STRING", "registrant name as stated in the filing (dei)"),
        ),
    ),
    NodeTable(
        "Report",
        "One filing (a source unit of the SEC pipeline).",
        (
            _id(
                "accession number (0000012927-24-000010), or sha256-<24 hex> of the entry "
                "point file when the package does not say"
            ),
            Column("accession_number", "STRING", "accession number with dashes, if known"),
            Column("form", "STRING", "form type from dei:DocumentType (10-K, 10-Q, ...)"),
            Column("is_amendment", "BOOLEAN", "dei:AmendmentFlag"),
            Column("period_of_report", "DATE", "dei:DocumentPeriodEndDate"),
            Column("fiscal_year", "INT64", "dei:DocumentFiscalYearFocus"),
            Column("fiscal_period", "STRING", "dei:DocumentFiscalPeriodFocus (FY, Q1, ...)"),
            Column("is_inline", "BOOLEAN", "true for an inline XBRL document", nullable=False),
            Column(
                "entry_point",
                "STRING",
                "file name of the instance or inline document",
                nullable=False,
            ),
            Column("fact_count", "INT64", "facts of this report in the graph", nullable=False),
            Column(
                "processor",
                "STRING",
                "what produced the rows (Arelle and ours, versions)",
                nullable=False,
            ),
        ),
    ),
    NodeTable(
        "Fact",
        "One reported fact; complete duplicates in a filing are one node.",
        (
            _id(
                "hash of accession, concept, entity, period, dimensions, unit, language, "
                "value and decimals"
            ),
            Column(
                "accession_number", "STRING", "the report id this fact belongs to", nullable=False
            ),
            Column(
                "concept",
                "STRING",
                "concept qname, e.g. us-gaap:Revenues (denormalised)",
                nullable=False,
            ),
            Column("value_text", "STRING", "the value as filed (after inline transforms)"),
            Column(
                "value_decimal",
                "DECIMAL",
                "exact numeric value with scale and sign "
                "applied; null for nil and non-numeric facts",
            ),
            Column("decimals", "STRING", "the decimals attribute as filed: INF, -6, 2 ..."),
            Column("precision", "STRING", "the precision attribute as filed, if any"),
            Column(
                "is_nil",
                "BOOLEAN",
                "xsi:nil=true; a nil fact has no value, it is not 0",
                nullable=False,
            ),
            Column("is_numeric", "BOOLEAN", "numeric concept", nullable=False),
            Column("language", "STRING", "xml:lang of a text fact"),
            Column("fact_xml_id", "STRING", "the fact's id attribute in the document"),
            Column("context_id", "STRING", "the context id in the document"),
        ),
    ),
    NodeTable(
        "Element",
        "A concept; one node per concept across filings and taxonomy years.",
        (
            _id(
                "qname with the taxonomy family prefix for standard taxonomies "
                "(us-gaap:Revenues), prefix:name@namespace-hash for extensions"
            ),
            Column("qname", "STRING", "prefix:local_name as used in the filing", nullable=False),
            Column("namespace", "STRING", "namespace URI", nullable=False),
            Column("local_name", "STRING", "local name", nullable=False),
            Column("data_type", "STRING", "XML schema type qname"),
            Column("substitution_group", "STRING", "substitution group qname"),
            Column("period_type", "STRING", "instant or duration"),
            Column("balance", "STRING", "debit, credit or null"),
            Column("is_abstract", "BOOLEAN", "abstract concept"),
            Column("is_nillable", "BOOLEAN", "nillable concept"),
            Column("is_standard", "BOOLEAN", "defined by a standard taxonomy, not the filer"),
        ),
    ),
    NodeTable(
        "Period",
        "A reporting period; start and end are its identity.",
        (
            _id("instant: 2023-12-31; duration: 2023-01-01..2023-12-31 (inclusive end); forever"),
            Column("period_type", "STRING", "instant, duration or forever", nullable=False),
            Column("start_date", "DATE", "first day of a duration"),
            Column("end_date", "DATE", "last day of a duration (inclusive) or the instant"),
        ),
    ),
    NodeTable(
        "Unit",
        "A unit of measure; simple or a ratio of measures.",
        (
            _id("canonical measures: iso4217:USD, xbrli:shares, iso4217:USD/xbrli:shares"),
            Column(
                "numerator", "STRING", "numerator measures, sorted, joined by *", nullable=False
            ),
            Column("denominator", "STRING", "denominator measures, sorted, joined by *"),
        ),
    ),
    NodeTable(
        "Dimension",
        "One axis with one member (explicit) or one typed value.",
        (
            _id("axis=member for explicit, axis#typed-value for typed dimensions"),
            Column("axis", "STRING", "axis concept id", nullable=False),
            Column("member", "STRING", "member concept id (explicit dimension)"),
            Column("typed_value", "STRING", "typed member value (typed dimension)"),
            Column("is_typed", "BOOLEAN", "typed dimension", nullable=False),
        ),
    ),
)

REL_TABLES: tuple[RelTable, ...] = (
    RelTable("ENTITY_HAS_REPORT", "The registrant filed the report.", "Entity", "Report"),
    RelTable("REPORT_HAS_FACT", "The report contains the fact.", "Report", "Fact"),
    RelTable("FACT_HAS_ELEMENT", "The fact reports this concept.", "Fact", "Element"),
    RelTable("FACT_HAS_PERIOD", "The fact's context period.", "Fact", "Period"),
    RelTable("FACT_HAS_UNIT", "The unit of a numeric fact.", "Fact", "Unit"),
    RelTable("FACT_HAS_ENTITY", "The entity of the fact's context.", "Fact", "Entity"),
    RelTable(
        "FACT_HAS_DIMENSION",
        "A dimension of the fact's context.",
        "Fact",
        "Dimension",
        (Column("container", "STRING", "segment or scenario", nullable=False),),
    ),
    RelTable("DIMENSION_HAS_AXIS", "The dimension's axis concept.", "Dimension", "Element"),
    RelTable("DIMENSION_HAS_MEMBER", "The dimension's member concept.", "Dimension", "Element"),
)

SEC_TABLES: tuple[str, ...] = tuple(t.name for t in (*NODE_TABLES, *REL_TABLES))

# The ledger tables (QuickBooks, Plaid) share Entity and Element with the SEC tables, so a
# company's books and a filer's facts meet on the same concepts.
TABLES: dict[str, Table] = {
    t.name: t for t in (*NODE_TABLES, *LEDGER_NODE_TABLES, *REL_TABLES, *LEDGER_REL_TABLES)
}

# Nodes before relationships, so every relationship finds both of its endpoints.
LOAD_ORDER: tuple[str, ...] = tuple(TABLES)


def get_table(name: str) -> Table:
    """Look up a table by name; raises KeyError naming the unknown table."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown graph table {name!r}") from None


def all_columns(table: Table) -> tuple[Column, ...]:
    """The columns of the table's Parquet files, in file order."""
    if isinstance(table, RelTable):
        return (*_endpoints(table.from_table, table.to_table), *table.columns)
    return table.columns


def arrow_schema(table: Table) -> pa.Schema:
    """The exact Arrow schema a Parquet file for ``table`` must have."""
    return pa.schema(
        [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in all_columns(table)]
    )
