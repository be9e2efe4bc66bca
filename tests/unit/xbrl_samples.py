"""One run of the XBRL task over the bundled filings, shared by the XBRL test modules.

The five sample packages plus a truncated copy of Tesla's instance are staged in a folder
object store and processed as one batch by ``python -m xbrl_task`` in a subprocess, exactly
as the state machine runs the task. The run is cached for the whole test session, so every
filing is loaded by Arelle once.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ledgergraph.batches import Batch, FilingRef, batch_key, raw_package_prefix
from ledgergraph.filing_package import PackageInfo, content_source_unit, describe_package
from ledgergraph.manifest import SourceUnitManifest, manifest_key, table_key
from ledgergraph.objectstore import LocalObjectStore

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SEC = REPO / "sample_data" / "sec"
SAMPLE_NAMES = (
    "ba-10k-2023-12-31",
    "aapl-10k-2023-09-30",
    "aeon-10q-2023-09-30",
    "tsla-10q-2024-06-30",
    "amzn-10k-2022-12-31",
)
BROKEN_FROM = "tsla-10q-2024-06-30"
GRAPH = "sec"
# the arcrole linking a fact to its footnote (XBRL 2.1)
FACT_FOOTNOTE = "http://www.xbrl.org/2003/arcrole/fact-footnote"


@dataclass
class BatchRun:
    """The outcome of the shared batch run."""

    root: Path
    store: LocalObjectStore
    batch: Batch
    exit_code: int
    stdout: str
    stderr: str
    units: dict[str, str]
    broken_unit: str
    broken_entry: str

    def manifest(self, name: str) -> SourceUnitManifest:
        data = self.store.get_bytes(manifest_key(GRAPH, self.units[name]))
        return SourceUnitManifest.model_validate_json(data)

    def table(self, name: str, table: str) -> pa.Table:
        return pq.read_table(self.store.path(table_key(GRAPH, self.units[name], table)))

    def log_lines(self) -> list[dict]:
        """The task's JSON log lines (task mode logs to stdout, like a container)."""
        return [json.loads(line) for line in self.stdout.splitlines() if line.startswith("{")]


def stage_package(store: LocalObjectStore, info: PackageInfo) -> FilingRef:
    """Copy a package folder under its raw prefix and describe it as a batch entry."""
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


