"""Exact numeric values: the filed text read with ``decimal.Decimal``, never through a float.

Arelle's ``xValue`` is a float for xs:double/xs:float facts, so it is not used for numbers;
the text (after inline scale and sign, which Arelle applies with Decimal arithmetic) is
parsed here and checked to fit the graph's DECIMAL(38, 12) without rounding.
"""

from __future__ import annotations

from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation

from ledgergraph.graph_schema import DECIMAL_PRECISION, DECIMAL_SCALE
from xbrl_task.model import FactInfo

# Wide enough that quantizing any in-range number is exact; DECIMAL(38, 12) is checked after.
_WIDE = Context(prec=DECIMAL_PRECISION + DECIMAL_SCALE + 10)
_QUANTUM = Decimal(1).scaleb(-DECIMAL_SCALE)
_MAX_INTEGER_DIGITS = DECIMAL_PRECISION - DECIMAL_SCALE
NIL_KEY = "\x00nil"
_SHOWN = 80
# Numbers this far from 1 are written in exponent notation, not as a string of zeros:
# DECIMAL(38, 12) holds none of them, and scale="999999999" must not cost a gigabyte.
_MAX_FIXED_EXPONENT = 2 * (DECIMAL_PRECISION + DECIMAL_SCALE)


class ValueNotExact(ValueError):
    """A numeric text that cannot be stored exactly as DECIMAL(38, 12)."""


def exact_decimal(text: str) -> Decimal:
    """The exact value of a numeric fact's text, at the graph's scale.

    Raises:
        ValueNotExact: not a finite number, more than 12 decimal places, or more integer
            digits than DECIMAL(38, 12) holds (26); the message quotes the text, shortened.
    """
    stripped = text.strip()
    if "_" in stripped:  # Python's Decimal reads "1_000"; XML Schema does not
        raise ValueNotExact(f"not a number: {shown(stripped)}")
    try:
        number = Decimal(stripped)
    except InvalidOperation:
        raise ValueNotExact(f"not a number: {shown(stripped)}") from None
    if not number.is_finite():
        raise ValueNotExact(f"not a finite number: {shown(stripped)}")
    # checked before quantizing: a longer number would not fit the wide context either
    if not number.is_zero() and number.adjusted() >= _MAX_INTEGER_DIGITS:
        raise ValueNotExact(f"more than {_MAX_INTEGER_DIGITS} integer digits: {shown(stripped)}")
    scaled = number.quantize(_QUANTUM, context=_WIDE)
    if scaled != number:
        raise ValueNotExact(f"more than {DECIMAL_SCALE} decimal places: {shown(stripped)}")
    return scaled


def shown(text: str) -> str:
    """``text`` quoted for a message, its middle left out when it is long."""
    if len(text) <= _SHOWN:
        return repr(text)
    half = _SHOWN // 2
    return f"{text[:half]!r}...{text[-half:]!r} ({len(text)} characters)"


def scaled_text(text: str, scale: str | None, *, negative: bool) -> str:
    """An inline number with its ``scale`` and ``sign`` applied, exactly ("1.5", "6" -> 1500000).

    The sign comes only from the ``sign`` attribute; the text itself is unsigned display.

    Raises:
        ValueNotExact: the text is not a finite number or the scale not an integer; the
            message reads as ``exact_decimal``'s for the same text.
    """
    stripped = text.strip()
    try:
        exponent = int(scale) if scale else 0
    except ValueError:
        raise ValueNotExact(f"scale {shown(scale or '')} is not an integer: {text!r}") from None
    if "_" in stripped:  # as in exact_decimal: Decimal reads "1_000", XML Schema does not
        raise ValueNotExact(f"not a number: {shown(stripped)}")
    try:
        number = Decimal(stripped)
    except InvalidOperation:
        raise ValueNotExact(f"not a number: {shown(stripped)}") from None
    if not number.is_finite():
        raise ValueNotExact(f"not a finite number: {shown(stripped)}")
    # scaleb keeps the digits and moves the exponent: exact at the digits' own precision
    exact = Context(prec=len(number.as_tuple().digits) + 2, Emax=MAX_EMAX, Emin=MIN_EMIN)
    try:
        scaled = number.scaleb(exponent, context=exact)
    except ArithmeticError:  # beyond even Decimal's exponent range
        raise ValueNotExact(f"scale {shown(scale or '')} out of range: {text!r}") from None
    if negative:
        scaled = scaled.copy_negate()
    if scaled.is_zero():
        scaled = scaled.copy_abs()  # no "-0": a zero has no sign
    if abs(scaled.adjusted()) > _MAX_FIXED_EXPONENT:
        return "0" if scaled.is_zero() else str(scaled)
    return format(scaled, "f")


def value_key(fact: FactInfo, number: Decimal | None) -> str | None:
    """What the Fact id hashes as the value: equal values give equal keys.

    Numbers compare by value (``1000`` and ``1000.00`` are one value) and nil is a value of
    its own (not an empty text). A fact whose value cannot be read never gets this far: it
    is rejected (``extract.value_rejection``).
    """
    if fact.is_nil:
        return NIL_KEY
    if number is not None:
        return format(number.normalize(context=_WIDE), "f")
    return fact.value
