"""Segment and scenario content that is no dimension member: part of the context.

A copy of Apple's 10-K (classic), edited. Its fiscal 2023 (c-1, 2022-09-25..2023-09-30)
has a revenue of 383,285,000,000 (f-69, filed three times). Three contexts of that period
are added: x-seg, whose segment holds ``<my:Region>EMEA</my:Region>``, with a revenue
equal to the total (x-seg1); x-seg-again, the same content with another prefix and
whitespace (`` EMEA `` in ``o:Region``), with a net income of 1 (x-seg2); x-scen, whose
scenario holds ``<my:Basis kind="pro-forma"/>``, with a revenue of 5,000,000 (x-scen1)
and a net income the graph rejects (x-scen-bad, not a number); x-rej, whose segment holds
``<my:Region>APAC</my:Region>``, with only such a rejected fact (x-rej1); x-lost, whose
segment holds ``<my:Region>LATAM</my:Region>``, with only a fact of a concept us-gaap does
not define (x-lost1), a rejection that names no context (Arelle makes no fact of it);
x-idle, whose scenario holds ``<my:Basis kind="budget"/>``, with no fact.
XBRL 2.1 makes that content part of the context (s-equal): none of these facts is the
company-wide revenue, nor a duplicate of it; the graph once merged x-seg1 into f-69 and
flagged x-scen1 and f-69 as inconsistent duplicates, without a word.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from xbrl_samples import (
    REPO,
    SAMPLE_SEC,
    EditedRun,
    add_contexts_and_facts,
    load_and_verify,
    run_edited,
)

from localrun.cli import main as cli
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import NON_DIMENSIONAL, export_oim
from xbrl_task.verify.compare import ONLY_ARELLE, ONLY_GRAPH, compare_facts
from xbrl_task.verify.facts import ComparableFact

APPLE, APPLE_INSTANCE = "aapl-10k-2023-09-30", "aapl-20230930_htm.xml"
MY = "http://example.com/my"
ENTITY = '<entity><identifier scheme="http://www.sec.gov/CIK">0000320193</identifier>'
FY2023 = "<period><startDate>2022-09-25</startDate><endDate>2023-09-30</endDate></period>"
CONTEXTS = (
    f'<context id="x-seg">{ENTITY}<segment><my:Region xmlns:my="{MY}">EMEA</my:Region>'
    f"</segment></entity>{FY2023}</context>"
    f'<context id="x-seg-again">{ENTITY}<segment><o:Region xmlns:o="{MY}"> EMEA </o:Region>'
    f"</segment></entity>{FY2023}</context>"
    f'<context id="x-scen">{ENTITY}</entity>{FY2023}<scenario>'
    f'<my:Basis xmlns:my="{MY}" kind="pro-forma"/></scenario></context>'
    f'<context id="x-rej">{ENTITY}<segment><my:Region xmlns:my="{MY}">APAC</my:Region>'
    f"</segment></entity>{FY2023}</context>"
    f'<context id="x-lost">{ENTITY}<segment><my:Region xmlns:my="{MY}">LATAM</my:Region>'
    f"</segment></entity>{FY2023}</context>"
    f'<context id="x-idle">{ENTITY}</entity>{FY2023}<scenario>'
    f'<my:Basis xmlns:my="{MY}" kind="budget"/></scenario></context>'
)
REVENUE = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
FACTS = (
    f'<{REVENUE} contextRef="x-seg" decimals="-6" id="x-seg1" unitRef="usd">383285000000'
    f"</{REVENUE}>"
    '<us-gaap:NetIncomeLoss contextRef="x-seg-again" decimals="-6" id="x-seg2" unitRef="usd">'
    "1</us-gaap:NetIncomeLoss>"
    f'<{REVENUE} contextRef="x-scen" decimals="-6" id="x-scen1" unitRef="usd">5000000'
    f"</{REVENUE}>"
    '<us-gaap:NetIncomeLoss contextRef="x-scen" decimals="-6" id="x-scen-bad" unitRef="usd">'
    "five</us-gaap:NetIncomeLoss>"
    '<us-gaap:NetIncomeLoss contextRef="x-rej" decimals="-6" id="x-rej1" unitRef="usd">'
    "six</us-gaap:NetIncomeLoss>"
    '<us-gaap:NoSuchConcept contextRef="x-lost" id="x-lost1">seven</us-gaap:NoSuchConcept>'
)
XBRLI = 'xmlns:xbrli="http://www.xbrl.org/2003/instance"'
SEGMENT = f'<xbrli:segment xmlns:ns1="{MY}" {XBRLI}><ns1:Region>EMEA</ns1:Region></xbrli:segment>'
SCENARIO = (
    f'<xbrli:scenario xmlns:ns1="{MY}" {XBRLI}><ns1:Basis kind="pro-forma"></ns1:Basis>'
    "</xbrli:scenario>"
)
NO_MEMBER = "which is no dimension member (EDGAR accepts only xbrldi members in a context)"
TAIL = (
    "whose non_dimensional content is part of its identity, neither merged with nor flagged "
    "as duplicates of the facts of a context without it; fix the package and load it again"
)


def apple_with_content(target: Path) -> Path:
    """Apple's package with the six contexts and their facts added."""
    shutil.copytree(SAMPLE_SEC / APPLE, target)
    add_contexts_and_facts(target / APPLE_INSTANCE, CONTEXTS, FACTS)
    return target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    root = tmp_path_factory.mktemp("non_dimensional")
    return run_edited(root, {"apple": apple_with_content}, "xbrl_non_dimensional")


