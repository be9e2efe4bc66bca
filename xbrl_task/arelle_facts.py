"""Part of the Arelle adapter: facts, contexts, units and concepts copied into plain values.

Inline facts also keep how they were displayed (hidden, format, scale, sign), and numeric
inline values are recomputed here with exact decimal arithmetic: Arelle scales with the
default 28-digit decimal context, which rounds longer numbers.
"""

from __future__ import annotations

from collections.abc import Iterator

from arelle import FunctionIxt, XbrlConst, XmlValidateConst
from arelle.ModelDtsObject import ModelConcept
from arelle.ModelInstanceObject import (
    ModelContext,
    ModelDimensionValue,
    ModelFact,
    ModelInlineFact,
    ModelUnit,
)
from arelle.ModelValue import QName as ArelleQName
from arelle.ModelValue import dateunionDate

from xbrl_task.arelle_footnotes import FootnoteIndex
from xbrl_task.model import (
    TRANSFORM_UNKNOWN,
    VALUE_REFUSED,
    ConceptInfo,
    ContextInfo,
    DimensionInfo,
    FactInfo,
    InlineInfo,
    PeriodInfo,
    QName,
    UnitInfo,
)
from xbrl_task.values import ValueNotExact, scaled_text

_IX_HIDDEN = tuple(f"{{{ns}}}hidden" for ns in XbrlConst.ixbrlAll)


def document_order(facts: list[ModelFact]) -> Iterator[ModelFact]:
    """Facts in document order, tuple members after their tuple.

    NOTE: ``factsInInstance`` is a set ordered by object address; iterating it would make
    which of two complete duplicates is kept differ from run to run.
    """
    for fact in facts:
        yield fact
        if fact.isTuple:
            yield from document_order(fact.modelTupleFacts)


class FactCopier:
    """Copies Arelle objects into plain values, once per context, unit and concept."""

    def __init__(self, footnotes: FootnoteIndex) -> None:
        self.concepts: dict[QName, ConceptInfo] = {}
        self._by_object: dict[int, ConceptInfo] = {}  # the model keeps its concepts alive
        self._contexts: dict[str, ContextInfo] = {}
        self._units: dict[str, UnitInfo] = {}
        self._footnotes = footnotes

    def fact(self, fact: ModelFact) -> FactInfo:
        concept = self.concept(fact.qname, fact.concept)
        numeric = concept is not None and concept.is_numeric
        inline = inline_info(fact) if isinstance(fact, ModelInlineFact) else None
        value, transform_error = value_of(fact)
        raw = raw_text(fact) if transform_error else None
        return FactInfo(
            qname=to_qname(fact.qname),
            concept=concept,
            context=self.context(fact.context),
            unit=self.unit(fact.unit),
            value=value,
            is_nil=fact.isNil,
            decimals=fact.decimals if numeric else None,  # the lookups cost; text has none
            precision=fact.precision if numeric else None,
            language=None if numeric else fact.xmlLang,
            xml_id=fact.id,
            context_id=fact.contextID,
            unit_id=fact.unitID,
            is_tuple=concept is not None and concept.is_tuple,
            transform_error=transform_error,
            raw_value=raw,
            inline=inline,
            footnotes=self._footnotes.links_of(fact),
        )

    def defined(self, concept: ModelConcept) -> ConceptInfo:
        """The copy of a concept of the DTS, made once per concept object."""
        info = self._by_object.get(id(concept))
        if info is None:
            info = self._by_object[id(concept)] = self.concept(concept.qname, concept)
        return info

    def concept(
        self, qname: ArelleQName | None, concept: ModelConcept | None
    ) -> ConceptInfo | None:
        if qname is None or concept is None:
            return None
        key = to_qname(qname)
        if key not in self.concepts:
            self.concepts[key] = ConceptInfo(
                qname=key,
                data_type=optional_qname(concept.typeQname),
                substitution_group=optional_qname(concept.substitutionGroupQname),
                period_type=concept.periodType,
                balance=concept.balance,
                is_abstract=bool(concept.isAbstract),
                is_nillable=concept.nillable in ("true", "1"),
                is_numeric=bool(concept.isNumeric),
                is_tuple=bool(concept.isTuple),
            )
        return self.concepts[key]

    def context(self, context: ModelContext | None) -> ContextInfo | None:
        if context is None:
            return None
        if context.id not in self._contexts:
            scheme, identifier = context.entityIdentifier
            dimensions = tuple(self._dimension(v) for v in context.qnameDims.values())
            self._contexts[context.id] = ContextInfo(
                context.id, scheme, identifier.strip(), _period(context), dimensions
            )
        return self._contexts[context.id]

    def unit(self, unit: ModelUnit | None) -> UnitInfo | None:
        if unit is None:
            return None
        if unit.id not in self._units:
            numerators, denominators = unit.measures
            self._units[unit.id] = UnitInfo(
                unit.id,
                tuple(to_qname(m) for m in numerators),
                tuple(to_qname(m) for m in denominators),
            )
        return self._units[unit.id]

    def _dimension(self, value: ModelDimensionValue) -> DimensionInfo:
        axis = value.dimensionQname
        self.concept(axis, value.dimension)
        if value.isExplicit:
            self.concept(value.memberQname, value.member)
            member = to_qname(value.memberQname) if value.memberQname is not None else None
            return DimensionInfo(to_qname(axis), member, None, value.contextElement)
        typed = value.typedMember
        text = typed.stringValue.strip() if typed is not None else None
        return DimensionInfo(to_qname(axis), None, text, value.contextElement)


