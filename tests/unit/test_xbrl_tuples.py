"""Tuples: EDGAR accepts none, the graph keeps none; a filing with one says so.

EDGAR Filer Manual 6.7.19: no concept of a filing may be a tuple (EDGAR's validator,
Arelle's EFM plugin, refuses both the concept and a tuple fact). Edited copies of two
real filings each get a tuple concept and one tuple holding a fact: Tesla's 10-Q
(classic) a tsla:RevenueGroup around a us-gaap:Revenues of 1,000,000 in its Q2 context
(c-33, where f-1114 states 25,500,000,000); AEON's 10-Q (inline) an ix:tuple
aeon:NoteGroup in its hidden section with a us-gaap:Revenues of 5 joined by tupleRef.
Two more copies state equal items in several tuples: Tesla's three RevenueGroups, t-a and
t-b with a revenue of 1,000,000 in c-33 each, t-c with two such revenues; AEON's two
ix:tuples each joining a revenue of 5. XBRL 2.1 makes items duplicates only under one
parent (p-equal): the items of t-a, t-b and t-c are three Facts, t-c's two one. And so
are other values only among items of one tuple: t-b also holds a revenue of 3,000,000
(inconsistent with its 1,000,000), t-c one of 1,200,000 to the 100,000 (consistent with
its 1,000,000 to the million); none is a duplicate of Tesla's own Q2 revenue (f-1114)
outside tuples, nor of another tuple's item.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from xbrl_samples import (
    AEON,
    AEON_DOCUMENT,
    REPO,
    TESLA,
    TESLA_INSTANCE,
    EditedRun,
    edited_copy,
    run_edited,
)

from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import ExportFailed, export_oim

TUPLE_TYPE = (
    '<xs:complexType><xs:complexContent><xs:restriction base="xs:anyType"><xs:sequence>'
    '<xs:element ref="us-gaap:Revenues" minOccurs="0" maxOccurs="unbounded"/>'
    '</xs:sequence><xs:attribute name="id" type="xs:ID"/></xs:restriction>'
    "</xs:complexContent></xs:complexType>"
)
TESLA_TUPLE = (
    '<tsla:RevenueGroup id="t-group">'
    '<us-gaap:Revenues contextRef="c-33" decimals="-6" id="f-in-tuple" unitRef="usd">'
    "1000000</us-gaap:Revenues></tsla:RevenueGroup>"
)
AEON_CONTEXT = "Duration_1_1_2023_To_9_30_2023_Ebj2XMZXPkeeBZsJQEfMqA"
AEON_TUPLE = (
    '<ix:tuple name="aeon:NoteGroup" tupleID="tg-1" id="t-note"/>'
    f'<ix:nonFraction name="us-gaap:Revenues" contextRef="{AEON_CONTEXT}" '
    'unitRef="Unit_Standard_USD_HgoRz1UOsUWrgdFfrV_xrw" decimals="0" tupleRef="tg-1" '
    'order="1" id="x-in-tuple">5</ix:nonFraction>'
)
REVENUE = (
    '<us-gaap:Revenues contextRef="c-33" decimals="{}" id="{}" unitRef="usd">{}</us-gaap:Revenues>'
)
M1 = ("-6", "1000000")
# tuple id: the revenues it holds, (id, decimals, value)
TESLA_GROUPS = {
    "t-a": [("f-a", *M1)],
    "t-b": [("f-b", *M1), ("f-b2", "-6", "3000000")],
    "t-c": [("f-c1", *M1), ("f-c2", *M1), ("f-c3", "-5", "1200000")],
}
TESLA_TUPLES = "".join(
    f'<tsla:RevenueGroup id="{tid}">'
    f"{''.join(REVENUE.format(decimals, fid, value) for fid, decimals, value in items)}"
    "</tsla:RevenueGroup>"
    for tid, items in TESLA_GROUPS.items()
)
AEON_TUPLES = "".join(
    f'<ix:tuple name="aeon:NoteGroup" tupleID="tg-{n}" id="t-note-{n}"/>'
    f'<ix:nonFraction name="us-gaap:Revenues" contextRef="{AEON_CONTEXT}" '
    f'unitRef="Unit_Standard_USD_HgoRz1UOsUWrgdFfrV_xrw" decimals="0" tupleRef="tg-{n}" '
    f'order="1" id="x-in-tuple-{n}">5</ix:nonFraction>'
    for n in (1, 2)
)
TAIL = (
    "holding 1 facts: EDGAR accepts no tuple (EDGAR Filer Manual 6.7.19) and the graph "
    "keeps none; each fact in it is loaded on its own, without the tuple that groups "
    "them; fix the package and load it again"
)


def _schema_with(path: Path, prefix: str, name: str, us_gaap: str) -> None:
    """``path``'s schema with a tuple concept ``name`` (xs or xsd spelt as the file does)."""
    text = path.read_text(encoding="utf-8")
    xs = "xsd" if "</xsd:schema>" in text else "xs"
    element = (
        f'<{xs}:element id="{prefix}_{name}" name="{name}" substitutionGroup="xbrli:tuple" '
        f'nillable="true" xmlns:us-gaap="{us_gaap}">{TUPLE_TYPE.replace("xs:", f"{xs}:")}'
        f"</{xs}:element>"
    )
    assert text.count(f"</{xs}:schema>") == 1
    path.write_text(text.replace(f"</{xs}:schema>", f"{element}</{xs}:schema>"), "utf-8")


