"""Publishing snapshots and booting replicas from them (in-process; the HTTP and
subprocess paths are in tests/integration/test_graph_replicas.py)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    amazon_facts,
    boeing_facts,
    file_entry,
    filing_files,
    load_case_filing,
)

from graph_node.errors import FileInvalid, ReadOnlyNode, SnapshotInvalid
from graph_node.replica import fetch_latest
from graph_node.replica_staging import HIDDEN
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.events import EVENTS_FILE, read_events
from ledgergraph.manifest import sha256_of
from ledgergraph.objectstore import LocalObjectStore

_REPLACE = os.replace
REVENUE_2023 = (
    "MATCH (f:Fact)-[:FACT_HAS_PERIOD]->(p:Period {id: '2023-01-01..2023-12-31'}) "
    "WHERE f.concept = 'us-gaap:Revenues' RETURN f.value_decimal"
)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """A node over Boeing's hand-made filing that published one snapshot."""
    root = tmp_path_factory.mktemp("publish")
    node = GraphService(NodeSettings(home=root, events="jsonl"))
    try:
        load_case_filing(node, root / "store", BOEING_10K, boeing_facts())
        yield root, node.publish("sec")
    finally:
        node.close()


def test_publish_writes_files_manifest_latest_and_an_event(published: tuple[Path, dict]) -> None:
    root, answer = published
    store = LocalObjectStore(root / "store")
    prefix = f"published/sec/{answer['snapshot_id']}/"

    manifest = json.loads(store.get_bytes(answer["manifest_key"]))
    latest = json.loads(store.get_bytes("published/sec/LATEST"))
    [event] = read_events(root / EVENTS_FILE)[0]

    assert set(answer) == {"snapshot_id", "manifest_key", "tables", "snapshots_removed"}
    assert answer["snapshots_removed"] == []
    assert answer["manifest_key"] == prefix + "manifest.json"
    assert answer["tables"]["Fact"] == 3 and answer["tables"]["FACT_HAS_PERIOD"] == 3
    assert manifest["tables"] == answer["tables"] and manifest["source_units"] == [BOEING_10K]
    for name in ("graph.lbug", "staging.duckdb"):
        assert manifest["files"][name]["checksum"] == sha256_of(store.path(prefix + name))
    assert latest == {"snapshot_id": answer["snapshot_id"], "manifest_key": answer["manifest_key"]}
    assert (event["source"], event["detail-type"]) == ("ledgergraph", "SnapshotPublished")
    assert event["detail"] == {"graph_id": "sec", "snapshot_id": answer["snapshot_id"],
                               "manifest_key": answer["manifest_key"]}  # fmt: skip


def test_published_files_get_the_mode_a_plain_write_would_under_the_umask(
    tmp_path: Path,
) -> None:
    # a replica or another local user reads the store: 0666 less the umask, never 0600
    node = GraphService(NodeSettings(home=tmp_path, events="none"))
    umask = os.umask(0o027)
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        answer = node.publish("sec")
    finally:
        os.umask(umask)
        node.close()
    published = tmp_path / "store" / "published" / "sec"
    modes = {
        path.relative_to(published).as_posix(): oct(path.stat().st_mode & 0o777)
        for path in published.rglob("*") if path.is_file()
    }  # fmt: skip

    snapshot = answer["snapshot_id"]
    assert modes == {
        "LATEST": "0o640",
        f"{snapshot}/graph.lbug": "0o640",
        f"{snapshot}/staging.duckdb": "0o640",
        f"{snapshot}/manifest.json": "0o640",
    }


def test_a_replica_serves_the_snapshot_and_refuses_writes(
    published: tuple[Path, dict], tmp_path: Path
) -> None:
    root, answer = published
    snapshot = fetch_latest(LocalObjectStore(root / "store"), "sec", tmp_path / "replica")
    replica = GraphService(NodeSettings(home=tmp_path, read_only=True), snapshots={"sec": snapshot})
    try:
        status = replica.status()
        rows = replica.query_cypher("sec", REVENUE_2023)["rows"]
        with pytest.raises(ReadOnlyNode):
            replica.publish("sec")
        with pytest.raises(ReadOnlyNode):
            replica.delete_source("sec", BOEING_10K)
    finally:
        replica.close()

    assert status["role"] == "replica" and status["graphs"] == ["sec"]
    assert status["snapshots"] == {"sec": answer["snapshot_id"]}
    assert rows == [["77794000000"]]


