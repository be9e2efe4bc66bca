"""Report bodies not shaped as QuickBooks sends them: a named error, before anything lands.

The sync fetches ProfitAndLoss, BalanceSheet and TrialBalance with every run, and the
transform walks them to compare the ledger with. A report whose ``Header`` was a string,
whose ``Rows.Row`` was null or whose ``StartPeriod`` was a number landed without a word
and then stopped TransformRun with AttributeError, TypeError or DuckDB's ``Unimplemented
type for cast (INTEGER -> DATE)``. The sync now refuses such a report naming the report,
its period, the realm and the place in it; the transform names the run and the raw key
for a report landed before that check.

Every body here is the recorded BalanceSheet (``sample_data/quickbooks/reports``), as the
fake server serves it, copied and broken in one place.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    REALM,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)

from ledgergraph.errors import ObjectNotFound
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.reports import MAX_SECTION_DEPTH, report_problem
from ledgergraph.quickbooks.runs import raw_page_key, run_manifest_key
from tests.fakes.quickbooks_server import FakeQuickBooks, Scripted

Body = dict[str, Any]
PERIOD = (date(2019, 1, 1), date(2019, 2, 1))  # the recorded report's own period
CHECKING = "Rows.Row[0].Rows.Row[0].Rows.Row[0].Rows.Row[0]"  # Checking, 1201.00


def checking_row(body: Body) -> Body:
    """The report's first Data row: account 35 (Checking), 1201.00."""
    row = body["Rows"]["Row"][0]["Rows"]["Row"][0]["Rows"]["Row"][0]["Rows"]["Row"][0]
    assert row["ColData"][0] == {"value": "Checking", "id": "35"}
    return row


def header_a_string(body: Body) -> None:
    body["Header"] = "BalanceSheet"


def start_a_number(body: Body) -> None:
    body["Header"]["StartPeriod"] = 20190101


def rows_null(body: Body) -> None:
    body["Rows"]["Row"] = None


def assets_total_a_string(body: Body) -> None:
    body["Rows"]["Row"][0]["Summary"] = "23436.29"  # TOTAL ASSETS as bare text


def checking_id_a_number(body: Body) -> None:
    checking_row(body)["ColData"][0]["id"] = 35


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (header_a_string, "Header a JSON string, not an object"),
        (start_a_number, "Header.StartPeriod a JSON number, not text"),
        (rows_null, "Rows.Row a JSON null, not a list"),
        (assets_total_a_string, "Rows.Row[0].Summary a JSON string, not an object"),
        (checking_id_a_number, f"{CHECKING}.ColData[0].id a JSON number, not text"),
    ],
)
def test_a_misshapen_report_stops_the_sync_naming_the_report_and_the_place(
    harness: Harness, fake: FakeQuickBooks, edit: Callable[[Body], None], problem: str
) -> None:
    edit(fake.reports["BalanceSheet"])

    with pytest.raises(QuickBooksDataError) as refused:
        harness.sync(run_id="run-1", report_period=PERIOD)

    assert str(refused.value) == (
        "QuickBooks answered the BalanceSheet report (/reports/BalanceSheet, 2019-01-01 to "
        f"2019-02-01) of realm {REALM} with {problem}: not a report QuickBooks gives; the run "
        "stops before its manifest, so none of it is transformed"
    )
    with pytest.raises(ObjectNotFound):
        harness.store.get_bytes(run_manifest_key(REALM, "run-1"))
    assert not harness.store.exists(raw_page_key(REALM, "BalanceSheet", "run-1", 1))


def test_the_recorded_report_and_the_fakes_empty_ones_pass_the_check(
    fake: FakeQuickBooks,
) -> None:
    empty = fake.answer_report("ProfitAndLoss", {"start_date": "2019-01-01"}).body

    assert report_problem(fake.reports["BalanceSheet"]) is None
    assert report_problem(empty) is None


def test_a_misshapen_report_landed_before_the_check_is_named_by_the_transform(
    harness: Harness,
) -> None:
    harness.sync(run_id="run-1", report_period=PERIOD)
    key = raw_page_key(REALM, "BalanceSheet", "run-1", 1)
    body = json.loads(harness.store.get_bytes(key))
    broken = copy.deepcopy(body)
    checking_row(broken)["ColData"] = "1201.00"
    harness.store.put_bytes(key, json.dumps(broken).encode("utf-8"))

    with pytest.raises(QuickBooksDataError) as refused:
        harness.transform("run-1")

    assert str(refused.value) == (
        f"run run-1 of realm {REALM} cannot be transformed: its BalanceSheet report ({key}) "
        f"holds {CHECKING}.ColData a JSON string, not a list, not a report QuickBooks gives; "
        "sync again"
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("NaN", "not a number"),
        ("1e400", "401 digits before the point, more than the 26 kept"),
        ("0.0000000000001", "13 decimal places, more than the 12 kept"),
        ("١٢٠١", "not a number"),  # Arabic-Indic digits, which Decimal() reads as 1201
        (" 1201.00", "not a number"),
    ],
)
def test_a_report_amount_that_is_not_a_number_as_records_hold_one_is_named(
    harness: Harness, fake: FakeQuickBooks, value: str, why: str
) -> None:
    """The checking account's amount in the BalanceSheet: "NaN" and "1e400" stopped the
    transform with InvalidOperation or ArrowInvalid, "١٢٠١" passed as 1201."""
    checking_row(fake.reports["BalanceSheet"])["ColData"][1]["value"] = value

    with pytest.raises(QuickBooksDataError) as refused:
        harness.sync(run_id="run-1", report_period=PERIOD)

    assert str(refused.value) == (
        "QuickBooks answered the BalanceSheet report (/reports/BalanceSheet, 2019-01-01 to "
        f"2019-02-01) of realm {REALM} with {CHECKING}.ColData[1].value {json.dumps(value)}, "
        f"{why}: not a report QuickBooks gives; the run stops before its manifest, so none of "
        "it is transformed"
    )


