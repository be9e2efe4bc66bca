"""The SEC filing tables of the graph: what a filing states, exactly, and how it is structured.

``graph_schema`` assembles these with the ledger tables. ``Entity`` and ``Element`` are shared
with the ledger writers, which select their columns by name: a new column there needs a
value (null) in the ledger's SQL too. What each filing states about its filer lives on its
ENTITY_HAS_REPORT relationship, and the latest filing loaded's statements also on Entity.
"""

from __future__ import annotations

from ledgergraph.schema_model import Column, NodeTable


def id_column(meaning: str) -> Column:
    return Column("id", "STRING", meaning, nullable=False)


def _report_id() -> Column:
    return Column("accession_number", "STRING", "id of the Report this row belongs to", False)


_LATEST = "as the latest filing loaded states it (stated_in)"

# Entity is an upsert table: the latest filing loaded replaces the whole row, so its values
# always come from one filing, named by stated_in. real_ladybug 0.15.3 damages graphs loaded
# over several sessions for some table layouts: this one passes every split of the bundled
# filings with the engine's default compression, which the graph files keep
# (graph_store.engine_options; docs/decisions.md; bench/ladybug_layout_probe.py).
ENTITY = NodeTable(
    "Entity",
    "A registrant (one node per CIK whatever the filing) or a company whose books are "
    "loaded (qbo:{realm_id}). Co-registrants of a combined filing are entities of their own. "
    "Its details are those stated by the latest filing loaded for it (stated_in names it; "
    "a later load of an older filing wins too); what each filing states is on its "
    "ENTITY_HAS_REPORT, so the entity's history stays visible there.",
    (
        id_column("the CIK as 10 digits, zero padded; qbo:{realm_id} for a QuickBooks company"),
        Column("cik", "INT64", "the CIK as an integer; null for a company with no CIK"),
        Column("name", "STRING", f"dei:EntityRegistrantName {_LATEST}; a company's name"),
        Column(
            "sic",
            "STRING",
            "registrant: SIC code of EDGAR's registration data in the package of stated_in "
            "(filing.json); null when that package has none",
        ),
        Column(
            "state_of_incorporation",
            "STRING",
            f"dei:EntityIncorporationStateCountryCode {_LATEST}",
        ),
        Column("fiscal_year_end", "STRING", f"--MM-DD: dei:CurrentFiscalYearEndDate {_LATEST}"),
        Column("filer_category", "STRING", f"dei:EntityFilerCategory {_LATEST}"),
        Column("ein", "STRING", f"dei:EntityTaxIdentificationNumber {_LATEST}"),
        Column(
            "trading_symbols",
            "STRING",
            f"dei:TradingSymbol of every class {_LATEST}, sorted, joined by |",
        ),
        Column("exchanges", "STRING", f"dei:SecurityExchangeName codes {_LATEST}, joined by |"),
        Column("stated_in", "STRING", "id of the Report these details come from"),
        Column("stated_as_of", "DATE", "dei:DocumentPeriodEndDate of that Report"),
    ),
    upsert=True,
)

REPORT = NodeTable(
    "Report",
    "One filing (a source unit of the SEC pipeline).",
    (
        id_column(
            "accession number (0000012927-24-000010), or sha256-<24 hex> of the entry "
            "point file when the package does not say"
        ),
        Column("accession_number", "STRING", "accession number with dashes, if known"),
        Column("form", "STRING", "EDGAR form type (10-K, 10-Q/A...), else dei:DocumentType"),
        Column("document_type", "STRING", "dei:DocumentType as stated in the document"),
        Column("is_amendment", "BOOLEAN", "true for a form ending in /A, else dei:AmendmentFlag"),
        Column("amendment_description", "STRING", "dei:AmendmentDescription"),
        Column("period_of_report", "DATE", "dei:DocumentPeriodEndDate"),
        Column("fiscal_year", "INT64", "dei:DocumentFiscalYearFocus"),
        Column("fiscal_period", "STRING", "dei:DocumentFiscalPeriodFocus (FY, Q1, ...)"),
        Column("fiscal_year_end", "STRING", "dei:CurrentFiscalYearEndDate, --MM-DD"),
        Column("is_inline", "BOOLEAN", "true for an inline XBRL document (set)", False),
        Column("entry_point", "STRING", "file name of the instance or inline document", False),
        Column(
            "documents",
            "STRING",
            "every document of the filing (inline set), space separated",
            False,
        ),
        Column("fact_count", "INT64", "facts of this report in the graph", False),
        Column("facts_in_document", "INT64", "fact elements in the documents", False),
        Column("duplicates_collapsed", "INT64", "complete duplicates folded into one fact", False),
        Column("facts_rejected", "INT64", "facts not in the graph (manifest says why)", False),
        Column("processor", "STRING", "what produced the rows (Arelle and ours, versions)", False),
    ),
)

