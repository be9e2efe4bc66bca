"""Exact numeric values: the filed text read with ``decimal.Decimal``, never through a float.

Arelle's ``xValue`` is a float for xs:double/xs:float facts, so it is not used for numbers;
the text (after inline scale and sign, which Arelle applies with Decimal arithmetic) is
parsed here and checked to fit the graph's DECIMAL(38, 12) without rounding.
"""

from __future__ import annotations

from decimal import Context, Decimal, InvalidOperation

from ledgergraph.graph_schema import DECIMAL_PRECISION, DECIMAL_SCALE
from xbrl_task.model import FactInfo

# Wide enough that quantizing any in-range number is exact; DECIMAL(38, 12) is checked after.
_WIDE = Context(prec=DECIMAL_PRECISION + DECIMAL_SCALE + 10)
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)
_MAX_INTEGER_DIGITS = DECIMAL_PRECISION - DECIMAL_SCALE
NIL_KEY = "\x00nil"


class ValueNotExact(ValueError):
    """A numeric text that cannot be stored exactly as DECIMAL(38, 12)."""


def exact_decimal(text: str) -> Decimal:
    """The exact value of a numeric fact's text, at the graph's scale.

    Raises:
        ValueNotExact: not a finite number, more than 12 decimal places, or too large.
    """
    stripped = text.strip()
    if "_" in stripped:  # Python's Decimal reads "1_000"; XML Schema does not
        raise ValueNotExact(f"not a number: {stripped!r}")
    try:
        number = Decimal(stripped)
    except InvalidOperation:
        raise ValueNotExact(f"not a number: {stripped!r}") from None
    if not number.is_finite():
        raise ValueNotExact(f"not a finite number: {stripped!r}")
    scaled = number.quantize(_QUANTUM, context=_WIDE)
    if scaled != number:
        raise ValueNotExact(f"more than {DECIMAL_SCALE} decimal places: {stripped!r}")
    if scaled.adjusted() >= _MAX_INTEGER_DIGITS:
        raise ValueNotExact(f"more than {_MAX_INTEGER_DIGITS} integer digits: {stripped!r}")
    return scaled


def scaled_text(text: str, scale: str | None, *, negative: bool) -> str:
    """An inline number with its ``scale`` and ``sign`` applied, exactly ("1.5", "6" -> 1500000).

    The sign comes only from the ``sign`` attribute; the text itself is unsigned display.

    Raises:
        ValueNotExact: the text is not a finite number or the scale not an integer.
    """
    try:
        number = Decimal(text.strip())
        exponent = int(scale) if scale else 0
    except (InvalidOperation, ValueError):
        raise ValueNotExact(f"not a number with scale {scale}: {text!r}") from None
    if not number.is_finite():
        raise ValueNotExact(f"not a finite number: {text!r}")
    digits = len(number.as_tuple().digits)
    exact = Context(prec=digits + abs(exponent) + 2)
    scaled = number.scaleb(exponent, context=exact)
    if negative:
        scaled = scaled.copy_negate()
    if scaled.is_zero():
        scaled = scaled.copy_abs()  # no "-0": a zero has no sign
    return format(scaled, "f")


def value_key(fact: FactInfo, number: Decimal | None) -> str | None:
    """What the Fact id hashes as the value: equal values give equal keys.

    Numbers compare by value (``1000`` and ``1000.00`` are one value), nil is a value of its
    own (not an empty text), and a value Arelle could not transform is keyed by its raw text
    so that different facts never collapse into one.
    """
    if fact.is_nil:
        return NIL_KEY
    if number is not None:
        return format(number.normalize(context=_WIDE), "f")
    if fact.value is None and fact.raw_value is not None:
        return f"\x00untransformed:{fact.raw_value}"
    return fact.value
