"""The copy guard: rows the engine could choke on never reach it, and say which table."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from test_graph_node_cases import (
    BOEING_10K,
    FY2023,
    boeing_facts,
    file_entry,
    filing_files,
    with_required,
)
from test_quickbooks_versions import GRAPH, Books, books_fixture, sample_copy  # noqa: F401

from graph_node.copy_guard import check_copy_rows, conform
from graph_node.errors import CopyRefused
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import TABLES, arrow_schema
from ledgergraph.loading import register_entries
from ledgergraph.manifest import SourceUnitManifest, manifest_key

FACT = TABLES["Fact"]
# DuckDB's infinity as Arrow holds it: the largest day and microsecond counts.
INFINITE_DAY, INFINITE_MICROSECOND = 2**31 - 1, 2**63 - 1


def _facts() -> pa.Table:
    rows = [with_required("Fact", r) for r in boeing_facts()]
    return pa.Table.from_pylist(rows, schema=arrow_schema(FACT))


def test_real_facts_pass() -> None:
    check_copy_rows(FACT, _facts())


def test_a_key_twice_is_refused_naming_table_and_key() -> None:
    rows = _facts()
    twice = pa.concat_tables([rows, rows.slice(0, 1)])

    with pytest.raises(CopyRefused, match=rf"Fact: 1 key more than once: id='{rows['id'][0]}"):
        check_copy_rows(FACT, twice)


def test_a_type_the_engine_would_cast_silently_is_refused() -> None:
    rows = _facts()
    index = rows.schema.get_field_index("value_decimal")
    floats = rows.set_column(index, "value_decimal", rows["value_decimal"].cast(pa.float64()))

    with pytest.raises(
        CopyRefused, match="Fact: rows for COPY have columns .*value_decimal double"
    ):
        check_copy_rows(FACT, floats)


def test_a_null_in_a_non_null_column_is_refused() -> None:
    rows = _facts()
    index = rows.schema.get_field_index("concept")
    nulls = rows.set_column(index, "concept", pa.array([None] * rows.num_rows, pa.string()))

    with pytest.raises(CopyRefused, match="Fact: null in non-null column 'concept'"):
        check_copy_rows(FACT, nulls)


def test_invalid_utf8_is_refused() -> None:
    rows = _facts()
    bad = pa.Array.from_buffers(
        pa.string(), 1, [None, pa.py_buffer(b"\x00\x00\x00\x00\x02\x00\x00\x00"),
                         pa.py_buffer(b"\xff\xfe")],
    )  # fmt: skip
    index = rows.schema.get_field_index("value_text")
    broken = rows.slice(0, 1).set_column(index, "value_text", bad)

    with pytest.raises(CopyRefused, match="Fact: rows for COPY hold invalid values"):
        check_copy_rows(FACT, broken)


def test_a_utc_timestamp_named_otherwise_is_relabelled_not_refused() -> None:
    utc = pa.timestamp("us", tz="UTC")
    table = next(t for t in TABLES.values() if utc in arrow_schema(t).types)
    schema = arrow_schema(table)
    etc = pa.schema(
        [f.with_type(pa.timestamp("us", tz="Etc/UTC")) if pa.types.is_timestamp(f.type) else f
         for f in schema]
    )  # fmt: skip
    rows = pa.Table.from_pylist([], schema=etc)

    assert conform(table, rows).schema.types == schema.types


@pytest.fixture(name="node")
def node_fixture(tmp_path: Path) -> Iterator[GraphService]:
    node = GraphService(NodeSettings(home=tmp_path))
    yield node
    node.close()


def _with_raw(path: Path, column: str, chosen: pa.Array, raw: int) -> None:
    """Rewrite the Parquet file at ``path``: ``column`` holds the count ``raw`` (days or
    microseconds from 1970-01-01, as Arrow stores it) where ``chosen`` is true."""
    rows = pq.read_table(path)
    index = rows.schema.get_field_index(column)
    field = rows.schema.field(index)
    counts = rows[column].cast(pa.int32() if pa.types.is_date(field.type) else pa.int64())
    replaced = pc.if_else(chosen, pa.scalar(raw, counts.type), counts).cast(field.type)
    pq.write_table(rows.set_column(index, field, replaced), path)


def test_a_filing_date_the_engine_cannot_read_back_is_refused_through_the_node(
    node: GraphService, tmp_path: Path
) -> None:
    files = filing_files(tmp_path / "store", BOEING_10K, boeing_facts())
    period = files["Period"]
    _with_raw(period, "end_date", pc.equal(pq.read_table(period)["id"], FY2023), INFINITE_DAY)
    answer = node.register_files("sec", [file_entry(period, "Period", BOEING_10K)])
    (file_id,) = [f["file_id"] for f in answer["files"]]
    node.stage_files("sec", [file_id])  # staging takes DuckDB's infinity as a date

    with pytest.raises(CopyRefused) as refused:
        node.materialize("sec", "Period", [file_id])

    assert str(refused.value) == (
        "Period: 1 value outside the years 0001 to 9999 the engine reads back: "
        f"id='{FY2023}': end_date is day 2147483647 from 1970-01-01"
    )
    assert node.stats("sec")["nodes"]["Period"] == 0


def test_a_ledger_update_with_dates_the_engine_cannot_read_back_is_refused(
    books: Books, tmp_path: Path
) -> None:
    """Invoice 1037 (Id 130) offered again with an infinite TxnDate and update time: the
    graph holds the invoice, so its row would be SET, not copied."""
    books.transform(sample_copy(tmp_path, "original"), "run-1")
    books.load("run-1")
    books.transform(sample_copy(tmp_path, "original-again"), "run-2")
    manifest = SourceUnitManifest.model_validate_json(
        books.store.get_bytes(manifest_key(GRAPH, "run-2"))
    )
    (entry,) = [e for e in register_entries(books.store, manifest)
                if e["table"] == "LedgerTransaction"]  # fmt: skip
    (key,) = [t.key for t in manifest.tables if t.table == "LedgerTransaction"]
    path = books.store.root / key
    rows = pq.read_table(path)
    invoice_130 = pc.and_(pc.equal(rows["qbo_id"], "130"), pc.equal(rows["txn_type"], "Invoice"))
    (invoice_id,) = rows.filter(invoice_130)["id"].to_pylist()
    _with_raw(path, "txn_date", invoice_130, INFINITE_DAY)
    _with_raw(path, "last_updated_at", invoice_130, INFINITE_MICROSECOND)
    entry["checksum"] = f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    (file_id,) = [f["file_id"] for f in books.service.register_files(GRAPH, [entry])["files"]]
    books.service.stage_files(GRAPH, [file_id])

    with pytest.raises(CopyRefused) as refused:
        books.service.materialize(GRAPH, "LedgerTransaction", [file_id])

    assert str(refused.value) == (
        "LedgerTransaction: 2 values outside the years 0001 to 9999 the engine reads back: "
        f"id='{invoice_id}': last_updated_at is microsecond 9223372036854775807 from "
        f"1970-01-01; id='{invoice_id}': txn_date is day 2147483647 from 1970-01-01"
    )
    (date,) = books.cypher(
        f"MATCH (t:LedgerTransaction) WHERE t.id = '{invoice_id}' RETURN t.txn_date"
    )
    assert date == ["2026-04-08"]
