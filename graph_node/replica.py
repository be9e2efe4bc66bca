"""A replica's boot: download each graph's LATEST snapshot and verify it before serving.

Files land in ``{home}/replica/{graph_id}/{snapshot_id}/`` through a ``.partial`` folder
renamed into place only once every size, checksum and table count matches the manifest,
so a folder that exists held a verified snapshot. It is checked again when reused; a local
copy that fails is downloaded again, once. A snapshot that fails raises SnapshotInvalid
naming the file (the published one, or the local copy) and the replica does not serve.

The graph file is first opened and counted by an engine worker (a child process): a file
damaged in a way its checksums cannot show (the manifest written for damaged bytes) can
kill the engine natively, which must end the check, not the replica.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from graph_node.errors import SnapshotInvalid
from graph_node.isolation import WorkerOptions, run_worker
from graph_node.log import logger
from graph_node.snapshots import (
    GRAPH_FILE,
    SNAPSHOT_ID,
    STAGING_FILE,
    Latest,
    SnapshotManifest,
    TableCounter,
    latest_key,
    snapshot_prefix,
    verify_snapshot,
)
from graph_node.sources import FileMissing, download_object
from ledgergraph.errors import ObjectNotFound
from ledgergraph.objectstore import ObjectStore

_FILES = (GRAPH_FILE, STAGING_FILE)
_Model = TypeVar("_Model", bound=BaseModel)


@dataclass(frozen=True)
class ReplicaSnapshot:
    """A verified snapshot on local disk that a replica serves."""

    graph_id: str
    snapshot_id: str
    folder: Path
    local_copy_bad: str | None = None  # why the copy an earlier boot left was replaced


def fetch_latest(
    store: ObjectStore, graph_id: str, root: Path, *, worker: WorkerOptions | None = None
) -> ReplicaSnapshot:
    """Download (or reuse) and verify the LATEST snapshot of ``graph_id`` under ``root``.

    ``worker`` holds the engine settings the graph file is counted with in a child process.
    Raises SnapshotInvalid naming the key or file at fault.
    """
    manifest = _read_manifest(store, graph_id)
    count = partial(count_in_child, worker or WorkerOptions())
    folder = root / graph_id / manifest.snapshot_id
    bad = None
    if folder.is_dir():
        bad = _reuse(store, manifest, folder, count)
    else:
        _download(store, manifest, folder, count)
    _forget_older(root / graph_id, keep=manifest.snapshot_id)
    logger.info(
        "snapshot verified",
        extra={"graph_id": graph_id, "snapshot_id": manifest.snapshot_id,
               "tables": sum(manifest.tables.values()), "local_copy_bad": bad},
    )  # fmt: skip
    return ReplicaSnapshot(graph_id, manifest.snapshot_id, folder, local_copy_bad=bad)


def count_in_child(options: WorkerOptions, graph_file: Path) -> dict[str, int]:
    """Rows of every table of ``graph_file``, read by an engine worker (a native crash of
    the engine is EngineCrashed, this process unharmed)."""
    done = run_worker(
        ["check", "--db", str(graph_file)], options, what="reading it in a child process"
    )
    return {table: int(count) for table, count in done["counts"].items()}


def _reuse(
    store: ObjectStore, manifest: SnapshotManifest, folder: Path, count: TableCounter
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
        _download(store, manifest, folder, count)
    except SnapshotInvalid as exc:
        raise SnapshotInvalid(f"{exc}; downloaded again because {bad}") from exc
    return bad


def _download(
    store: ObjectStore, manifest: SnapshotManifest, folder: Path, count: TableCounter
) -> None:
    """Download the manifest's files into ``folder`` through ``{folder}.partial``, verified
    before the rename; nothing is left behind when they fail."""
    published = {name: f"published file {store.uri(f.key)}" for name, f in manifest.files.items()}
    partial_folder = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial_folder, ignore_errors=True)
    partial_folder.mkdir(parents=True)
    try:
        for name in _FILES:
            download_object(store, manifest.files[name].key, partial_folder / name)
        verify_snapshot(partial_folder, manifest, names=published, count_tables=count)
    except FileMissing as exc:
        shutil.rmtree(partial_folder, ignore_errors=True)
        raise SnapshotInvalid(
            f"snapshot {manifest.snapshot_id} of graph {manifest.graph_id}: {exc}"
        ) from exc
    except BaseException:
        shutil.rmtree(partial_folder, ignore_errors=True)
        raise
    partial_folder.rename(folder)


def _read_manifest(store: ObjectStore, graph_id: str) -> SnapshotManifest:
    """LATEST's manifest, checked to describe this graph's snapshot and its two files."""
    pointer = latest_key(graph_id)
    try:
        latest = _parse(Latest, store.get_bytes(pointer), store.uri(pointer))
    except ObjectNotFound as exc:
        raise SnapshotInvalid(f"no published snapshot of graph {graph_id}: {exc}") from exc
    prefix = snapshot_prefix(graph_id, latest.snapshot_id)
    if not latest.manifest_key.startswith(prefix):
        raise SnapshotInvalid(
            f"LATEST of graph {graph_id} points outside its snapshot: {latest.manifest_key}"
        )
    try:
        data = store.get_bytes(latest.manifest_key)
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
