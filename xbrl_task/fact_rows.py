"""One Fact and the nodes and relationships around it (Element, Period, Unit, Dimension...).

``FactRowBuilder.add`` is called once per usable fact; complete duplicates land on the same
Fact id and are counted as collapsed instead of written twice.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from ledgergraph.ids import cik10
from xbrl_task.identity import (
    concept_name,
    dimension_id,
    element_id,
    fact_id,
    measures_text,
    period_id,
    standard_family,
    unit_id,
)
from xbrl_task.model import (
    ConceptInfo,
    ContextInfo,
    DimensionInfo,
    FactInfo,
    QName,
    UnitInfo,
)
from xbrl_task.rows import GraphRows, Row
from xbrl_task.values import ValueNotExact, exact_decimal, value_key

DEI_PREFIX = "dei:"


class FactRowBuilder:
    """Accumulates the rows of one report's facts; ``collapsed`` counts complete duplicates."""

    def __init__(self, report_id: str, concepts: dict[QName, ConceptInfo]) -> None:
        self.report_id = report_id
        self.rows = GraphRows()
        self.collapsed = 0
        self.entities: dict[str, Row] = {}
        self.dei: dict[tuple[str, str], str] = {}
        self.untransformed: Counter[str] = Counter()
        self.inexact: list[str] = []
        self._concepts = concepts

    @property
    def fact_rows(self) -> int:
        return self.rows.count("Fact")

    def add(self, fact: FactInfo) -> None:
        """Add a fact whose concept, context and (numeric) unit are known."""
        concept, context = fact.concept, fact.context
        element = self.element(concept.qname)
        entity = self.entity(context)
        period = self.period(context)
        dimensions = [(d.container, self.dimension(d)) for d in context.dimensions]
        unit = self.unit(fact.unit) if fact.unit is not None and concept.is_numeric else None
        number = self.number(fact) if concept.is_numeric else None
        row = self._fact_row(fact, element, entity, period, dimensions, unit, number)
        if fact.transform_error:
            self.untransformed[fact.transform_error.split(": ", 1)[0]] += 1
        if not self.rows.add("Fact", row):
            self.collapsed += 1
            return
        self._relate_fact(row["id"], element, entity, period, dimensions, unit)
        if element.startswith(DEI_PREFIX) and not dimensions and row["value_text"]:
            self.dei.setdefault((entity, element), row["value_text"])

    def number(self, fact: FactInfo) -> Decimal | None:
        """The exact value of a numeric fact; None when nil, untransformed or not exact."""
        if fact.is_nil or fact.value is None:
            return None
        try:
            return exact_decimal(fact.value)
        except ValueNotExact as exc:
            self.inexact.append(f"{fact.qname} (id {fact.xml_id}): {exc}")
            return None

    def element(self, qname: QName) -> str:
        """The Element id of ``qname``, adding its node (definition if the DTS has one)."""
        eid = element_id(qname)
        concept = self._concepts.get(qname)
        self.rows.add(
            "Element",
            {
                "id": eid,
                "qname": str(qname),
                "namespace": qname.namespace,
                "local_name": qname.local_name,
                "data_type": _type_id(concept.data_type) if concept else None,
                "substitution_group": _type_id(concept.substitution_group) if concept else None,
                "period_type": concept.period_type if concept else None,
                "balance": concept.balance if concept else None,
                "is_abstract": concept.is_abstract if concept else None,
                "is_nillable": concept.is_nillable if concept else None,
                "is_standard": standard_family(qname.namespace) is not None,
            },
        )
        return eid

    def entity(self, context: ContextInfo) -> str:
        eid = cik10(context.identifier)
        if eid not in self.entities:
            self.entities[eid] = {"id": eid, "cik": int(context.identifier), "name": None}
            self.rows.add("Entity", self.entities[eid])
        return eid

    def period(self, context: ContextInfo) -> str:
        period = context.period
        pid = period_id(period)
        row = {"id": pid, "period_type": period.kind, "start_date": period.start}
        self.rows.add("Period", {**row, "end_date": period.end})
        return pid

    def dimension(self, dimension: DimensionInfo) -> str:
        did = dimension_id(dimension)
        axis = self.element(dimension.axis)
        member = self.element(dimension.member) if dimension.member is not None else None
        added = self.rows.add(
            "Dimension",
            {
                "id": did,
                "axis": axis,
                "member": member,
                "typed_value": dimension.typed_value,
                "is_typed": dimension.member is None,
            },
        )
        if added:
            self.rows.relate("DIMENSION_HAS_AXIS", did, axis)
            if member is not None:
                self.rows.relate("DIMENSION_HAS_MEMBER", did, member)
        return did

    def unit(self, unit: UnitInfo) -> str:
        uid = unit_id(unit)
        denominator = measures_text(unit.denominators) if unit.denominators else None
        numerator = measures_text(unit.numerators)
        self.rows.add("Unit", {"id": uid, "numerator": numerator, "denominator": denominator})
        return uid

    def _fact_row(
        self,
        fact: FactInfo,
        element: str,
        entity: str,
        period: str,
        dimensions: list[tuple[str, str]],
        unit: str | None,
        number: Decimal | None,
    ) -> Row:
        numeric = fact.concept.is_numeric
        text = None if fact.is_nil or fact.value is None else fact.value
        if numeric and text is not None:
            text = text.strip()
        dims = [f"{container}:{did}" for container, did in dimensions]
        key = value_key(fact, number)
        return {
            "id": fact_id(
                self.report_id, element, entity, period, dims, unit,
                fact.language, key, fact.decimals, fact.precision,
            ),
            "accession_number": self.report_id,
            "concept": concept_name(fact.concept.qname),
            "value_text": text,
            "value_decimal": number,
            "decimals": fact.decimals,
            "precision": fact.precision,
            "is_nil": fact.is_nil,
            "is_numeric": numeric,
            "language": fact.language,
            "fact_xml_id": fact.xml_id,
            "context_id": fact.context_id,
        }  # fmt: skip

    def _relate_fact(
        self,
        fid: str,
        element: str,
        entity: str,
        period: str,
        dimensions: list[tuple[str, str]],
        unit: str | None,
    ) -> None:
        self.rows.relate("REPORT_HAS_FACT", self.report_id, fid)
        self.rows.relate("FACT_HAS_ELEMENT", fid, element)
        self.rows.relate("FACT_HAS_PERIOD", fid, period)
        self.rows.relate("FACT_HAS_ENTITY", fid, entity)
        if unit is not None:
            self.rows.relate("FACT_HAS_UNIT", fid, unit)
        for container, did in dimensions:
            self.rows.relate("FACT_HAS_DIMENSION", fid, did, container=container)


def _type_id(qname: QName | None) -> str | None:
    """Types and substitution groups named like elements, so they read the same every year."""
    return element_id(qname) if qname is not None else None
