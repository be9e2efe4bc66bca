"""Part of the Arelle adapter: network arcs that link a concept of a schema not loaded.

A locator pointing into a schema the taxonomy cache lacks (ecd, sic, stpr, exch) resolves
to nothing, so Arelle's relationship sets hold such an arc with a missing endpoint, and
fold several of them into one, since their endpoints compare equal (Apple's 10-K files 97
ecd arcs; its sets hold 76 with a missing endpoint). So they are read here from the
extended links wherever XBRL 2.1 lets a filing put them: linkbase documents, and linkbases
embedded in a schema's ``xs:annotation/xs:appinfo`` (Corsair's 10-K files all its networks
so). Each arc element counts once per pair of locators its labels name, as XLink defines
an arc's relationships. The graph cannot hold them (an Arc relates two
Elements), but the walk of their networks needs them (``network_order``) and the filing's
manifest counts them.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from urllib.parse import urljoin

from arelle.ModelDocument import ModelDocument
from arelle.ModelDocumentType import ModelDocumentType
from arelle.ModelDtsObject import ModelConcept, ModelLink, ModelLocator
from arelle.ModelObject import ModelObject
from arelle.ModelXbrl import ModelXbrl

from xbrl_task.arelle_facts import FactCopier
from xbrl_task.model import ArcInfo, QName

_XLINK = "{http://www.w3.org/1999/xlink}"
_XS = "{http://www.w3.org/2001/XMLSchema}"
_LINKBASE = "http://www.xbrl.org/2003/linkbase"
_LINK_KINDS = {
    f"{{{_LINKBASE}}}presentationLink": "presentation",
    f"{{{_LINKBASE}}}calculationLink": "calculation",
    f"{{{_LINKBASE}}}definitionLink": "definition",
}


def unresolved_arcs(model: ModelXbrl, copier: FactCopier) -> Iterable[ArcInfo]:
    """Each arc of a presentation, calculation or definition link one of whose locators
    points into a schema that was not loaded; ``missing_schema`` names that schema.

    A concept of the missing schema is named by its locator's href (the schema's URL as
    namespace, the fragment as local name): enough to tell the concepts of a network
    apart. Prohibited arcs are left out.
    NOTE: such arcs take no part in Arelle's prohibition and override resolution.
    """
    seen: set[int] = set()
    for document in list(model.urlDocs.values()):
        if id(document) in seen:
            continue  # a document Arelle files under two URLs is read once
        seen.add(id(document))
        for linkbase in _linkbases(document):
            for link in linkbase.iterchildren(*_LINK_KINDS):
                yield from _link_arcs(link, _LINK_KINDS[link.tag], copier)


def _linkbases(document: ModelDocument) -> list[ModelObject]:
    """The ``link:linkbase`` elements of a document: a linkbase document's root, or those
    embedded in a schema's top-level ``xs:annotation/xs:appinfo`` (XBRL 2.1, 5.1)."""
    root = document.xmlRootElement
    if root is None:
        return []
    if document.type == ModelDocumentType.LINKBASE:
        return [root]
    if document.type != ModelDocumentType.SCHEMA:
        return []
    return [
        linkbase
        for annotation in root.iterchildren(f"{_XS}annotation")
        for appinfo in annotation.iterchildren(f"{_XS}appinfo")
        for linkbase in appinfo.iterchildren(f"{{{_LINKBASE}}}linkbase")
    ]


def _link_arcs(link: ModelLink, kind: str, copier: FactCopier) -> Iterable[ArcInfo]:
    labelled = link.labeledResources
    # only an arc from or to a locator that found nothing can be one; most links (all of
    # us-gaap's) have none, and looking at each of their arcs cost ~50 ms a batch
    unresolved = {
        label
        for label, resources in labelled.items()
        if any(isinstance(r, ModelLocator) and r.dereference() is None for r in resources)
    }
    if not unresolved:
        return
    for arc in link.iterchildren():
        if not isinstance(arc.tag, str) or arc.get(f"{_XLINK}type") != "arc":
            continue
        arcrole = arc.get(f"{_XLINK}arcrole")
        if not arcrole or arc.get("use") == "prohibited":
            continue
        if arc.get(f"{_XLINK}from") not in unresolved and arc.get(f"{_XLINK}to") not in unresolved:
            continue
        for source in labelled.get(arc.get(f"{_XLINK}from"), ()):
            for target in labelled.get(arc.get(f"{_XLINK}to"), ()):
                ends = [_end(source, copier), _end(target, copier)]
                missing = next((schema for _, schema in ends if schema is not None), None)
                if missing is None or None in (q for q, _ in ends):
                    continue  # both resolved (Arelle's sets have it), or not a concept
                yield ArcInfo(
                    link_kind=kind,
                    arcrole=arcrole,
                    linkrole=link.role,
                    source=ends[0][0],
                    target=ends[1][0],
                    order=_order(arc.get("order")),
                    document=arc.modelDocument.uri,
                    missing_schema=missing,
                )


def _end(resource: object, copier: FactCopier) -> tuple[QName | None, str | None]:
    """(concept, None) for a locator of a loaded concept; (href as a name, schema URL) for
    one into a schema not loaded; (None, None) for anything else."""
    if not isinstance(resource, ModelLocator):
        return None, None
    found = resource.dereference()
    if isinstance(found, ModelConcept):
        return copier.defined(found).qname, None
    href = resource.get(f"{_XLINK}href") or ""
    url, _, fragment = urljoin(resource.modelDocument.uri, href).partition("#")
    if found is not None or url in resource.modelXbrl.urlDocs:
        return None, None  # a loaded schema with no such concept: Arelle reports it
    return QName(url, fragment), url


def _order(text: str | None) -> Decimal | None:
    """The arc's order as the walk sorts by it; 1 when not filed, as XBRL 2.1 defaults."""
    try:
        order = Decimal(text) if text is not None else Decimal(1)
    except InvalidOperation:
        return None
    return order if order.is_finite() else None
