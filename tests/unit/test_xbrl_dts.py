"""A filing's DTS in the graph: labels, references, networks and arcs, taxonomies, contexts."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal

import pytest
from lxml import etree
from xbrl_samples import SAMPLE_SEC, BatchRun, HandmadeRun, handmade_run, sample_batch_run

CALC_11 = "https://xbrl.org/2023/arcrole/summation-item"
CALC_2003 = "http://www.xbrl.org/2003/arcrole/summation-item"
DIM = "http://xbrl.org/int/dim/arcrole/"
ROLE = "http://www.xbrl.org/2003/role/"
XS = "{http://www.w3.org/2001/XMLSchema}"


@pytest.fixture(scope="module")
def handmade() -> HandmadeRun:
    return handmade_run()


@pytest.fixture(scope="module")
def bundled() -> BatchRun:
    return sample_batch_run()


def _arcs(run: HandmadeRun, name: str) -> list[dict]:
    return run.rows(name, "Arc")


def test_every_label_role_and_language_is_kept(handmade: HandmadeRun) -> None:
    labels = {
        (row["element"].split("@")[0], row["role"].removeprefix(ROLE), row["lang"]): row["text"]
        for row in handmade.rows("classic", "Label")
    }
    assert labels[("tiny:Revenue", "label", "en-US")] == "Revenue"
    assert labels[("tiny:Revenue", "terseLabel", "en-US")] == "Revenues"
    assert labels[("tiny:Revenue", "label", "fr")] == "Chiffre d'affaires"
    assert labels[("tiny:Revenue", "documentation", "en-US")] == "Income from <sales> of goods."
    assert labels[("tiny:CostOfRevenue", "negatedLabel", "en-US")] == "Less: cost of revenue"
    assert len(labels) == 9


def test_references_keep_every_part_with_its_name(handmade: HandmadeRun) -> None:
    (reference,) = handmade.rows("classic", "Reference")
    parts = json.loads(reference["parts"])
    assert [(p["name"], p["value"]) for p in parts] == [
        ("Publisher", "FASB"),
        ("Name", "Accounting Standards Codification"),
        ("Topic", "606"),
        ("SubTopic", "10"),
        ("Section", "50"),
        ("Paragraph", "1"),
    ]
    assert {p["namespace"] for p in parts} == {"http://www.xbrl.org/2006/ref"}
    assert reference["role"] == ROLE + "presentationRef"


def test_networks_carry_their_role_definition(handmade: HandmadeRun) -> None:
    networks = {n["role_uri"].rsplit("/", 1)[1]: n for n in handmade.rows("classic", "Network")}
    income = networks["Income"]
    assert income["definition"] == "0002 - Statement - Condensed Statement of Income"
    assert (income["sort_code"], income["category"], income["title"]) == (
        "0002",
        "Statement",
        "Condensed Statement of Income",
    )


def test_presentation_arcs_in_order_with_preferred_labels(handmade: HandmadeRun) -> None:
    arcs = sorted(
        (a for a in _arcs(handmade, "classic") if a["link_kind"] == "presentation"),
        key=lambda a: a["tree_sequence"],
    )
    shown = [(a["to_element"].split("@")[0], a["preferred_label"], a["depth"]) for a in arcs]
    assert shown == [
        ("tiny:Revenue", None, 1),
        ("tiny:CostOfRevenue", ROLE + "negatedLabel", 1),
        ("tiny:GrossProfit", ROLE + "totalLabel", 1),
    ]


def test_both_calculation_arcroles_keep_their_weights(handmade: HandmadeRun) -> None:
    calcs = {
        (a["arcrole"], a["to_element"].split("@")[0]): a["weight"]
        for a in _arcs(handmade, "classic")
        if a["link_kind"] == "calculation"
    }
    assert calcs == {
        (CALC_11, "tiny:Revenue"): Decimal(1),
        (CALC_11, "tiny:CostOfRevenue"): Decimal(-1),
        (CALC_2003, "tiny:GrossProfit"): Decimal("0.5"),
    }


def test_definition_arcs_keep_their_dimensional_arcroles(handmade: HandmadeRun) -> None:
    arcs = [a for a in _arcs(handmade, "classic") if a["link_kind"] == "definition"]
    roles = Counter(a["arcrole"].removeprefix(DIM) for a in arcs)
    assert roles == {
        "all": 1, "notAll": 1, "hypercube-dimension": 2, "dimension-domain": 1,
        "dimension-default": 1, "domain-member": 3,
    }  # fmt: skip
    has_all = next(a for a in arcs if a["arcrole"].endswith("/all"))
    assert (has_all["closed"], has_all["context_element"]) == (True, "segment")
    not_all = next(a for a in arcs if a["arcrole"].endswith("/notAll"))
    assert (not_all["closed"], not_all["context_element"]) == (False, "scenario")
    unusable = [a["to_element"].split("@")[0] for a in arcs if a["usable"] is False]
    assert unusable == ["tiny:GadgetsMember"]


def test_arc_ids_are_deterministic_and_distinct(handmade: HandmadeRun) -> None:
    ids = [a["id"] for a in _arcs(handmade, "classic")]
    assert len(ids) == len(set(ids)) == 15
    again = [a["id"] for a in _arcs(handmade, "amended")]
    assert not set(ids) & set(again)  # arcs belong to their report


def test_arc_endpoints_have_their_definitions(handmade: HandmadeRun) -> None:
    elements = {e["id"].split("@")[0]: e for e in handmade.rows("classic", "Element")}
    table = elements["tiny:IncomeTable"]
    assert (table["substitution_group"], table["is_abstract"]) == ("xbrldt:hypercubeItem", True)


def test_taxonomies_tell_standard_from_extension(handmade: HandmadeRun) -> None:
    taxonomies = {t["family"]: t for t in handmade.rows("classic", "Taxonomy")}
    assert set(taxonomies) == {"dei", "dtr-types", "tiny"}  # dei's types are the DTR's
    assert taxonomies["dei"]["is_standard"] and taxonomies["dei"]["version"] == "2023"
    assert taxonomies["tiny"]["schema_location"] == "tiny-2024.xsd"
    assert not taxonomies["tiny"]["is_standard"]
    uses = {r["to"] for r in handmade.rows("classic", "REPORT_USES_TAXONOMY")}
    assert uses == {t["id"] for t in taxonomies.values()}


def test_a_missing_standard_taxonomy_is_a_taxonomy_not_loaded(bundled: BatchRun) -> None:
    taxonomies = {
        t["family"]: t for t in bundled.table("ba-10k-2023-12-31", "Taxonomy").to_pylist()
    }
    assert taxonomies["ecd"]["is_loaded"] is False
    assert taxonomies["ecd"]["schema_location"] == "https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd"
    assert taxonomies["us-gaap"]["is_loaded"] and taxonomies["ba"]["is_standard"] is False
    warnings = bundled.manifest("ba-10k-2023-12-31").warnings
    assert "taxonomy file not available offline: https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd" in (
        warnings
    )


def test_every_schema_missing_offline_is_a_taxonomy_named_by_its_url(bundled: BatchRun) -> None:
    missing = {}
    for name in bundled.units:
        rows = bundled.table(name, "Taxonomy").to_pylist()
        warned = {w.rsplit(": ", 1)[1] for w in bundled.manifest(name).warnings
                  if w.startswith("taxonomy file not available offline: ")}  # fmt: skip
        absent = {t["schema_location"]: t["id"] for t in rows if not t["is_loaded"]}
        assert set(absent) == warned, name  # each missing file a row, each row a URL
        missing[name] = absent
    roles_2022 = {"https://xbrl.fasb.org/us-gaap/2022/elts/us-roles-2022.xsd":
                  "http://fasb.org/us-roles/2022"}  # fmt: skip
    # Amazon's us-gaap-2022.xsd imports it as "us-roles-2022.xsd", relative to its URL
    assert missing["amzn-10k-2022-12-31"] == missing["aeon-10q-2023-09-30"] == roles_2022
    # Apple's definition linkbase names us-roles-2023.xsd in a roleRef, no xs:import
    roles_2023 = "https://xbrl.fasb.org/us-gaap/2023/elts/us-roles-2023.xsd"
    assert missing["aapl-10k-2023-09-30"] == {
        roles_2023: "http://fasb.org/us-roles/2023",
        "https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd": "http://xbrl.sec.gov/ecd/2023",
    }
    assert len(missing["ba-10k-2023-12-31"]) == 4 and len(missing["tsla-10q-2024-06-30"]) == 3
    (roles,) = [t for t in bundled.table("aapl-10k-2023-09-30", "Taxonomy").to_pylist()
                if t["family"] == "us-roles"]  # fmt: skip
    assert (roles["version"], roles["is_standard"]) == ("2023", True)


def test_contexts_keep_segment_scenario_and_typed_values(handmade: HandmadeRun) -> None:
    contexts = {c["dimensions"]: c for c in handmade.rows("classic", "Context")}
    typed = next(c for d, c in contexts.items() if d and "RegionAxis" in d)
    assert typed["dimensions"].endswith("#EMEA")
    scenario = next(c for d, c in contexts.items() if d and d.startswith("scenario:"))
    assert scenario["has_scenario"] and scenario["period"] == "2024-01-01..2024-09-30"
    assert len(handmade.rows("classic", "Context")) == 7


def test_classic_footnotes_keep_their_markup_and_text(handmade: HandmadeRun) -> None:
    (note,) = handmade.rows("classic", "Footnote")
    assert note["text_plain"] == "Includes a one-time gain."
    assert "gain</" in note["text"] and note["lang"] == "en"
    (link,) = handmade.rows("classic", "FACT_HAS_FOOTNOTE")
    assert link["from"] == handmade.facts("classic")["rev-q3-1"]["id"]
    assert link["arcrole"] == "http://www.xbrl.org/2003/arcrole/fact-footnote"


def test_a_schema_of_the_link_role_registry_is_no_taxonomy_of_the_report(
    bundled: BatchRun,
) -> None:
    """AEON's definition linkbase refers to ESMA's wider-narrower arcrole (an arcroleRef,
    no arc uses it); Arelle loads its schema, whose namespace is the arcrole's URI, from
    XBRL International's Link Role Registry. It declares no concept: it was a Taxonomy
    row whose family was that URI, counted as an extension beside aeon's own."""
    rows = bundled.table("aeon-10q-2023-09-30", "Taxonomy").to_pylist()
    assert sorted((t["family"], t["is_standard"]) for t in rows) == [
        ("aeon", False), ("country", True), ("dei", True), ("dtr-types", True),
        ("srt", True), ("srt-types", True), ("us-gaap", True), ("us-roles", True),
        ("us-types", True),
    ]  # fmt: skip
    uses = bundled.table("aeon-10q-2023-09-30", "REPORT_USES_TAXONOMY").to_pylist()
    assert sorted(r["to"] for r in uses) == sorted(t["id"] for t in rows)
    warnings = bundled.manifest("aeon-10q-2023-09-30").warnings
    assert not any("esma" in w for w in warnings)


