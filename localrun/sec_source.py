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


def find_package_folders(source: Path) -> list[Path]:
    """Sub-folders of ``source`` that hold files, or ``source`` itself if it holds files."""
    if not source.is_dir():
        raise PermanentError(f"source folder does not exist: {source}")
    if any(p.is_file() and not p.name.startswith(".") for p in source.iterdir()):
        return [source]
    return sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


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
) -> tuple[list[FilingRef], list[RejectedPackage]]:
    """Stage every package under ``source``; folders that are not packages are rejected."""
    filings: list[FilingRef] = []
    rejected: list[RejectedPackage] = []
    for folder in find_package_folders(source):
        try:
            filings.append(stage_package(store, describe_package(folder)))
        except PermanentError as exc:
            rejected.append(RejectedPackage(folder, str(exc)))
    return filings, rejected
