"""Registered files in the object store: URI confinement and local copies to read.

Only URIs inside the configured store are accepted (``split_uri``); a local store also
refuses keys whose resolved path leaves its folder (symlinks). An s3:// file is downloaded
to a temporary file first: DuckDB 2.0.1 has no httpfs here and the node reads Parquet
itself anyway.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from graph_node.errors import EngineUnavailable, InvalidRequest, NodePermanentError
from ledgergraph.objectstore import LocalObjectStore, ObjectStore, S3ObjectStore, split_uri


class FileMissing(NodePermanentError):
    """The registered URI has no object behind it; staging marks the file failed."""


class SourceFiles:
    """The object store registered files must come from."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store

    def key_of(self, uri: str) -> str:
        """The store key of ``uri``; raises InvalidRequest for a URI outside the store."""
        if any(ord(c) < 32 or c in "\\?#" for c in uri):
            # NUL and control characters break paths; \ ? # mean other things to S3 and URLs
            raise InvalidRequest(f"URI {uri[:200]!r} holds characters a store key may not")
        try:
            _, key = split_uri(uri, {self.store.base_uri: self.store})
        except ValueError as exc:
            raise InvalidRequest(str(exc)) from None
        if "%" in key:  # keys are written plain; an escape could mean ".." to one reader
            raise InvalidRequest(f"URI {uri[:200]!r}: percent-escapes in a store key")
        if isinstance(self.store, LocalObjectStore):
            path = self.store.path(key).resolve()
            if not path.is_relative_to(self.store.root):
                raise InvalidRequest(f"URI {uri!r} resolves outside the configured object store")
        return key

    def missing(self, uris: Sequence[str]) -> list[str]:
        """Those of ``uris`` (inside the store, see ``key_of``) with no object behind them.

        Raises:
            EngineUnavailable: the store could not be asked (worth a retry).
        """
        keys = {uri: self.key_of(uri) for uri in uris}
        if isinstance(self.store, LocalObjectStore):
            return [uri for uri, key in keys.items() if not self.store.exists(key)]
        from botocore.exceptions import BotoCoreError, ClientError  # only S3 needs it

        try:
            return [uri for uri, key in keys.items() if not self.store.exists(key)]
        except (BotoCoreError, ClientError) as exc:
            raise EngineUnavailable(f"looking for registered files in the store: {exc}") from exc

    @contextmanager
    def local_copy(self, uri: str) -> Iterator[Path]:
        """A readable local path holding the object at ``uri`` (a temp file for S3)."""
        key = self.key_of(uri)
        if isinstance(self.store, LocalObjectStore):
            path = self.store.path(key)
            if not path.is_file():
                raise FileMissing(f"no file at {uri}")
            yield path
            return
        with tempfile.TemporaryDirectory(prefix="ledgergraph-stage-") as folder:
            target = Path(folder) / "file.parquet"
            self._download(key, target)
            yield target

    def _download(self, key: str, target: Path) -> None:
        download_object(self.store, key, target)


def download_object(store: ObjectStore, key: str, target: Path) -> None:
    """Copy the object at ``key`` to the local file ``target`` without holding it in memory.

    Raises:
        FileMissing: no object at ``key``.
        EngineUnavailable: the store could not be read (worth a retry).
    """
    if isinstance(store, LocalObjectStore):
        source = store.path(key)
        if not source.is_file():
            raise FileMissing(f"no file at {store.uri(key)}")
        shutil.copyfile(source, target)
        return
    if not isinstance(store, S3ObjectStore):
        raise InvalidRequest(f"unsupported object store {store.base_uri!r}")
    from botocore.exceptions import BotoCoreError, ClientError  # only the S3 path needs it

    full_key = f"{store.prefix}/{key}" if store.prefix else key
    try:
        store.client.download_file(store.bucket, full_key, str(target))
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in ("404", "NoSuchKey", "NotFound"):
            raise FileMissing(f"no object at {store.uri(key)}") from exc
        raise EngineUnavailable(f"downloading {store.uri(key)}: {code}") from exc
    except BotoCoreError as exc:
        raise EngineUnavailable(f"downloading {store.uri(key)}: {exc}") from exc
