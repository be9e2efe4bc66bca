"""An older copy of a graph file put back in place (a backup from before the last filing)
is found when the graph opens, not at a later materialize: the graph is damaged, named in
/status with the tables and counts, writes are refused naming the rebuild, and the first
rebuild gives back the graph staging records, table by table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    LOAD_ORDER_OF_CASES,
    amazon_facts,
    boeing_facts,
    filing_files,
    graph_rows,
    load_case_filing,
    register_and_stage,
)
from test_graph_node_damaged import load_both, service_at

from graph_node.clean_close import CLEAN_SUFFIX
from graph_node.errors import GraphDamaged
from graph_node.graph_store import GraphStore
from graph_node.graphs import GRAPH_FILE
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings

KEY = "test-key-not-a-secret"
AUTH = {"X-Api-Key": KEY}
# Boeing alone against Boeing and Amazon: Period and Unit are the same in both
OLDER = (
    "Fact 3 rows in the file, 5 recorded; Element 2 rows in the file, 3 recorded; "
    "FACT_HAS_ELEMENT 3 rows in the file, 5 recorded; FACT_HAS_PERIOD 3 rows in the file, "
    "5 recorded"
)


def backup(graph_file: Path, into: Path) -> None:
    """The graph file and its clean-close record, copied with their times kept."""
    into.mkdir()
    for path in (graph_file, Path(f"{graph_file}{CLEAN_SUFFIX}")):
        shutil.copy2(path, into / path.name)


def put_back(backup_folder: Path, graph_file: Path) -> None:
    for path in backup_folder.iterdir():
        shutil.copy2(path, graph_file.parent / path.name)


def test_an_older_copy_put_back_is_damage_named_at_open_and_a_rebuild_repairs_it(
    tmp_path: Path,
) -> None:
    store, home = tmp_path / "store", tmp_path / "node"
    direct = load_both(tmp_path / "direct", store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    node = service_at(home, store)
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
    finally:
        node.close()
    backup(graph_file, tmp_path / "backup")
    node = service_at(home, store)
    try:
        load_case_filing(node, store, AMAZON_10K, amazon_facts())
    finally:
        node.close()
    put_back(tmp_path / "backup", graph_file)

    node = GraphService(NodeSettings(home=home, store_uri=store.as_uri(), api_key=KEY))
    try:
        node.open_all()
        client = TestClient(create_app(node))
        status = client.get("/status").json()
        refused = client.delete(f"/databases/sec/sources/{AMAZON_10K}", headers=AUTH)
        with pytest.raises(GraphDamaged) as stats:
            node.stats("sec")

        answer = node.rebuild("sec")

        assert "damaged" not in node.status()
        assert graph_rows(node) == direct
    finally:
        node.close()

    reason = status["damaged"]["sec"]
    assert reason == (
        "its row counts are not what staging's key ledgers record (an older copy of the "
        f"graph file put back, or a staging file that lost its last commits): {OLDER}"
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["type"] == "GraphDamaged"
    for message in (refused.json()["error"]["message"], str(stats.value)):
        assert message.startswith(f"graph 'sec': graph file {graph_file} is damaged (")
        assert f"({reason}); rebuild it from staging" in message
        assert f"`ledgergraph rebuild --home {home} --graph sec`" in message
    kept = GraphStore(Path(answer["damaged_file"]), read_only=True)
    try:  # the older copy, kept aside for inspection as other damaged files are
        assert kept.counts()["Fact"] == len(boeing_facts())
    finally:
        kept.close()
    assert answer["tables"]["Fact"] == 5
    reopened = service_at(home, store)
    try:
        reopened.open_all()
        assert "damaged" not in reopened.status()
        assert graph_rows(reopened) == direct
    finally:
        reopened.close()


class Crash(BaseException):
    """Stands in for the process dying: nothing after it runs, no handler catches it."""


def _crash(*args: object, **kwargs: object) -> None:
    raise Crash


def test_an_older_copy_under_an_open_intent_is_damage_too_and_a_rebuild_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The intent of a COPY a crash cut short cannot be settled on a file older than the
    graph the intent was written against: opening used to fail with GraphInconsistent
    every time, so not even a rebuild could run."""
    store, home = tmp_path / "store", tmp_path / "node"
    direct = load_both(tmp_path / "direct", store)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    node = service_at(home, store)
    try:  # the backup: Boeing staged, nothing in the graph yet
        boeing = register_and_stage(
            node, "sec", filing_files(store, BOEING_10K, boeing_facts()), BOEING_10K
        )
    finally:
        node.close()
    backup(graph_file, tmp_path / "backup")
    node = service_at(home, store)
    try:
        for table in LOAD_ORDER_OF_CASES:
            node.materialize("sec", table, [boeing[table]])
        amazon = register_and_stage(
            node, "sec", filing_files(store, AMAZON_10K, amazon_facts()), AMAZON_10K
        )
        monkeypatch.setattr("graph_node.staging_db.OpenTransaction.commit", _crash)
        with pytest.raises(Crash):  # Amazon's facts copied, the bookkeeping never done
            node.materialize("sec", "Fact", [amazon["Fact"]])
        monkeypatch.undo()
    finally:
        node.close()
    put_back(tmp_path / "backup", graph_file)

    node = service_at(home, store)
    try:
        node.open_all()
        reason = node.status()["damaged"]["sec"]
        answer = node.rebuild("sec")  # every staged file goes in: Amazon's whole filing
        rows = graph_rows(node)
    finally:
        node.close()

    assert reason == (
        "Fact: an interrupted COPY of 2 rows left 0 of its keys in the graph and 0 rows "
        "where 3 were; not guessing"
    )
    assert answer["tables"]["Fact"] == 5
    assert rows == direct
