"""Facts of ``ix:hidden`` that the document displays through EDGAR's ``-sec-ix-hidden``.

AEON's 10-Q (inline) keeps 94 facts in ``ix:hidden`` and names 66 of them in the style of
an element of its body (``<span style="-sec-ix-hidden:Hidden_...;">$</span>``), EDGAR's way
of displaying a hidden fact there (EDGAR Filer Manual 5.2.5.14). An edited copy moves one
such reference from a duration to the CIK, spelt with other properties and spaces; another
spells one reference as CSS also allows, the property in capitals and the value
``!important``; a third names an id no hidden fact has; a fourth styles the paragraph
around one reference ``display : None``, so that reference shows nothing (as filed, none of
AEON's 66 references is in an element so styled: its five ``display:none`` elements are the
``ix:header``'s div and four empty paragraphs).
"""

from __future__ import annotations

import pytest
from lxml import etree
from xbrl_samples import AEON, AEON_DOCUMENT, EditedRun, edited_copy, run_edited

from xbrl_task.inline_display import referenced_hidden_ids

DAYS = "Hidden_JAdIuWOvYEq8WQJhQw5q6Q"  # aeon:ThresholdBusinessDaysForPreMoneyValuation...
CIK = "Tc_VY1xYx7k9U2UvS2XEluquw_1_1"
REFERENCE = f'<span style="-sec-ix-hidden:{DAYS};">'
MOVED = f'<span style="font-size:9pt; -sec-ix-hidden : {CIK}">'
SPELT = f'<span style="-SEC-IX-Hidden: {DAYS} !important;">'
MISSPELT = '<span style="-sec-ix-hidden:Hidden_NoSuchFact;">'
# the opening of the paragraph around REFERENCE, and the same paragraph not rendered
PARAGRAPH = 'margin:0pt 0pt 12pt 0pt;">Immediately prior to an initial public offering (&#8220;'
UNRENDERED = PARAGRAPH.replace('0pt;">', '0pt;display : None">')


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    root = tmp_path_factory.mktemp("hidden")
    return run_edited(
        root,
        {
            "filed": lambda t: edited_copy(AEON, t, AEON_DOCUMENT, "", ""),
            "moved": lambda t: edited_copy(AEON, t, AEON_DOCUMENT, REFERENCE, MOVED),
            "spelt": lambda t: edited_copy(AEON, t, AEON_DOCUMENT, REFERENCE, SPELT),
            "misspelt": lambda t: edited_copy(AEON, t, AEON_DOCUMENT, REFERENCE, MISSPELT),
            "unrendered": lambda t: edited_copy(AEON, t, AEON_DOCUMENT, PARAGRAPH, UNRENDERED),
        },
        "xbrl_hidden",
    )


def test_hidden_facts_the_document_names_are_displayed(run: EditedRun) -> None:
    facts = run.facts("filed")
    hidden = [f for f in facts.values() if f["is_hidden"]]
    assert len(hidden) == 77
    assert sum(f["is_displayed"] for f in hidden) == 59
    days = facts[DAYS]
    assert (days["is_hidden"], days["is_displayed"], days["value_text"]) == (True, True, "P5D")
    cik = facts[CIK]
    assert (cik["is_hidden"], cik["is_displayed"], cik["value_text"]) == (
        True,
        False,
        "0001837607",
    )
    # every fact of the body is displayed; no classic column leaks into an inline row
    assert all(f["is_displayed"] for f in facts.values() if f["is_hidden"] is False)
    assert all(f["is_displayed"] is not None for f in facts.values())


def test_a_hidden_fact_is_displayed_when_a_complete_duplicate_of_it_is_named(
    run: EditedRun,
) -> None:
    # Hidden_1cwyi... (income tax 0, Q3 2022) is not named itself; its copy in ix:hidden is
    fact = run.facts("filed")["Hidden_1cwyi4NJiUi3BnkoaW7Ing"]
    assert (fact["is_hidden"], fact["is_displayed"], fact["occurrences"]) == (True, True, 2)


def test_the_reference_decides_not_the_place(run: EditedRun) -> None:
    facts = run.facts("moved")
    assert (facts[DAYS]["is_hidden"], facts[DAYS]["is_displayed"]) == (True, False)
    assert (facts[CIK]["is_hidden"], facts[CIK]["is_displayed"]) == (True, True)
    hidden = [f for f in facts.values() if f["is_hidden"]]
    assert sum(f["is_displayed"] for f in hidden) == 59  # one lost, one gained
    assert facts[DAYS]["value_text"] == "P5D"  # the value is not what changed


