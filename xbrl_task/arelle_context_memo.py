"""Part of the Arelle adapter: a context's entity and period validated once per model.

Arelle validates every element of an instance against its schema (``XmlValidate``): that
is where each element gets its typed values (``xValid``, ``xValue``, ``sValue`` and the
typed attributes in ``xAttributes``). Contexts cost far more than their few elements
suggest, about 0.28 ms each (1987 in the bundled filings, a tenth of a batch's CPU time),
because each element goes through Arelle's generic content-model matching. Yet a filing's
contexts repeat the same few ``xbrli:entity`` and ``xbrli:period`` elements: one CIK with
a few segment members, a few fiscal periods.

The memo lets Arelle validate an entity or period subtree the first time its exact markup
is seen in a model (``etree.tostring`` of the subtree: tags, attributes, text and the
namespace declarations in scope, which fix how QName values resolve), and gives every
later identical subtree the same typed values, element by element. A subtree is only
remembered when its validation logged no error and every element and attribute came out
valid (and none is an ID), so a subtree with any error is validated, and reported, in
full every time; nothing is kept from one model to the next.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from arelle import XmlValidateParticles
from arelle.ModelObject import ModelAttribute, ModelObject
from arelle.ModelXbrl import ModelXbrl
from arelle.XmlValidate import xAttributesSharedEmptyDict
from arelle.XmlValidateConst import UNVALIDATED, VALID, VALID_ID
from lxml import etree

_XBRLI = "{http://www.xbrl.org/2003/instance}"
_MEMO_TAGS = frozenset((f"{_XBRLI}entity", f"{_XBRLI}period"))

# per element of a subtree, in document order: xValid, xValue, sValue and its attributes'
# (tag, xValid, xValue, sValue, text), or None when it has none
Typed = tuple[int, Any, Any, tuple[tuple[str, int, Any, Any, str], ...] | None]


class ContextPartMemo:
    """Typed values of the entity and period subtrees validated in the current model."""

    def __init__(self, *, owns: Callable[[ModelXbrl], bool]) -> None:
        self._owns = owns
        self._model: ModelXbrl | None = None
        self._by_markup: dict[tuple[int, bytes], list[Typed]] = {}
        self.reused = 0

    def install(self) -> None:
        """Route Arelle's validation of a particle's elements through the memo (once)."""
        original = XmlValidateParticles.validate
        if getattr(original, "ledgergraph_memo", None) is self:
            return

        def validate(modelXbrl: ModelXbrl, elt: Any, *args: Any, **kwargs: Any) -> None:
            if args or not self._applies(modelXbrl, elt, kwargs):
                original(modelXbrl, elt, *args, **kwargs)
                return
            self._validate(original, modelXbrl, elt, kwargs)

        validate.ledgergraph_memo = self  # type: ignore[attr-defined]
        XmlValidateParticles.validate = validate

    def start(self) -> None:
        """Forget the previous model's subtrees (their typed values belong to it)."""
        self._model = None
        self._by_markup = {}
        self.reused = 0

    def _applies(self, model: ModelXbrl, elt: Any, kwargs: dict[str, Any]) -> bool:
        return (
            elt.tag in _MEMO_TAGS
            and not kwargs.get("setTargetModelXbrl")
            and not kwargs.get("ixFacts")
            and getattr(elt, "xValid", UNVALIDATED) == UNVALIDATED
            and self._owns(model)
        )

    def _validate(
        self,
        original: Callable[..., None],
        model: ModelXbrl,
        elt: Any,
        kwargs: dict[str, Any],
    ) -> None:
        if model is not self._model:
            self._model, self._by_markup = model, {}
        declared = kwargs.get("elementDeclarationType")
        key = (id(declared), etree.tostring(elt, with_tail=False))
        typed = self._by_markup.get(key)
        elements = _elements(elt)
        if typed is not None and len(typed) == len(elements):
            for element, values in zip(elements, typed, strict=True):
                assign_typed(element, values)
            self.reused += 1
            return
        errors = len(model.errors)
        original(model, elt, **kwargs)
        if len(model.errors) == errors:
            copied = [typed_of(e) for e in elements]
            if all(values is not None for values in copied):
                self._by_markup[key] = copied  # type: ignore[assignment]


def _elements(root: Any) -> list[Any]:
    return [e for e in root.iter() if isinstance(e, ModelObject)]


def typed_of(element: Any) -> Typed | None:
    """What validation gave ``element``; None unless it and its attributes are valid (an
    ID or an invalid value is validated, and reported, every time)."""
    valid = getattr(element, "xValid", UNVALIDATED)
    if valid < VALID or valid == VALID_ID:
        return None
    attributes = getattr(element, "xAttributes", None)
    if attributes is None:
        return None
    copied = []
    for tag, typed in attributes.items():
        if typed.xValid < VALID or typed.xValid == VALID_ID:
            return None  # an ID or an invalid value: validated every time
        copied.append((tag, typed.xValid, typed.xValue, typed.sValue, typed.text))
    shared = attributes is xAttributesSharedEmptyDict
    return valid, element.xValue, element.sValue, None if shared else tuple(copied)


def assign_typed(element: Any, values: Typed) -> None:
    """Give ``element`` the typed values ``typed_of`` took from an identical element."""
    valid, x_value, s_value, attributes = values
    element.xValid, element.xValue, element.sValue = valid, x_value, s_value
    if attributes is None:
        element.xAttributes = xAttributesSharedEmptyDict
        return
    element.xAttributes = {
        tag: ModelAttribute(element, tag, a_valid, a_x, a_s, text)
        for tag, a_valid, a_x, a_s, text in attributes
    }
