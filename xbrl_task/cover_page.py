"""The dei facts that say which report a document is, read without loading its DTS.

Document type, period of report, fiscal focus and amendment flag tell two packages of the
same report apart from two reports, when no accession number does. A streaming lxml scan
of the entry point finds them in well under a second; an inline value goes through its
transformation format (XBRL International's registries as Arelle holds them, and the
SEC's), so it reads as the XBRL task's Report row states it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from arelle import FunctionIxt
from arelle.formula.XPathContext import FunctionArgType
from lxml import etree

from ledgergraph.errors import FilingError
from xbrl_task.sec_transforms import SEC_TRANSFORMS, SEC_TRANSFORMS_NAMESPACE

COVER_NAMES = (
    "DocumentType",
    "DocumentPeriodEndDate",
    "DocumentFiscalYearFocus",
    "DocumentFiscalPeriodFocus",
    "AmendmentFlag",
)
_IX_NAMESPACES = (
    "http://www.xbrl.org/2013/inlineXBRL",
    "http://www.xbrl.org/2008/inlineXBRL",
)
_IX_FACT_TAGS = ("nonNumeric", "nonFraction")
_IX_FACTS = {f"{{{ns}}}{tag}" for ns in _IX_NAMESPACES for tag in _IX_FACT_TAGS}
_IX_EXCLUDE = {f"{{{ns}}}exclude" for ns in _IX_NAMESPACES}


def read_cover_facts(path: Path) -> dict[str, str | None]:
    """dei local name -> the first value in ``path`` of each of ``COVER_NAMES`` found.

    A value whose transformation format is unknown or refuses the text is None: the scan
    does not guess. Stops at the end of the document or once every name is found.

    Raises:
        FilingError: the document is not well-formed XML.
    """
    found: dict[str, str | None] = {}
    try:
        for _, element in etree.iterparse(
            str(path), events=("end",), resolve_entities=False, no_network=True
        ):
            name = _dei_name(element)
            if name in COVER_NAMES and name not in found:
                found[name] = _value(element)
                if len(found) == len(COVER_NAMES):
                    break
    except etree.XMLSyntaxError as exc:
        raise FilingError(f"{path}: not well-formed XML: {exc}") from exc
    return found


def _dei_name(element: etree._Element) -> str | None:
    """The local name of a dei fact (instance element or inline fact), else None."""
    if not isinstance(element.tag, str):
        return None  # a comment or processing instruction
    if element.tag in _IX_FACTS:
        prefix, _, local = (element.get("name") or "").rpartition(":")
        namespace = element.nsmap.get(prefix or None, "")
    else:
        namespace, _, local = element.tag[1:].rpartition("}")
    # dei's namespace names its year: http://xbrl.sec.gov/dei/2023, xbrl.us/dei/2009-01-31
    return local if "/dei/" in namespace else None


def _value(element: etree._Element) -> str | None:
    if element.tag not in _IX_FACTS:
        return (element.text or "").strip()
    text = "".join(_shown_text(element))
    fmt = element.get("format")
    if not fmt:
        return text.strip()
    transform = _transform(element, fmt)
    if transform is None:
        return None
    try:
        return transform(text.strip())
    except (ValueError, FunctionArgType):
        return None


def _shown_text(element: etree._Element) -> list[str]:
    """The element's text as inline XBRL reads it: ix:exclude content left out."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and child.tag not in _IX_EXCLUDE:
            parts.extend(_shown_text(child))
        parts.append(child.tail or "")
    return parts


def _transform(element: etree._Element, fmt: str) -> Callable[[str], str] | None:
    prefix, _, local = fmt.rpartition(":")
    namespace = element.nsmap.get(prefix or None, "")
    if namespace == SEC_TRANSFORMS_NAMESPACE:
        return SEC_TRANSFORMS.get(local)
    return FunctionIxt.ixtNamespaceFunctions.get(namespace, {}).get(local)
