"""The object store: S3 on AWS, a folder on one machine, with the same keys.

Keys follow the layout of the design (``raw/sec/{cik}/{accession}/...``,
``processed/{graph_id}/{source_unit}/{table}.parquet`` ...). A store is addressed by a base
URI, ``s3://bucket/prefix`` or ``file:///abs/folder``; ``uri(key)`` gives the object's URI.
Writes are atomic on both: a reader never sees half an object.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from ledgergraph.errors import ObjectNotFound


class ObjectStore(Protocol):
    base_uri: str

    def uri(self, key: str) -> str: ...
    def put_bytes(self, key: str, data: bytes) -> str: ...
    def put_file(self, key: str, path: Path) -> str: ...
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
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
        return target.as_uri()

    def put_file(self, key: str, path: Path) -> str:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        os.close(fd)
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)
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

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3ObjectStore:
    """An S3 bucket (and optional prefix) through a boto3 client built by the caller."""

    def __init__(self, base_uri: str, client: object) -> None:
        parsed = urlparse(base_uri)
        self.base_uri = base_uri.rstrip("/")
        self.bucket = parsed.netloc
        self.prefix = parsed.path.strip("/")
        self.client = client

    def _full(self, key: str) -> str:
        _check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def put_bytes(self, key: str, data: bytes) -> str:
        self.client.put_object(Bucket=self.bucket, Key=self._full(key), Body=data)
        return self.uri(key)

    def put_file(self, key: str, path: Path) -> str:
        self.client.upload_file(str(path), self.bucket, self._full(key))
        return self.uri(key)

    def get_bytes(self, key: str) -> bytes:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
        except self.client.exceptions.NoSuchKey:
            raise ObjectNotFound(f"no object at {self.uri(key)}") from None
        return response["Body"].read()

    def exists(self, key: str) -> bool:
        response = self.client.list_objects_v2(
            Bucket=self.bucket, Prefix=self._full(key), MaxKeys=1
        )
        return any(o["Key"] == self._full(key) for o in response.get("Contents", []))

    def list_keys(self, prefix: str) -> Iterator[str]:
        paginator = self.client.get_paginator("list_objects_v2")
        full_prefix = f"{self.prefix}/{prefix}" if self.prefix else prefix
        strip = len(self.prefix) + 1 if self.prefix else 0
        for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
            for item in page.get("Contents", []):
                yield item["Key"][strip:]

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._full(key))


def open_store(base_uri: str, *, s3_client: object | None = None) -> ObjectStore:
    """The store for ``base_uri``; an s3:// URI needs a boto3 S3 client."""
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
