"""The graphs a node has open: one staging DuckDB, one LadybugDB and a writer lock each.

A writer finds graph G in ``{home}/graphs/G/``; a replica serves the verified snapshot
folders it was given at boot. Opening a writer's graph first finishes what a crash left
half done: an interrupted rebuild swap, then open write intents, so the graph is whole
before the first request reads it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from graph_node.deletion import redo_delete
from graph_node.errors import EngineUnavailable, GraphNotFound, ReadOnlyNode
from graph_node.graph_store import GraphStore
from graph_node.log import logger
from graph_node.rebuild import recover_swap
from graph_node.recovery import settle_intents
from graph_node.replica import ReplicaSnapshot
from graph_node.settings import NodeSettings
from graph_node.staging_db import StagingDB
from ledgergraph.graph_schema import TABLES

GRAPH_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
STAGING_FILE = "staging.duckdb"
GRAPH_FILE = "graph.lbug"


@dataclass
class OpenGraph:
    """The open stores of one graph and the lock its writers take."""

    staging: StagingDB
    store: GraphStore
    writer_lock: threading.Lock = field(default_factory=threading.Lock)


class OpenGraphs:
    """Opens graphs on first use and closes them all at shutdown."""

    def __init__(
        self,
        settings: NodeSettings,
        *,
        read_only: bool,
        snapshots: Mapping[str, ReplicaSnapshot] | None = None,
    ) -> None:
        self.settings = settings
        self.read_only = read_only
        self.snapshots = dict(snapshots or {})
        self._graphs: dict[str, OpenGraph] = {}
        self._open_lock = threading.Lock()
        self._closed = False

    def list_graphs(self) -> list[str]:
        """Graph ids this node serves, sorted."""
        if self.snapshots:
            return sorted(self.snapshots)
        folder = self.settings.graphs_dir()
        if not folder.is_dir():
            return []
        return sorted(
            p.name
            for p in folder.iterdir()
            if GRAPH_ID.match(p.name) and (p / STAGING_FILE).is_file()
        )

    def refuse_writes(self, graph_id: str) -> None:
        """ReadOnlyNode (403) on a replica."""
        if self.read_only:
            raise ReadOnlyNode(
                f"this node is a read-only replica; graph {graph_id!r} is not written"
            )

    def graph(self, graph_id: str, *, create: bool = False) -> OpenGraph:
        """The open stores of ``graph_id``, opened now if need be."""
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

    def folder_of(self, graph_id: str) -> Path:
        """Where the files of ``graph_id`` are (a replica: its snapshot folder)."""
        if self.snapshots:
            if graph_id not in self.snapshots:
                raise GraphNotFound(f"no graph {graph_id!r} on this replica")
            return self.snapshots[graph_id].folder
        return self.settings.graphs_dir() / graph_id

    def _open(self, graph_id: str, *, create: bool) -> OpenGraph:
        folder = self.folder_of(graph_id)
        if not (folder / STAGING_FILE).is_file():
            if not create:
                raise GraphNotFound(f"no graph {graph_id!r} on this node")
            folder.mkdir(parents=True, exist_ok=True)
        staging = StagingDB(
            folder / STAGING_FILE,
            read_only=self.read_only,
            memory_limit_mb=self.settings.staging_memory_mb,
        )
        try:
            if not self.read_only:
                recover_swap(staging, folder / GRAPH_FILE)
            store = GraphStore(
                folder / GRAPH_FILE,
                read_only=self.read_only,
                buffer_pool_mb=self.settings.buffer_pool_mb,
                max_db_size_mb=self.settings.max_db_size_mb,
                gate_timeout_s=self.settings.query_timeout_s + 5,
            )
        except BaseException:
            staging.close()
            raise
        if not self.read_only:
            try:
                settled = settle_intents(staging, store, redo_delete=redo_delete)
                for table in TABLES.values():
                    store.known_count(table)  # counted once here, kept up to date by writes
            except BaseException:
                store.close()
                staging.close()
                raise
            if settled:
                logger.warning("graph recovered", extra={"graph_id": graph_id, "intents": settled})
        logger.info("graph opened", extra={"graph_id": graph_id, "read_only": self.read_only})
        return OpenGraph(staging=staging, store=store)

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
