"""A loaded filing as plain values: what the Arelle adapter hands to the extractor.

Nothing here imports Arelle. Dates are already calendar dates with inclusive ends, values
are the text as filed (after inline transforms), so the extractor never needs Arelle's
model objects or its date conventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from xbrl_task.errors import ProcessorMessage


@dataclass(frozen=True, slots=True)
class QName:
    """A qualified name; ``prefix`` is the one used in the filing and not part of equality."""

    namespace: str
    local_name: str
    prefix: str | None = field(default=None, compare=False)

    @property
    def clark(self) -> str:
        return f"{{{self.namespace}}}{self.local_name}"

    def __str__(self) -> str:
        return f"{self.prefix}:{self.local_name}" if self.prefix else self.local_name


@dataclass(frozen=True, slots=True)
class ConceptInfo:
    """A concept's definition in the DTS."""

    qname: QName
    data_type: QName | None
    substitution_group: QName | None
    period_type: str | None
    balance: str | None
    is_abstract: bool
    is_nillable: bool
    is_numeric: bool


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    """``kind`` is instant, duration or forever; ``end`` is inclusive (the instant's day)."""

    kind: str
    start: date | None = None
    end: date | None = None


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    """One dimension of a context: an explicit member or a typed value."""

    axis: QName
    member: QName | None
    typed_value: str | None
    container: str


@dataclass(frozen=True, slots=True)
class ContextInfo:
    id: str
    scheme: str
    identifier: str
    period: PeriodInfo
    dimensions: tuple[DimensionInfo, ...]


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: str
    numerators: tuple[QName, ...]
    denominators: tuple[QName, ...]


@dataclass(frozen=True, slots=True)
class FactInfo:
    """One fact Arelle created.

    ``value`` is None for nil facts and when an inline transform could not be applied;
    ``transform_error`` then names the format and ``raw_value`` keeps the displayed text
    (for identity only: it is not the fact's value, and no value is invented).
    """

    qname: QName
    concept: ConceptInfo | None
    context: ContextInfo | None
    unit: UnitInfo | None
    value: str | None
    is_nil: bool
    decimals: str | None
    precision: str | None
    language: str | None
    xml_id: str | None
    context_id: str | None
    unit_id: str | None
    is_tuple: bool = False
    transform_error: str | None = None
    raw_value: str | None = None


@dataclass
class LoadedFiling:
    """Everything the extractor needs from one Arelle load."""

    entry_point: Path
    is_inline: bool
    facts: list[FactInfo]
    concepts: dict[QName, ConceptInfo]
    known_namespaces: frozenset[str]
    schema_locations: dict[str, str]
    messages: list[ProcessorMessage] = field(default_factory=list)
