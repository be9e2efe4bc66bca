"""The graphs a node has open: one staging DuckDB, one LadybugDB and a writer lock each.

A writer finds graph G in ``{home}/graphs/G/``; a replica serves the verified snapshot
folders it was given at boot. Opening a writer's graph first finishes what a crash left
half done: an interrupted rebuild swap, then open write intents, so the graph is whole
before the first request reads it.

A graph file the engine cannot open or read (damaged by an engine bug, truncated, garbage)
does not stop the node or the CLI: the graph is open "damaged", ``/status`` names it, every
use of its graph file fails with GraphDamaged naming the file and the fix, and a rebuild
from staging (which never opens the damaged file) serves it again. A staging file DuckDB
cannot read is reported the same way (StagingDamaged), but only restoring it helps (see
``staging_db.staging_fix``); it is tried again on the next request. Some damage kills the
engine natively, so a file is opened in-process only when it is as its last clean close
left it (``clean_close``) and otherwise first read by a child process. Opening also writes
``graph.lbug.opening``, which a writer removes once the file opened and counted and a
reader once it closed the file: found later, it says a process died of the file, which is
then checked in a child process whatever its record says. A writer's open also removes
what an interrupted rebuild, publish or copy left behind, and compares every table's count
with its key ledger in staging: a graph file that disagrees (an older copy put back) is
damaged too, since only a rebuild makes the two agree again.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graph_node.clean_close import closed_cleanly, forget_clean_close, record_clean_close
from graph_node.deletion import redo_delete
from graph_node.errors import (
    EngineFailed,
    EngineUnavailable,
    GraphDamaged,
    GraphInconsistent,
    GraphNotFound,
    ReadOnlyNode,
    StagingDamaged,
)
from graph_node.graph_store import GraphStore
from graph_node.isolation import WorkerOptions, run_worker
from graph_node.log import logger
from graph_node.rebuild import recover_swap
from graph_node.recovery import ledger_mismatches, settle_intents
from graph_node.replica import ReplicaSnapshot
from graph_node.replica_staging import served_copy
from graph_node.settings import NodeSettings
from graph_node.staging_db import StagingDB
from ledgergraph.graph_schema import TABLES
from ledgergraph.messages import clip

GRAPH_ID = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
STAGING_FILE = "staging.duckdb"
GRAPH_FILE = "graph.lbug"
OPENING_SUFFIX = ".opening"
# work a killed process leaves in a graph's folder: publish/{snapshot}/, child-copy rows,
# half-written clean-close records (the rebuild's own work recover_swap removes)
_LEFTOVERS = ("publish", ".copy-*.arrow", ".clean-*")


@dataclass
class OpenGraph:
    """The open stores of one graph and the lock its writers take.

    ``damaged`` says why the graph file could not be opened or read; ``store`` then raises
    GraphDamaged, and only a rebuild (``graph_file``, ``attach``) serves the graph again.
    """

    graph_id: str
    staging: StagingDB
    graph_file: Path
    live_store: GraphStore | None
    damaged: str | None = None
    writer_lock: threading.Lock = field(default_factory=threading.Lock)
    # deletes a crash interrupted that settling finished, by source unit: the next
    # delete-source of the unit answers with what that delete did (deletion.delete_source)
    finished_deletes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def store(self) -> GraphStore:
        """The open graph file; GraphDamaged naming it and the fix when it is damaged."""
        if self.live_store is None:
            home = self.graph_file.parent.parent.parent  # {home}/graphs/{id}/graph.lbug
            raise GraphDamaged(
                f"graph {self.graph_id!r}: graph file {self.graph_file} is damaged "
                f"({self.damaged}); rebuild it from staging: `ledgergraph rebuild --home "
                f"{home} --graph {self.graph_id}` (on a node: POST "
                f"/databases/{self.graph_id}/rebuild)"
            )
        return self.live_store

    def attach(self, store: GraphStore) -> None:
        """Serve ``store`` (a rebuilt graph file) from now on."""
        self.live_store, self.damaged = store, None
        Path(f"{self.graph_file}{OPENING_SUFFIX}").unlink(missing_ok=True)


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
        self._staging_damaged: dict[str, str] = {}  # graphs whose staging did not open
        self._open_lock = threading.Lock()
        self._closed = False
        self.worker_options = WorkerOptions(
            buffer_pool_mb=settings.buffer_pool_mb,
            max_db_size_mb=settings.max_db_size_mb,
            test_crash_at=settings.test_crash_at,
        )

    def damaged_graphs(self) -> dict[str, str]:
        """The graphs whose staging or graph file is damaged, with the reason."""
        with self._open_lock:
            graphs = list(self._graphs.items())
            found = dict(self._staging_damaged)
        for graph_id, graph in graphs:
            if reason := graph.staging.damaged or graph.damaged:
                found[graph_id] = reason
        return dict(sorted(found.items()))

    def open_all(self) -> None:
        """Open every graph now (a writer at boot): recovery runs and damage shows at once.

        A graph that fails to open is logged and left for its first request to report.
        """
        for graph_id in self.list_graphs():
            try:
                self.graph(graph_id)
            except Exception as exc:  # noqa: BLE001  each graph on its own; the node serves on
                logger.error("graph not opened", extra={"graph_id": graph_id, "error": str(exc)})

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
                try:
                    graph = self._graphs[graph_id] = self._open(graph_id, create=create)
                except StagingDamaged as exc:
                    self._staging_damaged[graph_id] = exc.reason
                    raise
                self._staging_damaged.pop(graph_id, None)
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
                held = ", ".join(self.list_graphs()) or "none"
                raise GraphNotFound(f"no graph {graph_id!r} on this node (its graphs: {held})")
            folder.mkdir(parents=True, exist_ok=True)
        staging_file = folder / STAGING_FILE
        if self.snapshots:  # the verified copy stays as published (replica_staging.py)
            staging_file = served_copy(staging_file)
        staging = StagingDB(
            staging_file,
            read_only=self.read_only,
            memory_limit_mb=self.settings.staging_memory_mb,
        )
        graph = OpenGraph(graph_id, staging, folder / GRAPH_FILE, live_store=None)
        try:
            if self.snapshots:  # a replica's snapshot, verified against its manifest
                graph.attach(self.open_store(graph.graph_file))
            elif self.read_only:
                self._open_reader(graph)
            else:
                _remove_leftovers(folder)
                recover_swap(staging, graph.graph_file)
                self._open_writer(graph)
        except BaseException:
            staging.close()
            raise
        logger.info("graph opened", extra={"graph_id": graph_id, "read_only": self.read_only})
        return graph

    def open_store(self, path: Path) -> GraphStore:
        """Open a graph file with this node's engine settings."""
        return GraphStore(
            path,
            read_only=self.read_only,
            buffer_pool_mb=self.settings.buffer_pool_mb,
            max_db_size_mb=self.settings.max_db_size_mb,
            max_threads=None if self.read_only else self.settings.writer_engine_threads,
            gate_timeout_s=self.settings.query_timeout_s + 5,
        )

    def _open_reader(self, graph: OpenGraph) -> None:
        """Open the graph file read-only; mark the graph damaged if the engine cannot."""
        missing = _missing_file(graph)
        if missing is not None:
            self._mark_damaged(graph, missing)
            return
        if not graph.graph_file.exists():
            raise GraphNotFound(f"no graph file at {graph.graph_file}")
        reason = self._damage_found(graph)
        if reason is not None:
            self._mark_damaged(graph, reason)
            return
        opening = _opening_mark(graph.graph_file)
        _touch_if_writable(opening)  # until closed: a crash in any read shows next time
        try:
            graph.live_store = self.open_store(graph.graph_file)
        except EngineFailed as exc:
            _unlink_if_writable(opening)
            self._mark_damaged(graph, str(exc))

    def _damage_found(self, graph: OpenGraph) -> str | None:
        """Why the graph file must not be opened in this process; None when it may be.

        A file as its last clean close left it opens at once; any other is read by an
        engine worker first (a reader then records it, so the next reader is quick).
        """
        opening = _opening_mark(graph.graph_file)
        if not graph.graph_file.exists():
            return None
        if not opening.exists() and closed_cleanly(graph.graph_file):
            return None
        started = time.monotonic()
        # A file a killed session left needs its log or shadow pages replayed, which only a
        # writable open does: the child does it wherever the file may be written (what the
        # writer's own open would do next); a read-only copy is only read.
        recover = ["--recover"] if os.access(graph.graph_file.parent, os.W_OK) else []
        try:
            run_worker(
                ["check", "--db", str(graph.graph_file), *recover],
                self.worker_options,
                what="reading it in a child process",
            )
        except EngineFailed as exc:  # EngineCrashed included
            return str(exc)
        logger.info(
            "graph file checked in a child process",
            extra={"graph_id": graph.graph_id, "duration_ms": _ms(started)},
        )
        if self.read_only:
            record_clean_close(graph.graph_file)
            _unlink_if_writable(opening)
        return None

    def _open_writer(self, graph: OpenGraph) -> None:
        """Open, recover and count the graph file; mark the graph damaged if the engine
        cannot (or a child process finds it cannot, when it was not closed cleanly), or if
        it does not hold what staging's key ledgers record."""
        opening = _opening_mark(graph.graph_file)
        reason = _missing_file(graph) or self._damage_found(graph)
        forget_clean_close(graph.graph_file)  # opening it for writing changes it
        if reason is None:
            opening.touch()  # until counted: a native crash in between shows next time
            try:
                reason = self._open_counted(graph)
            finally:
                opening.unlink(missing_ok=True)
        if reason is not None:
            self._mark_damaged(graph, reason)

    def _open_counted(self, graph: OpenGraph) -> str | None:
        """Serve the graph file once opened, settled, counted and found to agree with the
        key ledgers; otherwise why not (the file is closed again)."""
        try:
            store = self.open_store(graph.graph_file)
        except EngineFailed as exc:
            return str(exc)
        try:
            settled = settle_intents(
                graph.staging, store, redo_delete=redo_delete, finished=graph.finished_deletes
            )
            for table in TABLES.values():
                store.known_count(table)  # counted once here, kept up to date by writes
            reason = _ledger_disagreement(ledger_mismatches(graph.staging, store))
        except (EngineFailed, GraphInconsistent) as exc:  # a rebuild repairs both
            reason = str(exc)
        except BaseException:
            store.close()
            raise
        if reason is not None:
            _close_quietly(store)
            return reason
        graph.live_store = store
        if settled:
            logger.warning(
                "graph recovered", extra={"graph_id": graph.graph_id, "intents": settled}
            )
        return None

    def condemn(self, graph: OpenGraph, reason: str) -> None:
        """Stop serving a graph file a write left wrong (closed, not recorded clean):
        every later call names it damaged until a rebuild replaces it."""
        store, graph.live_store = graph.live_store, None
        if store is not None:
            _close_quietly(store)
        self._mark_damaged(graph, reason)

    @staticmethod
    def _mark_damaged(graph: OpenGraph, reason: str) -> None:
        # it ends up in one-line errors; the log line below keeps the whole reason
        graph.damaged = clip(reason, 1000, more="the graph node's log has it all")
        logger.error(
            "graph file damaged: only a rebuild serves this graph again",
            extra={"graph_id": graph.graph_id, "file": str(graph.graph_file), "error": reason},
        )

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
                if graph.live_store is not None:
                    graph.live_store.close()
                    if not self.read_only:
                        record_clean_close(graph.graph_file)
                    elif not self.snapshots:
                        _unlink_if_writable(_opening_mark(graph.graph_file))
                graph.staging.close()
            finally:
                graph.writer_lock.release()
        logger.info("graph node closed", extra={"graphs": len(graphs)})


