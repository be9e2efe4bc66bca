"""Values DuckDB's casts would read leniently, on copies of the bundled sandbox recordings.

``TRY_CAST(... AS DATE)`` takes "infinity" (a day the graph engine dies reading back),
"-2024-01-15" (2025 BC), "epoch" and a date with a time of day; the transform reads dates
and instants strictly instead and rejects the record naming the field and the value.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from test_quickbooks_versions import (  # noqa: F401 - fixtures
    GRAPH,
    Books,
    Records,
    books_fixture,
    record,
    sample_copy,
)

from ledgergraph.quickbooks.transform.runner import SQL_DIR

INVOICE_DATES = (
    "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND t.qbo_id IN $ids "
    "RETURN t.qbo_id, t.txn_date, t.due_date, t.last_updated_at ORDER BY t.qbo_id"
)


def macros() -> duckdb.DuckDBPyConnection:
    """A connection with the transform's macros (00_macros.sql), in UTC as the runner sets."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute((SQL_DIR / "00_macros.sql").read_text(encoding="utf-8"))
    return con


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-04-08", "2026-04-08"), ("0001-01-01", "0001-01-01"),
        ("9999-12-31", "9999-12-31"), ("2024-02-29", "2024-02-29"),
        ("infinity", None), ("-infinity", None), ("-2024-01-15", None), ("epoch", None),
        ("2024-01-15T23:59:59", None), ("10000-01-01", None), ("0000-12-31", None),
        ("2023-02-29", None), (" 2024-01-15", None), ("2024-1-5", None), ("today", None),
    ],
)  # fmt: skip
def test_a_date_is_a_calendar_day_written_yyyy_mm_dd(text: str, day: str | None) -> None:
    (read,) = macros().execute("SELECT CAST(as_date(?) AS VARCHAR)", [text]).fetchone()
    assert read == day


@pytest.mark.parametrize(
    ("text", "instant"),
    [
        ("2026-05-05T03:13:29-07:00", "2026-05-05 10:13:29+00"),
        ("2026-05-05T03:13:29.5Z", "2026-05-05 03:13:29.5+00"),
        ("0001-01-01T00:00:00Z", "0001-01-01 00:00:00+00"),
        ("9999-12-31T23:59:59.999999+00:00", "9999-12-31 23:59:59.999999+00"),
        ("infinity", None), ("epoch", None), ("-2024-01-15T00:00:00Z", None),
        ("2026-05-05", None), ("2026-05-05T03:13:29", None), ("2026-05-05 03:13:29Z", None),
        ("2026-05-05T24:00:00Z", None), ("2026-05-05T03:13:29.1234567Z", None),
        ("0001-01-01T00:00:00+01:00", None), ("9999-12-31T23:00:00-07:00", None),
    ],
)  # fmt: skip
def test_an_instant_has_its_utc_offset_and_a_year_the_engine_reads(
    text: str, instant: str | None
) -> None:
    (read,) = macros().execute("SELECT CAST(as_instant(?) AS VARCHAR)", [text]).fetchone()
    assert read == instant


def lenient_dates(records: Records) -> None:
    """Dates and instants a DuckDB cast reads, none written the way QuickBooks writes them."""
    record(records, "Invoice", "95")["TxnDate"] = "infinity"
    record(records, "Invoice", "130")["TxnDate"] = "-2024-01-15"
    record(records, "Invoice", "129")["TxnDate"] = "epoch"
    record(records, "Invoice", "96")["DueDate"] = "2024-01-15T23:59:59"
    record(records, "Invoice", "49")["DueDate"] = "10000-01-01"
    record(records, "Customer", "3")["MetaData"]["LastUpdatedTime"] = "infinity"
    record(records, "Customer", "4")["MetaData"]["CreateTime"] = "epoch"


def test_dates_a_lenient_cast_reads_reject_their_record_and_the_graph_keeps_its_version(
    books: Books, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "run-1")
    books.load("run-1")

    summary = books.transform(sample_copy(tmp_path, "lenient", lenient_dates), "run-2")

    records = books.reconciliation("run-2")["records"]
    assert records["Invoice"]["rejected"] == {
        'Invoice 129: TxnDate "epoch" is not a date (YYYY-MM-DD)': 1,
        'Invoice 130: TxnDate "-2024-01-15" is not a date (YYYY-MM-DD)': 1,
        'Invoice 49: DueDate "10000-01-01" is not a date (YYYY-MM-DD)': 1,
        'Invoice 95: TxnDate "infinity" is not a date (YYYY-MM-DD)': 1,
        'Invoice 96: DueDate "2024-01-15T23:59:59" is not a date (YYYY-MM-DD)': 1,
    }
    words = "is not a date and time (YYYY-MM-DDThh:mm:ss and Z or a UTC offset)"
    assert records["Customer"]["rejected"] == {
        f'Customer 3: MetaData.LastUpdatedTime "infinity" {words}': 1,
        f'Customer 4: MetaData.CreateTime "epoch" {words}': 1,
    }
    assert (records["Invoice"]["records_in"], records["Invoice"]["out"]) == (37, 32)
    assert summary.rejected == 7

    books.load("run-2")
    dates = books.service.query_cypher(GRAPH, INVOICE_DATES, {"ids": ["130", "95"]})
    assert dates["rows"] == [
        ["130", "2026-04-08", "2026-05-08", "2026-05-05T10:13:29"],
        ["95", "2025-12-22", "2026-01-21", "2026-04-07T20:31:45"],
    ]
