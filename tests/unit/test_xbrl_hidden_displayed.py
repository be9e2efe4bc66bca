"""Facts of ``ix:hidden`` that the document displays through EDGAR's ``-sec-ix-hidden``.

AEON's 10-Q (inline) keeps 94 facts in ``ix:hidden`` and names 66 of them in the style of
an element of its body (``<span style="-sec-ix-hidden:Hidden_...;">$</span>``), EDGAR's way
of displaying a hidden fact there (EDGAR Filer Manual 5.2.5.14). An edited copy moves one
such reference from a duration to the CIK, spelt with other properties and spaces; another
spells one reference as CSS also allows, the property in capitals and the value
``!important``; a third names an id no hidden fact has; a fourth styles the paragraph
around one reference ``display : None``, so that reference shows nothing (as filed, none of
AEON's 66 references is in an element so styled: its five ``display:none`` elements are the
``ix:header``'s div and four empty paragraphs). A fifth copy hides facts of the body: the
balance sheet's treasury stock line (two share counts) styled ``display:none`` and the cover
page's address line (city, state, zip code) ``DISPLAY: NONE !important``. (HTML's ``hidden``
attribute cannot be tried on a real filing: the XHTML schema of Inline XBRL has no such
attribute, and the filing is refused as not valid.) Two more read ``visibility``, which
inherits and which an element nearer the fact may set back: in one, the paragraph around
the reference to the days fact and the address line are ``visibility:hidden``, and the
treasury stock line's table cell too, but its paragraph ``visibility:visible``; in the
other, the paragraph around the reference is hidden and the reference's own span visible.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree
from xbrl_samples import AEON, AEON_DOCUMENT, EditedRun, copy_with_edits, edited_copy, run_edited

from xbrl_task.inline_display import referenced_hidden_ids, unseen, value_unseen

DAYS = "Hidden_JAdIuWOvYEq8WQJhQw5q6Q"  # aeon:ThresholdBusinessDaysForPreMoneyValuation...
CIK = "Tc_VY1xYx7k9U2UvS2XEluquw_1_1"
REFERENCE = f'<span style="-sec-ix-hidden:{DAYS};">'
MOVED = f'<span style="font-size:9pt; -sec-ix-hidden : {CIK}">'
SPELT = f'<span style="-SEC-IX-Hidden: {DAYS} !important;">'
MISSPELT = '<span style="-sec-ix-hidden:Hidden_NoSuchFact;">'
# the opening of the paragraph around REFERENCE, and the same paragraph not rendered
PARAGRAPH = 'margin:0pt 0pt 12pt 0pt;">Immediately prior to an initial public offering (&#8220;'
UNRENDERED = PARAGRAPH.replace('0pt;">', '0pt;display : None">')
# paragraphs of the body holding facts, as filed, and the facts in them
TREASURY = 'margin:0pt;">Treasury stock, at cost, <ix'
ADDRESS = (
    "<p style=\"font-family:'Times New Roman','Times','serif';font-size:10pt;"
    'text-align:center;margin:0pt;"><ix:nonNumeric contextRef="Duration_1_1_2023_To_9_30_2023_'
    'Ebj2XMZXPkeeBZsJQEfMqA" name="dei:EntityAddressCityOrTown"'
)
TREASURY_FACTS = ("Narr_32xaVZtSukiEDCrgr83_Ww", "Narr_E31DC5PxW0m2jQblMXUdRg")
ADDRESS_FACTS = (
    "Narr_SPK62lAxQE6OVwpqA0CTgQ",
    "Narr_5GGj6_kmLUmCaDTzVbs4bQ",
    "Narr_yX1qWrdNKUuLD200UapcjQ",
)


def aeon_edited(target: Path, *edits: tuple[str, str]) -> Path:
    """A copy of AEON's package with each ``(old, new)`` made in its document."""
    return copy_with_edits(AEON, target, AEON_DOCUMENT, *edits)


