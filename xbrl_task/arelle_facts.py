"""Part of the Arelle adapter: facts, contexts, units and concepts copied into plain values.

Inline facts also keep how they were displayed (hidden, format, scale, sign), and numeric
inline values are recomputed here with exact decimal arithmetic: Arelle scales with the
default 28-digit decimal context, which rounds longer numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, time
from typing import TYPE_CHECKING

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
from lxml import etree

from xbrl_task.arelle_context_content import (
    non_dimensional_names,
    non_dimensional_xml,
    typed_key,
)
from xbrl_task.arelle_footnotes import FootnoteIndex
from xbrl_task.identity import concept_name, filed_moment, is_clamped, split_moment
from xbrl_task.inline_display import value_unseen
from xbrl_task.model import (
    ConceptInfo,
    ContextInfo,
    DimensionInfo,
    FactInfo,
    InlineInfo,
    PeriodInfo,
    QName,
    UnitInfo,
)
from xbrl_task.values import ValueNotExact, scaled_text, shown

if TYPE_CHECKING:
    from xbrl_task.arelle_dts_cache import StandardSchemaCache

_FLOATING_TYPES = frozenset({"double", "float"})
_IX_HIDDEN = tuple(f"{{{ns}}}hidden" for ns in XbrlConst.ixbrlAll)


def document_order(facts: list[ModelFact]) -> Iterator[ModelFact]:
    """Facts in document order, tuple members after their tuple.

    NOTE: ``factsInInstance`` is a set ordered by object address; iterating it would make
    which of two complete duplicates is kept differ from run to run.
    """
    for fact in facts:
        yield fact
        # an item has no member facts: its concept (isTuple) need not be looked up
        if fact.modelTupleFacts and fact.isTuple:
            yield from document_order(fact.modelTupleFacts)


def tuple_members(facts: Iterable[ModelFact]) -> dict[int, tuple[int, str]]:
    """The tuple directly holding each fact of a tuple, by the member fact's ``id()``: its
    number (0 for the filing's first tuple holding facts, in document order) and how a
    reader finds it (``tuple_name``); ``facts`` in document order, tuple members included
    (``document_order``)."""
    held: dict[int, tuple[int, str]] = {}
    tuples = (f for f in facts if f.modelTupleFacts and f.isTuple)
    for number, holder in enumerate(tuples):
        parent = (number, tuple_name(holder))
        held.update((id(member), parent) for member in holder.modelTupleFacts)
    return held


def tuple_name(holder: ModelFact) -> str:
    """A tuple as a warning names it: ``tsla:RevenueGroup t-b`` (concept and id), or where
    it is filed when it has no id, ``tsla:RevenueGroup at tsla-20240630_htm.xml line 9``."""
    concept = concept_name(to_qname(holder.qname))
    tuple_id = holder.get("id")
    if tuple_id:
        return f"{concept} {tuple_id}"
    document = holder.modelDocument.basename if holder.modelDocument is not None else "?"
    return f"{concept} at {document} line {holder.sourceline}"


class FactCopier:
    """Copies Arelle objects into plain values, once per context, unit and concept.

    Contexts, units and concepts are looked up by their Arelle object first (the model
    keeps them alive while it is copied), so a fact reusing one costs a dict lookup, not
    its ids and qnames read again; the first object seen under an id or qname still
    decides what every later one with the same id or qname gets.
    """

    def __init__(
        self,
        footnotes: FootnoteIndex,
        *,
        displayed_hidden: frozenset[str] = frozenset(),
        standard: StandardSchemaCache | None = None,
    ) -> None:
        """``displayed_hidden``: ids of ``ix:hidden`` facts the document displays by a
        ``-sec-ix-hidden`` style property (``inline_display``); ``standard``: the
        session's schema cache, whose concepts' copies are made once per worker."""
        self._displayed_hidden = displayed_hidden
        self._standard = standard
        self.concepts: dict[QName, ConceptInfo] = {}
        self._by_object: dict[int, ConceptInfo | None] = {}
        self._contexts: dict[str, ContextInfo] = {}
        self._context_objects: dict[int, ContextInfo | None] = {}
        self._units: dict[str, UnitInfo] = {}
        self._unit_objects: dict[int, UnitInfo | None] = {}
        self._footnotes = footnotes
        self._type_defaults: dict[tuple[int, str], str | None] = {}
        self._periods: dict[bytes, PeriodInfo] = {}
        self._dimensions: dict[tuple[bytes, str], DimensionInfo] = {}

    def fact(self, fact: ModelFact, *, in_tuple: tuple[int, str] | None = None) -> FactInfo:
        """The copy of a fact; ``in_tuple`` the number and name of the tuple holding it, if
        any (``tuple_members``)."""
        qname = fact.qname
        concept = self._concept_object(qname, fact.concept)
        numeric = concept is not None and concept.is_numeric
        is_inline = isinstance(fact, ModelInlineFact)
        inline = inline_info(fact, self._displayed_hidden) if is_inline else None
        value, value_error = value_of(fact)
        context = fact.context
        unit = fact.unit
        return FactInfo(
            qname=to_qname(qname),
            concept=concept,
            context=self._context_object(context) if context is not None else None,
            unit=self._unit_object(unit) if unit is not None else None,
            value=value,
            is_nil=fact.isNil,
            decimals=self._accuracy(fact, "decimals") if numeric else None,
            precision=self._accuracy(fact, "precision") if numeric else None,
            language=None if numeric else fact.xmlLang,
            xml_id=fact.get("id"),
            context_id=fact.get("contextRef"),
            unit_id=fact.get("unitRef"),
            is_tuple=concept is not None and concept.is_tuple,
            tuple_facts=len(fact.modelTupleFacts) if fact.isTuple else 0,
            in_tuple=in_tuple[0] if in_tuple is not None else None,
            parent=in_tuple[1] if in_tuple is not None else None,
            value_error=value_error,
            text_error=broken_continuation(fact) if inline is not None else None,
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
        standard = self._standard
        if standard is not None and (kept := standard.copy_of(concept, qname.prefix)):
            return self.concepts.setdefault(kept.qname, kept)
        key = to_qname(qname)
        info = self.concepts.get(key)
        if info is None:
            info = self.concepts[key] = concept_info(key, concept)
            if standard is not None:
                standard.keep_copy(concept, qname.prefix, info)
        return info

    def context(self, context: ModelContext | None) -> ContextInfo | None:
        if context is None:
            return None
        context_id = context.id
        info = self._contexts.get(context_id)
        if info is None:
            scheme, identifier = context.entityIdentifier
            dimensions = tuple(self._dimension_of(v) for v in context.qnameDims.values())
            segment, scenario = context.segNonDimValues, context.scenNonDimValues
            info = self._contexts[context_id] = ContextInfo(
                context_id,
                scheme,
                identifier.strip(),
                self._period(context),
                dimensions,
                non_dimensional=non_dimensional_xml(segment, scenario),
                non_dimensional_names=non_dimensional_names(segment, scenario),
            )
        return info

    def non_dimensional_contexts(self, contexts: Iterable[ModelContext]) -> list[ContextInfo]:
        """The copies of the contexts holding segment or scenario content that is no
        dimension member, whether a fact Arelle made uses them or not."""
        held = (c for c in contexts if c.segNonDimValues or c.scenNonDimValues)
        return [info for info in map(self.context, held) if info is not None]

    def unit(self, unit: ModelUnit | None) -> UnitInfo | None:
        if unit is None:
            return None
        unit_id = unit.id
        info = self._units.get(unit_id)
        if info is None:
            numerators, denominators = unit.measures
            info = self._units[unit_id] = UnitInfo(
                unit_id,
                tuple(to_qname(m) for m in numerators),
                tuple(to_qname(m) for m in denominators),
            )
        return info

    def _accuracy(self, fact: ModelFact, name: str) -> str | None:
        """``decimals`` or ``precision`` as Arelle reads it (numeric facts: text has none).

        NOTE: a fact without the attribute gets the fixed or default value of its
        concept's type, which Arelle looks up in the schema again for every such fact;
        here it is looked up once per concept.
        """
        text = fact.get(name)
        if text:
            return text
        key = (id(fact.concept), name)
        try:
            return self._type_defaults[key]
        except KeyError:
            value = self._type_defaults[key] = getattr(fact, name)
            return value

    def _period(self, context: ModelContext) -> PeriodInfo:
        """The context's period, read once per distinct period markup (a few a filing)."""
        element = context.period
        if element is None:
            return period_info(context)
        key = etree.tostring(element, with_tail=False)
        period = self._periods.get(key)
        if period is None:
            period = self._periods[key] = period_info(context)
        return period

    def _concept_object(
        self, qname: ArelleQName | None, concept: ModelConcept | None
    ) -> ConceptInfo | None:
        # NOTE: keyed by the concept object: a fact's qname object may be its own
        if concept is None:
            return None
        try:
            return self._by_object[id(concept)]
        except KeyError:
            info = self._by_object[id(concept)] = self.concept(qname, concept)
            return info

    def _context_object(self, context: ModelContext) -> ContextInfo | None:
        try:
            return self._context_objects[id(context)]
        except KeyError:
            info = self._context_objects[id(context)] = self.context(context)
            return info

    def _unit_object(self, unit: ModelUnit) -> UnitInfo | None:
        try:
            return self._unit_objects[id(unit)]
        except KeyError:
            info = self._unit_objects[id(unit)] = self.unit(unit)
            return info

    def _dimension_of(self, value: ModelDimensionValue) -> DimensionInfo:
        """A context's dimension, read once per distinct member markup and container."""
        key = (etree.tostring(value, with_tail=False), value.contextElement)
        info = self._dimensions.get(key)
        if info is None:
            info = self._dimensions[key] = self._dimension(value)
        return info

    def _dimension(self, value: ModelDimensionValue) -> DimensionInfo:
        axis = value.dimensionQname
        self.concept(axis, value.dimension)
        if value.isExplicit:
            self.concept(value.memberQname, value.member)
            member = to_qname(value.memberQname) if value.memberQname is not None else None
            return DimensionInfo(to_qname(axis), member, None, value.contextElement)
        typed = value.typedMember
        text = typed.stringValue.strip() if typed is not None else None
        key = typed_key(typed)
        return DimensionInfo(to_qname(axis), None, text, value.contextElement, key)


def value_of(fact: ModelFact) -> tuple[str | None, str | None]:
    """The fact's text after inline transforms, or (None, why it cannot be read).

    A number's text is returned even when it is not a number (``abc``, INF, 60 digits):
    extraction rejects it naming the text, the same for inline and classic facts. A value
    cannot be read when its inline format is implemented by no registry or refuses the
    displayed text, or when a non-numeric value is not valid for the concept's type.
    """
    if fact.isNil:
        return None, None
    if fact.isFraction:
        numerator, denominator = fact.fractionValue
        return f"{numerator.strip()}/{denominator.strip()}", None
    inline = isinstance(fact, ModelInlineFact)
    try:
        value = fact.value
    except Exception:  # Arelle raises for an inline format or number it could not read
        if not inline:
            raise
        return _read_inline(fact)
    if getattr(fact, "xValid", None) == XmlValidateConst.INVALID:
        # Arelle's "value" is then an error marker or the text as filed, not a value
        return _read_inline(fact) if inline else _read_classic(fact, value)
    if inline and fact.localName == "nonFraction" and _is_numeric(fact):
        # recomputed exactly and checked as XML Schema spells a number, whatever Arelle
        # read: its Decimal takes any Unicode digit and "1_000" (xbrl_task/README.md, Values)
        return _read_inline(fact)
    return value, None


def broken_continuation(fact: ModelInlineFact) -> str | None:
    """Why an inline fact's text cannot be read whole, or None: its ``continuedAt`` chain
    names an id no ``ix:continuation`` of the document set has, or comes back on itself.

    NOTE: Arelle logs either (ix11 continuationMissing, continuationCycle) and keeps the
    text read up to the break, cut short with nothing on the fact to say so. It links each
    element of a chain to the next as ``_continuationElement``, and leaves the link out
    where the chain breaks.
    """
    element, seen = fact, {fact.get("id")}
    while target := element.get("continuedAt"):
        if target in seen:
            return f"continuedAt names {target} again, a cycle; the text has no end"
        following = getattr(element, "_continuationElement", None)
        if following is None:
            return (
                f"continuedAt names {target}, which is no ix:continuation of the document "
                "set; the text would stop there"
            )
        seen.add(target)
        element = following
    return None


def _read_classic(fact: ModelFact, text: str) -> tuple[str | None, str | None]:
    """A classic value Arelle found invalid: a number's text as filed (extraction decides
    whether it is one), or why a non-numeric one is rejected."""
    if _is_numeric(fact):
        return text, None
    return None, f"{shown(text.strip())} is {_not_valid(fact)}"


def _read_inline(fact: ModelInlineFact) -> tuple[str | None, str | None]:
    """An inline value read here, through its format, to say why it cannot be read.

    Every inline number comes this way, read or not by Arelle: Returns (the exact number,
    None) for a number (extraction rejects what DECIMAL(38, 12) cannot hold, as for
    classic facts), else (None, the reason naming the format and quoting the displayed
    text, or the text without a format as a classic ``abc`` is quoted).
    """
    displayed = raw_text(fact) or ""
    quoted = shown(displayed.strip())
    fmt = fact.format
    text = displayed
    if fmt is not None:
        functions = FunctionIxt.ixtNamespaceFunctions.get(fmt.namespaceURI, {})
        if fmt.localName not in functions:
            return None, f"no registry implements format {fmt} (displayed text {quoted})"
        try:
            text = functions[fmt.localName](displayed)
        except Exception:  # whatever a format raises is its refusal, for Arelle too
            return None, f"format {fmt} refused the displayed text {quoted}"
    read = f"format {fmt} read the displayed text {quoted} as {shown(text)}" if fmt else None
    if not _is_numeric(fact) or fact.localName != "nonFraction":
        why = f"{read}, {_not_valid(fact)}" if read else f"{quoted} is {_not_valid(fact)}"
        return None, why
    try:
        floating = fact.concept.baseXsdType in _FLOATING_TYPES
        return scaled_text(text, fact.scale, negative=fact.sign == "-", floating=floating), None
    except ValueNotExact as exc:  # the text as classic numbers get it: "not a number: 'x'"
        return None, f"{read}: {exc}" if read else str(exc)


def _not_valid(fact: ModelFact) -> str:
    """What a non-numeric text is not: a value of the concept's type, named."""
    concept = fact.concept
    return f"not a valid {concept.typeQname if concept is not None else 'value'}"


def _is_numeric(fact: ModelFact) -> bool:
    return fact.concept is not None and bool(fact.concept.isNumeric)


def inline_info(
    fact: ModelInlineFact, displayed_hidden: frozenset[str] = frozenset()
) -> InlineInfo:
    """How the fact was displayed; one in ``ix:hidden`` is displayed when its id is among
    ``displayed_hidden`` (named by a ``-sec-ix-hidden`` style property), one of the body
    when a reader sees some of its value (``inline_display.value_unseen``)."""
    hidden = next(fact.iterancestors(*_IX_HIDDEN), None) is not None
    if hidden:
        displayed = fact.get("id") in displayed_hidden
    else:
        displayed = not value_unseen(_value_elements(fact))
    fmt = fact.format
    shown = fmt is not None or fact.localName == "nonFraction"  # else the value is the text
    return InlineInfo(
        is_hidden=hidden,
        is_displayed=displayed,
        displayed_text=raw_text(fact) if shown else None,
        format=to_qname(fmt) if fmt is not None else None,
        scale=fact.scale,
        sign=fact.sign,
        document=fact.modelDocument.basename,
    )


def _value_elements(fact: ModelInlineFact) -> Iterator[etree._Element]:
    """The fact element and the ``ix:continuation`` elements its value goes on in, in
    order (a chain that breaks or comes back ends there: ``broken_continuation``)."""
    element: etree._Element | None = fact
    seen: set[int] = set()
    while element is not None and id(element) not in seen:
        seen.add(id(element))
        yield element
        element = getattr(element, "_continuationElement", None)


def raw_text(fact: ModelFact) -> str | None:
    try:
        return fact.rawValue
    except Exception:  # the displayed text is only shown, never a value: none is no harm
        return None


def period_info(context: ModelContext) -> PeriodInfo:
    """The context's period as the graph keys it (see ``model.PeriodInfo``)."""
    # NOTE: Arelle keeps a date-only end (and instant) as the next midnight; its
    # dateunionDate turns that back into the day but drops any other time of day, so a
    # noon end would read as the day that ends at midnight (split_moment keeps it)
    if context.isForeverPeriod:
        return PeriodInfo("forever")
    filed = clamped_moments(context)
    try:
        if context.isInstantPeriod:
            day, clock = _moment(context.instantDatetime, filed.get("instant"), end=True)
            return PeriodInfo("instant", None, day, end_time=clock)
        start, start_time = _moment(context.startDatetime, filed.get("startDate"), end=False)
        end, end_time = _moment(context.endDatetime, filed.get("endDate"), end=True)
    except ValueError as exc:
        kind = "instant" if context.isInstantPeriod else "duration"
        return PeriodInfo(kind, error=str(exc))
    return PeriodInfo("duration", start, end, start_time, end_time)


def clamped_moments(context: ModelContext) -> dict[str, str]:
    """The texts as filed of the context's period moments whose value Arelle clamped
    (``identity.is_clamped``: 9999-12-31, a day that does not exist), by element name."""
    moments = {
        "startDate": None if context.isInstantPeriod else context.startDatetime,
        "endDate": None if context.isInstantPeriod else context.endDatetime,
        "instant": context.instantDatetime if context.isInstantPeriod else None,
    }
    element = context.period
    if element is None:
        return {}
    return {
        name: element.findtext(f"{{{XbrlConst.xbrli}}}{name}") or ""
        for name, moment in moments.items()
        if is_clamped(moment)
    }


def _moment(value: date | None, filed: str | None, *, end: bool) -> tuple[date, time | None]:
    """A moment as ``split_moment`` reads it, from the text filed where Arelle clamped it."""
    return split_moment(value, end=end) if filed is None else filed_moment(filed, end=end)


def concept_info(qname: QName, concept: ModelConcept) -> ConceptInfo:
    """The plain copy of ``concept`` named ``qname`` (the prefix the filing uses)."""
    return ConceptInfo(
        qname=qname,
        data_type=optional_qname(concept.typeQname),
        substitution_group=optional_qname(concept.substitutionGroupQname),
        period_type=concept.periodType,
        balance=concept.balance,
        is_abstract=bool(concept.isAbstract),
        is_nillable=concept.nillable in ("true", "1"),
        # NOTE: Arelle's isNumeric leaves fractions out; XBRL 2.1 makes them
        # numeric items, with a unit (extraction rejects their values)
        is_numeric=bool(concept.isNumeric or concept.isFraction),
        is_tuple=bool(concept.isTuple),
        is_floating=concept.baseXsdType in _FLOATING_TYPES,
        is_fraction=bool(concept.isFraction),
    )


def to_qname(qname: ArelleQName) -> QName:
    return QName(qname.namespaceURI or "", qname.localName, qname.prefix or None)


def optional_qname(qname: ArelleQName | None) -> QName | None:
    return to_qname(qname) if qname is not None else None