def test_boeing_statement_of_operations_reads_in_presentation_order(bundled: BatchRun) -> None:
    name = "ba-10k-2023-12-31"
    (network,) = [
        n for n in bundled.table(name, "Network").to_pylist()
        if n["title"] == "Consolidated Statements of Operations"
    ]  # fmt: skip
    arcs = sorted(
        (a for a in bundled.table(name, "Arc").to_pylist()
         if a["network"] == network["id"] and a["link_kind"] == "presentation"),
        key=lambda a: a["tree_sequence"],
    )  # fmt: skip
    line_items = [a["to_element"] for a in arcs if a["from_element"].endswith("LineItems")][:4]
    assert line_items == [
        "us-gaap:Revenues",
        "us-gaap:CostOfGoodsAndServicesSold",
        "us-gaap:CostOfRevenue",
        "us-gaap:GrossProfit",
    ]
    roles = Counter(a["arcrole"].rsplit("/", 1)[1] for a in bundled.table(name, "Arc").to_pylist())
    assert roles["parent-child"] > 1000 and roles["summation-item"] > 200
    assert roles["all"] > 0 and roles["dimension-default"] > 0


def test_labels_are_kept_for_the_concepts_the_filing_uses(bundled: BatchRun) -> None:
    name = "aapl-10k-2023-09-30"
    labels = bundled.table(name, "Label").to_pylist()
    elements = {e["id"] for e in bundled.table(name, "Element").to_pylist()}
    assert {label["element"] for label in labels} <= elements
    revenue = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    texts = {
        lab["role"].rsplit("/", 1)[1]: lab["text"] for lab in labels if lab["element"] == revenue
    }
    assert texts["terseLabel"] == "Net sales"


