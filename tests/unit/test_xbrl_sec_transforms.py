"""The SEC's inline transformation formats: every one, exact values, refusals, registration.

Values are those of the SEC transformation registry (2015-08-31) as the SEC's own
implementation spells them; the hand-made ``tiny-formats`` filing carries the formats no
bundled real filing uses (aeon's 10-Q has the others: test_xbrl_extract).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from arelle import FunctionIxt
from xbrl_samples import HandmadeRun, handmade_run

from xbrl_task.arelle_plugin import install_sec_transforms, load_sec_transforms
from xbrl_task.extract import VALUE_INVALID
from xbrl_task.sec_transforms import SEC_TRANSFORMS, SEC_TRANSFORMS_NAMESPACE

# the registry's formats (transform-registry.xml) and the special values of the SEC's plugin
REGISTRY = {
    "boolballotbox", "countrynameen", "datequarterend", "durday", "durhour", "durmonth",
    "durweek", "durwordsen", "duryear", "edgarprovcountryen", "entityfilercategoryen",
    "exchnameen", "numwordsen", "stateprovnameen", "yesnoballotbox",
}  # fmt: skip
SPECIAL_VALUES = {"numinf", "numneginf", "numnan"}
XII_REGISTRIES = {
    "http://www.xbrl.org/2008/inlineXBRL/transformation",  # v1 (pre-recommendation)
    "http://www.xbrl.org/inlineXBRL/transformation/2010-04-20",  # v1
    "http://www.xbrl.org/inlineXBRL/transformation/2011-07-31",  # v2
    "http://www.xbrl.org/inlineXBRL/transformation/2015-02-26",  # v3
    "http://www.xbrl.org/inlineXBRL/transformation/2020-02-12",  # v4
    "http://www.xbrl.org/inlineXBRL/transformation/2022-02-16",  # v5
}


@pytest.fixture(scope="module")
def run() -> HandmadeRun:
    return handmade_run()


def test_every_format_of_the_sec_registry_is_implemented() -> None:
    assert set(SEC_TRANSFORMS) == REGISTRY | SPECIAL_VALUES


@pytest.mark.parametrize(
    ("fmt", "text", "value"),
    [
        ("numwordsen", "no", "0"),
        ("numwordsen", "None", "0"),
        ("numwordsen", "nil", "0"),
        ("numwordsen", "zero", "0"),
        ("numwordsen", "twenty-four", "24"),
        ("numwordsen", "twenty\u2013four", "24"),
        ("numwordsen", "one hundred and five thousand", "105000"),
        ("numwordsen", "one thousand, two hundred", "1200"),
        ("numwordsen", "two quintillion", "2000000000000000000"),
        ("numinf", "unlimited", "INF"),
        ("numinf", "\u221e", "INF"),
        ("numneginf", "negative infinity", "-INF"),
        ("numnan", "not meaningful", "NaN"),
        ("duryear", "2.5", "P2Y6M"),
        ("duryear", " 1.2", "P1Y2M12D"),
        ("duryear", "0.5", "P0Y6M"),
        ("duryear", "0", "P0Y"),
        ("duryear", "-1", "-P1Y"),
        ("duryear", "-0", "P0Y"),
        ("durmonth", "1.5", "P1M15D"),
        ("durmonth", "0", "P0M"),
        ("durmonth", ".5", "P0M15D"),
        ("durweek", "2", "P14D"),
        ("durweek", "1.5", "P10D"),
        ("durday", "1.5", "P1DT12H"),
        ("durday", "0.5", "P0DT12H"),
        ("durday", "-3", "-P3D"),
        ("durhour", "36", "PT36H"),
        ("durhour", "1.75", "PT1H"),
        ("durwordsen", "three-year", "P3Y"),
        ("durwordsen", "two years, six months and four days", "P2Y6M4D"),
        ("durwordsen", "30 days", "P30D"),
        ("durwordsen", "no years, six months", "P6M"),
        ("durwordsen", "zero days", "P0D"),
        ("durwordsen", "twenty-four months", "P24M"),
        ("datequarterend", "third quarter of 2024", "2024-09-30"),
        ("datequarterend", "Q1 2024", "2024-03-31"),
        ("datequarterend", "2023 Q2", "2023-06-30"),
        ("datequarterend", "4th quarter 2023", "2023-12-31"),
        ("datequarterend", "Last Quarter, 2023", "2023-12-31"),
        ("datequarterend", "2025, second quarter", "2025-06-30"),
        ("boolballotbox", "\u2610", "false"),
        ("boolballotbox", " \u2612 ", "true"),
        ("yesnoballotbox", "\u2611", "Yes"),
        ("yesnoballotbox", "\u2610", "No"),
        ("stateprovnameen", "New  York", "NY"),
        ("stateprovnameen", "Québec", "QC"),
        ("stateprovnameen", "Georgia", "GA"),
        ("stateprovnameen", "Virgin Islands, U.S.", "VI"),
        ("stateprovnameen", "United States Minor Outlying Islands", "UM"),
        ("countrynameen", "United States of America", "US"),
        ("countrynameen", "U.S.A.", "US"),
        ("countrynameen", "Great Britain", "GB"),
        ("countrynameen", "The People\u2019s Republic of China", "CN"),
        ("countrynameen", "Republic of Korea", "KR"),
        ("countrynameen", "Cote d'Ivoire", "CI"),
        ("countrynameen", "Türkiye", "TR"),
        ("countrynameen", "Georgia", "GE"),
        ("countrynameen", "Austria", "AT"),
        ("edgarprovcountryen", "Cayman Islands", "E9"),
        ("edgarprovcountryen", "Ontario, Canada", "A6"),
        ("edgarprovcountryen", "Quebec", "A8"),
        ("edgarprovcountryen", "Puerto Rico", "PR"),
        ("edgarprovcountryen", "Georgia", "2Q"),
        ("edgarprovcountryen", "Korea, Republic of", "M5"),
        ("edgarprovcountryen", "Unknown", "XX"),
        ("exchnameen", "NYSE Arca, Inc.", "NYSEArca"),
        ("exchnameen", "The Nasdaq Stock Market LLC", "NASDAQ"),
        ("entityfilercategoryen", "Large accelerated filer", "Large Accelerated Filer"),
    ],
)
def test_sec_transform_formats(fmt: str, text: str, value: str) -> None:
    assert SEC_TRANSFORMS[fmt](text) == value


@pytest.mark.parametrize(
    ("fmt", "text", "message"),
    [
        ("numwordsen", "several", "not English number words"),
        ("numwordsen", "hundred", "not English number words"),
        ("numwordsen", "zero zero", "not English number words"),
        ("durwordsen", "for a while", "not an English duration"),
        ("durwordsen", "3 weeks", "not an English duration"),
        ("durwordsen", "1.5 years", "not an English duration"),
        ("durwordsen", "two years, three years", "not an English duration"),
        ("duryear", "1,000", "not a decimal number"),
        ("duryear", "one", "not a decimal number"),
        ("durhour", "", "not a decimal number"),
        ("datequarterend", "fifth quarter 2024", "not a calendar quarter and year"),
        ("datequarterend", "Q3 24", "not a calendar quarter and year"),
        ("datequarterend", "2024", "not a calendar quarter and year"),
        ("datequarterend", "fiscal 2025, Q2", "not a calendar quarter and year"),
        ("boolballotbox", "x", "not a ballot box"),
        ("yesnoballotbox", "\u2610\u2612", "not a ballot box"),
        ("stateprovnameen", "Atlantis", "not a US state"),
        ("countrynameen", "Atlantis", "not a country name"),
        ("countrynameen", "Unknown", "not a country name"),
        ("edgarprovcountryen", "Texas", "not a country, US territory or Canadian"),
        ("edgarprovcountryen", "Nunavut", "not a country, US territory or Canadian"),
        ("exchnameen", "Tokyo Stock Exchange", "not a US securities exchange"),
        ("entityfilercategoryen", "Smaller reporting company", "not an SEC filer category"),
    ],
)
def test_sec_transform_formats_refuse_what_they_cannot_read(
    fmt: str, text: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message) as refused:
        SEC_TRANSFORMS[fmt](text)
    assert repr(text) in str(refused.value)  # the error quotes the text it refused


def test_arelle_gets_every_sec_format_and_keeps_its_own_registries() -> None:
    before = {ns: FunctionIxt.ixtNamespaceFunctions[ns] for ns in XII_REGISTRIES}
    install_sec_transforms()
    registries = FunctionIxt.ixtNamespaceFunctions
    assert registries[SEC_TRANSFORMS_NAMESPACE] == SEC_TRANSFORMS
    # XBRL International's formats stay Arelle's own functions, untouched and unshadowed
    for namespace, functions in before.items():
        assert registries[namespace] is functions
        assert all(not f.__module__.startswith("xbrl_task") for f in functions.values())
    custom: dict = {}
    load_sec_transforms(custom)  # the plugin hook of Arelle's own command line
    assert {(q.namespaceURI, q.localName) for q in custom} == {
        (SEC_TRANSFORMS_NAMESPACE, name) for name in REGISTRY | SPECIAL_VALUES
    }


def test_formats_no_real_filing_uses_give_their_values(run: HandmadeRun) -> None:
    facts = run.facts("formats")
    values = {fid: facts[fid]["value_text"] for fid in ("q-end", "q-country", "q-inc")}
    assert values == {"q-end": "2024-09-30", "q-country": "US", "q-inc": "E9"}
    durations = (facts["q-weeks"]["value_text"], facts["q-hours"]["value_text"])
    assert durations == ("P10D", "PT36H")
    assert facts["q-count"]["value_decimal"] == Decimal(105)
    assert facts["q-end"]["displayed_text"] == "third quarter of 2024"
    assert facts["q-end"]["inline_format"] == "ixt-sec:datequarterend"


def test_facts_whose_format_gives_no_value_are_rejected_and_named(run: HandmadeRun) -> None:
    manifest = run.manifest("formats")
    assert (manifest.facts.in_document, manifest.facts.extracted) == (12, 9)
    assert manifest.facts.rejected == {
        f"{VALUE_INVALID}: tiny:IsFlag (id q-flag, context D): format ixt-sec:boolballotbox "
        "refused the displayed text 'yes'": 1,
        f"{VALUE_INVALID}: tiny:Description (id q-madeup, context D): no registry implements "
        "format ixt-sec:numwordsfr (displayed text 'cent cinq')": 1,
        f"{VALUE_INVALID}: tiny:Description (id q-alien, context YTD): no registry implements "
        "format ixt-x:romannumerals (displayed text 'CV')": 1,
    }
    assert not {"q-flag", "q-madeup", "q-alien"} & set(run.facts("formats"))
    # Arelle's own messages, kept grouped by code, say which it was
    assert any("not a ballot box: 'yes'" in w for w in manifest.warnings)
    unrecognized = "unrecognized transformation name numwordsfr"
    assert any(unrecognized in w for w in manifest.warnings)
