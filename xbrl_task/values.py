"""Exact numeric values: the filed text read with ``decimal.Decimal``, never through a float.

Arelle's ``xValue`` is a float for xs:double/xs:float facts, so it is not used for numbers;
the text (after inline scale and sign, which Arelle applies with Decimal arithmetic) is
parsed here and checked to fit the graph's DECIMAL(38, 12) without rounding.
"""

from __future__ import annotations

import re
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
# XML Schema's lexical forms, ASCII digits only: Python's Decimal also reads "1_000", "1e3"
# for an xs:decimal, and any Unicode digit ("١٦١٧٧", full-width "９"), which XML Schema does not.
_XML_SPACE = " \t\r\n"
_DECIMAL_FORM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FLOATING_FORM = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
# read on, to be refused as "not a finite number" (what ixt-sec:numinf and numnan give)
_SPECIAL = frozenset({"INF", "+INF", "-INF", "NaN"})


class ValueNotExact(ValueError):
    """A numeric text that cannot be stored exactly as DECIMAL(38, 12)."""


class NotANumber(ValueNotExact):
    """A numeric text that is no number at all, or an inline scale that is no integer."""


def filed_number(text: str, *, floating: bool) -> str:
    """``text`` without XML whitespace, checked to be a number as XML Schema spells one.

    Args:
        floating: the concept's type derives from xs:double or xs:float, whose values may
            have an exponent (``16398E6``); an xs:decimal's may not.

    Raises:
        NotANumber: ``not a number``, quoting the text: anything but an optional sign,
            ASCII digits and an optional point (and exponent, when ``floating``).
    """
    stripped = text.strip(_XML_SPACE)
    form = _FLOATING_FORM if floating else _DECIMAL_FORM
    if stripped not in _SPECIAL and form.fullmatch(stripped) is None:
        raise NotANumber(f"not a number: {shown(stripped)}")
    return stripped


def exact_decimal(text: str, *, floating: bool = False) -> Decimal:
    """The exact value of a numeric fact's text, at the graph's scale.

    Args:
        floating: the concept's type derives from xs:double or xs:float (``filed_number``).

    Raises:
        ValueNotExact: not a finite number, more than 12 decimal places, or more integer
            digits than DECIMAL(38, 12) holds (26); the message quotes the text, shortened.
    """
    stripped = filed_number(text, floating=floating)
    number = _finite(stripped)
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


def _finite(stripped: str) -> Decimal:
    try:
        number = Decimal(stripped)
    except InvalidOperation:  # filed_number lets no such text through; kept as a guard
        raise NotANumber(f"not a number: {shown(stripped)}") from None
    if not number.is_finite():
        raise ValueNotExact(f"not a finite number: {shown(stripped)}")
    return number


def scaled_text(text: str, scale: str | None, *, negative: bool, floating: bool = False) -> str:
    """An inline number with its ``scale`` and ``sign`` applied, exactly ("1.5", "6" -> 1500000).

    The sign comes only from the ``sign`` attribute; the text itself is unsigned display.
    Inline XBRL 1.1 gives ``ix:nonFraction`` non-negative content (no format: an
    ixt:nonNegativeDecimalType; every ixt number format yields one), so a text that is
    itself negative (``-5``) is refused rather than read with its sign flipped or kept.

    Args:
        floating: the concept's type derives from xs:double or xs:float (``filed_number``).

    Raises:
        ValueNotExact: the text is not a finite number or the scale not an integer; the
            message reads as ``exact_decimal``'s for the same text.
        NotANumber: also for a negative text, saying so.
    """
    exponent = scale_exponent(scale, text)
    number = _finite(filed_number(text, floating=floating))
    if number < 0:  # "-0" is 0, no negative number
        raise NotANumber(
            f"negative content {shown(text.strip(_XML_SPACE))}: an inline number is "
            'written without a sign and made negative only by sign="-"'
        )
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


def scale_exponent(scale: str | None, text: str) -> int:
    """An inline ``scale`` attribute as an integer (an xs:integer: ASCII digits, a sign).

    Raises:
        NotANumber: ``scale ... is not an integer``, quoting the scale and the text.
    """
    if not scale:
        return 0
    stripped = scale.strip(_XML_SPACE)
    if re.fullmatch(r"[+-]?[0-9]+", stripped) is None:
        raise NotANumber(f"scale {shown(scale)} is not an integer: {text!r}")
    return int(stripped)


def fact_number(fact: FactInfo) -> Decimal:
    """A numeric fact's exact value (``exact_decimal``).

    An inline number's value was computed by ``scaled_text`` from a text checked there; it
    is written with an exponent when far out of range, so no lexical form is checked again.
    """
    concept = fact.concept
    floating = fact.inline is not None or (concept is not None and concept.is_floating)
    return exact_decimal(fact.value or "", floating=floating)


def decimal_text(number: Decimal) -> str:
    """A finite decimal's canonical text, never rounded: ``1.50`` is ``1.5``, ``-0`` is ``0``,
    ``1E+2`` is ``100``."""
    if not number:
        return "0"
    exact = Context(prec=max(len(number.as_tuple().digits), 1))  # normalize rounds otherwise
    return format(number.normalize(context=exact), "f")


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
