"""Newer versions of ledger nodes: updated in place, their outdated relationships removed.

For a node table declared with ``upsert`` (the ledger tables and SEC's Entity; the other
SEC tables only add, but for ``definitions.py``'s updates), a materialize call also looks
at the offered rows whose key the graph already holds: a row whose content differs from the
version the graph holds is "updated" (every non-key column SET through ``LOAD FROM`` an
Arrow table, one statement per table), the rest are "unchanged". The version the graph
holds is recorded per key in ``_graph_versions_<table>`` (the file it came from); the
newest materialization wins.

The relationships a node's newest version came with replace its older ones in every
``versioned_with_from`` relationship table: an edited invoice without its third line loses
``TRANSACTION_HAS_LINE`` to it, and a ``LineItem`` no relationship of its ``owned_by``
table holds any more leaves the graph with all its relationships. "Came with" means: rows
of the files of the same source unit as the node's row (a sync run writes a node and its
relationships together; an empty table file is not registered, which reads as none).

Record versions: a node table with ``sync_token`` and ``last_updated_at`` columns (every
ledger node but ``LineItem``) carries its source record's version. An offered row older
than the version the graph holds (a lower SyncToken; for an equal one, or one missing or
not digits only, an earlier update time) is
"superseded": neither added, updated nor recorded as the graph's version, so a run
materialized late (a redriven older run) cannot roll a record back. What came with that
row is superseded too: a ``versioned_with_from`` relationship of a source unit whose
``from`` node the graph holds in another version, and an owned node (a ``LineItem``) that
such a relationship holds (``drop_superseded``).

Crash safety rides on the materialize intent (journal.py): the new versions are recorded
as pending rows of the intent before the graph changes, the COPY of new keys runs, then one
engine transaction deletes and updates. Everything is computed from staging, which changes
only when the intent is finished, so recovery recomputes the same plan and applies it
again: SET to the same values and DELETE of what is gone are idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from graph_node.copy_guard import conform
from graph_node.errors import GraphInconsistent
from graph_node.graph_store import GraphStore
from graph_node.journal import Intent
from graph_node.staging_db import (
    REGISTRY_TABLE,
    SETTLED,
    StagingDB,
    ledger_table,
    quote,
    registered,
    versions_table,
)
from ledgergraph.graph_schema import LOAD_ORDER, TABLES, NodeTable, RelTable, Table, all_columns

_OFFERED = "upsert_offered"
_REMOVED = "upsert_removed"
_LIVE = "('staged', 'materialized')"


@dataclass
class UpsertPlan:
    """What one materialize call of an upsert table changes besides adding new keys."""

    table: NodeTable
    updated: pa.Table
    unchanged: int
    removed: dict[str, pa.Table] = field(default_factory=dict)

    def removed_counts(self, kind: str) -> dict[str, int]:
        """Rows removed per table of ``kind`` ("node" or "rel"), tables with none left out."""
        return {
            name: rows.num_rows
            for name, rows in self.removed.items()
            if rows.num_rows and TABLES[name].kind == kind
        }


def upserts(table: Table) -> bool:
    """Whether a newer version of ``table``'s rows updates the graph."""
    return isinstance(table, NodeTable) and table.upsert


def rewritten_by(table: Table) -> frozenset[str]:
    """Tables whose staging rows a call of upsert table ``table`` may change as it finishes,
    or whose superseded rows its versions decide: itself, every relationship table from it
    (the ``versioned_with_from`` ones lose rows), the node tables those hold (``owned_by``)
    and every relationship table of those nodes. A later call of any other table reads
    nothing a call of ``table`` changes (``read_ahead``). Empty for a table that only adds."""
    if not upserts(table):
        return frozenset()
    rels = [t for t in TABLES.values() if isinstance(t, RelTable) and t.from_table == table.name]
    held = {t.name for t in TABLES.values() if isinstance(t, NodeTable)
            and t.owned_by in {r.name for r in rels}}  # fmt: skip
    incident = {t.name for t in TABLES.values() if isinstance(t, RelTable)
                and {t.from_table, t.to_table} & held}  # fmt: skip
    return frozenset({table.name, *(r.name for r in rels), *held, *incident})


