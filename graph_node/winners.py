"""The rows a rebuild keeps per key, following the upsert rules (``upsert.py``).

Insert-only tables keep their first version, upsert tables their newest: the highest
record version (SyncToken, update time, then the latest materialized) where rows carry
one, else the latest materialized. A versioned relationship is kept when the kept version of its
``from`` node came with it (a row of the same source unit); an owned node (``LineItem``)
is the row of the source unit of the relationship that holds it, and one that some staged
relationship once held but no kept one holds is dropped with its relationships. This is
what incremental materialization leaves, so a rebuild equals the incremental graph table
by table.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.definitions import defined_column, undefined_sql
from graph_node.staging_db import REGISTRY_TABLE, quote, registered, versions_table
from graph_node.upsert import record_versioned, sync_token_sql, upserts
from ledgergraph.graph_schema import TABLES, NodeTable, RelTable, Table, all_columns

_LIVE = "('staged', 'materialized')"
_WINNERS = "rebuild_winners"
_HOLDERS = "rebuild_holders"
_NODES = "rebuild_nodes"


def winner_order(table: Table) -> str:
    """ORDER BY of the row a rebuild keeps per key: the newest version for upsert tables
    (files not materialized yet come last in materialization order), else the first,
    a row that defines the node before any that does not (``defined_first``)."""
    newest = "r.materialize_seq DESC NULLS FIRST, t.file_id"
    if record_versioned(table):
        return (f"{sync_token_sql('t')} DESC NULLS LAST, "
                f"t.last_updated_at DESC NULLS LAST, {newest}")  # fmt: skip
    if upserts(table):
        return newest
    return f"{defined_first(table, 't')}r.materialize_seq NULLS LAST, t.file_id"


def defined_first(table: Table, alias: str = "") -> str:
    """An ORDER BY term (with its comma) putting rows that hold ``table``'s definition
    before those that do not, or "" for a table without ``NodeTable.defined_by``.

    Ahead of the materialization order in ``winner_order``, as incremental materialization
    leaves it: within one call a defining row wins (``planning._candidates``), and a
    later call's defining row replaces an undefined row in the graph
    (``definitions.py``); a defining row in the graph is never replaced.
    """
    if defined_column(table) is None:
        return ""
    return f"{undefined_sql(table, alias)}, "  # false (defining) sorts first


def counted(alias: str, files: str | None) -> str:
    """SQL condition on the registry row ``alias``: its file is one the winners come from.

    ``files`` names a relation of file ids the caller registered (a delete leaves its
    unit's out); None means every staged and materialized file, as a rebuild reads them.
    """
    if files is None:
        return f"{alias}.status IN {_LIVE}"
    return f"{alias}.file_id IN (SELECT file_id FROM {files})"


def winning_rows(
    cur: duckdb.DuckDBPyConnection, table: Table, *, files: str | None = None
) -> pa.Table:
    """One row per key of ``table`` (schema columns and file_id) in ``winner_order``,
    from the files ``counted`` names; before ``settle_winners``."""
    columns = ", ".join(f"t.{quote(c.name)}" for c in all_columns(table))
    keys = ", ".join(f"t.{quote(k)}" for k in table.key)
    sql = (
        f"SELECT {columns}, t.file_id FROM {quote(table.name)} t "
        f"JOIN {REGISTRY_TABLE} r ON r.file_id = t.file_id "
        f"WHERE {counted('r', files)} QUALIFY row_number() OVER "
        f"(PARTITION BY {keys} ORDER BY {winner_order(table)}) = 1 "
        f"ORDER BY {keys}"
    )
    return cur.sql(sql).to_arrow_table()


def settle_winners(
    cur: duckdb.DuckDBPyConnection, winners: dict[str, pa.Table], *, files: str | None = None
) -> dict[str, pa.Table]:
    """Rebuild winners (with file_id) as incremental upserts leave them: versioned
    relationships only from their node's newest source unit, orphaned owned nodes gone.

    ``files`` as in ``counted``; ``winners`` holds every table the settled ones read (a
    relationship's ``from`` table, an owned node's holder).
    """
    settled = dict(winners)
    rels = [t for t in TABLES.values()
            if isinstance(t, RelTable) and t.versioned_with_from and t.name in settled]  # fmt: skip
    owned_names = {t.name for t in TABLES.values() if isinstance(t, NodeTable) and t.owned_by}
    # holders first: an owned node's version is its holder's, and its own relationships
    # follow that version
    for rel in (r for r in rels if r.from_table not in owned_names):
        settled[rel.name] = _from_newest_unit(cur, rel, settled, files)
    for name in owned_names & set(settled):
        settled[name] = _from_holder_unit(cur, TABLES[name], settled, files)
    for rel in (r for r in rels if r.from_table in owned_names):
        settled[rel.name] = _from_newest_unit(cur, rel, settled, files)
    for owned in (t for t in TABLES.values() if isinstance(t, NodeTable) and t.owned_by):
        _drop_orphan_winners(cur, owned, settled, files)
    return settled


def record_rebuild_versions(cur: duckdb.DuckDBPyConnection, winners: dict[str, pa.Table]) -> None:
    """The rebuilt graph's versions: each upsert table's winning file per key."""
    for name, rows in winners.items():
        table = TABLES[name]
        if not upserts(table):
            continue
        versions = quote(versions_table(table))
        cur.execute(f"DELETE FROM {versions}")
        with registered(cur, {_WINNERS: rows.select(["id", "file_id"])}):
            cur.execute(f"INSERT INTO {versions} SELECT id, file_id, NULL FROM {_WINNERS}")


def _from_newest_unit(
    cur: duckdb.DuckDBPyConnection, rel: RelTable, winners: dict[str, pa.Table], files: str | None
) -> pa.Table:
    keys = [quote(k) for k in rel.key]
    same_key = " AND ".join(f"s.{k} = w.{k}" for k in keys)
    holders = winners[rel.from_table].select(["id", "file_id"])
    with registered(cur, {_WINNERS: winners[rel.name], _HOLDERS: holders}):
        return cur.sql(
            f"""WITH newest AS (
                SELECT h.id, r.source_unit FROM {_HOLDERS} h
                JOIN {REGISTRY_TABLE} r ON r.file_id = h.file_id
            ), unit_rows AS (
                SELECT {", ".join(f"s.{k}" for k in keys)} FROM {quote(rel.name)} s
                JOIN {REGISTRY_TABLE} r ON r.file_id = s.file_id AND {counted("r", files)}
                JOIN newest n ON n.id = s."from" AND n.source_unit = r.source_unit
            )
            SELECT w.* FROM {_WINNERS} w
            WHERE EXISTS (SELECT 1 FROM unit_rows s WHERE {same_key})
            ORDER BY {", ".join(f"w.{k}" for k in keys)}"""
        ).to_arrow_table()


def _from_holder_unit(
    cur: duckdb.DuckDBPyConnection, owned: Table, winners: dict[str, pa.Table], files: str | None
) -> pa.Table:
    """Owned nodes as written by the source unit of their holder's kept ``from`` node;
    the other winners (no kept holder: dropped as orphans next) stay as they are."""
    assert isinstance(owned, NodeTable)
    holder = TABLES[owned.owned_by or ""]
    assert isinstance(holder, RelTable)
    columns = ", ".join(f"t.{quote(c.name)}" for c in all_columns(owned))
    views = {
        _WINNERS: winners[owned.name],
        _HOLDERS: winners[holder.name].select(["from", "to"]),
        _NODES: winners[holder.from_table].select(["id", "file_id"]),
    }
    with registered(cur, views):
        rows = cur.sql(
            f"""WITH held AS (
                SELECT {columns}, t.file_id FROM {_HOLDERS} h
                JOIN {_NODES} n ON n.id = h."from"
                JOIN {REGISTRY_TABLE} rn ON rn.file_id = n.file_id
                JOIN {quote(owned.name)} t ON t.id = h."to"
                JOIN {REGISTRY_TABLE} r ON r.file_id = t.file_id AND {counted("r", files)}
                    AND r.source_unit = rn.source_unit
                QUALIFY row_number() OVER (PARTITION BY t.id ORDER BY t.file_id) = 1
            )
            SELECT * FROM held
            UNION ALL SELECT * FROM {_WINNERS} w WHERE w.id NOT IN (SELECT id FROM held)
            ORDER BY id"""
        ).to_arrow_table()
    return rows.cast(winners[owned.name].schema)


def _drop_orphan_winners(
    cur: duckdb.DuckDBPyConnection,
    owned: NodeTable,
    winners: dict[str, pa.Table],
    files: str | None,
) -> None:
    """Owned nodes some staged holder row points at but no kept one: gone, with their rels."""
    holder = TABLES[owned.owned_by or ""]
    with registered(cur, {_HOLDERS: winners[holder.name].select(["to"])}):
        orphans = cur.sql(
            f"""SELECT DISTINCT s."to" AS id FROM {quote(holder.name)} s
            JOIN {REGISTRY_TABLE} r ON r.file_id = s.file_id AND {counted("r", files)}
            WHERE s."to" NOT IN (SELECT "to" FROM {_HOLDERS})"""
        ).to_arrow_table()
    if not orphans.num_rows:
        return
    gone = orphans.column("id")
    winners[owned.name] = _without(winners[owned.name], "id", gone)
    for rel in (t for t in TABLES.values() if isinstance(t, RelTable)):
        for column, end in (("from", rel.from_table), ("to", rel.to_table)):
            if end == owned.name:
                winners[rel.name] = _without(winners[rel.name], column, gone)


def _without(rows: pa.Table, column: str, ids: pa.ChunkedArray) -> pa.Table:
    return rows.filter(pc.invert(pc.is_in(rows.column(column), value_set=ids.combine_chunks())))
