"""A replica's boot from a published snapshot that is damaged, tampered with or half gone:
every refusal names the key or file at fault, a damaged graph file never kills the replica,
and a bad local copy is downloaded again."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_damaged import garbage_middle, publish_both

from graph_node.__main__ import EXIT_SNAPSHOT_INVALID, serve
from graph_node.errors import SnapshotInvalid
from graph_node.replica import fetch_latest
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import TABLES
from ledgergraph.manifest import sha256_of
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.parent_process import PARENT_PID_VARIABLE

FACTS = "MATCH (f:Fact) RETURN count(f)"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A store holding one snapshot of Boeing's and Amazon's hand-made filings."""
    return publish_both(tmp_path_factory.mktemp("writer"))


@pytest.fixture
def store(published: tuple[Path, dict], tmp_path: Path) -> LocalObjectStore:
    """A copy of the published snapshot this test may damage."""
    shutil.copytree(published[0] / "published", tmp_path / "store" / "published")
    return LocalObjectStore(tmp_path / "store")


def snapshot_folder(store: LocalObjectStore, answer: dict) -> Path:
    return store.path(f"published/sec/{answer['snapshot_id']}")


def edit_json(path: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))


def flip_byte(path: Path, offset: int = 4096) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def served_facts(snapshot: Any, home: Path) -> list[list[Any]]:
    replica = GraphService(NodeSettings(home=home, read_only=True), snapshots={"sec": snapshot})
    try:
        return replica.query_cypher("sec", FACTS)["rows"]
    finally:
        replica.close()


def test_a_damaged_graph_file_whose_manifest_matches_is_refused_not_a_crash(
    published: tuple[Path, dict], store: LocalObjectStore, tmp_path: Path
) -> None:
    """The manifest rewritten for the damaged bytes: only opening the file shows it, and
    the engine dies of it (SIGSEGV) in the child process that opens it first."""
    folder = snapshot_folder(store, published[1])
    graph = folder / "graph.lbug"
    garbage_middle(graph)

    def match_damage(manifest: dict[str, Any]) -> None:
        manifest["files"]["graph.lbug"].update(
            checksum=sha256_of(graph), bytes=graph.stat().st_size
        )

    edit_json(folder / "manifest.json", match_damage)

    with pytest.raises(SnapshotInvalid) as refused:
        fetch_latest(store, "sec", tmp_path / "replica")

    assert str(refused.value) == (
        f"snapshot {published[1]['snapshot_id']} of graph sec: published file "
        f"{graph.as_uri()} does not open: reading it in a child process: the graph engine "
        "crashed (SIGSEGV)"
    )
    assert list((tmp_path / "replica" / "sec").iterdir()) == []  # no .partial folder left


def test_the_verified_snapshot_is_logged_with_its_table_count_and_total_rows(
    published: tuple[Path, dict],
    store: LocalObjectStore,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="graph_node"):
        fetch_latest(store, "sec", tmp_path / "replica")

    [line] = [r for r in caplog.records if r.getMessage() == "snapshot verified"]
    counts = published[1]["tables"]
    assert (line.table_count, line.total_rows) == (len(TABLES), sum(counts.values()))
    assert counts["Fact"] == 5 and line.total_rows > counts["Fact"]
    assert not hasattr(line, "tables")


def test_a_damaged_local_copy_is_downloaded_again_and_served(
    published: tuple[Path, dict], store: LocalObjectStore, tmp_path: Path
) -> None:
    first = fetch_latest(store, "sec", tmp_path / "replica")
    flip_byte(first.folder / "graph.lbug")

    again = fetch_latest(store, "sec", tmp_path / "replica")

    published_file = snapshot_folder(store, published[1]) / "graph.lbug"
    assert first.local_copy_bad is None
    assert again.local_copy_bad is not None
    assert again.local_copy_bad.startswith(
        f"local copy {first.folder / 'graph.lbug'} checksum sha256:"
    )
    assert (first.folder / "graph.lbug").read_bytes() == published_file.read_bytes()
    assert served_facts(again, tmp_path) == [[5]]


def test_a_bad_local_copy_and_a_bad_published_file_name_both(
    published: tuple[Path, dict], store: LocalObjectStore, tmp_path: Path
) -> None:
    first = fetch_latest(store, "sec", tmp_path / "replica")
    staging = snapshot_folder(store, published[1]) / "staging.duckdb"
    flip_byte(first.folder / "staging.duckdb")
    flip_byte(staging)

    with pytest.raises(SnapshotInvalid) as refused:
        fetch_latest(store, "sec", tmp_path / "replica")

    message = str(refused.value)
    assert message.startswith(
        f"snapshot {first.snapshot_id} of graph sec: published file {staging.as_uri()} "
        "checksum sha256:"
    )
    assert f"; downloaded again because local copy {first.folder / 'staging.duckdb'} " in message
    assert list((tmp_path / "replica" / "sec").iterdir()) == []


def _garbage_latest(store: LocalObjectStore, answer: dict) -> None:
    store.put_bytes("published/sec/LATEST", b"garbage")


