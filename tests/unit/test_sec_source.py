"""Local packages into the raw store: the stored package is exactly the one given, and a
changed package of a filing already in the graph is refused before anything is written."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from graph_node.models import FileSpec
from graph_node.registry import (
    DELETED_BY_REQUEST,
    files_of_unit,
    mark_deleted,
    register_file,
)
from graph_node.staging_db import StagingDB
from ledgergraph.objectstore import LocalObjectStore
from localrun.errors import NoFilingPackage
from localrun.loaded_units import read_loaded_units
from localrun.sec_source import find_package_folders, stage_source_folder

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
APPLE = "0000320193-23-000106"
APPLE_RAW = f"raw/sec/320193/{APPLE}/"
APPLE_FILES = [
    "aapl-20230930.xsd",
    "aapl-20230930_cal.xml",
    "aapl-20230930_def.xml",
    "aapl-20230930_htm.xml",
    "aapl-20230930_lab.xml",
    "aapl-20230930_pre.xml",
    "filing.json",
]
REVENUE = b">383285000000<"


def _apple(source: Path) -> Path:
    """A copy of Apple's FY2023 10-K package in ``source``."""
    package = source / "aapl-10k-2023-09-30"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", package)
    return package


def _stored(store: LocalObjectStore) -> dict[str, str]:
    """File name -> sha256 of Apple's package in the raw store."""
    return {
        key.removeprefix(APPLE_RAW): _sha256(store.path(key).read_bytes())
        for key in store.list_keys(APPLE_RAW)
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _inodes(store: LocalObjectStore) -> dict[str, int]:
    return {key: store.path(key).stat().st_ino for key in store.list_keys(APPLE_RAW)}


def _change_revenue(package: Path) -> None:
    """Apple's FY2023 revenue (3 facts in context c-1) one dollar higher."""
    instance = package / "aapl-20230930_htm.xml"
    data = instance.read_bytes()
    assert data.count(REVENUE) == 3
    instance.write_bytes(data.replace(REVENUE, b">383285000001<"))


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "home" / "store")


def test_the_same_package_again_writes_nothing(tmp_path: Path, store) -> None:
    package = _apple(tmp_path / "source")
    filings, rejected, _ = stage_source_folder(store, tmp_path / "source")
    assert [f.source_unit for f in filings] == [APPLE] and not rejected
    assert sorted(_stored(store)) == APPLE_FILES
    inodes = _inodes(store)

    filings, rejected, folders = stage_source_folder(
        store, tmp_path / "source", loaded_of=lambda units: set(units)
    )

    assert [f.entry_point for f in filings] == ["aapl-20230930_htm.xml"] and not rejected
    assert folders == {APPLE: package}
    assert _inodes(store) == inodes


def test_a_file_removed_from_the_package_leaves_the_raw_store(tmp_path, store) -> None:
    package = _apple(tmp_path / "source")
    stage_source_folder(store, tmp_path / "source")
    (package / "aapl-20230930_cal.xml").unlink()
    (package / "aapl-20230930_lab.xml").write_bytes(b"<changed/>")

    filings, rejected, _ = stage_source_folder(store, tmp_path / "source")

    assert [f.source_unit for f in filings] == [APPLE] and not rejected
    stored = _stored(store)
    assert sorted(stored) == [n for n in APPLE_FILES if n != "aapl-20230930_cal.xml"]
    assert stored["aapl-20230930_lab.xml"] == _sha256(b"<changed/>")


def test_a_changed_package_of_a_loaded_filing_is_refused(tmp_path, store) -> None:
    package = _apple(tmp_path / "source")
    stage_source_folder(store, tmp_path / "source")
    before = _stored(store)
    _change_revenue(package)
    (package / "aapl-20230930_cal.xml").unlink()

    filings, rejected, folders = stage_source_folder(
        store,
        tmp_path / "source",
        loaded_of=lambda units: {APPLE: {"Fact": "sha256:..."}},
        delete_command="ledgergraph delete-source --home /h",
    )

    assert filings == [] and folders == {}
    assert _stored(store) == before
    [refused] = rejected
    assert (refused.source_unit, refused.status) == (APPLE, "failed")
    assert refused.error_type == "PackageConflict"
    assert refused.reason == (
        f"filing {APPLE} is already loaded from another package (changed "
        "aapl-20230930_htm.xml; no longer has aapl-20230930_cal.xml); "
        "nothing was changed. "
        f"To load this package instead: ledgergraph delete-source --home /h {APPLE}, "
        "then run again"
    )


def test_the_download_record_is_not_part_of_the_package(tmp_path: Path, store) -> None:
    _apple(tmp_path / "source")
    stage_source_folder(store, tmp_path / "source")
    record = b'{"entry_point": "aapl-20230930_htm.xml"}'
    store.put_bytes(APPLE_RAW + "download.json", record)

    filings, rejected, _ = stage_source_folder(
        store, tmp_path / "source", loaded_of=lambda units: set(units)
    )

    assert [f.source_unit for f in filings] == [APPLE] and not rejected
    assert sorted(_stored(store)) == sorted([*APPLE_FILES, "download.json"])


