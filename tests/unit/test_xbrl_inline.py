"""Inline XBRL rules on the hand-made document set (SEC formats: test_xbrl_sec_transforms)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from xbrl_samples import HandmadeRun, handmade_run

from xbrl_task.values import scaled_text


@pytest.fixture(scope="module")
def run() -> HandmadeRun:
    return handmade_run()


def test_both_documents_of_the_set_are_one_filing(run: HandmadeRun) -> None:
    assert run.statuses["inline"] == "processed"
    report = run.rows("inline", "Report")[0]
    assert report["documents"] == "tiny-20240930.htm tiny-20240930ex99.htm"
    assert report["facts_in_document"] == report["fact_count"] == 24
    facts = run.facts("inline")
    # the exhibit's facts use a context defined in the main document
    assert facts["x-shares"]["document"] == "tiny-20240930ex99.htm"
    assert facts["x-shares"]["value_decimal"] == Decimal(1_000_000)
    assert facts["x-rev-eur"]["value_decimal"] == Decimal(2700)


def test_hidden_facts_are_facts_and_say_so(run: HandmadeRun) -> None:
    facts = run.facts("inline")
    assert facts["h-rev-eur"]["is_hidden"] is True
    assert facts["h-rev-eur"]["value_decimal"] == Decimal(1_111_000)
    assert facts["f-rev"]["is_hidden"] is False


def test_sign_comes_only_from_the_sign_attribute(run: HandmadeRun) -> None:
    facts = run.facts("inline")
    # both are shown in parentheses; only the one with sign="-" is negative
    assert facts["f-rev"]["value_decimal"] == Decimal(1_234_000)
    assert facts["f-rev"]["displayed_text"] == "1,234"
    assert facts["f-cost"]["value_decimal"] == Decimal(-567_000)
    assert facts["f-cost"]["inline_sign"] == "-"


def test_scale_is_applied_in_exact_decimal_arithmetic(run: HandmadeRun) -> None:
    facts = run.facts("inline")
    assert facts["f-assets"]["value_decimal"] == Decimal(1_500_000)
    # 31 significant digits: Arelle's 28-digit context would round this
    big = Decimal("-12345678901234567890.12345678901")
    assert facts["f-big"]["value_decimal"] == big
    assert facts["f-big"]["value_text"] == str(big)
    assert scaled_text("1.5", "6", negative=False) == "1500000"
    assert scaled_text("0", "3", negative=True) == "0"
    assert scaled_text("1234", "-2", negative=False) == "12.34"


def test_nested_facts_are_each_a_fact(run: HandmadeRun) -> None:
    facts = run.facts("inline")
    block = facts["f-policy"]
    assert block["value_text"] == "<p>Revenue was <b>3,000</b> thousand.</p>"
    assert block["value_plain"] == "Revenue was 3,000 thousand."
    assert facts["f-rev-ytd"]["value_decimal"] == Decimal(3_000_000)


def test_continuations_join_and_exclusions_drop(run: HandmadeRun) -> None:
    assert run.facts("inline")["f-desc"]["value_text"] == "Widgets and gadgets, worldwide."


def test_sec_formats_in_the_document_set(run: HandmadeRun) -> None:
    facts = run.facts("inline")
    values = {fid: facts[fid]["value_text"] for fid in ("f-count", "f-life", "f-flag")}
    assert values == {"f-count": "3", "f-life": "P5Y", "f-flag": "true"}
    assert facts["f-state"]["value_text"] == "DE"
    assert facts["f-exch"]["value_text"] == "NASDAQ"
    assert facts["f-filer"]["value_text"] == "Non-accelerated Filer"
    assert facts["f-end"]["value_text"] == "2024-09-30"


def test_inline_footnotes_link_to_their_fact(run: HandmadeRun) -> None:
    notes = run.rows("inline", "Footnote")
    assert [(n["footnote_xml_id"], n["text_plain"]) for n in notes] == [
        ("fn1", "Includes a one-time gain.")
    ]
    links = run.rows("inline", "FACT_HAS_FOOTNOTE")
    assert [link["from"] for link in links] == [run.facts("inline")["f-rev"]["id"]]
