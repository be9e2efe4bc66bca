"""The SEC's inline XBRL transformation formats (``ixt-sec``), as plain text-to-text functions.

EDGAR accepts the formats of the SEC transformation registry (namespace below) besides the
XBRL International ones; arelle-release ships only the latter (the SEC ones live in Arelle's
separate EDGAR plugin). Each function takes the displayed text of an ``ix`` element and
returns the value in the lexical space of the concept's type, or raises ``ValueError``.
Nothing here imports Arelle: ``arelle_plugin.py`` registers these with Arelle.

Numbers are ``Decimal`` throughout; durations use 12 months a year and 30.4375 days a month
(365.25 / 12), truncating what is left below a day, as the SEC registry does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from xbrl_task.sec_names import EXCHANGE_CODES, FILER_CATEGORIES, STATE_CODES, normalized

SEC_TRANSFORMS_NAMESPACE = "http://www.sec.gov/inlineXBRL/transformation/2015-08-31"

_DAYS_PER_MONTH = Decimal("30.4375")
_BALLOT_EMPTY = "\u2610"
_BALLOT_MARKED = ("\u2611", "\u2612")
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_NONE_WORDS = ("no", "none")
_INFINITE_WORDS = ("unbounded", "unlimited", "indefinite", "infinite", "infinity")
_DURATION_UNITS = {"year": "Y", "month": "M", "week": "W", "day": "D"}
_AND = re.compile(r"\band\b")
_DURATION_PART = re.compile(
    r"(?P<number>\d+(?:\.\d+)?|[a-z]+(?:[\s-]+[a-z]+)*?)[\s-]+"
    r"(?P<unit>years?|months?|weeks?|days?)\b"
)


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
    """``numinf``: "unlimited", "unbounded", "indefinite"... -> INF."""
    if normalized(text) in _INFINITE_WORDS:
        return "INF"
    raise ValueError(f"not a word for infinity: {text!r}")


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
    """``duryear``: a number of years (decimals allowed) -> xs:duration ("2.5" -> P2Y6M)."""
    years, rest = _split(_number(text))
    months, rest = _split(rest * 12)
    return _duration(years=years, months=months, days=int(rest * _DAYS_PER_MONTH))


def duration_months(text: str) -> str:
    """``durmonth``: a number of months -> xs:duration ("1.5" -> P1M15D)."""
    months, rest = _split(_number(text))
    return _duration(months=months, days=int(rest * _DAYS_PER_MONTH))


def duration_weeks(text: str) -> str:
    """``durweek``: a number of weeks -> xs:duration in days ("2" -> P14D)."""
    days, rest = _split(_number(text) * 7)
    return _duration(days=days, hours=int(rest * 24))


def duration_days(text: str) -> str:
    """``durday``: a number of days -> xs:duration ("30" -> P30D, "1.5" -> P1DT12H)."""
    days, rest = _split(_number(text))
    return _duration(days=days, hours=int(rest * 24))


def duration_hours(text: str) -> str:
    """``durhour``: a number of hours -> xs:duration ("36" -> PT36H)."""
    hours, rest = _split(_number(text))
    return _duration(hours=hours, minutes=int(rest * 60))


def duration_words_en(text: str) -> str:
    """``durwordsen``: "two years, six months", "three-year", "30 days" -> xs:duration."""
    cleaned = _AND.sub(" ", normalized(text).replace(",", " "))
    parts = {"Y": 0, "M": 0, "W": 0, "D": 0}
    matched = 0
    for match in _DURATION_PART.finditer(cleaned):
        words = match.group("number")
        count = int(_number(words)) if words[0].isdigit() else int(number_words_en(words))
        parts[_DURATION_UNITS[match.group("unit").rstrip("s")]] += count
        matched += 1
    leftover = _DURATION_PART.sub(" ", cleaned).strip()
    if not matched or leftover:
        raise ValueError(f"not an English duration: {text!r}")
    return _duration(years=parts["Y"], months=parts["M"], days=parts["D"] + 7 * parts["W"])


def _number(text: str) -> Decimal:
    try:
        number = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {text!r}") from None
    if not number.is_finite() or number < 0:
        raise ValueError(f"not a non-negative number: {text!r}")
    return number


def _split(number: Decimal) -> tuple[int, Decimal]:
    whole = int(number)
    return whole, number - whole


def _duration(
    *, years: int = 0, months: int = 0, days: int = 0, hours: int = 0, minutes: int = 0
) -> str:
    """Canonical xs:duration: zero parts left out, P0D for nothing."""
    date = "".join(f"{n}{u}" for n, u in ((years, "Y"), (months, "M"), (days, "D")) if n)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n)
    if not date and not time:
        return "P0D"
    return f"P{date}" + (f"T{time}" if time else "")


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
    "stateprovnameen": _lookup(STATE_CODES, "a US state or Canadian province"),
    "exchnameen": _lookup(EXCHANGE_CODES, "a US securities exchange"),
    "entityfilercategoryen": _lookup(FILER_CATEGORIES, "an SEC filer category"),
}