def plan_upsert(db: StagingDB, table: Table, offered: pa.Table, *, present: int) -> UpsertPlan:
    """Rows to update and relationships and nodes to remove for ``offered`` (with file_id).

    Raises:
        GraphInconsistent: ``present`` keys in the graph, but not as many updated + unchanged.
    """
    assert isinstance(table, NodeTable) and table.upsert, f"{table.name} takes no upserts"
    what = f"planning the {table.name} upsert"
    with db.cursor(what=what) as cur, registered(cur, {_OFFERED: offered}):
        plan = _plan(cur, table)
    _check_present(plan, present)
    return plan


def record_versions(
    cur: duckdb.DuckDBPyConnection, plan: UpsertPlan, offered: pa.Table, intent: Intent
) -> None:
    """The offered rows' files as the versions the graph will hold, pending on ``intent``."""
    table = plan.table
    with registered(cur, {_OFFERED: offered.select(["id", "file_id"])}):
        cur.execute(
            f"INSERT INTO {quote(versions_table(table))} SELECT id, file_id, ? FROM {_OFFERED}",
            [intent.intent_id],
        )


def apply_upsert(graph: GraphStore, plan: UpsertPlan) -> None:
    """Delete the removed relationships and nodes, then SET the updated rows: one transaction."""
    table = plan.table
    order = [TABLES[name] for name in reversed(LOAD_ORDER) if name in plan.removed]
    rels = [t for t in order if isinstance(t, RelTable)]
    nodes = [t for t in order if isinstance(t, NodeTable)]
    graph.apply(
        deletes=[(t, plan.removed[t.name]) for t in (*rels, *nodes)],
        updates=[(table, conform(table, plan.updated.drop_columns(["file_id"])))],
    )


def redo_upsert(db: StagingDB, graph: GraphStore, intent: Intent) -> None:
    """Apply an interrupted upsert's graph changes again (recovery, before finishing)."""
    table = TABLES[intent.table_name or ""]
    if not upserts(table):
        return
    assert isinstance(table, NodeTable)
    with db.cursor(what=f"replanning the {table.name} upsert") as cur:
        plan = _plan_pending(cur, table, intent)
    apply_upsert(graph, plan)


def finish_upsert(cur: duckdb.DuckDBPyConnection, intent: Intent) -> None:
    """Inside the finishing transaction: ledgers lose the removed keys, versions move."""
    table = TABLES[intent.table_name or ""]
    if not upserts(table):
        return
    assert isinstance(table, NodeTable)
    plan = _plan_pending(cur, table, intent)
    for name, keys in plan.removed.items():
        forget_keys(cur, TABLES[name], keys)
    versions = quote(versions_table(table))
    cur.execute(
        f"DELETE FROM {versions} WHERE intent_id IS NULL "
        f"AND id IN (SELECT id FROM {versions} WHERE intent_id = ?)",
        [intent.intent_id],
    )
    cur.execute(f"UPDATE {versions} SET intent_id = NULL WHERE intent_id = ?", [intent.intent_id])


def drop_upsert(cur: duckdb.DuckDBPyConnection, intent: Intent) -> None:
    """Forget the pending versions of an intent whose graph changes never happened."""
    table = TABLES[intent.table_name or ""]
    if upserts(table):
        assert isinstance(table, NodeTable)
        cur.execute(
            f"DELETE FROM {quote(versions_table(table))} WHERE intent_id = ?", [intent.intent_id]
        )


_CANDIDATES = "upsert_candidates"
_ROW = "__row"


def drop_superseded(cur: duckdb.DuckDBPyConnection, table: Table, rows: pa.Table) -> pa.Table:
    """The candidate ``rows`` (schema columns, file_id, flags) without those a newer
    version of their record supersedes (module docstring). Reads settled versions only."""
    sql = _superseded_sql(table)
    if sql is None or not rows.num_rows:
        return rows
    numbered = rows.append_column(_ROW, pa.array(range(rows.num_rows), pa.int64()))
    with registered(cur, {_CANDIDATES: numbered}):
        stale = cur.sql(sql).to_arrow_table().column(_ROW).combine_chunks()
    if not len(stale):
        return rows
    return rows.filter(pc.invert(pc.is_in(numbered.column(_ROW), value_set=stale)))


