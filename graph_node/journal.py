"""Write intents: what a graph write is about to change, recorded before the graph changes.

LadybugDB and the staging DuckDB are two files with no transaction spanning both, so every
graph write goes: (1) one staging transaction records an intent, with the exact keys the
write will add as pending rows of the table's key ledger (``_graph_keys_<table>``);
(2) the graph changes in one engine transaction, which may run while (1) commits but
commits only after it; (3) one staging transaction applies the bookkeeping the intent
describes and removes it (its statements may run early too; it commits after (2) is
checked). A crash leaves at most one open intent,
and ``recovery.settle_intents`` decides from the graph itself, by those keys, whether step
(2) happened: roll forward if it did, drop the intent if it did not.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any, Literal

import duckdb
import pyarrow as pa

from graph_node.staging_db import INTENT_TABLE, ledger_table, quote, registered
from ledgergraph.graph_schema import Table

IntentKind = Literal["materialize", "delete"]
_KEYS_VIEW = "intent_keys_incoming"


@dataclass(frozen=True)
class Intent:
    """One open write: its kind, the graph table it touches and what it will record."""

    intent_id: str
    kind: IntentKind
    table_name: str | None
    detail: dict[str, Any]


def open_intent(
    cur: duckdb.DuckDBPyConnection,
    kind: IntentKind,
    detail: dict[str, Any],
    *,
    table: Table | None = None,
    keys: pa.Table | None = None,
) -> Intent:
    """Record an intent (inside the caller's transaction), with the keys it will add."""
    intent = Intent(uuid.uuid4().hex, kind, table.name if table else None, detail)
    cur.execute(
        f"INSERT INTO {INTENT_TABLE} VALUES (?, ?, ?, ?, now())",
        [intent.intent_id, kind, intent.table_name, json.dumps(detail, sort_keys=True)],
    )
    if table is not None and keys is not None and keys.num_rows:
        _record_keys(cur, table, keys, intent.intent_id)
    return intent


def _record_keys(
    cur: duckdb.DuckDBPyConnection, table: Table, keys: pa.Table, intent_id: str
) -> None:
    columns = ", ".join(quote(k) for k in table.key)
    with registered(cur, {_KEYS_VIEW: keys}):
        cur.execute(
            f"INSERT INTO {quote(ledger_table(table))} ({columns}, intent_id) "
            f"SELECT {columns}, ? FROM {_KEYS_VIEW}",
            [intent_id],
        )


def open_intents(cur: duckdb.DuckDBPyConnection) -> list[Intent]:
    """Every intent not settled yet, oldest first."""
    rows = cur.execute(
        f"SELECT intent_id, kind, table_name, detail FROM {INTENT_TABLE} ORDER BY created_at"
    ).fetchall()
    return [Intent(i, k, t, json.loads(d)) for i, k, t, d in rows]


def interrupted_deletes(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Source units whose delete is recorded but not finished, with the files it deletes.

    A writer settles such an intent as it opens the graph; one read-only reader sees it
    when the delete was killed and nothing wrote since: the graph may then have lost the
    unit already while the file registry still holds its files as loaded.
    """
    return {
        str(i.detail["source_unit"]): len(i.detail["file_ids"])
        for i in open_intents(cur)
        if i.kind == "delete"
    }


PENDING = f"intent_id IN (SELECT intent_id FROM {INTENT_TABLE})"


def pending_keys(cur: duckdb.DuckDBPyConnection, table: Table) -> pa.Table:
    """The keys open intents are adding to ``table`` (one writer: one intent at a time)."""
    columns = ", ".join(quote(k) for k in table.key)
    sql = f"SELECT {columns} FROM {quote(ledger_table(table))} WHERE {PENDING}"
    return cur.sql(sql).to_arrow_table()


def drop_pending(cur: duckdb.DuckDBPyConnection, table: Table, intent: Intent) -> None:
    """The intent's keys never reached the graph."""
    cur.execute(f"DELETE FROM {quote(ledger_table(table))} WHERE intent_id = ?", [intent.intent_id])


def close_intent(cur: duckdb.DuckDBPyConnection, intent: Intent) -> None:
    """Remove the intent (inside the caller's transaction)."""
    cur.execute(f"DELETE FROM {INTENT_TABLE} WHERE intent_id = ?", [intent.intent_id])
