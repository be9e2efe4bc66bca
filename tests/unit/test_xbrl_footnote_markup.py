"""What ``Footnote.text`` keeps of a footnote's markup: copies of bundled filings, edited.

No bundled filing has a footnote. Tesla's 10-Q (classic) gets a footnote link whose
footnote holds prefixed XHTML (``<xhtml:b xmlns:xhtml=...>``, as a tester filed it), XHTML
in the default namespace, escaped characters, a no-break space, empty and void elements,
an element of another namespace and whitespace at both ends; AEON's 10-Q (inline) an
``ix:footnote`` with attributes, a link, a void element and an ``ix:exclude``. The text
is the content as HTML, normalised as the graph schema document says (Footnote text):
these tests hold the graph to each point it makes.
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

from ledgergraph.schema_doc import render

XHTML = "http://www.w3.org/1999/xhtml"
PREFIXED = f'xmlns:xhtml="{XHTML}"'
TESLA_NOTE = (
    f'  Includes <xhtml:b {PREFIXED} id="a" class="x">regulatory</xhtml:b> '
    f'<b xmlns="{XHTML}">credits</b> &amp; &lt;more&gt;<xhtml:br {PREFIXED}/>'
    f"<xhtml:p {PREFIXED}>Second</xhtml:p><xhtml:span {PREFIXED}/>&#160;"
    '<other:mark xmlns:other="urn:example:other">x</other:mark>.\n  '
)
TESLA_FOOTNOTES = f"""<link:footnoteLink xlink:type="extended"
  xlink:role="http://www.xbrl.org/2003/role/link">
<link:loc xlink:type="locator" xlink:href="#f-1086" xlink:label="fact"/>
<link:footnote xlink:type="resource" xlink:label="note"
  xlink:role="http://www.xbrl.org/2003/role/footnote" xml:lang="en-US"
  id="fn-credits">{TESLA_NOTE}</link:footnote>
<link:footnoteArc xlink:type="arc" xlink:arcrole="{FACT_FOOTNOTE}" xlink:from="fact"
  xlink:to="note"/>
</link:footnoteLink>
"""
AEON_FACT = "Hidden_3cGcrTy2vka94-EW_eHymQ"
AEON_RELATIONSHIP = (
    f'<ix:relationship fromRefs="{AEON_FACT}" toRefs="fn-weighted" arcrole="{FACT_FOOTNOTE}"/>'
)
AEON_NOTE = (
    '<p><ix:footnote id="fn-weighted" xml:lang="en">  Weighted <b id="q" class="x">for</b> '
    'the &amp; <br/><span style="color:red">period</span> <a href="other.htm#x">note</a>'
    "<ix:exclude> (draft)</ix:exclude>.</ix:footnote></p>"
)


def tesla_with_footnote(target: Path) -> Path:
    return edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{TESLA_FOOTNOTES}</xbrl>")


def aeon_with_footnote(target: Path) -> Path:
    end = "</ix:resources></ix:header></div>"
    added = f"{AEON_RELATIONSHIP}{end}{AEON_NOTE}"
    return edited_copy(AEON, target, AEON_DOCUMENT, end, added)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"tesla": tesla_with_footnote, "aeon": aeon_with_footnote}
    done = run_edited(tmp_path_factory.mktemp("footnote_markup"), editors, "xbrl_footnote")
    assert done.statuses == {"tesla": "processed", "aeon": "processed"}
    return done


def test_a_classic_footnotes_xhtml_is_stored_as_html_without_prefixes(run: EditedRun) -> None:
    (note,) = run.rows("tesla", "Footnote")
    assert note["text"] == (
        'Includes <b class="x" id="a">regulatory</b> <b>credits</b> &amp; &lt;more&gt;<br/>'
        "<p>Second</p><span></span>\u00a0<other:mark>x</other:mark>."
    )
    assert note["text_plain"] == "Includes regulatory credits & <more>\nSecond\nx."
    assert (note["footnote_xml_id"], note["lang"]) == ("fn-credits", "en-US")


def test_an_inline_footnote_is_stored_as_html_the_same_way(run: EditedRun) -> None:
    (note,) = run.rows("aeon", "Footnote")
    assert note["text"] == (
        'Weighted <b class="x" id="q">for</b> the &amp; <br/><span style="color:red">period'
        '</span> <a href="other.htm#x">note</a>.'
    )
    assert note["text_plain"] == "Weighted for the &\nperiod note."
    assert run.manifest("aeon").warnings_to_act_on == []  # ix:exclude is allowed there


def test_the_schema_document_says_what_the_footnote_text_is() -> None:
    """The column promised "content as filed (XHTML)", which a prefixed element is not."""
    document = render()
    assert "content as filed (XHTML)" not in document
    assert "`<xhtml:b>` is `<b>`" in document