def record_versioned(table: Table) -> bool:
    """Whether ``table``'s rows carry their record's version (SyncToken, update time)."""
    names = {c.name for c in all_columns(table)}
    return upserts(table) and {"sync_token", "last_updated_at", "is_deleted"} <= names


def _superseded_sql(table: Table) -> str | None:
    """SELECT of the _CANDIDATES rows (__row) that are superseded, or None for none."""
    unit = f"JOIN {REGISTRY_TABLE} ru ON ru.file_id = c.file_id"
    if record_versioned(table):
        return _older_sql(table)
    if isinstance(table, RelTable) and table.versioned_with_from:
        node = TABLES[table.from_table]
        where = _other_version(node, 'c."from"')
        return f"SELECT c.{_ROW} FROM {_CANDIDATES} c {unit} WHERE {where}"
    if isinstance(table, NodeTable) and table.owned_by:
        holder = TABLES[table.owned_by]
        assert isinstance(holder, RelTable)
        node = TABLES[holder.from_table]
        return f"""SELECT DISTINCT c.{_ROW} FROM {_CANDIDATES} c {unit}
            JOIN {quote(holder.name)} h ON h."to" = c.id
            JOIN {REGISTRY_TABLE} rh ON rh.file_id = h.file_id
                AND rh.source_unit = ru.source_unit AND rh.status IN {_LIVE}
            WHERE {_other_version(node, 'h."from"')}"""
    return None


def _other_version(node: Table, node_id: str) -> str:
    """The candidate's source unit (``ru``) offered node ``node_id``, but the graph holds
    another version of it (or none)."""
    versions = quote(versions_table(node))
    return f"""EXISTS (
        SELECT 1 FROM {quote(node.name)} f
        JOIN {REGISTRY_TABLE} rf ON rf.file_id = f.file_id
            AND rf.source_unit = ru.source_unit AND rf.status IN {_LIVE}
        WHERE f.id = {node_id} AND NOT EXISTS (
            SELECT 1 FROM {versions} v
            WHERE v.id = f.id AND v.file_id = f.file_id AND v.intent_id IS NULL))"""


def sync_token_sql(alias: str) -> str:
    """SQL reading ``{alias}.sync_token`` as a BIGINT when it is digits only (at most 18),
    else NULL: an unknown version part. TRY_CAST would read "0x10" as 16 and "1.5" as 2,
    and such a row would outrank the real versions after it."""
    token = f"{alias}.sync_token"
    digits = f"regexp_full_match({token}, '[0-9]{{1,18}}')"
    return f"CASE WHEN {digits} THEN TRY_CAST({token} AS BIGINT) END"


def _older_sql(table: Table) -> str:
    """Candidates older than the row whose version the graph holds: versions compare as
    (SyncToken, update time), as ``winners.winner_order`` sorts them; at an equal version
    the later materialization wins.

    NOTE: a tombstone does not outrank a live row of its version by itself. QuickBooks
    dates a deletion (CDC ``MetaData.LastUpdatedTime``), so a stated one is newer than the
    version it deletes; a deletion the transform only inferred (a full listing lacked the
    record) keeps the record's version, and the record listed again revives it.
    """
    token_c, token_g = sync_token_sql("c"), sync_token_sql("g")
    return f"""SELECT c.{_ROW} FROM {_CANDIDATES} c
        JOIN {quote(table.name)} g ON g.id = c.id
        JOIN {quote(versions_table(table))} v
            ON v.id = g.id AND v.file_id = g.file_id AND v.intent_id IS NULL
        WHERE coalesce({token_c} < {token_g}, false)
            OR (coalesce({token_c} = {token_g}, true)
                AND coalesce(c.last_updated_at < g.last_updated_at, false))"""


