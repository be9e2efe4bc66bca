"""Arc attributes the graph cannot hold exactly: a copy of Tesla's 10-Q, its linkbases edited.

Four of Tesla's arcs get a value XML Schema allows (or Arelle reads) but the graph cannot
store as filed: a calculation weight of 16 decimal places and a presentation order of 14
(Arc.weight and Arc.arc_order are DECIMAL(38, 12)), a weight written `1e3` (no xs:decimal,
which Python's Decimal reads as 1000) and a priority of 20 digits (Arc.priority is INT64).
Each such arc must be left out with a warning to act on naming it, and the rest of the
filing must load as filed: before, the filing failed on Arrow's "Rescaling Decimal value
would cause data loss" or an OverflowError, or took `1e3` as 1000.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xbrl_samples import TESLA, EditedRun, edited_copy, run_edited

from xbrl_task.arc_values import arc_problem
from xbrl_task.model import ArcInfo, QName

CAL, PRE, DEF = "tsla-20240630_cal.xml", "tsla-20240630_pre.xml", "tsla-20240630_def.xml"
ASSETS = 'xlink:from="loc_us-gaap_Assets_bad9ee74-f3dc-4949-a7ca-f60ed14262aa"'
COVER = 'xlink:from="loc_dei_CoverAbstract_c6f0d095-7c45-41fd-8f0b-feea93878fd1"'
TABLE = 'xlink:from="loc_us-gaap_StatementTable_7a470b57-19bb-42a4-b70d-fdbc1a7ae898"'
SUMMATION = "http://www.xbrl.org/2003/arcrole/summation-item"
ROLE = "http://www.tesla.com/role/"
EDITS = (  # (linkbase, arc as filed, the same arc edited)
    (
        CAL,
        f'order="2" weight="1.0" xlink:arcrole="{SUMMATION}" {ASSETS}',
        f'order="2" weight="0.1234567890123456" xlink:arcrole="{SUMMATION}" {ASSETS}',
    ),
    (
        CAL,
        f'order="3" weight="1.0" xlink:arcrole="{SUMMATION}" {ASSETS}',
        f'order="3" weight="1e3" xlink:arcrole="{SUMMATION}" {ASSETS}',
    ),
    (
        PRE,
        f'order="2" xlink:arcrole="http://www.xbrl.org/2003/arcrole/parent-child" {COVER}',
        f'order="2.00000000000001" xlink:arcrole="http://www.xbrl.org/2003/arcrole/'
        f'parent-child" {COVER}',
    ),
    (
        DEF,
        f"{TABLE} "
        'xlink:to="loc_us-gaap_PropertyPlantAndEquipmentByTypeAxis_0b520466-95cb-4634-a3f2-'
        '045609c28560" xlink:type="arc" order="1"',
        f"{TABLE} "
        'xlink:to="loc_us-gaap_PropertyPlantAndEquipmentByTypeAxis_0b520466-95cb-4634-a3f2-'
        '045609c28560" xlink:type="arc" order="1" priority="99999999999999999999"',
    ),
)
FIX = "; fix the linkbase and load the package again"
REFUSED = [  # in the order of the arcs: by arcrole, then as Arelle relates them
    f"arc not loaded: {PRE}, role {ROLE}Cover, arcrole "
    "http://www.xbrl.org/2003/arcrole/parent-child, from dei:CoverAbstract to "
    "dei:DocumentQuarterlyReport: order not storable as DECIMAL(38, 12): more than 12 "
    f"decimal places: '2.00000000000001'{FIX}",
    f"arc not loaded: {CAL}, role {ROLE}ConsolidatedBalanceSheets, arcrole {SUMMATION}, "
    "from us-gaap:Assets to us-gaap:DeferredCostsLeasingNetNoncurrent: weight not storable "
    f"as DECIMAL(38, 12): more than 12 decimal places: '0.1234567890123456'{FIX}",
    f"arc not loaded: {CAL}, role {ROLE}ConsolidatedBalanceSheets, arcrole {SUMMATION}, "
    "from us-gaap:Assets to tsla:DigitalAssetsNetNonCurrent: weight not readable: "
    f"not a number: '1e3'{FIX}",
    f"arc not loaded: {DEF}, role {ROLE}ConsolidatedBalanceSheets, arcrole "
    "http://xbrl.org/int/dim/arcrole/hypercube-dimension, from us-gaap:StatementTable to "
    "us-gaap:PropertyPlantAndEquipmentByTypeAxis: priority not storable as INT64: "
    f"'99999999999999999999'{FIX}",
]


def tesla_with_arcs_edited(target: Path) -> Path:
    """Tesla's package with the four arcs of ``EDITS`` edited in its linkbases."""
    edited_copy(TESLA, target, "", "", "")
    for linkbase, filed, edited in EDITS:
        path = target / linkbase
        text = path.read_text(encoding="utf-8")
        assert text.count(filed) == 1, filed
        path.write_text(text.replace(filed, edited), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def edited(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"tesla": tesla_with_arcs_edited}
    return run_edited(tmp_path_factory.mktemp("arcs"), editors, "xbrl_arc_values")


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    """Tesla's package as filed, in a store of its own (the copy has the same unit)."""
    editors = {"tesla": lambda target: edited_copy(TESLA, target, "", "", "")}
    return run_edited(tmp_path_factory.mktemp("filed"), editors, "xbrl_arc_values")


def test_arcs_the_graph_cannot_hold_are_refused_each_naming_itself(edited: EditedRun) -> None:
    assert edited.statuses["tesla"] == "processed"
    manifest = edited.manifest("tesla")
    refused = [w for w in manifest.warnings_to_act_on if w.startswith("arc not loaded")]
    assert refused == REFUSED
    assert [w for w in manifest.warnings if w.startswith("arc not loaded")] == REFUSED


def test_the_rest_of_the_filing_loads_as_filed(edited: EditedRun, filed: EditedRun) -> None:
    assert edited.manifest("tesla").facts == filed.manifest("tesla").facts
    assert edited.manifest("tesla").facts.extracted == 1045
    assert edited.rows("tesla", "Fact") == filed.rows("tesla", "Fact")
    arcs = {a["id"]: a for a in filed.rows("tesla", "Arc")}
    kept = {a["id"]: a for a in edited.rows("tesla", "Arc")}
    assert len(arcs) == 1662 and len(kept) == len(arcs) - 4 and kept.keys() < arcs.keys()
    gone = [arcs[i] for i in arcs.keys() - kept.keys()]
    weights = sorted((a["link_kind"], a["to_element"], a["weight"]) for a in gone)
    assert [w[:2] for w in weights] == [
        ("calculation", "tsla:DigitalAssetsNetNonCurrent@8aac3e9c"),
        ("calculation", "us-gaap:DeferredCostsLeasingNetNoncurrent"),
        ("definition", "us-gaap:PropertyPlantAndEquipmentByTypeAxis"),
        ("presentation", "dei:DocumentQuarterlyReport"),
    ]
    unchanged = ("weight", "arc_order", "priority", "from_element", "to_element")
    for aid, arc in kept.items():
        assert {c: arc[c] for c in unchanged} == {c: arcs[aid][c] for c in unchanged}


def test_a_refused_arcs_network_is_walked_without_it(edited: EditedRun) -> None:
    """The cover's tree reads on from the next arc: sequences stay dense from 1."""
    networks = {n["id"]: n["role_uri"] for n in edited.rows("tesla", "Network")}
    cover = sorted(
        (a["tree_sequence"], a["to_element"]) for a in edited.rows("tesla", "Arc")
        if networks[a["network"]] == f"{ROLE}Cover" and a["link_kind"] == "presentation"
    )  # fmt: skip
    assert [s for s, _ in cover] == list(range(1, len(cover) + 1))
    assert cover[:3] == [
        (1, "dei:DocumentType"),
        (2, "dei:DocumentPeriodEndDate"),
        (3, "dei:DocumentTransitionReport"),
    ]


def _arc(**filed: str) -> ArcInfo:
    concept = QName("http://fasb.org/us-gaap/2023", "Assets", "us-gaap")
    return ArcInfo("calculation", SUMMATION, f"{ROLE}X", concept, concept, None,
                   filed=tuple(filed.items()))  # fmt: skip


@pytest.mark.parametrize(
    ("filed", "problem"),
    [
        ({"order": " 2.500000000000 ", "weight": "-1", "priority": "+0"}, None),
        ({"priority": "-9223372036854775808"}, None),
        (
            {"priority": "9223372036854775808"},
            "priority not storable as INT64: '9223372036854775808'",
        ),
        (
            {"priority": "9" * 5000},
            f"priority not storable as INT64: '{'9' * 40}'...'{'9' * 40}' (5000 characters)",
        ),
        ({"priority": "1_0"}, "priority not readable: not an integer: '1_0'"),
        ({"priority": "1.0"}, "priority not readable: not an integer: '1.0'"),
        ({"order": "abc"}, "order not readable: not a number: 'abc'"),
        ({"order": "INF"}, "order not storable as DECIMAL(38, 12): not a finite number: 'INF'"),
        (
            {"weight": "1" * 27},
            f"weight not storable as DECIMAL(38, 12): more than 26 integer digits: '{'1' * 27}'",
        ),
        (
            {"order": "1", "weight": "0.5", "priority": "x"},
            "priority not readable: not an integer: 'x'",
        ),
    ],
)
def test_an_arcs_numbers_are_checked_as_xml_schema_spells_them(
    filed: dict[str, str], problem: str | None
) -> None:
    """Values built here: the bounds of INT64 and DECIMAL(38, 12), texts Python reads but
    XML Schema does not (``1_0``), XML whitespace around a number."""
    assert arc_problem(_arc(**filed)) == problem
