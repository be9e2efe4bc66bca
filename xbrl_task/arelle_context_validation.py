"""Part of the Arelle adapter: a short path for the schema validation of plain contexts.

Arelle validates every element of an instance against its schema (``XmlValidate.validate``)
and that is where a context's elements get their typed values (``xValid``, ``xValue``,
``sValue``, the typed attributes in ``xAttributes``). Its generic code matches each
container's content model (context, entity, segment, period) afresh and looks up every
element's and attribute's declaration again: ~0.15 ms a context even with the context memo
(``arelle_context_memo``), ~0.3 s for the 1987 contexts of the bundled filings.

This path replaces that generic work for the common case, and only that: an
``xbrli:context`` not yet validated whose only attribute is its ``id`` (a valid ``ID``),
holding an entity and a period and no scenario, the entity an identifier with its
``scheme`` and at most a segment of ``xbrldi:explicitMember`` elements (each with only its
``dimension``), the period ``startDate`` and ``endDate``, ``instant`` or ``forever``, with
no attributes on the containers, no text but whitespace in them, no child element in the
leaves and no comment or processing instruction anywhere. Such a context always matches the
content models of the XBRL 2.1 instance schema, so only its leaves can be invalid, and the
containers' typed values are fixed (no content, no attributes). Each distinct leaf (its
tag, text and attributes and, for an explicit member, the namespaces its prefixes name) is
validated by Arelle's own ``validate`` the first time a model meets it, and its typed
values are given to the later identical leaves of that model, like the memo does for whole
entity and period subtrees; a leaf whose validation logged an error or left a value not
valid is not remembered, so it is validated, and reported, every time, in document order.

Everything else goes to Arelle's validation unchanged (through the memo): typed members,
scenarios, any other content or attribute, a model whose ``xbrli`` elements do not come from
the XBRL 2.1 instance schema, any element of a model the loader does not own (``ledgergraph
verify`` loads without it) and any other Arelle than the pinned version this was checked
against.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from arelle import XmlValidate, XmlValidateParticles
from arelle.ModelObject import ModelAttribute, ModelObject
from arelle.ModelValue import qname
from arelle.ModelXbrl import ModelXbrl
from arelle.XmlValidate import xAttributesSharedEmptyDict
from arelle.XmlValidateConst import UNVALIDATED, VALID_ID, VALID_NO_CONTENT

from xbrl_task.arelle_context_memo import Typed, assign_typed, typed_of
from xbrl_task.version import ARELLE_VERSION

# the arelle-release whose XmlValidate.validate this path was written against, line by line
CHECKED_ARELLE_VERSION = "2.47.3"
XBRLI_SCHEMA = "http://www.xbrl.org/2003/xbrl-instance-2003-12-31.xsd"
_XBRLI = "{http://www.xbrl.org/2003/instance}"
_CONTEXT, _ENTITY, _PERIOD = f"{_XBRLI}context", f"{_XBRLI}entity", f"{_XBRLI}period"
_IDENTIFIER, _SEGMENT, _FOREVER = f"{_XBRLI}identifier", f"{_XBRLI}segment", f"{_XBRLI}forever"
_START, _END, _INSTANT = f"{_XBRLI}startDate", f"{_XBRLI}endDate", f"{_XBRLI}instant"
_EXPLICIT = "{http://xbrl.org/2006/xbrldi}explicitMember"
# the period's content the instance schema allows, by the tags of its children
_PERIODS = frozenset(((_START, _END), (_INSTANT,), (_FOREVER,)))
_CONTAINERS = (_CONTEXT, _ENTITY, _SEGMENT, _PERIOD)
_XML_WHITESPACE = " \t\n\r"
# XmlValidate.validate's parameters after the element: inline resources pass them by position
_PARAMETERS = ("recurse", "attrQname", "ixFacts", "setTargetModelXbrl", "elementDeclarationType")


class ContextValidation:
    """Validates plain contexts of the models it owns without Arelle's generic walk."""

    def __init__(self, *, owns: Callable[[ModelXbrl], bool]) -> None:
        self._owns = owns
        self._model: ModelXbrl | None = None
        self._standard = False  # whether the model's xbrli elements are the standard ones
        self._declared: frozenset[Any] = frozenset()  # a context's type names, as validate sees
        self._leaves: dict[tuple[Any, ...], Typed] = {}
        self._validate_leaf: Callable[..., None] = XmlValidate.validate
        self.validated = 0

    def install(self) -> bool:
        """Route Arelle's validation of contexts through this path (once); False if the
        Arelle installed is not the version it was checked against: nothing changes then.
        """
        if ARELLE_VERSION != CHECKED_ARELLE_VERSION:
            return False
        self._validate_leaf = XmlValidate.validate
        # contexts come from the instance's content model (XmlValidateParticles), from an
        # inline document's resources or, once an element before them did not match (a
        # concept missing from the DTS), from XmlValidate
        for module in (XmlValidateParticles, XmlValidate):
            original = module.validate
            if getattr(original, "ledgergraph_contexts", None) is not self:
                module.validate = self._wrap(original)  # type: ignore[assignment]
        return True

    def start(self) -> None:
        """Forget the previous model's leaves (their typed values belong to it)."""
        self._model = None
        self._standard = False
        self._declared = frozenset()
        self._leaves = {}
        self.validated = 0

    def _wrap(self, original: Callable[..., None]) -> Callable[..., None]:
        def validate(modelXbrl: ModelXbrl, elt: Any, *args: Any, **kwargs: Any) -> None:
            if elt.tag != _CONTEXT or not self._validate(modelXbrl, elt, args, kwargs):
                original(modelXbrl, elt, *args, **kwargs)

        validate.ledgergraph_contexts = self  # type: ignore[attr-defined]
        return validate

    def _validate(
        self, model: ModelXbrl, context: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> bool:
        """Validate ``context`` as Arelle would and return True, or False to leave it."""
        call = dict(zip(_PARAMETERS, args, strict=False))
        call.update(kwargs)
        if (
            call.get("recurse", True) is not True
            or call.get("attrQname") is not None
            or call.get("ixFacts")
            or call.get("setTargetModelXbrl")
            or getattr(context, "xValid", UNVALIDATED) != UNVALIDATED
            or not self._owns(model)
        ):
            return False
        if model is not self._model:
            self.start()
            self._model = model
            self._standard = _standard_declarations(model)
            self._declared = _context_types(model) if self._standard else frozenset()
        if not self._standard:
            return False
        declared = call.get("elementDeclarationType")
        if declared is not None and declared.qname not in self._declared:
            return False  # a type other than the context's own: Arelle decides
        identifier = _context_id(context)
        parts = _plain_parts(context)
        if identifier is None or parts is None:
            return False
        containers, leaves = parts
        for container in containers:
            container.xValid, container.xValue, container.sValue = VALID_NO_CONTENT, None, None
            container.xAttributes = xAttributesSharedEmptyDict
        context.xAttributes = {"id": ModelAttribute(context, "id", VALID_ID, *identifier)}
        for leaf in leaves:
            self._assign_leaf(model, leaf)
        self.validated += 1
        return True

    def _assign_leaf(self, model: ModelXbrl, leaf: Any) -> None:
        # Arelle's order: each leaf in document order, its value, then its attributes
        key = _leaf_key(leaf)
        typed = self._leaves.get(key)
        if typed is not None:
            assign_typed(leaf, typed)
            return
        errors = len(model.errors)
        self._validate_leaf(model, leaf)
        if len(model.errors) == errors:
            typed = typed_of(leaf)
            if typed is not None:
                self._leaves[key] = typed


def _standard_declarations(model: ModelXbrl) -> bool:
    """Whether the model's context elements are declared by the XBRL 2.1 instance schema
    (whose content models the plain shape above matches) with no attribute to default."""
    for tag in (*_CONTAINERS, _IDENTIFIER, _START, _END, _INSTANT, _FOREVER):
        concept = model.qnameConcepts.get(qname(tag))
        if concept is None or concept.modelDocument.uri != XBRLI_SCHEMA:
            return False
        model_type = concept.type
        if model_type is None or model_type.defaultAttributeQnames:
            return False
        if tag in _CONTAINERS and concept.baseXsdType != "noContent":
            return False
    return True


def _context_types(model: ModelXbrl) -> frozenset[Any]:
    """The declared types under which Arelle validates a context as its own type."""
    concept = model.qnameConcepts[qname(_CONTEXT)]
    return frozenset((concept.type.qname, qname("{http://www.w3.org/2001/XMLSchema}anyType")))


def _context_id(context: Any) -> tuple[Any, Any, str] | None:
    """The context's ``id`` as Arelle types it (xValue, sValue, text), or None when the
    context has other attributes or an id Arelle would report."""
    attributes = context.items()
    if len(attributes) != 1 or attributes[0][0] != "id":
        return None
    text = sys.intern(attributes[0][1])
    result = XmlValidate.validateValueString("ID", text)
    if result.xValid != VALID_ID:
        return None
    return result.xValue, result.sValue, text


def _plain_parts(context: Any) -> tuple[list[Any], list[Any]] | None:
    """The containers and leaves of a context of the plain shape, in document order, or
    None when it has any other content."""
    children = _children(context)
    if children is None or len(children) != 2:
        return None
    entity, period = children
    if entity.tag != _ENTITY or period.tag != _PERIOD or entity.keys() or period.keys():
        return None
    parts = _children(entity)
    dates = _children(period)
    if parts is None or dates is None or not 1 <= len(parts) <= 2:
        return None
    if tuple(date.tag for date in dates) not in _PERIODS:
        return None
    identifier, *segment = parts
    if identifier.tag != _IDENTIFIER or identifier.keys() != ["scheme"] or len(identifier):
        return None
    containers, leaves = [context, entity], [identifier]
    if segment:
        members = _members(segment[0])
        if members is None:
            return None
        containers.append(segment[0])
        leaves.extend(members)
    for date in dates:
        if len(date) or date.keys():
            return None
    containers.append(period)
    leaves.extend(dates)
    return containers, leaves


def _members(segment: Any) -> list[Any] | None:
    if segment.tag != _SEGMENT or segment.keys():
        return None
    members = _children(segment)
    if not members:
        return None
    for member in members:
        if member.tag != _EXPLICIT or member.keys() != ["dimension"] or len(member):
            return None
    return members


def _children(container: Any) -> list[Any] | None:
    """The element children of a container holding only them and whitespace, else None."""
    if container.text and container.text.strip(_XML_WHITESPACE):
        return None
    children = list(container)
    for child in children:
        if not isinstance(child, ModelObject):
            return None  # a comment or processing instruction: left to Arelle
        if child.tail and child.tail.strip(_XML_WHITESPACE):
            return None
    return children


def _leaf_key(leaf: Any) -> tuple[Any, ...]:
    """What a leaf's typed values depend on: its tag, text and attributes and, for a QName
    value, the namespaces its prefixes name in the leaf's scope."""
    text = leaf.text
    attributes = tuple(leaf.items())
    if leaf.tag != _EXPLICIT:
        return leaf.tag, text, attributes
    nsmap = leaf.nsmap
    dimension = attributes[0][1]
    return (
        leaf.tag, text, attributes,
        nsmap.get(_prefix(text)), nsmap.get(_prefix(dimension)),
    )  # fmt: skip


def _prefix(value: str | None) -> str | None:
    if not value:
        return None
    prefix, colon, _ = value.strip(_XML_WHITESPACE).rpartition(":")
    return prefix if colon else None
