"""Make a filing package in the object store available as a local folder.

Arelle reads files, so a package must be on disk: a folder store is read in place, an S3
package is downloaded into a temporary folder that disappears after the filing.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ledgergraph.objectstore import LocalObjectStore, ObjectStore
from xbrl_task.errors import FilingNotLoadable


@contextmanager
def staged_package(store: ObjectStore, prefix: str, *, unit: str) -> Iterator[Path]:
    """The package under ``prefix`` as a local folder, for the duration of the block.

    Raises:
        FilingNotLoadable: nothing is stored under ``prefix``, or a key escapes the folder.
    """
    if isinstance(store, LocalObjectStore):
        folder = store.path(prefix.rstrip("/"))
        if not folder.is_dir():
            raise FilingNotLoadable(f"filing {unit}: no package at {store.uri(prefix)}")
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="ledgergraph-package-") as scratch:
        download_package(store, prefix, Path(scratch), unit=unit)
        yield Path(scratch)


def download_package(store: ObjectStore, prefix: str, target: Path, *, unit: str) -> int:
    """Copy every object under ``prefix`` into ``target``; returns how many."""
    prefix = prefix if prefix.endswith("/") else f"{prefix}/"
    root = target.resolve()
    count = 0
    for key in store.list_keys(prefix):
        path = (root / key[len(prefix) :]).resolve()
        if not path.is_relative_to(root) or path == root:
            raise FilingNotLoadable(f"filing {unit}: package key {key!r} leaves its folder")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(store.get_bytes(key))
        count += 1
    if count == 0:
        raise FilingNotLoadable(f"filing {unit}: no package at {store.uri(prefix)}")
    return count
