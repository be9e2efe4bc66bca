"""The versions a run listed that are older than the version known: written all the same.

The transform merges a run with the state known before it (the previous run's snapshot)
and an older version of a record there is *superseded*: the ledger it validates and the
snapshot it leaves keep the known version. The run's files still carry the version the run
listed, with its lines and relationships, so that staging holds every version every run
listed: the graph node's own version rule (``graph_node/upsert.py``) does not apply it
while the graph holds a newer one, and picks it again when the run that brought the newer
one is deleted. Without it, deleting a run would bring back the version of an earlier run
instead of the newer one a later run still held.

How: the SQL files after ``20_current.sql`` run a second time over the known records with
only the superseded versions marked changed, and what their ``out_`` views hold is added
to the run's first outputs (``staged_out_<Table>``). A record whose known version is a
tombstone keeps it: the run restates that tombstone and a key is written once per run.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
from pydantic import BaseModel, Field

from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.transform.outputs import (
    OUTPUT_TABLES,
    OutcomeCounts,
    ReferenceCounts,
    line_counts,
    output_table,
    reference_counts,
)
from ledgergraph.quickbooks.transform.runner import MERGE_FILE

# Records whose newest listed version is older than a live known one (20_current.sql).
_SUPERSEDED_VERSIONS = """
CREATE OR REPLACE TABLE superseded_version AS
SELECT i.entity, i.qbo_id, i.rec, i.is_sparse, i.sync_token, i.last_updated
FROM ranked_incoming AS i
JOIN stale_incoming AS s USING (record_no)
JOIN record_outcome AS o USING (record_no)
JOIN prior_record AS p ON p.entity = i.entity AND p.qbo_id = i.qbo_id
WHERE o.outcome LIKE 'superseded: %' AND NOT p.is_deleted
"""

# The known records with each superseded version in place of its known one, the only ones
# changed: the SQL files after 20_current.sql then build those records' rows alone.
_SUPERSEDED_RECORDS = """
CREATE OR REPLACE TABLE current_record AS
SELECT c.entity, c.qbo_id,
    CASE
        WHEN s.qbo_id IS NULL THEN c.rec
        WHEN s.is_sparse THEN json_merge_patch(c.rec, drop_null_fields(s.rec))
        ELSE s.rec
    END AS rec,
    c.is_deleted AND s.qbo_id IS NULL AS is_deleted,
    coalesce(s.sync_token, c.sync_token) AS sync_token,
    coalesce(s.last_updated, c.last_updated) AS last_updated,
    s.qbo_id IS NOT NULL AS changed,
    false AS tombstone_restated,
    c.deleted_by_absence AND s.qbo_id IS NULL AS deleted_by_absence
FROM known_record AS c
LEFT JOIN superseded_version AS s USING (entity, qbo_id)
"""


_REJECTED_DERIVED = (
    "SELECT count(*) FROM posting_checked WHERE outcome <> 'out' AND role <> 'line' AND changed"
)


class SupersededWritten(BaseModel):
    """The superseded versions the run's files carry, and how their parts reconcile."""

    records: dict[str, int] = Field(
        default_factory=dict,
        description="per QuickBooks entity: superseded records written in the version the "
        "run listed (the graph node supersedes them while it holds the newer version)",
    )
    lines: OutcomeCounts = Field(description="QuickBooks Line entries of those versions")
    references: dict[str, ReferenceCounts] = Field(default_factory=dict)
    rejected_postings: int = Field(
        default=0, description="postings derived from those versions' headers, rejected"
    )

    def reconciles(self) -> bool:
        references = self.references.values()
        return self.lines.reconciles() and all(c.reconciles() for c in references)


def stage_superseded(
    con: duckdb.DuckDBPyConnection, sql_files: list[Path], run_id: str
) -> SupersededWritten:
    """Make ``staged_out_<Table>`` of every output table: the run's rows, then the rows of
    its superseded versions under keys the first ones lack. Call after reconcile and
    validation; ``current_record`` is the known state again when it returns.

    Raises:
        QuickBooksDataError: a SQL file failed, or the superseded versions' lines or
            references do not reconcile.
    """
    con.execute(_SUPERSEDED_VERSIONS)
    records = dict(
        con.execute(
            "SELECT entity, count(*) FROM superseded_version GROUP BY entity ORDER BY entity"
        ).fetchall()
    )
    if not records:
        for name in OUTPUT_TABLES:
            con.execute(f'CREATE OR REPLACE VIEW "staged_out_{name}" AS FROM "out_{name}"')
        return SupersededWritten(lines=OutcomeCounts(records_in=0, out=0))
    for name in OUTPUT_TABLES:
        con.execute(f'CREATE OR REPLACE TABLE "known_out_{name}" AS FROM "out_{name}"')
    con.execute("CREATE OR REPLACE TABLE known_record AS SELECT * FROM current_record")
    con.execute(_SUPERSEDED_RECORDS)
    _run_after_merge(con, sql_files, run_id)
    for name in OUTPUT_TABLES:
        con.execute(_staged_sql(name))
    written = SupersededWritten(
        records=records, lines=line_counts(con), references=reference_counts(con),
        rejected_postings=con.execute(_REJECTED_DERIVED).fetchone()[0],
    )  # fmt: skip
    # the state snapshot, written next, is the known records
    con.execute("CREATE OR REPLACE TABLE current_record AS SELECT * FROM known_record")
    if not written.reconciles():
        counts = written.model_dump_json()
        raise QuickBooksDataError(
            f"run {run_id}: its superseded versions do not reconcile: {counts}"
        )
    return written


def _run_after_merge(con: duckdb.DuckDBPyConnection, sql_files: list[Path], run_id: str) -> None:
    """The SQL files after the merge, over the current_record that is there now."""
    for path in (p for p in sql_files if p.name > MERGE_FILE):
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise QuickBooksDataError(
                f"transform step {path.name} failed for the superseded versions of run "
                f"{run_id}: {exc}"
            ) from exc


def _staged_sql(name: str) -> str:
    """``staged_out_<name>``: the run's rows, plus its superseded versions' other keys."""
    same_key = " AND ".join(f'k."{c}" = n."{c}"' for c in output_table(name).key)
    return (
        f'CREATE OR REPLACE TABLE "staged_out_{name}" AS SELECT * FROM "known_out_{name}" '
        f'UNION ALL SELECT n.* FROM "out_{name}" AS n WHERE NOT EXISTS '
        f'(SELECT 1 FROM "known_out_{name}" AS k WHERE {same_key})'
    )
