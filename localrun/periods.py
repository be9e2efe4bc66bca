"""Period ids in XBRL's own time order, for listing facts (``ledgergraph facts``).

A Period id (``xbrl_task.identity.period_id``) is ``2024-06-30`` (an instant),
``2024-04-01..2024-06-30`` (a duration, its end inclusive) or ``forever``; a moment at a
time of day other than midnight carries it (``2024-06-30T12:00:00``), a zoned one is
written in UTC with ``Z``. XBRL reads a date-only end or instant as the next midnight and
a date-only start as its own midnight, so a period ending at noon of June 30 ends before
one ending with June 30, which the day alone (``Period.end_date``) cannot tell.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

FOREVER = "forever"
_UTC_MARK = "Z"


def period_order(period: str) -> tuple[datetime, datetime]:
    """The sort key of a Period id: its end moment, then its start moment (an instant's
    start is its end), so periods ending together list the longest first; ``forever``
    ends after every other period.

    NOTE: an unzoned moment is placed as if it were in UTC: XML Schema leaves its order
    against a zoned moment less than 14 hours away undetermined, and a list needs one.

    Raises:
        ValueError: ``period`` is no Period id.
    """
    if period == FOREVER:  # after a period ending with 9999-12-31 too, by its id
        return datetime.max, datetime.max
    start, _, end = period.rpartition("..")
    ends = _moment(end, end=True)
    return ends, _moment(start, end=False) if start else ends


def _moment(text: str, *, end: bool) -> datetime:
    """The moment a start, end or instant of a Period id stands for, without its zone."""
    text = text.removesuffix(_UTC_MARK)
    if text[:5].isdigit():  # year 10000: the end of 9999-12-31 west of UTC
        return datetime.max
    if "T" in text:
        return datetime.fromisoformat(text)
    day = date.fromisoformat(text)
    if end and day == date.max:
        # NOTE: the end of 9999-12-31, its next midnight, is past what datetime holds; the
        # last microsecond stands for it (no filing states a moment within it)
        return datetime.max
    return datetime.combine(day + timedelta(days=1) if end else day, time(0))