TREASURY_CELL = (
    '<td style="vertical-align:bottom;width:68.37%;background:#cceeff;margin:0pt;padding:0pt;">'
    "<p style=\"font-family:'Times New Roman','Times','serif';font-size:9pt;margin:0pt;\">"
    "Treasury stock, at cost, <ix"
)
# facts of the body in the paragraph around the reference to DAYS; a fifth there
# (Narr_dHBg...) is a complete duplicate of IPO_COPIED's 25,000,000, shown elsewhere
IPO_FACTS = (
    "Narr_0O3-e4qxTEy1dwskN4xIkg",
    "Narr_M60lbc7XXUe3OUZDvTT8wQ",
    "Narr_Gt5HRbWQJUyioqmBwrrXgw",
    "Narr_kNMugFof9UCVvEATJHO2Eg",
)
IPO_COPIED = "Narr_TAbSTGDMJkOdmpISy7TMCw"
INVISIBLE = (
    (PARAGRAPH, PARAGRAPH.replace('0pt;">', '0pt;visibility:hidden">')),
    (ADDRESS, ADDRESS.replace('0pt;">', '0pt;visibility: HIDDEN">')),
    (
        TREASURY_CELL,
        TREASURY_CELL.replace('0pt;">', '0pt;visibility:hidden">', 1).replace(
            'margin:0pt;">', 'margin:0pt;visibility:visible">'
        ),
    ),
)
VISIBLE_AGAIN = (
    (PARAGRAPH, PARAGRAPH.replace('0pt;">', '0pt;visibility:hidden">')),
    (REFERENCE, REFERENCE.replace('style="', 'style="visibility:visible;')),
)
# the cover page's address facts, each content a <b> as filed; its own content hidden:
# wholly (line 1 display:none, the zip code visibility:hidden) or in part (the city's last
# letters display:none; the state's <b> visibility:hidden but a span in it visible)
BOLD = '<b style="font-size:8pt;font-weight:bold;">'
BOLD_NONE = '<b style="font-size:8pt;font-weight:bold;display:none">'
BOLD_INVISIBLE = '<b style="font-size:8pt;font-weight:bold;visibility:hidden">'
LINE1, ZIP = "Narr_0LD7YJfaLk-plGpBbkPbLQ", "Narr_yX1qWrdNKUuLD200UapcjQ"
CITY, STATE = "Narr_SPK62lAxQE6OVwpqA0CTgQ", "Narr_5GGj6_kmLUmCaDTzVbs4bQ"
CONTENT_HIDDEN = (
    (f'"{LINE1}">{BOLD}', f'"{LINE1}">{BOLD_NONE}'),
    (f'"{ZIP}">{BOLD}', f'"{ZIP}">{BOLD_INVISIBLE}'),
    (f'"{CITY}">{BOLD}Irvine', f'"{CITY}">{BOLD}Irv<span style="display:none">ine</span>'),
    (
        f'"{STATE}">{BOLD}CA</b>',
        f'"{STATE}">{BOLD_INVISIBLE}<span style="visibility:visible">CA</span></b>',
    ),
)
BODY_UNRENDERED = (
    (TREASURY, TREASURY.replace(';">', ';display:none">')),
    (ADDRESS, ADDRESS.replace('0pt;">', '0pt;DISPLAY: NONE !important">')),
)


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
            "body-unrendered": lambda t: aeon_edited(t, *BODY_UNRENDERED),
            "invisible": lambda t: aeon_edited(t, *INVISIBLE),
            "visible-again": lambda t: aeon_edited(t, *VISIBLE_AGAIN),
            "content-hidden": lambda t: aeon_edited(t, *CONTENT_HIDDEN),
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
    assert [facts[f]["is_displayed"] for f in IPO_FACTS] == [False] * 4  # of the body
    # the reference still names a fact of ix:hidden: no warning that it names none
    assert not any("-sec-ix-hidden" in w for w in run.manifest("unrendered").warnings_to_act_on)


