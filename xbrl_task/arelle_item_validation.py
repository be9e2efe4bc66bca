"""Part of the Arelle adapter: a short path for the schema validation of plain item facts.

Arelle validates every element of an instance against its schema (``XmlValidate.validate``):
that is where a fact gets its typed value (``xValid``, ``xValue``, ``sValue``) and each of
its attributes a typed ``ModelAttribute`` in ``xAttributes``. For a fact its generic code
costs ~55 us: it looks up the concept's type and every attribute's declaration afresh,
builds a ``QName`` per attribute, checks required and extraneous attributes with set
arithmetic and matches the (empty) content model of the item type, for each of a filing's
thousands of facts of the same few concepts and attributes.

This path replaces that generic work for the common case, and only that: a classic (not
inline) item fact, not yet validated, with no child nodes and no ``xsi:nil``, whose
attributes are all among ``contextRef``, ``unitRef``, ``decimals``, ``precision`` and
``id`` as its type declares them, with every required one present. What the generic code
would look up is worked out once per model: per concept its type and the value's base type
and facets, per item type which attributes are allowed and required and that its content
model accepts no child. And an ``IDREF``, ``decimals`` or ``precision`` value already found
valid in the model is not checked again, nor a number or boolean a fact of the same concept
had (its typed value is immutable and shared). Other values go through Arelle's own
``XmlValidate.validateValue``, as does any value not yet found valid, so a fact's typed
value, and any error in its value or an attribute's (a monetary "12x"), is exactly
Arelle's, reported with the same message.

Everything else goes to Arelle's validation unchanged: inline facts, tuples, nil facts,
abstract, fraction or enumeration concepts, concepts with a default or fixed value, types
with default attributes, facts with other or missing attributes, any element of a model the
loader does not own (``ledgergraph verify`` loads without it) and any other Arelle than
the pinned version this was checked against.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from arelle import XbrlConst, XmlValidate, XmlValidateParticles
from arelle.ModelDtsObject import ModelConcept
from arelle.ModelInstanceObject import ModelFact
from arelle.ModelObject import ModelAttribute
from arelle.ModelXbrl import ModelXbrl
from arelle.XmlValidateConst import UNVALIDATED, VALID, VALID_ID

from xbrl_task.version import ARELLE_VERSION

# the arelle-release whose XmlValidate.validate this path was written against, line by line
CHECKED_ARELLE_VERSION = "2.47.3"
# base types of the fact's value that validateValue handles with no element context beyond
# the element itself (QName values, which read its namespace map, are left to Arelle)
_VALUE_TYPES = frozenset((
    "decimal", "integer", "nonNegativeInteger", "positiveInteger", "boolean", "string",
    "normalizedString", "token", "duration", "date", "dateTime", "XBRLI_DATEUNION",
    "gYear", "gYearMonth", "gMonthDay", "anyURI",
))  # fmt: skip
# values whose typed value is an immutable number or boolean, shared by the facts that
# repeat them (a filing repeats "0" and many amounts); strings are cheap to check again
_NUMERIC_TYPES = frozenset((
    "decimal", "integer", "nonNegativeInteger", "positiveInteger", "boolean",
))  # fmt: skip
_UNPLANNED = object()
_ATTRIBUTES = frozenset(("contextRef", "unitRef", "decimals", "precision", "id"))
_ATTRIBUTE_TYPES = frozenset(("IDREF", "ID", "XBRLI_DECIMALSUNION", "XBRLI_PRECISIONUNION"))
# an item type's allowed attributes (tag -> base type) and its required ones
_TypeAttributes = tuple[dict[str, str], frozenset[str]]


class _Plan:
    """What Arelle's validation of a fact of one concept looks up, worked out once."""

    __slots__ = ("base_type", "nillable", "facets", "numeric", "attributes", "required")

    def __init__(
        self, concept: ModelConcept, attributes: dict[str, str], required: frozenset[str]
    ) -> None:
        self.base_type: str = concept.baseXsdType
        self.nillable: bool = concept.isNillable
        self.facets = concept.facets
        self.numeric = self.base_type in _NUMERIC_TYPES
        self.attributes = attributes  # attribute tag -> its base type
        self.required: frozenset[str] = required


