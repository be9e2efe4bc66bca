"""The graph node's in-process API, used by the HTTP server and directly by the CLI.

The reads (status, queries, stats) are ``reads.GraphReads``, which this class extends with
the writes; the two share the open graphs (``graphs.OpenGraphs``).

Each method takes a graph id and returns the JSON-able dict the Graph API answers with
(``docs/graph-api.md``). Per graph it keeps one staging DuckDB and one LadybugDB open, and
a writer lock that serialises every write (registration, staging, materialization,
deletes, rebuilds, snapshots); reads do not take it. Every write first settles what a
crash may have left half done (``recovery.settle_intents``), and so does opening a graph.
Graph ids, table names and source units are checked here; nothing from a request reaches
SQL or Cypher except as a parameter (or as the caller's own read-only query).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import cached_property, partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from graph_node.cancellation import Cancellation, acquire_unless_cancelled
from graph_node.deletion import delete_source, redo_delete
from graph_node.errors import (
    InvalidRequest,
    SourceNotFound,
    StagingDamaged,
    TableNotFound,
    WriteMiscounted,
    WriterBusy,
    http_status,
    is_transient,
)
from graph_node.faults import MARKER_NAME, FaultPoints
from graph_node.graphs import GRAPH_ID, OpenGraph
from graph_node.isolation import copy_in_child
from graph_node.log import logger
from graph_node.materialize import (
    Copier,
    copy_in_process,
    materialize_table,
    materialize_tables,
)
from graph_node.models import (
    FileSpec,
    RegisteredFile,
    RegisteredFiles,
    StagedFiles,
    StoppedAt,
    TableFiles,
    TablesResult,
)
from graph_node.publishers import publisher_for
from graph_node.reads import GraphReads
from graph_node.rebuild import rebuild_graph
from graph_node.recovery import settle_intents
from graph_node.registry import register_file
from graph_node.replica import ReplicaSnapshot
from graph_node.settings import NodeSettings
from graph_node.snapshots import (
    new_snapshot_id,
    publish_snapshot,
    store_failure,
    take_snapshot,
)
from graph_node.sources import SourceFiles
from graph_node.staging import stage_files
from graph_node.withdrawal import withdrawing
from ledgergraph.events import EventPublisher
from ledgergraph.graph_schema import TABLES, Table
from ledgergraph.objectstore import LocalObjectStore, ObjectStore, open_store

SOURCE_UNIT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
# NOTE: a live write holds a lock on its temporary file, so this age only covers the instant
# before it takes the lock and writers of versions that took none: it can stay short.
ABANDONED_WRITE_AGE_S = 600.0


class GraphService(GraphReads):
    """All graphs under ``settings.home``; a replica (read_only) refuses writes with 403."""

    def __init__(
        self,
        settings: NodeSettings,
        *,
        read_only: bool = False,
        object_store: ObjectStore | None = None,
        publish_store: ObjectStore | None = None,
        events: EventPublisher | None = None,
        snapshots: Mapping[str, ReplicaSnapshot] | None = None,
    ) -> None:
        super().__init__(settings, read_only=read_only or settings.read_only, snapshots=snapshots)
        self._object_store = object_store
        self._publish_store = publish_store
        self._events = events
        self._publishing: dict[str, threading.Lock] = {}  # one publish per graph at a time
        self.faults = FaultPoints(settings.test_pause_at, marker=settings.home / MARKER_NAME)

    @cached_property
    def _sources(self) -> SourceFiles:
        store = self._object_store or open_store(self.settings.resolved_store_uri())
        return SourceFiles(store)

    def register_files(
        self,
        graph_id: str,
        files: Sequence[FileSpec | Mapping[str, Any]],
        *,
        cancellation: Cancellation | None = None,
    ) -> dict[str, Any]:
        """Add files to the registry (creating the graph on first use); idempotent.

        A graph is created only for files that are in the store: a first registration
        naming a missing one is refused (InvalidRequest) and leaves no graph behind. A
        registered graph takes a missing file (staging then fails it, naming the URI).
        """
        specs = [_file_spec(f) for f in files]
        for spec in specs:
            table_of(spec.table)
            self._sources.key_of(spec.uri)
        if not self.read_only and graph_id not in self.list_graphs():
            self._refuse_missing_files(graph_id, [spec.uri for spec in specs])

        with (
            self._writing(graph_id, create=True, cancellation=cancellation) as graph,
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

    def _refuse_missing_files(self, graph_id: str, uris: list[str]) -> None:
        missing = self._sources.missing(uris)
        if missing:
            more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
            raise InvalidRequest(
                f"no file at {missing[0]}{more}: graph {graph_id!r} does not exist and is "
                "created only by registering files that are in the store"
            )

    def stage_files(
        self, graph_id: str, file_ids: Sequence[str], *, cancellation: Cancellation | None = None
    ) -> dict[str, Any]:
        """Validate and load registered files into staging; already staged ones are skipped."""
        started = time.monotonic()
        with self._writing(graph_id, cancellation=cancellation) as graph:
            staged = stage_files(graph.staging, self._sources, list(file_ids))
        logger.info(
            "files staged",
            extra={"graph_id": graph_id, "files": len(staged), "duration_ms": _ms(started)},
        )
        return StagedFiles(files=staged).model_dump()

    def materialize(
        self,
        graph_id: str,
        table: str,
        file_ids: Sequence[str],
        *,
        cancellation: Cancellation | None = None,
    ) -> dict[str, Any]:
        """Copy the new rows of staged files of ``table`` into the graph; idempotent."""
        graph_table = table_of(table)
        with self._writing(graph_id, cancellation=cancellation) as graph:
            result = materialize_table(
                graph.staging, graph.store, graph_table, list(file_ids),
                faults=self.faults, copier=self._copier(),
            )  # fmt: skip
        return result.model_dump()

    def materialize_tables(
        self,
        graph_id: str,
        calls: Sequence[TableFiles | Mapping[str, Any]],
        *,
        cancellation: Cancellation | None = None,
    ) -> dict[str, Any]:
        """``materialize`` for each table and its files in turn, up to the first that fails
        (``stopped`` says which and why); the next table's rows are read while the engine
        copies the current one's (``materialize.materialize_tables``)."""
        requested = [c if isinstance(c, TableFiles) else TableFiles.model_validate(c)
                     for c in calls]  # fmt: skip
        tables = [(table_of(c.table), list(c.file_ids)) for c in requested]
        with self._writing(graph_id, cancellation=cancellation) as graph:
            outcome = materialize_tables(
                graph.staging, graph.store, tables, faults=self.faults, copier=self._copier()
            )
        stopped = None
        if outcome.stopped is not None:
            table, error = outcome.stopped
            stopped = StoppedAt(
                table=table, type=type(error).__name__, message=str(error),
                transient=is_transient(error), status=http_status(error),
            )  # fmt: skip
            logger.warning("materialize stopped", extra={"table": table, "error": str(error)})
        return TablesResult(results=outcome.results, stopped=stopped).model_dump()

    def _copier(self) -> Copier:
        if self.settings.copy_isolation == "child-process":
            return partial(copy_in_child, self.worker_options)
        return copy_in_process

    def delete_source(
        self, graph_id: str, source_unit: str, *, cancellation: Cancellation | None = None
    ) -> dict[str, Any]:
        """Remove a source unit's rows from staging and the graph; idempotent.

        A QuickBooks sync run is withdrawn from its realm's sync state too
        (``withdrawal.withdrawing``), so later runs compare with what the graph holds; the
        withdrawal is recorded only once the graph is open and this call its writer, so a
        refused delete (busy, no such graph, an older schema) leaves the state as it was.
        """
        if not SOURCE_UNIT.match(source_unit):
            raise SourceNotFound(f"invalid source unit {source_unit[:80]!r}")
        self.refuse_writes(graph_id)  # before a replica records a withdrawal
        with (
            self._writing(graph_id, cancellation=cancellation) as graph,
            withdrawing(self._sources.store, graph_id, source_unit),
        ):
            return delete_source(
                graph.staging,
                graph.store,
                source_unit,
                graph_id=graph_id,
                faults=self.faults,
                finished=graph.finished_deletes.pop(source_unit, None),
            )

    def rebuild(self, graph_id: str, *, cancellation: Cancellation | None = None) -> dict[str, Any]:
        """Build the graph afresh from staging in a child process and swap it in.

        A damaged graph file is not opened: the rebuilt one replaces it, then is opened and
        settles what the damaged one could not (a delete a crash interrupted).
        """
        with self._writing(graph_id, settle=False, cancellation=cancellation) as graph:
            if graph.damaged is None:
                _settle(graph)
                return rebuild_graph(
                    graph.staging, graph.graph_file, self.worker_options, live=graph.store
                )
            answer = rebuild_graph(graph.staging, graph.graph_file, self.worker_options, live=None)
            graph.attach(self.open_store(graph.graph_file))
            _settle(graph)
            logger.warning("damaged graph rebuilt", extra={"graph_id": graph_id, **answer})
            return answer

    def publish(self, graph_id: str, *, cancellation: Cancellation | None = None) -> dict[str, Any]:
        """Publish a verified snapshot and announce it; ``{snapshot_id, manifest_key, tables}``.

        Publishes of one graph run one at a time (another waits up to the writer lock's
        timeout, then WriterBusy), so each snapshot id is newer than LATEST when it moves
        and no prune removes a snapshot still uploading. Writes wait only while the files
        are copied. A disk or object store failure says its cause: StoreRefused (not retried)
        when retrying cannot help, else EngineUnavailable.
        """
        self.refuse_writes(graph_id)
        self.graph(graph_id)  # GraphNotFound before a lock is kept for the id
        lock = self._publishing.setdefault(graph_id, threading.Lock())  # atomic in CPython
        timeout_s = self.settings.writer_lock_timeout_s
        if not acquire_unless_cancelled(lock, timeout_s=timeout_s, cancellation=cancellation):
            raise WriterBusy(f"graph {graph_id!r} is busy publishing another snapshot; retry")
        try:
            return self._publish(graph_id, cancellation)
        except Exception as exc:
            failure = store_failure(exc, what=f"publishing graph {graph_id}")
            if failure is None:
                raise
            raise failure from exc
        finally:
            lock.release()

    def _publish(self, graph_id: str, cancellation: Cancellation | None) -> dict[str, Any]:
        work: Path | None = None
        try:
            with self._writing(graph_id, cancellation=cancellation) as graph:
                snapshot_id = new_snapshot_id()  # under the lock: ids sort as copies were made
                work = graph.store.path.parent / "publish" / snapshot_id
                counts = take_snapshot(graph.staging, graph.store, work)
            try:
                return publish_snapshot(
                    graph_id, work, counts, self._publishing_store, self.events,
                    keep=self.settings.keep_snapshots, staging_file=graph.staging.path,
                )  # fmt: skip
            except StagingDamaged as exc:
                graph.staging.damaged = exc.reason  # the copy is the live file's bytes
                raise
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
                with contextlib.suppress(OSError):
                    work.parent.rmdir()  # only once no other publish's work is in it

    @cached_property
    def _publishing_store(self) -> ObjectStore:
        return self._publish_store or open_store(self.settings.resolved_publish_uri())

    def remove_abandoned_writes(self) -> list[str]:
        """Remove the temporary files killed writes left in the node's local object and
        publish stores; their URIs (a writer does at boot; a replica, which writes no store,
        removes nothing).

        Only files no process holds locked and nobody wrote to for ABANDONED_WRITE_AGE_S go
        (``LocalObjectStore.remove_abandoned``), so writes of the pipeline running beside
        the node are safe. An S3 store has none: an object there appears whole or not at all.
        """
        if self.read_only:
            return []
        stores = {s.base_uri: s for s in (self._sources.store, self._publishing_store)}
        removed = []
        for store in stores.values():
            if not isinstance(store, LocalObjectStore):
                continue
            try:
                keys = store.remove_abandoned(older_than_s=ABANDONED_WRITE_AGE_S)
            except OSError as exc:  # a tidy-up: the node serves on without it
                logger.warning(
                    "abandoned writes not removed",
                    extra={"store": store.base_uri, "error": f"{type(exc).__name__}: {exc}"},
                )
                continue
            removed += [store.uri(key) for key in keys]
        if removed:
            logger.warning("abandoned writes removed", extra={"uris": removed})
        return removed

    @cached_property
    def events(self) -> EventPublisher:
        """Where "snapshot published" goes (settings.events), unless one was passed in."""
        return self._events or publisher_for(self.settings)

    @contextmanager
    def _writing(
        self,
        graph_id: str,
        *,
        create: bool = False,
        settle: bool = True,
        cancellation: Cancellation | None = None,
    ) -> Iterator[OpenGraph]:
        """The graph, its writer lock held for the block (settled first unless told not to).

        Raises:
            WriterBusy: another write held the lock for all of ``writer_lock_timeout_s``.
            RequestCancelled: the request's client hung up while it waited for the lock.
        """
        self.refuse_writes(graph_id)
        graph = self.graph(graph_id, create=create)
        timeout_s = self.settings.writer_lock_timeout_s
        lock = graph.writer_lock
        if not acquire_unless_cancelled(lock, timeout_s=timeout_s, cancellation=cancellation):
            raise WriterBusy(f"graph {graph_id!r} is busy with another write; retry")
        try:
            if settle:
                _settle(graph)
            yield graph
        except WriteMiscounted as exc:
            self.condemn(graph, str(exc))
            raise
        finally:
            graph.writer_lock.release()


def _settle(graph: OpenGraph) -> None:
    """Settle what a crash left half done in ``graph``, keeping what each delete it
    finished did for the next delete-source of that unit."""
    settle_intents(
        graph.staging, graph.store, redo_delete=redo_delete, finished=graph.finished_deletes
    )


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


__all__ = ["GRAPH_ID", "GraphService", "table_of"]
