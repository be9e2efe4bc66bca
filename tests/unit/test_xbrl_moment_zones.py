"""Period moments written in two time zones: one xs:dateTime value, one Period.

A copy of Tesla's 10-Q (classic), edited. XBRL compares period moments as xs:dateTime
values, so a moment with a zone is read in UTC: a cash balance of 22,000,000 at
``2024-06-30T12:00:00Z`` (f-utc) and again at ``2024-06-30T14:00:00+02:00`` (f-east) are one
fact stated twice; a Q2 revenue ending ``2024-06-30T07:00:00-05:00`` (f-west, 11,000,000)
and one ending at ``2024-06-30T12:00:00Z`` (f-west-z, 11,000,001) share a period and
disagree. ``2024-07-01T00:00:00+02:00`` is 22:00 UTC on June 30, not the end of that day:
Tesla's real cash of 14,635,000,000 stated then (f-east-midnight) is no copy of the day's
(f-30); nor is the same cash at the end of the date ``2024-06-30+02:00`` (f-date-zone),
which is that midnight of ``+02:00`` too: a copy of f-east-midnight.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from xbrl_samples import (
    REPO,
    TESLA,
    TESLA_INSTANCE,
    EditedRun,
    edited_copy,
    load_and_verify,
    run_edited,
)

from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import export_oim
from xbrl_task.verify.oim import oim_facts

CIK = '<entity><identifier scheme="http://www.sec.gov/CIK">0001318605</identifier></entity>'
CASH, REVENUE = "CashAndCashEquivalentsAtCarryingValue", "Revenues"
CONTEXTS = {  # id: (period markup, concept, fact id, value)
    "c-utc": ("<instant>2024-06-30T12:00:00Z</instant>", CASH, "f-utc", "22000000"),
    "c-east": ("<instant>2024-06-30T14:00:00+02:00</instant>", CASH, "f-east", "22000000"),
    "c-west": (
        "<startDate>2024-04-01</startDate><endDate>2024-06-30T07:00:00-05:00</endDate>",
        REVENUE,
        "f-west",
        "11000000",
    ),
    "c-west-z": (
        "<startDate>2024-04-01</startDate><endDate>2024-06-30T12:00:00Z</endDate>",
        REVENUE,
        "f-west-z",
        "11000001",
    ),
    "c-east-midnight": (
        "<instant>2024-07-01T00:00:00+02:00</instant>",
        CASH,
        "f-east-midnight",
        "14635000000",
    ),
    "c-date-zone": ("<instant>2024-06-30+02:00</instant>", CASH, "f-date-zone", "14635000000"),
}
NOON, NOON_Q2, EVENING = (
    "2024-06-30T12:00:00Z",
    "2024-04-01..2024-06-30T12:00:00Z",
    ("2024-06-30T22:00:00Z"),
)


def _added() -> str:
    lines = []
    for cid, (period, concept, fid, value) in CONTEXTS.items():
        lines.append(f'<context id="{cid}">{CIK}<period>{period}</period></context>')
        lines.append(
            f'<us-gaap:{concept} contextRef="{cid}" decimals="0" id="{fid}" unitRef="usd">'
            f"{value}</us-gaap:{concept}>"
        )
    return "\n".join(lines)


def tesla_zoned(target: Path) -> Path:
    return edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{_added()}\n</xbrl>")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    return run_edited(tmp_path_factory.mktemp("zones"), {"tesla": tesla_zoned}, "xbrl_zones")


def _periods(run: EditedRun) -> dict[str, str]:
    periods = {r["from"]: r["to"] for r in run.rows("tesla", "FACT_HAS_PERIOD")}
    return {xml_id: periods[f["id"]] for xml_id, f in run.facts("tesla").items()}


def test_one_moment_in_two_zones_is_one_period(run: EditedRun) -> None:
    assert run.statuses["tesla"] == "processed"
    facts, periods = run.facts("tesla"), _periods(run)
    assert "f-east" not in facts  # the same fact as f-utc, stated again
    assert (periods["f-utc"], facts["f-utc"]["occurrences"]) == (NOON, 2)
    assert periods["f-west"] == periods["f-west-z"] == NOON_Q2
    statuses = {facts[f]["duplicate_status"] for f in ("f-west", "f-west-z")}
    assert statuses == {"inconsistent"}
    assert facts["f-west"]["duplicate_group"] == facts["f-west-z"]["duplicate_group"]
    rows = {r["id"]: r for r in run.rows("tesla", "Period")}
    assert (rows[NOON]["end_date"], rows[NOON_Q2]["end_date"]) == (date(2024, 6, 30),) * 2


def test_midnight_in_another_zone_is_a_moment_of_the_day_before_in_utc(run: EditedRun) -> None:
    facts, periods = run.facts("tesla"), _periods(run)
    assert periods["f-east-midnight"] == EVENING
    assert facts["f-east-midnight"]["duplicate_status"] is None
    assert {r["id"]: r["end_date"] for r in run.rows("tesla", "Period")}[EVENING] == date(
        2024, 6, 30
    )
    # a date with a zone ends at its midnight in that zone: the same moment again
    assert "f-date-zone" not in facts
    assert facts["f-east-midnight"]["occurrences"] == 2
    assert (periods["f-30"], facts["f-30"]["occurrences"]) == ("2024-06-30", 2)  # as filed


def test_arelles_export_read_by_the_check_gives_the_same_periods(tmp_path: Path) -> None:
    folder = tesla_zoned(tmp_path / "tesla")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        report = export_oim([folder / TESLA_INSTANCE], cache)
    finally:
        cache.close()
    facts = dict(zip(report["facts"], oim_facts(report), strict=True))
    periods = {fid: facts[fid].period for _, _, fid, _ in CONTEXTS.values()}
    assert periods == {
        "f-utc": NOON,
        "f-east": NOON,
        "f-west": NOON_Q2,
        "f-west-z": NOON_Q2,
        "f-east-midnight": EVENING,
        "f-date-zone": EVENING,
    }


def test_verify_finds_the_graph_and_arelle_agree(tmp_path: Path) -> None:
    tesla_zoned(tmp_path / "source" / "tesla")
    check = load_and_verify(tmp_path / "source", tmp_path / "home")
    assert check.error is None and check.differences == []
    # Tesla's 1045 Fact nodes and 90 collapsed copies; ours: 4 nodes (utc, west, west-z,
    # east-midnight) and 2 copies collapsed (east into utc, date-zone into east-midnight)
    assert (check.graph_fact_nodes, check.graph_facts) == (1045 + 4, 1045 + 90 + 4 + 2)
    assert check.arelle_facts == check.graph_facts
