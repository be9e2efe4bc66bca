"""What makes a fact itself: duplicates, period, unit, entity, amendments (hand-made filings)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from xbrl_samples import HandmadeRun, handmade_run

from xbrl_task.duplicates import are_consistent, value_range


@pytest.fixture(scope="module")
def run() -> HandmadeRun:
    return handmade_run()


def test_complete_duplicates_are_one_fact_that_counts_them(run: HandmadeRun) -> None:
    counts = run.manifest("classic").facts
    assert (counts.in_document, counts.extracted, counts.duplicates_collapsed) == (38, 37, 1)
    kept = run.facts("classic")["rev-q3-1"]  # first in document order keeps its id
    assert kept["occurrences"] == 2 and "rev-q3-2" not in run.facts("classic")
    assert kept["duplicate_status"] is None


def test_consistent_duplicates_are_kept_and_flagged(run: HandmadeRun) -> None:
    facts = run.facts("classic")
    a, b = facts["assets-a"], facts["assets-b"]
    assert (a["value_decimal"], b["value_decimal"]) == (Decimal(12345), Decimal(12000))
    assert a["duplicate_status"] == b["duplicate_status"] == "consistent"
    assert a["duplicate_group"] == b["duplicate_group"] is not None


def test_inconsistent_duplicates_are_kept_and_flagged(run: HandmadeRun) -> None:
    facts = run.facts("classic")
    for pair in (("cost-a", "cost-b"), ("desc-en", "desc-en-b")):
        first, second = (facts[p] for p in pair)
        assert first["duplicate_status"] == second["duplicate_status"] == "inconsistent"
        assert first["duplicate_group"] == second["duplicate_group"]
    assert facts["desc-fr"]["duplicate_status"] is None  # another language, another fact


def test_duplicate_consistency_follows_the_value_ranges() -> None:
    def fact(value: str, decimals: str | None, precision: str | None = None) -> dict:
        return {
            "value_decimal": Decimal(value), "decimals": decimals, "precision": precision,
            "is_numeric": True, "is_nil": False,
        }  # fmt: skip

    assert are_consistent([fact("12345", "0"), fact("12000", "-3")])
    assert are_consistent([fact("1234.5", "1"), fact("1200", "-2"), fact("1000", "-3")])
    assert not are_consistent([fact("1000", "-3"), fact("1400", "-3")])  # same accuracy
    assert not are_consistent([fact("12345", "0"), fact("13000", "-3")])
    assert are_consistent([fact("0.123", None, "3"), fact("0.12", "2")])
    assert value_range(Decimal(5), "INF", None) == (Decimal(5), Decimal(5))


def test_a_quarter_and_a_year_to_date_ending_the_same_day_stay_apart(run: HandmadeRun) -> None:
    periods = {r["from"]: r["to"] for r in run.rows("classic", "FACT_HAS_PERIOD")}
    facts = run.facts("classic")
    assert periods[facts["rev-q3-1"]["id"]] == "2024-07-01..2024-09-30"
    assert periods[facts["rev-ytd"]["id"]] == "2024-01-01..2024-09-30"
    assert facts["rev-ytd"]["duplicate_status"] is None


def test_the_unit_is_part_of_a_facts_identity(run: HandmadeRun) -> None:
    units = {r["from"]: r["to"] for r in run.rows("classic", "FACT_HAS_UNIT")}
    facts = run.facts("classic")
    usd, eur = facts["rev-q3-1"], facts["rev-q3-eur"]
    assert (units[usd["id"]], units[eur["id"]]) == ("iso4217:USD", "iso4217:EUR")
    assert usd["duplicate_status"] is eur["duplicate_status"] is None
    by_id = {u["id"]: u for u in run.rows("classic", "Unit")}
    assert by_id["iso4217:USD/xbrli:shares"]["unit_type"] == "divide"
    assert by_id["iso4217:USD*xbrli:shares"]["unit_type"] == "multiply"


def test_nil_infinite_decimals_and_precision_are_kept(run: HandmadeRun) -> None:
    facts = run.facts("classic")
    assert facts["gp-ytd"]["is_nil"] and facts["gp-ytd"]["value_decimal"] is None
    assert facts["shares"]["decimals"] == "INF"
    assert (facts["eps"]["precision"], facts["eps"]["decimals"]) == ("3", None)


def test_co_registrant_facts_are_attributed_to_the_co_registrant(run: HandmadeRun) -> None:
    entity_of = {r["from"]: r["to"] for r in run.rows("classic", "FACT_HAS_ENTITY")}
    facts = run.facts("classic")
    assert entity_of[facts["rev-sub"]["id"]] == "0007654321"
    assert entity_of[facts["rev-q3-1"]["id"]] == "0001234567"
    filers = {r["from"]: r for r in run.rows("classic", "ENTITY_HAS_REPORT")}
    assert filers["0007654321"]["role"] == "co-registrant"
    assert filers["0007654321"]["name"] == "Tiny Subsidiary LLC"
    assert filers["0007654321"]["legal_entity_member"].startswith("tiny:SubsidiaryMember@")
    entities = {e["id"]: e for e in run.rows("classic", "Entity")}
    assert entities["0007654321"]["cik"] == 7654321


def test_the_cover_page_states_the_filer(run: HandmadeRun) -> None:
    filer = next(r for r in run.rows("classic", "ENTITY_HAS_REPORT") if r["role"] == "registrant")
    assert filer["name"] == "Tiny Holdings, Inc."
    assert (filer["filer_category"], filer["state_of_incorporation"]) == (
        "Non-accelerated Filer",
        "DE",
    )
    assert (filer["fiscal_year_end"], filer["ein"]) == ("--12-31", "12-3456789")
    assert (filer["trading_symbols"], filer["exchanges"]) == ("TINY|TINY30", "NASDAQ|NYSE")
    securities = {s["id"]: s["title"] for s in run.rows("classic", "Security")}
    assert securities == {
        "0001234567/TINY/NASDAQ": "Common Stock",
        "0001234567/TINY30/NYSE": "5% Notes due 2030",
    }


def test_an_amendment_is_flagged_and_keeps_its_own_facts(run: HandmadeRun) -> None:
    original, amended = run.rows("classic", "Report")[0], run.rows("amended", "Report")[0]
    assert original["is_amendment"] is False
    assert amended["is_amendment"] is True
    assert (amended["form"], amended["document_type"]) == ("10-Q/A", "10-Q/A")
    assert amended["amendment_description"] == "Restates revenue"
    restated = run.facts("amended")["rev-q3-1"]["value_decimal"]
    assert (run.facts("classic")["rev-q3-1"]["value_decimal"], restated) == (1000, 1100)
    # fact ids include the report: loading the amendment can never replace the original's
    assert not {f["id"] for f in run.rows("classic", "Fact")} & {
        f["id"] for f in run.rows("amended", "Fact")
    }


def test_the_registrant_gets_edgars_sic_and_its_cover_page_not_edgars(run: HandmadeRun) -> None:
    filers = {r["from"]: r for r in run.rows("classic", "ENTITY_HAS_REPORT")}
    tiny = filers["0001234567"]

    # the sidecar's registration data differs from the cover page on purpose: only its SIC
    # is used, filings never state one
    assert tiny["sic"] == "7372"
    assert (tiny["filer_category"], tiny["fiscal_year_end"]) == ("Non-accelerated Filer", "--12-31")
    assert (tiny["trading_symbols"], tiny["exchanges"]) == ("TINY|TINY30", "NASDAQ|NYSE")


def test_a_co_registrant_keeps_its_own_cover_page_values(run: HandmadeRun) -> None:
    filers = {r["from"]: r for r in run.rows("classic", "ENTITY_HAS_REPORT")}
    subsidiary = filers["0007654321"]

    assert (subsidiary["name"], subsidiary["state_of_incorporation"]) == (
        "Tiny Subsidiary LLC",
        "NV",
    )
    # nothing of the registrant's cover page or EDGAR data (which is about the registrant)
    for column in ("filer_category", "fiscal_year_end", "ein", "trading_symbols", "sic"):
        assert subsidiary[column] is None, column


def test_without_registration_data_there_is_no_sic(run: HandmadeRun) -> None:
    filers = {r["from"]: r for r in run.rows("amended", "ENTITY_HAS_REPORT")}

    assert filers["0001234567"]["sic"] is None
    assert filers["0001234567"]["filer_category"] == "Non-accelerated Filer"