def test_the_property_in_capitals_and_important_still_displays_the_fact(
    run: EditedRun,
) -> None:
    facts = run.facts("spelt")
    assert (facts[DAYS]["is_hidden"], facts[DAYS]["is_displayed"]) == (True, True)
    hidden = [f for f in facts.values() if f["is_hidden"]]
    assert sum(f["is_displayed"] for f in hidden) == 59  # as filed


def test_a_reference_to_no_hidden_fact_is_a_warning_to_act_on(run: EditedRun) -> None:
    facts = run.facts("misspelt")
    assert (facts[DAYS]["is_hidden"], facts[DAYS]["is_displayed"]) == (True, False)
    assert run.manifest("misspelt").warnings_to_act_on == [
        "1 -sec-ix-hidden style reference(s) name no fact of ix:hidden (Hidden_NoSuchFact): "
        "EDGAR displays only a hidden fact so (EDGAR Filer Manual 5.2.5.14); no fact is "
        "marked displayed by them; correct the ids in the document"
    ]
    # as filed, every one of AEON's 66 references names a fact of ix:hidden
    assert not any("-sec-ix-hidden" in w for w in run.manifest("filed").warnings_to_act_on)


def test_a_reference_inside_an_element_not_rendered_displays_nothing(run: EditedRun) -> None:
    facts = run.facts("unrendered")
    assert (facts[DAYS]["is_hidden"], facts[DAYS]["is_displayed"]) == (True, False)
    hidden = [f for f in facts.values() if f["is_hidden"]]
    assert sum(f["is_displayed"] for f in hidden) == 58  # 59 as filed
    # the reference still names a fact of ix:hidden: no warning that it names none
    assert not any("-sec-ix-hidden" in w for w in run.manifest("unrendered").warnings_to_act_on)


def test_a_carrier_styled_or_inside_display_none_names_no_displayed_fact() -> None:
    root = etree.fromstring(
        "<html><body>"
        '<div style="display:none"><p><span style="-sec-ix-hidden:a1">x</span></p></div>'
        '<span style="-sec-ix-hidden:b2; DISPLAY: NONE">itself not rendered</span>'
        '<div style="display:none"><p style="display:block">'
        '<span style="-sec-ix-hidden:c3">a descendant cannot undo it</span></p></div>'
        '<div style="display:none; display:inline"><span style="-sec-ix-hidden:d4">'
        "the last declaration wins</span></div>"
        '<div style="display:none !important; display:block">'
        '<span style="-sec-ix-hidden:e5">!important wins</span></div>'
        '<div style="display:none"></div><span style="-sec-ix-hidden:g7">a sibling</span>'
        "</body></html>"
    )
    assert referenced_hidden_ids([root]) == {"d4", "g7"}


def test_the_property_is_read_as_edgars_validator_reads_it() -> None:
    root = etree.fromstring(
        "<html><body>"
        '<span style="-sec-ix-hidden:a1;">x</span>'
        '<p style="color:red;-sec-ix-hidden: b.2 ">y</p>'
        '<td style="-sec-ix-hidden:c3; -sec-ix-hidden:d4">z</td>'
        '<i style="x-sec-ix-hidden:e5">not the property</i>'
        '<b style="-esef-ix-hidden:f6">another regulator\'s</b>'
        '<u style="-SEC-IX-HIDDEN:g7">CSS property names ignore case</u>'
        '<s style="-sec-ix-hidden: h8 !important">not part of the value</s>'
        '<em style="-sec-ix-hidden:i9 ! IMPORTANT; -Sec-Ix-Hidden:j10">important wins</em>'
        '<q style="-sec-ix-hidden:!important">no id</q>'
        "</body></html>"
    )
    assert referenced_hidden_ids([root]) == {"a1", "b.2", "d4", "g7", "h8", "i9"}
    assert referenced_hidden_ids([]) == frozenset()


def test_the_hidden_attribute_and_css_comments_are_read_as_a_browser_reads_them() -> None:
    root = etree.fromstring(
        "<html><body>"
        '<div hidden=""><span style="-sec-ix-hidden:a1">inside an element marked hidden</span>'
        '</div><span hidden="hidden" style="-sec-ix-hidden:b2">itself hidden</span>'
        '<div style="display:/*c*/none"><span style="-sec-ix-hidden:c3">x</span></div>'
        '<span style="-sec-ix-hidden:/* the id: */d4">a comment is no part of the id</span>'
        '<span style="/* -sec-ix-hidden:e5 */ color:red">a commented-out reference</span>'
        '<div style="visibility:hidden"><span style="-sec-ix-hidden:f6">not read</span></div>'
        "</body></html>"
    )
    assert referenced_hidden_ids([root]) == {"d4", "f6"}