def test_a_corrupted_snapshot_is_refused_naming_the_file(
    published: tuple[Path, dict], tmp_path: Path
) -> None:
    root, answer = published
    store = LocalObjectStore(tmp_path / "store")
    for key in LocalObjectStore(root / "store").list_keys("published/"):
        store.put_bytes(key, LocalObjectStore(root / "store").get_bytes(key))
    graph_key = f"published/sec/{answer['snapshot_id']}/graph.lbug"
    data = bytearray(store.get_bytes(graph_key))
    data[len(data) // 2] ^= 0xFF
    store.put_bytes(graph_key, bytes(data))

    with pytest.raises(SnapshotInvalid, match="graph.lbug checksum sha256:[0-9a-f]+ differs"):
        fetch_latest(store, "sec", tmp_path / "replica")
    assert not list((tmp_path / "replica" / "sec").iterdir())


def test_no_published_snapshot_is_a_clear_refusal(tmp_path: Path) -> None:
    with pytest.raises(SnapshotInvalid, match="no published snapshot of graph sec"):
        fetch_latest(LocalObjectStore(tmp_path), "sec", tmp_path / "replica")


def test_publishing_keeps_the_newest_snapshots_and_removes_the_rest(tmp_path: Path) -> None:
    node = GraphService(NodeSettings(home=tmp_path, keep_snapshots=2))
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        answers = [node.publish("sec") for _ in range(4)]
    finally:
        node.close()
    store = LocalObjectStore(tmp_path / "store")
    ids = [a["snapshot_id"] for a in answers]
    left = {key.split("/")[2] for key in store.list_keys("published/sec/") if key.count("/") == 3}

    assert ids == sorted(ids)  # ids sort by time, even within one second
    assert [a["snapshots_removed"] for a in answers] == [[], [], [ids[0]], [ids[1]]]
    assert left == {ids[2], ids[3]}
    # no empty folder of a removed snapshot is left behind in the local store
    assert sorted(p.name for p in (tmp_path / "store" / "published" / "sec").iterdir()) == [
        ids[2], ids[3], "LATEST"
    ]  # fmt: skip
    assert fetch_latest(store, "sec", tmp_path / "replica").snapshot_id == ids[3]


def test_pruning_removes_only_empty_snapshot_folders_of_its_graph(tmp_path: Path) -> None:
    published = tmp_path / "store" / "published"
    for empty in (
        published / "sec" / "20200101T000000Z-0000000b",  # left by an earlier prune: goes
        published / "sec" / "not-a-snapshot",
        published / "other" / "20200101T000000Z-0000000c",  # another graph's
    ):
        empty.mkdir(parents=True)
    node = GraphService(NodeSettings(home=tmp_path, keep_snapshots=1))
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        answer = node.publish("sec")
    finally:
        node.close()

    assert sorted(p.name for p in (published / "sec").iterdir()) == [
        answer["snapshot_id"], "LATEST", "not-a-snapshot"
    ]  # fmt: skip
    assert (published / "other" / "20200101T000000Z-0000000c").is_dir()


def _publish_dying(
    node: GraphService, monkeypatch: pytest.MonkeyPatch, replace: Callable[..., None]
) -> None:
    """A publish whose process dies (SystemExit) where ``replace`` stands for os.replace."""
    with monkeypatch.context() as patch:
        patch.setattr("ledgergraph.objectstore.os.replace", replace)
        with pytest.raises(SystemExit):
            node.publish("sec")


def test_an_upload_cut_short_leaves_a_temporary_file_that_pruning_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "store" / "published" / "sec"
    node = GraphService(NodeSettings(home=tmp_path, keep_snapshots=2, events="none"))
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        # the process dies between copying graph.lbug and renaming it into place
        _publish_dying(node, monkeypatch, _killed)
        (abandoned,) = [p for p in published.iterdir() if p.name != "LATEST"]
        (leftover,) = abandoned.iterdir()
        size = leftover.stat().st_size
        answers = [node.publish("sec") for _ in range(2)]
    finally:
        node.close()
    ids = [a["snapshot_id"] for a in answers]

    assert leftover.name.startswith(".tmp-")
    assert size == (tmp_path / "graphs" / "sec" / "graph.lbug").stat().st_size
    # one of the newest two until a newer publish pushes it out, then removed with its folder
    assert [a["snapshots_removed"] for a in answers] == [[], [abandoned.name]]
    assert abandoned.name < ids[0]
    assert not abandoned.exists()
    assert sorted(p.name for p in published.iterdir()) == [*ids, "LATEST"]


def test_a_latest_write_cut_short_leaves_a_temporary_file_the_next_publish_removes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = tmp_path / "store" / "published" / "sec"
    node = GraphService(NodeSettings(home=tmp_path, keep_snapshots=2, events="none"))
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        first = node.publish("sec")
        # the next publish uploads its snapshot, then dies writing LATEST before the rename
        _publish_dying(node, monkeypatch, _killed_at_latest)
        (leftover,) = published.glob(".tmp-*")
        written = json.loads(leftover.read_text())
        latest_then = json.loads((published / "LATEST").read_text())
        answer = node.publish("sec")
    finally:
        node.close()
    killed = written["snapshot_id"]  # the snapshot the leftover would have made LATEST
    ids = [first["snapshot_id"], killed, answer["snapshot_id"]]

    assert latest_then["snapshot_id"] == first["snapshot_id"]  # the kill left LATEST as it was
    assert ids == sorted(ids) and len(set(ids)) == 3
    assert answer["snapshots_removed"] == [first["snapshot_id"]]
    assert sorted(p.name for p in published.iterdir()) == [*ids[1:], "LATEST"]
    assert json.loads((published / "LATEST").read_text())["snapshot_id"] == ids[2]


def _killed_at_latest(source: str, target: str) -> None:
    if Path(target).name == "LATEST":
        _killed(source, target)
    _REPLACE(source, target)


def _killed(source: str, target: str) -> None:
    raise SystemExit(f"killed before {source} became {target}")


def test_a_replica_serves_staging_without_the_writers_uris_and_keeps_its_copy_verified(
    tmp_path: Path,
) -> None:
    """Amazon's Fact file registered, then gone from the store: staging fails it naming its
    URI. The writer's registry shows each URI; a replica's shows HIDDEN instead, in ``uri``
    and in that error, and every other column as the writer does."""
    store = tmp_path / "store"
    node = GraphService(NodeSettings(home=tmp_path / "writer", store_uri=store.as_uri(),
                                     events="none"))  # fmt: skip
    sql = "SELECT file_id, uri, status, row_count, checksum, error FROM file_registry ORDER BY 1"
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
        fact = filing_files(store, AMAZON_10K, amazon_facts())["Fact"]
        [registered] = node.register_files("sec", [file_entry(fact, "Fact", AMAZON_10K)])["files"]
        fact.unlink()
        with pytest.raises(FileInvalid):
            node.stage_files("sec", [registered["file_id"]])
        node.publish("sec")
        writer = node.query_staging("sec", sql)["rows"]
    finally:
        node.close()
    snapshot = fetch_latest(LocalObjectStore(store), "sec", tmp_path / "replica")
    replica = GraphService(NodeSettings(home=tmp_path, read_only=True), snapshots={"sec": snapshot})
    try:
        served = replica.query_staging("sec", sql)["rows"]
    finally:
        replica.close()
    again = fetch_latest(LocalObjectStore(store), "sec", tmp_path / "replica")

    failed = next(row for row in writer if row[0] == registered["file_id"])
    assert failed[1] == fact.as_uri() and failed[1] in failed[5]
    assert all(row[1].startswith(store.as_uri() + "/processed/sec/") for row in writer)
    assert [row[1] for row in served] == [HIDDEN] * 7
    assert [row[:1] + row[2:5] for row in served] == [row[:1] + row[2:5] for row in writer]
    hidden_error = next(row[5] for row in served if row[0] == registered["file_id"])
    assert hidden_error == failed[5].replace(failed[1], HIDDEN)
    assert "://" not in hidden_error
    assert again.local_copy_bad is None  # the published bytes were left as verified
