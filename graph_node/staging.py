"""Staging: registered Parquet files, validated, into the graph's DuckDB staging tables.

Each file is checked against the graph schema (its checksum, column names and Arrow types,
valid UTF-8, non-null columns, no duplicate key inside the file, the registered row count)
and inserted tagged with its file id. One call is one transaction: if any file fails, none
of the call's files is staged, the failing one is marked failed with the reason, and
FileInvalid names its file id, table and the offending column or key.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from graph_node.errors import FileInvalid
from graph_node.models import StagedFile
from graph_node.registry import FileRecord, get_files, mark_failed, mark_staged, ordered
from graph_node.sources import FileMissing, SourceFiles
from graph_node.staging_db import StagingDB, quote, registered
from ledgergraph.graph_schema import TABLES, Table, all_columns, arrow_schema
from ledgergraph.manifest import sha256_of
from ledgergraph.messages import pluralize

_INCOMING = "incoming_file"
_MAX_NAMED = 5
_STAGEABLE = ("registered", "failed")


def stage_files(db: StagingDB, sources: SourceFiles, file_ids: Sequence[str]) -> list[StagedFile]:
    """Stage the files not staged yet (in one transaction); staged ones are skipped.

    Raises:
        UnknownFile: an id is not registered.
        FileInvalid: a file failed validation; it is marked failed, nothing is staged.
    """
    with db.cursor(what="reading the file registry") as cur:
        records = ordered(get_files(cur, file_ids), file_ids)

    pending = [r for r in records if r.status in _STAGEABLE]
    try:
        with db.transaction(what="staging files") as cur:
            for record in pending:
                _stage_one(cur, sources, record)
    except FileInvalid as exc:
        with db.transaction(what="recording a failed file") as cur:
            mark_failed(cur, exc.file_id, str(exc))
        raise
    if pending:
        # The staged rows go into the database file now, as part of staging them: left in
        # DuckDB's log, they would be folded in by whichever later commit crosses its
        # checkpoint threshold (a materialize call's, most often).
        db.checkpoint()

    with db.cursor(what="reading the file registry") as cur:
        records = ordered(get_files(cur, file_ids), file_ids)
    return [_staged_file(r) for r in records]


def _stage_one(cur: duckdb.DuckDBPyConnection, sources: SourceFiles, record: FileRecord) -> None:
    table = TABLES[record.table_name]
    try:
        with sources.local_copy(record.uri) as path:
            data = read_valid_file(path, table, record)
    except FileMissing as exc:
        raise _invalid(record, str(exc)) from exc

    columns = ", ".join(quote(c.name) for c in all_columns(table))
    with registered(cur, {_INCOMING: data}):
        cur.execute(
            f"INSERT INTO {quote(table.name)} ({columns}, file_id) "
            f"SELECT {columns}, ? FROM {_INCOMING}",
            [record.file_id],
        )
    mark_staged(cur, record.file_id, data.num_rows)


def read_valid_file(path: Path, table: Table, record: FileRecord) -> pa.Table:
    """The file's rows in schema column order, or FileInvalid saying what is wrong."""
    if (checksum := sha256_of(path)) != record.checksum:
        raise _invalid(record, f"checksum {checksum} differs from the registered one")
    try:
        found = pq.read_schema(path)
    except (pa.ArrowException, OSError) as exc:
        raise _invalid(record, f"not a readable Parquet file ({exc})") from exc
    expected = arrow_schema(table)
    _check_columns(found, expected, record)

    try:
        data = pq.read_table(path, columns=expected.names).select(expected.names)
    except (pa.ArrowException, OSError) as exc:
        raise _invalid(record, f"not a readable Parquet file ({exc})") from exc
    if data.num_rows != record.row_count:
        raise _invalid(record, f"{data.num_rows} rows in the file, {record.row_count} registered")
    try:
        # NOTE: LadybugDB stores invalid UTF-8 without complaint and every later read of
        # the row fails, so it is refused here, before anything is staged.
        data.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise _invalid(record, f"invalid values ({exc})") from exc
    _check_not_null(data, table, record)
    _check_unique_key(data, table, record)
    return data


def _check_columns(found: pa.Schema, expected: pa.Schema, record: FileRecord) -> None:
    missing = [n for n in expected.names if n not in found.names]
    extra = [n for n in found.names if n not in expected.names]
    if missing or extra or len(set(found.names)) != len(found.names):
        raise _invalid(
            record, f"columns differ from the schema: missing {missing}, unexpected {extra}"
        )
    for field in expected:
        actual = found.field(field.name).type
        if actual != field.type:
            raise _invalid(record, f"column {field.name!r} is {actual}, expected {field.type}")


def _check_not_null(data: pa.Table, table: Table, record: FileRecord) -> None:
    for column in all_columns(table):
        values = data.column(column.name)
        if column.nullable or values.null_count == 0:
            continue
        first = pc.index(pc.is_null(values), True).as_py()
        raise _invalid(
            record,
            f"column {column.name!r} must not be null, "
            f"{pluralize(values.null_count, 'null value')}, "
            f"first at row {first}",
        )


def _check_unique_key(data: pa.Table, table: Table, record: FileRecord) -> None:
    key = list(table.key)
    counts = data.select(key).group_by(key).aggregate([([], "count_all")])
    duplicates = counts.filter(pc.greater(counts["count_all"], 1))
    if duplicates.num_rows == 0:
        return
    named = [
        ", ".join(f"{k}={row[k]!r}" for k in key) + f" ({row['count_all']} rows)"
        for row in duplicates.slice(0, _MAX_NAMED).to_pylist()
    ]
    raise _invalid(
        record,
        f"{pluralize(duplicates.num_rows, 'duplicate key')} in the file: {'; '.join(named)}",
    )


def _invalid(record: FileRecord, reason: str) -> FileInvalid:
    return FileInvalid(
        f"file {record.file_id} (table {record.table_name}, source unit "
        f"{record.source_unit}): {reason}",
        file_id=record.file_id,
    )


def _staged_file(record: FileRecord) -> StagedFile:
    return StagedFile(
        file_id=record.file_id,
        table=record.table_name,
        rows_in_file=record.row_count,
        rows_staged=record.rows_staged or 0,
        status=record.status,
    )
