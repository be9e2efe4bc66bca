"""The XBRL task as a batch worker: bad filings recorded, the batch goes on, exit codes."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from xbrl_samples import (
    GRAPH,
    REPO,
    SAMPLE_NAMES,
    SAMPLE_SEC,
    BatchRun,
    run_task,
    sample_batch_run,
)

from ledgergraph.batches import FilingRef
from ledgergraph.errors import ObjectNotFound
from ledgergraph.graph_schema import TABLES
from ledgergraph.logs import get_logger
from ledgergraph.manifest import SourceUnitError, error_key, manifest_key, table_key
from ledgergraph.objectstore import LocalObjectStore
from xbrl_task.errors import FilingNotLoadable, XbrlTaskConfigError
from xbrl_task.packages import staged_package
from xbrl_task.processing import FilingJob, FilingOutcome, FilingProcessor
from xbrl_task.settings import XbrlTaskSettings
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.worker import process_ref, run_batch


@pytest.fixture(scope="session")
def run() -> BatchRun:
    return sample_batch_run()


def test_a_batch_with_a_truncated_filing_still_exits_zero(run: BatchRun) -> None:
    assert run.exit_code == 0, run.stderr


def test_the_truncated_filing_gets_an_error_record_naming_it(run: BatchRun) -> None:
    assert not run.store.exists(manifest_key(GRAPH, run.broken_unit))
    record = SourceUnitError.model_validate_json(
        run.store.get_bytes(error_key(GRAPH, run.broken_unit))
    )
    assert record.source_unit == run.broken_unit
    assert record.error_type == "FilingNotLoadable"
    assert run.broken_unit in record.message and run.broken_entry in record.message
    assert "not well-formed XML" in record.message


def test_every_other_filing_gets_a_manifest_and_no_error(run: BatchRun) -> None:
    for name in SAMPLE_NAMES:
        unit = run.units[name]
        assert run.store.exists(manifest_key(GRAPH, unit)), name
        assert not run.store.exists(error_key(GRAPH, unit)), name


def test_the_batch_logs_one_summary_with_the_correlation_id(run: BatchRun) -> None:
    summaries = [line for line in run.log_lines() if line["message"] == "batch processed"]
    assert len(summaries) == 1
    assert (summaries[0]["processed"], summaries[0]["failed"]) == (5, 1)
    assert summaries[0]["correlation_id"] == "unit-test-correlation"


def test_a_missing_batch_object_exits_non_zero(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    completed = run_task(tmp_path, store, "work/sec/nothing/batch-0000.json")
    assert completed.returncode == 1
    assert "batch work/sec/nothing/batch-0000.json not found" in completed.stdout


def test_no_batch_key_is_a_configuration_error(tmp_path: Path) -> None:
    completed = run_task(tmp_path, LocalObjectStore(tmp_path / "store"), None)
    assert completed.returncode == 2
    assert "LEDGERGRAPH_BATCH_KEY" in completed.stdout


def test_a_missing_package_replaces_a_stale_manifest_with_an_error(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path)
    unit = "0000000001-24-000001"
    store.put_bytes(manifest_key(GRAPH, unit), b"{}")
    ref = FilingRef(
        source_unit=unit,
        cik=1,
        package_prefix=f"raw/sec/1/{unit}/",
        entry_point="x_htm.xml",
    )
    logger = get_logger("xbrl_task_test")
    logger.setLevel("CRITICAL")
    processor = FilingProcessor(loader=None, store=store, graph_id=GRAPH, logger=logger)
    outcome = process_ref(processor, ref)
    assert outcome.status == "failed"
    assert not store.exists(manifest_key(GRAPH, unit))
    assert unit in json.loads(store.get_bytes(error_key(GRAPH, unit)))["message"]


def test_an_exiting_batch_frees_every_filing_but_the_last(
    run: BatchRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, bool]] = []

    def record(self: FilingProcessor, job: FilingJob, *, free_after: bool = True) -> FilingOutcome:
        seen.append((job.source_unit, free_after))
        return FilingOutcome(job.source_unit, "processed", "", 0)

    monkeypatch.setattr(FilingProcessor, "process", record)
    logger = get_logger("xbrl_task_test")
    logger.setLevel("CRITICAL")
    units = [ref.source_unit for ref in run.batch.filings]
    for free_last in (True, False):
        seen.clear()
        run_batch(run.batch, store=run.store, loader=None, logger=logger, free_last=free_last)
        assert seen == [(unit, free_last or unit != units[-1]) for unit in units]


def test_a_filing_left_unfreed_is_written_alike_and_no_model_is_closed(
    run: BatchRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from arelle.ModelXbrl import ModelXbrl

    from xbrl_task.__main__ import open_loader, process_folder

    closed: list[object] = []
    real_close = ModelXbrl.close
    monkeypatch.setattr(ModelXbrl, "close", lambda model: closed.append(model) or real_close(model))
    collections: list[tuple] = []
    real_collect = gc.collect
    monkeypatch.setattr(gc, "collect", lambda *a: collections.append(a) or real_collect(*a))

    name = "aapl-10k-2023-09-30"  # freed in the batch run: not its last filing
    store = LocalObjectStore(tmp_path)
    loader = open_loader([], XbrlTaskSettings())
    try:
        processor = FilingProcessor(loader, store, GRAPH, logger=get_logger("xbrl_task_test"))
        outcome = process_folder(processor, SAMPLE_SEC / name, free_after=False)
        models_left = loader._session.get_models()
    finally:
        loader.close()

    assert outcome.status == "processed" and outcome.facts.extracted == 1060
    assert (closed, collections, models_left) == ([], [], [])
    assert gc.isenabled()
    unit = run.units[name]
    for table in TABLES:
        key = table_key(GRAPH, unit, table)
        assert store.get_bytes(key) == run.store.get_bytes(key), table


class MemoryStore:
    """A non-folder object store, standing in for S3 (same protocol, no network)."""

    base_uri = "mem://bucket"

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects

    def uri(self, key: str) -> str:
        return f"{self.base_uri}/{key}"

    def get_bytes(self, key: str) -> bytes:
        if key not in self.objects:
            raise ObjectNotFound(key)
        return self.objects[key]

    def list_keys(self, prefix: str) -> Iterator[str]:
        yield from sorted(k for k in self.objects if k.startswith(prefix))


def test_a_remote_package_is_downloaded_to_a_temporary_folder() -> None:
    store = MemoryStore({"raw/sec/1/u/a_htm.xml": b"<a/>", "raw/sec/1/u/b.xsd": b"<b/>"})
    with staged_package(store, "raw/sec/1/u/", unit="u") as folder:
        assert sorted(p.name for p in folder.iterdir()) == ["a_htm.xml", "b.xsd"]
        assert (folder / "a_htm.xml").read_bytes() == b"<a/>"
    assert not folder.exists()


def test_a_remote_key_leaving_the_package_folder_is_refused() -> None:
    store = MemoryStore({"raw/sec/1/u/../../../../escape.xml": b"<a/>"})
    with (
        pytest.raises(FilingNotLoadable, match="leaves its folder"),
        staged_package(store, "raw/sec/1/u/", unit="u"),
    ):
        pass


def test_extra_taxonomy_caches_are_searched_before_the_bundled_one(
    tmp_path: Path,
) -> None:
    bundled, extra = tmp_path / "bundled", tmp_path / "extra"
    for root, text in ((bundled, "bundled"), (extra, "extra")):
        (root / "https" / "host").mkdir(parents=True)
        (root / "https" / "host" / "both.xsd").write_text(text)
    (bundled / "https" / "host" / "bundled-only.xsd").write_text("bundled")
    cache = prepare_cache([extra], bundled)
    try:
        overlay = cache.cache_dir / "https" / "host"
        assert (overlay / "both.xsd").read_text() == "extra"
        assert (overlay / "bundled-only.xsd").read_text() == "bundled"
    finally:
        cache.close()
    assert not cache.cache_dir.exists()


def test_taxonomy_package_zips_go_to_arelle_as_packages(tmp_path: Path) -> None:
    package = tmp_path / "ecd-2023.zip"
    package.write_bytes(b"PK")
    cache = prepare_cache([package], tmp_path)
    assert cache.packages == (package.resolve(),)
    assert cache.cache_dir == tmp_path.resolve()


def test_a_missing_taxonomy_cache_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(XbrlTaskConfigError, match="nowhere"):
        prepare_cache([tmp_path / "nowhere"], tmp_path)


def test_the_taxonomy_cache_setting_is_a_path_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_TAXONOMY_CACHE", f"/opt/a{os.pathsep}/opt/b.zip")
    monkeypatch.setenv("LEDGERGRAPH_HOME", "/srv/lg")
    monkeypatch.delenv("LEDGERGRAPH_STORE_URI", raising=False)
    settings = XbrlTaskSettings()
    assert settings.taxonomy_cache == [Path("/opt/a"), Path("/opt/b.zip")]
    assert settings.resolved_store_uri() == "file:///srv/lg/store"
    assert settings.bundled_taxonomy_cache == REPO / "sample_data" / "taxonomies" / "cache"
    assert all(f.description for f in XbrlTaskSettings.model_fields.values())


def test_standard_schema_reuse_is_on_unless_the_setting_turns_it_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEDGERGRAPH_REUSE_STANDARD_TAXONOMIES", raising=False)
    assert XbrlTaskSettings().reuse_standard_taxonomies is True
    monkeypatch.setenv("LEDGERGRAPH_REUSE_STANDARD_TAXONOMIES", "false")
    assert XbrlTaskSettings().reuse_standard_taxonomies is False


def test_the_cli_reports_an_unusable_folder_and_exits_zero(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "xbrl_task",
            "--package",
            str(empty),
            "--out",
            str(tmp_path),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)
    assert summary["status"] == "failed" and str(empty) in summary["error"]
