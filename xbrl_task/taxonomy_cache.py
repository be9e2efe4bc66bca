"""Where Arelle finds taxonomy schemas offline: extra caches first, then the bundled one.

Arelle's web cache has a single cache directory. To search several in order, the worker
links every file of the configured directories into one overlay directory (the first
directory that has a path wins) and hands Arelle that. Taxonomy package zips are not
unpacked: Arelle maps their URLs itself, before it looks at the cache at all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from xbrl_task.errors import XbrlTaskConfigError


@dataclass
class TaxonomyCache:
    """The directory and package zips one Arelle session uses; ``close`` removes the overlay."""

    cache_dir: Path
    packages: tuple[Path, ...] = ()
    searched: tuple[Path, ...] = ()
    _overlay: Path | None = field(default=None, repr=False)

    def url_of(self, path: str) -> str | None:
        """The URL a file of the cache directory stands for (cache/https/host/p -> https://host/p)."""
        root = f"{self.cache_dir}/"
        if not path.startswith(root):
            return None
        scheme, _, rest = path[len(root) :].partition("/")
        return f"{scheme}://{rest}" if scheme in ("http", "https") and rest else None

    def close(self) -> None:
        if self._overlay is not None:
            shutil.rmtree(self._overlay, ignore_errors=True)
            self._overlay = None


def prepare_cache(extra: list[Path], bundled: Path) -> TaxonomyCache:
    """Set up the offline cache: ``extra`` dirs and zips searched before ``bundled``.

    Raises:
        XbrlTaskConfigError: a configured path does not exist or is neither a folder nor a zip.
    """
    dirs: list[Path] = []
    packages: list[Path] = []
    for path in extra:
        if path.is_dir():
            dirs.append(path.resolve())
        elif path.is_file() and path.suffix.lower() == ".zip":
            packages.append(path.resolve())
        else:
            raise XbrlTaskConfigError(
                f"taxonomy cache {path} is neither a folder nor a taxonomy package .zip"
            )
    if not bundled.is_dir():
        raise XbrlTaskConfigError(f"bundled taxonomy cache {bundled} does not exist")
    searched = (*dirs, bundled.resolve())
    if not dirs:
        return TaxonomyCache(bundled.resolve(), tuple(packages), searched)
    overlay = Path(tempfile.mkdtemp(prefix="ledgergraph-taxonomy-cache-"))
    for folder in searched:
        link_tree(folder, overlay)
    return TaxonomyCache(overlay, tuple(packages), searched, overlay)


def link_tree(source: Path, target: Path) -> int:
    """Symlink each file of ``source`` into ``target`` unless that path is already there."""
    linked = 0
    for root, _, names in os.walk(source):
        relative = Path(root).relative_to(source)
        for name in names:
            destination = target / relative / name
            if destination.exists():
                continue
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.symlink_to(Path(root) / name)
            linked += 1
    return linked
