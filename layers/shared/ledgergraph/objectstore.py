"""The object store: S3 on AWS, a folder on one machine, with the same keys.

Keys follow the layout of the design (``raw/sec/{cik}/{accession}/...``,
``processed/{graph_id}/{source_unit}/{table}.parquet`` ...). A store is addressed by a base
URI, ``s3://bucket/prefix`` or ``file:///abs/folder``; ``uri(key)`` gives the object's URI.
Writes are atomic on both: a reader never sees half an object. A local write fills a
``.tmp-*`` file beside its key, holding an exclusive ``flock`` on it, and renames it into
place; a write killed before the rename leaves that file behind, unlocked, and
``LocalObjectStore.remove_abandoned`` removes such files (a writer node does at boot).

On AWS the stack keeps raw, processed and published data in three buckets. One store URI
names them all: ``s3://processed-bucket?raw=raw-bucket&published=published-bucket`` sends a
key to the bucket named after its first segment (``raw/...`` to raw-bucket), and every other
key (``processed/``, ``work/``) to the base bucket. Keys keep their first segment inside
their bucket, so the layout is the same in one bucket, three buckets or a folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlparse

from ledgergraph.errors import ObjectNotFound


class ObjectStore(Protocol):
    base_uri: str

    def uri(self, key: str) -> str: ...
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def put_file(self, key: str, path: Path) -> str: ...
    def put_stream(self, key: str, chunks: Iterable[bytes]) -> str: ...
    def get_bytes(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def list_keys(self, prefix: str) -> Iterator[str]: ...
    def delete(self, key: str) -> None: ...


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts[:-1]):
        raise ValueError(f"invalid object key {key!r}")
    if parts[-1] in (".", ".."):
        raise ValueError(f"invalid object key {key!r}")
    return key


def _create_temp(folder: Path) -> tuple[int, Path]:
    """A new empty ``.tmp-*`` file in ``folder``, open for writing: the file a write fills
    before renaming it over its key.

    Created with mode 0666 less the process umask, as a plain file write would be (0644
    under the usual umask 022), so a replica or another local user reads what is published.
    ``tempfile.mkstemp`` would make it 0600, and the rename keeps the mode.

    The caller holds an exclusive ``flock`` on it until the rename (the kernel drops it
    when the process dies): ``remove_abandoned`` never takes a locked file.
    """
    for _ in range(100):
        path = folder / f".tmp-{secrets.token_hex(6)}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue  # another write picked the same name: draw again
        # NOTE: a file system without flock refuses it: the sweep's age alone protects then
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)  # a new file: nobody else holds it
        return fd, path
    raise FileExistsError(f"no free temporary file name in {folder}")


class LocalObjectStore:
    """A folder laid out like the S3 buckets; used by the local pipeline and tests."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.base_uri = self.root.as_uri()

    def path(self, key: str) -> Path:
        return self.root / _check_key(key)

    def uri(self, key: str) -> str:
        return self.path(key).as_uri()

    def put_bytes(self, key: str, data: bytes) -> str:
        def fill(fd: int, tmp: Path) -> None:
            with open(fd, "wb", closefd=False) as handle:
                handle.write(data)

        return self._write(key, fill)

    def put_file(self, key: str, path: Path) -> str:
        # into the file _create_temp made: its mode stays, and so does the writer's lock
        return self._write(key, lambda fd, tmp: shutil.copyfile(path, tmp))

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> str:
        """Write ``chunks`` as they come, holding none of them after it is written.

        Atomic as ``put_bytes``: the object appears only once ``chunks`` is exhausted. An
        error raised by ``chunks`` (a download cut off, a file too large) leaves no object
        and no temporary file: it is raised as it is.
        """

        def fill(fd: int, tmp: Path) -> None:
            try:
                with open(fd, "wb", closefd=False) as handle:
                    for chunk in chunks:
                        handle.write(chunk)
            except BaseException:
                tmp.unlink(missing_ok=True)  # still locked by us: nobody else takes it
                raise

        return self._write(key, fill)

    def _write(self, key: str, fill: Callable[[int, Path], None]) -> str:
        """Fill a locked temporary file beside ``key``'s path, then rename it over the path.

        A failure leaves the temporary file, as a kill would; ``remove_abandoned`` takes it.
        """
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = _create_temp(target.parent)
        try:
            fill(fd, tmp)
            os.replace(tmp, target)
        finally:
            os.close(fd)  # releases the lock, after the rename
        return target.as_uri()

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except FileNotFoundError:
            raise ObjectNotFound(f"no object at {self.uri(key)}") from None

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def list_keys(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix if prefix else self.root
        folder = base if base.is_dir() else base.parent
        if not folder.exists():
            return
        for path in sorted(folder.rglob("*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix) and not path.name.startswith(".tmp-"):
                yield key

    def partial_keys(self, prefix: str) -> Iterator[str]:
        """Keys of the temporary files of writes under ``prefix`` not (yet) renamed into
        place: ones in progress, or ones a killed process abandoned, which stay until
        ``remove_abandoned`` or their owner removes them (``list_keys`` never shows them)."""
        base = self.root / prefix if prefix else self.root
        folder = base if base.is_dir() else base.parent
        if not folder.exists():
            return
        for path in sorted(folder.rglob(".tmp-*")):
            key = path.relative_to(self.root).as_posix()
            if path.is_file() and key.startswith(prefix):
                yield key

    def remove_abandoned(self, prefix: str = "", *, older_than_s: float) -> list[str]:
        """Remove the temporary files of killed writes under ``prefix``; their keys.

        A file is taken only when no process holds its lock (its writer is gone: a live
        writer holds it until the rename) and nothing wrote to it for ``older_than_s``
        seconds: that covers the instant between a writer creating its file and locking
        it, and writers of a version that took no lock. Safe beside live writers, in this
        process or others, on this machine (``flock`` is not shared across hosts: a store
        on a network share written from several machines should give a long age).
        """
        removed = []
        deadline = time.time() - older_than_s
        for key in self.partial_keys(prefix):
            if _remove_if_abandoned(self.path(key), deadline):
                removed.append(key)
        return removed

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


def _remove_if_abandoned(path: Path, deadline: float) -> bool:
    """Unlink ``path`` if it was last written before ``deadline`` and is not locked."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False  # renamed into place (or removed) since it was listed
    except PermissionError:
        return False  # another user's, unreadable: whether it is in use cannot be told
    try:
        if os.fstat(fd).st_mtime >= deadline:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # a live writer holds it
        # the name may have moved on while we waited: unlink only the file we locked
        if os.stat(path).st_ino != os.fstat(fd).st_ino:
            return False
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    finally:
        os.close(fd)


# S3 takes parts of 5 MiB and more (the last one excepted), at most 10,000 of them: 8 MiB
# parts hold objects up to 78 GiB. Without threads a streamed write holds one part at a time.
STREAM_PART_BYTES = 8 << 20

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_SEGMENT = re.compile(r"^[a-z][a-z0-9_-]*$")


def _routes_of(query: str) -> dict[str, str]:
    """``raw=bucket-a&published=bucket-b`` as {first key segment: bucket}, checked."""
    routes = dict(parse_qsl(query, strict_parsing=bool(query)))
    for segment, bucket in routes.items():
        if not _SEGMENT.fullmatch(segment) or not _BUCKET_NAME.fullmatch(bucket):
            raise ValueError(f"invalid bucket route {segment}={bucket} in an s3:// store URI")
    return routes


class _ChunkReader(io.RawIOBase):
    """A readable file over an iterable of byte chunks, holding one chunk at a time (what
    boto3's ``upload_fileobj`` reads a streamed write from)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks, self._left = iter(chunks), memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            chunk = next(self._chunks, None)  # an error the chunks raise goes to the caller
            if chunk is None:
                return 0
            self._left = memoryview(chunk)
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


class S3ObjectStore:
    """S3 through a boto3 client built by the caller: one bucket, or one per first key segment.

    ``base_uri`` is ``s3://bucket[/prefix][?segment=bucket&...]``; the prefix applies in every
    bucket. ``bucket``, ``prefix`` and ``base_uri`` (without the routes) describe the base
    bucket; ``location(key)`` says where any key lives.
    """

    def __init__(self, base_uri: str, client: object) -> None:
        parsed = urlparse(base_uri)
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.base_uri = f"s3://{self.bucket}/{self.prefix}".rstrip("/")
        self.routes = _routes_of(parsed.query)
        self.client = client

    def _full(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def location(self, key: str) -> tuple[str, str]:
        """The bucket and the S3 object key that hold store key ``key``."""
        return self.routes.get(key.split("/", 1)[0], self.bucket), self._full(key)

    def uri(self, key: str) -> str:
        bucket, full = self.location(key)
        return f"s3://{bucket}/{full}"

    def put_bytes(self, key: str, data: bytes) -> str:
        bucket, full = self.location(key)
        self.client.put_object(Bucket=bucket, Key=full, Body=data)
        return self.uri(key)

    def put_file(self, key: str, path: Path) -> str:
        bucket, full = self.location(key)
        self.client.upload_file(str(path), bucket, full)
        return self.uri(key)

    def put_stream(self, key: str, chunks: Iterable[bytes]) -> str:
        """Write ``chunks`` as they come: one PUT when they add up to less than a part
        (``STREAM_PART_BYTES``), else a multipart upload reading one part at a time.

        Atomic as ``put_bytes``: S3 shows the object only once the upload completes. An
        error raised by ``chunks`` aborts the multipart upload (boto3's transfer manager
        does: no parts are left to pay for) and is raised as it is.
        """
        from boto3.s3.transfer import TransferConfig  # boto3 only where S3 is used

        bucket, full = self.location(key)
        one_part_at_a_time = TransferConfig(
            multipart_threshold=STREAM_PART_BYTES,
            multipart_chunksize=STREAM_PART_BYTES,
            use_threads=False,
        )
        reader = io.BufferedReader(_ChunkReader(chunks), buffer_size=1 << 20)
        self.client.upload_fileobj(reader, bucket, full, Config=one_part_at_a_time)
        return self.uri(key)

    def get_bytes(self, key: str) -> bytes:
        bucket, full = self.location(key)
        try:
            response = self.client.get_object(Bucket=bucket, Key=full)
        except self.client.exceptions.NoSuchKey:
            raise ObjectNotFound(f"no object at {self.uri(key)}") from None
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        bucket, full = self.location(key)
        response = self.client.list_objects_v2(Bucket=bucket, Prefix=full, MaxKeys=1)
        return any(o["Key"] == full for o in response.get("Contents", []))

    def _buckets_for(self, prefix: str) -> list[str]:
        """Buckets that can hold keys starting with ``prefix``, base bucket first."""
        if "/" in prefix or prefix in self.routes:
            return [self.location(prefix)[0]]
        routed = {b for segment, b in self.routes.items() if segment.startswith(prefix)}
        return [self.bucket, *sorted(routed - {self.bucket})]

    def list_keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        for bucket in self._buckets_for(prefix):
            for page in paginator.paginate(Bucket=bucket, Prefix=full_prefix):
                for item in page.get("Contents", []):
                    key = item["Key"][strip:]
                    if self.location(key)[0] == bucket:  # a stray key of another bucket
                        yield key

    def delete(self, key: str) -> None:
        bucket, full = self.location(key)
        self.client.delete_object(Bucket=bucket, Key=full)


def open_store(base_uri: str, *, s3_client: object | None = None) -> ObjectStore:
    """The store for ``base_uri``; an s3:// URI needs a boto3 S3 client (one is built if not
    given) and may route key prefixes to other buckets (``?raw=bucket&published=bucket``)."""
    parsed = urlparse(base_uri)
    if parsed.scheme == "file":
        return LocalObjectStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        if s3_client is None:
            import boto3  # imported here: the local path never needs it

            s3_client = boto3.client("s3")
        return S3ObjectStore(base_uri, s3_client)
    raise ValueError(f"unsupported object store URI {base_uri!r}: use file:// or s3://")


def local_path_of(uri: str) -> Path:
    """The filesystem path of a file:// URI (raises ValueError for anything else)."""
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        raise ValueError(f"not a file:// URI: {uri!r}")
    return Path(unquote(parsed.path))


def split_uri(uri: str, stores: dict[str, ObjectStore]) -> tuple[ObjectStore, str]:
    """Find which of ``stores`` (by base URI) holds ``uri`` and return it with the key.

    Raises ValueError when the URI is outside every store: callers use this to confine
    file URIs they receive to the configured stores.
    """
    for base, store in stores.items():
        prefix = base.rstrip("/") + "/"
        if uri.startswith(prefix):
            return store, _check_key(uri[len(prefix) :])
    raise ValueError(f"URI {uri!r} is outside the configured object store")