def truncated_copy(folder: Path, target: Path) -> Path:
    """A copy of a package without its sidecar whose instance stops halfway."""
    shutil.copytree(folder, target, ignore=shutil.ignore_patterns("filing.json"))
    instance = next(target.glob("*_htm.xml"))
    data = instance.read_bytes()
    instance.write_bytes(data[: len(data) // 2])
    return target


@functools.cache
def sample_batch_run() -> BatchRun:
    root = Path(tempfile.mkdtemp(prefix="ledgergraph-xbrl-tests-"))
    atexit.register(shutil.rmtree, root, True)
    store = LocalObjectStore(root / "store")
    infos = {name: describe_package(SAMPLE_SEC / name) for name in SAMPLE_NAMES}
    refs = [stage_package(store, info) for info in infos.values()]
    broken = describe_package(truncated_copy(SAMPLE_SEC / BROKEN_FROM, root / "broken"))
    assert broken.source_unit == content_source_unit(broken.entry_path)
    # the broken filing sits in the middle: the filings after it must still be processed
    batch = Batch(graph_id=GRAPH, run_id="unit-test", index=0, filings=refs)
    batch.filings.insert(2, stage_package(store, broken))
    key = batch_key(GRAPH, batch.run_id, batch.index)
    store.put_bytes(key, batch.model_dump_json().encode())
    completed = run_task(root, store, key)
    return BatchRun(
        root=root,
        store=store,
        batch=batch,
        exit_code=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        units={name: info.source_unit for name, info in infos.items()},
        broken_unit=broken.source_unit,
        broken_entry=broken.entry_point,
    )


def run_task(root: Path, store: LocalObjectStore, key: str | None) -> subprocess.CompletedProcess:
    """``python -m xbrl_task`` as the state machine starts it: settings in the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    env.update(
        LEDGERGRAPH_HOME=str(root),
        LEDGERGRAPH_STORE_URI=store.base_uri,
        LEDGERGRAPH_CORRELATION_ID="unit-test-correlation",
    )
    if key is not None:
        env["LEDGERGRAPH_BATCH_KEY"] = key
    return subprocess.run(
        [sys.executable, "-m", "xbrl_task"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@dataclass
class HandmadeRun:
    """The hand-made filings (``xbrl_handmade``) processed in this test process."""

    root: Path
    store: LocalObjectStore
    packages: dict[str, Path]
    units: dict[str, str]
    statuses: dict[str, str]

    def manifest(self, name: str) -> SourceUnitManifest:
        data = self.store.get_bytes(manifest_key(GRAPH, self.units[name]))
        return SourceUnitManifest.model_validate_json(data)

    def rows(self, name: str, table: str) -> list[dict]:
        path = self.store.path(table_key(GRAPH, self.units[name], table))
        return pq.read_table(path).to_pylist()

    def facts(self, name: str) -> dict[str, dict]:
        """Fact rows by their id attribute in the document."""
        return {f["fact_xml_id"]: f for f in self.rows(name, "Fact")}


def process_bundled(out: Path, packages: tuple[str, ...]) -> Path:
    """The named bundled packages processed by ``python -m xbrl_task --out out``, one
    batch in a subprocess as the task runs; ``out`` is then an object store folder."""
    argv = [sys.executable, "-m", "xbrl_task", "--out", str(out)]
    for package in packages:
        argv += ["--package", str(SAMPLE_SEC / package)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr[-1500:]
    return out


def process_packages(
    packages: dict[str, Path], store: LocalObjectStore, logger_name: str
) -> dict[str, Any]:
    """Each package through one loader, as the XBRL task's worker runs a batch; the
    outcomes (``source_unit``, ``status``) by name."""
    from ledgergraph.logs import get_logger
    from xbrl_task.__main__ import open_loader, process_folder
    from xbrl_task.processing import FilingProcessor
    from xbrl_task.settings import XbrlTaskSettings

    logger = get_logger(logger_name)
    logger.setLevel("ERROR")
    loader = open_loader([], XbrlTaskSettings())
    try:
        processor = FilingProcessor(loader, store, GRAPH, logger)
        return {name: process_folder(processor, p) for name, p in packages.items()}
    finally:
        loader.close()


AEON, AEON_DOCUMENT = "aeon-10q-2023-09-30", "aeon-20230930x10q.htm"
TESLA, TESLA_INSTANCE = "tsla-10q-2024-06-30", "tsla-20240630_htm.xml"


def edited_copy(package: str, target: Path, document: str, old: str, new: str) -> Path:
    """A copy at ``target`` of the bundled ``package`` whose ``document`` has ``old``
    (found there once) replaced by ``new``; ``old`` empty: the copy unedited."""
    return copy_with_edits(package, target, document, *([(old, new)] if old else []))


def copy_with_edits(package: str, target: Path, document: str, *edits: tuple[str, str]) -> Path:
    """A copy at ``target`` of the bundled ``package`` with each ``(old, new)`` made in turn
    in its ``document`` (``old`` found there once)."""
    shutil.copytree(SAMPLE_SEC / package, target)
    if edits:
        path = target / document
        text = path.read_text(encoding="utf-8")
        for old, new in edits:
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return target


APPLE = "aapl-10k-2023-09-30"
# the 2023 standard schemas Apple imports, and the 2025 ones the bundled cache lacks
MOVED_TO_2025 = {
    f"https://xbrl.{host}/{name}/2023/{path}{name}-2023.xsd": (
        f"https://xbrl.{host}/{name}/2025/{path}{name}-2025.xsd"
    )
    for host, name, path in (
        ("fasb.org", "us-gaap", "elts/"),
        ("fasb.org", "srt", "elts/"),
        ("sec.gov", "dei", ""),
    )
}


def apple_of_2025(target: Path) -> Path:
    """A copy at ``target`` of Apple's 10-K referring to us-gaap, srt and dei of 2025
    instead of 2023 (the bundled cache has 2022 to 2024), in its schema's imports and in
    its linkbases' locators alike (they load a schema too)."""
    shutil.copytree(SAMPLE_SEC / APPLE, target)
    moved = dict.fromkeys(MOVED_TO_2025, 0)
    for path in sorted(target.glob("aapl-20230930*")):
        text = path.read_text(encoding="utf-8")
        for old, new in MOVED_TO_2025.items():
            moved[old] += text.count(old)
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    assert all(moved.values()), moved
    return target


def apple_of_2025_unnumbered(target: Path) -> Path:
    """``apple_of_2025`` without its accession number: a source unit of its own (the hash
    of its instance), so it loads beside the real 10-K."""
    apple_of_2025(target)
    _drop_accession(target)
    return target


def _drop_accession(package: Path) -> None:
    """Delete the accession number from ``package``'s filing.json: the package is then a
    source unit of its own (the hash of its instance)."""
    sidecar = package / "filing.json"
    meta = json.loads(sidecar.read_text(encoding="utf-8"))
    del meta["accession_number"]
    sidecar.write_text(json.dumps(meta), encoding="utf-8")


DEI_2023 = "https://xbrl.sec.gov/dei/2023/dei-2023.xsd"
DEI_2023_ELSEWHERE = "https://xbrl.sec.gov/dei/2023/dei-2023-not-cached.xsd"


def apple_without_dei(target: Path) -> Path:
    """A copy at ``target`` of Apple's 10-K locating dei 2023's schema where the bundled
    cache has nothing (its imports and its linkbases' locators alike), as a filing loaded
    with a cache lacking the schema would, under a source unit of its own (no accession
    number): the namespace stays ``http://xbrl.sec.gov/dei/2023``."""
    shutil.copytree(SAMPLE_SEC / APPLE, target)
    moved = 0
    for path in sorted(target.glob("aapl-20230930*")):
        text = path.read_text(encoding="utf-8")
        moved += text.count(DEI_2023)
        path.write_text(text.replace(DEI_2023, DEI_2023_ELSEWHERE), encoding="utf-8")
    assert moved, f"{APPLE} does not locate {DEI_2023}"
    _drop_accession(target)
    return target


def copy_of(package: str) -> Callable[[Path], Path]:
    """An editor for ``run_edited``: the bundled ``package`` copied unchanged."""
    return lambda target: Path(shutil.copytree(SAMPLE_SEC / package, target))


TESLA_ENTITY = (
    '<entity><identifier scheme="http://www.sec.gov/CIK">0001318605</identifier></entity>'
)


def tesla_with_periods(
    target: Path, contexts: dict[str, tuple[str, str, str, str]], decimals: str
) -> Path:
    """A copy at ``target`` of Tesla's 10-Q with, for each ``{context id: (period markup,
    us-gaap concept, fact id, value)}``, a context of Tesla in that period and a USD fact
    of the concept in it, added before the instance's end."""
    lines = []
    for cid, (period, concept, fid, value) in contexts.items():
        lines.append(f'<context id="{cid}">{TESLA_ENTITY}<period>{period}</period></context>')
        lines.append(
            f'<us-gaap:{concept} contextRef="{cid}" decimals="{decimals}" id="{fid}" '
            f'unitRef="usd">{value}</us-gaap:{concept}>'
        )
    added = "\n".join(lines)
    return edited_copy(TESLA, target, TESLA_INSTANCE, "</xbrl>", f"{added}\n</xbrl>")


def add_contexts_and_facts(instance: Path, contexts: str, facts: str) -> None:
    """Add ``contexts`` before the classic ``instance``'s context ``c-1`` and ``facts``
    before its end (Apple's 10-K: the first context, one ``</xbrl>``)."""
    text = instance.read_text(encoding="utf-8")
    assert text.count('<context id="c-1">') == 1 and text.count("</xbrl>") == 1
    text = text.replace('<context id="c-1">', f'{contexts}<context id="c-1">')
    instance.write_text(text.replace("</xbrl>", f"{facts}</xbrl>"), encoding="utf-8")


@dataclass
class EditedRun:
    """Edited copies of bundled packages processed as one batch: each one's outputs by the
    name the test gave it."""

    store: LocalObjectStore
    units: dict[str, str]  # name -> source unit
    statuses: dict[str, str]  # name -> processed / failed

    def rows(self, name: str, table: str) -> list[dict[str, Any]]:
        return pq.read_table(self.store.path(table_key(GRAPH, self.units[name], table))).to_pylist()

    def facts(self, name: str) -> dict[str, dict[str, Any]]:
        """The Fact rows by their id in the document."""
        return {f["fact_xml_id"]: f for f in self.rows(name, "Fact")}

    def manifest(self, name: str) -> SourceUnitManifest:
        data = self.store.get_bytes(manifest_key(GRAPH, self.units[name]))
        return SourceUnitManifest.model_validate_json(data)


def run_edited(root: Path, editors: dict[str, Any], logger_name: str) -> EditedRun:
    """Each ``editors[name](folder)`` writes its edited package into ``root/source/name``;
    all are processed by one loader into the store at ``root/store``."""
    packages = {name: edit(root / "source" / name) for name, edit in editors.items()}
    store = LocalObjectStore(root / "store")
    outcomes = process_packages(packages, store, logger_name)
    units = {name: o.source_unit for name, o in outcomes.items()}
    return EditedRun(store, units, {name: o.status for name, o in outcomes.items()})


@functools.cache
def handmade_run() -> HandmadeRun:
    """The hand-made filings (``xbrl_handmade``), each loaded once by one loader."""
    from xbrl_handmade import write_classic, write_empty, write_formats, write_inline

    root = Path(tempfile.mkdtemp(prefix="ledgergraph-handmade-"))
    atexit.register(shutil.rmtree, root, True)
    source = root / "source"
    packages = {
        "classic": write_classic(source),
        "amended": write_classic(source, amended=True),
        "inline": write_inline(source),
        "formats": write_formats(source),
        "empty": write_empty(source),
    }
    store = LocalObjectStore(root / "store")
    outcomes = process_packages(packages, store, "xbrl_handmade")
    units = {name: o.source_unit for name, o in outcomes.items()}
    statuses = {name: o.status for name, o in outcomes.items()}
    return HandmadeRun(root, store, packages, units, statuses)


def load_and_verify(source: Path, home: Path) -> Any:
    """The filing packages under ``source`` loaded into a graph in ``home`` by ``sec run``,
    then ``verify``'s check of the one filing (a ``FilingCheck``)."""
    from localrun.graph_access import open_reader
    from localrun.sec_run import run_sec_from_folder
    from xbrl_task.taxonomy_cache import prepare_cache
    from xbrl_task.verify import verify_graph

    summary = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=4)
    assert summary["ok"], summary
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        with open_reader(home=home, endpoint=None, api_key=None) as reader:
            report = verify_graph(reader, "sec", store_root=home / "store", cache=cache)
    finally:
        cache.close()
    [check] = report.filings
    return check
