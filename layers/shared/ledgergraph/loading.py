"""Loading one processed filing into the graph: register, stage, materialize (design §5).

Each step is one Graph API exchange plus the checks that make a silent loss impossible:
the manifest's fact counts reconcile, the node staged what was registered, and every
materialized table accounts for each row offered (added or already present). Each step is
safe to repeat: the node derives file ids from content and skips done work.
"""

from __future__ import annotations

import time
from typing import Any

from pydantic import BaseModel, Field

from ledgergraph.errors import FilingError, PermanentError
from ledgergraph.graph_client import GRAPH_ID_PATTERN, GraphClient, stop_error
from ledgergraph.graph_schema import LOAD_ORDER, TABLES
from ledgergraph.logs import get_logger
from ledgergraph.manifest import SourceUnitManifest, manifest_key, processed_prefix
from ledgergraph.objectstore import ObjectStore

logger = get_logger("ledgergraph")

_DONE = ("staged", "materialized")


class FilingFile(BaseModel):
    """A registered Parquet file of a filing, as it travels between the loading steps."""

    table: str
    file_id: str
    rows: int


class LoadRequest(BaseModel):
    """One filing of one graph; ``files`` is empty for RegisterFiles."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern)
    source_unit: str = Field(min_length=1)
    files: list[FilingFile] = Field(default_factory=list)
    correlation_id: str | None = None


def ms_since(started: float) -> int:
    """Milliseconds of monotonic time since ``started``."""
    return int((time.monotonic() - started) * 1000)


def check_manifest(manifest: SourceUnitManifest, graph_id: str, source_unit: str) -> None:
    """Raise ``FilingError`` naming the filing unless the manifest is whole and consistent."""
    if (manifest.graph_id, manifest.source_unit) != (graph_id, source_unit):
        raise FilingError(f"manifest of {source_unit} names {manifest.source_unit}")
    tables = [t.table for t in manifest.tables]
    unknown = sorted(set(tables) - set(TABLES))
    if unknown or len(tables) != len(set(tables)):
        raise FilingError(f"manifest of {source_unit} has unknown or repeated tables {unknown}")
    prefix = processed_prefix(graph_id, source_unit)
    outside = [t.key for t in manifest.tables if not t.key.startswith(prefix)]
    if outside:
        raise FilingError(f"manifest of {source_unit} lists files outside {prefix}: {outside}")
    facts = manifest.facts
    if facts is None:
        return
    if not facts.reconciles():
        raise FilingError(
            f"facts of {source_unit} do not reconcile: in document {facts.in_document}, "
            f"extracted {facts.extracted} + collapsed {facts.duplicates_collapsed} "
            f"+ rejected {facts.rejected_total}"
        )
    fact_rows = next((t.rows for t in manifest.tables if t.table == "Fact"), None)
    if fact_rows is not None and fact_rows != facts.extracted:
        raise FilingError(
            f"{source_unit}: Fact.parquet has {fact_rows} rows, manifest says "
            f"{facts.extracted} facts extracted"
        )


def register_entries(store: ObjectStore, manifest: SourceUnitManifest) -> list[dict[str, Any]]:
    """The files to register for a source unit: its manifest's non-empty table files.

    An empty table file has nothing to load; the manifest still accounts for it (0 rows),
    and skipping it saves three graph node calls per table the source does not produce.
    """
    return [
        {
            "table": t.table,
            "uri": store.uri(t.key),
            "source_unit": manifest.source_unit,
            "row_count": t.rows,
            "checksum": t.checksum,
        }
        for t in manifest.tables
        if t.rows > 0
    ]


def register_files(store: ObjectStore, client: GraphClient, request: LoadRequest) -> dict[str, Any]:
    """Register every table file of the filing's manifest; returns their file ids."""
    started = time.monotonic()
    unit = request.source_unit
    raw = store.get_bytes(manifest_key(request.graph_id, unit))
    manifest = SourceUnitManifest.model_validate_json(raw)
    check_manifest(manifest, request.graph_id, unit)

    wanted = register_entries(store, manifest)
    answer = client.register_files(request.graph_id, wanted, correlation_id=request.correlation_id)
    got = answer.get("files", [])
    if [f.get("table") for f in got] != [w["table"] for w in wanted]:
        raise PermanentError(f"graph node registered other files than asked for {unit}")
    files = [
        FilingFile(table=w["table"], file_id=f["file_id"], rows=w["row_count"])
        for w, f in zip(wanted, got, strict=True)
    ]
    logger.info("files registered", extra={"source_unit": unit, "files": len(files)})
    return _answer(request, files, started)


