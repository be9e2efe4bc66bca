"""The SEC's inline XBRL transformation formats (``ixt-sec``), as plain text-to-text functions.

EDGAR accepts the formats of the SEC transformation registry (namespace below) besides the
XBRL International ones; arelle-release ships only the latter (the SEC ones live in Arelle's
separate EDGAR plugin). Each function takes the displayed text of an ``ix`` element and
returns the value in the lexical space of the concept's type, or raises ``ValueError``.
Nothing here imports Arelle: ``arelle_plugin.py`` registers these with Arelle.

``SEC_TRANSFORMS`` holds every format of the registry (boolballotbox, countrynameen,
datequarterend, durday, durhour, durmonth, durweek, durwordsen, duryear,
edgarprovcountryen, entityfilercategoryen, exchnameen, numwordsen, stateprovnameen,
yesnoballotbox) and the three special values the SEC's own implementation adds (numinf,
numneginf, numnan). Outputs are spelled as the SEC's implementation spells them
(``duryear`` "0.5" -> P0Y6M, "-1" -> -P1Y).

Numbers are ``Decimal`` throughout (the SEC's implementation uses binary floats; for the
short decimal numbers filings show both give the same whole units); durations use 12 months
a year and 30.4375 days a month (365.25 / 12), truncating what is left below the smallest
unit each format writes, as the SEC registry does.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from decimal import Decimal

from xbrl_task.sec_names import (
    COUNTRY_CODES,
    EDGAR_COUNTRY_CODES,
    EXCHANGE_CODES,
    FILER_CATEGORIES,
    STATE_CODES,
    normalized,
)

SEC_TRANSFORMS_NAMESPACE = "http://www.sec.gov/inlineXBRL/transformation/2015-08-31"

_DAYS_PER_MONTH = Decimal("30.4375")
_BALLOT_EMPTY = "\u2610"
_BALLOT_MARKED = ("\u2611", "\u2612")
_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {
    "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12,
    "quadrillion": 10**15, "quintillion": 10**18,
}  # fmt: skip
_NONE_WORDS = ("zero", "no", "none", "nil")
_ZERO_WORDS = ("zero", "no", "none")
_DURATION_UNITS = {"year": "Y", "month": "M", "day": "D"}
_AND = re.compile(r"\band\b")
_DURATION_PART = re.compile(
    r"(?P<number>\d{1,4}|[a-z]+(?:[\s-]+[a-z]+)*?)[\s-]+(?P<unit>years?|months?|days?)\b"
)
_GROUPED_OR_FRACTION = re.compile(r"\d[.,]\d")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_QUARTERS = {"1": 3, "first": 3, "2": 6, "second": 6, "3": 9, "third": 9}
_QUARTERS.update({"4": 12, "fourth": 12, "last": 12})
_QUARTER = "(?P<quarter>[1-4]|first|second|third|fourth|last)"
# "Q3 2024", "third quarter of 2024" / "2024 Q3", "2024, third quarter": a word may come
# before the quarter (not a number), words after it (not a number) in the second spelling
_QUARTER_THEN_YEAR = re.compile(rf"(?i)(?:(?!\d\d)\w\D*)?{_QUARTER}\D*(?P<year>\d{{4}})")
_YEAR_THEN_QUARTER = re.compile(rf"(?i)(?P<year>\d{{4}})\D*{_QUARTER}(?:(?!\d).*\w)?")


def number_words_en(text: str) -> str:
    """``numwordsen``: English number words to a number ("twenty-four" -> 24, "no" -> 0)."""
    words = normalized(text).replace("-", " ").split()
    if len(words) == 1 and words[0] in _NONE_WORDS:
        return "0"
    return str(_words_to_int(words, text))


def _words_to_int(words: list[str], text: str) -> int:
    total, current, seen = 0, 0, False
    for word in words:
        if word == "and" and seen:
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred" and seen:
            current *= 100
        elif word in _SCALES and seen:
            total, current = total + current * _SCALES[word], 0
        else:
            raise ValueError(f"not English number words: {text!r}")
        seen = True
    if not seen:
        raise ValueError(f"not English number words: {text!r}")
    return total + current


def number_infinite(text: str) -> str:
    """``numinf``: INF, whatever the text says ("unlimited", "\u221e").

    NOTE: the three special-value formats are not in the registry's XML but in the SEC's own
    implementation (Arelle's EDGAR plugin), where the format itself states the value and the
    text is not read; EDGAR accepts any text with them, so refusing some would lose values
    EDGAR keeps.
    """
    return "INF"


def number_negative_infinite(text: str) -> str:
    """``numneginf``: -INF, whatever the text says."""
    return "-INF"


def number_not_a_number(text: str) -> str:
    """``numnan``: NaN, whatever the text says ("n/a", "not meaningful")."""
    return "NaN"


def date_quarter_end(text: str) -> str:
    """``datequarterend``: a calendar quarter and year -> the quarter's last day.

    "Third quarter 2024", "Q3 2024", "2024 Q3", "4th quarter of 2023" -> 2024-09-30,
    2024-09-30, 2024-09-30, 2023-12-31. Calendar quarters, whatever the filer's fiscal year.
    """
    stripped = text.strip()
    match = _QUARTER_THEN_YEAR.fullmatch(stripped) or _YEAR_THEN_QUARTER.fullmatch(stripped)
    if match is None or int(match.group("year")) == 0:
        raise ValueError(f"not a calendar quarter and year: {text!r}")
    month = _QUARTERS[match.group("quarter").lower()]
    last_day = calendar.monthrange(int(match.group("year")), month)[1]
    return f"{match.group('year')}-{month:02d}-{last_day:02d}"


def bool_ballot_box(text: str) -> str:
    """``boolballotbox``: an empty ballot box is false, a checked or crossed one true."""
    return _ballot(text, "false", "true")


def yes_no_ballot_box(text: str) -> str:
    """``yesnoballotbox``: an empty ballot box is No, a checked or crossed one Yes."""
    return _ballot(text, "No", "Yes")


def _ballot(text: str, empty: str, marked: str) -> str:
    box = text.strip()
    if box == _BALLOT_EMPTY:
        return empty
    if box in _BALLOT_MARKED:
        return marked
    raise ValueError(f"not a ballot box: {text!r}")


def _lookup(table: dict[str, str], what: str) -> Callable[[str], str]:
    def transform(text: str) -> str:
        try:
            return table[normalized(text)]
        except KeyError:
            raise ValueError(f"not {what}: {text!r}") from None

    transform.__doc__ = f"{what} -> its EDGAR code"
    return transform


def duration_years(text: str) -> str:
    """``duryear``: years -> xs:duration ("2.5" -> P2Y6M, "0" -> P0Y, "-1" -> -P1Y).

    What is left below a year goes to months, then to days, nothing lower.
    """
    number, sign = _signed_number(text)
    years, rest = _split(number)
    months, rest = _split(rest * 12)
    return _duration(sign, years=years, months=months, days=int(rest * _DAYS_PER_MONTH))


def duration_months(text: str) -> str:
    """``durmonth``: a number of months -> xs:duration ("1.5" -> P1M15D, "0" -> P0M)."""
    number, sign = _signed_number(text)
    months, rest = _split(number)
    return _duration(sign, months=months, days=int(rest * _DAYS_PER_MONTH))


def duration_weeks(text: str) -> str:
    """``durweek``: weeks -> xs:duration in whole days ("2" -> P14D, "1.5" -> P10D)."""
    number, sign = _signed_number(text)
    return _duration(sign, days=int(number * 7))


def duration_days(text: str) -> str:
    """``durday``: a number of days -> xs:duration ("30" -> P30D, "1.5" -> P1DT12H)."""
    number, sign = _signed_number(text)
    days, rest = _split(number)
    return _duration(sign, days=days, hours=int(rest * 24))


def duration_hours(text: str) -> str:
    """``durhour``: a number of hours -> xs:duration in whole hours ("36" -> PT36H)."""
    number, sign = _signed_number(text)
    return _duration(sign, hours=int(number))


def duration_words_en(text: str) -> str:
    """``durwordsen``: "two years, six months", "three-year", "30 days" -> xs:duration.

    Years, months and days in words or up to four digits; a part said to be "zero" or "no"
    is left out, and nothing at all is P0D.
    """
    if _GROUPED_OR_FRACTION.search(text):  # "1.5 years": whole numbers only
        raise ValueError(f"not an English duration: {text!r}")
    cleaned = _AND.sub(" ", normalized(text).replace(",", " "))
    parts: dict[str, int] = {}
    matched = []
    for match in _DURATION_PART.finditer(cleaned):
        unit = _DURATION_UNITS[match.group("unit").rstrip("s")]
        number = match.group("number")
        if unit in matched:
            raise ValueError(f"not an English duration: {text!r}")
        matched.append(unit)
        if number.isdigit():
            parts[unit] = int(number)
        elif number not in _ZERO_WORDS:
            parts[unit] = int(number_words_en(number))
    if not matched or _DURATION_PART.sub(" ", cleaned).strip():
        raise ValueError(f"not an English duration: {text!r}")
    if not parts:
        return "P0D"
    return _duration("", years=parts.get("Y"), months=parts.get("M"), days=parts.get("D"))


def _number(text: str) -> Decimal:
    number, sign = _signed_number(text)
    if sign:
        raise ValueError(f"not a non-negative number: {text!r}")
    return number


def _signed_number(text: str) -> tuple[Decimal, str]:
    """A plain decimal number (no grouping commas: the registry's input type), its sign."""
    if not _DECIMAL.fullmatch(text.strip()):
        raise ValueError(f"not a decimal number: {text!r}")
    number = Decimal(text.strip())
    return abs(number), "-" if number < 0 else ""


def _split(number: Decimal) -> tuple[int, Decimal]:
    whole = int(number)
    return whole, number - whole


def _duration(
    sign: str,
    *,
    years: int | None = None,
    months: int | None = None,
    days: int | None = None,
    hours: int | None = None,
) -> str:
    """The registry's spelling of a duration.

    The format's own unit is always written, even when zero ("P0Y6M" for half a year, "P0M"
    for no months); smaller units only when not zero, and every part is zero -> no sign.
    """
    parts = [(years, "Y"), (months, "M"), (days, "D"), (hours, "H")]
    given = [(n, u) for n, u in parts if n is not None]
    if not any(n for n, _ in given):
        sign, given = "", given[:1]
    written = [(n, u) for i, (n, u) in enumerate(given) if n or i == 0]
    date = "".join(f"{n}{u}" for n, u in written if u != "H")
    time = "".join(f"T{n}{u}" for n, u in written if u == "H")
    return f"{sign}P{date}{time}"


SEC_TRANSFORMS: dict[str, Callable[[str], str]] = {
    "numwordsen": number_words_en,
    "numinf": number_infinite,
    "boolballotbox": bool_ballot_box,
    "yesnoballotbox": yes_no_ballot_box,
    "duryear": duration_years,
    "durmonth": duration_months,
    "durweek": duration_weeks,
    "durday": duration_days,
    "durhour": duration_hours,
    "durwordsen": duration_words_en,
    "datequarterend": date_quarter_end,
    "numneginf": number_negative_infinite,
    "numnan": number_not_a_number,
    "stateprovnameen": _lookup(STATE_CODES, "a US state or territory or Canadian province"),
    "countrynameen": _lookup(COUNTRY_CODES, "a country name"),
    "edgarprovcountryen": _lookup(
        EDGAR_COUNTRY_CODES, "a country, US territory or Canadian province with an EDGAR code"
    ),
    "exchnameen": _lookup(EXCHANGE_CODES, "a US securities exchange"),
    "entityfilercategoryen": _lookup(FILER_CATEGORIES, "an SEC filer category"),
}
