"""The fidelity check's own parts: reading Arelle's xBRL-JSON, comparing fact multisets."""

from __future__ import annotations

import pytest

from xbrl_task.errors import ExportUnreadable
from xbrl_task.verify.compare import DIFFERENT, ONLY_ARELLE, ONLY_GRAPH, compare_facts
from xbrl_task.verify.facts import (
    NIL,
    ComparableFact,
    number_key,
    precision_key,
    uri_members,
)
from xbrl_task.verify.oim import oim_facts, period_of

NAMESPACES = {
    "us-gaap": "http://fasb.org/us-gaap/2023",
    "srt": "http://fasb.org/srt/2023",
    "ba": "http://www.boeing.com/20231231",
    "iso4217": "http://www.xbrl.org/2003/iso4217",
    "xbrli": "http://www.xbrl.org/2003/instance",
    "cik": "http://www.sec.gov/CIK",
}


def _export(*facts: dict) -> dict:
    return {
        "documentInfo": {"namespaces": NAMESPACES},
        "facts": {f"f{i}": f for i, f in enumerate(facts)},
    }


def test_xbrl_json_periods_become_inclusive_calendar_days() -> None:
    assert period_of("2023-01-01T00:00:00/2024-01-01T00:00:00") == "2023-01-01..2023-12-31"
    assert period_of("2024-01-01T00:00:00") == "2023-12-31"
    # noon is another moment than the day's end: the graph keys it apart, so does the check
    assert period_of("2023-06-30T12:00:00") == "2023-06-30T12:00:00"
    assert period_of(None) == "forever"


def test_xbrl_json_facts_in_the_graphs_spelling() -> None:
    revenue = {
        "value": "77794000000.0",
        "decimals": -6,
        "ledgergraph:numeric": True,
        "dimensions": {
            "concept": "us-gaap:Revenues",
            "entity": "cik:0000012927",
            "period": "2023-01-01T00:00:00/2024-01-01T00:00:00",
            "unit": "iso4217:USD",
            "srt:ProductOrServiceAxis": "ba:ServicesMember",
        },
    }
    ratio = {
        "value": "0.21",
        "ledgergraph:numeric": True,
        "dimensions": {
            "concept": "us-gaap:Foo",
            "entity": "cik:12927",
            "period": "2024-01-01T00:00:00",
        },
    }
    per_share = {**ratio, "dimensions": {**ratio["dimensions"], "unit": "iso4217:USD/xbrli:shares"}}
    note = {"value": "x", "dimensions": {"concept": "xbrl:note", "noteId": "n1"}}
    facts = list(oim_facts(_export(revenue, ratio, per_share, note)))
    assert len(facts) == 3
    first = facts[0]
    assert (first.concept, first.entity, first.period) == (
        "us-gaap:Revenues",
        "0000012927",
        "2023-01-01..2023-12-31",
    )
    assert first.unit == "iso4217:USD" and first.value == "77794000000"
    assert first.dimensions[0][0] == "srt:ProductOrServiceAxis"
    assert first.dimensions[0][1].startswith("ba:ServicesMember@")
    assert facts[1].unit == "xbrli:pure" and facts[1].decimals is None  # INF, pure: left out
    assert facts[2].unit == "iso4217:USD/xbrli:shares"


def test_enumeration_values_compare_as_members() -> None:
    members = uri_members("http://fasb.org/us-gaap/2023#OtherAssetsCurrent")
    assert members == [("http://fasb.org/us-gaap/2023", "OtherAssetsCurrent")]
    assert uri_members("Widgets and gadgets") is None
    enum = {
        "value": "us-gaap:OtherAssetsCurrent",
        "ledgergraph:qnames": [["http://fasb.org/us-gaap/2022", "OtherAssetsCurrent"]],
        "dimensions": {
            "concept": "us-gaap:Foo",
            "entity": "cik:1",
            "period": "2024-01-01T00:00:00",
        },
    }
    (fact,) = oim_facts(_export(enum))
    assert fact.value == "us-gaap:OtherAssetsCurrent"


def test_numbers_compare_exactly_whatever_their_spelling() -> None:
    assert number_key("1000.00") == number_key("1E+3") == "1000"
    assert number_key("-0.0180") == "-0.018"
    assert number_key("0.000") == "0"
    big = "-12345678901234567890.12345678901"  # 31 digits: no rounding to 28
    assert number_key(big + "000") == big
    assert precision_key("0") == "0" and precision_key(" 03 ") == "3"
    assert precision_key("INF") == "INF"


def _fact(value: str, *, period: str = "2023", decimals: str | None = "-6") -> ComparableFact:
    return ComparableFact(
        "us-gaap:Revenues", "0000000001", period, "iso4217:USD", (), value, decimals
    )


def test_equal_multisets_have_no_differences() -> None:
    graph = [_fact("1"), _fact("1"), _fact(NIL, decimals=None)]
    assert compare_facts(graph, list(reversed(graph))) == []


def test_differences_pair_by_aspects_and_count_once() -> None:
    graph = [_fact("1"), _fact("2", period="2022"), _fact("5", period="2021")]
    arelle = [_fact("1"), _fact("3", period="2022"), _fact("7", period="2020")]
    kinds = sorted(d.kind for d in compare_facts(graph, arelle))
    assert kinds == sorted([DIFFERENT, ONLY_GRAPH, ONLY_ARELLE])


def test_a_missing_duplicate_is_a_difference() -> None:
    (difference,) = compare_facts([_fact("1")], [_fact("1"), _fact("1")])
    assert difference.kind == ONLY_ARELLE
    assert "us-gaap:Revenues 2023 [iso4217:USD] = 1" in difference.describe()


def test_a_fact_without_entity_in_arelles_export_is_an_error_naming_it() -> None:
    # what Arelle exports for Tesla's f-1085 when its contextRef names no context
    orphan = {
        "value": "22486000000.0",
        "decimals": -6,
        "dimensions": {"concept": "us-gaap:Revenues", "unit": "iso4217:USD"},
        "ledgergraph:numeric": True,
    }
    with pytest.raises(ExportUnreadable, match=r"^fact f0 \(us-gaap:Revenues\) has no entity "):
        list(oim_facts(_export(orphan)))