def _check_present(plan: UpsertPlan, present: int) -> None:
    """Keys present = updated + unchanged, or fail naming the table."""
    if plan.updated.num_rows + plan.unchanged != present:
        raise GraphInconsistent(
            f"{plan.table.name}: {present} offered keys are in the graph, but "
            f"{plan.updated.num_rows} updated + {plan.unchanged} unchanged were planned"
        )


def _plan_pending(cur: duckdb.DuckDBPyConnection, table: NodeTable, intent: Intent) -> UpsertPlan:
    """The plan of an open intent, rebuilt from its pending versions and staging."""
    columns = ", ".join(f"t.{quote(c.name)}" for c in all_columns(table))
    offered = cur.sql(
        f"SELECT {columns}, t.file_id FROM {quote(table.name)} t "
        f"JOIN {quote(versions_table(table))} v ON v.id = t.id AND v.file_id = t.file_id "
        "WHERE v.intent_id = ?",
        params=[intent.intent_id],
    ).to_arrow_table()
    with registered(cur, {_OFFERED: offered}):
        return _plan(cur, table)


def _plan(cur: duckdb.DuckDBPyConnection, table: NodeTable) -> UpsertPlan:
    """The plan for the rows registered as _OFFERED (one per id, with file_id)."""
    present = _present_rows(cur, table)
    updated = _updated_rows(cur, table)
    plan = UpsertPlan(table=table, updated=updated, unchanged=present - updated.num_rows)
    for rel in _versioned_rels(table):
        plan.removed[rel.name] = _outdated_rels(cur, rel)
    for owned in _owned_tables(plan):
        _remove_orphans(cur, owned, plan)
    return plan


def _present_rows(cur: duckdb.DuckDBPyConnection, table: NodeTable) -> int:
    ledger = quote(ledger_table(table))
    sql = (
        f"SELECT count(*) FROM {_OFFERED} o "
        f"SEMI JOIN (SELECT l.id FROM {ledger} l WHERE {SETTLED}) p ON p.id = o.id"
    )
    return int(cur.execute(sql).fetchall()[0][0])


def _updated_rows(cur: duckdb.DuckDBPyConnection, table: NodeTable) -> pa.Table:
    """Offered rows of keys in the graph whose content differs from the graph's version.

    A key without a recorded version (or whose version's file left staging) is updated:
    SET is idempotent, so doubt costs one write, never a stale row.
    """
    name, ledger, versions = (quote(n) for n in
                              (table.name, ledger_table(table), versions_table(table)))  # fmt: skip
    values = [c for c in all_columns(table) if c.name != "id"]
    differs = " OR ".join(f"o.{quote(c.name)} IS DISTINCT FROM g.{quote(c.name)}" for c in values)
    sql = f"""
        WITH graph_row AS (
            SELECT t.* FROM {name} t
            JOIN {versions} v ON v.id = t.id AND v.file_id = t.file_id
            WHERE v.intent_id IS NULL AND t.id IN (SELECT id FROM {_OFFERED})
        )
        SELECT o.* FROM {_OFFERED} o
        SEMI JOIN (SELECT l.id FROM {ledger} l WHERE {SETTLED}) p ON p.id = o.id
        LEFT JOIN graph_row g ON g.id = o.id
        WHERE g.id IS NULL OR {differs}
        ORDER BY o.id"""
    return cur.sql(sql).to_arrow_table()


def _versioned_rels(table: NodeTable) -> list[RelTable]:
    return [
        t for t in TABLES.values()
        if isinstance(t, RelTable) and t.versioned_with_from and t.from_table == table.name
    ]  # fmt: skip


