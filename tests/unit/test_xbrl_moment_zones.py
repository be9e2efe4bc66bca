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

And a copy of AEON's 10-Q (inline), edited: XML Schema never equates a zoned date with an
unzoned one (nor does Arelle), so a context of the instant ``2023-09-30Z`` (TZZ) is not
AEON's ``2023-09-30``, though both end at a midnight: TZZ's copies of AEON's real cash of
16,177 thousand (tzz-cash) and nil commitments (tzz-nil) are facts of their own, and so is
the real Q3 change in fair value of convertible notes, -0.7 million, stated again for
``2023-07-01Z..2023-09-30Z`` (tzs-notes). ``2023-09-30T02:00:00+02:00`` (TZE) is midnight
UTC, the end of the UTC day ``2023-09-29Z`` (TZY), another period than the unzoned
``2023-09-29`` (TZD); ``2023-09-30-05:00`` (TZM) ends at 05:00 UTC on October 1 and is still
the filer's September 30 in the Period's dates.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from xbrl_samples import (
    AEON,
    AEON_DOCUMENT,
    REPO,
    TESLA_INSTANCE,
    EditedRun,
    edited_copy,
    load_and_verify,
    run_edited,
    tesla_with_periods,
)

from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import export_oim
from xbrl_task.verify.oim import oim_facts

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


def tesla_zoned(target: Path) -> Path:
    return tesla_with_periods(target, CONTEXTS, decimals="0")


AEON_ENTITY = (
    '<xbrli:entity><xbrli:identifier scheme="http://www.sec.gov/CIK">0001837607'
    "</xbrli:identifier></xbrli:entity>"
)
AEON_HEADER = (
    '</ix:hidden><ix:references><link:schemaRef xlink:type="simple"'
    ' xlink:href="aeon-20230930.xsd"></link:schemaRef></ix:references><ix:resources>'
)
USD = 'unitRef="Unit_Standard_USD_HgoRz1UOsUWrgdFfrV_xrw"'
AEON_CASH = (  # AEON's real cash at 2023-09-30, as its balance sheet states it
    f'{USD} decimals="-3" format="ixt:numdotdecimal" scale="3"'
    ' name="us-gaap:CashAndCashEquivalentsAtCarryingValue">16,177'
)
AEON_CONTEXTS = {  # id: period markup
    "TZZ": "<xbrli:instant>2023-09-30Z</xbrli:instant>",
    "TZS": "<xbrli:startDate>2023-07-01Z</xbrli:startDate><xbrli:endDate>2023-09-30Z"
    "</xbrli:endDate>",
    "TZY": "<xbrli:instant>2023-09-29Z</xbrli:instant>",
    "TZE": "<xbrli:instant>2023-09-30T02:00:00+02:00</xbrli:instant>",
    "TZD": "<xbrli:instant>2023-09-29</xbrli:instant>",
    "TZM": "<xbrli:instant>2023-09-30-05:00</xbrli:instant>",
}
AEON_FACTS = (  # (context, fact id, the rest of the ix:nonFraction start tag and its text)
    ("TZZ", "tzz-cash", AEON_CASH),
    ("TZZ", "tzz-nil", f'{USD} xsi:nil="true" name="us-gaap:CommitmentsAndContingencies">'),
    (  # AEON's real Q3 2023 change in fair value of its convertible notes (-700,000)
        "TZS",
        "tzs-notes",
        f'{USD} decimals="-5" format="ixt:numdotdecimal" scale="6" sign="-"'
        ' name="aeon:ChangesInFairValueOfConvertibleNotes">0.7',
    ),
    ("TZY", "tzy-cash", AEON_CASH),
    ("TZE", "tze-cash", AEON_CASH),
    ("TZD", "tzd-cash", AEON_CASH),
    ("TZM", "tzm-cash", AEON_CASH),
)
AEON_REAL = {  # the unedited filing's facts the zoned ones would have folded into
    "cash": "Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3",
    "nil": "Hidden_B3Z03A7B80WgsryDQuZ-VQ",
    "notes": "Narr_t6HrGCh89E-DC-ojOr0Q7g",
}


def aeon_zoned(target: Path) -> Path:
    """AEON's 10-Q with the zoned contexts in ix:resources and their facts in ix:hidden."""
    facts = "".join(
        f'<ix:nonFraction contextRef="{cid}" id="{fid}" {rest}</ix:nonFraction>'
        for cid, fid, rest in AEON_FACTS
    )
    contexts = "".join(
        f'<xbrli:context id="{cid}">{AEON_ENTITY}<xbrli:period>{period}</xbrli:period>'
        "</xbrli:context>"
        for cid, period in AEON_CONTEXTS.items()
    )
    return edited_copy(AEON, target, AEON_DOCUMENT, AEON_HEADER, facts + AEON_HEADER + contexts)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"tesla": tesla_zoned, "aeon": aeon_zoned}
    return run_edited(tmp_path_factory.mktemp("zones"), editors, "xbrl_zones")


