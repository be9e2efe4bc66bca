"""What a delete gives back: rows that upserts of the deleted unit took out of the graph.

A newer version of a ledger node removes the relationships its older version came with,
and the ``LineItem``s no relationship holds any more (upsert.py). Those rows are in no file
of the unit that brought the newer version, so deleting that unit by its own keys cannot
return them: an invoice would come back without its lines. For the tables upserts change
that way (``versioned_tables``) a delete therefore brings the graph to what a rebuild
without the unit keeps (``winners.settle_winners`` over the other units' materialized
files): keys the graph holds (its key ledgers) and the rebuild would not are removed,
keys the rebuild would add are restored (``MERGE``), and a key that stays is rewritten
when its row in the graph (the same winners with the unit) differs from the rebuild's; one
that came from the unit and equals the rebuild's in every column is counted unchanged. An
upsert table's recorded version of a key (``_graph_versions_<table>``) moves to the
rebuild's file wherever it differs: a later run is compared with that version.

Everything is read from staging, which the delete changes only in its last transaction,
so a delete run again after a crash plans the same, and MERGE, SET and DELETE of what is
already done change nothing (deletion.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from graph_node.staging_db import (
    REGISTRY_TABLE,
    ledger_table,
    quote,
    registered,
    versions_table,
)
from graph_node.upsert import upserts
from graph_node.winners import settle_winners, winning_rows
from ledgergraph.graph_schema import LOAD_ORDER, TABLES, NodeTable, RelTable, Table, all_columns

_BEFORE = "restore_files_before"
_AFTER = "restore_files_after"
_ROWS = "restore_rows"
_OTHER = "restore_other"


@dataclass
class Restoration:
    """Per versioned table: keys to remove, rows to restore and to rewrite (with file_id),
    and for upsert tables the versions (id, file_id) to record."""

    removed: dict[str, pa.Table] = field(default_factory=dict)
    restored: dict[str, pa.Table] = field(default_factory=dict)
    rewritten: dict[str, pa.Table] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)  # unit's rows, identical after
    versions: dict[str, pa.Table] = field(default_factory=dict)


def versioned_tables() -> list[Table]:
    """Tables whose rows an upsert removes: versioned relationships, owned nodes and the
    relationships of owned nodes; in load order."""
    owned = {t.name for t in TABLES.values() if isinstance(t, NodeTable) and t.owned_by}
    found = []
    for name in LOAD_ORDER:
        table = TABLES[name]
        if name in owned or (
            isinstance(table, RelTable)
            and (table.versioned_with_from or {table.from_table, table.to_table} & owned)
        ):
            found.append(table)
    return found


def needs_restoration(table_names: list[str]) -> bool:
    """Whether deleting files of ``table_names`` can change rows of a versioned table: the
    unit wrote one, or a node whose version decides which of their rows the graph holds."""
    tables = versioned_tables()
    reach = {t.name for t in tables} | {t.from_table for t in tables if isinstance(t, RelTable)}
    return bool(reach & set(table_names))


def plan_restoration(cur: duckdb.DuckDBPyConnection, unit_files: str) -> Restoration:
    """The versioned tables' changes when the files in relation ``unit_files`` go."""
    before_files = cur.sql(
        f"SELECT file_id FROM {REGISTRY_TABLE} WHERE status = 'materialized'"
    ).to_arrow_table()
    after_files = cur.sql(
        f"SELECT file_id FROM {REGISTRY_TABLE} WHERE status = 'materialized' "
        f"AND file_id NOT IN (SELECT file_id FROM {unit_files})"
    ).to_arrow_table()
    with registered(cur, {_BEFORE: before_files, _AFTER: after_files}):
        before, after = _settled(cur, _BEFORE), _settled(cur, _AFTER)
        plan = Restoration()
        for table in versioned_tables():
            _diff(cur, table, before[table.name], after[table.name], unit_files, plan)
        return plan


