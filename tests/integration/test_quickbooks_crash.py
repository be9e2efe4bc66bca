"""A real graph node killed with SIGKILL in the middle of a CDC upsert reopens whole.

The sandbox company is synced in full and then by CDC (``tests/fakes/quickbooks_edits.py``)
from the fake QuickBooks on 127.0.0.1 and transformed. ``python -m graph_node serve`` loads
the full run, then the CDC run until it reaches a fault point of the upsert, where it is
killed. Started again, it settles the open intent on opening the graph, loads the CDC run
to the end, and must hold exactly the graph an uninterrupted load gives, table by table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graph_cases import NodeProcess

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import LOAD_ORDER, TABLES
from ledgergraph.objectstore import LocalObjectStore
from tests.fakes.network_guard import loopback_only
from tests.fakes.quickbooks_edits import cdc_changes
from tests.fakes.quickbooks_server import FakeQuickBooks
from tests.unit.test_quickbooks_cases import GRAPH, make_harness

pytestmark = pytest.mark.slow
RUNS = ("run-1", "run-2")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalObjectStore]:
    """A full run and a CDC run of the sandbox realm, transformed."""
    root = tmp_path_factory.mktemp("qbo-crash")
    with loopback_only(), FakeQuickBooks() as fake:
        for harness in make_harness(fake, root):
            harness.sync(run_id=RUNS[0])
            harness.transform(RUNS[0])
            fake.cdc_changes = cdc_changes()
            harness.sync(run_id=RUNS[1])
            harness.transform(RUNS[1])
            yield harness.store


def load_run(node: Any, store: LocalObjectStore, run: str) -> dict[str, dict[str, Any]]:
    """Register, stage and materialize one run's non-empty files, as the pipeline does."""
    manifest = json.loads(store.get_bytes(f"processed/{GRAPH}/{run}/manifest.json"))
    entries = [
        {"table": t["table"], "uri": store.uri(t["key"]), "source_unit": run,
         "row_count": t["rows"], "checksum": t["checksum"]}
        for t in manifest["tables"] if t["rows"]
    ]  # fmt: skip
    ids = {f["table"]: f["file_id"] for f in node.register_files(GRAPH, entries)["files"]}
    node.stage_files(GRAPH, list(ids.values()))
    return {t: node.materialize(GRAPH, t, [ids[t]]) for t in LOAD_ORDER if t in ids}


def graph_rows(home: Path, store: LocalObjectStore) -> dict[str, list[dict[str, Any]]]:
    service = GraphService(NodeSettings(home=home, store_uri=store.root.as_uri(), events="none"))
    try:
        graph = service.graph(GRAPH).store
        return {name: graph.dump(table).to_pylist() for name, table in TABLES.items()}
    finally:
        service.close()


@pytest.fixture(scope="module")
def reference(store: LocalObjectStore, tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("qbo-reference")
    service = GraphService(NodeSettings(home=home, store_uri=store.root.as_uri(), events="none"))
    try:
        for run in RUNS:
            load_run(service, store, run)
    finally:
        service.close()
    return graph_rows(home, store)


@pytest.mark.parametrize(
    "pause_at", ["after-update:LedgerTransaction", "after-update:LineItem", "after-copy:Customer"]
)
def test_a_kill_between_update_steps_settles_to_the_same_graph(
    tmp_path: Path, store: LocalObjectStore, reference: dict, pause_at: str
) -> None:
    node = NodeProcess(tmp_path / "node", store.root)
    node.start()
    with node.client() as client:
        load_run(client, store, RUNS[0])
    node.stop()
    node.kill_at_pause(pause_at, lambda client: load_run(client, store, RUNS[1]))

    node.start()
    try:
        with node.client() as client:
            intents = client.query_staging(GRAPH, "SELECT count(*) FROM write_intents")["rows"]
            again = load_run(client, store, RUNS[1])
    finally:
        node.stop()

    assert intents == [[0]]  # settled when the node reopened the graph
    table = pause_at.split(":")[1]
    assert again[table]["rows_updated"] == again[table]["rows_added"] == 0  # rolled forward
    final = graph_rows(node.home, store)
    for name, rows in reference.items():
        assert final[name] == rows, name


@pytest.fixture(scope="module")
def run_1_only(store: LocalObjectStore, tmp_path_factory: pytest.TempPathFactory) -> dict:
    home = tmp_path_factory.mktemp("qbo-run-1-only")
    service = GraphService(NodeSettings(home=home, store_uri=store.root.as_uri(), events="none"))
    try:
        load_run(service, store, RUNS[0])
    finally:
        service.close()
    return graph_rows(home, store)


@pytest.fixture(scope="module")
def clean_delete(store: LocalObjectStore, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """What deleting the CDC run answers when nothing interrupts it."""
    home = tmp_path_factory.mktemp("qbo-clean-delete")
    service = GraphService(NodeSettings(home=home, store_uri=store.root.as_uri(), events="none"))
    try:
        for run in RUNS:
            load_run(service, store, run)
        return service.delete_source(GRAPH, RUNS[1])
    finally:
        service.close()


def test_a_kill_after_a_delete_changed_the_graph_settles_to_the_run_1_graph(
    tmp_path: Path, store: LocalObjectStore, run_1_only: dict, clean_delete: dict
) -> None:
    """Deleting the CDC run gives Invoice 1015 its Garden Rocks line back; killed after the
    graph changed (staging untouched), the node finishes the delete when it reopens, and
    the delete sent again answers what the interrupted one did, once."""
    node = NodeProcess(tmp_path / "node", store.root)
    node.start()
    with node.client() as client:
        for run in RUNS:
            load_run(client, store, run)
    node.stop()
    node.kill_at_pause("after-graph-delete:*", lambda client: client.delete_source(GRAPH, RUNS[1]))

    node.start()
    try:
        with node.client() as client:
            intents = client.query_staging(GRAPH, "SELECT count(*) FROM write_intents")["rows"]
            again = client.delete_source(GRAPH, RUNS[1])
            third = client.delete_source(GRAPH, RUNS[1])
    finally:
        node.stop()

    assert intents == [[0]]  # settled when the node reopened the graph
    assert again.pop("finished_interrupted") is True
    assert again | {"duration_ms": 0} == clean_delete | {"duration_ms": 0}
    assert clean_delete["restored"]  # the line the CDC run had taken out
    assert third["files"] == 0 and third["restored"] == {}
    final = graph_rows(node.home, store)
    for name, rows in run_1_only.items():
        assert final[name] == rows, name
