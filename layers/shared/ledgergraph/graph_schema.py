"""The graph's tables: one definition used by the extractor, staging and LadybugDB.

Every writer of graph-shaped Parquet builds its Arrow schema from here, staging validates
files against it, and the graph node creates the LadybugDB tables from it. Changing a
column here changes all three at once; bump ``SCHEMA_VERSION`` when you do.
"""

from __future__ import annotations

import pyarrow as pa

from ledgergraph.ledger_schema import LEDGER_NODE_TABLES, LEDGER_REL_TABLES
from ledgergraph.schema_model import (
    DECIMAL_PRECISION,
    DECIMAL_SCALE,
    Column,
    NodeTable,
    RelTable,
    Table,
)
from ledgergraph.sec_relations import SEC_REL_TABLES
from ledgergraph.sec_schema import SEC_NODE_TABLES

__all__ = [
    "DECIMAL_PRECISION",
    "DECIMAL_SCALE",
    "Column",
    "NodeTable",
    "RelTable",
    "Table",
]

# 3: contexts, labels, references, networks and arcs, taxonomies, footnotes, securities;
#    inline and duplicate columns on Fact; what a filing states about its filer.
# 4: Employee; ledger nodes upserted (newest version wins) with versioned relationships.
# 5: Entity details (the latest filing loaded's statements, upserted). Graph files were
#    stored without compression for a while; they are compressed again, the engine's
#    default (graph_store.engine_options says why), which needs no new version.
# 6: each taxonomy year's definition of a concept on an ElementDefinition node; ids of a
#    Security without a trading symbol (its title), of a Period with a time of day and
#    of a typed Dimension (the value canonical for its type).
# 7: Fact.is_displayed (a fact of ix:hidden shown by a -sec-ix-hidden style property);
#    ids of a Period with a moment filed in a time zone (read in UTC, written with Z;
#    its dates the days as filed in that zone).
# 8: Network.arcs_not_loaded (arcs linking a concept of a schema not available offline),
#    and the depth of the arcs kept in such a network as filed; Arc.closed and usable null
#    where not filed and without meaning (they were false and true on every dimensional arc);
#    Element and ElementDefinition.data_type_namespace (data_type names no year's DTR).
SCHEMA_VERSION = "8"

NODE_TABLES: tuple[NodeTable, ...] = SEC_NODE_TABLES
REL_TABLES: tuple[RelTable, ...] = SEC_REL_TABLES

SEC_TABLES: tuple[str, ...] = tuple(t.name for t in (*NODE_TABLES, *REL_TABLES))

# The ledger tables (QuickBooks, Plaid) share Entity and Element with the SEC tables, so a
# company's books and a filer's facts meet on the same concepts.
TABLES: dict[str, Table] = {
    t.name: t for t in (*NODE_TABLES, *LEDGER_NODE_TABLES, *REL_TABLES, *LEDGER_REL_TABLES)
}

# Nodes before relationships, so every relationship finds both of its endpoints.
LOAD_ORDER: tuple[str, ...] = tuple(TABLES)


def _endpoints(from_table: str, to_table: str) -> tuple[Column, Column]:
    return (
        Column("from", "STRING", f"id of the {from_table} node", nullable=False),
        Column("to", "STRING", f"id of the {to_table} node", nullable=False),
    )


def get_table(name: str) -> Table:
    """Look up a table by name; raises KeyError naming the unknown table."""
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"unknown graph table {name!r}") from None


def all_columns(table: Table) -> tuple[Column, ...]:
    """The columns of the table's Parquet files, in file order."""
    if isinstance(table, RelTable):
        return (*_endpoints(table.from_table, table.to_table), *table.columns)
    return table.columns


def arrow_schema(table: Table) -> pa.Schema:
    """The exact Arrow schema a Parquet file for ``table`` must have."""
    return pa.schema(
        [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in all_columns(table)]
    )