FACT = NodeTable(
    "Fact",
    "One reported fact; complete duplicates in a filing are one node.",
    (
        id_column(
            "hash of accession, concept, entity, period, dimensions (and the context's"
            " non-dimensional content, if any), unit, language, value, decimals and precision"
        ),
        Column("accession_number", "STRING", "the report id this fact belongs to", False),
        Column("concept", "STRING", "concept qname, e.g. us-gaap:Revenues (denormalised)", False),
        Column(
            "value_text",
            "STRING",
            "the value as filed (inline: after transform, scale, sign); text blocks as HTML",
        ),
        Column("value_plain", "STRING", "plain-text rendering of a text block or HTML value"),
        Column(
            "value_decimal",
            "DECIMAL",
            "exact numeric value (scale and sign applied); null for nil and text",
        ),
        Column("decimals", "STRING", "the decimals attribute as filed: INF, -6, 2 ..."),
        Column("precision", "STRING", "the precision attribute as filed, if any"),
        Column("is_nil", "BOOLEAN", "xsi:nil=true; a nil fact has no value, it is not 0", False),
        Column("is_numeric", "BOOLEAN", "numeric concept (a fraction concept included)", False),
        Column("language", "STRING", "xml:lang of a text fact"),
        Column("fact_xml_id", "STRING", "the fact's id attribute in the document"),
        Column("context_id", "STRING", "the context id in the document"),
        Column("unit_ref", "STRING", "the unit id in the document"),
        Column(
            "is_hidden",
            "BOOLEAN",
            "inline: inside ix:hidden, as filed (of complete duplicates, the first copy's);"
            " null for classic instances",
        ),
        Column(
            "is_displayed",
            "BOOLEAN",
            "inline: a reader of the document sees the value, or some of it: the fact, or a"
            " complete duplicate of it, is outside ix:hidden or is named by a"
            " `-sec-ix-hidden` style property of the displayed document (EDGAR Filer Manual"
            " 5.2.5.14: the element carrying it shows the hidden fact), and the element"
            " naming it, or some text of the content of the fact outside ix:hidden (its"
            " continuations' included, `ix:exclude` left out), is not inside an element"
            " styled `display:none` nor made invisible (the nearest `visibility` declaration"
            " `hidden` or `collapse`); content wholly hidden is not displayed, hidden in part"
            " is; null for classic instances",
        ),
        Column(
            "inline_format",
            "STRING",
            "inline: the transformation format under a prefix naming its registry, whatever "
            "prefix the document bound: ixt-1 to ixt-5 for XBRL International's TR1 to TR5 "
            "(2010-04-20, 2011-07-31, 2015-02-26, 2020-02-12, 2022-02-16), ixt-sec for the "
            "SEC's (ixt-4:num-dot-decimal, ixt-sec:duryear); another registry's (the 2008 "
            "draft) in Clark notation, {namespace}name",
        ),
        Column("inline_scale", "STRING", "inline: the scale attribute"),
        Column(
            "inline_sign",
            "STRING",
            "inline: the sign attribute (-); display parentheses never count",
        ),
        Column(
            "displayed_text", "STRING", "inline: the text shown in the document, before transform"
        ),
        Column("document", "STRING", "file of the document set the fact is in"),
        Column(
            "occurrences",
            "INT64",
            "fact elements of the document this node stands for (complete duplicates)",
            False,
        ),
        Column(
            "duplicate_status",
            "STRING",
            "consistent or inconsistent when other facts share every aspect and the parent"
            " (the same tuple, or none); else null",
        ),
        Column("duplicate_group", "STRING", "id shared by the facts of one duplicate set"),
    ),
)