def _periods(run: EditedRun, name: str = "tesla", table: str = "FACT_HAS_PERIOD") -> dict:
    """Each fact's period (or, by ``table``, its context) by the fact's id in the document."""
    periods = {r["from"]: r["to"] for r in run.rows(name, table)}
    return {xml_id: periods[f["id"]] for xml_id, f in run.facts(name).items()}


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


def test_a_zoned_date_at_midnight_utc_is_never_the_unzoned_date(run: EditedRun) -> None:
    assert run.statuses["aeon"] == "processed"
    facts, periods = run.facts("aeon"), _periods(run, "aeon")
    contexts = _periods(run, "aeon", "FACT_HAS_CONTEXT")
    cash, nil, notes = (AEON_REAL[k] for k in ("cash", "nil", "notes"))
    assert [periods[f] for f in (cash, nil, "tzz-cash", "tzz-nil")] == [
        "2023-09-30",
        "2023-09-30",
        "2023-09-30Z",
        "2023-09-30Z",
    ]
    assert contexts["tzz-cash"] == contexts["tzz-nil"] != contexts[cash] == contexts[nil]
    # the copies stay facts of their own: no complete duplicate of the real ones
    assert facts["tzz-cash"]["value_decimal"] == facts[cash]["value_decimal"] == Decimal(16177000)
    assert (facts["tzz-cash"]["occurrences"], facts["tzz-cash"]["duplicate_status"]) == (1, None)
    assert (facts[cash]["occurrences"], facts[cash]["duplicate_status"]) == (1, "consistent")
    assert facts["tzz-nil"]["is_nil"] and facts[nil]["is_nil"]
    assert facts["tzz-nil"]["occurrences"] == facts[nil]["occurrences"] == 1
    # a zoned duration is not the unzoned quarter either
    assert (periods[notes], periods["tzs-notes"]) == (
        "2023-07-01..2023-09-30",
        "2023-07-01Z..2023-09-30Z",
    )
    assert facts["tzs-notes"]["value_decimal"] == facts[notes]["value_decimal"] == Decimal(-700000)
    assert facts["tzs-notes"]["occurrences"] == facts[notes]["occurrences"] == 1
    context_rows = {r["id"]: r["period"] for r in run.rows("aeon", "Context")}
    assert context_rows[contexts["tzs-notes"]] == "2023-07-01Z..2023-09-30Z"


def test_midnight_utc_in_another_zone_is_the_zoned_day_before(run: EditedRun) -> None:
    facts, periods = run.facts("aeon"), _periods(run, "aeon")
    # 02:00 at +02:00 on September 30 is the end of the UTC day September 29 (TZY's), not
    # the unzoned September 29 (TZD)
    assert "tze-cash" not in facts  # a copy of tzy-cash, the same moment
    assert (periods["tzy-cash"], facts["tzy-cash"]["occurrences"]) == ("2023-09-29Z", 2)
    assert (periods["tzd-cash"], facts["tzd-cash"]["occurrences"]) == ("2023-09-29", 1)
    assert facts["tzy-cash"]["value_decimal"] == facts["tzd-cash"]["value_decimal"]
    assert (periods["tzm-cash"], facts["tzm-cash"]["occurrences"]) == ("2023-10-01T05:00:00Z", 1)


def test_period_dates_are_the_days_as_filed_in_their_own_zone(run: EditedRun) -> None:
    rows = {r["id"]: (r["start_date"], r["end_date"]) for r in run.rows("aeon", "Period")}
    assert rows["2023-09-30Z"] == rows["2023-09-30"] == (None, date(2023, 9, 30))
    assert rows["2023-07-01Z..2023-09-30Z"] == (date(2023, 7, 1), date(2023, 9, 30))
    assert rows["2023-09-29Z"] == rows["2023-09-29"] == (None, date(2023, 9, 29))
    # the filer's September 30 at -05:00 ends at 05:00 UTC on October 1: the id says the
    # moment, the date the day as filed
    assert rows["2023-10-01T05:00:00Z"] == (None, date(2023, 9, 30))


def test_verify_finds_the_graph_and_arelle_agree_on_the_zoned_aeon(tmp_path: Path) -> None:
    aeon_zoned(tmp_path / "source" / "aeon")
    check = load_and_verify(tmp_path / "source", tmp_path / "home")
    assert check.error is None and check.differences == []
    # AEON's 970 Fact nodes and 162 collapsed copies; ours: 6 nodes (tzz-cash, tzz-nil,
    # tzs-notes, tzy-cash, tzd-cash, tzm-cash), 1 copy collapsed (tze-cash into tzy-cash)
    assert (check.graph_fact_nodes, check.graph_facts) == (970 + 6, 970 + 162 + 6 + 1)
    assert check.arelle_facts == check.graph_facts
