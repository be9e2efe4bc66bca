"""Values DuckDB's casts would read leniently, on copies of the bundled sandbox recordings.

``TRY_CAST(... AS DATE)`` takes "infinity" (a day the graph engine dies reading back),
"-2024-01-15" (2025 BC), "epoch" and a date with a time of day; ``AS BIGINT`` reads a
SyncToken "0x10" as 16 and "1.5" as 2; ``AS BOOLEAN`` reads "yes" as true. The transform
reads every value strictly instead and rejects the record naming the field and the value.
"""

from __future__ import annotations

import copy
import hashlib
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from test_quickbooks_versions import (  # noqa: F401 - fixtures
    GRAPH,
    Books,
    Records,
    books_fixture,
    newer,
    record,
    sample_copy,
)

from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.loading import register_entries
from ledgergraph.manifest import SourceUnitManifest, manifest_key
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


@pytest.mark.parametrize(
    ("text", "whole"),
    [
        ("3", 3), ("0", 0), ("999999999999999999", 999999999999999999),
        ("0x10", None), ("1.5", None), ("1_000", None), (" 3", None), ("+3", None),
        ("-3", None), ("1e3", None), ("0b11", None), ("9999999999999999999", None), ("", None),
    ],
)  # fmt: skip
def test_a_sync_token_is_digits_only(text: str, whole: int | None) -> None:
    (read,) = macros().execute("SELECT as_whole(?)", [text]).fetchone()
    assert read == whole


@pytest.mark.parametrize(
    ("json_value", "amount"),
    [
        ("362.07", "362.07"), ("-15", "-15"), ("1e3", "1000"), ('"362.07"', "362.07"),
        ('" 1e3 "', None), ('"+5"', None), ('".5"', None), ('"5."', None), ('"1_000"', None),
        ('"0x10"', None), ('"NaN"', None), ("true", None),
    ],
)  # fmt: skip
def test_an_amount_is_a_number_as_json_writes_it(json_value: str, amount: str | None) -> None:
    sql = "SELECT money(?, '$.a')"
    (read,) = macros().execute(sql, [f'{{"a": {json_value}}}']).fetchone()
    assert read == (None if amount is None else Decimal(amount))


@pytest.mark.parametrize(
    ("json_value", "value"),
    [("true", True), ("false", False), ('"true"', None), ('"yes"', None), ("1", None),
     ("2", None), ('"t"', None)],
)  # fmt: skip
def test_a_flag_is_json_true_or_false(json_value: str, value: bool | None) -> None:
    (read,) = macros().execute("SELECT flag(?, '$.a')", [f'{{"a": {json_value}}}']).fetchone()
    assert read is value


def lenient_numbers(records: Records) -> None:
    """SyncTokens, amounts and flags a DuckDB cast reads, none as QuickBooks writes them;
    Invoice 1037 (Id 130, SyncToken 3) listed again under SyncToken "0x10", edited."""
    replayed = copy.deepcopy(record(records, "Invoice", "130"))
    replayed.update(SyncToken="0x10", PrivateNote="replayed", TotalAmt=1.0)
    records["Invoice"].append(replayed)
    record(records, "Customer", "2")["SyncToken"] = "1.5"
    record(records, "Customer", "3")["SyncToken"] = "1_000"
    record(records, "Customer", "4")["Active"] = "yes"
    record(records, "Invoice", "95")["TotalAmt"] = " 1e3 "
    record(records, "Invoice", "96")["Balance"] = ".5"
    record(records, "Account", "69")["SubAccount"] = 1
    record(records, "Purchase", "144")["Credit"] = "true"
    record(records, "Item", "4")["sparse"] = "false"


