"""What the task leaves in the object store per source unit: Parquet, then the manifest.

Order is the contract: stale ``manifest.json`` / ``error.json`` are deleted first, every
table file is written next, and the manifest (or the error record) comes last, so a reader
that sees a manifest sees complete files.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pyarrow as pa
import pyarrow.parquet as pq

from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.manifest import (
    SourceUnitError,
    SourceUnitManifest,
    TableFile,
    error_key,
    manifest_key,
    sha256_of_bytes,
    table_key,
)
from ledgergraph.objectstore import ObjectStore
from xbrl_task.rows import SCHEMAS


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def clear_unit(store: ObjectStore, graph_id: str, source_unit: str) -> None:
    """Delete the unit's manifest and error record, so nothing old reads as complete."""
    store.delete(manifest_key(graph_id, source_unit))
    store.delete(error_key(graph_id, source_unit))


def write_tables(
    store: ObjectStore, graph_id: str, source_unit: str, tables: dict[str, pa.Table]
) -> list[TableFile]:
    """One Parquet file per graph table (empty tables too), in load order.

    Each file is built in memory and stored in one write (no scratch file to copy and read
    back for its checksum); a unit's tables are a few MB at most.

    Raises:
        ValueError: a table's schema is not exactly the graph schema.
    """
    files = []
    for name in LOAD_ORDER:
        table = tables[name]
        if not table.schema.equals(SCHEMAS[name]):
            raise ValueError(f"table {name} of {source_unit}: schema differs from the graph's")
        data = _empty_parquet(name) if table.num_rows == 0 else _parquet(table)
        key = table_key(graph_id, source_unit, name)
        uri = store.put_bytes(key, data)
        checksum = sha256_of_bytes(data)
        files.append(
            TableFile(table=name, key=key, uri=uri, rows=table.num_rows, checksum=checksum)
        )
    return files


def _parquet(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="snappy")
    return sink.getvalue().to_pybytes()


@cache
def _empty_parquet(name: str) -> bytes:
    """A table's file without rows: the same bytes for every unit (40 % of its files)."""
    return _parquet(SCHEMAS[name].empty_table())


def write_manifest(store: ObjectStore, manifest: SourceUnitManifest) -> str:
    """Write the manifest last; returns its URI."""
    key = manifest_key(manifest.graph_id, manifest.source_unit)
    return store.put_bytes(key, manifest.model_dump_json(indent=2).encode("utf-8"))


def write_error(
    store: ObjectStore,
    graph_id: str,
    source_unit: str,
    error: Exception,
    *,
    facts_in_document: int | None = None,
    rejected_reasons: dict[str, int] | None = None,
) -> SourceUnitError:
    """Record why the unit failed, at ``processed/{graph_id}/{source_unit}/error.json``,
    with the facts its documents hold and those rejected per reason, when they were
    counted before the failure."""
    record = SourceUnitError(
        graph_id=graph_id,
        source_unit=source_unit,
        error_type=type(error).__name__,
        message=str(error),
        created_at=utc_now(),
        facts_in_document=facts_in_document,
        rejected_reasons=rejected_reasons or {},
    )
    store.put_bytes(
        error_key(graph_id, source_unit), record.model_dump_json(indent=2).encode("utf-8")
    )
    return record