def concept_definition(where: str) -> tuple[Column, ...]:
    """The columns of a concept's definition (same names and encodings wherever they are
    kept); ``where`` says which taxonomy year's definition they hold."""
    return (
        Column(
            "data_type",
            "STRING",
            f"XML schema type {where}, named like an Element (family prefix for a standard"
            " namespace of any year: dtr-types:domainItemType, xbrli:monetaryItemType), so"
            " it reads the same every year; data_type_namespace says which namespace",
        ),
        Column(
            "data_type_namespace",
            "STRING",
            f"namespace URI of the data type {where}, as the schema declares it: Apple's"
            " aapl:MacMember is a domainItemType of http://www.xbrl.org/dtr/type/2020-01-21"
            " (its prefix dtr-types1), not of the 2022-03-31 DTR",
        ),
        Column("substitution_group", "STRING", f"substitution group qname {where}"),
        Column("period_type", "STRING", f"instant or duration {where}"),
        Column("balance", "STRING", f"debit, credit or null {where}"),
        Column("is_abstract", "BOOLEAN", f"abstract concept {where}"),
        Column("is_nillable", "BOOLEAN", f"nillable concept {where}"),
    )


_FIRST_LOADED = (
    "in the taxonomy year of the first filing loaded that defines the concept; "
    "ElementDefinition holds each year's"
)

ELEMENT = NodeTable(
    "Element",
    "A concept; one node per concept across filings and taxonomy years, so filings compare "
    "across years. A taxonomy year may define the concept differently (us-gaap 2022 and "
    "2023 differ on some period types): the node holds the definition of the first filing "
    "loaded that defines it, its ElementDefinition nodes each taxonomy year's. A filing brings the "
    "concepts its facts, arcs and own labels use, and every concept its extension schema "
    "defines. A concept whose schema the filing could not load (not available offline) "
    "comes without a definition: data_type, substitution_group, period_type and the "
    "other definition columns null. A filing that defines the concept wins over one that "
    "does not: in the same batch, and in a later one, whose row then replaces the "
    "undefined node's columns (namespace included); a defined node is never replaced. "
    "`WHERE e.substitution_group IS NULL` finds the concepts no filing loaded defines.",
    (
        id_column(
            "qname with the taxonomy family prefix for standard taxonomies "
            "(us-gaap:Revenues), prefix:name@namespace-hash for extensions"
        ),
        Column(
            "qname",
            "STRING",
            "prefix:local_name; standard concepts with the family prefix whatever prefix a "
            "filing binds (us-gaap:Revenues), extensions with the filer's prefix",
            nullable=False,
        ),
        Column(
            "namespace",
            "STRING",
            "namespace URI of the first filing loaded that defines the concept (a standard "
            "taxonomy's year), else of the first loaded",
            nullable=False,
        ),
        Column("local_name", "STRING", "local name", nullable=False),
        *concept_definition(_FIRST_LOADED),
        Column("is_standard", "BOOLEAN", "defined by a standard taxonomy, not the filer"),
    ),
    defined_by="substitution_group",  # every concept declared in a schema has one
)

# NOTE: on a node, not on ELEMENT_IN_TAXONOMY: real_ladybug 0.15.3's checkpoint after a
# delete gave surviving relationships of a node the properties of its deleted ones
# (Amazon's 2022 rows took Boeing's 2023 values once Boeing was deleted). Without
# `version` this layout failed the layout probe (SIGSEGV whenever Boeing loaded first);
# with it, it passes every compressed split (docs/decisions.md).
ELEMENT_DEFINITION = NodeTable(
    "ElementDefinition",
    "A concept as one taxonomy year (one namespace) defines it, shared by the filings of "
    "that year: us-gaap 2022 defines PropertyPlantAndEquipmentUsefulLife as duration, "
    "2023 as instant, so the Element has one of these per year. A filing that uses the "
    "year's namespace without loading its schema brings one with its definition columns "
    "null; as for Element, a defining filing of the same batch or of a later one wins "
    "over it.",
    (
        id_column("Element id, `|`, taxonomy namespace URI"),
        Column("element", "STRING", "Element id", nullable=False),
        Column("taxonomy", "STRING", "namespace URI of the defining taxonomy (its id)", False),
        Column("version", "STRING", "the taxonomy's year or date (Taxonomy.version)"),
        *concept_definition("in this taxonomy"),
    ),
    defined_by="substitution_group",
)

