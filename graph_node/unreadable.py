"""Dates and times a graph holds that real_ladybug cannot hand to Python.

real_ladybug 0.15.3 stores any DATE or TIMESTAMP, but the process that turns one outside the
years 0001 to 9999 into a Python value (the row reader, ``get_n``) dies of SIGSEGV: the node
answering a query, or the ``ledgergraph query`` and ``facts`` commands. Read through Arrow,
the same value is a plain count of days or microseconds. The copy guard keeps such values
out of the graph (``copy_guard.check_engine_range``), but a graph loaded before it could
hold some. ``find_unreadable`` lists them with comparisons the engine makes itself, and
``outside_columns`` finds them in a result read as Arrow, so a query whose result would
carry one is refused with where it is and how to remove it, instead of crashing the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import real_ladybug as lb

from graph_node.copy_guard import ENGINE_RANGE
from graph_node.errors import UnreadableValue
from graph_node.staging_db import REGISTRY_TABLE, quote
from ledgergraph.graph_schema import TABLES, NodeTable

_MAX_KEYS = 3
# The first and last moment the engine reads back, in its own literals.
_BOUNDS = {
    "DATE": ("date('0001-01-01')", "date('9999-12-31')"),
    "TIMESTAMP": (
        "timestamp('0001-01-01 00:00:00')",
        "timestamp('9999-12-31 23:59:59.999999')",
    ),
}
_MICROSECONDS_PER = {"s": 1_000_000, "ms": 1_000, "us": 1}
# Result types that can carry a date or time: one itself, a list or struct of them, and
# nodes and relationships, whose properties the type does not list.
_GRAPH_VALUES = ("NODE", "REL", "RECURSIVE_REL")


@dataclass(frozen=True)
class Unreadable:
    """A column of a node table holding values the engine cannot read back."""

    table: str
    column: str
    ids: tuple[str, ...]  # the first few, in id order
    more: bool  # whether more rows than ``ids`` hold one

    def describe(self) -> str:
        """``Period.end_date of id '2024-01-01..2024-06-30'``."""
        ids = ", ".join(repr(i) for i in self.ids) + (" and more" if self.more else "")
        return f"{self.table}.{self.column} of id {ids}"


def may_carry_dates(types: list[str]) -> bool:
    """Whether a result of these engine types (``get_column_data_types``) can hold a date."""
    return any("DATE" in t or "TIMESTAMP" in t or t.startswith(_GRAPH_VALUES) for t in types)


def computes_dates(types: list[str]) -> bool:
    """Whether a result of these engine types has a date or time outside any node or
    relationship: a column the query may have computed rather than read from the graph."""
    return any(("DATE" in t or "TIMESTAMP" in t) and not t.startswith(_GRAPH_VALUES) for t in types)


def find_unreadable(conn: lb.Connection) -> list[Unreadable]:
    """Every DATE and TIMESTAMP column of the graph holding a value outside the years 0001
    to 9999, with the first keys; one scan of each such column, no value read into Python.

    NOTE: only node tables have such columns (none of the relationship tables does).
    """
    present = {row[0] for row in conn.execute("CALL show_tables() RETURN name").get_all()}
    found = []
    for table in TABLES.values():
        if not isinstance(table, NodeTable) or table.name not in present:
            continue
        for column in table.columns:
            if column.type not in _BOUNDS:
                continue
            first, last = _BOUNDS[column.type]
            value = f"x.`{column.name}`"
            cypher = (
                f"MATCH (x:`{table.name}`) WHERE {value} < {first} OR {value} > {last} "
                f"RETURN x.id ORDER BY x.id LIMIT {_MAX_KEYS + 1}"
            )
            ids = [str(row[0]) for row in conn.execute(cypher).get_all()]
            if ids:
                keys = tuple(ids[:_MAX_KEYS])
                found.append(Unreadable(table.name, column.name, keys, len(ids) > _MAX_KEYS))
    return found


def outside_columns(rows: pa.Table) -> list[str]:
    """The names of the columns of ``rows`` holding a date or time outside the years 0001
    to 9999, at any depth (a node's property, a list's item)."""
    return [
        name
        for name, column in zip(rows.column_names, rows.columns, strict=True)
        if _outside(column.combine_chunks())
    ]


def _outside(values: pa.Array) -> bool:
    kind = values.type
    if pa.types.is_date32(kind):
        return _beyond(values.cast(pa.int32()), "DATE", 1)
    if pa.types.is_timestamp(kind):
        if kind.unit not in _MICROSECONDS_PER:  # nanoseconds reach only 1677 to 2262
            return False
        return _beyond(values.cast(pa.int64()), "TIMESTAMP", _MICROSECONDS_PER[kind.unit])
    if pa.types.is_struct(kind):
        return any(_outside(child) for child in values.flatten())
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_map(kind):
        return _outside(values.flatten())
    if pa.types.is_dictionary(kind):
        return _outside(values.dictionary)
    return False


def _beyond(raw: pa.Array, engine_type: str, per: int) -> bool:
    _, first, last, _ = ENGINE_RANGE[engine_type]
    outside = pc.or_(pc.less(raw, -(-first // per)), pc.greater(raw, last // per))
    return bool(pc.any(outside).as_py())


def units_holding(cur: duckdb.DuckDBPyConnection, found: list[Unreadable]) -> list[str]:
    """For each of ``found``, the source units whose materialized files (as the staging
    file records them) hold one of its keys, joined by ", " ("" when none does)."""
    named = []
    for unreadable in found:
        staged = quote(TABLES[unreadable.table].name)
        held = cur.execute(
            f"SELECT DISTINCT r.source_unit FROM {staged} s JOIN {REGISTRY_TABLE} r "
            "ON s.file_id = r.file_id "
            "WHERE r.status = 'materialized' AND list_contains(?, s.id) ORDER BY 1",
            [list(unreadable.ids)],
        ).fetchall()
        named.append(", ".join(unit for (unit,) in held))
    return named


def unreadable_error(
    columns: list[str], found: list[Unreadable], units: list[str] | None = None
) -> UnreadableValue:
    """The error of a query whose result ``columns`` would carry values of ``found``;
    ``units`` names the source units that loaded each of ``found`` (``units_holding``)."""
    held = units or [""] * len(found)
    where = [
        u.describe() + (f" (loaded by {by})" if by else "")
        for u, by in zip(found, held, strict=True)
    ]
    named = ", ".join(repr(c) for c in columns)
    outside = (
        f"Cypher query: result column {named} holds a date or time outside the years 0001 "
        "to 9999, which LadybugDB 0.15.3 cannot read back (the reader would crash)"
    )
    if not found:  # the query made it: nothing stored is out of range
        return UnreadableValue(
            f"{outside}; the query computed it (the graph holds no such value): keep its "
            "date arithmetic within those years",
            found=found,
            columns=columns,
        )
    return UnreadableValue(
        f"{outside}; the graph holds such values: {'; '.join(where)}. "
        "Leave them out of the result, or remove each unit that loaded one with "
        "`ledgergraph delete-source <unit>` and load it again (docs/operations.md)",
        found=found,
        columns=columns,
    )