class ItemFactValidation:
    """Validates plain item facts of the models it owns without Arelle's generic walk."""

    def __init__(self, *, owns: Callable[[ModelXbrl], bool]) -> None:
        self._owns = owns
        self._model: ModelXbrl | None = None
        self._plans: dict[str, _Plan | None] = {}  # by element tag
        self._types: dict[Any, _TypeAttributes | None] = {}
        self._values: dict[tuple[_Plan, str], tuple[int, Any, Any]] = {}
        self._attributes: dict[tuple[str, str], tuple[int, Any, Any]] = {}
        self.validated = 0

    def install(self) -> bool:
        """Route Arelle's validation of facts through this path (once); False if the Arelle
        installed is not the version it was checked against, in which case nothing changes.
        """
        if ARELLE_VERSION != CHECKED_ARELLE_VERSION:
            return False
        # facts come from the instance's content model (XmlValidateParticles) or, once an
        # element there did not match (a concept missing from the DTS), from XmlValidate
        for module in (XmlValidateParticles, XmlValidate):
            original = module.validate
            if getattr(original, "ledgergraph_items", None) is not self:
                module.validate = self._wrap(original)  # type: ignore[assignment]
        return True

    def start(self) -> None:
        """Forget the previous model's plans (they hold its concepts and types) and values."""
        self._model = None
        self._plans = {}
        self._types = {}
        self._values = {}
        self._attributes = {}
        self.validated = 0

    def _wrap(self, original: Callable[..., None]) -> Callable[..., None]:
        def validate(modelXbrl: ModelXbrl, elt: Any, *args: Any, **kwargs: Any) -> None:
            if args or type(elt) is not ModelFact or not self._validate(modelXbrl, elt, kwargs):
                original(modelXbrl, elt, *args, **kwargs)

        validate.ledgergraph_items = self  # type: ignore[attr-defined]
        return validate

    def _validate(self, model: ModelXbrl, elt: ModelFact, kwargs: dict[str, Any]) -> bool:
        """Validate ``elt`` as Arelle would and return True, or False to leave it to Arelle."""
        if (
            kwargs.get("ixFacts")
            or kwargs.get("setTargetModelXbrl")
            or getattr(elt, "xValid", UNVALIDATED) != UNVALIDATED
            or len(elt)  # child elements, comments or processing instructions
            or not self._owns(model)
        ):
            return False
        declared = kwargs.get("elementDeclarationType")
        if declared is not None and declared.qname != XbrlConst.qnXsdDefaultType:
            return False  # the value's type may come from the declaration: Arelle decides
        if model is not self._model:
            self.start()
            self._model = model
        plan = self._plans.get(elt.tag, _UNPLANNED)
        if plan is _UNPLANNED:
            # a tag names one concept in a model (its prefix aside): looked up once
            concept = model.qnameConcepts.get(elt.elementQname)
            plan = None if concept is None else _plan(model, concept, self._types)
            self._plans[elt.tag] = plan
        if plan is None:
            return False
        present = elt.keys()
        if not plan.required.issubset(present) or not all(
            tag in plan.attributes for tag in present
        ):
            return False
        self._assign_value(model, elt, plan)
        self._assign_attributes(model, elt, plan)
        self.validated += 1
        return True

    def _assign_value(self, model: ModelXbrl, elt: ModelFact, plan: _Plan) -> None:
        # XmlValidate.validate's order: the value first, then each attribute in document
        # order; no required, extraneous or default attribute and no child element can be
        # wrong here (the plan and the checks above), so nothing else is reported
        text = sys.intern(elt.text or "")
        if plan.numeric:
            known = self._values.get((plan, text))
            if known is not None:
                elt.xValid, elt.xValue, elt.sValue = known
                return
        XmlValidate.validateValue(
            model, elt, None, plan.base_type, text, plan.nillable, False, plan.facets
        )
        if plan.numeric and elt.xValid == VALID:
            self._values[(plan, text)] = (VALID, elt.xValue, elt.sValue)

    def _assign_attributes(self, model: ModelXbrl, elt: ModelFact, plan: _Plan) -> None:
        elt.xAttributes = attributes = {}
        known_values = self._attributes
        for tag, value in elt.items():
            tag = sys.intern(tag)
            value = sys.intern(value)
            base_type = plan.attributes[tag]
            known = known_values.get((base_type, value))
            if known is None and base_type == "ID":
                # unique to the fact: checked, not remembered; Arelle reports a bad one
                result = XmlValidate.validateValueString(base_type, value)
                if result.xValid == VALID_ID:
                    known = (VALID_ID, result.xValue, result.sValue)
            if known is not None:
                attributes[tag] = ModelAttribute(elt, tag, *known, value)
                continue
            XmlValidate.validateValue(model, elt, tag, base_type, value)  # sets attributes[tag]
            typed = attributes[tag]
            if typed.xValid == VALID:
                known_values[(base_type, value)] = (VALID, typed.xValue, typed.sValue)


def _plan(
    model: ModelXbrl, concept: ModelConcept, types: dict[Any, _TypeAttributes | None]
) -> _Plan | None:
    """The plan for facts of ``concept``, or None when Arelle must validate them itself;
    ``types`` keeps what each item type allows, worked out once per model."""
    model_type = concept.type
    if (
        model_type is None
        or not concept.isItem
        or concept.isAbstract
        or concept.isFraction
        or concept.baseXsdType not in _VALUE_TYPES
        or (concept.baseXsdType == "token" and concept.isEnumeration)
        or concept.default is not None
        or concept.fixed is not None
    ):
        return None
    if model_type not in types:
        types[model_type] = _type_attributes(model, model_type)
    allowed = types[model_type]
    if allowed is None:
        return None
    return _Plan(concept, *allowed)


def _type_attributes(model: ModelXbrl, model_type: Any) -> _TypeAttributes | None:
    """The attributes an item type allows on the short path (tag -> base type) and those
    it requires, or None when its facts must go to Arelle."""
    if model_type.defaultAttributeQnames:
        return None
    attributes = {}
    for qname, declaration in model_type.attributes.items():
        if qname.namespaceURI or qname.localName not in _ATTRIBUTES:
            continue
        if declaration.baseXsdType not in _ATTRIBUTE_TYPES or declaration.facets:
            continue  # left out: a fact with this attribute goes to Arelle
        attributes[qname.localName] = declaration.baseXsdType
    required = model_type.requiredAttributeQnames
    if any(q.namespaceURI or q.localName not in attributes for q in required):
        return None
    no_children = XmlValidateParticles.validateElementSequence(model, model_type, [], False, False)
    if no_children is not None and no_children[2]:
        return None  # the type wants child elements: Arelle reports what is missing
    return attributes, frozenset(q.localName for q in required)
