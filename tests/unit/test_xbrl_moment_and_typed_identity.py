"""Periods with a time of day, and typed dimension values compared by their typed value.

A copy of Tesla's 10-Q (classic), edited. Its Q2 (c-33, 2024-04-01..2024-06-30) and its
2024-06-30 instant (c-3) get neighbours that only a time of day sets apart: a us-gaap:Revenues
of 11,000,000 ending at noon of June 30 (f-noon), a cash balance of 22,000,000 at that noon
(f-noon-cash), a revenue of 12,000,000 starting at 08:00 of April 1 (f-morning); and a copy of
f-1114 (25,500,000,000) whose end is written ``2024-07-01T00:00:00``, the same moment as the
date-only ``2024-06-30`` (f-midnight). Its schema gets four typed axes, tsla:CountTypedAxis
(domain an xs:integer), RateTypedAxis (xs:decimal), FlagTypedAxis (xs:boolean) and
NameTypedAxis (xs:string); for each, two Q2 contexts state one value two ways (``1`` and
``01``, ``1.50`` and ``1.5``, ``1`` and ``true``; for the string, ``1`` and ``01``, two
values), each with a us-gaap:Revenues of 5 (f-count-a, f-count-b...). XBRL compares typed
values by value (x-equal): the first three pairs are one value each, the string pair two.
A fifth axis, tsla:RegionTypedAxis (xs:QName), has four Q2 contexts with a revenue of 5
each: ``tsla:EMEA`` and ``r:EMEA``, ``r`` bound to Tesla's namespace too (one value), and
``z:EMEA`` twice, ``z`` bound to ``urn:one``, then to ``urn:two`` (two values).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from itertools import groupby
from pathlib import Path
from typing import Any

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

from localrun.cli import main as cli
from xbrl_task.identity import period_id, split_moment
from xbrl_task.model import PeriodInfo
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import export_oim
from xbrl_task.verify.oim import oim_facts, period_of
from xbrl_task.verify.run import FilingCheck

TESLA_CIK = '<entity><identifier scheme="http://www.sec.gov/CIK">0001318605</identifier>'
# name: (schema type of the domain, the value spelt one way, the same value spelt another)
TYPED = {
    "Count": ("xs:integer", "1", "01"),
    "Rate": ("xs:decimal", "1.50", " 1.5 "),
    "Flag": ("xs:boolean", "1", "true"),
    "Name": ("xs:string", "1", "01"),
}
TSLA = "http://www.tesla.com/20240630"
# a QName typed value: suffix -> (text, namespace declarations of the typed member)
REGIONS = {
    "a": ("tsla:EMEA", ""),
    "b": ("r:EMEA", f' xmlns:r="{TSLA}"'),
    "c": ("z:EMEA", ' xmlns:z="urn:one"'),
    "d": ("z:EMEA", ' xmlns:z="urn:two"'),
}
DOMAIN_TYPES = {name: xs_type for name, (xs_type, _, _) in TYPED.items()} | {"Region": "xs:QName"}


def _context(cid: str, period: str, segment: str = "") -> str:
    segment = f"<segment>{segment}</segment>" if segment else ""
    return f'<context id="{cid}">{TESLA_CIK}{segment}</entity><period>{period}</period></context>'


def _fact(concept: str, cid: str, fid: str, value: str, decimals: str = "-6") -> str:
    return (
        f'<us-gaap:{concept} contextRef="{cid}" decimals="{decimals}" id="{fid}" '
        f'unitRef="usd">{value}</us-gaap:{concept}>'
    )


def _typed(name: str, text: str, declared: str = "") -> str:
    domain = f"tsla:{name}Domain"
    return (
        f'<xbrldi:typedMember dimension="tsla:{name}TypedAxis"{declared}>'
        f"<{domain}>{text}</{domain}></xbrldi:typedMember>"
    )


def _duration(start: str, end: str) -> str:
    return f"<startDate>{start}</startDate><endDate>{end}</endDate>"


def _typed_pairs() -> list[str]:
    """Two Q2 contexts per typed axis, one value spelt two ways, and a revenue of 5 in each."""
    lines = []
    for name, (_, one, other) in TYPED.items():
        for suffix, text in (("a", one), ("b", other)):
            cid = f"c-{name.lower()}-{suffix}"
            lines.append(_context(cid, Q2, _typed(name, text)))
            lines.append(_fact("Revenues", cid, f"f-{name.lower()}-{suffix}", "5", "0"))
    for suffix, (text, declared) in REGIONS.items():
        lines.append(_context(f"c-region-{suffix}", Q2, _typed("Region", text, declared)))
        lines.append(_fact("Revenues", f"c-region-{suffix}", f"f-region-{suffix}", "5", "0"))
    return lines


def _schema_elements() -> str:
    return "".join(
        f'<xs:element id="tsla_{name}TypedAxis" abstract="true" name="{name}TypedAxis" '
        'nillable="true" xbrli:periodType="duration" substitutionGroup="xbrldt:dimensionItem" '
        f'type="xbrli:stringItemType" xbrldt:typedDomainRef="#tsla_{name}Domain"/>\n'
        f'<xs:element id="tsla_{name}Domain" name="{name}Domain" type="{xs_type}"/>\n'
        for name, xs_type in DOMAIN_TYPES.items()
    )


Q2 = _duration("2024-04-01", "2024-06-30")
ADDED = "\n".join(
    (
        _context("c-noon", _duration("2024-04-01", "2024-06-30T12:00:00")),
        _context("c-noon-instant", "<instant>2024-06-30T12:00:00</instant>"),
        _context("c-morning", _duration("2024-04-01T08:00:00", "2024-06-30")),
        _context("c-midnight", _duration("2024-04-01", "2024-07-01T00:00:00")),
        _fact("Revenues", "c-noon", "f-noon", "11000000"),
        _fact("CashAndCashEquivalentsAtCarryingValue", "c-noon-instant", "f-noon-cash", "22000000"),
        _fact("Revenues", "c-morning", "f-morning", "12000000"),
        _fact("Revenues", "c-midnight", "f-midnight", "25500000000"),
        *_typed_pairs(),
    )
)  # fmt: skip
SCHEMA = "tsla-20240630.xsd"
NOON_Q2, NOON = "2024-04-01..2024-06-30T12:00:00", "2024-06-30T12:00:00"
MORNING_Q2, Q2_ID = "2024-04-01T08:00:00..2024-06-30", "2024-04-01..2024-06-30"


def tesla_edited(target: Path) -> Path:
    edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{ADDED}\n</xbrl>")
    schema = target / SCHEMA
    text = schema.read_text(encoding="utf-8")
    assert text.count("</xs:schema>") == 1
    schema.write_text(text.replace("</xs:schema>", f"{_schema_elements()}</xs:schema>"), "utf-8")
    return target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    root = tmp_path_factory.mktemp("moment_typed")
    return run_edited(root, {"tesla": tesla_edited}, "xbrl_moment_typed")


def _periods(run: EditedRun) -> dict[str, str]:
    """The Period id of each fact, by the fact's id in the document."""
    periods = {r["from"]: r["to"] for r in run.rows("tesla", "FACT_HAS_PERIOD")}
    return {xml_id: periods[f["id"]] for xml_id, f in run.facts("tesla").items()}


