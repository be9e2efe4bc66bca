"""A replica's boot: download each graph's LATEST snapshot and verify it before serving.

Files land in ``{home}/replica/{graph_id}/{snapshot_id}/`` through a ``.partial`` folder
renamed into place only once every size, checksum and table count matches the manifest,
so a folder that exists held a verified snapshot. It is checked again when reused; a local
copy that fails is downloaded again, once. A snapshot that fails raises SnapshotInvalid
naming the file (the published one, or the local copy) and the replica does not serve.

The graph file is first opened and counted by an engine worker (a child process): a file
damaged in a way its checksums cannot show (the manifest written for damaged bytes) can
kill the engine natively, which must end the check, not the replica.

Every object (LATEST, the manifest, the two files) is read through ``read_object``: a
transient store failure (a read error, a connection reset, S3 throttling) is retried with
a doubling wait (``StoreRetry``), then raises SnapshotUnavailable; a lasting one (no
permission, no such bucket) raises StoreRefused at once. Both name the snapshot, the
object and the cause.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from graph_node.errors import (
    EngineUnavailable,
    GraphNotFound,
    SnapshotInvalid,
    SnapshotUnavailable,
    StoreRefused,
)
from graph_node.isolation import WorkerOptions, run_worker
from graph_node.log import logger
from graph_node.snapshots import (
    GRAPH_FILE,
    MANIFEST_NAME,
    SNAPSHOT_ID,
    STAGING_FILE,
    Latest,
    SnapshotManifest,
    TableCounter,
    latest_key,
    snapshot_prefix,
    store_failure,
    verify_snapshot,
)
from graph_node.sources import FileMissing, download_object
from ledgergraph.errors import ObjectNotFound
from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.objectstore import ObjectStore

_FILES = (GRAPH_FILE, STAGING_FILE)
_Model = TypeVar("_Model", bound=BaseModel)
_Read = TypeVar("_Read")


@dataclass(frozen=True)
class StoreRetry:
    """How often a replica's boot reads one object whose read failed transiently:
    ``attempts`` reads in all, waiting ``first_delay_s`` after the first failure and twice
    as long after each next one (0.5 + 1 + 2 s by default)."""

    attempts: int = 4
    first_delay_s: float = 0.5
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class ReplicaSnapshot:
    """A verified snapshot on local disk that a replica serves."""

    graph_id: str
    snapshot_id: str
    folder: Path
    local_copy_bad: str | None = None  # why the copy an earlier boot left was replaced


def check_graph_id(graph_id: str) -> None:
    """Raise GraphNotFound unless ``graph_id`` is a graph id (before it makes a key)."""
    if not GRAPH_ID_PATTERN.fullmatch(graph_id):  # 'sec/../x' would make a key elsewhere
        raise GraphNotFound(
            f"invalid graph id {graph_id[:80]!r} for a replica to serve (--graph, "
            f"LEDGERGRAPH_REPLICA_GRAPHS): must match {GRAPH_ID_PATTERN.pattern}"
        )


def read_latest(
    store: ObjectStore, graph_id: str, *, retry: StoreRetry | None = None
) -> SnapshotManifest:
    """The manifest ``published/{graph_id}/LATEST`` points at, checked to describe that
    snapshot and its two files; nothing is downloaded but the two small documents.

    Raises:
        GraphNotFound: ``graph_id`` is not a graph id.
        SnapshotInvalid: no LATEST, or LATEST or its manifest is not valid.
        SnapshotUnavailable, StoreRefused: as ``read_object``.
    """
    check_graph_id(graph_id)
    read = partial(read_object, store, retry=retry or StoreRetry())
    return _read_manifest(store, graph_id, read)


def fetch_latest(
    store: ObjectStore,
    graph_id: str,
    root: Path,
    *,
    worker: WorkerOptions | None = None,
    retry: StoreRetry | None = None,
) -> ReplicaSnapshot:
    """Download (or reuse) and verify the LATEST snapshot of ``graph_id`` under ``root``:
    ``read_latest``, then ``fetch_snapshot`` (each names what it raises)."""
    manifest = read_latest(store, graph_id, retry=retry)
    return fetch_snapshot(store, manifest, root, worker=worker, retry=retry)


def fetch_snapshot(
    store: ObjectStore,
    manifest: SnapshotManifest,
    root: Path,
    *,
    worker: WorkerOptions | None = None,
    retry: StoreRetry | None = None,
) -> ReplicaSnapshot:
    """Download (or reuse) and verify the snapshot ``manifest`` describes under ``root``.

    ``worker`` holds the engine settings the graph file is counted with in a child process;
    ``retry`` says how a transient store failure is retried.

    Raises:
        SnapshotInvalid: the snapshot fails its manifest (names the key or file at fault).
        SnapshotUnavailable: an object could not be read, retries included.
        StoreRefused: the store refused a read in a way retrying cannot mend.
    """
    read = partial(read_object, store, retry=retry or StoreRetry())
    count = partial(count_in_child, worker or WorkerOptions())
    graph_id = manifest.graph_id
    folder = root / graph_id / manifest.snapshot_id
    bad = None
    if folder.is_dir():
        bad = _reuse(store, manifest, folder, count, read)
    else:
        _download(store, manifest, folder, count, read)
    _forget_older(root / graph_id, keep=manifest.snapshot_id)
    logger.info(
        "snapshot verified",
        extra={"graph_id": graph_id, "snapshot_id": manifest.snapshot_id,
               "table_count": len(manifest.tables),
               "total_rows": sum(manifest.tables.values()),  # nodes and relationships
               "local_copy_bad": bad},
    )  # fmt: skip
    return ReplicaSnapshot(graph_id, manifest.snapshot_id, folder, local_copy_bad=bad)


def count_in_child(options: WorkerOptions, graph_file: Path) -> dict[str, int]:
    """Rows of every table of ``graph_file``, read by an engine worker (a native crash of
    the engine is EngineCrashed, this process unharmed)."""
    done = run_worker(
        ["check", "--db", str(graph_file)], options, what="reading it in a child process"
    )
    return {table: int(count) for table, count in done["counts"].items()}


def read_object(
    store: ObjectStore, key: str, read: Callable[[], _Read], *, what: str, retry: StoreRetry
) -> _Read:
    """``read()``, which reads the object at ``key``, retried while it fails transiently.

    ``what`` names the snapshot in the messages. Not-found errors pass through untouched.

    Raises:
        SnapshotUnavailable: every attempt failed transiently (the last cause is named).
        StoreRefused: a failure retrying cannot mend (no permission, no such bucket).
    """
    delay = retry.first_delay_s
    for attempt in range(1, retry.attempts + 1):
        try:
            return read()
        except Exception as exc:  # classified below; anything else is raised as it is
            cause = exc.__cause__ if isinstance(exc, EngineUnavailable) else exc
            failure = store_failure(cause or exc, what=f"{what}: reading {store.uri(key)}")
            if failure is None:
                raise
            if isinstance(failure, StoreRefused):
                raise StoreRefused(f"{failure}; not retried") from exc
            if attempt == retry.attempts:
                raise SnapshotUnavailable(f"{failure}; failed {attempt} times") from exc
            logger.warning(
                "snapshot object read failed: retrying",
                extra={"key": key, "attempt": attempt, "delay_s": delay,
                       "error": str(cause)},
            )  # fmt: skip
        retry.sleep(delay)
        delay *= 2
    raise ValueError(f"StoreRetry.attempts must be at least 1, not {retry.attempts}")


class _ReadObject(Protocol):
    """``read_object`` with its store and retry bound: reads one object, retried."""

    def __call__(self, key: str, read: Callable[[], _Read], *, what: str) -> _Read: ...


def _reuse(
    store: ObjectStore,
    manifest: SnapshotManifest,
    folder: Path,
    count: TableCounter,
    read: _ReadObject,
) -> str | None:
    """Verify the local copy an earlier boot left; a bad one is replaced by a new download.

    Returns why the local copy was bad (None when it was served as it was).
    """
    local = {name: f"local copy {folder / name}" for name in _FILES}
    try:
        verify_snapshot(folder, manifest, names=local, count_tables=count)
        return None
    except SnapshotInvalid as exc:
        what = f"snapshot {manifest.snapshot_id} of graph {manifest.graph_id}: "
        bad = str(exc).removeprefix(what)
    logger.warning(
        "local snapshot copy bad: downloading it again",
        extra={"graph_id": manifest.graph_id, "folder": str(folder), "error": bad},
    )
    shutil.rmtree(folder)
    try:
        _download(store, manifest, folder, count, read)
    except SnapshotInvalid as exc:
        raise SnapshotInvalid(f"{exc}; downloaded again because {bad}") from exc
    return bad


def _download(
    store: ObjectStore,
    manifest: SnapshotManifest,
    folder: Path,
    count: TableCounter,
    read: _ReadObject,
) -> None:
    """Download the manifest's files into ``folder`` through ``{folder}.partial``, verified
    before the rename; nothing is left behind when they fail."""
    published = {name: f"published file {store.uri(f.key)}" for name, f in manifest.files.items()}
    what = f"snapshot {manifest.snapshot_id} of graph {manifest.graph_id}"
    partial_folder = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial_folder, ignore_errors=True)
    partial_folder.mkdir(parents=True)
    try:
        for name in _FILES:
            key, target = manifest.files[name].key, partial_folder / name
            read(key, partial(download_object, store, key, target), what=what)
        verify_snapshot(partial_folder, manifest, names=published, count_tables=count)
    except FileMissing as exc:
        shutil.rmtree(partial_folder, ignore_errors=True)
        raise SnapshotInvalid(f"{what}: {exc}") from exc
    except BaseException:
        shutil.rmtree(partial_folder, ignore_errors=True)
        raise
    partial_folder.rename(folder)


def _read_manifest(store: ObjectStore, graph_id: str, read: _ReadObject) -> SnapshotManifest:
    """LATEST's manifest, checked to describe this graph's snapshot and its two files."""
    pointer = latest_key(graph_id)
    try:
        what = f"LATEST of graph {graph_id}"
        data = read(pointer, partial(store.get_bytes, pointer), what=what)
        latest = _parse(Latest, data, store.uri(pointer))
    except ObjectNotFound as exc:
        raise SnapshotInvalid(f"no published snapshot of graph {graph_id}: {exc}") from exc
    prefix = snapshot_prefix(graph_id, latest.snapshot_id)
    # the publisher writes exactly this key; a path that only starts with the snapshot's
    # prefix (``.../{id}/../{id}/manifest.json``) points elsewhere, or nowhere valid
    if latest.manifest_key != prefix + MANIFEST_NAME:
        raise SnapshotInvalid(
            f"LATEST of graph {graph_id} points outside its snapshot: {latest.manifest_key}"
        )
    what, key = f"snapshot {latest.snapshot_id} of graph {graph_id}", latest.manifest_key
    try:
        data = read(key, partial(store.get_bytes, key), what=what)
    except ObjectNotFound as exc:
        raise SnapshotInvalid(
            f"{store.uri(pointer)} points at snapshot {latest.snapshot_id} of graph "
            f"{graph_id}, whose manifest {latest.manifest_key} is missing (removed, or "
            "never uploaded)"
        ) from exc
    manifest = _parse(SnapshotManifest, data, store.uri(latest.manifest_key))
    if (manifest.graph_id, manifest.snapshot_id) != (graph_id, latest.snapshot_id):
        raise SnapshotInvalid(
            f"manifest {latest.manifest_key} describes {manifest.graph_id}/"
            f"{manifest.snapshot_id}, not {graph_id}/{latest.snapshot_id}"
        )
    if set(manifest.files) != set(_FILES) or any(
        f.key != prefix + name for name, f in manifest.files.items()
    ):
        raise SnapshotInvalid(f"manifest {latest.manifest_key} lists other files than {_FILES}")
    return manifest


def _parse(model: type[_Model], data: bytes, where: str) -> _Model:
    """``data`` read as ``model``; SnapshotInvalid naming ``where`` and each bad field."""
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(part) for part in error['loc']) or 'document'}: {error['msg']}"
            for error in exc.errors(include_url=False)
        ]
        raise SnapshotInvalid(
            f"{where} is not a valid {model.__name__}: {'; '.join(problems[:5])}"
        ) from exc


def _forget_older(folder: Path, *, keep: str) -> None:
    """Remove snapshots this replica served before (they are never served again)."""
    for child in folder.iterdir():
        if child.name != keep and re.match(SNAPSHOT_ID, child.name.removesuffix(".partial")):
            shutil.rmtree(child, ignore_errors=True)
