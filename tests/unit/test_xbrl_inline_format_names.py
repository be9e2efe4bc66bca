"""Fact.inline_format names the registry of the format, not the prefix the document bound.

A copy of AEON's 10-Q binds XBRL International's TR4 (2020-02-12) as ``ixt4`` and its own
TR3 (2015-02-26) a second time as ``tr3``; the period end date is read with TR4's
date-monthname-day-year-en, the 2022 cash (9,746 thousand) with ``tr3:numdotdecimal``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from xbrl_samples import AEON, AEON_DOCUMENT, EditedRun, copy_with_edits, run_edited

TR3 = "http://www.xbrl.org/inlineXBRL/transformation/2015-02-26"
TR4 = "http://www.xbrl.org/inlineXBRL/transformation/2020-02-12"
END = "Narr_F6za72dbT0Gy7clvq9_mVQ"
CASH = "Tc_Vj0ZB-7fPEmuBvNXqmmsvA_7_7"
EDITS = (
    (f'xmlns:ixt="{TR3}"', f'xmlns:ixt="{TR3}" xmlns:ixt4="{TR4}" xmlns:tr3="{TR3}"'),
    (f'<ix:nonNumeric format="ixt:datemonthdayyearen" contextRef="Duration_1_1_2023_To_9_30_'
     f'2023_Ebj2XMZXPkeeBZsJQEfMqA" name="dei:DocumentPeriodEndDate" id="{END}"',
     f'<ix:nonNumeric format="ixt4:date-monthname-day-year-en" contextRef="Duration_1_1_2023'
     f'_To_9_30_2023_Ebj2XMZXPkeeBZsJQEfMqA" name="dei:DocumentPeriodEndDate" id="{END}"'),
    ('decimals="-3" format="ixt:numdotdecimal" name="us-gaap:CashAndCashEquivalentsAtCarrying'
     f'Value" scale="3" id="{CASH}"',
     'decimals="-3" format="tr3:numdotdecimal" name="us-gaap:CashAndCashEquivalentsAtCarrying'
     f'Value" scale="3" id="{CASH}"'),
)  # fmt: skip


def aeon_rebound(target: Path) -> Path:
    return copy_with_edits(AEON, target, AEON_DOCUMENT, *EDITS)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    done = run_edited(tmp_path_factory.mktemp("formats"), {"aeon": aeon_rebound}, "xbrl_fmt")
    assert done.statuses == {"aeon": "processed"}
    return done


def test_a_format_is_named_by_its_registry_whatever_the_documents_prefix(run: EditedRun):
    facts = run.facts("aeon")
    end, cash = facts[END], facts[CASH]
    assert (end["inline_format"], end["value_text"]) == (
        "ixt-4:date-monthname-day-year-en", "2023-09-30"
    )  # fmt: skip
    assert (cash["inline_format"], cash["value_decimal"]) == (
        "ixt-3:numdotdecimal", Decimal(9_746_000)
    )  # fmt: skip
    formats = {f["inline_format"] for f in facts.values() if f["inline_format"]}
    # AEON's every other format, as filed under ixt (TR3) and ixt-sec
    assert formats == {
        "ixt-3:numdotdecimal", "ixt-3:zerodash", "ixt-4:date-monthname-day-year-en",
        "ixt-sec:boolballotbox", "ixt-sec:durday", "ixt-sec:durwordsen", "ixt-sec:duryear",
        "ixt-sec:entityfilercategoryen", "ixt-sec:exchnameen", "ixt-sec:numwordsen",
        "ixt-sec:stateprovnameen",
    }  # fmt: skip
    (report,) = run.rows("aeon", "Report")
    assert report["period_of_report"] == date(2023, 9, 30)