def tesla_tuple(target: Path) -> Path:
    edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{TESLA_TUPLE}\n</xbrl>")
    us_gaap = "http://fasb.org/us-gaap/2023"
    _schema_with(target / "tsla-20240630.xsd", "tsla", "RevenueGroup", us_gaap)
    return target


def aeon_tuple(target: Path, tuples: str = AEON_TUPLE) -> Path:
    edited_copy(AEON, target, AEON_DOCUMENT, "<ix:hidden>", f"<ix:hidden>{tuples}")
    _schema_with(target / "aeon-20230930.xsd", "aeon", "NoteGroup", "http://fasb.org/us-gaap/2022")
    return target


def tesla_tuples(target: Path) -> Path:
    edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{TESLA_TUPLES}\n</xbrl>")
    _schema_with(
        target / "tsla-20240630.xsd", "tsla", "RevenueGroup", "http://fasb.org/us-gaap/2023"
    )
    return target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"tesla": tesla_tuple, "aeon": aeon_tuple}
    return run_edited(tmp_path_factory.mktemp("tuples"), editors, "xbrl_tuples")


def test_a_classic_tuple_is_a_warning_to_act_on_and_its_fact_is_loaded(run: EditedRun) -> None:
    assert run.statuses["tesla"] == "processed"
    manifest = run.manifest("tesla")
    facts = run.facts("tesla")
    fact = facts["f-in-tuple"]
    # the last ones count the arcs to ecd and exch concepts (no such schema in the cache)
    assert manifest.warnings_to_act_on[:-2] == [f"tuple tsla:RevenueGroup x1 (ids t-group) {TAIL}"]
    assert (fact["concept"], fact["value_decimal"]) == ("us-gaap:Revenues", Decimal(1_000_000))
    # in the same Q2 as Tesla's revenue, another value, but another parent (XBRL 2.1,
    # 4.10): no duplicate of it (they were flagged inconsistent duplicates)
    assert fact["duplicate_status"] is fact["duplicate_group"] is None
    assert facts["f-1114"]["duplicate_status"] is None
    assert (manifest.facts.duplicates_inconsistent, manifest.facts.reconciles()) == (0, True)
    assert "tsla:RevenueGroup" not in {f["concept"] for f in facts.values()}


def test_an_inline_tuple_is_a_warning_to_act_on_and_its_fact_is_loaded(run: EditedRun) -> None:
    assert run.statuses["aeon"] == "processed"
    manifest = run.manifest("aeon")
    assert manifest.warnings_to_act_on == [f"tuple aeon:NoteGroup x1 (ids t-note) {TAIL}"]
    fact = run.facts("aeon")["x-in-tuple"]
    assert (fact["value_decimal"], fact["is_hidden"], fact["is_displayed"]) == (
        Decimal(5),
        True,
        False,
    )
    assert manifest.facts.reconciles()


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    """The copies with several tuples, in a store of their own: Tesla's copy keeps its
    accession number, which is its source unit."""
    editors = {"tesla": tesla_tuples, "aeon": lambda t: aeon_tuple(t, AEON_TUPLES)}
    return run_edited(tmp_path_factory.mktemp("several_tuples"), editors, "xbrl_tuples")


def test_equal_items_of_two_tuples_are_two_facts_and_of_one_tuple_one(
    several: EditedRun,
) -> None:
    facts = several.facts("tesla")
    added = {fid: facts[fid] for fid in ("f-a", "f-b", "f-c1")}
    assert "f-c2" not in facts  # a complete duplicate of f-c1 in the same tuple
    assert {fid: f["occurrences"] for fid, f in added.items()} == {"f-a": 1, "f-b": 1, "f-c1": 2}
    assert {f["value_decimal"] for f in added.values()} == {Decimal(1_000_000)}
    # of three parents, and outside tuples, Tesla's own Q2 revenue: no duplicates of
    # each other (they were one inconsistent set of four Facts)
    assert facts["f-a"]["duplicate_status"] is facts["f-1114"]["duplicate_status"] is None
    manifest = several.manifest("tesla")
    assert (manifest.facts.duplicates_collapsed, manifest.facts.reconciles()) == (90 + 1, True)
    tuples = "tuple tsla:RevenueGroup x3 (ids t-a, t-b, t-c) "
    assert manifest.warnings_to_act_on[0] == tuples + TAIL.replace("1 facts", "6 facts")


