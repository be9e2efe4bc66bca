"""Rows of a filing's DTS: networks and their arcs, labels, references, taxonomies.

Networks are per extended link role; their arcs are Arc nodes (so the same two concepts can
be linked several times, in several roles, with their own order, weight or label), each with
its position in a depth-first walk of its tree so statements can be read in presentation
order. The filer's own concepts (those its extension schemas define) are Elements, each
label of its own label linkbases is kept whatever concept it labels, and the labels and
references of the standard taxonomies are kept for the concepts the filing's rows use.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import PurePosixPath

from ledgergraph.ids import stable_id
from ledgergraph.sec_schema import concept_definition
from xbrl_task.arc_values import arc_problem, refused_arc_warning
from xbrl_task.aspect_rows import AspectRows
from xbrl_task.identity import element_id, standard_family
from xbrl_task.model import ArcInfo, DtsInfo, TaxonomyInfo
from xbrl_task.network_order import walk_order

_DEFINITION = re.compile(r"^\s*(?P<code>\d+)\s*-\s*(?P<category>[^-]+?)\s*-\s*(?P<title>.*)$")
# XBRL International's and W3C's schemas: the specifications, and registries (link roles,
# data types, units) whose schemas declare roles, arcroles or types under namespaces of
# their own (ESMA's wider-narrower arcrole is http://www.esma.europa.eu/...)
_SPEC_HOSTS = ("www.xbrl.org", "xbrl.org", "www.w3.org")
# but the data type registry's schemas are taxonomies of the report: the types of its
# concepts (Element.data_type_namespace) are theirs
_DATA_TYPES = "dtr-types"
_VERSION = re.compile(r"(\d{4}(?:-?\d{2}-?\d{2})?)/?$")
# the start of the warning counting arcs left out because a concept's schema was not loaded
ARCS_NOT_LOADED = "arcs not loaded"
_CONCEPT_DEFINITION = tuple(c.name for c in concept_definition(""))


def add_dts_rows(builder: AspectRows, dts: DtsInfo, report_id: str) -> list[str]:
    """Networks and arcs first (they add Elements), then labels, references, taxonomies.

    Returns:
        One warning to act on per arc left out (``arc_values``), in the order of the arcs.
    """
    refused = add_networks(builder, dts, report_id)
    for qname in dts.extension_concepts:
        builder.element(qname)
    add_labels(builder, dts, report_id)
    add_references(builder, dts, report_id)
    add_taxonomies(builder, dts.taxonomies, report_id)
    return refused


def add_networks(builder: AspectRows, dts: DtsInfo, report_id: str) -> list[str]:
    """Network and Arc rows; an arc whose numbers the graph cannot hold as filed is left
    out, and its tree is walked without it. An arc linking a concept of a schema that was
    not loaded is walked (so the arcs kept have their depth in the tree as filed) but not
    loaded, and counted on its Network (``unresolved_arc_warnings`` warns of them).
    Returns the warnings for the arcs left out for their numbers."""
    lost = Counter(arc.linkrole for arc in dts.unresolved_arcs)
    networks: dict[str, str] = {}
    for role, definition in dts.role_definitions.items():
        networks[role] = stable_id(report_id, role)
        row = network_row(networks[role], report_id, role, definition)
        builder.rows.add("Network", {**row, "arcs_not_loaded": lost[role]})
        builder.rows.relate("REPORT_HAS_NETWORK", report_id, networks[role])
    trees: dict[tuple[str, str, str], list[ArcInfo]] = defaultdict(list)
    refused: list[str] = []
    for arc in dts.arcs:
        problem = arc_problem(arc)
        if problem is not None:
            refused.append(refused_arc_warning(arc, problem, _location(arc.document) or ""))
            continue
        trees[(arc.linkrole, arc.arcrole, arc.link_kind)].append(arc)
    for arc in dts.unresolved_arcs:
        trees[(arc.linkrole, arc.arcrole, arc.link_kind)].append(arc)
    for arcs in trees.values():
        positions = walk_order(arcs)
        seen: dict[str, int] = defaultdict(int)
        for index, arc in enumerate(arcs):
            if arc.missing_schema is None:
                sequence, depth = positions[index]
                network = networks[arc.linkrole]
                _add_arc(builder, arc, network, report_id, sequence, depth, seen)
    return refused


def unresolved_arc_warnings(dts: DtsInfo) -> list[str]:
    """One warning to act on per schema not loaded whose concepts arcs of the filing link:
    how many arcs are not loaded, in how many networks, and how many networks keep none."""
    kept = {arc.linkrole for arc in dts.arcs}
    lost: dict[str, Counter[str]] = defaultdict(Counter)  # schema -> role -> arcs
    for arc in dts.unresolved_arcs:
        lost[arc.missing_schema or ""][arc.linkrole] += 1
    return [_unresolved_warning(schema, roles, kept) for schema, roles in sorted(lost.items())]


def _unresolved_warning(schema: str, roles: Counter[str], kept: set[str]) -> str:
    arcs, networks = sum(roles.values()), len(roles)
    empty = len(set(roles) - kept)
    # the graph keeps a loaded filing's data as it is: loading it again is refused until
    # the filing is removed, so the advice names delete-source (as the facts' warning does)
    return (
        f"{ARCS_NOT_LOADED}: {_count(arcs, 'arc')} of {_count(networks, 'network')} "
        f"link concepts of a schema not available offline, {schema}{_emptied(empty, networks)}"
        " (Network.arcs_not_loaded counts them per network); add the schema to a "
        "taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE), remove the filing (delete-source) "
        "and load it again"
    )


def _emptied(empty: int, networks: int) -> str:
    """How many of the networks with arcs not loaded keep no arc at all."""
    if not empty:
        return ""
    if networks == 1:
        return "; that network keeps no arc"
    return f"; {empty} of those networks {'keeps' if empty == 1 else 'keep'} no arc"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def network_row(nid: str, report_id: str, role: str, definition: str | None) -> dict:
    match = _DEFINITION.match(definition or "")
    return {
        "id": nid,
        "accession_number": report_id,
        "role_uri": role,
        "definition": definition,
        "sort_code": match.group("code") if match else None,
        "category": match.group("category") if match else None,
        "title": match.group("title").strip() if match else definition,
    }


def _add_arc(
    builder: AspectRows,
    arc: ArcInfo,
    network: str,
    report_id: str,
    sequence: int | None,
    depth: int | None,
    seen: dict[str, int],
) -> None:
    source, target = builder.element(arc.source), builder.element(arc.target)
    key = stable_id(report_id, arc.linkrole, arc.arcrole, arc.link_kind, source, target,
                    arc.order, arc.weight, arc.preferred_label)  # fmt: skip
    seen[key] += 1  # NOTE: equivalent arcs Arelle kept apart (other attributes) stay apart
    aid = key if seen[key] == 1 else stable_id(key, seen[key])
    builder.rows.add(
        "Arc",
        {
            "id": aid,
            "accession_number": report_id,
            "network": network,
            "link_kind": arc.link_kind,
            "arcrole": arc.arcrole,
            "from_element": source,
            "to_element": target,
            "arc_order": arc.order,
            "weight": arc.weight,
            "preferred_label": arc.preferred_label,
            "priority": arc.priority,
            "closed": arc.closed,
            "context_element": arc.context_element,
            "target_role": arc.target_role,
            "usable": arc.usable,
            "tree_sequence": sequence,
            "depth": depth,
        },
    )
    builder.rows.relate("NETWORK_HAS_ARC", network, aid)
    builder.rows.relate("ARC_FROM_ELEMENT", aid, source)
    builder.rows.relate("ARC_TO_ELEMENT", aid, target)


def add_labels(builder: AspectRows, dts: DtsInfo, report_id: str) -> None:
    """Every label of the filer's linkbases (its concept's Element added if need be), and
    the standard taxonomies' labels of the concepts the filing's rows use."""
    for label in dts.labels:
        if label.is_filers:
            eid = builder.element(label.concept)
        else:
            eid = element_id(label.concept)
            if eid not in builder.elements:
                continue  # a standard concept the filing neither reports nor arranges
        lid = stable_id(report_id, eid, label.role, label.language, label.text)
        row = {"id": lid, "accession_number": report_id, "element": eid, "role": label.role}
        if builder.rows.add("Label", {**row, "lang": label.language, "text": label.text}):
            builder.rows.relate("ELEMENT_HAS_LABEL", eid, lid)


def add_references(builder: AspectRows, dts: DtsInfo, report_id: str) -> None:
    for reference in dts.references:
        eid = element_id(reference.concept)
        if eid not in builder.elements:
            continue
        parts = [{"name": q.local_name, "namespace": q.namespace, "value": v}
                 for q, v in reference.parts]  # fmt: skip
        text = "; ".join(f"{p['name']}: {p['value']}" for p in parts)
        rid = stable_id(report_id, eid, reference.role, text)
        row = {"id": rid, "accession_number": report_id, "element": eid, "role": reference.role}
        if builder.rows.add("Reference", {**row, "parts": json.dumps(parts), "text": text}):
            builder.rows.relate("ELEMENT_HAS_REFERENCE", eid, rid)


def add_taxonomies(builder: AspectRows, taxonomies: list[TaxonomyInfo], report_id: str) -> None:
    prefixes = {q.namespace: q.prefix for q in builder.elements.values() if q.prefix}
    kept: dict[str, str | None] = {}  # namespace -> version
    for taxonomy in taxonomies:
        namespace = taxonomy.namespace
        family = standard_family(namespace)
        spec = _host(namespace) in _SPEC_HOSTS or _host(taxonomy.schema_location) in _SPEC_HOSTS
        if spec and family != _DATA_TYPES:
            continue  # specification and registry schemas, not taxonomies of concepts
        found = _VERSION.search(namespace)
        version = found.group(1) if found else None
        builder.rows.add(
            "Taxonomy",
            {
                "id": namespace,
                "namespace": namespace,
                "family": family or prefixes.get(namespace) or namespace,
                "version": version,
                "is_standard": family is not None,
                "schema_location": _location(taxonomy.schema_location),
                "is_loaded": taxonomy.is_loaded,
            },
        )
        builder.rows.relate("REPORT_USES_TAXONOMY", report_id, namespace)
        kept[namespace] = version
    add_definitions(builder, kept)


def add_definitions(builder: AspectRows, versions: dict[str, str | None]) -> None:
    """Each concept's definition in the filing's taxonomy year, as an ElementDefinition
    node, since the shared Element keeps only the first filing loaded's; ``versions`` maps
    the namespace of each taxonomy kept to its year."""
    elements = {row["id"]: row for row in builder.rows.rows("Element")}
    for eid, qname in builder.elements.items():
        if qname.namespace not in versions:
            continue
        builder.rows.relate("ELEMENT_IN_TAXONOMY", eid, qname.namespace)
        definition = {name: elements[eid][name] for name in _CONCEPT_DEFINITION}
        did = definition_id(eid, qname.namespace)
        row = {"id": did, "element": eid, "taxonomy": qname.namespace,
               "version": versions[qname.namespace], **definition}  # fmt: skip
        builder.rows.add("ElementDefinition", row)
        builder.rows.relate("ELEMENT_HAS_DEFINITION", eid, did)


def definition_id(element: str, namespace: str) -> str:
    """The id of ``element``'s definition in the taxonomy of ``namespace``: readable, and
    the same in every filing of that taxonomy year, so they share one node."""
    return f"{element}|{namespace}"


def _host(uri: str | None) -> str | None:
    """The host of an http(s) URI; None for a path or a URN."""
    if uri is None or not uri.startswith(("http://", "https://")):
        return None
    return uri.split("/")[2]


def _location(location: str | None) -> str | None:
    """URLs as they are; a file of the package by its name (never a machine's path)."""
    if location is None or location.startswith(("http://", "https://")):
        return location
    return PurePosixPath(location.replace("\\", "/")).name
