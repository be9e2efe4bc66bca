"""Duplicate sets are counted in the manifest and the run summary, and every inconsistent
set is a warning to act on: two values of one fact never load silently.

A copy of Apple's 10-K gets, in its first context (c-1, fiscal 2023), a second revenue of
another value at the same accuracy (inconsistent with f-69), a cost of sales rounded to
billions (consistent with f-78), a gross profit in euros (another unit: no duplicate) and a
registrant name without its full stop (inconsistent text), all before the instance's dei
facts (values are listed in document order). The bundled 10-K itself has 4
facts in consistent sets and none inconsistent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xbrl_samples import GRAPH, EditedRun, edited_copy, run_edited

from ledgergraph.batches import FilingRef
from ledgergraph.run_summary import summarize_filing
from ledgergraph.sec_steps import collect_filing
from localrun import render

APPLE = "aapl-10k-2023-09-30"
ANCHOR = '<dei:AmendmentFlag contextRef="c-1" id="f-59">'
REVENUE = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
INSERTED = (
    f'<{REVENUE} contextRef="c-1" decimals="-6" id="x-incons" unitRef="usd">'
    f"383286000000</{REVENUE}>"
    '<us-gaap:CostOfGoodsAndServicesSold contextRef="c-1" decimals="-9" id="x-cons" '
    'unitRef="usd">214000000000</us-gaap:CostOfGoodsAndServicesSold>'
    '<us-gaap:GrossProfit contextRef="c-1" decimals="-6" id="x-unitdiff" unitRef="eur">'
    "169148000000</us-gaap:GrossProfit>"
    '<dei:EntityRegistrantName contextRef="c-1" id="x-textdup">Apple Inc'
    "</dei:EntityRegistrantName>"
)


def apple_duplicated(target: Path) -> Path:
    return edited_copy(APPLE, target, "aapl-20230930_htm.xml", ANCHOR, INSERTED + ANCHOR)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"duplicated": apple_duplicated}
    done = run_edited(tmp_path_factory.mktemp("dups"), editors, "xbrl_dups")
    assert set(done.statuses.values()) == {"processed"}
    return done


def test_the_manifest_counts_each_kind_of_duplicate(run: EditedRun) -> None:
    edited = run.manifest("duplicated").facts
    # the bundled 10-K: 1164 in document, 1060 extracted, 89 collapsed, 4 consistent
    # (test_xbrl_rules_real); four facts more, each its own Fact row: two more kept in a
    # consistent set (f-78 and x-cons), four in two inconsistent sets (revenue f-69 and
    # x-incons, the two names f-7 and x-textdup)
    assert (edited.in_document, edited.extracted, edited.duplicates_collapsed) == (
        1168, 1064, 89
    )  # fmt: skip
    assert (edited.duplicates_consistent, edited.duplicates_inconsistent) == (6, 4)
    assert edited.inconsistent_sets == 2 and edited.reconciles()
    facts = run.facts("duplicated")
    assert facts["x-unitdiff"]["duplicate_status"] is None  # euros: another unit


def test_each_inconsistent_set_is_a_warning_to_act_on_naming_the_values(
    run: EditedRun,
) -> None:
    manifest = run.manifest("duplicated")
    facts = run.facts("duplicated")
    dups = [w for w in manifest.warnings_to_act_on if w.startswith("inconsistent duplicates")]
    group = facts["x-incons"]["duplicate_group"]
    assert group == facts["f-69"]["duplicate_group"]
    assert sorted(dups) == sorted([
        f"inconsistent duplicates: {REVENUE} in context c-1, unit usd, states "
        "383286000000 (decimals -6, id x-incons), 383285000000 (decimals -6, id f-69); "
        "the graph keeps each value as a Fact with duplicate_status 'inconsistent' and "
        f"duplicate_group '{group}', none chosen: fix the package and load it again, or "
        "choose in your queries",
        "inconsistent duplicates: dei:EntityRegistrantName in context c-1, no unit, states "
        "'Apple Inc' (id x-textdup), 'Apple Inc.' (id f-7); the graph keeps each value as "
        "a Fact with duplicate_status 'inconsistent' and duplicate_group "
        f"'{facts['f-7']['duplicate_group']}', none chosen: fix the package and load it "
        "again, or choose in your queries",
    ])  # fmt: skip
    assert set(dups) <= set(manifest.warnings)


def test_the_run_summary_counts_the_sets_and_marks_the_warnings(run: EditedRun) -> None:
    unit = run.units["duplicated"]
    ref = FilingRef(source_unit=unit, cik=320193, package_prefix="raw/dup/",
                    entry_point="aapl-20230930_htm.xml", form="10-K")  # fmt: skip
    outcome = collect_filing(run.store, GRAPH, ref)
    assert outcome["status"] == "processed", outcome
    load = {"status": "loaded", "facts_loaded": outcome["facts_extracted"],
            "facts_added": outcome["facts_extracted"]}  # fmt: skip
    line = summarize_filing(outcome, load, None)
    assert (line["duplicates_consistent"], line["duplicates_inconsistent"]) == (6, 4)
    assert line["inconsistent_sets"] == 2

    summary = {"filings": [line], "loaded": 1, "failed": 0, "duration_ms": 0}
    text = render.sec_summary(summary).splitlines()
    # column words: "in filing" is two
    assert text[0].split()[10:14] == ["dupes", "consistent", "inconsistent", "warnings"]
    assert text[2].split()[3:12] == ["loaded", "1168", "1064", "1064", "0", "15", "89", "6", "4"]
    warned = [t for t in text if t.startswith(f"{unit}: WARNING inconsistent duplicates: ")]
    assert len(warned) == 2
    assert any("those that need you are marked WARNING above" in t for t in text)
