"""The relationship tables between the SEC filing nodes (``sec_schema``).

Every relationship's endpoints are nodes of the same filing's output or shared nodes
(Entity, Element, Period, Unit, Dimension, Context, Taxonomy, Security), so the loader,
which materializes nodes before relationships, always finds both ends.
"""

from __future__ import annotations

from ledgergraph.schema_model import Column, RelTable


def _rel(name: str, description: str, source: str, target: str) -> RelTable:
    return RelTable(name, description, source, target)


ENTITY_HAS_REPORT = RelTable(
    "ENTITY_HAS_REPORT",
    "The entity filed the report, as registrant or co-registrant; the properties are what "
    "this filing states about the entity (dei cover page; a co-registrant's from the facts "
    "under its legal entity member), per report, so a filer's history stays visible, and "
    "EDGAR's SIC code for the registrant.",
    "Entity",
    "Report",
    (
        Column("role", "STRING", "registrant or co-registrant", nullable=False),
        Column("name", "STRING", "dei:EntityRegistrantName"),
        Column("filer_category", "STRING", "dei:EntityFilerCategory"),
        Column("state_of_incorporation", "STRING", "dei:EntityIncorporationStateCountryCode"),
        Column("fiscal_year_end", "STRING", "dei:CurrentFiscalYearEndDate, --MM-DD"),
        Column("ein", "STRING", "dei:EntityTaxIdentificationNumber"),
        Column(
            "sic",
            "STRING",
            "registrant: SIC code of EDGAR's registration data in the package (filing.json)",
        ),
        Column(
            "trading_symbols", "STRING", "dei:TradingSymbol of every class, sorted, joined by |"
        ),
        Column("exchanges", "STRING", "dei:SecurityExchangeName codes, sorted, joined by |"),
        Column("legal_entity_member", "STRING", "co-registrant: its dei:LegalEntityAxis member"),
    ),
)

FACT_RELATIONS: tuple[RelTable, ...] = (
    _rel("REPORT_HAS_FACT", "The report contains the fact.", "Report", "Fact"),
    _rel("FACT_HAS_ELEMENT", "The fact reports this concept.", "Fact", "Element"),
    _rel("FACT_HAS_PERIOD", "The fact's context period.", "Fact", "Period"),
    _rel("FACT_HAS_UNIT", "The unit of a numeric fact.", "Fact", "Unit"),
    _rel(
        "FACT_HAS_ENTITY",
        "The entity the fact is about: a co-registrant's own facts (dei:LegalEntityAxis "
        "member with its own CIK) point at the co-registrant.",
        "Fact",
        "Entity",
    ),
    RelTable(
        "FACT_HAS_DIMENSION",
        "A dimension of the fact's context.",
        "Fact",
        "Dimension",
        (Column("container", "STRING", "segment or scenario", nullable=False),),
    ),
    _rel("DIMENSION_HAS_AXIS", "The dimension's axis concept.", "Dimension", "Element"),
    _rel("DIMENSION_HAS_MEMBER", "The dimension's member concept.", "Dimension", "Element"),
    _rel("FACT_HAS_CONTEXT", "The fact's context (entity, period, dimensions).", "Fact", "Context"),
    _rel("CONTEXT_HAS_ENTITY", "The entity identifier of the context.", "Context", "Entity"),
    _rel("CONTEXT_HAS_PERIOD", "The period of the context.", "Context", "Period"),
    RelTable(
        "CONTEXT_HAS_DIMENSION",
        "A dimension of the context.",
        "Context",
        "Dimension",
        (Column("container", "STRING", "segment or scenario", nullable=False),),
    ),
    RelTable(
        "FACT_HAS_FOOTNOTE",
        "A footnote annotating the fact.",
        "Fact",
        "Footnote",
        (Column("arcrole", "STRING", "footnote arcrole (fact-footnote ...)", nullable=False),),
        extra_key=("arcrole",),
    ),
)

DTS_RELATIONS: tuple[RelTable, ...] = (
    _rel("ELEMENT_HAS_LABEL", "A label of the concept in a filing.", "Element", "Label"),
    _rel(
        "ELEMENT_HAS_REFERENCE", "A reference of the concept in a filing.", "Element", "Reference"
    ),
    _rel("REPORT_HAS_NETWORK", "An extended link role of the filing.", "Report", "Network"),
    _rel("NETWORK_HAS_ARC", "An arc of the network.", "Network", "Arc"),
    _rel("ARC_FROM_ELEMENT", "The arc's source concept.", "Arc", "Element"),
    _rel("ARC_TO_ELEMENT", "The arc's target concept.", "Arc", "Element"),
    _rel("REPORT_USES_TAXONOMY", "A taxonomy in the filing's DTS.", "Report", "Taxonomy"),
    _rel("ELEMENT_IN_TAXONOMY", "A taxonomy defining the concept.", "Element", "Taxonomy"),
    _rel(
        "ELEMENT_HAS_DEFINITION",
        "The concept as a taxonomy year defines it (one per year a loaded filing uses).",
        "Element",
        "ElementDefinition",
    ),
    _rel("ENTITY_HAS_SECURITY", "A class of the registrant's securities.", "Entity", "Security"),
    RelTable(
        "REPORT_LISTS_SECURITY",
        "The filing's cover page lists the security.",
        "Report",
        "Security",
        (Column("title", "STRING", "dei:Security12bTitle as stated in this filing"),),
    ),
)

SEC_REL_TABLES: tuple[RelTable, ...] = (ENTITY_HAS_REPORT, *FACT_RELATIONS, *DTS_RELATIONS)
