"""Deterministic ids of the graph's shared nodes: Element, Period, Unit, Dimension, Fact.

Shared things must meet across filings, so ids are built from meaning, not from the
filing's spelling: a us-gaap concept is ``us-gaap:Revenues`` whatever the taxonomy year or
the prefix the filer chose, while a filer's own concept keeps its prefix plus a short hash
of its namespace (``ba:Foo@1a2b3c4d``), because two filers' ``Foo`` are different things.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache

from ledgergraph.ids import stable_id
from xbrl_task.model import DimensionInfo, PeriodInfo, QName, UnitInfo

# Standard taxonomies are published by FASB, the SEC, XBRL US (2009-2011) and the IFRS
# Foundation under namespaces that differ only by year; the path segment before the year
# is the family (us-gaap, srt, dei, country, currency, exch, stpr, naics, sic, ecd, invest...).
_DATED_FAMILY = re.compile(
    r"^https?://(?:fasb\.org|xbrl\.sec\.gov|xbrl\.us)/(?P<family>[A-Za-z][\w.-]*)"
    r"/\d{4}(?:-\d{2}-\d{2})?/?$"
)
_IFRS_FAMILY = re.compile(
    r"^https?://xbrl\.ifrs\.org/taxonomy/\d{4}-\d{2}-\d{2}/(?P<family>[A-Za-z][\w.-]*)$"
)
_DTR_TYPES = re.compile(
    r"^http://www\.xbrl\.org/dtr/type/(?:\d{4}-\d{2}-\d{2}|numeric|non-numeric)$"
)
_FIXED_FAMILIES = {
    "http://www.xbrl.org/2003/instance": "xbrli",
    "http://www.xbrl.org/2003/iso4217": "iso4217",
    "http://www.xbrl.org/2009/utr": "utr",
    "http://www.w3.org/2001/XMLSchema": "xs",
    "http://xbrl.org/2005/xbrldt": "xbrldt",
    "http://xbrl.org/2014/extensible-enumerations": "enum",
    "http://xbrl.org/2020/extensible-enumerations-2.0": "enum2",
}
_HASH_DIGITS = 8
# Arelle's value of a period moment it cannot hold (XmlUtil.datetimeValue): 9999-12-31
_ARELLE_CLAMP = datetime(9999, 12, 31)
# xs:date and xs:dateTime as XBRL periods are filed (4-digit years, as Arelle reads them)
_FILED_MOMENT = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?"
)
# Inline XBRL transformation registries by namespace, each under a prefix that names its
# version (XBRL International's registries all suggest "ixt", so a document's own prefix
# says neither which registry nor, across documents, the same one): TR1 to TR5, the SEC's
TRANSFORM_PREFIXES = {
    "http://www.xbrl.org/inlineXBRL/transformation/2010-04-20": "ixt-1",
    "http://www.xbrl.org/inlineXBRL/transformation/2011-07-31": "ixt-2",
    "http://www.xbrl.org/inlineXBRL/transformation/2015-02-26": "ixt-3",
    "http://www.xbrl.org/inlineXBRL/transformation/2020-02-12": "ixt-4",
    "http://www.xbrl.org/inlineXBRL/transformation/2022-02-16": "ixt-5",
    "http://www.sec.gov/inlineXBRL/transformation/2015-08-31": "ixt-sec",
}


@lru_cache(maxsize=4096)
def standard_family(namespace: str) -> str | None:
    """The family prefix of a standard taxonomy namespace, None for a filer's extension."""
    fixed = _FIXED_FAMILIES.get(namespace)
    if fixed is not None:
        return fixed
    if _DTR_TYPES.match(namespace):
        return "dtr-types"
    match = _DATED_FAMILY.match(namespace) or _IFRS_FAMILY.match(namespace)
    return match.group("family") if match else None


def element_id(qname: QName) -> str:
    """``us-gaap:Revenues`` for standard concepts, ``ba:Foo@<8 hex>`` for extensions."""
    return _element_id(qname.namespace, qname.local_name, qname.prefix)