def record_restoration(
    cur: duckdb.DuckDBPyConnection, restored: dict[str, pa.Table], versions: dict[str, pa.Table]
) -> None:
    """Inside the delete's last transaction: ``restored`` keys join the key ledgers, and
    ``versions`` (id, file_id per upsert table) become the versions the graph holds."""
    for name, rows in restored.items():
        table = TABLES[name]
        keys = ", ".join(quote(k) for k in table.key)
        _with(cur, _ROWS, rows, f"INSERT INTO {quote(ledger_table(table))} "
              f"SELECT {keys}, NULL FROM {_ROWS}")  # fmt: skip
    for name, rows in versions.items():
        held = quote(versions_table(TABLES[name]))
        _with(cur, _ROWS, rows.select(["id", "file_id"]),
              f"DELETE FROM {held} WHERE id IN (SELECT id FROM {_ROWS})",
              f"INSERT INTO {held} SELECT id, file_id, NULL FROM {_ROWS}")  # fmt: skip


def _settled(cur: duckdb.DuckDBPyConnection, files: str) -> dict[str, pa.Table]:
    """Winners of the versioned tables, and of the tables they are settled by."""
    tables = versioned_tables()
    names = {t.name for t in tables} | {t.from_table for t in tables if isinstance(t, RelTable)}
    winners = {n: winning_rows(cur, TABLES[n], files=files) for n in LOAD_ORDER if n in names}
    return settle_winners(cur, winners, files=files)


def _diff(
    cur: duckdb.DuckDBPyConnection, table: Table, before: pa.Table, after: pa.Table,
    unit_files: str, plan: Restoration,
) -> None:  # fmt: skip
    """Add ``table``'s removed keys, restored and rewritten rows and moved versions to
    ``plan``: ``after`` against the key ledger, and against ``before`` for the content.
    A row of the unit that ``after`` replaces with an identical one is counted unchanged,
    not rewritten (its version still moves)."""
    keys = [quote(k) for k in table.key]
    ledger = quote(ledger_table(table))
    on = " AND ".join(f"a.{k} = l.{k}" for k in keys)
    same = " AND ".join(f"a.{k} = b.{k}" for k in keys)
    values = [quote(c.name) for c in all_columns(table) if c.name not in table.key]
    changed = " OR ".join(
        [f"b.{keys[0]} IS NULL", *(f"a.{v} IS DISTINCT FROM b.{v}" for v in values)]
    )
    kept = f"{_ROWS} a SEMI JOIN {ledger} l ON {on} LEFT JOIN {_OTHER} b ON {same}"
    queries = [
        (plan.removed, f"SELECT {', '.join(f'l.{k}' for k in keys)} FROM {ledger} l "
                       f"ANTI JOIN {_ROWS} a ON {on} ORDER BY ALL"),
        (plan.restored, f"SELECT a.* FROM {_ROWS} a ANTI JOIN {ledger} l ON {on}"),
        (plan.rewritten, f"SELECT a.* FROM {kept} WHERE {changed}"),
    ]  # fmt: skip
    identical = (f"SELECT count(*) FROM {kept} WHERE NOT ({changed}) "
                 f"AND b.file_id IN (SELECT file_id FROM {unit_files})")  # fmt: skip
    if upserts(table):
        held = f"{quote(versions_table(table))} v ON v.id = a.id AND v.file_id = a.file_id"
        queries.append((plan.versions, f"SELECT a.id, a.file_id FROM {_ROWS} a ANTI JOIN {held}"))
    with registered(cur, {_ROWS: after, _OTHER: before}):
        for plans, sql in queries:
            rows = cur.sql(sql).to_arrow_table()
            if rows.num_rows:
                plans[table.name] = rows
        plan.unchanged[table.name] = int(cur.execute(identical).fetchall()[0][0])


def _with(cur: duckdb.DuckDBPyConnection, name: str, rows: pa.Table, *statements: str) -> None:
    """Run ``statements`` with ``rows`` registered as ``name``."""
    with registered(cur, {name: rows}):
        for statement in statements:
            cur.execute(statement)
