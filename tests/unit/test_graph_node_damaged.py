"""A graph file the engine cannot open: the node opens the graph "damaged", says so, and a
rebuild from staging (never opening the damaged file) serves it again, equal to a direct
load table by table. A file as its last clean close left it opens at once; any other is
read by a child process first, and what a killed rebuild or publish left is removed."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    amazon_facts,
    boeing_facts,
    graph_rows,
    load_case_filing,
)

from graph_node import graphs
from graph_node.clean_close import closed_cleanly
from graph_node.errors import GraphDamaged
from graph_node.graphs import GRAPH_FILE, OPENING_SUFFIX
from graph_node.isolation import write_rows
from graph_node.service import GraphService
from graph_node.settings import NodeSettings


def service_at(home: Path, store: Path) -> GraphService:
    return GraphService(NodeSettings(home=home, store_uri=store.resolve().as_uri(), events="none"))


def load_both(home: Path, store: Path) -> dict[str, list]:
    """Boeing then Amazon into a new node at ``home``; the graph's rows, then closed."""
    node = service_at(home, store)
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
        load_case_filing(node, store, AMAZON_10K, amazon_facts())
        return graph_rows(node)
    finally:
        node.close()


def publish_both(root: Path) -> tuple[Path, dict[str, Any]]:
    """``load_both`` under ``root``, published: the store and the publish's answer."""
    load_both(root, root / "store")
    node = GraphService(NodeSettings(home=root, events="none"))
    try:
        return root / "store", node.publish("sec")
    finally:
        node.close()


def truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 3)


def garbage_header(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(bytes(range(256)) * 16)


def garbage_middle(path: Path) -> None:
    """Garbage over the file's second quarter: real_ladybug 0.15.3 dies of SIGSEGV opening it.

    Where garbage kills the engine depends on the layout: over the third quarter of a file
    written without compression the engine reports a missing table instead."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 4)
        handle.write(bytes(reversed(range(256))) * (size // 4 // 256))


@pytest.mark.parametrize("damage", [truncate, garbage_header], ids=["truncated", "garbage"])
def test_a_damaged_graph_file_is_reported_and_a_rebuild_serves_the_graph_again(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    store = tmp_path / "store"
    direct = load_both(tmp_path / "direct", store)
    home = tmp_path / "node"
    load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    damage(graph_file)
    damaged_bytes = graph_file.read_bytes()

    node = service_at(home, store)
    try:
        node.open_all()
        reason = node.status()["damaged"]["sec"]
        assert reason  # the engine's own words, e.g. "not a valid Lbug database file"
        for refused in (
            lambda: node.query_cypher("sec", "MATCH (f:Fact) RETURN count(f)"),
            lambda: node.stats("sec"),
            lambda: node.materialize("sec", "Fact", []),
            lambda: node.delete_source("sec", AMAZON_10K),
        ):
            with pytest.raises(GraphDamaged, match=f"{graph_file}.*damaged.*rebuild"):
                refused()
        staged = node.query_staging("sec", 'SELECT count(*) FROM "Fact"')["rows"]
        assert staged == [[5]]  # staging still answers: it is what the rebuild reads

        answer = node.rebuild("sec")

        kept = Path(answer["damaged_file"])
        assert kept.parent == graph_file.parent and kept.name.startswith("graph.lbug.damaged-")
        assert kept.read_bytes() == damaged_bytes
        assert "damaged" not in node.status()
        assert graph_rows(node) == direct
        assert answer["tables"]["Fact"] == 5
        again = node.materialize("sec", "Fact", _fact_files(node))
        assert (again["rows_added"], again["rows_present"]) == (0, 5)
    finally:
        node.close()

    reopened = service_at(home, store)
    try:
        assert graph_rows(reopened) == direct
    finally:
        reopened.close()


def test_a_missing_graph_file_is_not_started_afresh_while_staging_holds_rows(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    home = tmp_path / "node"
    direct = load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    graph_file.unlink()

    node = service_at(home, store)
    try:
        node.open_all()
        reason = node.status()["damaged"]["sec"]
        assert reason.startswith("the graph file is missing, while staging holds ")
        with pytest.raises(GraphDamaged, match=f"{graph_file}.*missing.*rebuild"):
            node.materialize("sec", "Fact", _fact_files(node))
        assert not graph_file.exists()  # no empty graph made in its place

        node.rebuild("sec")

        assert "damaged" not in node.status()
        assert graph_rows(node) == direct
    finally:
        node.close()


def test_a_file_the_engine_died_opening_is_checked_in_a_child_and_rebuilt(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    direct = load_both(tmp_path / "direct", store)
    home = tmp_path / "node"
    load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    garbage_middle(graph_file)
    # what a node that died of SIGSEGV opening it leaves behind
    Path(f"{graph_file}{OPENING_SUFFIX}").touch()

    node = service_at(home, store)
    try:
        node.open_all()
        assert "crashed (SIGSEGV)" in node.status()["damaged"]["sec"]
        with pytest.raises(GraphDamaged, match=str(graph_file)):
            node.query_cypher("sec", "MATCH (f:Fact) RETURN count(f)")

        node.rebuild("sec")

        assert graph_rows(node) == direct
        assert not Path(f"{graph_file}{OPENING_SUFFIX}").exists()
    finally:
        node.close()


def test_a_sound_file_left_with_the_opening_mark_opens_normally(tmp_path: Path) -> None:
    store = tmp_path / "store"
    home = tmp_path / "node"
    rows = load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    Path(f"{graph_file}{OPENING_SUFFIX}").touch()  # a node killed while it opened the file

    node = service_at(home, store)
    try:
        node.open_all()
        assert "damaged" not in node.status()
        assert graph_rows(node) == rows
        assert not Path(f"{graph_file}{OPENING_SUFFIX}").exists()
    finally:
        node.close()


def _spy_on_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The graph files engine workers are asked to check from now on."""
    checked: list[str] = []
    real_worker = graphs.run_worker

    def run_worker(command: list[str], options: Any, *, what: str) -> dict[str, Any]:
        checked.append(command[command.index("--db") + 1])
        return real_worker(command, options, what=what)

    monkeypatch.setattr(graphs, "run_worker", run_worker)
    return checked


def _fact_count(home: Path) -> int:
    reader = GraphService(NodeSettings(home=home), read_only=True)
    try:
        return reader.stats("sec")["nodes"]["Fact"]
    finally:
        reader.close()


def test_a_cleanly_closed_file_opens_at_once_and_a_changed_one_is_checked_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, home = tmp_path / "store", tmp_path / "node"
    rows = load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    checked = _spy_on_checks(monkeypatch)

    assert closed_cleanly(graph_file)  # the writer recorded its close
    assert _fact_count(home) == 5
    assert checked == []

    stat = graph_file.stat()  # written by something else since: same size, newer time
    os.utime(graph_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000))
    assert not closed_cleanly(graph_file)
    assert _fact_count(home) == 5
    assert checked == [str(graph_file)]
    assert closed_cleanly(graph_file)  # the reader recorded what the child read
    assert _fact_count(home) == 5
    assert checked == [str(graph_file)]

    writer = service_at(home, store)
    try:
        writer.open_all()
        assert not closed_cleanly(graph_file)  # a writer killed now leaves no record
        assert graph_rows(writer) == rows
    finally:
        writer.close()
    assert closed_cleanly(graph_file)
    assert checked == [str(graph_file)]
    assert not Path(f"{graph_file}{OPENING_SUFFIX}").exists()


