"""Reusing a filing's stored output when nothing it was made from has changed.

A rerun over filings already processed (the same source folder, a retried batch) would
load each one in Arelle again to write the same bytes. The manifest records a digest of
everything the output is made from: the package's files, the code that reads them (this
package's and the shared library's sources, and the Arelle version), and the taxonomy
cache (file names, sizes and times). A later run whose digest is the same, and whose
stored table files still have their recorded checksums, reuses the output as it is; any
difference at all means the filing is processed again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import ledgergraph
from ledgergraph.manifest import SourceUnitManifest, manifest_key, sha256_of_bytes
from ledgergraph.objectstore import ObjectNotFound, ObjectStore
from xbrl_task.taxonomy_cache import TaxonomyCache
from xbrl_task.version import PROCESSOR


def inputs_digest(package: Path, taxonomies: TaxonomyCache | None) -> str:
    """``sha256:<hex>`` of the package, the code and the taxonomy cache."""
    digest = hashlib.sha256()
    digest.update(_code_digest().encode())
    digest.update(_taxonomy_digest(taxonomies).encode())
    for path in sorted(p for p in package.rglob("*") if p.is_file()):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"sha256:{digest.hexdigest()}"


def reusable_output(
    store: ObjectStore, graph_id: str, source_unit: str, inputs: str
) -> SourceUnitManifest | None:
    """The unit's stored manifest if it was made from ``inputs`` and its files are intact."""
    try:
        manifest = SourceUnitManifest.model_validate_json(
            store.get_bytes(manifest_key(graph_id, source_unit))
        )
    except (ObjectNotFound, ValueError):
        return None
    if manifest.inputs != inputs:
        return None
    for table in manifest.tables:
        try:
            data = store.get_bytes(table.key)
        except ObjectNotFound:
            return None
        if sha256_of_bytes(data) != table.checksum:
            return None
    return manifest


@cache
def _code_digest() -> str:
    roots = (Path(__file__).parent, Path(ledgergraph.__file__).parent)
    digest = hashlib.sha256(PROCESSOR.encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".sql", ".csv") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _taxonomy_digest(taxonomies: TaxonomyCache | None) -> str:
    if taxonomies is None:
        return "no taxonomy cache"
    digest = hashlib.sha256()
    for root in taxonomies.searched:
        digest.update(str(root).encode() + b"\0")
        for path, stat in _files(root):
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    for package in taxonomies.packages:
        stat = package.stat()
        digest.update(f"{package}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _files(root: Path) -> Iterable[tuple[str, os.stat_result]]:
    for folder, _, names in sorted(os.walk(root)):
        for name in sorted(names):
            path = os.path.join(folder, name)
            yield os.path.relpath(path, root), os.stat(path)