XLINK, LINK = "{http://www.w3.org/1999/xlink}", "{http://www.xbrl.org/2003/linkbase}"
# namespaces whose schemas are not in the taxonomy cache: their concepts are undefined, so
# Arelle relates no label to them (the manifest warns of each missing schema)
OFFLINE = ("ecd:", "sic:", "stpr:", "exch:")


def filer_labels(package: str) -> set[tuple[str, str, str, str]]:
    """(prefix:name, role, language, text) of each label arc of the package's own label
    linkbase, read with lxml alone; ``prefix_name`` is how every bundled filer names locs."""
    (path,) = (SAMPLE_SEC / package).glob("*_lab.xml")
    found = set()
    for link in etree.parse(str(path)).getroot().iter(f"{LINK}labelLink"):
        locs: dict[str, list[str]] = {}
        resources: dict[str, list[tuple[str, str, str]]] = {}
        for node in link:
            kind = node.get(f"{XLINK}type") if isinstance(node.tag, str) else None
            if kind == "locator":
                href = node.get(f"{XLINK}href").split("#")[1]
                locs.setdefault(node.get(f"{XLINK}label"), []).append(href.replace("_", ":", 1))
            elif kind == "resource":
                lang = node.get("{http://www.w3.org/XML/1998/namespace}lang")
                labelled = (node.get(f"{XLINK}role"), lang, "".join(node.itertext()))
                resources.setdefault(node.get(f"{XLINK}label"), []).append(labelled)
        for arc in link.iter(f"{LINK}labelArc"):
            for concept in locs[arc.get(f"{XLINK}from")]:
                found.update((concept, *r) for r in resources[arc.get(f"{XLINK}to")])
    return found


