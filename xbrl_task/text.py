"""Plain-text renderings of the HTML that text blocks and footnotes carry.

The HTML stays in the graph as filed; the plain text is what a search index or a person
reading a query result wants: tags dropped, one line per block (paragraph, row, list item),
cells separated by a tab, whitespace runs collapsed, character entities decoded.
"""

from __future__ import annotations

import html as entities
import re

from lxml import etree

_BLOCKS = ("p", "div", "br", "tr", "li", "table", "ul", "ol", "dl", "dt", "dd", "h1", "h2")
_BLOCKS += ("h3", "h4", "h5", "h6", "blockquote", "pre", "section")
_CELLS = ("td", "th")
_PARSER = etree.HTMLParser(recover=True, remove_comments=True, remove_pis=True)
_SPACES = re.compile(r"[ \u00a0\u2009\u202f]+")
_TAG = re.compile(r"<[^>]+>")


def looks_like_html(text: str) -> bool:
    """True for text that carries markup (an escaped text block, an XHTML footnote)."""
    stripped = text.lstrip()
    return stripped.startswith("<") and ">" in stripped


def plain_text(markup: str) -> str:
    """The text of an HTML fragment, one line per block, without tags.

    Block boundaries become newlines and cells tabs by editing the parsed tree, and lxml
    then serialises the text in C: a Python walk over every element of a large table costs
    ten times as much.
    """
    root = etree.fromstring(f"<div>{markup}</div>", _PARSER) if markup.strip() else None
    if root is None:
        return _tidy(entities.unescape(_TAG.sub(" ", markup)))
    for element in root.iter(*_BLOCKS):
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    for element in root.iter(*_CELLS):
        element.tail = "\t" + (element.tail or "")
    return _tidy(etree.tostring(root, method="text", encoding="unicode"))


def _tidy(text: str) -> str:
    # one regex pass over the whole text: no space run the pattern matches crosses a line
    spaced = _SPACES.sub(" ", text.replace("\r", ""))
    lines = (line.strip("\t ") for line in spaced.split("\n"))
    return "\n".join(line for line in lines if line)
