"""Plain-text renderings of the HTML that text blocks and footnotes carry.

The HTML stays in the graph as filed; the plain text is what a search index or a person
reading a query result wants: tags dropped, one line per block (paragraph, row, list item),
cells separated by a tab, whitespace runs collapsed, character entities decoded.
"""

from __future__ import annotations

import html as entities
import re

from lxml import etree, html

_BLOCKS = frozenset(("p", "div", "br", "tr", "li", "table", "ul", "ol", "dl", "dt", "dd"))
_BLOCKS = _BLOCKS | {"h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "section"}
_CELLS = frozenset(("td", "th"))
_SPACES = re.compile(r"[ \u00a0\u2009\u202f]+")
_TAG = re.compile(r"<[^>]+>")


def looks_like_html(text: str) -> bool:
    """True for text that carries markup (an escaped text block, an XHTML footnote)."""
    stripped = text.lstrip()
    return stripped.startswith("<") and ">" in stripped


def plain_text(markup: str) -> str:
    """The text of an HTML fragment, one line per block, without tags."""
    try:
        root = html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return _tidy(entities.unescape(_TAG.sub(" ", markup)))
    parts: list[str] = []
    _walk(root, parts)
    return _tidy("".join(parts))


def _walk(element: etree._Element, parts: list[str]) -> None:
    tag = _local(element)
    if element.text:
        parts.append(element.text)
    for child in element:
        if not isinstance(child.tag, str):  # comments, processing instructions
            if child.tail:
                parts.append(child.tail)
            continue
        _walk(child, parts)
        if child.tail:
            parts.append(child.tail)
    if tag in _BLOCKS:
        parts.append("\n")
    elif tag in _CELLS:
        parts.append("\t")


def _local(element: etree._Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag.rpartition("}")[2].lower()


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip(" ") for line in text.replace("\r", "").split("\n"))
    return "\n".join(line.strip("\t ") for line in lines if line.strip("\t "))