@lru_cache(maxsize=65536)  # a filing asks for the same few hundred concepts thousands of times
def _element_id(namespace: str, local_name: str, prefix: str | None) -> str:
    family = standard_family(namespace)
    if family is not None:
        return f"{family}:{local_name}"
    suffix = stable_id(namespace)[:_HASH_DIGITS]
    return f"{prefix}:{local_name}@{suffix}" if prefix else f"{local_name}@{suffix}"


def concept_name(qname: QName) -> str:
    """The concept as people write it: the element id without the namespace hash."""
    return element_id(qname).split("@", 1)[0]


def period_id(period: PeriodInfo) -> str:
    """``2023-12-31``, ``2023-01-01..2023-12-31`` (inclusive end) or ``forever``.

    A start, end or instant with a time of day other than midnight carries it:
    ``2024-04-01..2024-06-30T12:00:00`` ends at noon of June 30, another period than the
    one ending with that day (``2024-07-01T00:00:00``, which reads ``2024-06-30``).

    A moment filed with a time zone is written as that moment in UTC, always with ``Z``:
    XML Schema never equates a zoned date or dateTime with an unzoned one (nor does Arelle),
    so ``2023-09-30Z`` (the end of September 30 in UTC) is another period than
    ``2023-09-30``, and ``2024-06-30T14:00:00+02:00`` is ``2024-06-30T12:00:00Z``, one
    period in any zone. A zoned moment at midnight UTC is its day and ``Z``, like a date.
    """
    if period.kind == "forever":
        return "forever"
    end = _moment_text(period.end, period.end_time, end=True)
    if period.kind == "instant":
        return end
    return f"{_moment_text(period.start, period.start_time, end=False)}..{end}"


def split_moment(moment: date, *, end: bool) -> tuple[date, time | None]:
    """A period's start, end or instant as filed: (calendar day, time of day or None).

    XBRL reads a date-only end or instant as the next midnight (Arelle stores it so), so an
    end at midnight is the day before, inclusive, and a start at midnight its own day; an
    unzoned midnight drops the time. Any other time of day stays on the day it falls on.

    The day is the day in the zone the moment was filed in (a filer's September 30 stays
    September 30: ``2023-09-30-05:00`` is the day 2023-09-30, not 2023-10-01 as in UTC),
    and a zoned moment keeps its time of day with the zone, midnight too (a zoned midnight
    is another moment than an unzoned one): ``period_id`` reads it in UTC.
    """
    if not isinstance(moment, datetime):
        return moment, None
    day = date(moment.year, moment.month, moment.day)
    clock = moment.timetz()
    if clock.replace(tzinfo=None) == time(0):
        zoned = clock if clock.tzinfo is not None else None  # a zoned midnight keeps it
        return (day - timedelta(days=1) if end else day), zoned
    return day, clock


def is_clamped(moment: date | None) -> bool:
    """Whether Arelle's value of a period moment may not be the moment filed.

    Arelle holds a date-only end or instant as the next midnight; for 9999-12-31 (or an end
    ``9999-12-31T24:00:00``) that is past what ``datetime`` can hold, so it keeps 9999-12-31
    at midnight, a day early. A date that does not exist (``2023-02-30``) it holds as that
    same moment. Such a value is read again from the text filed (``filed_moment``).
    """
    return isinstance(moment, datetime) and moment.replace(tzinfo=None) == _ARELLE_CLAMP


def filed_moment(text: str, *, end: bool) -> tuple[date, time | None]:
    """A start, end or instant read from its text as filed, as ``split_moment`` reads
    Arelle's value of it: a date-only end is its own day (inclusive), ``T24:00:00`` the
    end of its day, an end at ``T00:00:00`` the day before.

    Raises:
        ValueError: the text is no xs:date or xs:dateTime, or names a day that does not
            exist (the message quotes it).
    """
    match = _FILED_MOMENT.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError("no xs:date or xs:dateTime")
        year, month, day_, hour, minute, second, fraction, zone = match.groups()
        day = date(int(year), int(month), int(day_))
        micro = int((fraction or ".0")[1:7].ljust(6, "0"))
        if hour == "24":  # the end of the day: the next midnight
            if (minute, second, micro) != ("00", "00", 0):
                raise ValueError("24:00:00 with minutes or seconds")
            if not end:
                day, hour = day + timedelta(days=1), "00"
        tz = _zone(zone)
        if hour is None or hour == "24":  # an end (or instant) at the end of its day
            return day, (time(0, tzinfo=tz) if tz is not None else None)
        clock = time(int(hour), int(minute), int(second), micro, tzinfo=tz)
        return split_moment(datetime.combine(day, clock), end=end)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"{text.strip()!r} is no moment XBRL can read: {exc}") from exc


