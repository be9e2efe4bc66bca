"""The XBRL rules where the bundled real filings show them, with the filings' own numbers.

Hand-made minimal filings prove the same rules where no real filing shows a case
(test_xbrl_identity, test_xbrl_inline); xbrl_task/README.md lists which test proves what.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from lxml import etree
from xbrl_samples import (
    GRAPH,
    SAMPLE_NAMES,
    SAMPLE_SEC,
    BatchRun,
    handmade_run,
    sample_batch_run,
)

from ledgergraph.manifest import error_key, manifest_key

IX = "{http://www.xbrl.org/2013/inlineXBRL}"
AEON = "aeon-10q-2023-09-30"


@pytest.fixture(scope="module")
def run() -> BatchRun:
    return sample_batch_run()


def facts_by_concept(run: BatchRun, name: str, concept: str) -> dict[str, list[dict]]:
    """Undimensioned facts of ``concept`` by period id, in document order."""
    periods = {r["from"]: r["to"] for r in run.table(name, "FACT_HAS_PERIOD").to_pylist()}
    dimensioned = set(run.table(name, "FACT_HAS_DIMENSION")["from"].to_pylist())
    found: dict[str, list[dict]] = {}
    for fact in run.table(name, "Fact").to_pylist():
        if fact["concept"] == concept and fact["id"] not in dimensioned:
            found.setdefault(periods[fact["id"]], []).append(fact)
    return found


def test_consistent_duplicates_of_other_accuracy_are_kept_and_flagged(run: BatchRun) -> None:
    # aeon's balance sheet shows 16,177 (thousands), its liquidity note "$16.2 million"
    cash = facts_by_concept(run, AEON, "us-gaap:CashAndCashEquivalentsAtCarryingValue")
    at_end = cash["2023-09-30"]
    shown = [(f["value_decimal"], f["decimals"], f["displayed_text"]) for f in at_end]
    assert sorted(shown) == [
        (Decimal(16_177_000), "-3", "16,177"),
        (Decimal(16_200_000), "-5", "16.2"),
    ]
    assert {f["duplicate_status"] for f in at_end} == {"consistent"}
    assert len({f["duplicate_group"] for f in at_end}) == 1
    # Apple's tax note: $16.8 billion (decimals -8) beside 16,758 million (decimals -6)
    apple = "aapl-10k-2023-09-30"
    benefits = facts_by_concept(run, apple, "us-gaap:UnrecognizedTaxBenefits")
    kept = sorted((f["value_decimal"], f["decimals"]) for f in benefits["2022-09-24"])
    assert kept == [(Decimal(16_758_000_000), "-6"), (Decimal(16_800_000_000), "-8")]
    assert {f["duplicate_status"] for f in benefits["2022-09-24"]} == {"consistent"}


def test_no_bundled_filing_has_inconsistent_duplicates_none_wins(run: BatchRun) -> None:
    flagged = {}
    for name in SAMPLE_NAMES:
        facts = run.table(name, "Fact").to_pylist()
        statuses = [f["duplicate_status"] for f in facts if f["duplicate_status"]]
        flagged[name] = (statuses.count("consistent"), statuses.count("inconsistent"))
        counts = run.manifest(name).facts  # the manifest counts the same, sets too
        assert flagged[name] == (counts.duplicates_consistent, counts.duplicates_inconsistent)
        assert counts.inconsistent_sets == 0, name
        assert not any("inconsistent dup" in w for w in run.manifest(name).warnings), name
    assert flagged == {
        "ba-10k-2023-12-31": (0, 0),
        "aapl-10k-2023-09-30": (4, 0),
        AEON: (8, 0),
        "tsla-10q-2024-06-30": (0, 0),
        "amzn-10k-2022-12-31": (26, 0),
    }


def test_complete_duplicates_are_counted_by_the_fact_kept(run: BatchRun) -> None:
    for name in SAMPLE_NAMES:
        counts = run.manifest(name).facts
        occurrences = sum(run.table(name, "Fact")["occurrences"].to_pylist())
        assert occurrences == counts.in_document - counts.rejected_total, name
        assert occurrences - counts.extracted == counts.duplicates_collapsed, name
    assert run.manifest(AEON).facts.duplicates_collapsed == 162


def test_a_real_quarter_and_its_year_to_date_stay_two_facts(run: BatchRun) -> None:
    revenues = facts_by_concept(run, "tsla-10q-2024-06-30", "us-gaap:Revenues")
    values = {when: [f["value_decimal"] for f in facts] for when, facts in revenues.items()}
    assert values == {
        "2024-04-01..2024-06-30": [Decimal(25_500_000_000)],
        "2024-01-01..2024-06-30": [Decimal(46_801_000_000)],
        "2023-04-01..2023-06-30": [Decimal(24_927_000_000)],
        "2023-01-01..2023-06-30": [Decimal(48_256_000_000)],
    }
    assert all(f["duplicate_status"] is None for facts in revenues.values() for f in facts)


def test_the_hidden_facts_of_a_real_filing_are_facts_that_say_so(run: BatchRun) -> None:
    document = etree.parse(str(SAMPLE_SEC / AEON / "aeon-20230930x10q.htm"))
    hidden = document.getroot().find(f".//{IX}hidden")
    ids = {e.get("id") for e in hidden.iter(f"{IX}nonNumeric", f"{IX}nonFraction")}
    facts = run.table(AEON, "Fact").to_pylist()
    assert len(ids) == 94
    assert {f["fact_xml_id"] for f in facts if f["is_hidden"]} <= ids
    # the header comes first: the other 17 repeat an earlier hidden fact and are collapsed
    assert sum(f["is_hidden"] for f in facts) == 77
    cik = next(f for f in facts if f["concept"] == "dei:EntityCentralIndexKey")
    assert (cik["is_hidden"], cik["value_text"]) == (True, "0001837607")


def test_a_filing_without_any_fact_is_an_error_never_a_success() -> None:
    handmade = handmade_run()
    unit = handmade.units["empty"]
    assert handmade.statuses["empty"] == "failed"
    assert not handmade.store.exists(manifest_key(GRAPH, unit))
    record = json.loads(handmade.store.get_bytes(error_key(GRAPH, unit)))
    assert "no fact could be extracted (0 in document)" in record["message"]
    assert record["error_type"] == "NoFacts"


def test_every_class_a_real_cover_page_lists_is_a_security_of_its_own(run: BatchRun) -> None:
    # Apple's 10-K lists its common stock and nine note issues, all on NASDAQ, the notes
    # with dei:NoTradingSymbolFlag and no symbol: each note issue is its own Security
    apple = run.table("aapl-10k-2023-09-30", "Security").to_pylist()
    assert len(apple) == 10
    listed = {s["id"]: (s["trading_symbol"], s["exchange"]) for s in apple}
    assert listed["0000320193/AAPL/NASDAQ"] == ("AAPL", "NASDAQ")
    notes = sorted(s["title"] for s in apple if s["trading_symbol"] is None)
    assert notes[0] == "0.000% Notes due 2025"
    assert len(notes) == len(set(notes)) == 9
    assert "0000320193/-/NASDAQ/1.375% Notes due 2024" in listed
    lists = run.table("aapl-10k-2023-09-30", "REPORT_LISTS_SECURITY")
    assert sorted(lists["to"].to_pylist()) == sorted(listed)
