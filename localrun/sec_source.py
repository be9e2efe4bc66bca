"""Put local filing packages into the raw store, the way the download step would.

``ledgergraph sec run --source DIR`` takes a folder of filing packages (one sub-folder per
filing, or a single package folder) and copies each into ``raw/sec/{cik}/{source_unit}/``
before the state machine starts, so the pipeline reads filings from the object store
whatever their origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledgergraph.batches import FilingRef, raw_package_prefix
from ledgergraph.errors import PermanentError
from ledgergraph.filing_package import PackageInfo, describe_package
from ledgergraph.objectstore import ObjectStore


@dataclass(frozen=True)
class RejectedPackage:
    """A folder that is not a usable filing package, and why."""

    folder: Path
    reason: str
    status: str = "failed"


def find_package_folders(source: Path) -> list[Path]:
    """The package folders under ``source``: its sub-folders, or ``source`` itself.

    A folder with sub-folders is a folder of packages, whatever loose files sit beside them
    (a README, a listing); a folder without sub-folders is one package.
    """
    if not source.is_dir():
        raise PermanentError(f"source is not a folder: {source}")
    folders = sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))
    return folders or [source]


def stage_package(store: ObjectStore, info: PackageInfo) -> FilingRef:
    """Copy one package into the raw store; returns its reference for the state machine."""
    prefix = raw_package_prefix(info.cik, info.source_unit)
    for name in info.files:
        store.put_file(prefix + name, info.folder / name)
    return FilingRef(
        source_unit=info.source_unit,
        cik=info.cik,
        package_prefix=prefix,
        entry_point=info.entry_point,
        form=info.form,
    )


def stage_source_folder(
    store: ObjectStore, source: Path
) -> tuple[list[FilingRef], list[RejectedPackage], dict[str, Path]]:
    """Stage every package under ``source``.

    Returns the filings to run, the folders that are not packages (or repeat a filing
    already given by another folder), and the folder of each filing's source unit.
    """
    filings: list[FilingRef] = []
    rejected: list[RejectedPackage] = []
    folders: dict[str, Path] = {}
    for folder in find_package_folders(source):
        try:
            info = describe_package(folder)
        except PermanentError as exc:
            rejected.append(RejectedPackage(folder, str(exc)))
            continue
        if info.source_unit in folders:
            first = folders[info.source_unit].name
            reason = f"same filing ({info.source_unit}) as folder {first}; not loaded twice"
            rejected.append(RejectedPackage(folder, reason, status="duplicate"))
            continue
        folders[info.source_unit] = folder
        filings.append(stage_package(store, info))
    return filings, rejected, folders
