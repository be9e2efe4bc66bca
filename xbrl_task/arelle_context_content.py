"""Part of the Arelle adapter: a context's non-dimensional content in one canonical spelling.

XBRL 2.1 lets a context's ``xbrli:segment`` and ``xbrli:scenario`` hold any element, not
only dimension members (``xbrldi``), and two contexts are the same only when that content
is s-equal too. The graph keys a context holding such content by this canonical XML
(``Context.non_dimensional``), so its facts never merge with those of a context without it.

The canonical XML does not depend on the filer's prefixes (namespaces get ``ns1``,
``ns2``... in document order), attributes are in C14N order, comments are left out, a leaf
element's text is canonical for its type as Arelle validated it (``typed_key``: ``01`` is
``1`` for an integer), other text stripped; segment content comes first, then scenario's.
A value Arelle validated as an ``xs:QName`` (a leaf's text or an attribute) is written
with the canonical prefix of its namespace, so ``a:EMEA`` and ``b:EMEA`` are one value
when ``a`` and ``b`` name one namespace, and two when one prefix names two.

NOTE: only the schema says which text is a QName: the text of an element or attribute
no schema of the DTS declares (or that Arelle found invalid) is kept as filed, prefix
and all, since ``x:y`` may as well be plain text.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from arelle import XmlValidateConst
from arelle.ModelObject import ModelObject
from arelle.ModelValue import DateTime, QName
from lxml import etree

from xbrl_task.values import decimal_text

XBRLI = "http://www.xbrl.org/2003/instance"


def non_dimensional_xml(segment: Sequence[Any], scenario: Sequence[Any]) -> str | None:
    """The canonical XML of a context's non-dimensional content (Arelle's
    ``segNonDimValues`` and ``scenNonDimValues``), None when it has none."""
    parts = []
    for container, elements in (("segment", segment), ("scenario", scenario)):
        if not elements:
            continue
        namespaces = {XBRLI: "xbrli"}
        for element in elements:
            _collect_namespaces(element, namespaces)
        nsmap = {prefix: uri for uri, prefix in namespaces.items()}
        wrapper = etree.Element(f"{{{XBRLI}}}{container}", nsmap=nsmap)
        for element in elements:
            _copy(element, wrapper, namespaces)
        parts.append(etree.tostring(wrapper, method="c14n").decode("utf-8"))
    return "".join(parts) or None


def non_dimensional_names(segment: Sequence[Any], scenario: Sequence[Any]) -> tuple[str, ...]:
    """``segment my:Region``: each top element of the content as filed, for warnings."""
    return tuple(
        f"{container} {element.prefixedName}"
        for container, elements in (("segment", segment), ("scenario", scenario))
        for element in elements
    )


def typed_key(member: ModelObject | None) -> str | None:
    """A typed member's value as XBRL compares it (x-equal), as text: canonical for an
    integer, decimal, boolean or date type as Arelle validated it (``01`` is ``1``,
    ``1.50`` is ``1.5``, ``1`` is ``true``), an ``xs:QName`` as its namespace and local
    name in Clark notation (``{urn:x}EMEA``, whatever prefix was filed; a name in no
    namespace bare); else the text as filed, stripped (strings, complex content, and a
    value Arelle found invalid). None without a member.
    """
    if member is None:
        return None
    text = member.stringValue.strip()
    if getattr(member, "xValid", XmlValidateConst.UNVALIDATED) < XmlValidateConst.VALID:
        return text
    value = getattr(member, "xValue", None)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        return decimal_text(value)
    if isinstance(value, DateTime) and value.dateOnly:
        return str(value)  # YYYY-MM-DD and the time zone, if filed
    if isinstance(value, QName):
        uri = value.namespaceURI
        return f"{{{uri}}}{value.localName}" if uri else value.localName
    return text


def _collect_namespaces(element: Any, namespaces: dict[str, str]) -> None:
    for node in element.iter():
        if not isinstance(node, ModelObject):
            continue
        names = [etree.QName(name).namespace for name in (node.tag, *node.attrib)]
        values = [_qname_value(node), *map(_qname_value, _attributes(node).values())]
        for uri in (*names, *(v.namespaceURI for v in values if v is not None)):
            if uri and uri not in namespaces:
                namespaces[uri] = f"ns{len(namespaces)}"


def _copy(source: Any, parent: etree._Element, namespaces: dict[str, str]) -> None:
    node = etree.SubElement(parent, source.tag)
    validated = _attributes(source)
    for name, value in source.attrib.items():
        qname = _qname_value(validated.get(name))
        node.set(name, value if qname is None else _prefixed(qname, namespaces))
    children = [c for c in source if isinstance(c, ModelObject)]
    if not children:
        qname = _qname_value(source)
        text = typed_key(source) if qname is None else _prefixed(qname, namespaces)
        node.text = text or None
        return
    node.text = (source.text or "").strip() or None
    for child in children:
        _copy(child, node, namespaces)
        node[-1].tail = (child.tail or "").strip() or None


def _attributes(node: Any) -> dict[str, Any]:
    """The attributes Arelle validated against the schema, by Clark name (none when the
    element is declared by no schema of the DTS)."""
    return getattr(node, "xAttributes", None) or {}


def _qname_value(validated: Any) -> QName | None:
    """The QName an element's text or an attribute holds, as Arelle validated it for an
    ``xs:QName`` type, or None (another type, invalid, not validated, no such node)."""
    if validated is None:
        return None
    if getattr(validated, "xValid", XmlValidateConst.UNVALIDATED) < XmlValidateConst.VALID:
        return None
    value = getattr(validated, "xValue", None)
    return value if isinstance(value, QName) else None


def _prefixed(qname: QName, namespaces: dict[str, str]) -> str:
    """The QName under its namespace's canonical prefix; a name in no namespace bare."""
    uri = qname.namespaceURI
    return f"{namespaces[uri]}:{qname.localName}" if uri else qname.localName