PERIOD = NodeTable(
    "Period",
    "A reporting period; start and end are its identity.",
    (
        id_column(
            "instant: 2023-12-31; duration: 2023-01-01..2023-12-31 (inclusive end); forever."
            " A start, end or instant filed with a time of day other than midnight carries it"
            " (2024-04-01..2024-06-30T12:00:00, 2024-06-30T12:00:00Z): another period than"
            " the day's; an end at the next midnight (2024-07-01T00:00:00) is the day before."
            " A moment filed with a time zone is read in UTC and always written with Z"
            " (2024-06-30T14:00:00+02:00 is 2024-06-30T12:00:00Z, one Period in any zone;"
            " one at midnight UTC is its day: the instant 2023-09-30Z), never the Period of"
            " the same date or time without a zone (XML Schema never equates them)"
        ),
        Column("period_type", "STRING", "instant, duration or forever", nullable=False),
        Column(
            "start_date",
            "DATE",
            "first day of a duration as filed, in the start's own time zone if it has one",
        ),
        Column(
            "end_date",
            "DATE",
            "last day of a duration (inclusive) or the instant's day as filed, in its own"
            " time zone if it has one: the instant 2023-09-30-05:00 (Period"
            " 2023-10-01T05:00:00Z) ends 2023-09-30. A moment filed in zones whose days differ"
            " is one Period with the dates of one of them: a filing's first, across filings"
            " the row of the lowest file id",
        ),
    ),
)

UNIT = NodeTable(
    "Unit",
    "A unit of measure: simple, a product (multiply) or a ratio (divide) of measures.",
    (
        id_column("canonical measures: iso4217:USD, xbrli:shares, iso4217:USD/xbrli:shares"),
        Column("numerator", "STRING", "numerator measures, sorted, joined by *", nullable=False),
        Column("denominator", "STRING", "denominator measures, sorted, joined by *"),
        Column("unit_type", "STRING", "simple, multiply or divide", nullable=False),
        Column(
            "numerator_qnames",
            "STRING",
            "numerator measures as {namespace}local, space separated",
            False,
        ),
        Column("denominator_qnames", "STRING", "denominator measures as {namespace}local"),
    ),
)

DIMENSION = NodeTable(
    "Dimension",
    "One axis with one member (explicit) or one typed value.",
    (
        id_column(
            "axis=member for explicit, axis#typed-value for typed dimensions; the typed value"
            " canonical for an integer, decimal, boolean or date type (01 and 1 are one"
            " dimension, axis#1), an xs:QName as {namespace}local whatever its prefix,"
            " else its text"
        ),
        Column("axis", "STRING", "axis concept id", nullable=False),
        Column("member", "STRING", "member concept id (explicit dimension)"),
        Column(
            "typed_value",
            "STRING",
            "typed member value as filed (typed dimension); of equal values spelt apart,"
            " the first loaded",
        ),
        Column("is_typed", "BOOLEAN", "typed dimension", nullable=False),
    ),
)

CONTEXT = NodeTable(
    "Context",
    "Entity, period and dimensions of facts; the same aspects in any filing are one node."
    " A segment or scenario holding other elements than dimension members (XBRL 2.1 allows"
    " it, EDGAR does not; the filing's run warns) is part of the identity too: such a"
    " context is a node of its own, and its facts are neither merged with nor duplicates"
    " of the facts of a context without that content.",
    (
        id_column(
            "hash of entity, period, container:dimension ids and, when there is any, the"
            " non_dimensional content"
        ),
        Column("entity", "STRING", "entity id of the context's identifier", nullable=False),
        Column("period", "STRING", "Period id", nullable=False),
        Column("dimensions", "STRING", "container:dimension ids, sorted, joined by |"),
        Column("dimension_count", "INT64", "number of dimensions", nullable=False),
        Column(
            "has_scenario",
            "BOOLEAN",
            "some dimension, or non-dimensional content, is in the scenario",
            nullable=False,
        ),
        Column(
            "non_dimensional",
            "STRING",
            "canonical XML of the segment and scenario elements that are no dimension"
            " members (`<xbrli:segment ...><ns1:Region xmlns:ns1=...>EMEA</ns1:Region>"
            "</xbrli:segment>`): namespaces prefixed ns1, ns2... in document order, C14N"
            " attribute order, text canonical for its type (01 is 1 for an integer; an"
            " xs:QName under its namespace's prefix, ns2:EMEA), else stripped; null for a"
            " context of dimensions only (a company-wide fact's"
            " context has dimension_count 0 and no non_dimensional content)",
        ),
    ),
)