def test_an_end_at_noon_is_its_own_period_not_the_day_ending_at_midnight(
    run: EditedRun,
) -> None:
    assert run.statuses["tesla"] == "processed"
    periods, facts = _periods(run), run.facts("tesla")
    assert (periods["f-noon"], periods["f-noon-cash"], periods["f-1114"]) == (NOON_Q2, NOON, Q2_ID)
    assert periods["f-30"] == "2024-06-30"  # the real cash balance of that day
    for fid in ("f-noon", "f-noon-cash", "f-1114", "f-30"):
        assert facts[fid]["duplicate_status"] is None, fid
    rows = {r["id"]: r for r in run.rows("tesla", "Period")}
    assert rows[NOON_Q2] == {
        "id": NOON_Q2,
        "period_type": "duration",
        "start_date": date(2024, 4, 1),
        "end_date": date(2024, 6, 30),
    }
    assert (rows[NOON]["period_type"], rows[NOON]["end_date"]) == ("instant", date(2024, 6, 30))


def test_a_start_with_a_time_of_day_is_its_own_period(run: EditedRun) -> None:
    facts = run.facts("tesla")
    assert _periods(run)["f-morning"] == MORNING_Q2
    assert facts["f-morning"]["duplicate_status"] is None
    assert {r["id"]: r["start_date"] for r in run.rows("tesla", "Period")}[MORNING_Q2] == date(
        2024, 4, 1
    )


def test_an_end_at_the_next_midnight_is_the_date_only_end(run: EditedRun) -> None:
    facts = run.facts("tesla")
    assert "f-midnight" not in facts  # a complete duplicate of f-1114, collapsed into it
    assert (facts["f-1114"]["occurrences"], facts["f-1114"]["duplicate_status"]) == (2, None)


