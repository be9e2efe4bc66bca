"""A fact as the fidelity check compares it, from either side.

Both sides are reduced to the graph's canonical spellings (element ids, period ids, unit
ids) by the same ``identity`` functions, so a difference is a difference in content, never
in notation: numbers compare as exact decimals, dates as inclusive calendar days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Context, Decimal, InvalidOperation

from xbrl_task.identity import element_id
from xbrl_task.model import QName

NIL = "(nil)"
NOT_VALID = "(no valid value)"  # Arelle's side: a fact the graph rejects for its value
_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})
_WHITESPACE = re.compile(r"[ \t\r\n]+")
_MEMBER_URI = re.compile(r"^[a-z][a-z0-9+.-]*:[^\s#]+#[^\s#]+$", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class ComparableFact:
    """Aspects, value and accuracy of one fact; equal facts compare equal."""

    concept: str
    entity: str
    period: str
    unit: str | None
    dimensions: tuple[tuple[str, str], ...]
    value: str
    decimals: str | None
    language: str | None = None
    # a fact filed with precision (and so without decimals): compared as filed
    precision: str | None = None
    # Arelle's side: why the graph rejects this fact's value ("" when it keeps it)
    rejected: str = ""
    # the canonical XML of the context's segment and scenario content that is no dimension
    # member (arelle_context_content), "" without any: part of the context, as dimensions
    non_dimensional: str = ""
    # Arelle's side: the type of the fact's concept when its schema is not loaded (Arelle
    # then validates the value as anyType, whitespace collapsed); not part of equality
    untyped: str = field(default="", compare=False)

    @property
    def aspects(self) -> tuple[object, ...]:
        return (
            self.concept, self.entity, self.period, self.unit, self.dimensions,
            self.non_dimensional,
        )  # fmt: skip

    def describe(self, *, value: str | None = None) -> str:
        """The fact on one line; ``value`` (already escaped) shown instead of its value,
        which is otherwise cut at 60 characters, with line breaks written ``\\n``."""
        dims = ", ".join(f"{axis}={member}" for axis, member in self.dimensions)
        if self.non_dimensional:
            dims = f"{dims}, {self.non_dimensional}" if dims else self.non_dimensional
        unit = f" [{self.unit}]" if self.unit else ""
        where = f" {{{dims}}}" if dims else ""
        if value is None:
            value = escaped(self.value if len(self.value) <= 60 else self.value[:57] + "...")
        accuracy = f" decimals={self.decimals}" if self.decimals is not None else ""
        if self.precision is not None:
            accuracy += f" precision={self.precision}"
        return f"{self.concept} {self.period}{where}{unit} = {value}{accuracy}"


def escaped(text: str) -> str:
    """``text`` on one line: backslash, line feed, carriage return and tab escaped."""
    return text.translate(_ESCAPES)


def collapse_whitespace(text: str) -> str:
    """``text`` as XML Schema's whiteSpace="collapse" reads it (runs of space, tab, line
    feed, carriage return as one space, none at either end): what Arelle makes of a value
    it validates as anyType, a concept whose type's schema is not loaded."""
    return _WHITESPACE.sub(" ", text).strip(" ")


def members_key(members: list[tuple[str, str]]) -> str:
    """An enumeration value as element ids, however it was spelled (URI#name or prefix:name)."""
    return " ".join(element_id(QName(namespace, local)) for namespace, local in members)


def uri_members(text: str) -> list[tuple[str, str]] | None:
    """The members of an extensible enumeration value filed as URIs, or None."""
    tokens = text.split()
    if not tokens or not all(_MEMBER_URI.match(t) for t in tokens):
        return None
    return [tuple(t.rsplit("#", 1)) for t in tokens]


def number_key(text: str) -> str:
    """An exact decimal's canonical text (1000.00 and 1E+3 are 1000); text kept otherwise."""
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return text
    if not number.is_finite():
        return text.strip()
    exact = Context(prec=max(len(number.as_tuple().digits), 1))  # normalize rounds otherwise
    return format(number.normalize(context=exact), "f") if number else "0"


def precision_key(text: str) -> str:
    """A precision as one spelling (``INF``, or the integer without padding: 03 is 3).

    NOTE: compared as filed, never as the decimals it implies: the xBRL-JSON export
    infers decimals from a precision and has none for ``precision="0"`` (XBRL 2.1 4.6.4:
    nothing is known of the value's accuracy), which is still a valid precision.
    """
    text = text.strip()
    return text if text == "INF" else str(int(text))
