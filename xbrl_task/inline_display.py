"""Which facts of ``ix:hidden`` the displayed document shows, by EDGAR's style property.

EDGAR lets a filer keep a fact in ``ix:hidden`` and display it elsewhere: an element of the
document whose ``style`` carries ``-sec-ix-hidden:<id>`` shows that fact there (EDGAR Filer
Manual 5.2.5.14; EDGAR's viewer marks such facts "referenced inline"). Such a fact is
hidden as Inline XBRL places it, yet a reader of the document sees it.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

_PROPERTY = "-sec-ix-hidden"
_CARRIERS = etree.XPath("descendant-or-self::*[contains(@style, '-sec-ix-hidden')]")


def referenced_hidden_ids(roots: Iterable[etree._Element]) -> frozenset[str]:
    """The fact ids a ``-sec-ix-hidden`` style property names in the documents under
    ``roots`` (an inline document set's html elements); empty for a classic instance."""
    found: set[str] = set()
    for root in roots:
        for element in _CARRIERS(root):
            named = _named_id(element.get("style", ""))
            if named:
                found.add(named)
    return frozenset(found)


def _named_id(style: str) -> str | None:
    """The id the style's ``-sec-ix-hidden`` declaration names (the last one, as CSS reads
    a property declared twice), or None."""
    named = None
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if colon and name.strip() == _PROPERTY and value.strip():
            named = value.strip()
    return named
