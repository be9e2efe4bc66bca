"""The file registry: one row per registered Parquet file, in the graph's staging DuckDB.

A file id is derived from graph, table, source unit and checksum, so registering the same
file again finds the existing row and changes nothing. Status moves registered -> staged ->
materialized, or to failed with the reason, and to deleted when its source unit is removed
(registering a deleted file again starts it over); every change is stamped with its time.
``materialize_seq`` numbers materialize calls: a key's row in the graph is the one of the
file with the lowest (materialize_seq, file_id) holding it (within a call, one defining the
node first: ``winners.winner_order``), which rebuild and delete rely on.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import duckdb

from graph_node.errors import FileConflict, UnknownFile
from graph_node.models import FileSpec, FileStatus
from graph_node.staging_db import REGISTRY_TABLE
from ledgergraph.ids import stable_id
from ledgergraph.messages import pluralize

_COLUMNS = (
    "file_id, graph_id, table_name, uri, source_unit, row_count, checksum, status, error, "
    "rows_staged, rows_added, rows_present, registered_at, staged_at, materialized_at, "
    "materialize_seq, deleted_at, deleted_by"
)
# What deleted a file (``deleted_by``): the delete-source call that asked, or the next write
# to the graph, which finished a delete-source the node was stopped during.
DELETED_BY_REQUEST = "delete-source"
DELETED_BY_RECOVERY = "an interrupted delete-source, finished by the next write to the graph"
_MAX_NAMED = 10


@dataclass(frozen=True)
class FileRecord:
    """One registry row."""

    file_id: str
    graph_id: str
    table_name: str
    uri: str
    source_unit: str
    row_count: int
    checksum: str
    status: FileStatus
    error: str | None
    rows_staged: int | None
    rows_added: int | None
    rows_present: int | None
    registered_at: datetime
    staged_at: datetime | None
    materialized_at: datetime | None
    materialize_seq: int | None
    deleted_at: datetime | None
    deleted_by: str | None  # None: deleted by a version that did not record it


def file_id_of(graph_id: str, spec: FileSpec) -> str:
    """The file's stable id: the same file registered again gets the same id."""
    return stable_id(graph_id, spec.table, spec.source_unit, spec.checksum)


def register_file(cur: duckdb.DuckDBPyConnection, graph_id: str, spec: FileSpec) -> FileRecord:
    """Add the file to the registry, or return its row unchanged if it is already there.

    Raises:
        FileConflict: the id is known with another row count (same checksum, other count:
            the producer's manifest is wrong), or the source unit already has a live file
            of this table with other content (a source unit is immutable: replacing it
            means deleting it first).
    """
    file_id = file_id_of(graph_id, spec)
    _check_same_content(cur, file_id, spec)
    cur.execute(
        f"INSERT INTO {REGISTRY_TABLE} (file_id, graph_id, table_name, uri, source_unit, "
        "row_count, checksum, status, registered_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 'registered', now()) ON CONFLICT DO NOTHING",
        [file_id, graph_id, spec.table, spec.uri, spec.source_unit, spec.row_count, spec.checksum],
    )
    record = get_files(cur, [file_id])[file_id]
    if record.status == "deleted":
        cur.execute(
            f"UPDATE {REGISTRY_TABLE} SET status = 'registered', uri = ?, error = NULL, "
            "rows_staged = NULL, rows_added = NULL, rows_present = NULL, staged_at = NULL, "
            "materialized_at = NULL, materialize_seq = NULL, deleted_at = NULL, deleted_by = NULL, "
            "registered_at = now() WHERE file_id = ?",
            [spec.uri, file_id],
        )
        record = get_files(cur, [file_id])[file_id]
    if record.row_count != spec.row_count:
        raise FileConflict(
            f"file {file_id} ({spec.table}, {spec.source_unit}) is registered with "
            f"{record.row_count} rows, not {spec.row_count}"
        )
    return record


def _check_same_content(cur: duckdb.DuckDBPyConnection, file_id: str, spec: FileSpec) -> None:
    """Refuse a file whose source unit already holds other content for its table.

    Two packages claiming one accession number (a mistyped or forged filing.json, or a
    filing processed again by a changed extractor) would otherwise mix two filings under
    one Report, the second one's rows counted as present.
    """
    other = cur.execute(
        f"SELECT file_id, checksum, status FROM {REGISTRY_TABLE} WHERE table_name = ? "
        "AND source_unit = ? AND file_id <> ? AND status IN ('registered', 'staged', "
        "'materialized') ORDER BY registered_at LIMIT 1",
        [spec.table, spec.source_unit, file_id],
    ).fetchall()
    if other:
        other_id, other_checksum, status = other[0]
        raise FileConflict(
            f"source unit {spec.source_unit} already has {status} {spec.table} rows from other "
            f"content (file {other_id}, {other_checksum}; this file {spec.checksum}): a "
            "source unit's data is fixed once registered; delete the source unit first to "
            "replace it"
        )