def _contexts(run: EditedRun) -> dict[str, dict]:
    """The Context row of each fact, by the fact's id in the document."""
    contexts = {c["id"]: c for c in run.rows("apple", "Context")}
    of_fact = {r["from"]: contexts[r["to"]] for r in run.rows("apple", "FACT_HAS_CONTEXT")}
    return {xml_id: of_fact[f["id"]] for xml_id, f in run.facts("apple").items()}


def test_a_fact_equal_to_the_total_in_a_segment_is_not_merged_into_it(run: EditedRun) -> None:
    assert run.statuses["apple"] == "processed"
    facts = run.facts("apple")
    total, regional = facts["f-69"], facts["x-seg1"]
    assert total["id"] != regional["id"]
    assert (total["occurrences"], regional["occurrences"]) == (3, 1)
    assert total["value_decimal"] == regional["value_decimal"] == Decimal(383_285_000_000)
    assert total["duplicate_status"] is regional["duplicate_status"] is None
    contexts = _contexts(run)
    assert contexts["f-69"]["non_dimensional"] is None
    assert contexts["x-seg1"]["non_dimensional"] == SEGMENT
    assert (contexts["x-seg1"]["dimension_count"], contexts["x-seg1"]["has_scenario"]) == (0, False)
    assert run.manifest("apple").facts.reconciles()


def test_the_same_content_under_another_prefix_is_the_same_context(run: EditedRun) -> None:
    contexts = _contexts(run)
    assert contexts["x-seg2"]["id"] == contexts["x-seg1"]["id"] != contexts["f-69"]["id"]


def test_a_scenario_fact_of_another_value_is_no_duplicate_of_the_total(run: EditedRun) -> None:
    facts = run.facts("apple")
    assert facts["x-scen1"]["value_decimal"] == Decimal(5_000_000)
    assert facts["x-scen1"]["duplicate_status"] is facts["f-69"]["duplicate_status"] is None
    context = _contexts(run)["x-scen1"]
    assert (context["non_dimensional"], context["has_scenario"]) == (SCENARIO, True)


