"""Settling what a crash left half done, judged by the keys in the graph (see journal.py).

A materialize intent lists the keys its COPY adds. If the graph holds all of them and its
count grew by exactly that many, the COPY committed: the bookkeeping is applied as the
intent recorded it (per-file rows_added included), after the updates that follow the COPY
(an upsert's, ``upsert.redo_upsert``; definitions', ``definitions.redo_definitions``) are
made again from staging. If it holds none and the count did not
move, the COPY never committed: the intent is dropped and the files stay staged. Anything
else fails with GraphInconsistent rather than guessing. A delete intent is rolled forward:
deleting is idempotent, so it is simply run again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import duckdb

from graph_node.definitions import redo_definitions
from graph_node.errors import GraphInconsistent
from graph_node.graph_store import GraphStore
from graph_node.journal import (
    PENDING,
    Intent,
    close_intent,
    drop_pending,
    open_intents,
    pending_keys,
)
from graph_node.log import logger
from graph_node.registry import mark_materialized
from graph_node.staging_db import INTENT_TABLE, StagingDB, ledger_table, quote
from graph_node.upsert import drop_upsert, finish_upsert, redo_upsert
from ledgergraph.graph_schema import TABLES, Table
from ledgergraph.messages import pluralize

DeleteRunner = Callable[[StagingDB, GraphStore, Intent], dict[str, Any]]


def settle_intents(
    db: StagingDB,
    graph: GraphStore,
    *,
    redo_delete: DeleteRunner,
    finished: dict[str, dict[str, Any]] | None = None,
) -> int:
    """Settle every open intent; returns how many there were (0 after a clean stop).

    ``redo_delete`` runs a delete intent again (deletion.py; passed in to keep this module
    below it) and answers what it did; ``finished`` gets that answer by source unit.
    """
    with db.cursor(what="reading write intents") as cur:
        intents = open_intents(cur)
    for intent in intents:
        if intent.kind == "materialize":
            outcome = settle_materialize(db, graph, intent)
        else:
            answer = redo_delete(db, graph, intent)
            if finished is not None:
                finished[answer["source_unit"]] = answer
            outcome = "rolled forward"
        logger.warning(
            "write intent settled",
            extra={"kind": intent.kind, "table": intent.table_name, "outcome": outcome},
        )
    return len(intents)


def settle_materialize(db: StagingDB, graph: GraphStore, intent: Intent) -> str:
    """Roll a materialize intent forward or drop it, by its keys; which one it was."""
    table = TABLES[intent.table_name or ""]
    with db.cursor(what=f"reading the {table.name} intent keys") as cur:
        keys = pending_keys(cur, table)
    graph.forget_counts()  # judged by the graph itself, never by what the writer knew
    found = graph.count_keys(table, keys)
    in_graph = graph.count(table)
    before = int(intent.detail["count_before"])
    if found == keys.num_rows and in_graph == before + keys.num_rows:
        redo_upsert(db, graph, intent)  # updates and removals after the COPY: idempotent
        redo_definitions(db, graph, intent)  # the same for definitions (definitions.py)
        finish_materialize(db, intent, table)
        return "rolled forward"
    if found == 0 and in_graph == before:
        drop_materialize(db, intent, table)
        return "dropped"
    raise GraphInconsistent(
        f"{table.name}: an interrupted COPY of {pluralize(keys.num_rows, 'row')} left "
        f"{found} of its "
        f"keys in the graph and {in_graph} rows where {before} were; not guessing"
    )


def finish_materialize(db: StagingDB, intent: Intent, table: Table) -> None:
    """Apply what the intent recorded: keys committed, files materialized, intent gone."""
    with db.transaction(what=f"recording materialized {table.name} files") as cur:
        apply_intent(cur, intent)


def apply_intent(cur: duckdb.DuckDBPyConnection, intent: Intent) -> None:
    """``finish_materialize``'s statements, inside the caller's transaction."""
    mark_materialized(cur, intent.detail["files"], seq=int(intent.detail["seq"]))
    finish_upsert(cur, intent)
    close_intent(cur, intent)  # its ledger rows count as in the graph from now on


def drop_materialize(db: StagingDB, intent: Intent, table: Table) -> None:
    """Forget an intent whose COPY never committed: its keys were not added."""
    with db.transaction(what=f"dropping a {table.name} intent") as cur:
        drop_pending(cur, table, intent)
        drop_upsert(cur, intent)
        close_intent(cur, intent)


def check_ledger(db: StagingDB, graph: GraphStore, table: Table) -> int:
    """The table's count, after failing unless it is what the key ledger records.

    Callers settle open intents first, so every ledger row counts as in the graph.
    """
    with db.cursor(what=f"reading the {table.name} ledger") as cur:
        recorded, pending = ledger_rows(cur, table)
    return agree_with_ledger(graph, table, recorded=recorded, pending=pending)


def ledger_mismatches(db: StagingDB, graph: GraphStore) -> dict[str, tuple[int, int]]:
    """Tables whose graph count is not their key ledger's: ``{table: (graph, ledger)}``.

    Callers settle open intents first, so every ledger row counts as in the graph. The
    graph's side is ``known_count`` (opening counts every table anyway); the ledgers' is
    one staging query. A graph file older than staging (a backup put back) shows here.
    """
    names = list(TABLES)
    sql = " UNION ALL ".join(
        f"SELECT {i} AS n, count(*) AS rows FROM {quote(ledger_table(TABLES[name]))}"
        for i, name in enumerate(names)
    )
    with db.cursor(what="counting the key ledgers") as cur:
        recorded = {names[i]: int(rows) for i, rows in cur.execute(sql).fetchall()}
    found = {}
    for name, table in TABLES.items():
        in_graph = graph.known_count(table)
        if in_graph != recorded[name]:
            found[name] = (in_graph, recorded[name])
    return found


def ledger_rows(cur: duckdb.DuckDBPyConnection, table: Table) -> tuple[int, int]:
    """Rows of the table's key ledger, and how many of them open intents are adding."""
    ledger = quote(ledger_table(table))
    recorded, intents = cur.execute(
        f"SELECT count(*), (SELECT count(*) FROM {INTENT_TABLE}) FROM {ledger}"
    ).fetchall()[0]
    if not intents:  # the usual case, told without joining the ledger to the intents
        return int(recorded), 0
    (pending,) = cur.execute(f"SELECT count(*) FROM {ledger} WHERE {PENDING}").fetchall()[0]
    return int(recorded), int(pending)


def agree_with_ledger(graph: GraphStore, table: Table, *, recorded: int, pending: int) -> int:
    """The table's count (``known_count``), after failing unless the ledger records it."""
    in_graph = graph.known_count(table)
    if pending or in_graph != recorded:
        raise GraphInconsistent(
            f"{table.name}: {in_graph} rows in the graph but the key ledger records "
            f"{recorded} ({pending} pending): something else wrote to it, or an older copy "
            "of the graph file is in place; not guessing: rebuild the graph from staging "
            "(`ledgergraph rebuild`, or POST /databases/{graph_id}/rebuild on a node)"
        )
    return in_graph
