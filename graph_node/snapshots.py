"""Published snapshots: a graph's two files, consistent, verified and described by a manifest.

``take_snapshot`` runs while the caller holds the graph's writer lock: both engines
checkpoint (so each file alone is the data) and the files are copied. Outside the lock,
``publish_snapshot`` verifies the copies (checksums; the staging copy read whole, every
column of every table; the graph copy opened read-only and counted table by table against
the live counts), uploads them under
``published/{graph_id}/{snapshot_id}/`` (graph.lbug, staging.duckdb, then manifest.json),
points ``published/{graph_id}/LATEST`` at the manifest and announces SnapshotPublished.
Replicas check a downloaded snapshot with the same ``verify_snapshot``, counting the graph
file in an engine worker (``replica.count_in_child``).
"""

from __future__ import annotations

import datetime as dt
import errno
import re
import shutil
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb
from pydantic import BaseModel, Field

from graph_node.errors import (
    EngineUnavailable,
    NodeError,
    SnapshotInvalid,
    StagingDamaged,
    StoreRefused,
)
from graph_node.graph_store import GraphStore
from graph_node.log import logger
from graph_node.staging_db import REGISTRY_TABLE, StagingDB, staging_fix
from graph_node.staging_scan import find_staging_damage
from ledgergraph.events import EventPublisher, snapshot_published
from ledgergraph.graph_schema import SCHEMA_VERSION
from ledgergraph.manifest import sha256_of
from ledgergraph.messages import clip
from ledgergraph.objectstore import LocalObjectStore, ObjectStore

GRAPH_FILE = "graph.lbug"
STAGING_FILE = "staging.duckdb"
MANIFEST_NAME = "manifest.json"
SNAPSHOT_ID = r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$"


class SnapshotFile(BaseModel):
    key: str = Field(description="object store key of the file")
    checksum: str = Field(description="sha256:<hex> of the file's bytes")
    bytes: int = Field(description="the file's size")


class SnapshotManifest(BaseModel):
    """``published/{graph_id}/{snapshot_id}/manifest.json``, uploaded after the files."""

    graph_id: str
    snapshot_id: str = Field(pattern=SNAPSHOT_ID)
    schema_version: str
    created_at: str
    tables: dict[str, int] = Field(description="nodes or relationships per graph table")
    files: dict[str, SnapshotFile] = Field(description="graph.lbug and staging.duckdb")
    source_units: list[str] = Field(description="source units materialized in the snapshot")
    engines: dict[str, str] = Field(description="engine versions that wrote the files")


class Latest(BaseModel):
    """``published/{graph_id}/LATEST``: the newest verified snapshot."""

    snapshot_id: str = Field(pattern=SNAPSHOT_ID)
    manifest_key: str


def new_snapshot_id() -> str:
    """Sortable by time to the microsecond: ``20261204T173146Z-0b1f4a3c`` (the suffix is the
    microseconds in five hex digits, then three random ones)."""
    now = dt.datetime.now(dt.UTC)
    return f"{now:%Y%m%dT%H%M%SZ}-{now.microsecond:05x}{uuid.uuid4().hex[:3]}"


def snapshot_prefix(graph_id: str, snapshot_id: str) -> str:
    return f"published/{graph_id}/{snapshot_id}/"


def latest_key(graph_id: str) -> str:
    return f"published/{graph_id}/LATEST"


def take_snapshot(staging: StagingDB, graph: GraphStore, work: Path) -> dict[str, int]:
    """Checkpoint both stores and copy their files to ``work``; the live counts.

    The caller holds the writer lock, so nothing changes between the counts and the copy.
    """
    counts = graph.counts()
    graph.checkpoint()
    staging.checkpoint()
    work.mkdir(parents=True)
    shutil.copyfile(graph.path, work / GRAPH_FILE)
    shutil.copyfile(staging.path, work / STAGING_FILE)
    return counts


