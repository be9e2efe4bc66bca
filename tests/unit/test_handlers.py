"""Each Lambda handler with its canonical events/ files, against a folder store and a stub node.

The handler modules are loaded the way the local runtime loads them (by file path, after the
environment is set), so their module-scope settings and clients see this test's store and
the stub graph node on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from handler_events import context, event, handler_of
from pipeline_stubs import FACTS_IN_DOCUMENT, STUB_TABLES, StubGraphNode, serve, write_good_filing
from pydantic import ValidationError

from ledgergraph.batches import Batch, FilingRef
from ledgergraph.errors import (
    FilingError,
    GraphNodeRejected,
    GraphNodeUnavailable,
    PermanentError,
)
from ledgergraph.graph_client import GraphClient
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.manifest import SourceUnitError, SourceUnitManifest, error_key, manifest_key
from ledgergraph.objectstore import LocalObjectStore

KEY = "handler-test-key"
BOEING = "0000012927-24-000010"


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture
def node() -> Iterator[tuple[StubGraphNode, str]]:
    stub = StubGraphNode(api_key=KEY)
    server = serve(stub)
    yield stub, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: LocalObjectStore, node: tuple
) -> Callable[[str], Callable[[dict, Any], dict]]:
    monkeypatch.setenv("LEDGERGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERGRAPH_STORE_URI", store.base_uri)
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_URL", node[1])
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_KEY", KEY)
    return handler_of


def register_event_files(stub: StubGraphNode, files: list[dict]) -> None:
    for f in files:
        stub.files[f["file_id"]] = {"table": f["table"], "unit": BOEING, "rows": f["rows"]}
        stub.files[f["file_id"]]["status"] = "registered"


def test_plan_batches_writes_one_batch_per_two_filings(handler, store) -> None:
    request = event("plan_batches", "three_filings")

    result = handler("plan_batches")(request, context("plan"))

    assert (result["batch_count"], result["filing_count"]) == (2, 3)
    plan = json.loads(store.get_bytes(result["batches_key"]))
    assert [b["index"] for b in plan] == [0, 1]
    assert [len(b["filings"]) for b in plan] == [2, 1]
    first = Batch.model_validate_json(store.get_bytes(plan[0]["batch_key"]))
    assert [f.source_unit for f in first.filings] == [BOEING, "0000320193-23-000106"]
    assert first.filings[0] == FilingRef.model_validate(request["filings"][0])
    assert plan[1]["filings"] == [
        {"source_unit": "0001628280-24-032662", "cik": 1318605, "form": "10-Q"}
    ]


def test_plan_batches_drops_a_repeated_filing(handler) -> None:
    request = event("plan_batches", "three_filings")
    request["filings"].append(request["filings"][0])

    result = handler("plan_batches")(request, context("plan"))

    assert result["filing_count"] == 3


def test_plan_batches_refuses_a_run_id_that_would_leave_its_folder(handler) -> None:
    request = event("plan_batches", "three_filings") | {"run_id": "../published"}

    with pytest.raises(ValidationError):
        handler("plan_batches")(request, context("plan"))


def test_collect_batch_tells_processed_failed_and_silent_filings_apart(handler, store) -> None:
    request = event("collect_batch", "batch")
    plan = event("plan_batches", "three_filings")
    filings = [FilingRef.model_validate(f) for f in plan["filings"]]
    batch = Batch(graph_id="sec", run_id=plan["run_id"], index=0, filings=filings)
    store.put_bytes(request["batch_key"], batch.model_dump_json().encode())
    write_good_filing(store, "sec", BOEING, 12927)
    failure = SourceUnitError(
        graph_id="sec",
        source_unit="0000320193-23-000106",
        error_type="FilingNotLoadable",
        message="filing 0000320193-23-000106: package file aapl-20230930_lab.xml is missing",
        created_at="2026-12-04T03:00:00+00:00",
        facts_in_document=1164,  # Apple's instance, counted before Arelle failed
    )
    store.put_bytes(error_key("sec", failure.source_unit), failure.model_dump_json().encode())

    result = handler("collect_batch")(request, context("collect"))

    boeing, apple, tesla = json.loads(store.get_bytes(result["outcomes_key"]))["filings"]
    assert result["loadable"] == [BOEING]
    assert (result["processed"], result["failed"]) == (1, 2)
    assert (boeing["status"], boeing["facts_in_document"], boeing["facts_rejected"]) == (
        "processed",
        FACTS_IN_DOCUMENT,
        1,
    )
    assert boeing["processing_ms"] == 12 and boeing["form"] == "10-K"
    assert (apple["status"], apple["error_type"]) == ("failed", "FilingNotLoadable")
    assert "aapl-20230930_lab.xml is missing" in apple["error"]
    # every fact of a failed filing is rejected for its error, when they were counted
    assert (apple["facts_in_document"], apple["facts_rejected"]) == (1164, 1164)
    assert (tesla["status"], tesla["error_type"]) == ("failed", "NoOutput")
    assert (tesla["facts_in_document"], tesla["facts_rejected"]) == (None, None)
    assert "0001628280-24-032662" in tesla["error"]


def test_register_files_registers_every_table_with_key_and_correlation(
    handler, store, node
) -> None:
    stub, _ = node
    request = event("register_files", "filing")
    write_good_filing(store, "sec", BOEING, 12927)

    result = handler("register_files")(request, context("register"))

    assert [f["table"] for f in result["files"]] == list(STUB_TABLES)
    assert [f["rows"] for f in result["files"]] == list(STUB_TABLES.values())
    assert all(stub.files[f["file_id"]]["unit"] == BOEING for f in result["files"])
    assert {c[2] for c in stub.calls} == {request["correlation_id"]}


def test_register_files_refuses_facts_that_do_not_reconcile(handler, store) -> None:
    write_good_filing(store, "sec", BOEING, 12927)
    manifest = SourceUnitManifest.model_validate_json(store.get_bytes(manifest_key("sec", BOEING)))
    manifest.facts.in_document += 1
    store.put_bytes(manifest_key("sec", BOEING), manifest.model_dump_json().encode())

    with pytest.raises(FilingError, match=f"facts of {BOEING} do not reconcile"):
        handler("register_files")(event("register_files", "filing"), context("register"))


def test_stage_files_stages_each_registered_file(handler, node) -> None:
    request = event("stage_files", "filing")
    register_event_files(node[0], request["files"])

    result = handler("stage_files")(request, context("stage"))

    assert result["rows_staged"] == 1 + 1 + 2466 + 1 + 2466
    assert {node[0].files[f["file_id"]]["status"] for f in request["files"]} == {"staged"}


def test_stage_files_reports_the_nodes_reason_when_it_refuses(handler, node) -> None:
    request = event("stage_files", "filing")
    register_event_files(node[0], request["files"])
    node[0].reject.add(("stage", BOEING))

    with pytest.raises(GraphNodeRejected, match="422 StagingError: file of .* null key"):
        handler("stage_files")(request, context("stage"))


def test_materialize_graph_loads_tables_in_load_order_and_twice_adds_nothing(
    handler, node, capsys
) -> None:
    request = event("materialize_graph", "filing")
    register_event_files(node[0], request["files"])
    materialize = handler("materialize_graph")

    first = materialize(request, context("materialize"))
    again = materialize(request, context("materialize"))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "_aws" in line]

    order = [c for c in node[0].calls if c[0] == "materialize"]
    tables = [node[0].files[f["file_id"]]["table"] for f in request["files"]]
    assert list(first["tables"]) == [t for t in LOAD_ORDER if t in tables]
    assert len(order) == 2 * len(tables)
    assert (first["facts_loaded"], first["facts_added"]) == (2466, 2466)
    assert (again["facts_loaded"], again["facts_added"]) == (2466, 0)
    assert again["tables"]["REPORT_HAS_FACT"] == {"offered": 2466, "added": 0, "present": 2466}
    metrics = [(m["FactsLoaded"], m["FactsAdded"]) for m in emitted]
    assert metrics == [([2466.0], [2466.0]), ([2466.0], [0.0])]  # EMF values are lists


def test_a_busy_graph_node_is_a_transient_error(handler, node) -> None:
    request = event("materialize_graph", "filing")
    register_event_files(node[0], request["files"])
    node[0].unavailable_once.add(("materialize", BOEING))

    with pytest.raises(GraphNodeUnavailable, match="503 WriterBusy"):
        handler("materialize_graph")(request, context("materialize"))


def test_graph_client_turns_a_closed_port_into_a_transient_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = GraphClient(f"http://127.0.0.1:{port}", timeout_s=2)
    with client, pytest.raises(GraphNodeUnavailable, match="unreachable"):
        client.status()


def test_graph_client_refuses_a_graph_id_that_is_not_an_identifier(node) -> None:
    client = GraphClient(node[1], api_key=KEY)
    with client, pytest.raises(PermanentError, match="invalid graph id"):
        client.stats("../admin")