def test_a_report_amount_landed_before_the_check_is_named_by_the_transform(
    harness: Harness,
) -> None:
    harness.sync(run_id="run-1", report_period=PERIOD)
    key = raw_page_key(REALM, "BalanceSheet", "run-1", 1)
    body = json.loads(harness.store.get_bytes(key))
    checking_row(body)["ColData"][1]["value"] = "NaN"
    harness.store.put_bytes(key, json.dumps(body).encode("utf-8"))

    with pytest.raises(QuickBooksDataError) as refused:
        harness.transform("run-1")

    assert str(refused.value) == (
        f"run run-1 of realm {REALM} cannot be transformed: its BalanceSheet report ({key}) "
        f'holds {CHECKING}.ColData[1].value "NaN", not a number, not a report QuickBooks '
        "gives; sync again"
    )


def nested_sections(depth: int) -> Body:
    """An empty section holding one section, ``depth`` levels in all, as the tester sent."""
    outermost = section = {"type": "Section", "Header": {"ColData": [{"value": "x"}]}}
    for _ in range(depth - 1):
        inner = {"type": "Section", "Header": {"ColData": [{"value": "x"}]}}
        section["Rows"] = {"Row": [inner]}
        section = inner
    return outermost


def test_sections_nested_past_the_limit_stop_the_sync_with_a_named_error(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    rows = fake.reports["BalanceSheet"]["Rows"]["Row"]
    rows.append(nested_sections(MAX_SECTION_DEPTH + 8))

    with pytest.raises(QuickBooksDataError) as refused:
        harness.sync(run_id="run-1", report_period=PERIOD)

    assert str(refused.value) == (
        "QuickBooks answered the BalanceSheet report (/reports/BalanceSheet, 2019-01-01 to "
        f"2019-02-01) of realm {REALM} with Rows.Row[{len(rows) - 1}] holding sections nested "
        f"more than {MAX_SECTION_DEPTH} deep: not a report QuickBooks gives; the run stops "
        "before its manifest, so none of it is transformed"
    )


def test_sections_nested_3000_deep_stop_the_sync_with_a_named_error(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """The tester's report: the recorded BalanceSheet with a section 3000 deep, here the
    answer to the first report asked (ProfitAndLoss). It ended the execution in
    States.DataLimitExceeded; Python cannot read JSON this deep (RecursionError), so the
    client names it. The fake sends it as text: json.dumps cannot write it either."""
    body = copy.deepcopy(fake.reports["BalanceSheet"])
    body["Rows"]["Row"].append("DEEP")
    section = '{"type": "Section", "Header": {"ColData": [{"value": "x"}]}, "Rows": {"Row": ['
    deep = section * 3000 + "]}}" * 3000
    text = json.dumps(body).replace('"DEEP"', deep)
    fake.script("reports", Scripted(200, {}, raw=text))

    with pytest.raises(QuickBooksDataError) as refused:
        harness.sync(run_id="run-1", report_period=PERIOD)

    assert str(refused.value) == (
        f"QuickBooks answered /reports/ProfitAndLoss for realm {REALM} with JSON nested too "
        f"deep to read ({len(text.encode())} bytes): not an answer QuickBooks gives; the run "
        "stops before its manifest"
    )
    with pytest.raises(ObjectNotFound):
        harness.store.get_bytes(run_manifest_key(REALM, "run-1"))


def test_sections_nested_as_deep_as_the_limit_pass_the_check(fake: FakeQuickBooks) -> None:
    body = copy.deepcopy(fake.reports["BalanceSheet"])
    body["Rows"]["Row"].append(nested_sections(MAX_SECTION_DEPTH))
    assert report_problem(body) is None

    body["Rows"]["Row"][-1] = nested_sections(MAX_SECTION_DEPTH + 1)
    assert report_problem(body) == (
        f"Rows.Row[{len(body['Rows']['Row']) - 1}] holding sections nested more than "
        f"{MAX_SECTION_DEPTH} deep"
    )
