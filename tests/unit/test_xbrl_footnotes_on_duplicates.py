"""A footnote attached to a complete duplicate reaches the one Fact row both copies become.

Copies of bundled filings, edited. Tesla's 10-Q (classic) gets a second
us-gaap:Revenues of context c-304 equal in every respect to f-1085 (id f-dup), and a
footnote link whose one footnote is attached to f-dup and to f-1086. AEON's 10-Q (inline)
already holds two identical diluted share counts (Hidden__c_rd... and Hidden_3cG...,
138,848,177 for 2023-01-01 to 2023-07-21); it gets one footnote attached to the second
copy only and another attached to both.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xbrl_samples import (
    AEON,
    AEON_DOCUMENT,
    FACT_FOOTNOTE,
    TESLA,
    TESLA_INSTANCE,
    EditedRun,
    edited_copy,
    run_edited,
)

TESLA_DUPLICATE = (
    '<us-gaap:Revenues contextRef="c-304" decimals="-6" id="f-dup" unitRef="usd">'
    "22486000000</us-gaap:Revenues>"
)
TESLA_FOOTNOTES = f"""<link:footnoteLink xlink:type="extended"
  xlink:role="http://www.xbrl.org/2003/role/link">
<link:loc xlink:type="locator" xlink:href="#f-dup" xlink:label="dup"/>
<link:loc xlink:type="locator" xlink:href="#f-1086" xlink:label="next"/>
<link:footnote xlink:type="resource" xlink:label="note"
  xlink:role="http://www.xbrl.org/2003/role/footnote" xml:lang="en-US"
  id="fn-credits">Includes regulatory credits.</link:footnote>
<link:footnoteArc xlink:type="arc" xlink:arcrole="{FACT_FOOTNOTE}" xlink:from="dup"
  xlink:to="note"/>
<link:footnoteArc xlink:type="arc" xlink:arcrole="{FACT_FOOTNOTE}" xlink:from="next"
  xlink:to="note"/>
</link:footnoteLink>
"""
AEON_KEPT, AEON_COPY = "Hidden__c_rdPsOzUWyH7u-zrwp1w", "Hidden_3cGcrTy2vka94-EW_eHymQ"
AEON_RELATIONSHIPS = (
    f'<ix:relationship fromRefs="{AEON_COPY}" toRefs="fn-copy" arcrole="{FACT_FOOTNOTE}"/>'
    f'<ix:relationship fromRefs="{AEON_KEPT} {AEON_COPY}" toRefs="fn-both" '
    f'arcrole="{FACT_FOOTNOTE}"/>'
)
AEON_NOTES = (
    '<p><ix:footnote id="fn-copy" xml:lang="en">Weighted for the period before the '
    'merger.</ix:footnote></p><p><ix:footnote id="fn-both" xml:lang="en">Restated for the '
    "exchange ratio.</ix:footnote></p>"
)


def tesla_with_footnoted_duplicate(target: Path) -> Path:
    added = f"{TESLA_DUPLICATE}\n{TESLA_FOOTNOTES}</xbrl>"
    return edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", added)


def aeon_with_footnoted_duplicate(target: Path) -> Path:
    end = "</ix:resources></ix:header></div>"
    return edited_copy(AEON, target, AEON_DOCUMENT, end, f"{AEON_RELATIONSHIPS}{end}{AEON_NOTES}")


class Run(EditedRun):
    def footnoted(self, name: str) -> set[tuple[str, str]]:
        """(fact_xml_id, footnote_xml_id) of every FACT_HAS_FOOTNOTE row."""
        facts = {f["id"]: f["fact_xml_id"] for f in self.rows(name, "Fact")}
        notes = {n["id"]: n["footnote_xml_id"] for n in self.rows(name, "Footnote")}
        links = self.rows(name, "FACT_HAS_FOOTNOTE")
        assert all(link["arcrole"] == FACT_FOOTNOTE for link in links)
        pairs = [(facts[link["from"]], notes[link["to"]]) for link in links]
        assert len(pairs) == len(set(pairs)), "a fact links to a footnote twice"
        return set(pairs)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    editors = {"tesla": tesla_with_footnoted_duplicate, "aeon": aeon_with_footnoted_duplicate}
    done = run_edited(tmp_path_factory.mktemp("footnotes"), editors, "xbrl_footnotes")
    assert set(done.statuses.values()) == {"processed"}
    return Run(done.store, done.units, done.statuses)


def test_a_classic_footnote_on_a_duplicate_links_to_the_kept_fact(run: Run) -> None:
    facts = run.facts("tesla")
    assert "f-dup" not in facts
    kept = facts["f-1085"]
    assert (kept["occurrences"], kept["context_id"], str(kept["value_decimal"])) == (
        2,
        "c-304",
        "22486000000.000000000000",
    )
    assert run.footnoted("tesla") == {("f-1085", "fn-credits"), ("f-1086", "fn-credits")}
    (note,) = run.rows("tesla", "Footnote")
    assert (note["text_plain"], note["lang"]) == ("Includes regulatory credits.", "en-US")


def test_the_classic_duplicate_is_counted_as_collapsed(run: Run) -> None:
    counts = run.manifest("tesla").facts
    assert counts.reconciles() and counts.in_document == 1149 + 1
    assert (counts.extracted, counts.duplicates_collapsed) == (1045, 90 + 1)


def test_an_inline_footnote_on_a_duplicate_links_to_the_kept_fact_once(run: Run) -> None:
    facts = run.facts("aeon")
    assert AEON_COPY not in facts
    kept = facts[AEON_KEPT]
    assert (kept["occurrences"], str(kept["value_decimal"])) == (
        2,
        "138848177.000000000000",
    )
    # fn-both is attached to both copies: still one relationship row
    assert run.footnoted("aeon") == {(AEON_KEPT, "fn-copy"), (AEON_KEPT, "fn-both")}
    notes = {n["footnote_xml_id"]: n["text_plain"] for n in run.rows("aeon", "Footnote")}
    assert notes == {
        "fn-copy": "Weighted for the period before the merger.",
        "fn-both": "Restated for the exchange ratio.",
    }
