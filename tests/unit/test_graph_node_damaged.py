"""A graph file the engine cannot open: the node opens the graph "damaged", says so, and a
rebuild from staging (never opening the damaged file) serves it again, equal to a direct
load table by table."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    amazon_facts,
    boeing_facts,
    graph_rows,
    load_case_filing,
)

from graph_node.errors import GraphDamaged
from graph_node.graphs import GRAPH_FILE, OPENING_SUFFIX
from graph_node.service import GraphService
from graph_node.settings import NodeSettings


def _service(home: Path, store: Path) -> GraphService:
    return GraphService(NodeSettings(home=home, store_uri=store.resolve().as_uri(), events="none"))


def _load_both(home: Path, store: Path) -> dict[str, list]:
    """Boeing then Amazon into a new node at ``home``; the graph's rows, then closed."""
    node = _service(home, store)
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
        load_case_filing(node, store, AMAZON_10K, amazon_facts())
        return graph_rows(node)
    finally:
        node.close()


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 3)


def _garbage_header(path: Path) -> None:
    with path.open("r+b") as handle:
        handle.write(bytes(range(256)) * 16)


def _garbage_middle(path: Path) -> None:
    """Garbage over the middle of the file: real_ladybug 0.15.3 dies of SIGSEGV opening it."""
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(size // 2)
        handle.write(bytes(reversed(range(256))) * (size // 4 // 256))


@pytest.mark.parametrize("damage", [_truncate, _garbage_header], ids=["truncated", "garbage"])
def test_a_damaged_graph_file_is_reported_and_a_rebuild_serves_the_graph_again(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    store = tmp_path / "store"
    direct = _load_both(tmp_path / "direct", store)
    home = tmp_path / "node"
    _load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    damage(graph_file)
    damaged_bytes = graph_file.read_bytes()

    node = _service(home, store)
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

    reopened = _service(home, store)
    try:
        assert graph_rows(reopened) == direct
    finally:
        reopened.close()


def test_a_file_the_engine_died_opening_is_checked_in_a_child_and_rebuilt(
    tmp_path: Path,
) -> None:
    store = tmp_path / "store"
    direct = _load_both(tmp_path / "direct", store)
    home = tmp_path / "node"
    _load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    _garbage_middle(graph_file)
    # what a node that died of SIGSEGV opening it leaves behind
    Path(f"{graph_file}{OPENING_SUFFIX}").touch()

    node = _service(home, store)
    try:
        node.open_all()
        assert "engine died opening it" in node.status()["damaged"]["sec"]
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
    rows = _load_both(home, store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    Path(f"{graph_file}{OPENING_SUFFIX}").touch()  # a node killed while it opened the file

    node = _service(home, store)
    try:
        node.open_all()
        assert "damaged" not in node.status()
        assert graph_rows(node) == rows
        assert not Path(f"{graph_file}{OPENING_SUFFIX}").exists()
    finally:
        node.close()


def _fact_files(node: GraphService) -> list[str]:
    found = node.query_staging(
        "sec", "SELECT file_id FROM file_registry WHERE table_name = 'Fact' ORDER BY 1"
    )
    return [row[0] for row in found["rows"]]