SECURITY = NodeTable(
    "Security",
    "A class of securities a registrant states on its cover page (dei).",
    (
        id_column(
            "cik10/trading symbol/exchange code (- when not stated); a class with no"
            " symbol adds /its title (else its class member ids): notes listed on an exchange"
        ),
        Column("cik", "INT64", "CIK of the registrant", nullable=False),
        Column("trading_symbol", "STRING", "dei:TradingSymbol"),
        Column("exchange", "STRING", "dei:SecurityExchangeName (EDGAR code)"),
        Column("title", "STRING", "dei:Security12bTitle as first loaded"),
    ),
)

LABEL = NodeTable(
    "Label",
    "A concept label of one filing's DTS, in one role and language: every label of the "
    "filer's own label linkbases (whether a fact or arc uses the concept or not) whose "
    "concept's schema was available offline, and the standard taxonomies' labels of the "
    "concepts the filing's rows use. A label of a concept whose schema was not (the "
    "bundled cache has no ecd, exch or sic schema, nor stpr 2023) cannot be related to its "
    "concept and is lost: 173 of Tesla's 10-Q (171 ecd, 2 exch), 171 of Apple's 10-K; the "
    "filing's manifest warnings name each schema missing.",
    (
        id_column("hash of accession, element, role, language and text"),
        _report_id(),
        Column("element", "STRING", "Element id", nullable=False),
        Column("role", "STRING", "label role URI (standard label, terse, total ...)", False),
        Column("lang", "STRING", "xml:lang of the label", nullable=False),
        Column("text", "STRING", "label text", nullable=False),
    ),
)

REFERENCE = NodeTable(
    "Reference",
    "An authoritative reference of a concept in one filing's DTS.",
    (
        id_column("hash of accession, element, role and parts"),
        _report_id(),
        Column("element", "STRING", "Element id", nullable=False),
        Column("role", "STRING", "reference role URI"),
        Column("parts", "STRING", 'JSON list of {"name", "namespace", "value"} in order', False),
        Column("text", "STRING", "the parts as Name: value; ...", nullable=False),
    ),
)

NETWORK = NodeTable(
    "Network",
    "One extended link role of a filing: a statement, disclosure or cover page structure. "
    "A role whose arcs all link concepts of schemas not available offline is one too, with "
    "no Arc (arcs_not_loaded counts them).",
    (
        id_column("hash of accession and role URI"),
        _report_id(),
        Column("role_uri", "STRING", "extended link role URI", nullable=False),
        Column("definition", "STRING", "the role type's definition as filed"),
        Column("sort_code", "STRING", "leading code of the definition (0000001)"),
        Column("category", "STRING", "Statement, Disclosure, Document ... (SEC convention)"),
        Column("title", "STRING", "definition after code and category"),
        Column(
            "arcs_not_loaded",
            "INT64",
            "arcs of the role as filed that are not Arc nodes because a concept they link"
            " is in a schema not available offline (the bundled cache has no ecd, exch or"
            " sic schema, nor stpr 2023: 95 of Apple's 10-K, in 6 roles); 0 when every arc"
            " resolved. The filing's manifest warns of each such schema with its count",
            False,
        ),
    ),
)