def publish_snapshot(
    graph_id: str,
    work: Path,
    counts: dict[str, int],
    store: ObjectStore,
    events: EventPublisher,
    *,
    keep: int,
    staging_file: Path,
) -> dict[str, object]:
    """Verify the copies in ``work``, upload them, move LATEST, announce it, then remove
    all but the newest ``keep`` snapshots of the graph; the answer.

    The staging copy is read whole first: one DuckDB cannot read (``staging_file``, the
    live file it was copied from, is damaged) raises StagingDamaged before anything is
    uploaded, so LATEST and the earlier snapshots stay as they were.
    """
    snapshot_id = work.name
    prefix = snapshot_prefix(graph_id, snapshot_id)
    manifest = SnapshotManifest(
        graph_id=graph_id,
        snapshot_id=snapshot_id,
        schema_version=SCHEMA_VERSION,
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        tables=counts,
        files={
            name: SnapshotFile(
                key=prefix + name,
                checksum=sha256_of(work / name),
                bytes=(work / name).stat().st_size,
            )
            for name in (GRAPH_FILE, STAGING_FILE)
        },  # fmt: skip
        source_units=_read_staging_copy(
            work / STAGING_FILE, live=staging_file, snapshot_id=snapshot_id
        ),
        engines=_engine_versions(),
    )
    verify_snapshot(work, manifest)

    for name, file in manifest.files.items():
        store.put_file(file.key, work / name)
    manifest_key = prefix + MANIFEST_NAME
    store.put_bytes(manifest_key, manifest.model_dump_json(indent=2).encode())
    latest = Latest(snapshot_id=snapshot_id, manifest_key=manifest_key)
    store.put_bytes(latest_key(graph_id), latest.model_dump_json().encode())
    events.publish(snapshot_published(graph_id, snapshot_id, manifest_key))
    removed = prune_snapshots(store, graph_id, keep=keep, current=snapshot_id)
    logger.info(
        "snapshot published",
        extra={"graph_id": graph_id, "snapshot_id": snapshot_id, "manifest_key": manifest_key,
               "snapshots_removed": removed},
    )  # fmt: skip
    return {"snapshot_id": snapshot_id, "manifest_key": manifest_key, "tables": counts,
            "snapshots_removed": removed}  # fmt: skip


def prune_snapshots(store: ObjectStore, graph_id: str, *, keep: int, current: str) -> list[str]:
    """Remove the graph's snapshots older than its newest ``keep`` (never ``current``).

    Snapshot ids sort by time. The ones kept besides LATEST's let a replica that is still
    downloading the previous snapshot finish. A snapshot's manifest goes first, so a
    half-removed snapshot is never taken for a complete one.

    In a local store a publish killed mid-upload leaves its file's temporary copy behind:
    such a snapshot counts as one, and its temporary files go with it when it is pruned.
    One killed while writing LATEST leaves LATEST's temporary copy beside it, which is
    removed now. None of them can be a write in progress: publishes of a graph run one at
    a time and each prunes only after its own upload and LATEST, and ``current`` is never
    pruned.
    """
    prefix = f"published/{graph_id}/"
    keys: dict[str, list[str]] = {}
    partial = list(store.partial_keys(prefix)) if isinstance(store, LocalObjectStore) else []
    for key in [*store.list_keys(prefix), *partial]:
        snapshot_id = key[len(prefix) :].split("/", 1)[0]
        if re.fullmatch(SNAPSHOT_ID, snapshot_id):
            keys.setdefault(snapshot_id, []).append(key)
    old = [i for i in sorted(keys, reverse=True)[keep:] if i != current]
    for snapshot_id in sorted(old):
        manifest_key = snapshot_prefix(graph_id, snapshot_id) + MANIFEST_NAME
        for key in sorted(keys[snapshot_id], key=lambda k: k != manifest_key):
            store.delete(key)
    _remove_empty_snapshot_folders(store, graph_id)
    _remove_abandoned_latest(store, [k for k in partial if "/" not in k[len(prefix) :]])
    return sorted(old)