def test_a_reader_that_died_with_the_file_open_gets_the_next_open_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, home = tmp_path / "store", tmp_path / "node"
    load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    reader = GraphService(NodeSettings(home=home), read_only=True)
    assert reader.stats("sec")["nodes"]["Fact"] == 5
    # the reader is open: had it died now, this is what it would leave
    assert Path(f"{graph_file}{OPENING_SUFFIX}").exists()
    checked = _spy_on_checks(monkeypatch)

    assert _fact_count(home) == 5  # a second reader, while the first one still holds it

    assert checked == [str(graph_file)]
    reader.close()
    assert not Path(f"{graph_file}{OPENING_SUFFIX}").exists()


def test_what_a_killed_rebuild_publish_or_copy_left_is_removed_at_the_next_open(
    tmp_path: Path,
) -> None:
    store, home = tmp_path / "store", tmp_path / "node"
    rows = load_both(home, store)
    folder = home / "graphs" / "sec"
    facts = pa.Table.from_pylist(rows["Fact"])
    (folder / "rebuild").mkdir()  # kill -9 during a rebuild: its rows, a half-built file
    write_rows(folder / "rebuild" / "Fact.arrow", facts)
    (folder / f"{GRAPH_FILE}.rebuilt").write_bytes(b"\0" * 4096)
    (folder / "publish" / "20261204T000000Z").mkdir(parents=True)  # ... during a publish
    (folder / "publish" / "20261204T000000Z" / GRAPH_FILE).write_bytes(b"\0" * 4096)
    write_rows(folder / ".copy-5f0c.arrow", facts)  # ... during a child-process copy

    node = service_at(home, store)
    try:
        node.open_all()
        left = sorted(p.name for p in folder.iterdir())
        assert not [name for name in left if "rebuil" in name or "copy" in name]
        assert "publish" not in left
        assert graph_rows(node) == rows
    finally:
        node.close()


def _fact_files(node: GraphService) -> list[str]:
    found = node.query_staging(
        "sec", "SELECT file_id FROM file_registry WHERE table_name = 'Fact' ORDER BY 1"
    )
    return [row[0] for row in found["rows"]]


def test_a_file_a_killed_writer_left_is_recovered_by_the_child_check(tmp_path: Path) -> None:
    """A writer killed mid-session leaves its log beside the file and no clean-close record:
    the child that checks the file opens it for writing, replays the log and closes it, so
    a read-only open afterwards finds a whole file (a read-only open cannot replay the
    shadow pages of a checkpoint a kill cut short, which is what made killed runs look
    damaged)."""
    import subprocess
    import sys

    graph_file = tmp_path / GRAPH_FILE
    killed = (
        "import importlib.util, os, sys\n"
        "import real_ladybug as lb\n"
        "from graph_node.graph_store import create_schema, engine_options\n"
        "db = lb.Database(sys.argv[1], **engine_options(read_only=False, buffer_pool_mb=256,"
        " max_db_size_mb=4096))\n"
        "conn = lb.Connection(db)\n"
        "create_schema(conn)\n"
        "conn.execute(\"CREATE (:Unit {id: 'iso4217:USD'})\")\n"
        "os._exit(0)  # no close: the log stays\n"
    )
    subprocess.run([sys.executable, "-c", killed, str(graph_file)], check=True)
    assert graph_file.with_name(GRAPH_FILE + ".wal").exists()
    check = [sys.executable, "-m", "graph_node.engine_worker", "--parent-pid", str(os.getpid()),
             "check", "--db", str(graph_file)]  # fmt: skip

    subprocess.run(check, check=True, capture_output=True)  # read-only: the log stays
    assert graph_file.with_name(GRAPH_FILE + ".wal").exists()
    subprocess.run([*check, "--recover"], check=True, capture_output=True)

    assert not graph_file.with_name(GRAPH_FILE + ".wal").exists()
    node = graphs.GraphStore(graph_file, read_only=True)
    try:
        assert node.counts()["Unit"] == 1
    finally:
        node.close()