def _missing_file(graph: OpenGraph) -> str | None:
    """Why a graph whose file is gone must not start afresh: staging says it held rows.

    An empty graph file in its place would answer every query with nothing and make every
    file already materialized look present (so a rerun "loads" without adding a row).
    """
    if graph.graph_file.exists():
        return None
    with graph.staging.cursor(what="reading the file registry") as cur:
        row = cur.execute(
            "SELECT count(*) FROM file_registry WHERE status = 'materialized'"
        ).fetchone()
    held = row[0] if row else 0
    if not held:
        return None
    return f"the graph file is missing, while staging holds {held} materialized files"


def _ledger_disagreement(mismatches: Mapping[str, tuple[int, int]]) -> str | None:
    """The damage reason for a graph file whose counts are not the key ledgers' (None when
    they all agree). A rebuild makes the graph what staging holds either way."""
    if not mismatches:
        return None
    tables = "; ".join(
        f"{name} {in_graph} rows in the file, {recorded} recorded"
        for name, (in_graph, recorded) in mismatches.items()
    )
    return (
        "its row counts are not what staging's key ledgers record (an older copy of the "
        f"graph file put back, or a staging file that lost its last commits): {tables}"
    )


def _close_quietly(store: GraphStore) -> None:
    """Close a store whose file just failed; a second failure closing it changes nothing."""
    try:
        store.close()
    except Exception as exc:  # noqa: BLE001  the file is being marked damaged anyway
        logger.warning("damaged graph file did not close cleanly", extra={"error": str(exc)})


def _opening_mark(graph_file: Path) -> Path:
    return Path(f"{graph_file}{OPENING_SUFFIX}")


def _touch_if_writable(path: Path) -> None:
    """A reader's opening mark: a home it cannot write (a read-only copy) goes without."""
    with contextlib.suppress(OSError):
        path.touch()


def _unlink_if_writable(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink(missing_ok=True)


def _remove_leftovers(folder: Path) -> None:
    """What a killed publish, child copy or clean-close record left in ``folder``."""
    for pattern in _LEFTOVERS:
        for path in folder.glob(pattern):
            logger.warning("leftover removed", extra={"path": str(path)})
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