def _remove_abandoned_latest(store: ObjectStore, keys: list[str]) -> None:
    """Remove the temporary copies of LATEST (the only object directly under
    ``published/{graph_id}/``) that publishes killed before the rename left behind."""
    for key in keys:
        store.delete(key)
    if keys:
        logger.warning("abandoned LATEST writes removed", extra={"keys": keys})


def _remove_empty_snapshot_folders(store: ObjectStore, graph_id: str) -> None:
    """Remove the empty snapshot folders a local store keeps after its files are deleted.

    S3 has no folders; a local one would otherwise pile up one per pruned snapshot. Only
    empty folders named like a snapshot directly under ``published/{graph_id}/`` go.
    """
    if not isinstance(store, LocalObjectStore):
        return
    graph_folder = store.path(f"published/{graph_id}")
    if not graph_folder.is_dir():
        return
    for folder in graph_folder.iterdir():
        named = folder.is_dir() and re.fullmatch(SNAPSHOT_ID, folder.name)
        if named and not any(folder.iterdir()):
            folder.rmdir()


TableCounter = Callable[[Path], dict[str, int]]


def verify_snapshot(
    folder: Path,
    manifest: SnapshotManifest,
    *,
    names: Mapping[str, str] | None = None,
    count_tables: TableCounter | None = None,
) -> None:
    """Raise SnapshotInvalid unless the files in ``folder`` are the manifest's snapshot.

    Sizes and checksums are checked before an engine opens a file. ``count_tables`` opens
    the graph file and counts its tables (default: in this process; a replica counts in a
    child process, since a damaged file whose checksums match can kill the engine).
    ``names`` says how messages call each file (default: its path).
    """
    what = f"snapshot {manifest.snapshot_id} of graph {manifest.graph_id}"
    if manifest.schema_version != SCHEMA_VERSION:
        raise SnapshotInvalid(
            f"{what} has graph schema version {manifest.schema_version}, this node reads "
            f"{SCHEMA_VERSION}: a replica serves only snapshots of its own version, so run "
            "the replica and the writer on the same ledgergraph and publish again once the "
            "writer's graph is rebuilt from its sources (docs/operations.md, Graph schema "
            "versions)"
        )
    label = {name: str(folder / name) for name in manifest.files} | dict(names or {})
    for name, file in manifest.files.items():
        problem = _file_problem(folder / name, file)
        if problem is not None:
            raise SnapshotInvalid(f"{what}: {label[name]} {problem}")
    try:
        counts = (count_tables or _counts_of)(folder / GRAPH_FILE)
    except NodeError as exc:
        raise SnapshotInvalid(f"{what}: {label[GRAPH_FILE]} does not open: {exc}") from exc
    try:
        StagingDB(folder / STAGING_FILE, read_only=True).close()  # checks its schema version
    except NodeError as exc:
        raise SnapshotInvalid(f"{what}: {label[STAGING_FILE]} does not open: {exc}") from exc
    if counts != manifest.tables:
        differences = _count_differences(counts, manifest.tables)
        raise SnapshotInvalid(f"{what}: {label[GRAPH_FILE]}: {differences}")


def _file_problem(path: Path, file: SnapshotFile) -> str | None:
    """How ``path`` differs from the manifest's ``file`` (presence, size, then checksum), as
    words that follow the file's name; None when it does not."""
    if not path.is_file():
        return "is missing"
    size = path.stat().st_size
    if size != file.bytes:
        return f"is {size} bytes, the manifest says {file.bytes}"
    found = sha256_of(path)
    if found != file.checksum:
        return f"checksum {found} differs from the manifest's {file.checksum}"
    return None


def _count_differences(found: Mapping[str, int], listed: Mapping[str, int]) -> str:
    """The tables the graph file and the manifest disagree on, each named."""
    problems = []
    if missing := sorted(listed.keys() - found.keys()):
        problems.append(f"the manifest lists tables the graph has not: {', '.join(missing)}")
    if unlisted := sorted(found.keys() - listed.keys()):
        problems.append(f"the graph has tables the manifest lacks: {', '.join(unlisted)}")
    wrong = {t: (n, listed[t]) for t, n in found.items() if t in listed and listed[t] != n}
    if wrong:
        problems.append(f"table counts (found, manifest) differ: {wrong}")
    return "; ".join(problems)


