"""A node killed between the COPY and the SET of a later filing's definitions reopens whole.

Apple's 10-K edited to import the 2025 us-gaap the bundled cache lacks brings 21 Elements
and ElementDefinitions without a definition; the real 10-K, loaded in a later request,
defines them (``graph_node/definitions.py``). Here a real ``python -m graph_node serve``
is killed with SIGKILL at ``after-copy:Element`` of that request: its new Elements are
copied, the 21 not yet updated. Reopened, the node settles the intent from staging (the
update made again), and loading the filing to the end gives the graph an uninterrupted
load gives, table by table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_graph_cases import NodeProcess, load_filing

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from tests.unit.test_graph_node_cases import graph_rows
from tests.unit.xbrl_samples import (
    APPLE,
    EditedRun,
    apple_of_2025_unnumbered,
    copy_of,
    run_edited,
)

pytestmark = pytest.mark.slow
UNDEFINED = "MATCH (e:Element) WHERE e.substitution_group IS NULL RETURN count(*)"


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"undefined": apple_of_2025_unnumbered, "apple": copy_of(APPLE)}
    return run_edited(tmp_path_factory.mktemp("definitions"), editors, "crash_definitions")


def _graph(home: Path, processed: EditedRun) -> dict[str, list[dict[str, Any]]]:
    """Every table of the graph in ``home``, read by a node opened in-process."""
    settings = NodeSettings(home=home, store_uri=processed.store.base_uri, events="none")
    service = GraphService(settings)
    try:
        return graph_rows(service)
    finally:
        service.close()


@pytest.fixture(scope="module")
def reference(processed: EditedRun, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The graph of the copy, then the real 10-K, loaded without interruption (in-process,
    a call per table)."""
    home = tmp_path_factory.mktemp("reference")
    settings = NodeSettings(home=home, store_uri=processed.store.base_uri, events="none")
    service = GraphService(settings)
    try:
        for name in ("undefined", "apple"):
            load_filing(service, processed.store.root, processed.units[name])
        return graph_rows(service)
    finally:
        service.close()


def test_a_kill_between_the_copy_and_the_definitions_is_settled_on_restart(
    tmp_path: Path, processed: EditedRun, reference: dict
) -> None:
    store, units = processed.store.root, processed.units
    node = NodeProcess(tmp_path / "node", store)
    node.start()
    with node.client() as client:
        load_filing(client, store, units["undefined"], together=True)
        assert client.query_cypher("sec", UNDEFINED)["rows"] == [[21]]
    node.stop()

    node.kill_at_pause(
        "after-copy:Element",
        lambda client: load_filing(client, store, units["apple"], together=True),
    )
    node.start()
    try:
        with node.client() as client:
            intents = client.query_staging("sec", "SELECT count(*) FROM write_intents")
            undefined = client.query_cypher("sec", UNDEFINED)["rows"]
            load_filing(client, store, units["apple"], together=True)
    finally:
        node.stop()

    assert intents["rows"] == [[0]]  # settled when the node reopened the graph
    assert undefined == [[0]]  # the update made again from staging, not by the rerun
    assert _graph(tmp_path / "node", processed) == reference
