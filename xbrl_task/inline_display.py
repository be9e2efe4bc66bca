"""Which facts of ``ix:hidden`` the displayed document shows, by EDGAR's style property.

EDGAR lets a filer keep a fact in ``ix:hidden`` and display it elsewhere: an element of the
document whose ``style`` carries ``-sec-ix-hidden:<id>`` shows that fact there (EDGAR Filer
Manual 5.2.5.14; EDGAR's viewer marks such facts "referenced inline"). Such a fact is
hidden as Inline XBRL places it, yet a reader of the document sees it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree

# EDGAR's validator reads the property so: the last declaration in a style names one id
_SEC_IX_HIDDEN = re.compile(r"(?:.*[^\w]|^)-sec-ix-hidden\s*:\s*([\w.-]+)", re.DOTALL)
_CARRIERS = etree.XPath("descendant-or-self::*[contains(@style, '-sec-ix-hidden')]")


def referenced_hidden_ids(roots: Iterable[etree._Element]) -> frozenset[str]:
    """The fact ids a ``-sec-ix-hidden`` style property names in the documents under
    ``roots`` (an inline document set's html elements); empty for a classic instance."""
    found: set[str] = set()
    for root in roots:
        for element in _CARRIERS(root):
            match = _SEC_IX_HIDDEN.match(element.get("style", ""))
            if match is not None:
                found.add(match.group(1))
    return frozenset(found)