def test_items_of_one_tuple_are_flagged_duplicates_of_each_other_only(
    several: EditedRun,
) -> None:
    facts = several.facts("tesla")
    b, b2, c1, c3 = (facts[fid] for fid in ("f-b", "f-b2", "f-c1", "f-c3"))
    assert (b["duplicate_status"], b2["duplicate_status"]) == ("inconsistent",) * 2
    assert b["duplicate_group"] == b2["duplicate_group"] is not None
    # 1,000,000 to the million and 1,200,000 to the 100,000: the ranges overlap
    assert (c1["duplicate_status"], c3["duplicate_status"]) == ("consistent",) * 2
    assert c1["duplicate_group"] == c3["duplicate_group"] not in (None, b["duplicate_group"])
    counts = several.manifest("tesla").facts
    # Tesla as filed has no duplicates of other values: these are the two sets
    assert (counts.duplicates_inconsistent, counts.inconsistent_sets) == (2, 1)
    assert counts.duplicates_consistent == 2
    assert several.manifest("tesla").warnings_to_act_on[1] == (
        "inconsistent duplicates: us-gaap:Revenues in tuple tsla:RevenueGroup t-b, in context "
        "c-33, unit usd, states 1000000 (decimals -6, id f-b), 3000000 (decimals -6, id "
        "f-b2); the graph keeps each value "
        f"as a Fact with duplicate_status 'inconsistent' and duplicate_group "
        f"'{b['duplicate_group']}', none chosen: fix the package and load it again, or choose "
        "in your queries"
    )


TWO_SETS = {  # tuple id (None: none filed): its revenues in c-33, two values each
    "t-x": [("f-x1", *M1), ("f-x2", "-6", "3000000")],
    "t-y": [("f-y1", *M1), ("f-y2", "-6", "2000000")],
    None: [("f-z1", *M1), ("f-z2", "-6", "4000000")],
}


def tesla_two_sets(target: Path) -> Path:
    """Tesla's copy with three tuples of one concept, each holding an inconsistent pair of
    Q2 revenues; the last tuple has no id."""
    groups = "".join(
        (f'<tsla:RevenueGroup id="{tid}">\n' if tid else "<tsla:RevenueGroup>\n")
        + "".join(REVENUE.format(decimals, fid, value) for fid, decimals, value in items)
        + "</tsla:RevenueGroup>\n"
        for tid, items in TWO_SETS.items()
    )
    edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{groups}</xbrl>")
    _schema_with(
        target / "tsla-20240630.xsd", "tsla", "RevenueGroup", "http://fasb.org/us-gaap/2023"
    )
    return target


def test_inconsistent_sets_of_two_tuples_name_their_tuple(tmp_path: Path) -> None:
    run = run_edited(tmp_path, {"tesla": tesla_two_sets}, "xbrl_tuples")
    facts = run.facts("tesla")
    groups = [facts[items[0][0]]["duplicate_group"] for items in TWO_SETS.values()]
    assert len(set(groups)) == 3 and None not in groups
    lines = (tmp_path / "source" / "tesla" / TESLA_INSTANCE).read_text().splitlines()
    no_id = 1 + lines.index("<tsla:RevenueGroup>")  # lxml counts lines from 1
    values = {"t-x": "3000000", "t-y": "2000000", None: "4000000"}
    tuples = ["tsla:RevenueGroup t-x", "tsla:RevenueGroup t-y"]
    tuples.append(f"tsla:RevenueGroup at {TESLA_INSTANCE} line {no_id}")
    expected = [
        f"inconsistent duplicates: us-gaap:Revenues in tuple {name}, in context c-33, unit "
        f"usd, states 1000000 (decimals -6, id {items[0][0]}), {values[tid]} (decimals -6, "
        f"id {items[1][0]}); the graph keeps each value as a Fact with duplicate_status "
        f"'inconsistent' and duplicate_group '{group}', none chosen: fix the package and "
        "load it again, or choose in your queries"
        for name, (tid, items), group in zip(tuples, TWO_SETS.items(), groups, strict=True)
    ]
    assert run.manifest("tesla").warnings_to_act_on[1:4] == expected


def test_equal_items_of_two_inline_tuples_are_two_facts(several: EditedRun) -> None:
    facts = several.facts("aeon")
    added = [facts["x-in-tuple-1"], facts["x-in-tuple-2"]]
    assert [(f["value_decimal"], f["occurrences"]) for f in added] == [(Decimal(5), 1)] * 2
    assert added[0]["id"] != added[1]["id"]
    # of two parents: no duplicates (they were flagged consistent duplicates)
    assert {f["duplicate_status"] for f in added} == {None}
    assert several.manifest("aeon").facts.reconciles()


def test_verify_says_arelle_cannot_export_a_filing_with_a_tuple(tmp_path: Path) -> None:
    # xBRL-JSON has no tuples: Arelle's saver logs why and writes nothing, which the
    # check reported as "unexpected FileNotFoundError" of its scratch file
    folder = tesla_tuple(tmp_path / "tesla")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        with pytest.raises(ExportFailed) as failed:
            export_oim([folder / TESLA_INSTANCE], cache)
    finally:
        cache.close()
    assert str(failed.value).startswith(
        f"Arelle wrote no xBRL-JSON export of {TESLA_INSTANCE}: "
        "[arelleOIMsaver:tuplesNotAllowed] Tuples are not allowed in an OIM document"
    )