# Failures retrying cannot mend: a path that is a file or a folder where the other is
# needed, no permission, a read-only file system; a bucket that is not there or not ours.
_LASTING_ERRNOS = frozenset({
    errno.ENOTDIR, errno.EISDIR, errno.EEXIST, errno.EACCES, errno.EPERM, errno.EROFS,
    errno.ENAMETOOLONG, errno.ELOOP,
})  # fmt: skip
_LASTING_S3_CODES = frozenset({
    "AccessDenied", "AllAccessDisabled", "InvalidAccessKeyId", "InvalidBucketName",
    "NoSuchBucket", "SignatureDoesNotMatch",
})  # fmt: skip


def store_failure(error: Exception, *, what: str) -> NodeError | None:
    """The node error for a disk or object store failure while ``what`` (publishing a
    snapshot); None when ``error`` is neither.

    Permanent (StoreRefused, not retried) when retrying cannot help, else transient
    (EngineUnavailable: a full disk, an I/O error, S3 unreachable or throttling); the
    message carries the cause.
    """
    if isinstance(error, OSError):
        lasting = error.errno in _LASTING_ERRNOS
    elif (code := _s3_error_code(error)) is not None:
        lasting = code in _LASTING_S3_CODES
    else:
        return None
    message = f"{what}: {type(error).__name__}: {error}"
    return StoreRefused(message) if lasting else EngineUnavailable(message)


def _s3_error_code(error: Exception) -> str | None:
    """S3's error code of a boto3 failure ("" when it has none); None for other errors."""
    from boto3.exceptions import S3UploadFailedError  # only an S3 store raises these
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(error, S3UploadFailedError):  # upload_file wraps S3's ClientError
        error = error.__context__ if isinstance(error.__context__, ClientError) else error
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", ""))
    if isinstance(error, BotoCoreError | S3UploadFailedError):
        return ""
    return None


def _counts_of(graph_file: Path) -> dict[str, int]:
    store = GraphStore(graph_file, read_only=True)
    try:
        return store.counts()
    finally:
        store.close()


def _read_staging_copy(staging_copy: Path, *, live: Path, snapshot_id: str) -> list[str]:
    """Read the whole staging copy (``staging_scan``); its materialized source units.

    Raises StagingDamaged naming ``live``, the file the copy was taken from under the
    writer lock (byte for byte, so it is damaged the same way), and what could not be read.
    """
    try:
        db = StagingDB(staging_copy, read_only=True)
    except StagingDamaged as exc:
        words = f"it does not open: {exc.__cause__}"
        raise _damaged(live, snapshot_id, words) from exc
    try:
        if (damage := find_staging_damage(db)) is not None:
            raise _damaged(live, snapshot_id, damage)
        with db.cursor(what="listing source units") as cur:
            rows = cur.execute(
                f"SELECT DISTINCT source_unit FROM {REGISTRY_TABLE} "
                "WHERE status = 'materialized' ORDER BY 1"
            ).fetchall()
    finally:
        db.close()
    return [row[0] for row in rows]


def _damaged(live: Path, snapshot_id: str, damage: str) -> StagingDamaged:
    """StagingDamaged for a staging copy found damaged before its snapshot was uploaded."""
    reason = clip(
        f"staging file {live} is damaged ({damage}), found reading its copy for snapshot "
        f"{snapshot_id}",
        800,
    )
    return StagingDamaged(
        f"{reason}; nothing was published (LATEST and the earlier snapshots are as they "
        f"were); {staging_fix(live)}",
        reason=reason,
    )


def _engine_versions() -> dict[str, str]:
    from importlib.metadata import version

    return {"real_ladybug": version("real_ladybug"), "duckdb": duckdb.__version__}
