"""The copy guard: rows the engine could choke on never reach it, and say which table."""

from __future__ import annotations

import pyarrow as pa
import pytest
from test_graph_node_cases import boeing_facts, with_required

from graph_node.copy_guard import check_copy_rows, conform
from graph_node.errors import CopyRefused
from ledgergraph.graph_schema import TABLES, arrow_schema

FACT = TABLES["Fact"]


def _facts() -> pa.Table:
    rows = [with_required("Fact", r) for r in boeing_facts()]
    return pa.Table.from_pylist(rows, schema=arrow_schema(FACT))


def test_real_facts_pass() -> None:
    check_copy_rows(FACT, _facts())


def test_a_key_twice_is_refused_naming_table_and_key() -> None:
    rows = _facts()
    twice = pa.concat_tables([rows, rows.slice(0, 1)])

    with pytest.raises(CopyRefused, match=rf"Fact: 1 key\(s\) more than once: id='{rows['id'][0]}"):
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