def _latest_without_manifest_key(store: LocalObjectStore, answer: dict) -> None:
    store.put_bytes("published/sec/LATEST", b'{"snapshot_id": "yesterday"}')


def _latest_to_a_removed_snapshot(store: LocalObjectStore, answer: dict) -> None:
    gone = "20200101T000000Z-0000000a"
    latest = {"snapshot_id": gone, "manifest_key": f"published/sec/{gone}/manifest.json"}
    store.put_bytes("published/sec/LATEST", json.dumps(latest).encode())


def _latest_through_a_parent_folder(store: LocalObjectStore, answer: dict) -> None:
    snapshot = answer["snapshot_id"]
    key = f"published/sec/{snapshot}/../{snapshot}/manifest.json"
    store.put_bytes(
        "published/sec/LATEST", json.dumps({"snapshot_id": snapshot, "manifest_key": key}).encode()
    )


def _manifest_without_tables(store: LocalObjectStore, answer: dict) -> None:
    edit_json(store.path(answer["manifest_key"]), lambda m: m.pop("tables"))


def _manifest_with_a_table_too_many(store: LocalObjectStore, answer: dict) -> None:
    edit_json(store.path(answer["manifest_key"]), lambda m: m["tables"].update(Ghost=1))


def _manifest_with_a_wrong_count(store: LocalObjectStore, answer: dict) -> None:
    edit_json(store.path(answer["manifest_key"]), lambda m: m["tables"].update(Fact=6))


def _manifest_with_a_wrong_size(store: LocalObjectStore, answer: dict) -> None:
    edit_json(
        store.path(answer["manifest_key"]), lambda m: m["files"]["graph.lbug"].update(bytes=5)
    )


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (_garbage_latest, "{latest} is not a valid Latest: document: Invalid JSON: "
                          "expected value at line 1 column 1"),
        (_latest_without_manifest_key, "{latest} is not a valid Latest: snapshot_id: String "
                                       "should match pattern '^[0-9]{{8}}T[0-9]{{6}}Z-[0-9a-f]"
                                       "{{8}}$'; manifest_key: Field required"),
        (_latest_to_a_removed_snapshot, "{latest} points at snapshot 20200101T000000Z-0000000a "
                                        "of graph sec, whose manifest published/sec/"
                                        "20200101T000000Z-0000000a/manifest.json is missing "
                                        "(removed, or never uploaded)"),
        (_latest_through_a_parent_folder, "LATEST of graph sec points outside its snapshot: "
                                          "published/sec/{snapshot}/../{snapshot}/"
                                          "manifest.json"),
        (_manifest_without_tables, "{manifest} is not a valid SnapshotManifest: tables: Field "
                                   "required"),
        (_manifest_with_a_table_too_many, "{what}: published file {graph}: the manifest lists "
                                          "tables the graph has not: Ghost"),
        (_manifest_with_a_wrong_count, "{what}: published file {graph}: table counts (found, "
                                       "manifest) differ: {{'Fact': (5, 6)}}"),
        (_manifest_with_a_wrong_size, "{what}: published file {graph} is {size} bytes, the "
                                      "manifest says 5"),
    ],
    ids=lambda value: getattr(value, "__name__", "")[1:],
)  # fmt: skip
def test_a_tampered_latest_or_manifest_is_refused_naming_the_key_and_field(
    published: tuple[Path, dict],
    store: LocalObjectStore,
    tmp_path: Path,
    tamper: Callable[[LocalObjectStore, dict], None],
    expected: str,
) -> None:
    answer = published[1]
    graph = store.path(f"published/sec/{answer['snapshot_id']}/graph.lbug")
    tamper(store, answer)

    with pytest.raises(SnapshotInvalid) as refused:
        fetch_latest(store, "sec", tmp_path / "replica")

    assert str(refused.value) == expected.format(
        latest=store.uri("published/sec/LATEST"),
        manifest=store.uri(answer["manifest_key"]),
        what=f"snapshot {answer['snapshot_id']} of graph sec",
        graph=graph.as_uri(),
        size=graph.stat().st_size,
        snapshot=answer["snapshot_id"],
    )
    assert "pydantic" not in str(refused.value)
    assert not list((tmp_path / "replica").glob("sec/*"))


def test_a_graph_without_latest_after_a_good_one_stops_the_boot_before_any_download(
    store: LocalObjectStore,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``serve --replica --graph sec --graph qbo-1`` exits 3 naming qbo-1, which has no
    LATEST; sec's snapshot (Boeing's and Amazon's filings) is not downloaded first."""
    monkeypatch.delenv(PARENT_PID_VARIABLE, raising=False)
    settings = NodeSettings(
        home=tmp_path / "home",
        read_only=True,
        publish_store_uri=store.base_uri,
        replica_graphs=["sec", "qbo-1"],
    )

    status = serve(settings)

    latest = store.path("published/qbo-1/LATEST").as_uri()
    assert (status, capsys.readouterr().err.splitlines()[-1]) == (
        EXIT_SNAPSHOT_INVALID,
        f"replica not started: no published snapshot of graph qbo-1: no object at {latest}",
    )
    assert not (tmp_path / "home" / "replica").exists()