def test_numbers_and_flags_a_lenient_cast_reads_reject_their_record(
    books: Books, tmp_path: Path
) -> None:
    summary = books.transform(sample_copy(tmp_path, "lenient", lenient_numbers), "run-1")

    records = books.reconciliation("run-1")["records"]
    whole = "is not a whole number (digits only, at most 18)"
    rejected = {e: records[e]["rejected"] for e in records if records[e]["rejected"]}
    assert rejected == {
        "Account": {'Account 69: SubAccount 1 is not true or false': 1},
        "Customer": {
            f'Customer 2: SyncToken "1.5" {whole}': 1,
            f'Customer 3: SyncToken "1_000" {whole}': 1,
            'Customer 4: Active "yes" is not true or false': 1,
        },
        "Invoice": {
            f'Invoice 130: SyncToken "0x10" {whole}': 1,
            'Invoice 95: TotalAmt " 1e3 " is not a number': 1,
            'Invoice 96: Balance ".5" is not a number': 1,
        },
        "Item": {'Item 4: sparse "false" is not true or false': 1},
        "Purchase": {'Purchase 144: Credit "true" is not true or false': 1},
    }  # fmt: skip
    # the real Invoice 130 is written, not superseded by the one read as SyncToken 16
    assert (records["Invoice"]["records_in"], records["Invoice"]["out"]) == (38, 35)
    assert records["Invoice"]["superseded"] == 0
    assert summary.rejected == 9


def test_a_sync_token_read_leniently_never_outranks_the_next_real_edit(
    books: Books, tmp_path: Path
) -> None:
    def replayed_130(records: Records) -> None:
        record(records, "Invoice", "130").update(SyncToken="0x10", PrivateNote="replayed")

    def saved_130(records: Records) -> None:
        invoice = record(records, "Invoice", "130")
        newer(invoice)
        invoice["PrivateNote"] = "saved"

    books.transform(sample_copy(tmp_path, "original"), "run-1")
    books.load("run-1")
    books.transform(sample_copy(tmp_path, "replayed", replayed_130), "run-2")
    books.load("run-2")
    books.transform(sample_copy(tmp_path, "saved", saved_130), "run-3")
    books.load("run-3")

    assert books.cypher(
        "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND t.qbo_id = '130' "
        "RETURN t.sync_token, t.private_note, t.total_amount"
    ) == [["4", "saved", "362.07"]]
    assert books.reconciliation("run-3")["records"]["Invoice"]["superseded"] == 0


def load_with_invoice_130_as(books: Books, run_id: str, sync_token: str, note: str) -> None:
    """Load the run with Invoice 130's LedgerTransaction row edited in its Parquet file, as
    a writer other than the transform could stage it."""
    manifest = SourceUnitManifest.model_validate_json(
        books.store.get_bytes(manifest_key(GRAPH, run_id))
    )
    (key,) = [t.key for t in manifest.tables if t.table == "LedgerTransaction"]
    path = books.store.root / key
    rows = pq.read_table(path)
    chosen = pc.and_(pc.equal(rows["qbo_id"], "130"), pc.equal(rows["txn_type"], "Invoice"))
    for column, value in (("sync_token", sync_token), ("private_note", note)):
        index = rows.schema.get_field_index(column)
        edited = pc.if_else(chosen, value, rows[column])
        rows = rows.set_column(index, rows.schema.field(index), edited)
    pq.write_table(rows, path)
    entries = register_entries(books.store, manifest)
    for entry in entries:
        if entry["table"] == "LedgerTransaction":
            entry["checksum"] = f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    ids = {f["table"]: f["file_id"] for f in books.service.register_files(GRAPH, entries)["files"]}
    books.service.stage_files(GRAPH, list(ids.values()))
    for table in (t for t in LOAD_ORDER if t in ids):
        books.service.materialize(GRAPH, table, [ids[table]])


def test_the_node_reads_a_staged_sync_token_strictly_too(books: Books, tmp_path: Path) -> None:
    """Invoice 130 staged under SyncToken "0x10" is no version the node can order (read as
    16 it outranked every real edit up to 16); the real SyncToken 4 after it is applied."""
    books.transform(sample_copy(tmp_path, "original"), "run-1")
    books.load("run-1")
    books.transform(sample_copy(tmp_path, "original-again"), "run-2")
    load_with_invoice_130_as(books, "run-2", "0x10", "replayed")
    books.transform(sample_copy(tmp_path, "original-3"), "run-3")

    load_with_invoice_130_as(books, "run-3", "4", "saved")

    assert books.cypher(
        "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND t.qbo_id = '130' "
        "RETURN t.sync_token, t.private_note"
    ) == [["4", "saved"]]
