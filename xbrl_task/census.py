"""Count the facts a document holds, with lxml alone, to check what Arelle gave us.

The count is the reference of the ``FactCounts`` reconciliation, so it must not come from
the processor it checks. Classic instances: every element under the ``xbrli:xbrl`` root
that carries ``contextRef`` (items, also inside tuples). Inline documents: every
``ix:nonFraction``, ``ix:nonNumeric`` and ``ix:fraction``, anywhere in the document.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from xbrl_task.errors import FilingNotLoadable, not_well_formed
from xbrl_task.model import QName

_XBRLI_ROOT = "{http://www.xbrl.org/2003/instance}xbrl"
_IX_NAMESPACES = (
    "http://www.xbrl.org/2013/inlineXBRL",
    "http://www.xbrl.org/2008/inlineXBRL",
)
_IX_FACT_NAMES = ("nonFraction", "nonNumeric", "fraction")
_IX_FACT_TAGS = tuple(f"{{{ns}}}{name}" for ns in _IX_NAMESPACES for name in _IX_FACT_NAMES)


@dataclass(frozen=True)
class FactCensus:
    """How many facts the document holds, in total and per concept qname.

    ``fact_ids``: the ids of one document's inline facts. ``repeated_ids``: for a document
    set, each fact id found in more than one of its documents, with those documents.
    """

    total: int
    per_concept: Counter[QName]
    fact_ids: tuple[str, ...] = ()
    repeated_ids: dict[str, tuple[str, ...]] = field(default_factory=dict)


def count_document_facts(path: Path, *, is_inline: bool, unit: str) -> FactCensus:
    """Count the fact elements of ``path`` (a strict parse: malformed XML is an error).

    Raises:
        FilingNotLoadable: the document is not well-formed XML, or not an instance.
    """
    try:
        tree = etree.parse(str(path), etree.XMLParser(huge_tree=True, resolve_entities=False))
    except (etree.XMLSyntaxError, OSError) as exc:
        raise not_well_formed(unit, path.name, str(exc)) from exc
    root = tree.getroot()
    if is_inline:
        elements = list(root.iter(_IX_FACT_TAGS))
        names = [_inline_name(el) for el in elements]
        ids = tuple(el.get("id") for el in elements if el.get("id"))
        return FactCensus(total=len(names), per_concept=Counter(names), fact_ids=ids)
    if root.tag == _XBRLI_ROOT:
        names = [_element_name(el) for el in root.iterdescendants() if _is_item(el)]
    else:
        raise FilingNotLoadable(f"filing {unit}: {path.name} is not an XBRL instance")
    return FactCensus(total=len(names), per_concept=Counter(names))


def count_document_set(paths: list[Path], *, is_inline: bool, unit: str) -> FactCensus:
    """The census of every document of a filing (an inline document set), added up."""
    censuses = [count_document_facts(p, is_inline=is_inline, unit=unit) for p in paths]
    per_concept: Counter[QName] = Counter()
    documents: dict[str, list[str]] = defaultdict(list)
    for path, census in zip(paths, censuses, strict=True):
        per_concept.update(census.per_concept)
        for fact_id in dict.fromkeys(census.fact_ids):
            documents[fact_id].append(path.name)
    # NOTE: Arelle checks this (ix11 uniqueIxId) only when asked to validate, which the
    # worker does not: a fact id in two documents of a set would go unsaid
    repeated = {i: tuple(names) for i, names in documents.items() if len(names) > 1}
    total = sum(c.total for c in censuses)
    return FactCensus(total=total, per_concept=per_concept, repeated_ids=repeated)


def _is_item(element: etree._Element) -> bool:
    return isinstance(element.tag, str) and element.get("contextRef") is not None


def _element_name(element: etree._Element) -> QName:
    name = etree.QName(element)
    return QName(name.namespace or "", name.localname, element.prefix)


def _inline_name(element: etree._Element) -> QName:
    """The concept an ix element reports: its ``name`` attribute, resolved in scope."""
    prefixed = (element.get("name") or "").strip()
    prefix, _, local = prefixed.rpartition(":")
    namespace = element.nsmap.get(prefix or None, "")
    return QName(namespace, local, prefix or None)
