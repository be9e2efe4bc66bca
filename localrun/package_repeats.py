"""Folders of one run that give one filing: which of them hold the same files.

Two folders may give one filing: the same accession number, or for a package without one
the same entry point (its source unit is that file's sha256). A download record
(``download.json``) is no part of a package: two downloads of one filing differ in it
(the time of each), so it is left out of every comparison.
"""

from __future__ import annotations

from pathlib import Path

from ledgergraph.edgar.download import DOWNLOAD_RECORD
from ledgergraph.filing_package import PackageInfo
from ledgergraph.manifest import sha256_of

Twin = tuple[PackageInfo, PackageInfo]  # a folder, and the earlier one with its files


def sort_repeats(infos: list[PackageInfo]) -> tuple[list[PackageInfo], list[Twin]]:
    """The packages of one filing with distinct files, first folder of each kept (in the
    order given), and each other folder with the earlier one whose files it repeats."""
    distinct: list[PackageInfo] = []
    twins: list[Twin] = []
    for info in infos:
        twin = next((d for d in distinct if first_difference(d, info) is None), None)
        if twin is None:
            distinct.append(info)
        else:
            twins.append((info, twin))
    return distinct, twins


def first_difference(a: PackageInfo, b: PackageInfo) -> str | None:
    """The first file by name that two packages' folders differ in (``x.xml differs``,
    ``x.xml only in a1``); None when they hold the same files."""
    for name in sorted((set(a.files) | set(b.files)) - {DOWNLOAD_RECORD}):
        if name not in b.files:
            return f"{name} only in {a.folder.name}"
        if name not in a.files:
            return f"{name} only in {b.folder.name}"
        if not same_file(a.folder / name, b.folder / name):
            return f"{name} differs"
    return None


def same_file(a: Path, b: Path) -> bool:
    """Whether two files hold the same bytes (sizes first, then sha256)."""
    if a.stat().st_size != b.stat().st_size:
        return False
    return sha256_of(a) == sha256_of(b)
