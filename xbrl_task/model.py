"""A loaded filing as plain values: what the Arelle adapter hands to the extractor.

Nothing here imports Arelle. Dates are already calendar dates with inclusive ends, values
are the text as filed (after inline transforms), so the extractor never needs Arelle's
model objects or its date conventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
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
    is_tuple: bool = False
    # derived from xs:double or xs:float: its values may have an exponent (16398E6)
    is_floating: bool = False
    # xbrli:fractionItemType: numeric (it has a unit), its value a numerator and denominator
    is_fraction: bool = False


@dataclass(frozen=True, slots=True)
class PeriodInfo:
    """``kind`` is instant, duration or forever; ``end`` is inclusive (the instant's day).

    A start, end or instant filed at midnight is only its day (a date-only end or instant
    is the next midnight, so it is the day before: ``identity.split_moment``); at any other
    time of day, the day it falls on plus that time. A moment filed with a time zone keeps
    its day in that zone and its time of day with the zone, midnight too (``00:00+02:00``):
    the days are the Period's dates as filed, ``identity.period_id`` reads the moment in UTC.
    ``error`` says why a moment cannot be read (a day that does not exist): no dates then.
    """

    kind: str
    start: date | None = None
    end: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class DimensionInfo:
    """One dimension of a context: an explicit member or a typed value.

    ``typed_value`` is the typed member's text as filed (stripped); ``typed_key`` is the
    value it is compared by, canonical for its schema type (``01`` is ``1``), else the text.
    """

    axis: QName
    member: QName | None
    typed_value: str | None
    container: str
    typed_key: str | None = None


@dataclass(frozen=True, slots=True)
class ContextInfo:
    """A context; ``non_dimensional`` is the canonical XML of the elements its segment and
    scenario hold that are no dimension members (``arelle_context_content``), None when
    there are none, and ``non_dimensional_names`` names them as filed (``segment my:Region``).
    """

    id: str
    scheme: str
    identifier: str
    period: PeriodInfo
    dimensions: tuple[DimensionInfo, ...]
    non_dimensional: str | None = None
    non_dimensional_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: str
    numerators: tuple[QName, ...]
    denominators: tuple[QName, ...]


@dataclass(frozen=True, slots=True)
class FactInfo:
    """One fact Arelle created.

    ``value`` is None for nil facts and for a value that cannot be read: an inline format
    nobody implements or that refuses the displayed text, or a non-numeric value not valid
    for the concept's type. ``value_error`` then says which, naming the format and quoting
    the text; extraction rejects such a fact. A number's text is kept even when it is not
    a number: extraction rejects it naming the text, inline or classic alike.
    ``text_error`` says why an inline text cannot be read whole (its ``continuedAt`` chain
    breaks); extraction rejects such a fact too.
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
    tuple_facts: int = 0  # of a tuple: the facts (and tuples) directly inside it
    # of a fact in a tuple: the number of that tuple among the filing's tuples, in document
    # order (None outside any); part of the Fact id, as XBRL compares items by their parent
    in_tuple: int | None = None
    parent: str | None = None  # that tuple as a warning names it (arelle_facts.tuple_name)
    value_error: str | None = None
    text_error: str | None = None
    inline: InlineInfo | None = None
    footnotes: tuple[FootnoteLink, ...] = ()


@dataclass(frozen=True, slots=True)
class InlineInfo:
    """How an inline fact was displayed: the attributes that turned text into its value."""

    is_hidden: bool  # inside ix:hidden
    # outside ix:hidden, or named by a -sec-ix-hidden style property, and not in an element
    # a reader does not see (display:none, visibility:hidden: inline_display.unseen)
    is_displayed: bool
    displayed_text: str | None
    format: QName | None
    scale: str | None
    sign: str | None
    document: str


@dataclass(frozen=True, slots=True)
class FootnoteInfo:
    """A footnote resource (``link:footnote`` or ``ix:footnote``); text is XHTML as filed."""

    xml_id: str | None
    role: str | None
    language: str | None
    html: str
    plain: str


@dataclass(frozen=True, slots=True)
class FootnoteLink:
    """A fact's link to a footnote, with the arcrole of the link."""

    footnote: FootnoteInfo
    arcrole: str


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """A label resource; ``is_filers``: it is in a linkbase of the filing's own package."""

    concept: QName
    role: str
    language: str
    text: str
    is_filers: bool = False


@dataclass(frozen=True, slots=True)
class ReferenceInfo:
    """A reference resource; ``parts`` keep every part in document order."""

    concept: QName
    role: str | None
    parts: tuple[tuple[QName, str], ...]


@dataclass(frozen=True, slots=True)
class ArcInfo:
    """One effective relationship of a presentation, calculation or definition network.

    ``order``, ``weight`` and ``priority`` are Arelle's readings; ``filed`` keeps the text of
    each of them the arc element carries (weight for calculation arcs only), so extraction
    can check what the graph would store against what was filed (``arc_values``).
    ``document`` is the linkbase holding the arc (a path or URL). ``missing_schema`` is the
    URL of the schema not loaded that one of its concepts is in: such an arc is walked
    with its network but not loaded (``arelle_unresolved_arcs``).
    """

    link_kind: str
    arcrole: str
    linkrole: str
    source: QName
    target: QName
    order: Decimal | None
    weight: Decimal | None = None
    preferred_label: str | None = None
    priority: int = 0
    closed: bool | None = None
    context_element: str | None = None
    target_role: str | None = None
    usable: bool | None = None
    document: str = ""
    filed: tuple[tuple[str, str], ...] = ()
    missing_schema: str | None = None


@dataclass(frozen=True, slots=True)
class TaxonomyInfo:
    """A namespace of the DTS that defines concepts, or that the DTS imports but lacks."""

    namespace: str
    schema_location: str | None
    is_loaded: bool


@dataclass
class DtsInfo:
    """The filing's DTS as plain values: labels, references, networks, taxonomies."""

    labels: list[LabelInfo] = field(default_factory=list)
    references: list[ReferenceInfo] = field(default_factory=list)
    role_definitions: dict[str, str | None] = field(default_factory=dict)
    arcs: list[ArcInfo] = field(default_factory=list)
    # arcs linking a concept of a schema that was not loaded, in linkbase order
    unresolved_arcs: list[ArcInfo] = field(default_factory=list)
    taxonomies: list[TaxonomyInfo] = field(default_factory=list)
    # the concepts the package's own (extension) schemas define, in document order
    extension_concepts: list[QName] = field(default_factory=list)


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
    dts: DtsInfo = field(default_factory=DtsInfo)
    documents: tuple[str, ...] = ()
    # ids a -sec-ix-hidden style property names (inline_display), whatever they are ids of
    hidden_references: frozenset[str] = frozenset()
    # every context whose segment or scenario holds more than dimension members, in
    # document order, used by a fact or not (non_dimensional warns of each)
    non_dimensional_contexts: tuple[ContextInfo, ...] = ()
