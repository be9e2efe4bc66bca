"""What a sync run looks like in the graph node's staging, read through its SQL endpoint.

Two questions, asked after MaterializeGraph with read-only SQL
(``POST /databases/{graph_id}/tables/query``):

- ``unbalanced``: which of the run's staged transactions do not balance, recomputed from the
  staged LineItem rows. The transform validated the same rows before writing them; the two
  lists must agree, or staging lost or changed rows on the way. Each says whether the graph
  holds another version of the transaction (``superseded``): a run's files also carry the
  versions it listed that are older than the one known (``transform/superseded.py``), which
  the transform did not validate, so those are told apart, not compared.
- ``changed_present``: per table, the run's rows whose key the graph holds with other
  content from an earlier file, after MaterializeGraph: changes the graph did NOT take.
  Ledger node tables are upserted (the node records, per key, the file whose version the
  graph holds: ``_graph_versions_<table>``), so for them this must be 0; a table that only
  adds (``Entity``, the company node shared with SEC filers) keeps its first version, whose
  row is the one of the file with the lowest (materialize_seq, file_id).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ledgergraph.graph_client import GraphClient
from ledgergraph.graph_schema import Table, all_columns, get_table
from ledgergraph.ledger_schema import LEDGER_TABLES

REGISTRY = "file_registry"
_LIVE = "('staged', 'materialized')"


class StagingCheck(BaseModel):
    """The run as staging sees it."""

    unbalanced: list[dict[str, Any]] = Field(
        description="transactions of the run whose staged postings do not balance, each "
        "with superseded: true when the graph holds another version of it"
    )
    changed_present: dict[str, int] = Field(
        description="per table: rows whose key the graph holds with other content (not applied)"
    )

    @property
    def changed_total(self) -> int:
        return sum(self.changed_present.values())


def compared_tables() -> list[Table]:
    """The company's own tables whose rows carry more than their key."""
    names = ["Entity", *LEDGER_TABLES]
    tables = [get_table(name) for name in names]
    return [t for t in tables if set(c.name for c in all_columns(t)) - set(t.key)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def changed_sql(table: Table) -> str:
    """Count of the run's rows ($1 source unit) whose graph row has other content.

    Only keys of the run are ranked, so the query reads the run's keys, not all of staging.
    """
    name = _quote(table.name)
    keys = [_quote(k) for k in table.key]
    others = [_quote(c.name) for c in all_columns(table) if c.name not in table.key]
    same_key = " AND ".join(f"g.{k} = m.{k}" for k in keys)
    in_run = " AND ".join(f"m.{k} = s.{k}" for k in keys)
    differs = " OR ".join(f"m.{c} IS DISTINCT FROM g.{c}" for c in others)
    if getattr(table, "upsert", False):
        return _changed_upsert_sql(table, same_key, differs)
    return f"""
SELECT '{table.name}' AS table_name, count(*) AS changed FROM (
    WITH mine AS ({_run_rows(name)}),
    graph_row AS (
        SELECT s.*, row_number() OVER (
            PARTITION BY {", ".join(f"s.{k}" for k in keys)}
            ORDER BY r.materialize_seq, s.file_id) AS version
        FROM {name} AS s JOIN {REGISTRY} AS r ON r.file_id = s.file_id
        WHERE r.status = 'materialized' AND EXISTS (SELECT 1 FROM mine AS m WHERE {in_run})
    )
    SELECT m.* FROM mine AS m JOIN graph_row AS g ON {same_key} AND g.version = 1
    WHERE g.file_id <> m.file_id AND ({differs})
)"""


def _run_rows(name: str) -> str:
    """The rows of table ``name`` in the run's live files (the run is parameter $1)."""
    return (
        f"SELECT m.* FROM {name} AS m JOIN {REGISTRY} AS r ON r.file_id = m.file_id "
        f"WHERE r.source_unit = $1 AND r.status IN {_LIVE}"
    )


def _changed_upsert_sql(table: Table, same_key: str, differs: str) -> str:
    """As ``changed_sql``, the graph's row being the recorded version of the key."""
    name = _quote(table.name)
    versions = _quote(f"_graph_versions_{table.name}")
    return f"""
SELECT '{table.name}' AS table_name, count(*) AS changed FROM (
    WITH mine AS ({_run_rows(name)}),
    graph_row AS (
        SELECT s.* FROM {name} AS s JOIN {versions} AS v ON v.id = s.id AND v.file_id = s.file_id
        WHERE v.intent_id IS NULL AND s.id IN (SELECT id FROM mine)
    )
    SELECT m.* FROM mine AS m JOIN graph_row AS g ON {same_key}
    WHERE g.file_id <> m.file_id AND ({differs})
)"""


UNBALANCED_SQL = f"""
WITH mine AS (
    SELECT file_id FROM {REGISTRY} WHERE source_unit = $1 AND status IN {_LIVE}
),
txn AS (
    SELECT id, txn_type, qbo_id, doc_number,
        EXISTS (SELECT 1 FROM "_graph_versions_LedgerTransaction" AS v
                WHERE v.id = t.id AND v.file_id <> t.file_id AND v.intent_id IS NULL)
            AS superseded
    FROM "LedgerTransaction" AS t
    WHERE file_id IN (SELECT file_id FROM mine) AND NOT is_deleted
),
line AS (
    SELECT transaction_id, posting_type, amount, amount_home FROM "LineItem"
    WHERE file_id IN (SELECT file_id FROM mine)
),
sides AS (
    SELECT t.txn_type, t.qbo_id, t.doc_number, t.superseded,
        coalesce(sum(l.amount_home) FILTER (WHERE l.posting_type = 'debit'), 0) AS debits,
        coalesce(sum(l.amount_home) FILTER (WHERE l.posting_type = 'credit'), 0) AS credits,
        coalesce(sum(l.amount) FILTER (WHERE l.posting_type = 'debit'), 0) AS debits_txn,
        coalesce(sum(l.amount) FILTER (WHERE l.posting_type = 'credit'), 0) AS credits_txn
    FROM txn AS t LEFT JOIN line AS l ON l.transaction_id = t.id
    GROUP BY ALL
)
SELECT txn_type, qbo_id, doc_number, CAST(debits AS VARCHAR), CAST(credits AS VARCHAR),
    superseded
FROM sides WHERE debits <> credits OR debits_txn <> credits_txn
ORDER BY txn_type, qbo_id
"""


def check_staging(
    graph: GraphClient, graph_id: str, source_unit: str, *, correlation_id: str | None = None
) -> StagingCheck:
    """Ask staging about the run's rows (two read-only queries)."""
    rows = graph.query_staging(
        graph_id, UNBALANCED_SQL, [source_unit], correlation_id=correlation_id
    )["rows"]
    keys = ("txn_type", "qbo_id", "doc_number", "debits", "credits", "superseded")
    unbalanced = [dict(zip(keys, row, strict=True)) for row in rows]
    union = " UNION ALL ".join(changed_sql(t) for t in compared_tables())
    counted = graph.query_staging(graph_id, union, [source_unit], correlation_id=correlation_id)
    changed = {name: int(n) for name, n in counted["rows"] if int(n)}
    return StagingCheck(unbalanced=unbalanced, changed_present=changed)