def _typed_dimensions(run: EditedRun) -> dict[str, str]:
    """typed_value of every typed Dimension, by its id with the axis named by local name."""
    local = {e["id"]: e["local_name"] for e in run.rows("tesla", "Element")}
    rows = [d for d in run.rows("tesla", "Dimension") if d["is_typed"]]
    assert all(d["id"].startswith(f"{d['axis']}#") for d in rows)
    return {f"{local[d['axis']]}{d['id'][len(d['axis']) :]}": d["typed_value"] for d in rows}


def test_typed_members_equal_for_their_type_are_one_dimension_and_one_context(
    run: EditedRun,
) -> None:
    # keyed canonical for the type, the value as filed first in document order kept
    assert _typed_dimensions(run) == {
        "RevenueRemainingPerformanceObligationExpectedTimingOfSatisfactionStartDateAxis"
        "#2024-07-01": "2024-07-01",  # the real filing's typed dates keep their ids
        "CountTypedAxis#1": "1",
        "RateTypedAxis#1.5": "1.50",
        "FlagTypedAxis#true": "1",
        "NameTypedAxis#1": "1",  # a string: its text, so 1 and 01 stay two values
        "NameTypedAxis#01": "01",
        # a QName by namespace and local name: r:EMEA is tsla:EMEA, z:EMEA twice is two
        f"RegionTypedAxis#{{{TSLA}}}EMEA": "tsla:EMEA",
        "RegionTypedAxis#{urn:one}EMEA": "z:EMEA",
        "RegionTypedAxis#{urn:two}EMEA": "z:EMEA",
    }
    contexts = [c for c in run.rows("tesla", "Context") if "TypedAxis@" in (c["dimensions"] or "")]
    assert sorted((c["period"], c["dimension_count"]) for c in contexts) == [(Q2_ID, 1)] * 8


def test_facts_in_contexts_equal_but_for_a_typed_spelling_are_complete_duplicates(
    run: EditedRun,
) -> None:
    facts = run.facts("tesla")
    for name in ("count", "rate", "flag", "region"):
        kept = facts[f"f-{name}-a"]
        assert f"f-{name}-b" not in facts, name  # collapsed into the first
        assert (kept["occurrences"], kept["duplicate_status"]) == (2, None), name
    for fid in ("f-name-a", "f-name-b", "f-region-c", "f-region-d"):
        assert (facts[fid]["occurrences"], facts[fid]["duplicate_status"]) == (1, None)


def test_period_ids_carry_a_time_of_day_and_its_zone_and_both_sides_read_them_alike() -> None:
    moments = {
        "2024-07-01T00:00:00": ("2024-06-30", "2024-07-01"),
        "2024-06-30T12:00:00": ("2024-06-30T12:00:00", "2024-06-30T12:00:00"),
        "2024-06-30T12:00:00Z": ("2024-06-30T12:00:00Z", "2024-06-30T12:00:00Z"),
        # a zone is read in UTC: the same moment in any zone is one id, on the UTC day
        "2024-06-30T14:00:00+02:00": ("2024-06-30T12:00:00Z", "2024-06-30T12:00:00Z"),
        "2024-06-30T23:30:00.250000-05:00": ("2024-07-01T04:30:00.250000Z",) * 2,
        # midnight UTC keeps its Z: the zoned day (the day before as an end), never the
        # unzoned one, which XML Schema does not equate with it
        "2023-10-01T00:00:00Z": ("2023-09-30Z", "2023-10-01Z"),
        "2023-09-30T02:00:00+02:00": ("2023-09-29Z", "2023-09-30Z"),
        "2023-10-01T00:00:00-05:00": ("2023-10-01T05:00:00Z",) * 2,
    }
    for text, (as_end, as_start) in moments.items():
        day, clock = split_moment(datetime.fromisoformat(text), end=True)
        assert period_id(PeriodInfo("instant", None, day, end_time=clock)) == as_end
        assert period_of(text) == as_end  # xBRL-JSON, read by the check
        day, clock = split_moment(datetime.fromisoformat(text), end=False)
        assert period_id(PeriodInfo("duration", day, date(2024, 12, 31), clock)) == (
            f"{as_start}..2024-12-31"
        )
    assert period_of("2024-04-01T00:00:00/2024-07-01T00:00:00") == Q2_ID  # date-only ids kept
    assert period_of("2023-07-01T00:00:00Z/2023-10-01T00:00:00Z") == "2023-07-01Z..2023-09-30Z"


