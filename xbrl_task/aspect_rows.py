"""The shared nodes facts point at: Element, Entity, Period, Unit, Dimension, Context.

Shared nodes meet across filings (one Element per concept, one Period per period...), so
their ids come from ``identity`` and their rows are added once per filing whatever the
number of facts using them.
"""

from __future__ import annotations

from ledgergraph.ids import cik10, stable_id
from xbrl_task.identity import (
    concept_name,
    dimension_id,
    element_id,
    measures_text,
    period_id,
    standard_family,
    unit_id,
)
from xbrl_task.model import ConceptInfo, DimensionInfo, PeriodInfo, QName, UnitInfo
from xbrl_task.rows import GraphRows, Row


class AspectRows:
    """Rows of the shared nodes of one filing, each added once."""

    def __init__(self, concepts: dict[QName, ConceptInfo]) -> None:
        self.rows = GraphRows()
        self.entities: dict[str, Row] = {}
        self.elements: dict[str, QName] = {}
        self._concepts = concepts

    def element(self, qname: QName) -> str:
        """The Element id of ``qname``, adding its node (definition if the DTS has one)."""
        eid = element_id(qname)
        if eid in self.elements:
            return eid
        self.elements[eid] = qname
        concept = self._concepts.get(qname)
        self.rows.add(
            "Element",
            {
                "id": eid,
                "qname": concept_name(qname),  # shared node: never one filing's prefix
                "namespace": qname.namespace,
                "local_name": qname.local_name,
                "data_type": _type_id(concept.data_type) if concept else None,
                "data_type_namespace": _namespace(concept.data_type) if concept else None,
                "substitution_group": _type_id(concept.substitution_group) if concept else None,
                "period_type": concept.period_type if concept else None,
                "balance": concept.balance if concept else None,
                "is_abstract": concept.is_abstract if concept else None,
                "is_nillable": concept.is_nillable if concept else None,
                "is_standard": standard_family(qname.namespace) is not None,
            },
        )
        return eid

    def entity(self, cik: int) -> str:
        eid = cik10(cik)
        if eid not in self.entities:
            self.entities[eid] = {"id": eid, "cik": cik, "name": None}
            self.rows.add("Entity", self.entities[eid])
        return eid

    def period(self, period: PeriodInfo) -> str:
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
        kind = "multiply" if len(unit.numerators) > 1 else "simple"
        kind = "divide" if unit.denominators else kind
        self.rows.add(
            "Unit",
            {
                "id": uid,
                "numerator": measures_text(unit.numerators),
                "denominator": denominator,
                "unit_type": kind,
                "numerator_qnames": _clark(unit.numerators),
                "denominator_qnames": _clark(unit.denominators) if unit.denominators else None,
            },
        )
        return uid

    def context(
        self,
        entity: str,
        period: str,
        dimensions: list[tuple[str, str]],
        non_dimensional: str | None = None,
    ) -> str:
        """The Context node of entity, period and container:dimension ids (any order), and
        of the canonical XML of segment and scenario content that is no dimension member
        (``arelle_context_content``): XBRL 2.1 makes that content part of the context."""
        dims = sorted(f"{container}:{did}" for container, did in dimensions)
        parts = (entity, period, "|".join(dims))
        cid = stable_id(*parts, non_dimensional) if non_dimensional else stable_id(*parts)
        scenario_content = non_dimensional is not None and "<xbrli:scenario" in non_dimensional
        added = self.rows.add(
            "Context",
            {
                "id": cid,
                "entity": entity,
                "period": period,
                "dimensions": "|".join(dims) or None,
                "dimension_count": len(dims),
                "has_scenario": scenario_content or any(c == "scenario" for c, _ in dimensions),
                "non_dimensional": non_dimensional,
            },
        )
        if added:
            self.rows.relate("CONTEXT_HAS_ENTITY", cid, entity)
            self.rows.relate("CONTEXT_HAS_PERIOD", cid, period)
            for container, did in dimensions:
                self.rows.relate("CONTEXT_HAS_DIMENSION", cid, did, container=container)
        return cid


def _type_id(qname: QName | None) -> str | None:
    """Types and substitution groups named like elements, so they read the same every year."""
    return element_id(qname) if qname is not None else None


def _namespace(qname: QName | None) -> str | None:
    return qname.namespace if qname is not None else None


def _clark(measures: tuple[QName, ...]) -> str:
    return " ".join(sorted(m.clark for m in measures))
