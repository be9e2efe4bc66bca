"""Rows of the graph tables for one source unit, keyed so nothing is added twice.

Shared nodes (an Element, a Period...) are reached from many facts; ``GraphRows`` keeps the
first row per key and turns each table into Arrow with exactly ``arrow_schema(table)``.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

import pyarrow as pa

from ledgergraph.graph_schema import TABLES, all_columns, arrow_schema, get_table

Row = dict[str, Any]


def _key_getter(table: str) -> Callable[[Row], Any]:
    """The row's key: its one key value, or the tuple of its key values (C speed)."""
    return itemgetter(*get_table(table).key)


_KEYS = {name: _key_getter(name) for name in TABLES}
# built once: ``arrow_schema`` makes a new schema (and relationship tables new endpoint
# columns) on every call, and every filing converts and checks all tables
SCHEMAS: dict[str, pa.Schema] = {name: arrow_schema(get_table(name)) for name in TABLES}
_REQUIRED = {
    name: tuple(c.name for c in all_columns(table) if not c.nullable)
    for name, table in TABLES.items()
}


class GraphRows:
    """Node and relationship rows of every graph table, first row per key wins."""

    def __init__(self) -> None:
        self._rows: dict[str, dict[Any, Row]] = {name: {} for name in TABLES}

    def add(self, table: str, row: Row) -> bool:
        """Add ``row`` unless its key is already there; True when it was added."""
        key = _KEYS[table](row)
        rows = self._rows[table]
        if key in rows:
            return False
        rows[key] = row
        return True

    def relate(self, table: str, source: str, target: str, **columns: Any) -> bool:
        """Add a relationship row ``source -> target``."""
        row = {"from": source, "to": target}
        if columns:
            row.update(columns)
        return self.add(table, row)

    def count(self, table: str) -> int:
        return len(self._rows[table])

    def rows(self, table: str) -> list[Row]:
        return list(self._rows[table].values())

    def to_arrow(self) -> dict[str, pa.Table]:
        """Every table (empty ones too) as Arrow, schema checked, rows in insertion order."""
        return {name: build_table(name, self.rows(name)) for name in TABLES}


def build_table(name: str, rows: list[Row]) -> pa.Table:
    """An Arrow table with exactly the graph schema of ``name``.

    Raises:
        ValueError: a non-nullable column has a null (a bug in the extractor, not the data).
    """
    schema = SCHEMAS[get_table(name).name]
    if not rows:
        return schema.empty_table()
    table = pa.Table.from_pylist(rows, schema=schema)
    for column in _REQUIRED[name]:
        if table.column(column).null_count:
            raise ValueError(f"table {name}: null in non-nullable column {column}")
    return table