def test_a_moments_day_is_the_day_as_filed_in_its_own_zone() -> None:
    """The Period's dates: a filer's September 30 stays September 30 in any zone."""
    days = {  # as filed (Arelle's next midnight for a date): (day as an end, as a start)
        "2023-10-01T00:00:00": (date(2023, 9, 30), date(2023, 10, 1)),
        "2023-10-01T00:00:00Z": (date(2023, 9, 30), date(2023, 10, 1)),
        "2023-10-01T00:00:00-05:00": (date(2023, 9, 30), date(2023, 10, 1)),  # 05:00 UTC
        "2023-09-30T02:00:00+02:00": (date(2023, 9, 30), date(2023, 9, 30)),  # 00:00 UTC
        "2024-06-30T23:30:00-05:00": (date(2024, 6, 30), date(2024, 6, 30)),
    }
    for text, (as_end, as_start) in days.items():
        moment = datetime.fromisoformat(text)
        assert split_moment(moment, end=True)[0] == as_end, text
        assert split_moment(moment, end=False)[0] == as_start, text
    assert period_of("2024-04-01T08:00:00/2024-07-01T00:00:00") == MORNING_Q2


def _facts_by_id(report: dict[str, Any]) -> dict[str, Any]:
    """Arelle's exported facts read as the check compares them, by their id in the document."""
    return dict(zip(report["facts"], oim_facts(report), strict=True))


def test_arelles_export_read_by_the_check_sees_the_same_periods_and_typed_values(
    tmp_path: Path,
) -> None:
    folder = tesla_edited(tmp_path / "tesla")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        report = export_oim([folder / TESLA_INSTANCE], cache)
    finally:
        cache.close()
    facts = _facts_by_id(report)
    periods = {fid: facts[fid].period for fid in ("f-noon", "f-noon-cash", "f-morning")}
    assert periods == {"f-noon": NOON_Q2, "f-noon-cash": NOON, "f-morning": MORNING_Q2}
    assert facts["f-midnight"].aspects == facts["f-1114"].aspects
    typed = {
        f"{name}-{suffix}": facts[f"f-{name.lower()}-{suffix}"].dimensions[0][1]
        for name in TYPED
        for suffix in "ab"
    }
    typed |= {f"Region-{s}": facts[f"f-region-{s}"].dimensions[0][1] for s in REGIONS}
    assert typed == {
        "Count-a": "#1", "Count-b": "#1", "Rate-a": "#1.5", "Rate-b": "#1.5",
        "Flag-a": "#true", "Flag-b": "#true", "Name-a": "#1", "Name-b": "#01",
        "Region-a": f"#{{{TSLA}}}EMEA", "Region-b": f"#{{{TSLA}}}EMEA",
        "Region-c": "#{urn:one}EMEA", "Region-d": "#{urn:two}EMEA",
    }  # fmt: skip
    for name in ("count", "rate", "flag", "region"):
        assert facts[f"f-{name}-a"] == facts[f"f-{name}-b"], name


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FilingCheck]:
    """The edited filing loaded by ``sec run`` into a home, and ``verify``'s check of it."""
    root = tmp_path_factory.mktemp("moment_typed_home")
    tesla_edited(root / "source" / "tesla")
    return root / "home", load_and_verify(root / "source", root / "home")


def test_verify_finds_the_graph_and_arelle_agree_on_the_edited_filing(
    loaded: tuple[Path, FilingCheck],
) -> None:
    check = loaded[1]
    assert check.error is None and check.differences == []
    # Tesla's 1045 Fact nodes and 90 collapsed copies; ours: 3 timed facts, 8 typed ones
    # (count, rate, flag, two names, three regions); 5 copies collapsed (midnight, count,
    # rate, flag, region)
    assert (check.graph_fact_nodes, check.graph_facts) == (1045 + 11, 1045 + 90 + 11 + 5)
    assert check.arelle_facts == check.graph_facts


def test_facts_lists_periods_by_their_end_then_start_moment(
    loaded: tuple[Path, FilingCheck], capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["facts", "--home", str(loaded[0]), "--concept", "us-gaap:Revenues", "--json"]
    assert cli([*argv, "--cik", "1318605"]) == 0
    rows = json.loads(capsys.readouterr().out)
    periods = [row["period"] for row in rows]
    # each period's facts together, the periods in XBRL's order: the quarter ending at noon
    # of June 30 ends before the half year ending with that day, which starts before the
    # quarter, which starts before the quarter starting at 08:00 (Tesla's own Revenues:
    # its 2023 and 2024 quarters and half years, with and without dimensions)
    assert list(dict.fromkeys(periods)) == [
        "2023-01-01..2023-06-30", "2023-04-01..2023-06-30",  # both end 2023-07-01T00:00
        NOON_Q2, "2024-01-01..2024-06-30", Q2_ID, MORNING_Q2,
    ]  # fmt: skip
    assert len(list(groupby(periods))) == 4 + 2
    [noon] = [row for row in rows if row["period"] == NOON_Q2]
    assert (noon["value_decimal"], noon["end_date"]) == ("11000000", "2024-06-30")