ARC = NodeTable(
    "Arc",
    "One effective relationship of a presentation, calculation or definition network. An arc "
    "whose order, weight or priority these columns cannot hold as filed is not loaded (a "
    "warning to act on in the filing's manifest). Nor is an arc linking a concept whose "
    "schema was not available offline (the bundled cache has no ecd, exch or sic schema, "
    "nor stpr 2023): 95 of Apple's 10-K, 95 of Boeing's, 97 of Tesla's 10-Q are lost, counted "
    "per role in Network.arcs_not_loaded and per schema in a warning to act on in the "
    "filing's manifest. The arcs kept keep their place in the tree as filed "
    "(tree_sequence, depth), the lost arcs walked too.",
    (
        id_column("hash of accession, role, arcrole, link, endpoints, order, weight, label"),
        _report_id(),
        Column("network", "STRING", "Network id", nullable=False),
        Column("link_kind", "STRING", "presentation, calculation or definition", False),
        Column(
            "arcrole",
            "STRING",
            "arcrole URI (parent-child, summation-item 2003 or calc 1.1, all, notAll, domain-"
            "member ...)",
            False,
        ),
        Column("from_element", "STRING", "Element id of the arc's source", nullable=False),
        Column("to_element", "STRING", "Element id of the arc's target", nullable=False),
        Column("arc_order", "DECIMAL", "the order attribute"),
        Column("weight", "DECIMAL", "calculation weight"),
        Column("preferred_label", "STRING", "presentation: preferred label role"),
        Column("priority", "INT64", "arc priority", nullable=False),
        Column(
            "closed",
            "BOOLEAN",
            "xbrldt:closed: on an all or notAll arc as filed, false when not filed (XBRL"
            " Dimensions' default); on any other arc as filed, null when not filed",
        ),
        Column("context_element", "STRING", "xbrldt:contextElement (all, notAll) as filed"),
        Column("target_role", "STRING", "dimensional: xbrldt:targetRole"),
        Column(
            "usable",
            "BOOLEAN",
            "xbrldt:usable: on a dimension-domain or domain-member arc as filed, true when"
            " not filed (XBRL Dimensions' default); on any other arc as filed, null when"
            " not filed",
        ),
        Column(
            "tree_sequence",
            "INT64",
            "position in a depth-first walk of this arcrole's tree in the role, by order;"
            " the arcs not loaded (Network.arcs_not_loaded) have positions too, so the"
            " sequence has gaps where they are; null for an arc on a cycle no root reaches",
        ),
        Column(
            "depth",
            "INT64",
            "depth of the target (1 under a root) in the tree as filed: an arc under a"
            " concept of a schema not available offline keeps its depth, its parent not"
            " being an Element of the graph (no Arc leads to it)",
        ),
    ),
)

TAXONOMY = NodeTable(
    "Taxonomy",
    "A taxonomy namespace: a standard one (us-gaap 2023, dei 2023...), a data type registry "
    "the DTS imports (dtr-types 2020-01-21: Element.data_type_namespace), or a filer's "
    "extension; other schemas of XBRL International and W3C (specifications, link role "
    "registries) are none. "
    "A schema the DTS refers to but that was not available offline is one too, not loaded, "
    "when its namespace is known (an xs:import names it, or FASB's or the SEC's URL). One "
    "node per namespace, shared by every filing whose DTS holds it: schema_location and "
    "is_loaded are those of the first filing loaded that loaded the schema, else of the "
    "first loaded that held it (as for Element, a later filing that loads it updates a node "
    "not loaded). Whether a given filing loaded the schema is in that filing's manifest "
    "warnings (taxonomy file not available offline: URL), not here.",
    (
        id_column("namespace URI"),
        Column("namespace", "STRING", "namespace URI", nullable=False),
        Column("family", "STRING", "us-gaap, dei, srt ... or the extension's prefix", False),
        Column("version", "STRING", "year or date in the namespace"),
        Column(
            "is_standard",
            "BOOLEAN",
            "published by FASB, SEC, IFRS or XBRL US, or XBRL International's data type registry",
            False,
        ),
        Column(
            "schema_location",
            "STRING",
            "absolute URL of the schema (file name for one in the package), loaded or not,"
            " as the filing is_loaded comes from located it; another filing may locate it"
            " elsewhere",
        ),
        Column(
            "is_loaded",
            "BOOLEAN",
            "whether a filing loaded so far loaded the schema: false while every filing"
            " that held the namespace found it not available offline. Each filing's own"
            " outcome is in its manifest warnings",
            False,
        ),
    ),
    defined_by="is_loaded",
)

FOOTNOTE = NodeTable(
    "Footnote",
    "A footnote of a filing, linked to the facts it annotates.",
    (
        id_column("hash of accession, footnote id and content"),
        _report_id(),
        Column("footnote_xml_id", "STRING", "id of the footnote in the document"),
        Column("role", "STRING", "footnote role URI"),
        Column("lang", "STRING", "xml:lang of the footnote"),
        Column(
            "text",
            "STRING",
            "content as HTML, its XHTML unprefixed (`<xhtml:b>` is `<b>`; see Footnote text)",
            nullable=False,
        ),
        Column("text_plain", "STRING", "plain-text rendering", nullable=False),
    ),
)

SEC_NODE_TABLES: tuple[NodeTable, ...] = (
    ENTITY,
    REPORT,
    FACT,
    ELEMENT,
    ELEMENT_DEFINITION,
    PERIOD,
    UNIT,
    DIMENSION,
    CONTEXT,
    SECURITY,
    LABEL,
    REFERENCE,
    NETWORK,
    ARC,
    TAXONOMY,
    FOOTNOTE,
)