def test_each_context_node_with_such_content_is_a_warning_counting_facts_kept(
    run: EditedRun,
) -> None:
    manifest = run.manifest("apple")
    assert [w for w in manifest.warnings_to_act_on if w.startswith("context")] == [
        "contexts x-seg, x-seg-again hold the same content, segment my:Region, segment "
        f"o:Region, {NO_MEMBER}: their 2 facts are on one Context of their own, {TAIL}",
        f"context x-scen holds scenario my:Basis, {NO_MEMBER}: its 1 fact is on a Context "
        f"of its own, {TAIL}",
        "contexts x-rej (segment my:Region), x-lost (segment my:Region), x-idle (scenario "
        "my:Basis) hold content that is no dimension member (EDGAR accepts only xbrldi "
        "members in a context) and no fact the graph keeps: any fact in them is among the "
        "rejected facts, and no Context of the graph has the content; fix the package and "
        "load it again",
    ]
    # x-rej's one fact, x-lost's and x-scen's second are rejected (x-idle has none): no
    # Context holds their content
    facts = run.facts("apple")
    assert not {"x-scen-bad", "x-rej1", "x-lost1"} & set(facts)
    contents = [c["non_dimensional"] or "" for c in run.rows("apple", "Context")]
    assert not any(("APAC" in c or "LATAM" in c or "budget" in c) for c in contents)
    # x-scen, named on its Context's line, is not named again for its rejected fact; the
    # rejection of x-lost1 names no context at all
    rejected = manifest.facts.rejected
    values = [r for r in rejected if "us-gaap:NetIncomeLoss (id x-" in r]
    assert [r.split(", context ")[1].split(")")[0] for r in sorted(values)] == [
        "x-rej",
        "x-scen",
    ]
    undefined = [r for r in rejected if "NoSuchConcept" in r]
    assert undefined == [
        "concept not defined: us-gaap:NoSuchConcept (no such element in namespace "
        "http://fasb.org/us-gaap/2023)"
    ]
    assert rejected[undefined[0]] == 1 and manifest.facts.reconciles()


def test_arelle_export_carries_the_content_the_xbrl_json_saver_drops(tmp_path: Path) -> None:
    folder = apple_with_content(tmp_path / "apple")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        facts = export_oim([folder / APPLE_INSTANCE], cache)["facts"]
    finally:
        cache.close()
    assert facts["x-seg1"][NON_DIMENSIONAL] == facts["x-seg2"][NON_DIMENSIONAL] == SEGMENT
    assert facts["x-scen1"][NON_DIMENSIONAL] == SCENARIO
    assert NON_DIMENSIONAL not in facts["f-69"]
    # xBRL-JSON itself has no aspect for it: the saver gives x-seg1 the aspects of f-69
    assert facts["x-seg1"]["dimensions"] == facts["f-69"]["dimensions"]


def test_verify_tells_a_fact_with_the_content_from_one_without() -> None:
    revenue = ComparableFact(
        "us-gaap:Revenues", "0000320193", "2022-09-25..2023-09-30", "iso4217:USD", (),
        "383285000000", "-6",
    )  # fmt: skip
    regional = replace(revenue, non_dimensional=SEGMENT)
    differences = compare_facts([revenue, revenue], [revenue, regional])
    assert [d.kind for d in differences] == [ONLY_GRAPH, ONLY_ARELLE]
    shown = f"{{{SEGMENT}}} [iso4217:USD] = 383285000000 decimals=-6"
    assert differences[1].describe().endswith(shown)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The edited filing loaded by ``sec run`` into a home, and ``verify``'s check of it."""
    root = tmp_path_factory.mktemp("non_dimensional_home")
    apple_with_content(root / "source" / "apple")
    return root / "home", load_and_verify(root / "source", root / "home")


def test_verify_compares_the_edited_filing_without_a_difference(loaded) -> None:
    check = loaded[1]
    assert check.error is None and check.differences == []
    assert check.graph_facts == check.arelle_facts


def test_facts_tells_the_content_apart_from_the_company_wide_fact(loaded, capsys) -> None:
    argv = ["facts", "--home", str(loaded[0]), "--concept", REVENUE, "--cik", "320193"]
    assert cli([*argv, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    fy2023 = [r for r in rows if r["period"] == "2022-09-25..2023-09-30" and not r["dimensions"]]
    shown = {r["non_dimensional"]: (r["value_decimal"], r["duplicate_status"]) for r in fy2023}
    assert shown == {
        None: ("383285000000", None),
        SEGMENT: ("383285000000", None),
        SCENARIO: ("5000000", None),
    }

    assert cli(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "cik", "report", "form", "period", "value", "unit", "decimals", "duplicate",
        "dimensions", "non-dimensional",
    ]  # fmt: skip
    regional = [line for line in lines if "EMEA" in line or "pro-forma" in line]
    assert sorted(line.rstrip().split("  ")[-1].lstrip() for line in regional) == [
        f'scenario <ns1:Basis kind="pro-forma"></ns1:Basis> (ns1 {MY})',
        f"segment <ns1:Region>EMEA</ns1:Region> (ns1 {MY})",
    ]
