"""Part of the Arelle adapter: the DTS as plain values (labels, references, networks, taxonomies).

Relationships are read from Arelle's relationship sets, so prohibited and overridden arcs are
already resolved: what is copied is each network's effective relationships. One set is built
per arcrole (its relationships keep their link role and link element), which is cheaper than
one set per role and gives the same effective arcs, because Arelle's arc equivalence includes
the link role.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import urljoin

from arelle import XbrlConst
from arelle.ModelDocument import ModelDocument
from arelle.ModelDocumentType import ModelDocumentType
from arelle.ModelDtsObject import ModelConcept, ModelRelationship
from arelle.ModelXbrl import ModelXbrl

from xbrl_task.arelle_facts import FactCopier, to_qname
from xbrl_task.arelle_unresolved_arcs import unresolved_arcs
from xbrl_task.errors import ProcessorMessage
from xbrl_task.model import ArcInfo, DtsInfo, LabelInfo, QName, ReferenceInfo, TaxonomyInfo

_XS_IMPORT = "{http://www.w3.org/2001/XMLSchema}import"
_LINK_KINDS = {
    XbrlConst.qnLinkPresentationLink: "presentation",
    XbrlConst.qnLinkCalculationLink: "calculation",
    XbrlConst.qnLinkDefinitionLink: "definition",
}
_RESOURCE_ARCROLES = frozenset(
    (XbrlConst.conceptLabel, XbrlConst.conceptReference, XbrlConst.factFootnote)
)
_GROUPED_ARCROLES = ("XBRL-", "Table-")
_XBRLDT_CONTEXT_ELEMENT = "{http://xbrl.org/2005/xbrldt}contextElement"
_XBRLDT_CLOSED = "{http://xbrl.org/2005/xbrldt}closed"
_XBRLDT_USABLE = "{http://xbrl.org/2005/xbrldt}usable"
# the arcs XBRL Dimensions 1.0 gives xbrldt:closed (default false) and xbrldt:usable
# (default true) a meaning on; on others the attributes are kept only when filed
_CLOSED_ARCROLES = frozenset((XbrlConst.all, XbrlConst.notAll))
_USABLE_ARCROLES = frozenset((XbrlConst.dimensionDomain, XbrlConst.domainMember))
_XBRLDT_TARGET_ROLE = "{http://xbrl.org/2005/xbrldt}targetRole"
# the arc attributes the graph stores as numbers (a weight only on calculation arcs)
_NUMBERS = ("order", "priority")
_CALCULATION_NUMBERS = ("order", "weight", "priority")
_MISSING_FILE = re.compile(r"file: (\S+)")
# FASB's and the SEC's published schema URLs and the namespaces they declare, by convention:
# https://xbrl.fasb.org/us-gaap/2023/elts/us-roles-2023.xsd is http://fasb.org/us-roles/2023,
# https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd is http://xbrl.sec.gov/ecd/2023
_PUBLISHED = (
    (re.compile(r"^https?://xbrl\.fasb\.org/[^/]+/(?P<year>\d{4})/elts/(?P<name>[a-z-]+)-"
                r"(?P=year)\.xsd$"), "http://fasb.org/{name}/{year}"),
    (re.compile(r"^https?://xbrl\.sec\.gov/(?P<name>[a-z-]+)/(?P<year>\d{4})/(?P=name)-"
                r"(?P=year)\.xsd$"), "http://xbrl.sec.gov/{name}/{year}"),
)  # fmt: skip


def copy_dts(
    model: ModelXbrl,
    copier: FactCopier,
    locations: dict[str, str],
    messages: Iterable[ProcessorMessage] = (),
) -> DtsInfo:
    """Labels, references, network arcs, role definitions and taxonomies of ``model``.

    The concepts the arcs connect are copied through ``copier`` too, so abstract headings,
    tables and line items get their Element definitions like the concepts of facts.
    ``locations`` are the model's ``schema_locations``; ``messages`` the load's, whose
    missing files are taxonomies too (``taxonomies``).
    """
    arcs = list(_network_arcs(model, copier))
    unresolved = list(unresolved_arcs(model, copier))
    roles = {arc.linkrole for arc in (*arcs, *unresolved)}
    return DtsInfo(
        labels=list(_labels(model, copier)),
        references=list(_references(model)),
        role_definitions={role: model.roleTypeDefinition(role) for role in sorted(roles)},
        arcs=arcs,
        unresolved_arcs=unresolved,
        taxonomies=taxonomies(model, locations, missing_files(messages)),
        extension_concepts=_extension_concepts(model, copier),
    )


def is_package_file(uri: str | None) -> bool:
    """A document of the filing's package: a file path, not a taxonomy URL (standard
    taxonomies are read from the cache under their URLs)."""
    return uri is not None and not uri.startswith(("http://", "https://"))


def _extension_concepts(model: ModelXbrl, copier: FactCopier) -> list[QName]:
    """Every concept a schema of the package defines, used by a fact or an arc or not.

    NOTE: a us-gaap DTS has ~18,000 concepts and a filing's schemas a few hundred; each
    is told by its document, looked up among the package's (every document Arelle makes
    is in ``urlDocs``) rather than by reading the URL of each concept's document.
    """
    package = {id(d) for d in model.urlDocs.values() if is_package_file(d.uri)}
    return [
        copier.defined(concept).qname
        for concept in model.qnameConcepts.values()
        if id(concept.modelDocument) in package and isinstance(concept, ModelConcept)
    ]


def _concept_resources(model: ModelXbrl, arcrole: str) -> Iterable[tuple[ModelConcept, object]]:
    for rel in model.relationshipSet(arcrole).modelRelationships:
        concept, resource = rel.fromModelObject, rel.toModelObject
        if isinstance(concept, ModelConcept) and resource is not None:
            yield concept, resource


def _labels(model: ModelXbrl, copier: FactCopier) -> Iterable[LabelInfo]:
    for concept, label in _concept_resources(model, XbrlConst.conceptLabel):
        yield LabelInfo(
            concept=copier.defined(concept).qname,
            role=label.role or XbrlConst.standardLabel,
            language=label.xmlLang or "",
            text=label.textValue,
            is_filers=is_package_file(label.modelDocument.uri),
        )


def _references(model: ModelXbrl) -> Iterable[ReferenceInfo]:
    for concept, reference in _concept_resources(model, XbrlConst.conceptReference):
        parts = tuple(
            (to_qname(part.qname), (part.textValue or "").strip())
            for part in reference.iterchildren()
            if isinstance(part.tag, str)  # not a comment or processing instruction
        )
        yield ReferenceInfo(to_qname(concept.qname), reference.role, parts)


def _network_arcrole_keys(model: ModelXbrl) -> list[str]:
    return sorted(
        arcrole
        for arcrole, linkrole, link, arc in model.baseSets
        if isinstance(arcrole, str) and linkrole is None and link is None and arc is None
        and not arcrole.startswith(_GROUPED_ARCROLES) and arcrole not in _RESOURCE_ARCROLES
    )  # fmt: skip


def _network_arcs(model: ModelXbrl, copier: FactCopier) -> Iterable[ArcInfo]:
    defined = copier.defined
    for arcrole in _network_arcrole_keys(model):
        dimensional = XbrlConst.isDimensionArcrole(arcrole)
        for rel in model.relationshipSet(arcrole).modelRelationships:
            kind = _LINK_KINDS.get(rel.linkQname)
            source, target = rel.fromModelObject, rel.toModelObject
            if kind is None or not isinstance(source, ModelConcept):
                continue
            if not isinstance(target, ModelConcept):
                continue
            yield _arc(
                kind, arcrole, rel, defined(source).qname, defined(target).qname,
                dimensional=dimensional and kind == "definition",
            )  # fmt: skip


def _arc(
    kind: str,
    arcrole: str,
    rel: ModelRelationship,
    source: QName,
    target: QName,
    *,
    dimensional: bool,
) -> ArcInfo:
    """One arc; ``arcrole`` is the set's, which every relationship of it has.

    Plain attributes are read from the arc element directly, as Arelle's properties do.
    """
    order = rel.orderDecimal
    element = rel.arcElement
    get = element.get
    numeric = _CALCULATION_NUMBERS if kind == "calculation" else _NUMBERS
    return ArcInfo(
        link_kind=kind,
        arcrole=arcrole,
        linkrole=rel.linkrole,
        source=source,
        target=target,
        order=order if order.is_finite() else None,
        weight=rel.weightDecimal if kind == "calculation" else None,
        preferred_label=get("preferredLabel"),
        priority=rel.priority,
        closed=_flag(get(_XBRLDT_CLOSED), False, dimensional and arcrole in _CLOSED_ARCROLES),
        context_element=get(_XBRLDT_CONTEXT_ELEMENT),
        target_role=get(_XBRLDT_TARGET_ROLE),
        usable=_flag(get(_XBRLDT_USABLE), True, dimensional and arcrole in _USABLE_ARCROLES),
        document=element.modelDocument.uri,
        filed=tuple((name, text) for name in numeric if (text := get(name)) is not None),
    )


def _flag(text: str | None, default: bool, meaningful: bool) -> bool | None:
    """An xs:boolean attribute of an arc as filed; where not filed, its default on an arc it
    has a meaning on, else None (so a filed false and nothing filed differ)."""
    if text is None:
        return default if meaningful else None
    return text.strip() in ("true", "1")


def taxonomies(
    model: ModelXbrl, locations: dict[str, str], missing: Iterable[str] = ()
) -> list[TaxonomyInfo]:
    """Namespaces of the schemas in the DTS, and those the cache did not have (not loaded).

    A missing schema is known by its namespace when an xs:import names it; one that only a
    roleRef, arcroleRef or linkbase href names (Apple's us-roles-2023.xsd) is kept when
    its URL is FASB's or the SEC's, whose namespaces follow from their URLs (``_PUBLISHED``).
    """
    found: dict[str, TaxonomyInfo] = {}
    for namespace, documents in model.namespaceDocs.items():
        schemas = [d for d in documents if d.type == ModelDocumentType.SCHEMA]
        if namespace and schemas:
            found[namespace] = TaxonomyInfo(namespace, schemas[0].uri, True)
    for namespace, location in locations.items():
        found.setdefault(namespace, TaxonomyInfo(namespace, location, False))
    for url in missing:
        namespace = published_namespace(url)
        if namespace is not None:
            found.setdefault(namespace, TaxonomyInfo(namespace, url, False))
    return [found[ns] for ns in sorted(found)]


def missing_files(messages: Iterable[ProcessorMessage]) -> list[str]:
    """The files Arelle could not load (IOerror ``file: <url or path>``), in order, once."""
    files: dict[str, None] = {}
    for message in messages:
        match = _MISSING_FILE.search(message.text) if message.code == "IOerror" else None
        if match is not None:
            files.setdefault(match.group(1))
    return list(files)


def published_namespace(url: str) -> str | None:
    """The namespace of a FASB or SEC schema by its published URL; None for any other."""
    for pattern, namespace in _PUBLISHED:
        match = pattern.match(url)
        if match is not None:
            return namespace.format(**match.groupdict())
    return None


def schema_locations(
    model: ModelXbrl,
    imports_of: Callable[[ModelDocument], list[tuple[str, str]]] | None = None,
) -> dict[str, str]:
    """namespace -> schemaLocation of every xs:import in the loaded schemas (found or not).

    ``imports_of`` reads a schema's imports (default ``schema_imports``; the schema cache's
    ``per_schema`` of it reads a cached schema's once per worker).
    """
    read = imports_of or schema_imports
    locations: dict[str, str] = {}
    for document in model.urlDocs.values():
        if document.type == ModelDocumentType.SCHEMA:
            for namespace, location in read(document):
                locations.setdefault(namespace, location)
    return locations


def schema_imports(document: ModelDocument) -> list[tuple[str, str]]:
    """(namespace, schemaLocation) of a schema's xs:import elements that name both.

    A relative location in a taxonomy read from its URL (us-gaap-2022.xsd imports
    ``us-roles-2022.xsd``) is made absolute against that URL; one in a schema of the
    package stays as written (a file of the package).
    """
    root = document.xmlRootElement
    if root is None:
        return []
    imports = []
    for element in root.iterchildren(_XS_IMPORT):
        namespace, location = element.get("namespace"), element.get("schemaLocation")
        if namespace and location:
            if not is_package_file(document.uri):
                location = urljoin(document.uri, location)
            imports.append((namespace, location))
    return imports
