"""Which inline facts a reader of the displayed document sees.

A fact of the body (outside ``ix:hidden``) is seen where it stands, unless it sits in an
element that is not rendered (``display:none`` or HTML's ``hidden`` attribute on it or an
ancestor) or that is invisible (``visibility:hidden``, unless an element nearer to it sets
``visibility:visible`` back): a browser shows nothing of it, so nobody reads that value.
Nor when its own content is wholly hidden so (``<ix:nonNumeric><b style="display:none">``):
a fact is seen when any text of its value is (``value_unseen``), so one hidden in part is.

EDGAR lets a filer keep a fact in ``ix:hidden`` and display it elsewhere: an element of the
document whose ``style`` carries ``-sec-ix-hidden:<id>`` shows that fact there (EDGAR Filer
Manual 5.2.5.14; EDGAR's viewer marks such facts "referenced inline"). Such a fact is
hidden as Inline XBRL places it, yet a reader of the document sees it, unless the element
naming it is itself not rendered or invisible, by the same rule as a fact of the body.

Only inline ``style`` attributes are read, never style sheets.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator

from lxml import etree

from ledgergraph.messages import first_named
from xbrl_task.model import FactInfo

_PROPERTY = "-sec-ix-hidden"
_IX_EXCLUDE = frozenset(
    f"{{{ns}}}exclude"
    for ns in ("http://www.xbrl.org/2013/inlineXBRL", "http://www.xbrl.org/2008/inlineXBRL")
)
_LISTED = 10
_IMPORTANT = re.compile(r"!\s*important\s*$", re.IGNORECASE)
_COMMENT = re.compile(r"/\*.*?(\*/|$)", re.DOTALL)  # CSS reads an unclosed one to the end
# the keywords of CSS's visibility: True shows, False hides, None defers to the parent
# (revert: browsers' own style sheets set no visibility, so the inherited value)
_VISIBLE = {
    "visible": True,
    "initial": True,
    "hidden": False,
    "collapse": False,
    "inherit": None,
    "unset": None,
    "revert": None,
    "revert-layer": None,
}


def referenced_hidden_ids(roots: Iterable[etree._Element]) -> frozenset[str]:
    """The fact ids a ``-sec-ix-hidden`` style property names in the documents under
    ``roots`` (an inline document set's html elements) on an element a reader sees;
    empty for a classic instance.

    A carrier a reader does not see (``unseen``) displays nothing, so the fact it names is
    not displayed by it.
    """
    found: set[str] = set()
    for root in roots:
        # CSS property names are ASCII case-insensitive (-SEC-IX-HIDDEN is the property
        # too); a walk lower-casing each style took 5 ms on AEON's 10-Q, an XPath
        # translate() of every style 69 ms
        for element in root.iter(etree.Element):
            style = element.get("style")
            if style and _PROPERTY in style.lower():
                named = _declared(style, _PROPERTY)
                if named and not unseen(element):
                    found.add(named)
    return frozenset(found)


def unseen(element: etree._Element) -> bool:
    """Whether a reader sees nothing of ``element`` (a fact of the body, or an element
    carrying a ``-sec-ix-hidden`` reference), reading inline ``style`` attributes as CSS
    reads a declaration block (keywords in any case, ``NONE`` too).

    Not rendered: it or one of its ancestors is styled ``display:none`` or carries HTML's
    ``hidden`` attribute; a browser then renders none of it, whatever its descendants
    declare. Invisible: ``visibility`` is inherited and a descendant may set it back, so
    the declaration nearest to it, on itself or an ancestor, decides: ``hidden`` or
    ``collapse`` hide it, ``visible`` shows it (``inherit`` and ``unset`` defer to the
    parent; none at all is visible).
    """
    visible = None
    for styled in (element, *element.iterancestors()):
        if styled.get("hidden") is not None:
            return True
        style = styled.get("style")
        if not style:
            continue
        lowered = style.lower()
        if "display" in lowered:
            display = _declared(style, "display")
            if display and display.lower() == "none":
                return True
        if visible is None and "visibility" in lowered:
            visible = _VISIBLE.get((_declared(style, "visibility", _VISIBLE) or "").lower())
    return visible is False


def value_unseen(elements: Iterable[etree._Element]) -> bool:
    """Whether a reader sees none of a fact's value: ``elements`` are the fact element of
    the body and its ``ix:continuation`` elements, in order.

    The value is the text they hold, nested facts' included and ``ix:exclude`` content
    left out (Inline XBRL 1.1). It is seen when any of that text (other than whitespace)
    stands in an element a reader sees (``unseen``): a value shown only in part is
    displayed. A fact of no text at all is seen when its element is.
    """
    elements = list(elements)
    found = False
    for owner in (o for e in elements for o in _text_owners(e)):
        if not unseen(owner):
            return False
        found = True
    return found or unseen(elements[0])


def _text_owners(element: etree._Element) -> Iterator[etree._Element]:
    """The elements holding each non-blank text of ``element``'s value, in document order:
    its own text and its children's tails are its; ``ix:exclude`` content is no value."""
    if element.text and element.text.strip():
        yield element
    # NOTE: not ``for child in element``: Arelle's facts iterate their tuple's members
    for child in element.iterchildren():
        # a comment or processing instruction holds no content, but its tail is text
        if isinstance(child.tag, str) and child.tag not in _IX_EXCLUDE:
            yield from _text_owners(child)
        if child.tail and child.tail.strip():
            yield element


def _declared(style: str, prop: str, keywords: Container[str] | None = None) -> str | None:
    """The value the style declares for the lower-case property ``prop``, or None, read
    as CSS reads a declaration block: the property name in any case, ``!important`` not
    part of the value, and of several declarations the last ``!important`` one, else the
    last. With ``keywords`` (lower case), a value that is none of them is dropped, as CSS
    drops an invalid declaration, so an earlier valid one stands."""
    named = important = None
    for declaration in _COMMENT.sub("", style).split(";"):
        name, colon, value = declaration.partition(":")
        if not colon or name.strip().lower() != prop:
            continue
        value, flagged = _IMPORTANT.subn("", value.strip())
        value = value.strip()
        if not value or (keywords is not None and value.lower() not in keywords):
            continue
        if flagged:
            important = value
        else:
            named = value
    return important or named


def unmatched_reference_warnings(
    references: frozenset[str], facts: Iterable[FactInfo]
) -> list[str]:
    """A warning to act on for ``-sec-ix-hidden`` references that name no fact of
    ``ix:hidden``: the fact the filer meant to display is not marked displayed (a typo in
    the id, or a fact the body shows already); empty when every reference matches."""
    hidden = {f.xml_id for f in facts if f.inline is not None and f.inline.is_hidden}
    unmatched = sorted(references - hidden)
    if not unmatched:
        return []
    named = first_named(unmatched, _LISTED)
    return [
        f"{len(unmatched)} -sec-ix-hidden style reference(s) name no fact of ix:hidden "
        f"({named}): EDGAR displays only a hidden fact so (EDGAR Filer Manual "
        "5.2.5.14); no fact is marked displayed by them; correct the ids in the document"
    ]
