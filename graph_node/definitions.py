"""A node the graph holds without its definition takes the one a later call brings.

A filing whose taxonomy schema was not available offline brings the concepts it uses with
every definition column null (``NodeTable.defined_by``: an ``Element`` or
``ElementDefinition`` whose ``substitution_group`` is null), and the schema's ``Taxonomy``
node not loaded (``is_loaded`` false). Within one materialize call a defining row wins
(``winners.defined_first``); when the undefined row is in the graph already, a later call
that offers a defining row for its key "updates" it: every non-key column is SET from the
offered row, in the same call, after the COPY of its new keys.

Which row the graph holds is what a rebuild keeps (``winners.winner_order``): the first
materialized defining row, else the first materialized row. So a key's row in the graph is
undefined exactly when materialized files hold it undefined and none defining, which
staging tells without asking the graph. The candidates query of a call (``planning._flags``)
flags the present defining rows of keys some staged row leaves undefined, as a rule none;
only those are looked up here, in one more staging query.

NOTE: a graph loaded before this rule (when a later call never replaced an undefined
node) may hold undefined nodes that a materialized file defines; staging then reads them
as defined, and a rebuild gives them the definition.

Crash safety rides on the materialize intent (journal.py), as ``upsert.py``'s updates do:
the rows to SET are computed from staging (the intent's staged files, the settled key
ledger and the materialized files), which changes only when the intent is finished, so
recovery computes the same rows and SETs them again (``redo_definitions``), idempotently.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import conform
from graph_node.graph_store import GraphStore
from graph_node.journal import Intent
from graph_node.staging_db import (
    REGISTRY_TABLE,
    SETTLED,
    StagingDB,
    ledger_table,
    quote,
    registered,
)
from ledgergraph.graph_schema import TABLES, NodeTable, Table, all_columns

_OFFERED = "definitions_offered"


def defined_column(table: Table) -> str | None:
    """The column that tells whether a row of ``table`` carries its definition
    (``NodeTable.defined_by``), or None for a table without one."""
    return table.defined_by if isinstance(table, NodeTable) else None


def undefined_sql(table: Table, alias: str = "") -> str:
    """SQL, never NULL, true exactly when the row (``alias``) lacks ``table``'s definition:
    its ``defined_by`` column is null, or false for a BOOLEAN one (a Taxonomy whose schema
    was not loaded)."""
    column = defined_column(table)
    assert column is not None, f"{table.name} has no definition column"
    ref = f"{alias}.{quote(column)}" if alias else quote(column)
    return f"(NOT coalesce({ref}, false))" if _is_flag(table, column) else f"({ref} IS NULL)"


def defining(table: Table, rows: pa.Table) -> pa.Array:
    """Which of ``rows`` carry ``table``'s definition (``undefined_sql``'s opposite)."""
    column = defined_column(table)
    assert column is not None, f"{table.name} has no definition column"
    values = rows.column(column)
    return pc.fill_null(values, False) if _is_flag(table, column) else pc.is_valid(values)


def _is_flag(table: Table, column: str) -> bool:
    return next(c for c in all_columns(table) if c.name == column).type == "BOOLEAN"


def plan_definitions(
    cur: duckdb.DuckDBPyConnection, table: Table, present: pa.Table, staged: Sequence[str]
) -> pa.Table | None:
    """The rows among ``present`` (schema columns, file_id) whose definition replaces an
    undefined row in the graph, or None when ``table`` has no ``defined_by`` column.

    ``present``: a call's candidates (one per key) whose key the graph holds, as a rule
    only those ``planning._flags`` flags; ``staged``: the call's files not materialized
    yet. Only defining rows of staged files are looked up, in one staging query (never
    the graph); none left (a rerun, whose files are materialized), no query.
    """
    if defined_column(table) is None:
        return None
    of_staged = pc.is_in(present.column("file_id"), value_set=pa.array(staged, pa.string()))
    offered = present.filter(pc.and_(defining(table, present), of_staged))
    if not offered.num_rows:
        return offered
    with registered(cur, {_OFFERED: offered}):
        return cur.sql(
            f"SELECT o.* FROM {_OFFERED} o WHERE {_undefined_in_graph(table, 'o')} ORDER BY o.id"
        ).to_arrow_table()


def pending_definitions(cur: duckdb.DuckDBPyConnection, table: Table, intent: Intent) -> pa.Table:
    """``plan_definitions``' rows of an open intent, recomputed from staging alone: per key
    the lowest file id's defining row among the intent's staged files, for keys the
    settled ledger holds and the graph holds undefined (``_undefined_in_graph``)."""
    columns = ", ".join(f"t.{quote(c.name)}" for c in all_columns(table))
    staged = sorted(intent.detail["files"])
    return cur.sql(
        f"""SELECT o.* FROM (
            SELECT {columns}, t.file_id FROM {quote(table.name)} t
            WHERE t.file_id IN (SELECT unnest(?)) AND NOT {undefined_sql(table, "t")}
            QUALIFY row_number() OVER (PARTITION BY t.id ORDER BY t.file_id) = 1
        ) o
        WHERE o.id IN (SELECT l.id FROM {quote(ledger_table(table))} l WHERE {SETTLED})
            AND {_undefined_in_graph(table, "o")}
        ORDER BY o.id""",
        params=[staged],
    ).to_arrow_table()


def apply_definitions(graph: GraphStore, table: Table, rows: pa.Table) -> None:
    """SET the non-key columns of ``rows`` (with file_id) over their keys: one transaction."""
    if rows.num_rows:
        graph.apply(deletes=[], updates=[(table, conform(table, rows.drop_columns(["file_id"])))])


def redo_definitions(db: StagingDB, graph: GraphStore, intent: Intent) -> None:
    """SET an interrupted call's definitions again (recovery, before finishing it)."""
    table = TABLES[intent.table_name or ""]
    if defined_column(table) is None:
        return
    with db.cursor(what=f"replanning the {table.name} definitions") as cur:
        rows = pending_definitions(cur, table, intent)
    apply_definitions(graph, table, rows)


def _undefined_in_graph(table: Table, alias: str) -> str:
    """SQL condition on ``alias``.id: a materialized file holds an undefined row for it and
    none a defining one, so the graph's row for it is undefined. (A node a delete kept for
    another unit's relationships, which no file holds, is left as it is.)"""
    held = f"""SELECT 1 FROM {quote(table.name)} d
        JOIN {REGISTRY_TABLE} r ON r.file_id = d.file_id AND r.status = 'materialized'
        WHERE d.id = {alias}.id AND"""
    undefined = undefined_sql(table, "d")
    return f"EXISTS ({held} {undefined}) AND NOT EXISTS ({held} NOT {undefined})"