def value_of(fact: ModelFact) -> tuple[str | None, str | None]:
    """The fact's text after inline transforms, or (None, why) when Arelle could not get it."""
    if fact.isNil:
        return None, None
    if fact.isFraction:
        numerator, denominator = fact.fractionValue
        return f"{numerator.strip()}/{denominator.strip()}", None
    try:
        value = fact.value
    except Exception as exc:
        # an inline transform or number Arelle rejected: keep no value rather than guess
        return None, f"{_format_of(fact)}: {exc}"
    if getattr(fact, "xValid", None) == XmlValidateConst.INVALID and _format_of(fact):
        # the "value" Arelle returns then is an error marker, not the filed value: either no
        # registry (XBRL's or sec_transforms) knows the format, or the format refused the
        # text, or its result is not valid for the concept's type
        return None, f"{_format_of(fact)}: {_why_invalid(fact.format)}"
    if isinstance(fact, ModelInlineFact) and fact.localName == "nonFraction":
        return _exact_inline_number(fact, value), None
    return value, None


def _exact_inline_number(fact: ModelInlineFact, arelle_value: str) -> str:
    """The scaled, signed value computed exactly from the transformed text."""
    fmt = fact.format
    try:
        text = fact.rawValue
        if fmt is not None:
            text = FunctionIxt.ixtNamespaceFunctions[fmt.namespaceURI][fmt.localName](text)
        return scaled_text(text, fact.scale, negative=fact.sign == "-")
    except (ValueNotExact, KeyError, ValueError):
        return arelle_value  # INF, NaN, or a format only Arelle's custom table knows


def inline_info(fact: ModelInlineFact) -> InlineInfo:
    hidden = next(fact.iterancestors(*_IX_HIDDEN), None) is not None
    fmt = fact.format
    shown = fmt is not None or fact.localName == "nonFraction"  # else the value is the text
    return InlineInfo(
        is_hidden=hidden,
        displayed_text=raw_text(fact) if shown else None,
        format=to_qname(fmt) if fmt is not None else None,
        scale=fact.scale,
        sign=fact.sign,
        document=fact.modelDocument.basename,
    )


def raw_text(fact: ModelFact) -> str | None:
    try:
        return fact.rawValue
    except Exception:  # the raw text only keeps distinct untransformed facts apart
        return None


def _why_invalid(fmt: ArelleQName) -> str:
    known = FunctionIxt.ixtNamespaceFunctions.get(fmt.namespaceURI, {})
    return VALUE_REFUSED if fmt.localName in known else TRANSFORM_UNKNOWN


def _format_of(fact: ModelFact) -> str | None:
    fmt = getattr(fact, "format", None)
    return str(fmt) if fmt is not None else None


def _period(context: ModelContext) -> PeriodInfo:
    # Arelle keeps date-only ends as the next midnight (exclusive); dateunionDate with
    # subtractOneDay turns them back into the inclusive calendar day that was filed.
    if context.isForeverPeriod:
        return PeriodInfo("forever")
    if context.isInstantPeriod:
        return PeriodInfo(
            "instant", None, dateunionDate(context.instantDatetime, subtractOneDay=True)
        )
    start = dateunionDate(context.startDatetime)
    return PeriodInfo("duration", start, dateunionDate(context.endDatetime, subtractOneDay=True))


def to_qname(qname: ArelleQName) -> QName:
    return QName(qname.namespaceURI or "", qname.localName, qname.prefix or None)


def optional_qname(qname: ArelleQName | None) -> QName | None:
    return to_qname(qname) if qname is not None else None