@pytest.mark.parametrize(
    ("name", "filer", "offline"),
    [
        ("aapl-10k-2023-09-30", 1485, 171),
        ("aeon-10q-2023-09-30", 1362, 0),
        ("amzn-10k-2022-12-31", 1789, 0),
        ("ba-10k-2023-12-31", 2821, 175),
        ("tsla-10q-2024-06-30", 1169, 173),
    ],
)
def test_every_label_the_filer_wrote_is_kept_used_or_not(
    bundled: BatchRun, name: str, filer: int, offline: int
) -> None:
    expected = filer_labels(name)
    kept = {(label["element"].split("@")[0], label["role"], label["lang"], label["text"])
            for label in bundled.table(name, "Label").to_pylist()}  # fmt: skip
    missing = expected - kept
    assert (len(expected), len(missing)) == (filer, offline)
    assert all(concept.startswith(OFFLINE) for concept, *_ in missing)


def test_unused_concepts_of_the_filer_keep_their_labels_and_elements(bundled: BatchRun) -> None:
    def labels(name: str, concept: str) -> dict[str, str]:
        rows = bundled.table(name, "Label").to_pylist()
        return {r["role"].rsplit("/", 1)[1]: r["text"] for r in rows
                if r["element"].split("@")[0] == concept}  # fmt: skip

    # Apple's member for an executive no fact or arc of the 10-K uses
    assert labels("aapl-10k-2023-09-30", "aapl:DeirdreOBrienMember") == {
        "label": "Deirdre O'Brien [Member]", "documentation": "Deirdre O'Brien"
    }  # fmt: skip
    # AEON's own wording of a us-gaap heading it does not arrange
    assert labels("aeon-10q-2023-09-30", "us-gaap:LossContingenciesLineItems") == {
        "label": "Loss Contingencies [Line Items]", "terseLabel": "Commitments and Contingencies"
    }  # fmt: skip
    for name, prefix, defined in (("aapl-10k-2023-09-30", "aapl", 79),
                                  ("aeon-10q-2023-09-30", "aeon", 211),
                                  ("ba-10k-2023-12-31", "ba", 274)):  # fmt: skip
        schema = etree.parse(str(next((SAMPLE_SEC / name).glob("*.xsd")))).getroot()
        names = {e.get("name") for e in schema.iterchildren(f"{XS}element")}
        elements = bundled.table(name, "Element").to_pylist()
        own = {e["local_name"] for e in elements if e["id"].startswith(f"{prefix}:")}
        assert len(names) == defined and own == names, name