def _zone(text: str | None) -> timezone | None:
    if text is None:
        return None
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=int(text[1:3]), minutes=int(text[4:6])))


def _moment_text(day: date | None, clock: time | None, *, end: bool) -> str:
    """The id text of one moment of ``split_moment``: a zoned one in UTC with ``Z``."""
    if day is None:
        raise ValueError("a period without its date")
    if clock is None:
        return day.isoformat()
    if clock.utcoffset() is None:
        return f"{day}T{clock.isoformat()}"  # 12:00:00, 12:00:00.250000
    moment = datetime.combine(day, clock).astimezone(UTC)
    if end and clock.replace(tzinfo=None) == time(0):
        # the end of ``day`` in its zone, a day after ``moment`` (not added: the end of
        # 9999-12-31 west of UTC is in year 10000, which datetime cannot hold)
        if moment.time() == time(0):
            return f"{moment.date()}Z"  # the end of that UTC day, written as a date is
        return f"{_day_after(moment.date())}T{moment.time().isoformat()}Z"
    if moment.time() == time(0):
        # the start of that UTC day, or the end of the day before: written as a date is
        return f"{moment.date() - timedelta(days=1) if end else moment.date()}Z"
    return f"{moment.date()}T{moment.time().isoformat()}Z"


def _day_after(day: date) -> str:
    return str(day + timedelta(days=1)) if day < date.max else f"{day.year + 1}-01-01"


def measures_text(measures: Iterable[QName]) -> str:
    """Measures as canonical ids, sorted and joined by ``*``."""
    return "*".join(sorted(element_id(m) for m in measures))


def unit_id(unit: UnitInfo) -> str:
    """``iso4217:USD``, ``xbrli:shares`` or ``iso4217:USD/xbrli:shares``."""
    numerator = measures_text(unit.numerators)
    if not unit.denominators:
        return numerator
    return f"{numerator}/{measures_text(unit.denominators)}"


def dimension_id(dimension: DimensionInfo) -> str:
    """``axis=member`` for explicit dimensions, ``axis#typed key`` for typed ones (the
    value canonical for its type, so ``01`` and ``1`` of an integer are one dimension)."""
    axis = element_id(dimension.axis)
    if dimension.member is not None:
        return f"{axis}={element_id(dimension.member)}"
    key = dimension.typed_key if dimension.typed_key is not None else dimension.typed_value
    return f"{axis}#{key or ''}"


def fact_id(
    report_id: str,
    concept: str,
    entity: str,
    period: str,
    dimensions: Iterable[str],
    unit: str | None,
    language: str | None,
    value: str | None,
    decimals: str | None,
    precision: str | None,
    *,
    in_tuple: int | None = None,
) -> str:
    """The Fact id: complete duplicates of one report (same everything) share it.

    ``dimensions`` are ``container:dimension id`` strings in any order; ``value`` is the
    canonical value (see ``values.value_key``); the language is compared case-insensitively.
    ``in_tuple`` numbers the tuple holding the fact: XBRL 2.1 makes items duplicates only
    under the same parent, so equal items of two tuples are two Facts; a fact in no tuple
    hashes no such part (its id is what it was before tuples were told apart).
    """
    parts = [
        report_id,
        concept,
        entity,
        period,
        "|".join(sorted(dimensions)),
        unit,
        language.lower() if language else None,
        value,
        decimals,
        precision,
    ]
    if in_tuple is not None:
        parts.append(f"tuple {in_tuple}")
    return stable_id(*parts)


def format_name(fmt: QName) -> str:
    """An inline transformation format as the graph stores it, whatever prefix the document
    bound: ``ixt-4:num-dot-decimal`` (``TRANSFORM_PREFIXES``); a format of another
    namespace in Clark notation, ``{namespace}name``."""
    prefix = TRANSFORM_PREFIXES.get(fmt.namespace)
    return f"{prefix}:{fmt.local_name}" if prefix else fmt.clark