def get_files(cur: duckdb.DuckDBPyConnection, file_ids: Sequence[str]) -> dict[str, FileRecord]:
    """The registry rows of ``file_ids``; raises UnknownFile naming the ids not found."""
    rows = cur.execute(
        f"SELECT {_COLUMNS} FROM {REGISTRY_TABLE} WHERE file_id IN (SELECT unnest(?))",
        [list(file_ids)],
    ).fetchall()
    records = {row[0]: FileRecord(*row) for row in rows}
    missing = [f for f in dict.fromkeys(file_ids) if f not in records]
    if missing:
        raise UnknownFile(
            f"{pluralize(len(missing), 'file id')} not registered in this graph: "
            f"{', '.join(missing[:_MAX_NAMED])}"
        )
    return records


def mark_staged(cur: duckdb.DuckDBPyConnection, file_id: str, rows_staged: int) -> None:
    """Record that the file's rows are in its staging table."""
    cur.execute(
        f"UPDATE {REGISTRY_TABLE} SET status = 'staged', rows_staged = ?, error = NULL, "
        "staged_at = now() WHERE file_id = ?",
        [rows_staged, file_id],
    )


def mark_failed(cur: duckdb.DuckDBPyConnection, file_id: str, error: str) -> None:
    """Record why the file was refused; it can be staged again (and fail again)."""
    cur.execute(
        f"UPDATE {REGISTRY_TABLE} SET status = 'failed', error = ? WHERE file_id = ?",
        [error, file_id],
    )


def mark_materialized(
    cur: duckdb.DuckDBPyConnection, counts: Mapping[str, Sequence[int]], *, seq: int
) -> None:
    """Record that the files' keys are all in the graph, with what call ``seq`` took from
    each: ``counts`` maps a file id to (rows_added, rows_present)."""
    if not counts:
        return
    ids = list(counts)
    cur.execute(
        f"UPDATE {REGISTRY_TABLE} SET status = 'materialized', rows_added = v.added, "
        "rows_present = v.present, materialize_seq = ?, materialized_at = now() "
        "FROM (SELECT unnest(?) AS id, unnest(?) AS added, unnest(?) AS present) v "
        f"WHERE {REGISTRY_TABLE}.file_id = v.id",
        [seq, ids, [counts[i][0] for i in ids], [counts[i][1] for i in ids]],
    )


def next_materialize_seq(cur: duckdb.DuckDBPyConnection) -> int:
    """The number of the next materialize call (callers hold the writer lock)."""
    found = cur.execute(f"SELECT max(materialize_seq) FROM {REGISTRY_TABLE}").fetchall()
    return int(found[0][0] or 0) + 1


def files_of_unit(cur: duckdb.DuckDBPyConnection, source_unit: str) -> list[FileRecord]:
    """Every registry row of one source unit, deleted ones included, by table and id."""
    rows = cur.execute(
        f"SELECT {_COLUMNS} FROM {REGISTRY_TABLE} WHERE source_unit = ? "
        "ORDER BY table_name, file_id",
        [source_unit],
    ).fetchall()
    return [FileRecord(*row) for row in rows]


def mark_deleted(cur: duckdb.DuckDBPyConnection, file_ids: Sequence[str], *, by: str) -> None:
    """Record that the files' source unit was removed from staging and the graph, and
    ``by`` what (``DELETED_BY_REQUEST`` or ``DELETED_BY_RECOVERY``)."""
    cur.execute(
        f"UPDATE {REGISTRY_TABLE} SET status = 'deleted', deleted_at = now(), deleted_by = ? "
        "WHERE file_id IN (SELECT unnest(?))",
        [by, list(file_ids)],
    )


def count_by_status(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Files per status, every status present (0 when none)."""
    counts = dict.fromkeys(("registered", "staged", "materialized", "failed", "deleted"), 0)
    rows = cur.execute(f"SELECT status, count(*) FROM {REGISTRY_TABLE} GROUP BY status")
    for status, count in rows.fetchall():
        counts[status] = count
    return counts


def unfinished_units(cur: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Source units with files registered or staged but not materialized, and how many:
    a run still loading, or one stopped before MaterializeGraph (killed, failed)."""
    rows = cur.execute(
        f"SELECT source_unit, count(*) FROM {REGISTRY_TABLE} "
        "WHERE status IN ('registered', 'staged') GROUP BY source_unit ORDER BY source_unit"
    )
    return {unit: count for unit, count in rows.fetchall()}


def ordered(records: dict[str, FileRecord], file_ids: Iterable[str]) -> list[FileRecord]:
    """The records in request order, each id once."""
    return [records[f] for f in dict.fromkeys(file_ids)]