US_GAAP_2022, US_GAAP_2023 = "http://fasb.org/us-gaap/2022", "http://fasb.org/us-gaap/2023"
DEFINITION = ("data_type", "substitution_group", "period_type", "balance", "is_abstract",
              "is_nillable")  # fmt: skip


def _definitions(bundled: BatchRun) -> dict[tuple[str, str], tuple]:
    """(concept, taxonomy) -> definition over every bundled filing, first row per key as
    the graph keeps it; a key whose filings disagree fails here."""
    found: dict[tuple[str, str], tuple] = {}
    for name in bundled.units:
        for row in bundled.table(name, "ElementDefinition").to_pylist():
            assert row["id"] == f"{row['element']}|{row['taxonomy']}"
            definition = tuple(row[column] for column in DEFINITION)
            key = (row["element"], row["taxonomy"])
            assert found.setdefault(key, definition) == definition, row
    return found


@pytest.mark.parametrize(
    "concept",
    ["us-gaap:PropertyPlantAndEquipmentUsefulLife", "us-gaap:FiniteLivedIntangibleAssetUsefulLife"],
)
def test_a_concept_whose_period_type_changed_keeps_each_years_definition(
    bundled: BatchRun, concept: str
) -> None:
    years = {t: d for (c, t), d in _definitions(bundled).items() if c == concept}
    duration_item = ("xbrli:durationItemType", "xbrli:item")
    assert years == {
        US_GAAP_2022: (*duration_item, "duration", None, False, True),
        US_GAAP_2023: (*duration_item, "instant", None, False, True),
    }
    amazon = bundled.table("amzn-10k-2022-12-31", "ELEMENT_HAS_DEFINITION").to_pylist()
    assert [r["to"] for r in amazon if r["from"] == concept] == [f"{concept}|{US_GAAP_2022}"]


def test_an_unchanged_concept_has_the_same_definition_every_year(bundled: BatchRun) -> None:
    definitions = _definitions(bundled)
    years = {t: d for (c, t), d in definitions.items() if c == "us-gaap:Revenues"}
    assert years == {
        US_GAAP_2022: ("xbrli:monetaryItemType", "xbrli:item", "duration", "credit", False, True),
        US_GAAP_2023: ("xbrli:monetaryItemType", "xbrli:item", "duration", "credit", False, True),
    }
    changed = {c for (c, t), d in definitions.items() if t == US_GAAP_2022
               and definitions.get((c, US_GAAP_2023), d) != d}  # fmt: skip
    assert changed == {
        "us-gaap:PropertyPlantAndEquipmentUsefulLife",
        "us-gaap:FiniteLivedIntangibleAssetUsefulLife",
    }


def test_each_definition_is_the_one_of_the_filings_own_element_row(bundled: BatchRun) -> None:
    name = "ba-10k-2023-12-31"
    elements = {e["id"]: e for e in bundled.table(name, "Element").to_pylist()}
    rows = bundled.table(name, "ElementDefinition").to_pylist()
    links = bundled.table(name, "ELEMENT_HAS_DEFINITION").to_pylist()
    in_taxonomy = bundled.table(name, "ELEMENT_IN_TAXONOMY")
    assert len(rows) == len(links) == len(elements) == 1722  # every concept Boeing uses
    assert in_taxonomy.column_names == ["from", "to"]  # the definition is on the node
    assert in_taxonomy.num_rows == 1722
    assert {(r["from"], r["to"]) for r in links} == {(r["element"], r["id"]) for r in rows}
    taxonomies = bundled.table(name, "Taxonomy").to_pylist()
    years = {(t["namespace"], t["version"]) for t in taxonomies}
    assert {(r["taxonomy"], r["version"]) for r in rows} <= years
    assert (US_GAAP_2023, "2023") in {(r["taxonomy"], r["version"]) for r in rows}
    for row in rows:
        element = elements[row["element"]]
        assert row["taxonomy"] == element["namespace"]
        assert [row[c] for c in DEFINITION] == [element[c] for c in DEFINITION]