def _outdated_rels(cur: duckdb.DuckDBPyConnection, rel: RelTable) -> pa.Table:
    """Keys of ``rel`` from offered nodes that their source unit's files no longer hold."""
    keys = [quote(k) for k in rel.key]
    same_key = " AND ".join(f"u.{k} = l.{k}" for k in keys)
    sql = f"""
        WITH owner AS (
            SELECT o.id, r.source_unit FROM {_OFFERED} o
            JOIN {REGISTRY_TABLE} r ON r.file_id = o.file_id
        ), unit_rows AS (
            SELECT {", ".join(f"t.{k}" for k in keys)} FROM {quote(rel.name)} t
            JOIN {REGISTRY_TABLE} r ON r.file_id = t.file_id AND r.status IN {_LIVE}
            JOIN owner ON owner.id = t."from" AND owner.source_unit = r.source_unit
        )
        SELECT {", ".join(f"l.{k}" for k in keys)} FROM {quote(ledger_table(rel))} l
        WHERE {SETTLED} AND l."from" IN (SELECT id FROM owner)
            AND NOT EXISTS (SELECT 1 FROM unit_rows u WHERE {same_key})
        ORDER BY ALL"""
    return cur.sql(sql).to_arrow_table()


def _owned_tables(plan: UpsertPlan) -> list[NodeTable]:
    """Node tables held by a relationship table the plan removes rows of."""
    return [
        t for t in TABLES.values()
        if isinstance(t, NodeTable) and t.owned_by and plan.removed.get(t.owned_by) is not None
        and plan.removed[t.owned_by].num_rows
    ]  # fmt: skip


def _remove_orphans(cur: duckdb.DuckDBPyConnection, owned: NodeTable, plan: UpsertPlan) -> None:
    """Add to ``plan`` the ``owned`` nodes left without a holder, with every relationship."""
    holder = TABLES[owned.owned_by or ""]
    assert isinstance(holder, RelTable)
    same_key = " AND ".join(f"x.{quote(k)} = l.{quote(k)}" for k in holder.key)
    with registered(cur, {_REMOVED: plan.removed[holder.name]}):
        orphans = cur.sql(
            f"""SELECT DISTINCT r."to" AS id FROM {_REMOVED} r
            WHERE r."to" NOT IN (
                SELECT l."to" FROM {quote(ledger_table(holder))} l
                ANTI JOIN {_REMOVED} x ON {same_key}
                WHERE {SETTLED})
            AND r."to" IN (SELECT l.id FROM {quote(ledger_table(owned))} l WHERE {SETTLED})
            ORDER BY id"""
        ).to_arrow_table()
    if not orphans.num_rows:
        return
    plan.removed[owned.name] = orphans
    with registered(cur, {_REMOVED: orphans}):
        for rel in (t for t in TABLES.values() if isinstance(t, RelTable)):
            ends = [c for c, end in (("from", rel.from_table), ("to", rel.to_table))
                    if end == owned.name]  # fmt: skip
            if ends:
                plan.removed[rel.name] = _incident(cur, rel, ends, plan.removed.get(rel.name))


def _incident(
    cur: duckdb.DuckDBPyConnection, rel: RelTable, ends: list[str], already: pa.Table | None
) -> pa.Table:
    """Keys of ``rel`` touching the orphans (_REMOVED), with those already removed."""
    keys = ", ".join(f"l.{quote(k)}" for k in rel.key)
    touches = " OR ".join(f'l."{end}" IN (SELECT id FROM {_REMOVED})' for end in ends)
    found = cur.sql(
        f"SELECT {keys} FROM {quote(ledger_table(rel))} l WHERE {SETTLED} AND ({touches})"
    ).to_arrow_table()
    if already is not None and already.num_rows:
        found = pa.concat_tables([already, found.cast(already.schema)])
    return found.group_by(list(rel.key)).aggregate([]).select(list(rel.key))


def forget_keys(cur: duckdb.DuckDBPyConnection, table: Table, keys: pa.Table) -> None:
    """Removed keys leave the table's ledger (and a node's recorded version)."""
    if not keys.num_rows:
        return
    on = " AND ".join(f"l.{quote(k)} = k.{quote(k)}" for k in table.key)
    with registered(cur, {_REMOVED: keys}):
        cur.execute(f"DELETE FROM {quote(ledger_table(table))} l USING {_REMOVED} k WHERE {on}")
        if upserts(table):
            versions = quote(versions_table(table))
            cur.execute(f"DELETE FROM {versions} WHERE id IN (SELECT id FROM {_REMOVED})")
