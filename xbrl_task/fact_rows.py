"""One Fact and the nodes and relationships around it (Element, Context, Period, Unit...).

``FactRowBuilder.add`` is called once per usable fact; complete duplicates land on the same
Fact id and are counted as collapsed (and in the kept node's ``occurrences``) instead of
written twice. The footnotes of every copy are linked to the kept Fact, each once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from ledgergraph.ids import stable_id
from xbrl_task.aspect_rows import AspectRows
from xbrl_task.identity import concept_name, fact_id, format_name
from xbrl_task.model import (
    ConceptInfo,
    ContextInfo,
    FactInfo,
    FootnoteLink,
    QName,
    UnitInfo,
)
from xbrl_task.rows import Row
from xbrl_task.text import looks_like_html, plain_text
from xbrl_task.values import fact_number, value_key

DEI_PREFIX = "dei:"
NON_DIMENSIONAL = "non-dimensional"
_TEXT_BLOCK = "textBlockItemType"


class FactRowBuilder(AspectRows):
    """Accumulates the rows of one report's facts; ``collapsed`` counts complete duplicates."""

    def __init__(
        self,
        report_id: str,
        concepts: dict[QName, ConceptInfo],
        *,
        coregistrants: dict[QName, int] | None = None,
    ) -> None:
        super().__init__(concepts)
        self.report_id = report_id
        self.collapsed = 0
        self.dei: list[DeiFact] = []
        # Fact id -> what its duplicates share: concept, entity, period, context, unit,
        # language, and the tuple holding it if any (``duplicates.flag_duplicates``)
        self.aspects: dict[str, tuple[object, ...]] = {}
        # Fact id -> the tuple holding it, as a warning names it (facts in tuples only)
        self.parents: dict[str, str] = {}
        # Context id -> (context as filed, Fact id) per kept fact of a context holding
        # non-dimensional content, copies collapsed into one Fact included: what
        # non_dimensional.non_dimensional_warnings names and counts
        self.non_dimensional: dict[str, list[tuple[ContextInfo, str]]] = {}
        self._coregistrants = coregistrants or {}
        self._facts: dict[str, Row] = {}
        self._by_context: dict[int, _ContextAspects] = {}
        self._by_unit: dict[int, tuple[UnitInfo, str]] = {}

    @property
    def fact_rows(self) -> int:
        return self.rows.count("Fact")

    def add(self, fact: FactInfo) -> None:
        """Add a fact whose concept, context, (numeric) unit and exact value are known."""
        concept = fact.concept
        element = self.element(concept.qname)
        aspects = self._context_aspects(fact.context)
        numeric_unit = fact.unit is not None and concept.is_numeric
        unit = self._unit_of(fact.unit) if numeric_unit else None
        number = self.number(fact) if concept.is_numeric else None
        row = self._fact_row(fact, element, aspects, unit, number)
        fid = row["id"]
        if aspects.context.non_dimensional is not None:
            self.non_dimensional.setdefault(aspects.ctx, []).append((aspects.context, fid))
        kept = self._facts.get(fid)
        if kept is not None:
            kept["occurrences"] += 1
            self.collapsed += 1
            if row["is_displayed"]:  # the node stands for every copy: one shown shows it
                kept["is_displayed"] = True
            # a footnote may be attached to any copy; the kept row stands for them all
            self._add_footnotes(fid, fact.footnotes)
            return
        self._facts[fid] = row
        self.rows.add("Fact", row)
        entity, period, dimensions = aspects.entity, aspects.period, aspects.dims
        key = (element, entity, period, aspects.ctx, unit, row["language"])
        # XBRL 2.1 (4.10): items are duplicates only under one parent; a fact in no tuple
        # keys as it did before tuples were told apart (its duplicate_group unchanged)
        self.aspects[fid] = key if fact.in_tuple is None else (*key, fact.in_tuple)
        if fact.parent is not None:
            self.parents[fid] = fact.parent
        self._relate_fact(fid, element, aspects, unit)
        self._add_footnotes(fid, fact.footnotes)
        # NOTE: a dei fact of a context with non-dimensional content is about something
        # the content names, not the registrant's cover page: no Report or Entity reads it
        company_wide = aspects.context.non_dimensional is None
        if element.startswith(DEI_PREFIX) and row["value_text"] is not None and company_wide:
            dims = tuple(sorted(did for _, did in dimensions))
            text = row["value_text"]
            self.dei.append(DeiFact(entity, element, dims, text, period, fact.context_id))

    def _context_aspects(self, context: ContextInfo) -> _ContextAspects:
        """The ids a context gives its facts, its nodes added the first time it is seen.

        NOTE: every row added here is first-wins by key, so a context's later facts would
        only repeat the same no-op additions; the entry keeps the context object alive so
        its ``id()`` cannot be reused by another one.
        """
        cached = self._by_context.get(id(context))
        if cached is not None and cached.context is context:
            return cached
        filed_entity = self.entity(int(context.identifier))
        entity = self._attributed_entity(context) or filed_entity
        period = self.period(context.period)
        dimensions = [(d.container, self.dimension(d)) for d in context.dimensions]
        ctx = self.context(filed_entity, period, dimensions, context.non_dimensional)
        keys = sorted(f"{container}:{did}" for container, did in dimensions)
        if context.non_dimensional is not None:  # part of the fact's identity, as of its context
            keys.append(f"{NON_DIMENSIONAL}:{context.non_dimensional}")
        aspects = _ContextAspects(context, entity, period, ctx, dimensions, keys)
        self._by_context[id(context)] = aspects
        return aspects

    def _unit_of(self, unit: UnitInfo) -> str:
        cached = self._by_unit.get(id(unit))
        if cached is not None and cached[0] is unit:
            return cached[1]
        uid = self.unit(unit)
        self._by_unit[id(unit)] = (unit, uid)
        return uid

    def number(self, fact: FactInfo) -> Decimal | None:
        """The exact value of a numeric fact; None when nil.

        Raises:
            ValueNotExact: the value does not fit DECIMAL(38, 12); ``extract`` rejects such
                facts, and those whose value cannot be read, before they are added.
        """
        if fact.is_nil or fact.value is None:
            return None
        return fact_number(fact)

    def _attributed_entity(self, context: ContextInfo) -> str | None:
        """A co-registrant's CIK when the context names its dei:LegalEntityAxis member."""
        for dimension in context.dimensions:
            cik = self._coregistrants.get(dimension.member) if dimension.member else None
            if cik is not None and dimension.axis.local_name == "LegalEntityAxis":
                return self.entity(cik)
        return None

    def _fact_row(
        self,
        fact: FactInfo,
        element: str,
        aspects: _ContextAspects,
        unit: str | None,
        number: Decimal | None,
    ) -> Row:
        numeric = fact.concept.is_numeric
        text = None if fact.is_nil or fact.value is None else fact.value
        if numeric and text is not None:
            text = text.strip()
        key = value_key(fact, number)
        inline = fact.inline
        return {
            "id": fact_id(
                self.report_id, element, aspects.entity, aspects.period, aspects.keys,
                unit, fact.language, key, fact.decimals, fact.precision,
                in_tuple=fact.in_tuple,
            ),
            "accession_number": self.report_id,
            "concept": concept_name(fact.concept.qname),
            "value_text": text,
            "value_plain": _plain(fact.concept, text) if not numeric else None,
            "value_decimal": number,
            "decimals": fact.decimals,
            "precision": fact.precision,
            "is_nil": fact.is_nil,
            "is_numeric": numeric,
            "language": fact.language,
            "fact_xml_id": fact.xml_id,
            "context_id": fact.context_id,
            "unit_ref": fact.unit_id if numeric else None,
            "is_hidden": inline.is_hidden if inline else None,
            "is_displayed": inline.is_displayed if inline else None,
            "inline_format": format_name(inline.format) if inline and inline.format else None,
            "inline_scale": inline.scale if inline else None,
            "inline_sign": inline.sign if inline else None,
            "displayed_text": inline.displayed_text if inline else None,
            "document": inline.document if inline else None,
            "occurrences": 1,
            "duplicate_status": None,
            "duplicate_group": None,
        }  # fmt: skip

    def _relate_fact(
        self, fid: str, element: str, aspects: _ContextAspects, unit: str | None
    ) -> None:
        relate = self.rows.relate
        relate("REPORT_HAS_FACT", self.report_id, fid)
        relate("FACT_HAS_ELEMENT", fid, element)
        relate("FACT_HAS_PERIOD", fid, aspects.period)
        relate("FACT_HAS_ENTITY", fid, aspects.entity)
        relate("FACT_HAS_CONTEXT", fid, aspects.ctx)
        if unit is not None:
            relate("FACT_HAS_UNIT", fid, unit)
        for container, did in aspects.dims:
            self.rows.relate("FACT_HAS_DIMENSION", fid, did, container=container)

    def _add_footnotes(self, fid: str, links: tuple[FootnoteLink, ...]) -> None:
        for link in links:
            note = link.footnote
            nid = stable_id(self.report_id, note.xml_id, note.html)
            self.rows.add(
                "Footnote",
                {
                    "id": nid,
                    "accession_number": self.report_id,
                    "footnote_xml_id": note.xml_id,
                    "role": note.role,
                    "lang": note.language,
                    "text": note.html,
                    "text_plain": note.plain,
                },
            )
            self.rows.relate("FACT_HAS_FOOTNOTE", fid, nid, arcrole=link.arcrole)


def _plain(concept: ConceptInfo, text: str | None) -> str | None:
    """Plain text of a text block or of a value that carries HTML; None otherwise."""
    if text is None:
        return None
    is_block = concept.data_type is not None and concept.data_type.local_name == _TEXT_BLOCK
    if is_block or looks_like_html(text):
        return plain_text(text)
    return None


class DeiFact(NamedTuple):
    """A dei fact with a value, in document order: what the Report and Entity rows read."""

    entity: str
    element: str
    dims: tuple[str, ...]  # sorted dimension ids
    text: str
    period: str
    context_id: str


class _ContextAspects(NamedTuple):
    """What a context gives each of its facts: node ids and sorted dimension keys."""

    context: ContextInfo
    entity: str
    period: str
    ctx: str
    dims: list[tuple[str, str]]
    keys: list[str]
