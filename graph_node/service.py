"""The graph node's in-process API, used by the HTTP server and directly by the CLI.

Each method takes a graph id and returns the JSON-able dict the Graph API answers with
(``docs/graph-api.md``). Per graph it keeps one staging DuckDB and one LadybugDB open, and
a writer lock that serialises registration, staging and materialization; reads do not take
it. Graph ids and table names are checked here; nothing from a request reaches SQL or Cypher
except as a parameter (or as the caller's own read-only query).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import ValidationError

from graph_node.errors import (
    EngineUnavailable,
    GraphNotFound,
    InvalidRequest,
    ReadOnlyNode,
    TableNotFound,
    WriterBusy,
)
from graph_node.graph_store import GraphStore
from graph_node.log import logger
from graph_node.materialize import materialize_table
from graph_node.models import (
    FileSpec,
    GraphStats,
    NodeStatus,
    RegisteredFile,
    RegisteredFiles,
    StagedFiles,
)
from graph_node.registry import count_by_status, register_file
from graph_node.settings import NodeSettings
from graph_node.sources import SourceFiles
from graph_node.staging import stage_files
from graph_node.staging_db import StagingDB
from ledgergraph.graph_schema import NODE_TABLES, REL_TABLES, SCHEMA_VERSION, TABLES, Table
from ledgergraph.objectstore import ObjectStore, open_store

GRAPH_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
STAGING_FILE = "staging.duckdb"
GRAPH_FILE = "graph.lbug"


@dataclass
class _Graph:
    """The open stores of one graph and the lock its writers take."""

    staging: StagingDB
    store: GraphStore
    writer_lock: threading.Lock = field(default_factory=threading.Lock)


class GraphService:
    """All graphs under ``settings.home``; a replica (read_only) refuses writes with 403."""

    def __init__(
        self,
        settings: NodeSettings,
        *,
        read_only: bool = False,
        object_store: ObjectStore | None = None,
    ) -> None:
        self.settings = settings
        self.read_only = read_only or settings.read_only
        self._object_store = object_store
        self._graphs: dict[str, _Graph] = {}
        self._open_lock = threading.Lock()
        self._closed = False

    @cached_property
    def _sources(self) -> SourceFiles:
        store = self._object_store or open_store(self.settings.resolved_store_uri())
        return SourceFiles(store)

    def status(self) -> dict[str, Any]:
        """The node's role, schema version and graphs (what GET /status answers)."""
        role = "replica" if self.read_only else "writer"
        status = NodeStatus(
            status="ok", role=role, schema_version=SCHEMA_VERSION, graphs=self.list_graphs()
        )
        return status.model_dump()

    def list_graphs(self) -> list[str]:
        """Graph ids with files under ``{home}/graphs``, sorted."""
        folder = self.settings.graphs_dir()
        if not folder.is_dir():
            return []
        return sorted(
            p.name
            for p in folder.iterdir()
            if GRAPH_ID.match(p.name) and (p / STAGING_FILE).is_file()
        )

    def register_files(
        self, graph_id: str, files: Sequence[FileSpec | Mapping[str, Any]]
    ) -> dict[str, Any]:
        """Add files to the registry (creating the graph on first use); idempotent."""
        specs = [_file_spec(f) for f in files]
        for spec in specs:
            table_of(spec.table)
            self._sources.key_of(spec.uri)

        with (
            self._writing(graph_id, create=True) as graph,
            graph.staging.transaction(what="registering files") as cur,
        ):
            records = [register_file(cur, graph_id, spec) for spec in specs]
        logger.info("files registered", extra={"graph_id": graph_id, "files": len(records)})
        answer = [
            RegisteredFile(
                file_id=r.file_id, table=r.table_name, status=r.status, row_count=r.row_count
            )
            for r in records
        ]
        return RegisteredFiles(files=answer).model_dump()

    def stage_files(self, graph_id: str, file_ids: Sequence[str]) -> dict[str, Any]:
        """Validate and load registered files into staging; already staged ones are skipped."""
        started = time.monotonic()
        with self._writing(graph_id) as graph:
            staged = stage_files(graph.staging, self._sources, list(file_ids))
        logger.info(
            "files staged",
            extra={"graph_id": graph_id, "files": len(staged), "duration_ms": _ms(started)},
        )
        return StagedFiles(files=staged).model_dump()

    def materialize(self, graph_id: str, table: str, file_ids: Sequence[str]) -> dict[str, Any]:
        """Copy the new rows of staged files of ``table`` into the graph; idempotent."""
        graph_table = table_of(table)
        with self._writing(graph_id) as graph:
            result = materialize_table(graph.staging, graph.store, graph_table, list(file_ids))
        return result.model_dump()

    def query_staging(
        self, graph_id: str, sql: str, parameters: Sequence[Any] | None = None
    ) -> dict[str, Any]:
        """One read-only SELECT on the staging DuckDB (refused otherwise)."""
        graph = self._graph(graph_id)
        result = graph.staging.read_query(
            sql,
            list(parameters or []),
            timeout_s=self.settings.query_timeout_s,
            max_rows=self.settings.max_result_rows,
        )
        return result.model_dump()

    def query_cypher(
        self, graph_id: str, cypher: str, parameters: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """One read-only Cypher statement on the graph (writes refused)."""
        graph = self._graph(graph_id)
        result = graph.store.read_query(
            cypher,
            dict(parameters or {}),
            timeout_s=self.settings.query_timeout_s,
            max_rows=self.settings.max_result_rows,
        )
        return result.model_dump()

    def stats(self, graph_id: str) -> dict[str, Any]:
        """Node and relationship counts per table from the graph, files per status."""
        graph = self._graph(graph_id)
        with graph.staging.cursor(what="counting files") as cur:
            files = count_by_status(cur)
        stats = GraphStats(
            nodes={t.name: graph.store.count(t) for t in NODE_TABLES},
            relationships={t.name: graph.store.count(t) for t in REL_TABLES},
            files=files,
        )
        return stats.model_dump()

    def close(self) -> None:
        """Checkpoint and close every open graph, waiting for a running write to end.

        NOTE: reads do not take the writer lock, so callers stop serving requests first
        (the HTTP server drains them before its shutdown hook calls this).
        """
        with self._open_lock:
            if self._closed:
                return
            self._closed = True
            graphs, self._graphs = self._graphs, {}
        for graph_id, graph in graphs.items():
            if not graph.writer_lock.acquire(timeout=self.settings.writer_lock_timeout_s):
                logger.error("graph left open at shutdown", extra={"graph_id": graph_id})
                continue
            try:
                graph.store.close()
                graph.staging.close()
            finally:
                graph.writer_lock.release()
        logger.info("graph node closed", extra={"graphs": len(graphs)})

    @contextmanager
    def _writing(self, graph_id: str, *, create: bool = False) -> Iterator[_Graph]:
        if self.read_only:
            raise ReadOnlyNode(
                f"this node is a read-only replica; graph {graph_id!r} is not written"
            )
        graph = self._graph(graph_id, create=create)
        if not graph.writer_lock.acquire(timeout=self.settings.writer_lock_timeout_s):
            raise WriterBusy(f"graph {graph_id!r} is busy with another write; retry")
        try:
            yield graph
        finally:
            graph.writer_lock.release()

    def _graph(self, graph_id: str, *, create: bool = False) -> _Graph:
        if not GRAPH_ID.match(graph_id):
            raise GraphNotFound(
                f"invalid graph id {graph_id[:80]!r}: must match {GRAPH_ID.pattern}"
            )
        with self._open_lock:
            if self._closed:
                raise EngineUnavailable("the graph node is shutting down")
            graph = self._graphs.get(graph_id)
            if graph is None:
                graph = self._graphs[graph_id] = self._open(graph_id, create=create)
        return graph

    def _open(self, graph_id: str, *, create: bool) -> _Graph:
        folder = self.settings.graphs_dir() / graph_id
        if not (folder / STAGING_FILE).is_file():
            if not create:
                raise GraphNotFound(f"no graph {graph_id!r} on this node")
            folder.mkdir(parents=True, exist_ok=True)
        staging = StagingDB(folder / STAGING_FILE, read_only=self.read_only)
        try:
            store = GraphStore(
                folder / GRAPH_FILE,
                read_only=self.read_only,
                buffer_pool_mb=self.settings.buffer_pool_mb,
                gate_timeout_s=self.settings.query_timeout_s + 5,
            )
        except BaseException:
            staging.close()
            raise
        logger.info("graph opened", extra={"graph_id": graph_id, "read_only": self.read_only})
        return _Graph(staging=staging, store=store)


def table_of(name: str) -> Table:
    """The schema table called ``name``; TableNotFound (404) names anything else."""
    table = TABLES.get(name)
    if table is None:
        raise TableNotFound(f"unknown graph table {name!r}")
    return table


def _file_spec(value: FileSpec | Mapping[str, Any]) -> FileSpec:
    if isinstance(value, FileSpec):
        return value
    try:
        return FileSpec.model_validate(value)
    except ValidationError as exc:
        raise InvalidRequest(f"invalid file entry: {exc.errors()[0]['msg']}") from None


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
