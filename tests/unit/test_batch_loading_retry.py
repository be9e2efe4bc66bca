"""MaterializeBatch retried after a transient stop: the load records credit what the run
added, whichever attempt added it.

Amazon's and Boeing's real 10-Ks, processed by ``python -m xbrl_task``, are registered and
staged on a real graph node served on 127.0.0.1. The node's fault hook makes the COPY of
the Element table fail once with a transient engine error, after the Entity, Report and
Fact tables of the batch's request were materialized: the step fails, and its retry offers
only the tables left. Both filings' facts were added by the first attempt.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from xbrl_samples import process_bundled

from graph_node.errors import EngineUnavailable
from graph_node.faults import FaultPoints
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.batch_loading import MaterializeBatchRequest, StagedFiling, materialize_batch
from ledgergraph.errors import GraphNodeUnavailable
from ledgergraph.graph_client import GraphClient
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_outcomes import load_key

PACKAGES = ("amzn-10k-2022-12-31", "ba-10k-2023-12-31")
AMAZON, BOEING = "0001018724-23-000004", "0000012927-24-000010"
KEY = "retry-test-key"
RUN, NEXT_RUN = "run-20261205T100000Z-aaaaaa", "run-20261206T100000Z-bbbbbb"


@pytest.fixture(scope="module")
def processed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two bundled filings processed into an object store folder."""
    return process_bundled(tmp_path_factory.mktemp("processed"), PACKAGES)


class StopOnce(FaultPoints):
    """The node's fault hook, raising a transient engine error the first time the COPY
    of ``table`` has its intent recorded (the COPY is then rolled back)."""

    def __init__(self, table: str, marker: Path) -> None:
        super().__init__(None, marker=marker)
        self.stop_table: str | None = table

    def reached(self, point: str, table: str) -> None:
        if point == "after-intent" and table == self.stop_table:
            self.stop_table = None
            raise EngineUnavailable(f"{table}: the engine could not be reached (injected)")


@pytest.fixture
def node(processed: Path, tmp_path: Path) -> Iterator[GraphService]:
    settings = NodeSettings(
        home=tmp_path / "node", store_uri=processed.as_uri(), events="none", api_key=KEY
    )
    service = GraphService(settings)
    yield service
    service.close()


@pytest.fixture
def client(node: GraphService) -> Iterator[GraphClient]:
    """A Graph API client of ``node``, served by uvicorn in a thread on 127.0.0.1."""
    listener = socket.create_server(("127.0.0.1", 0))
    config = uvicorn.Config(create_app(node), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    port = listener.getsockname()[1]
    found = GraphClient(f"http://127.0.0.1:{port}", api_key=KEY, timeout_s=120)
    yield found
    found.close()
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def _stage(node: GraphService, processed: Path) -> dict[str, dict[str, int]]:
    """Register and stage both filings, as RegisterFiles and StageFiles do; per filing,
    its Fact file's rows and how many files it has."""
    found = {}
    for unit in (AMAZON, BOEING):
        folder = processed / "processed" / "sec" / unit
        manifest = json.loads((folder / "manifest.json").read_text())
        tables = [t for t in manifest["tables"] if t["rows"]]
        specs = [{"table": t["table"], "uri": t["uri"], "source_unit": unit,
                  "row_count": t["rows"], "checksum": t["checksum"]} for t in tables]  # fmt: skip
        files = node.register_files("sec", specs)["files"]
        node.stage_files("sec", [f["file_id"] for f in files])
        facts = next(t["rows"] for t in tables if t["table"] == "Fact")
        found[unit] = {"facts": facts, "files": len(files)}
    return found


def _request(run_id: str, staged: dict[str, dict[str, int]]) -> MaterializeBatchRequest:
    filings = [StagedFiling(source_unit=u, status="staged", files=s["files"])
               for u, s in staged.items()]  # fmt: skip
    return MaterializeBatchRequest(graph_id="sec", run_id=run_id, filings=filings)


def _record(records: LocalObjectStore, run_id: str, unit: str) -> dict[str, Any]:
    return json.loads(records.get_bytes(load_key("sec", run_id, unit)))


def _fact_status(node: GraphService) -> list[list[Any]]:
    return node.query_staging(
        "sec", "SELECT source_unit, status, rows_added FROM file_registry "
        "WHERE table_name = 'Fact' ORDER BY source_unit",
    )["rows"]  # fmt: skip


def test_a_retry_after_a_stop_credits_the_facts_the_first_attempt_added(
    node: GraphService, client: GraphClient, processed: Path, tmp_path: Path
) -> None:
    staged = _stage(node, processed)
    records = LocalObjectStore(tmp_path / "records")
    node.faults = StopOnce("Element", tmp_path / "marker")

    with pytest.raises(GraphNodeUnavailable, match="stopped at Element -> 503"):
        materialize_batch(records, client, _request(RUN, staged))
    stopped = _fact_status(node)  # the Fact table went in before the stop
    retried = materialize_batch(records, client, _request(RUN, staged))

    assert staged[AMAZON]["facts"] == 1341 and staged[BOEING]["facts"] == 2252
    assert stopped == [[BOEING, "materialized", 2252], [AMAZON, "materialized", 1341]]
    assert (retried["loaded"], retried["failed"]) == (2, 0)
    for unit in (AMAZON, BOEING):
        record = _record(records, RUN, unit)
        assert record["status"] == "loaded"
        assert record["facts_loaded"] == record["facts_added"] == staged[unit]["facts"]
    assert node.stats("sec")["nodes"]["Fact"] == 1341 + 2252


def test_a_new_run_of_loaded_filings_adds_nothing_and_the_same_run_again_keeps_its_credit(
    node: GraphService, client: GraphClient, processed: Path, tmp_path: Path
) -> None:
    staged = _stage(node, processed)
    records = LocalObjectStore(tmp_path / "records")
    materialize_batch(records, client, _request(RUN, staged))

    again = materialize_batch(records, client, _request(RUN, staged))
    later = materialize_batch(records, client, _request(NEXT_RUN, staged))

    assert (again["calls"], later["calls"], later["loaded"]) == (0, 0, 2)
    for unit in (AMAZON, BOEING):
        assert _record(records, RUN, unit)["facts_added"] == staged[unit]["facts"]
        rerun = _record(records, NEXT_RUN, unit)
        assert (rerun["status"], rerun["facts_loaded"], rerun["facts_added"]) == (
            "loaded", staged[unit]["facts"], 0
        )  # fmt: skip