def _checksum(table: str, unit: str) -> str:
    return "sha256:" + hashlib.sha256(f"{unit}/{table}".encode()).hexdigest()


def _spec(table: str, unit: str) -> FileSpec:
    uri = f"file:///store/processed/sec/{unit}/{table}.parquet"
    checksum = _checksum(table, unit)
    return FileSpec(
        table=table,
        uri=uri,
        source_unit=unit,
        row_count=1,
        checksum=checksum,
    )


def test_loaded_units_are_those_with_live_files_in_the_registry(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert read_loaded_units(home, "sec", [APPLE]) == {}
    (home / "graphs" / "sec").mkdir(parents=True)
    db = StagingDB(home / "graphs" / "sec" / "staging.duckdb", read_only=False)
    boeing = "0000012927-24-000010"
    with db.transaction() as cur:
        register_file(cur, "sec", _spec("Fact", APPLE))
        register_file(cur, "sec", _spec("Report", APPLE))
        register_file(cur, "sec", _spec("Fact", boeing))
        mark_deleted(cur, [r.file_id for r in files_of_unit(cur, boeing)], by=DELETED_BY_REQUEST)
    db.close()

    loaded = read_loaded_units(home, "sec", [APPLE, boeing, "0001018724-23-000004"])

    tables = ("Fact", "Report")
    assert loaded == {APPLE: {table: _checksum(table, APPLE) for table in tables}}


def test_an_empty_source_folder_is_no_package_not_a_failed_one(tmp_path: Path, store) -> None:
    source = tmp_path / "empty"
    source.mkdir()

    with pytest.raises(NoFilingPackage, match=f"source folder {source} holds no filing package"):
        stage_source_folder(store, source)
    assert list(store.list_keys("raw/")) == []


def test_notes_and_empty_folders_are_no_package(tmp_path: Path) -> None:
    source = tmp_path / "source"
    (source / "not-yet-downloaded").mkdir(parents=True)
    (source / "README.md").write_text("filings go in sub-folders\n")

    with pytest.raises(NoFilingPackage, match="holds no filing package"):
        find_package_folders(source)


def test_a_real_package_beside_an_empty_folder_is_still_found(tmp_path: Path) -> None:
    source = tmp_path / "source"
    package = _apple(source)
    (source / "empty").mkdir()

    assert find_package_folders(source) == [package, source / "empty"]


def _apple_twice(source: Path, *, change_second: bool) -> tuple[Path, Path]:
    """Two folders of Apple's package, ``a1`` and ``a2`` (its revenue maybe changed)."""
    first, second = source / "a1", source / "a2"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", first)
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", second)
    if change_second:
        _change_revenue(second)
    return first, second


def test_a_second_folder_of_the_same_files_is_a_duplicate(tmp_path, store) -> None:
    first, second = _apple_twice(tmp_path / "source", change_second=False)
    # two downloads of one filing differ in their download record alone: still the same
    (first / "download.json").write_text('{"completed_at": "2024-01-02T03:04:05+00:00"}')

    filings, rejected, folders = stage_source_folder(store, tmp_path / "source")

    assert [f.source_unit for f in filings] == [APPLE] and folders == {APPLE: first}
    [duplicate] = rejected
    assert (duplicate.folder, duplicate.status, duplicate.kept_unit) == (second, "duplicate", None)
    assert duplicate.reason == (
        f"same filing ({APPLE}) and the same files as folder a1; not loaded twice"
    )


def test_two_folders_of_one_filing_with_other_files_both_fail(tmp_path, store) -> None:
    first, second = _apple_twice(tmp_path / "source", change_second=True)

    filings, rejected, folders = stage_source_folder(store, tmp_path / "source")

    assert filings == [] and folders == {}
    assert list(store.list_keys("raw/")) == []  # nothing written
    assert [(r.folder, r.status, r.error_type, r.source_unit) for r in rejected] == [
        (first, "failed", "PackageConflict", APPLE),
        (second, "failed", "PackageConflict", APPLE),
    ]
    assert rejected[1].reason == (
        f"folders a2 and a1 both give filing {APPLE}, with other files "
        "(aapl-20230930_htm.xml differs); no folder of it was run and nothing was "
        "written. Leave only the package to load in the source folder, then run again"
    )
    assert rejected[0].reason.startswith(f"folders a1 and a2 both give filing {APPLE}, ")
    assert {r.kept_unit for r in rejected} == {None}  # the graph holds nothing of it


def test_a_file_only_one_folder_has_is_named_as_the_difference(tmp_path, store) -> None:
    first, second = _apple_twice(tmp_path / "source", change_second=False)
    (first / "aapl-20230930_cal.xml").unlink()

    _, rejected, _ = stage_source_folder(store, tmp_path / "source")

    assert [r.reason.split("(")[1].split(")")[0] for r in rejected] == [
        "aapl-20230930_cal.xml only in a2", "aapl-20230930_cal.xml only in a2"
    ]  # fmt: skip


def test_of_two_folders_of_a_loaded_filing_the_stored_package_runs(tmp_path, store) -> None:
    first, second = _apple_twice(tmp_path / "source", change_second=True)
    stage_source_folder(store, tmp_path / "source" / "a1")  # loaded from a1 earlier
    before = _stored(store)
    shutil.copytree(first, tmp_path / "source" / "a3")  # a1 again

    filings, rejected, folders = stage_source_folder(
        store, tmp_path / "source", loaded_of=lambda units: {APPLE: {"Fact": "sha256:..."}}
    )

    assert [f.source_unit for f in filings] == [APPLE] and folders == {APPLE: first}
    assert _stored(store) == before
    refused, duplicate = rejected  # in folder order: a2, a3
    assert (refused.folder, refused.error_type, refused.kept_unit) == (
        second, "PackageConflict", APPLE
    )  # fmt: skip
    assert refused.reason.startswith(
        f"filing {APPLE} is already loaded from another package (changed "
        "aapl-20230930_htm.xml); nothing was changed."
    )
    assert (duplicate.folder, duplicate.status) == (tmp_path / "source" / "a3", "duplicate")


def _record(folder: Path, completed_at: str) -> bytes:
    """Write a download record of Apple's filing, as the EDGAR download step writes one."""
    record = (
        f'{{"accession_number": "{APPLE}", "cik": 320193, "source": "files", '
        f'"entry_point": "aapl-20230930_htm.xml", "completed_at": "{completed_at}"}}'
    ).encode()
    (folder / "download.json").write_bytes(record)
    return record


def test_a_later_download_of_a_loaded_filing_runs_its_stored_package(tmp_path, store) -> None:
    first = _apple(tmp_path / "run1")
    stored = _record(first, "2024-01-02T03:04:05+00:00")
    stage_source_folder(store, tmp_path / "run1")
    inodes = _inodes(store)
    again = _apple(tmp_path / "run2")
    _record(again, "2024-03-04T05:06:07+00:00")  # the same files, downloaded later

    filings, rejected, folders = stage_source_folder(
        store, tmp_path / "run2", loaded_of=lambda units: {APPLE: {"Fact": "sha256:..."}}
    )

    assert [f.source_unit for f in filings] == [APPLE] and not rejected
    assert folders == {APPLE: again}
    assert _inodes(store) == inodes  # the package as loaded, its first record kept
    assert store.path(APPLE_RAW + "download.json").read_bytes() == stored


def test_a_later_download_of_a_filing_not_loaded_replaces_the_record(tmp_path, store) -> None:
    first = _apple(tmp_path / "run1")
    _record(first, "2024-01-02T03:04:05+00:00")
    stage_source_folder(store, tmp_path / "run1")
    again = _apple(tmp_path / "run2")
    later = _record(again, "2024-03-04T05:06:07+00:00")

    filings, rejected, _ = stage_source_folder(store, tmp_path / "run2")

    assert [f.source_unit for f in filings] == [APPLE] and not rejected
    assert store.path(APPLE_RAW + "download.json").read_bytes() == later


def test_of_two_downloads_of_a_loaded_filing_the_stored_one_runs(tmp_path, store) -> None:
    source = tmp_path / "source"
    first, second = _apple_twice(source, change_second=False)
    stored = _record(second, "2024-01-02T03:04:05+00:00")
    stage_source_folder(store, source / "a2")  # loaded from a2 earlier
    _record(first, "2024-03-04T05:06:07+00:00")  # a1: the same files, downloaded later
    changed = source / "a3"
    shutil.copytree(second, changed)
    _change_revenue(changed)

    filings, rejected, folders = stage_source_folder(
        store, source, loaded_of=lambda units: {APPLE: {"Fact": "sha256:..."}}
    )

    assert [f.source_unit for f in filings] == [APPLE] and folders == {APPLE: second}
    assert store.path(APPLE_RAW + "download.json").read_bytes() == stored
    duplicate, refused = rejected  # in folder order: a1, a3
    assert (duplicate.folder, duplicate.status) == (first, "duplicate")
    assert duplicate.reason == (
        f"same filing ({APPLE}) and the same files as folder a2; not loaded twice"
    )
    assert (refused.folder, refused.error_type, refused.kept_unit) == (
        changed, "PackageConflict", APPLE
    )  # fmt: skip
    assert refused.reason.startswith(
        f"filing {APPLE} is already loaded from another package (changed "
        "aapl-20230930_htm.xml); nothing was changed."
    )
