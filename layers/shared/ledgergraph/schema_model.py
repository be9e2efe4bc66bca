"""How a graph table is declared: columns with a logical type, node and relationship tables.

The SEC tables (``graph_schema``) and the ledger tables (``ledger_schema``) are both built
from these classes; each logical type maps to one Arrow, DuckDB and LadybugDB type.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

# Exact decimals: 38 digits with 12 after the point hold any reported amount (up to 10^26)
# and any ratio or per-share value filed to 12 places, without binary floating point.
DECIMAL_PRECISION = 38
DECIMAL_SCALE = 12

_ARROW_TYPES: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "INT64": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "DECIMAL": pa.decimal128(DECIMAL_PRECISION, DECIMAL_SCALE),
    "TIMESTAMP": pa.timestamp("us", tz="UTC"),
}

_ENGINE_TYPES: dict[str, str] = {
    "STRING": "STRING",
    "INT64": "INT64",
    "BOOLEAN": "BOOLEAN",
    "DATE": "DATE",
    "DECIMAL": f"DECIMAL({DECIMAL_PRECISION}, {DECIMAL_SCALE})",
    "TIMESTAMP": "TIMESTAMP",
}

_DUCKDB_TYPES: dict[str, str] = {
    **_ENGINE_TYPES,
    "STRING": "VARCHAR",
    "BOOLEAN": "BOOLEAN",
    "TIMESTAMP": "TIMESTAMPTZ",
}


@dataclass(frozen=True)
class Column:
    """One column of a graph table: logical type, nullability and meaning."""

    name: str
    type: str
    description: str
    nullable: bool = True

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.type]

    @property
    def engine_type(self) -> str:
        return _ENGINE_TYPES[self.type]

    @property
    def duckdb_type(self) -> str:
        return _DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class NodeTable:
    """A node table; ``id`` is its primary key and is derived from the node's content.

    ``upsert``: a newer version of a node (a later materialization) updates its other
    columns in place; without it (the SEC tables) the first version stays. ``owned_by``: the
    relationship table whose relationships hold the node; a node that loses its last one
    (an edited transaction without that line) leaves the graph. ``defined_by``: a column
    that holds a value (true, for a BOOLEAN one) exactly when a row carries the node's
    definition (an Element a filing uses but whose schema it could not load has none; that
    schema's Taxonomy is not loaded); among the rows several files offer for a key, one that
    has it is kept before one that has not, then the usual order, and a later filing's
    defining row replaces an undefined node already in the graph.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    kind: str = field(default="node", init=False)
    upsert: bool = field(default=False, kw_only=True)
    owned_by: str | None = field(default=None, kw_only=True)
    defined_by: str | None = field(default=None, kw_only=True)

    @property
    def key(self) -> tuple[str, ...]:
        return ("id",)


@dataclass(frozen=True)
class RelTable:
    """A relationship table; its Parquet has ``from`` and ``to`` node ids first.

    A relationship is identified by its endpoints plus ``extra_key`` columns, so the same
    pair of nodes is never connected twice by the same relationship type.
    ``versioned_with_from``: the relationships of a ``from`` node are the ones its newest
    version came with (the file of the same source unit); older ones not among them leave
    the graph. Only for ``from`` tables with ``upsert``.
    """

    name: str
    description: str
    from_table: str
    to_table: str
    columns: tuple[Column, ...] = ()
    extra_key: tuple[str, ...] = ()
    kind: str = field(default="rel", init=False)
    versioned_with_from: bool = field(default=False, kw_only=True)

    @property
    def key(self) -> tuple[str, ...]:
        return ("from", "to", *self.extra_key)


Table = NodeTable | RelTable
