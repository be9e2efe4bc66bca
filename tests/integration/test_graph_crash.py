"""A real graph node killed with SIGKILL mid-materialization reopens whole.

Each test runs ``python -m graph_node serve``, kills it (at a fault point the node reaches
while loading a real filing, or at random moments), starts it again and loads the same
filings to the end. The final graph must equal an uninterrupted load table by table, and a
rerun must find every row present: no orphan relationship, no half-loaded table, and no
key ledger out of step with the graph.
"""

from __future__ import annotations

import random
import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from test_graph_cases import (
    AMAZON,
    APPLE,
    NodeProcess,
    copy_store,
    load_filing,
    register_and_stage,
)

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_client import GraphClient

pytestmark = pytest.mark.slow
FILINGS = (APPLE, AMAZON)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Stats of the same filings loaded without interruption (in-process)."""
    root = tmp_path_factory.mktemp("reference")
    store = copy_store(root)
    service = GraphService(NodeSettings(home=root, store_uri=store.as_uri(), events="none"))
    try:
        for unit in FILINGS:
            load_filing(service, store, unit)
        return service.stats("sec")
    finally:
        service.close()


def _load_every_filing(node: NodeProcess, client: GraphClient, *, together: bool) -> None:
    for unit in FILINGS:
        load_filing(client, node.store, unit, together=together)


def _finish_and_check(node: NodeProcess, reference: dict[str, Any]) -> None:
    """Load everything again on a fresh node: same graph, then a rerun adds nothing."""
    node.start()
    try:
        with node.client() as client:
            for unit in FILINGS:
                load_filing(client, node.store, unit)
            stats = client.stats("sec")
            rerun = [load_filing(client, node.store, unit) for unit in FILINGS]
    finally:
        node.stop()
    assert stats["nodes"] == reference["nodes"]
    assert stats["relationships"] == reference["relationships"]
    assert stats["files"]["materialized"] == reference["files"]["materialized"]
    for answers in rerun:
        for table, answer in answers.items():
            assert answer["rows_added"] == 0, table
            assert answer["rows_present"] == answer["rows_offered"], table


@pytest.mark.parametrize(
    ("pause_at", "together"),
    [("after-intent:Fact", False), ("after-copy:FACT_HAS_ELEMENT", False),
     ("after-copy:Element", False), ("after-copy:FACT_HAS_ELEMENT", True)],
)  # fmt: skip
def test_a_kill_at_a_write_step_is_settled_on_restart(
    tmp_path: Path, reference: dict[str, Any], pause_at: str, together: bool
) -> None:
    store = copy_store(tmp_path)
    node = NodeProcess(tmp_path / "node", store)
    node.kill_at_pause(pause_at, partial(_load_every_filing, node, together=together))

    node.start()
    try:
        with node.client() as client:
            table = pause_at.split(":")[1]
            registry = client.query_staging(
                "sec",
                "SELECT status, rows_added FROM file_registry WHERE table_name = ? "
                "AND source_unit = ?",
                [table, FILINGS[0]],
            )["rows"]
            intents = client.query_staging("sec", "SELECT count(*) FROM write_intents")
    finally:
        node.stop()

    assert intents["rows"] == [[0]]  # settled when the node reopened the graph
    if pause_at.startswith("after-copy"):
        [(status, added)] = registry
        assert status == "materialized" and added > 0  # rolled forward, counts kept
    else:
        assert registry == [["staged", None]]  # dropped: the COPY never ran
    _finish_and_check(node, reference)


@pytest.mark.parametrize("together", [False, True], ids=["call per table", "one request"])
def test_kills_at_random_moments_leave_a_graph_that_loads_to_the_same_end(
    tmp_path: Path, reference: dict[str, Any], together: bool
) -> None:
    store = copy_store(tmp_path)
    node = NodeProcess(tmp_path / "node", store)
    node.start()
    with node.client() as client:  # staging first, so the kills land in materialization
        for unit in FILINGS:
            register_and_stage(client, store, unit)
    node.stop()

    chance = random.Random(20261204)
    for _ in range(4):
        node.start()
        loader = node.load_in_background(partial(_load_every_filing, node, together=together))
        time.sleep(chance.uniform(0.5, 6.0))
        node.kill()
        loader.join(timeout=60)

    _finish_and_check(node, reference)
