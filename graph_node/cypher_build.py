"""The Cypher the node writes itself: DDL and statements over keys passed as an Arrow table.

Table and column names come from the graph schema only; values always travel as the
``$rows`` parameter, read with ``LOAD FROM`` in columns renamed ``k0..`` (the key) and
``v0..`` (other columns), so no name in the data can collide with a Cypher keyword.
"""

from __future__ import annotations

import pyarrow as pa

from ledgergraph.graph_schema import Column, NodeTable, RelTable, Table, all_columns

ROWS = "rows"


def node_ddl(table: NodeTable) -> str:
    columns = ", ".join(f"`{c.name}` {c.engine_type}" for c in table.columns)
    return f"CREATE NODE TABLE `{table.name}`({columns}, PRIMARY KEY(id))"


def rel_ddl(table: RelTable) -> str:
    props = "".join(f", `{c.name}` {c.engine_type}" for c in table.columns)
    ends = f"FROM `{table.from_table}` TO `{table.to_table}`"
    return f"CREATE REL TABLE `{table.name}`({ends}{props})"


def value_columns(table: Table) -> tuple[Column, ...]:
    """The columns of ``table`` that are not part of its key, in schema order."""
    return tuple(c for c in all_columns(table) if c.name not in table.key)


def key_rows(table: Table, rows: pa.Table) -> pa.Table:
    """``rows``' key columns renamed k0.. (the shape every by-key statement reads)."""
    return pa.table({f"k{i}": rows.column(k) for i, k in enumerate(table.key)})


def keyed_rows(table: Table, rows: pa.Table) -> pa.Table:
    """Key columns as k0.., the other columns as v0.. (for SET statements)."""
    data = {f"k{i}": rows.column(k) for i, k in enumerate(table.key)}
    data |= {f"v{i}": rows.column(c.name) for i, c in enumerate(value_columns(table))}
    return pa.table(data)


def match_by_key(table: Table) -> str:
    """``LOAD FROM $rows MATCH`` the node or relationship of each row's key, bound to x."""
    if isinstance(table, NodeTable):
        return f"LOAD FROM ${ROWS} MATCH (x:`{table.name}` {{id: k0}})"
    pattern = (
        f"LOAD FROM ${ROWS} MATCH (:`{table.from_table}` {{id: k0}})"
        f"-[x:`{table.name}`]->(:`{table.to_table}` {{id: k1}})"
    )
    extra = [f"x.`{name}` = k{i + 2}" for i, name in enumerate(table.extra_key)]
    return f"{pattern} WHERE {' AND '.join(extra)}" if extra else pattern


def count_by_key(table: Table) -> str:
    return f"{match_by_key(table)} RETURN count(x)"


def delete_by_key(table: Table) -> str:
    return f"{match_by_key(table)} DELETE x"


def set_by_key(table: Table) -> str | None:
    """SET every non-key column from v0..; None for a table with nothing but its key."""
    columns = value_columns(table)
    if not columns:
        return None
    sets = ", ".join(f"x.`{c.name}` = v{i}" for i, c in enumerate(columns))
    return f"{match_by_key(table)} SET {sets}"


def merge_by_key(table: Table) -> str:
    """Create the node or relationship of each row's key unless it exists, then SET every
    other column from v0.. (idempotent: a delete run again after a crash repeats it)."""
    sets = ", ".join(f"x.`{c.name}` = v{i}" for i, c in enumerate(value_columns(table)))
    tail = f" SET {sets}" if sets else ""
    if isinstance(table, NodeTable):
        return f"LOAD FROM ${ROWS} MERGE (x:`{table.name}` {{id: k0}}){tail}"
    extra = ", ".join(f"`{name}`: k{i + 2}" for i, name in enumerate(table.extra_key))
    props = f" {{{extra}}}" if extra else ""
    return (
        f"LOAD FROM ${ROWS} MATCH (a:`{table.from_table}` {{id: k0}}), "
        f"(b:`{table.to_table}` {{id: k1}}) MERGE (a)-[x:`{table.name}`{props}]->(b){tail}"
    )


def dump(table: Table) -> str:
    """Every row of ``table`` in the Parquet column order, sorted by key."""
    if isinstance(table, NodeTable):
        columns = [f"x.`{c.name}`" for c in table.columns]
        pattern = f"MATCH (x:`{table.name}`)"
        order = "x.id"
    else:
        columns = ["a.id", "b.id", *(f"x.`{c.name}`" for c in table.columns)]
        pattern = f"MATCH (a:`{table.from_table}`)-[x:`{table.name}`]->(b:`{table.to_table}`)"
        order = ", ".join(["a.id", "b.id", *(f"x.`{k}`" for k in table.extra_key)])
    return f"{pattern} RETURN {', '.join(columns)} ORDER BY {order}"


def count_all(table: Table) -> str:
    if isinstance(table, NodeTable):
        return f"MATCH (x:`{table.name}`) RETURN count(x)"
    return f"MATCH ()-[x:`{table.name}`]->() RETURN count(x)"
