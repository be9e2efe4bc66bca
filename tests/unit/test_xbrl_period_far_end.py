"""Periods ending 9999-12-31, the last day XBRL's four-digit years can write.

Arelle holds a date-only end or instant as the next midnight, which for 9999-12-31 is past
what Python's ``datetime`` holds: it keeps 9999-12-31 at midnight, a day early, and its
xBRL-JSON export writes it so. The graph reads such a moment from the text filed.

A copy of Tesla's 10-Q (classic), edited: its real cash of 14,635,000,000 stated again at
the instant ``9999-12-31`` (f-max), at ``9999-12-31T24:00:00`` (f-max24, the same moment:
a copy of f-max), at ``9999-12-31Z`` (f-max-z) and at ``9999-12-31T00:00:00`` (f-max0, the
end of 9999-12-30, as filed); its real Q2 revenue of 25,500,000,000 (f-1114) for
``2024-04-01..9999-12-31`` (f-max-q); and the cash at ``2023-02-30`` (f-bad), a day that
does not exist, which Arelle also holds as 9999-12-31 at midnight.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from arelle import XmlUtil
from xbrl_samples import (
    REPO,
    TESLA_INSTANCE,
    EditedRun,
    load_and_verify,
    run_edited,
    tesla_with_periods,
)

from xbrl_task.identity import filed_moment, is_clamped, split_moment
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import export_oim
from xbrl_task.verify.oim import oim_facts

CASH, REVENUE = "CashAndCashEquivalentsAtCarryingValue", "Revenues"
TESLA_CASH, TESLA_Q2_REVENUE = "14635000000", "25500000000"
CONTEXTS = {  # id: (period markup, concept, fact id, value)
    "c-max": ("<instant>9999-12-31</instant>", CASH, "f-max", TESLA_CASH),
    "c-max24": ("<instant>9999-12-31T24:00:00</instant>", CASH, "f-max24", TESLA_CASH),
    "c-max-z": ("<instant>9999-12-31Z</instant>", CASH, "f-max-z", TESLA_CASH),
    "c-max0": ("<instant>9999-12-31T00:00:00</instant>", CASH, "f-max0", TESLA_CASH),
    "c-max-q": (
        "<startDate>2024-04-01</startDate><endDate>9999-12-31</endDate>",
        REVENUE,
        "f-max-q",
        TESLA_Q2_REVENUE,
    ),
    "c-bad": ("<instant>2023-02-30</instant>", CASH, "f-bad", TESLA_CASH),
}
EXPECTED = {  # fact id: Period id
    "f-max": "9999-12-31",
    "f-max-z": "9999-12-31Z",
    "f-max0": "9999-12-30",
    "f-max-q": "2024-04-01..9999-12-31",
}
BAD_REASON = (
    "period not readable: context c-bad: '2023-02-30' is no moment XBRL can read: day is "
    "out of range for month"
)


def tesla_far_end(target: Path) -> Path:
    return tesla_with_periods(target, CONTEXTS, decimals="-6")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    return run_edited(tmp_path_factory.mktemp("far_end"), {"tesla": tesla_far_end}, "far_end")


def test_a_period_ending_9999_12_31_keeps_that_day(run: EditedRun) -> None:
    assert run.statuses["tesla"] == "processed"
    periods = {r["from"]: r["to"] for r in run.rows("tesla", "FACT_HAS_PERIOD")}
    facts = run.facts("tesla")
    assert {fid: periods[facts[fid]["id"]] for fid in EXPECTED} == EXPECTED
    rows = {r["id"]: (r["start_date"], r["end_date"]) for r in run.rows("tesla", "Period")}
    assert rows["9999-12-31"] == rows["9999-12-31Z"] == (None, date(9999, 12, 31))
    assert rows["2024-04-01..9999-12-31"] == (date(2024, 4, 1), date(9999, 12, 31))
    assert rows["9999-12-30"] == (None, date(9999, 12, 30))


def test_the_end_of_9999_12_31_written_24_00_is_the_same_moment(run: EditedRun) -> None:
    facts = run.facts("tesla")
    assert "f-max24" not in facts
    assert (facts["f-max"]["occurrences"], facts["f-max"]["duplicate_status"]) == (2, None)


def test_a_day_that_does_not_exist_rejects_its_facts_naming_the_context(run: EditedRun) -> None:
    manifest = run.manifest("tesla")
    assert manifest.facts.rejected[BAD_REASON] == 1
    assert manifest.facts.reconciles()
    assert "f-bad" not in run.facts("tesla")


def test_the_text_as_filed_reads_as_arelles_value_where_arelle_can_hold_it() -> None:
    texts = ["2024-06-30", "2024-06-30Z", "2024-06-30-05:00", "2024-06-30T00:00:00"]
    texts += ["2024-06-30T12:00:00.25Z", "2024-06-30T24:00:00", "2024-07-01T00:00:00+02:00"]
    for text in texts:
        for end in (True, False):
            moment = XmlUtil.datetimeValue(text, addOneDay=end)
            assert not is_clamped(moment)
            assert filed_moment(text, end=end) == split_moment(moment, end=end), (text, end)
    for text in ("9999-12-31", "9999-12-31T24:00:00", "9999-12-31-05:00", "2023-02-30"):
        assert is_clamped(XmlUtil.datetimeValue(text, addOneDay=True))
    # what Arelle holds for the end of 9999-12-30 is the value it clamps to: read again,
    # the text gives the same day
    moment = XmlUtil.datetimeValue("9999-12-30", addOneDay=True)
    assert is_clamped(moment)
    expected = (date(9999, 12, 30), None)
    assert filed_moment("9999-12-30", end=True) == split_moment(moment, end=True) == expected


def test_arelles_export_read_by_the_check_gives_the_same_periods(tmp_path: Path) -> None:
    folder = tesla_far_end(tmp_path / "tesla")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        report = export_oim([folder / TESLA_INSTANCE], cache)
    finally:
        cache.close()
    # the export itself writes the end of 9999-12-31 a day early
    assert report["facts"]["f-max"]["dimensions"]["period"] == "9999-12-31T00:00:00"
    facts = dict(zip(report["facts"], oim_facts(report), strict=True))
    assert {fid: facts[fid].period for fid in EXPECTED} == EXPECTED
    assert facts["f-max24"].period == "9999-12-31"
    assert facts["f-bad"].rejected == BAD_REASON


def test_verify_finds_the_graph_and_arelle_agree_but_for_the_rejected_day(
    tmp_path: Path,
) -> None:
    tesla_far_end(tmp_path / "source" / "tesla")
    check = load_and_verify(tmp_path / "source", tmp_path / "home")
    assert check.error is None
    # Tesla's 1045 Fact nodes and 90 collapsed copies; ours: 4 nodes (max, max-z, max0,
    # max-q) and 1 copy collapsed (max24 into max); f-bad only in Arelle's export
    assert (check.graph_fact_nodes, check.graph_facts) == (1045 + 4, 1045 + 90 + 4 + 1)
    assert check.arelle_facts == check.graph_facts + 1
    assert check.differences == [
        f"only in Arelle's export: us-gaap:{CASH} 9999-12-30 [iso4217:USD] = {TESLA_CASH} "
        f"decimals=-6; rejected: {BAD_REASON}"
    ]