def test_facts_of_the_body_in_an_element_not_rendered_are_not_displayed(
    run: EditedRun,
) -> None:
    filed, edited = run.facts("filed"), run.facts("body-unrendered")
    unrendered = (*TREASURY_FACTS, *ADDRESS_FACTS)
    assert all(filed[fid]["is_displayed"] for fid in unrendered)
    assert [(edited[f]["is_hidden"], edited[f]["is_displayed"]) for f in unrendered] == [
        (False, False)
    ] * 5
    assert [edited[f]["value_text"] for f in unrendered] == [
        "0", "22821", "Irvine", "CA", "92614",
    ]  # fmt: skip
    # as filed, 952 of AEON's 970 Fact nodes are displayed (the 18 others are hidden)
    assert sum(f["is_displayed"] for f in filed.values()) == 952
    assert sum(f["is_displayed"] for f in edited.values()) == 952 - 5
    assert all(f["is_hidden"] for f in filed.values() if not f["is_displayed"])


def test_facts_and_references_in_an_invisible_element_are_not_displayed(
    run: EditedRun,
) -> None:
    facts = run.facts("invisible")
    invisible = (DAYS, *IPO_FACTS, *ADDRESS_FACTS)
    assert [facts[f]["is_displayed"] for f in invisible] == [False] * 8
    assert [facts[f]["is_hidden"] for f in invisible] == [True] + [False] * 7
    assert [facts[f]["value_text"] for f in IPO_FACTS] == [
        "0.0999", "20000000", "0.15", "200000000",
    ]  # fmt: skip
    # a copy in the invisible paragraph, another seen: the Fact is displayed
    assert (facts[IPO_COPIED]["occurrences"], facts[IPO_COPIED]["is_displayed"]) == (2, True)
    # the cell is hidden, the paragraph in it visible again: its facts are seen
    assert [facts[f]["is_displayed"] for f in TREASURY_FACTS] == [True, True]
    assert sum(f["is_displayed"] for f in facts.values()) == 952 - 8


def test_a_reference_set_back_to_visible_displays_its_fact(run: EditedRun) -> None:
    facts = run.facts("visible-again")
    assert (facts[DAYS]["is_hidden"], facts[DAYS]["is_displayed"]) == (True, True)
    assert [facts[f]["is_displayed"] for f in IPO_FACTS] == [False] * 4
    assert sum(f["is_displayed"] for f in facts.values()) == 952 - 4


def test_a_fact_whose_content_is_wholly_hidden_is_not_displayed(run: EditedRun) -> None:
    filed, facts = run.facts("filed"), run.facts("content-hidden")
    shown = {f: (facts[f]["is_hidden"], facts[f]["is_displayed"]) for f in (LINE1, ZIP)}
    assert shown == {LINE1: (False, False), ZIP: (False, False)}
    assert (filed[LINE1]["is_displayed"], filed[ZIP]["is_displayed"]) == (True, True)
    # the value is what the content holds, hidden or not
    assert (facts[LINE1]["value_text"], facts[ZIP]["value_text"]) == ("5 Park Plaza", "92614")
    assert sum(f["is_displayed"] for f in facts.values()) == 952 - 2


def test_a_fact_whose_content_is_partly_hidden_is_displayed(run: EditedRun) -> None:
    facts = run.facts("content-hidden")
    assert (facts[CITY]["value_text"], facts[CITY]["is_displayed"]) == ("Irvine", True)
    assert (facts[STATE]["value_text"], facts[STATE]["is_displayed"]) == ("CA", True)


