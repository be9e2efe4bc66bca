"""The order in which ``ledgergraph facts`` lists periods: XBRL's, end moment then start.

Tesla's 10-Q states its Q2 2024 (``2024-04-01..2024-06-30``), its half year
(``2024-01-01..2024-06-30``) and its balance sheet date (``2024-06-30``); the timed and
zoned ids are those the edited filings of ``test_xbrl_moment_and_typed_identity.py`` and
``test_xbrl_moment_zones.py`` load (a quarter ending at noon, a cash balance at noon, one at
12:00 UTC, AEON's September 30 in UTC); ``test_xbrl_period_far_end.py``'s end with 9999-12-31.
"""

from __future__ import annotations

import random

import pytest

from localrun.periods import period_order

IN_ORDER = [
    "2023-07-01Z..2023-09-30Z",  # ends 2023-10-01T00:00 UTC
    "2023-09-30Z",
    "2024-04-01..2024-06-30T12:00:00",  # ends at noon of June 30
    "2024-06-30T12:00:00",
    "2024-06-30T12:00:00Z",  # the same moment, zoned: after the unzoned one, by its id
    "2024-06-30T12:00:00.250000",
    "2024-01-01..2024-06-30",  # ends with June 30: 2024-07-01T00:00; the longest first
    "2024-04-01..2024-06-30",
    "2024-04-01T08:00:00..2024-06-30",
    "2024-06-30",  # an instant ending then starts then too: after every duration
    "2024-04-01..9999-12-31",  # the end of 9999-12-31 is past what datetime holds
    "9999-12-31",
    "forever",
]


def _key(period: str) -> tuple[object, ...]:
    return (*period_order(period), period)  # as fetch_facts sorts, the id breaking ties


def test_periods_sort_by_end_moment_then_start_moment() -> None:
    shuffled = IN_ORDER[::-1]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=_key) == IN_ORDER


def test_a_date_only_end_is_the_next_midnight_and_a_start_its_own() -> None:
    ends, starts = period_order("2024-04-01..2024-06-30")
    assert (ends.isoformat(), starts.isoformat()) == ("2024-07-01T00:00:00", "2024-04-01T00:00:00")
    assert period_order("2024-06-30") == (ends, ends)
    assert period_order("2024-06-30T23:59:59")[0] < ends


def test_what_is_no_period_id_is_refused() -> None:
    with pytest.raises(ValueError):
        period_order("2024-13-01")
