"""A replica's boot: download each graph's LATEST snapshot and verify it before serving.

Files land in ``{home}/replica/{graph_id}/{snapshot_id}/`` through a ``.partial`` folder
renamed into place only once every checksum and table count matches the manifest, so a
folder that exists is a verified snapshot (checked again, by checksum, when reused). A
snapshot that fails raises SnapshotInvalid and the replica does not serve at all.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from graph_node.errors import SnapshotInvalid
from graph_node.log import logger
from graph_node.snapshots import (
    GRAPH_FILE,
    SNAPSHOT_ID,
    STAGING_FILE,
    Latest,
    SnapshotManifest,
    latest_key,
    snapshot_prefix,
    verify_snapshot,
)
from graph_node.sources import FileMissing, download_object
from ledgergraph.errors import ObjectNotFound
from ledgergraph.objectstore import ObjectStore

_FILES = (GRAPH_FILE, STAGING_FILE)


@dataclass(frozen=True)
class ReplicaSnapshot:
    """A verified snapshot on local disk that a replica serves."""

    graph_id: str
    snapshot_id: str
    folder: Path


def fetch_latest(store: ObjectStore, graph_id: str, root: Path) -> ReplicaSnapshot:
    """Download (or reuse) and verify the LATEST snapshot of ``graph_id`` under ``root``."""
    manifest = _read_manifest(store, graph_id)
    folder = root / graph_id / manifest.snapshot_id
    if folder.is_dir():
        verify_snapshot(folder, manifest)
    else:
        partial = folder.with_name(folder.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            for name in _FILES:
                download_object(store, manifest.files[name].key, partial / name)
            verify_snapshot(partial, manifest)
        except (SnapshotInvalid, FileMissing) as exc:
            shutil.rmtree(partial, ignore_errors=True)
            raise SnapshotInvalid(str(exc)) from exc
        partial.rename(folder)
    _forget_older(root / graph_id, keep=manifest.snapshot_id)
    logger.info(
        "snapshot verified",
        extra={"graph_id": graph_id, "snapshot_id": manifest.snapshot_id,
               "tables": sum(manifest.tables.values())},
    )  # fmt: skip
    return ReplicaSnapshot(graph_id, manifest.snapshot_id, folder)


def _read_manifest(store: ObjectStore, graph_id: str) -> SnapshotManifest:
    try:
        latest = Latest.model_validate_json(store.get_bytes(latest_key(graph_id)))
        if not latest.manifest_key.startswith(snapshot_prefix(graph_id, latest.snapshot_id)):
            raise SnapshotInvalid(
                f"LATEST of graph {graph_id} points outside its snapshot: {latest.manifest_key}"
            )
        manifest = SnapshotManifest.model_validate_json(store.get_bytes(latest.manifest_key))
    except ObjectNotFound as exc:
        raise SnapshotInvalid(f"no published snapshot of graph {graph_id}: {exc}") from exc
    except ValidationError as exc:
        raise SnapshotInvalid(f"graph {graph_id}: unreadable LATEST or manifest: {exc}") from exc
    if (manifest.graph_id, manifest.snapshot_id) != (graph_id, latest.snapshot_id):
        raise SnapshotInvalid(
            f"manifest {latest.manifest_key} describes {manifest.graph_id}/"
            f"{manifest.snapshot_id}, not {graph_id}/{latest.snapshot_id}"
        )
    prefix = snapshot_prefix(graph_id, manifest.snapshot_id)
    if set(manifest.files) != set(_FILES) or any(
        f.key != prefix + name for name, f in manifest.files.items()
    ):
        raise SnapshotInvalid(f"manifest {latest.manifest_key} lists other files than {_FILES}")
    return manifest


def _forget_older(folder: Path, *, keep: str) -> None:
    """Remove snapshots this replica served before (they are never served again)."""
    for child in folder.iterdir():
        if child.name != keep and re.match(SNAPSHOT_ID, child.name.removesuffix(".partial")):
            shutil.rmtree(child, ignore_errors=True)