def test_a_value_is_seen_where_any_of_its_text_is() -> None:
    root = etree.fromstring(
        '<html xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"><body>'
        '<ix:nonNumeric id="a1"><b style="display:none">all</b> </ix:nonNumeric>'
        '<ix:nonNumeric id="b2"><b style="display:none">part</b>, seen</ix:nonNumeric>'
        '<ix:nonNumeric id="c3"><i style="display:none">x</i><ix:exclude>page 3</ix:exclude>'
        "<!-- a comment -->\n</ix:nonNumeric>"
        '<ix:nonNumeric id="d4" continuedAt="d4c"><i hidden="">start</i></ix:nonNumeric>'
        '<ix:continuation id="d4c"><p>the rest, seen</p></ix:continuation>'
        '<ix:nonNumeric id="e5"></ix:nonNumeric>'
        '<p style="display:none"><ix:nonNumeric id="f6"></ix:nonNumeric></p>'
        "</body></html>"
    )
    elements = {e.get("id"): e for e in root.iter("{*}nonNumeric", "{*}continuation")}
    chains = {fid: [elements[fid]] for fid in ("a1", "b2", "c3", "e5", "f6")}
    chains["d4"] = [elements["d4"], elements["d4c"]]
    unseen_ids = sorted(fid for fid, chain in chains.items() if value_unseen(chain))
    # a1: only whitespace is seen; c3: an ix:exclude text is no value; f6: no text, in
    # an element not rendered
    assert unseen_ids == ["a1", "c3", "f6"]


def test_visibility_is_decided_by_the_declaration_nearest_the_element() -> None:
    root = etree.fromstring(
        '<html xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"><body>'
        '<div style="visibility:hidden">'
        '<span style="-sec-ix-hidden:a1">hidden by its parent</span>'
        '<ix:nonFraction id="f1">1</ix:nonFraction>'
        '<p style="visibility:visible"><span style="-sec-ix-hidden:b2">set back</span>'
        '<ix:nonFraction id="f2">2</ix:nonFraction></p>'
        '<span style="visibility:inherit;-sec-ix-hidden:c3">inherits hidden</span>'
        '<span style="visibility:visible !important; visibility:hidden;-sec-ix-hidden:d4">'
        "!important wins</span>"
        '<span style="visibility:visible; visibility:nowhere;-sec-ix-hidden:e5">'
        "an invalid value is dropped</span>"
        "</div>"
        '<div style="visibility:visible"><p style="VISIBILITY: Collapse">'
        '<span style="-sec-ix-hidden:g7">collapse hides</span>'
        '<ix:nonFraction id="f3">3</ix:nonFraction></p></div>'
        '<span style="visibility:hidden;-sec-ix-hidden:h8">itself hidden</span>'
        '<div style="display:none"><span style="visibility:visible;-sec-ix-hidden:i9">'
        "display:none is not undone</span></div>"
        '<span style="-sec-ix-hidden:j10">a sibling</span>'
        '<ix:nonFraction id="f4">4</ix:nonFraction>'
        "</body></html>"
    )
    assert referenced_hidden_ids([root]) == {"b2", "d4", "e5", "j10"}
    unseen_ids = [e.get("id") for e in root.iter("{*}nonFraction") if unseen(e)]
    assert unseen_ids == ["f1", "f3"]


def test_an_element_inside_one_not_rendered_is_unseen() -> None:
    root = etree.fromstring(
        '<html xmlns:ix="http://www.xbrl.org/2013/inlineXBRL"><body>'
        '<div hidden=""><p><ix:nonFraction id="a1">1</ix:nonFraction></p></div>'
        '<p style="display:none"><ix:nonFraction id="b2">2</ix:nonFraction></p>'
        '<p style="display:none; display:block"><ix:nonFraction id="c3">3</ix:nonFraction></p>'
        '<p><ix:nonFraction id="d4">4</ix:nonFraction></p>'
        "</body></html>"
    )
    unseen_ids = [e.get("id") for e in root.iter("{*}nonFraction") if unseen(e)]
    assert unseen_ids == ["a1", "b2"]


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
        "</body></html>"
    )
    assert referenced_hidden_ids([root]) == {"d4"}
