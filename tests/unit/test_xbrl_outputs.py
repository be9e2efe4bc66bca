"""What the task writes per table, and the plain text it derives from HTML values."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ledgergraph.graph_schema import LOAD_ORDER, TABLES, arrow_schema, get_table
from ledgergraph.manifest import sha256_of_bytes
from ledgergraph.objectstore import LocalObjectStore
from xbrl_task.outputs import write_tables
from xbrl_task.rows import GraphRows
from xbrl_task.text import plain_text

UNIT = "0000320193-23-000106"


def _file_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue().to_pybytes()


def test_tables_without_rows_are_written_as_the_graph_schema(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    tables = GraphRows().to_arrow()  # a unit with no row at all: every file is empty
    files = write_tables(store, "sec", UNIT, tables)

    assert [f.table for f in files] == list(LOAD_ORDER)
    for name in ("Fact", "Arc", "FACT_HAS_DIMENSION", "LedgerAccount"):
        written = next(f for f in files if f.table == name)
        data = store.get_bytes(written.key)
        expected = _file_bytes(pa.Table.from_pylist([], schema=arrow_schema(get_table(name))))
        assert data == expected  # the bytes a fresh write of an empty table gives
        assert written.rows == 0 and written.checksum == sha256_of_bytes(data)
        assert pq.read_table(pa.BufferReader(data)).schema.equals(arrow_schema(TABLES[name]))


def test_a_second_unit_gets_the_same_empty_files(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    first = write_tables(store, "sec", UNIT, GraphRows().to_arrow())
    second = write_tables(store, "sec", "0001018724-23-000004", GraphRows().to_arrow())
    assert [f.checksum for f in first] == [f.checksum for f in second]
    assert {f.key.split("/")[2] for f in second} == {"0001018724-23-000004"}


def test_plain_text_collapses_spaces_and_drops_blank_lines() -> None:
    markup = (
        "<p>Net\u00a0 sales\r\n  of  iPhone</p><table><tr><td>2023</td>"
        "<td> 1\u2009000 </td></tr><tr><td>\u202f</td></tr></table>\n\n"
        "<div> \t </div>tail  text"
    )
    assert plain_text(markup) == "Net sales\nof iPhone\n2023\t 1 000\ntail text"
    assert plain_text("   ") == ""