def stage_files(client: GraphClient, request: LoadRequest) -> dict[str, Any]:
    """Stage the registered files; checks each was staged whole (or already was)."""
    started = time.monotonic()
    unit = request.source_unit
    ids = [f.file_id for f in request.files]
    answer = client.stage_files(request.graph_id, ids, correlation_id=request.correlation_id)
    staged = {f.get("file_id"): f for f in answer.get("files", [])}
    for file in request.files:
        result = staged.get(file.file_id)
        if result is None or result.get("status") not in _DONE:
            status = None if result is None else result.get("status")
            raise FilingError(f"{unit}: {file.table} file {file.file_id} not staged ({status})")
        rows_in_file = result.get("rows_in_file")
        if rows_in_file is not None and rows_in_file != file.rows:
            raise FilingError(
                f"{unit}: {file.table} file {file.file_id} has {rows_in_file} rows, "
                f"the manifest says {file.rows}"
            )
    rows = sum(int(f.get("rows_staged") or 0) for f in staged.values())
    logger.info("files staged", extra={"source_unit": unit, "rows_staged": rows})
    return _answer(request, request.files, started) | {"rows_staged": rows}


def table_counts(request: LoadRequest, file: FilingFile, answer: dict[str, Any]) -> dict:
    """The counts of one table file's materialize answer, once checked: every offered row
    added, already present or superseded, and a present one updated or unchanged (upsert
    tables, and an Element or ElementDefinition the graph holds undefined that the filing
    defines, are updated; only upsert tables supersede)."""
    offered, added = answer["rows_offered"], answer["rows_added"]
    present = answer["rows_present"]
    updated = int(answer.get("rows_updated", 0))
    unchanged = int(answer.get("rows_unchanged", present))
    superseded = int(answer.get("rows_superseded", 0))
    if (offered != added + present + superseded or offered != file.rows
            or present != updated + unchanged):  # fmt: skip
        raise FilingError(
            f"{request.source_unit}: {file.table} offered {offered} rows of {file.rows}, "
            f"added {added}, already present {present} (updated {updated}, "
            f"unchanged {unchanged}), superseded {superseded}"
        )
    counts = {"offered": offered, "added": added, "present": present}
    if superseded:
        counts["superseded"] = superseded
    if updated or answer.get("relationships_removed") or answer.get("nodes_removed"):
        counts |= {
            "updated": updated, "unchanged": unchanged,
            "relationships_removed": dict(answer.get("relationships_removed") or {}),
            "nodes_removed": dict(answer.get("nodes_removed") or {}),
        }  # fmt: skip
    return counts


def materialize_filing(client: GraphClient, request: LoadRequest) -> dict[str, Any]:
    """Materialize the filing's tables in LOAD_ORDER (nodes before relationships), in one
    request; the first table the node refuses fails the filing with the node's reason."""
    started = time.monotonic()
    by_table = {f.table: f for f in request.files}
    unknown = sorted(set(by_table) - set(LOAD_ORDER))
    if unknown:
        raise FilingError(f"{request.source_unit}: no load order for tables {unknown}")
    files = [by_table[table] for table in LOAD_ORDER if table in by_table]
    answer = client.materialize_tables(
        request.graph_id, [(f.table, [f.file_id]) for f in files],
        correlation_id=request.correlation_id,
    )  # fmt: skip
    tables = {
        file.table: table_counts(request, file, result)
        for file, result in zip(files, answer["results"], strict=False)
    }
    if answer["stopped"] is not None:
        raise stop_error(request.graph_id, answer["stopped"])
    facts = tables.get("Fact", {"offered": 0, "added": 0})
    logger.info(
        "filing materialized",
        extra={"source_unit": request.source_unit, "facts": facts["offered"]},
    )
    return {
        "graph_id": request.graph_id,
        "source_unit": request.source_unit,
        "status": "loaded",
        "facts_loaded": facts["offered"],
        "facts_added": facts["added"],
        "tables": tables,
        "duration_ms": ms_since(started),
    }


def _answer(request: LoadRequest, files: list[FilingFile], started: float) -> dict[str, Any]:
    return {
        "graph_id": request.graph_id,
        "source_unit": request.source_unit,
        "files": [f.model_dump() for f in files],
        "duration_ms": ms_since(started),
    }
