"""MaterializeBatch with its canonical event, against a folder store and the stub graph node.

The two filings of ``events/materialize_batch/batch.json`` are written, registered and
staged by the real RegisterFiles and StageFiles handlers first; the third failed staging
and is left out. The stub records every request, so the tests see which files went into
which call.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from handler_events import context, event, handler_of
from pipeline_stubs import STUB_TABLES, StubGraphNode, serve, write_good_filing

from ledgergraph.errors import GraphNodeUnavailable
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_outcomes import load_key

KEY = "handler-test-key"
RUN = "run-20261204T030000Z-5f2a9c"
BOEING, APPLE, AMAZON = "0000012927-24-000010", "0000320193-23-000106", "0001018724-23-000004"
FACTS = STUB_TABLES["Fact"]


class MiscreditingNode(StubGraphNode):
    """The stub, but its registry credits one row too few to Apple's files."""

    def _query(self, body: dict, headers: Any) -> tuple[int, dict]:
        status, answer = super()._query(body, headers)
        for row in answer["rows"]:
            if row[0] == APPLE and row[5]:
                row[5] -= 1
        return status, answer


class RelationshipRefusingNode(StubGraphNode):
    """The stub, but it refuses Apple's REPORT_HAS_FACT (its nodes materialize first)."""

    def _operate(self, op: str, body: dict, headers: Any, table: str | None) -> tuple[int, dict]:
        units = {self.files[i]["unit"] for i in body["file_ids"]}
        if op == "materialize" and table == "REPORT_HAS_FACT" and APPLE in units:
            self.requests.append((op, table, sorted(units)))
            return 422, {"error": {"type": "MissingEndpoints", "message": "no such Fact"}}
        return super()._operate(op, body, headers, table)


class UndeletingNode(RelationshipRefusingNode):
    """... and answers a delete with 409, as a node that cannot delete now would."""

    def _delete(self, unit: str, headers: Any) -> tuple[int, dict]:
        return 409, {"error": {"type": "Conflict", "message": "not now", "transient": False}}


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture(params=[StubGraphNode], ids=["stub"])
def node(request: pytest.FixtureRequest) -> Iterator[StubGraphNode]:
    stub = request.param(api_key=KEY)
    server = serve(stub)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture
def materialize(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: LocalObjectStore, node: StubGraphNode
) -> Callable[[dict], dict]:
    """Stages Boeing's and Apple's files, then returns MaterializeBatch's handler."""
    monkeypatch.setenv("LEDGERGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERGRAPH_STORE_URI", store.base_uri)
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_URL", node.url)
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_KEY", KEY)
    for unit, cik in ((BOEING, 12927), (APPLE, 320193)):
        write_good_filing(store, "sec", unit, cik)
        request = event("register_files", "filing") | {"source_unit": unit}
        registered = handler_of("register_files")(request, context("register"))
        handler_of("stage_files")(request | registered, context("stage"))
    handler = handler_of("materialize_batch")
    return lambda request: handler(request, context("materialize"))


def record(store: LocalObjectStore, unit: str) -> dict[str, Any]:
    return json.loads(store.get_bytes(load_key("sec", RUN, unit)))


def materialized(node: StubGraphNode) -> list[tuple[str | None, list[str]]]:
    return [(table, units) for op, table, units in node.requests if op == "materialize"]


def test_one_call_per_table_loads_every_staged_filing_of_the_batch(materialize, node, store):
    result = materialize(event("materialize_batch", "batch"))

    assert materialized(node) == [(table, [BOEING, APPLE]) for table in STUB_TABLES]
    assert (result["staged"], result["loaded"], result["failed"]) == (2, 2, 1)
    boeing, apple = record(store, BOEING), record(store, APPLE)
    assert (boeing["status"], boeing["facts_loaded"], boeing["facts_added"]) == ("loaded", 5, 5)
    assert (apple["status"], apple["facts_loaded"], apple["facts_added"]) == ("loaded", 5, 5)
    assert boeing["loading_ms"] >= 410 and apple["loading_ms"] >= 385  # staging's time + share
    assert not store.exists(load_key("sec", RUN, AMAZON))  # its staging failure is recorded


def test_a_repeat_offers_nothing_and_a_new_run_adds_nothing(materialize, node, store) -> None:
    materialize(event("materialize_batch", "batch"))
    calls = len(node.requests)

    again = materialize(event("materialize_batch", "batch"))
    rerun = materialize(event("materialize_batch", "batch") | {"run_id": "run-2"})

    assert node.requests[calls:] == []  # every file is materialized already: no call
    assert (again["loaded"], again["calls"], rerun["loaded"], rerun["calls"]) == (2, 0, 2, 0)
    # the same run's step repeated still credits what the run added; another run, nothing
    assert (record(store, BOEING)["facts_loaded"], record(store, BOEING)["facts_added"]) == (5, 5)
    later = json.loads(store.get_bytes(load_key("sec", "run-2", BOEING)))
    assert (later["facts_loaded"], later["facts_added"]) == (5, 0)


def test_a_table_the_node_refuses_is_retried_filing_by_filing_to_name_the_culprit(
    materialize, node, store
) -> None:
    node.reject.add(("materialize", APPLE))

    result = materialize(event("materialize_batch", "batch"))

    tables = list(STUB_TABLES)
    assert (
        materialized(node)
        == [
            ("Entity", [BOEING, APPLE]),  # the batch's call fails,
            ("Entity", [BOEING]),  # so each filing alone:
            ("Entity", [APPLE]),  # this one is the culprit and left out of the rest
            *[(table, [BOEING]) for table in tables[1:]],
        ]
    )
    assert (result["loaded"], result["failed"], result["fallback_tables"]) == (1, 2, ["Entity"])
    apple = record(store, APPLE)
    assert (apple["status"], apple["error"], apple["table"]) == (
        "failed", "GraphNodeRejected", "Entity"
    )  # fmt: skip
    assert apple["cause"].startswith(f"{APPLE}: Entity not materialized: POST ")
    assert "422 MissingEndpoints" in apple["cause"]
    assert record(store, BOEING)["facts_loaded"] == FACTS


def test_a_filing_the_registry_does_not_hold_in_full_is_left_out(materialize, node, store):
    request = event("materialize_batch", "batch")
    request["filings"][0]["files"] = len(STUB_TABLES) + 1

    result = materialize(request)

    assert materialized(node) == [(table, [APPLE]) for table in STUB_TABLES]
    assert result["loaded"] == 1
    boeing = record(store, BOEING)
    assert boeing["status"] == "failed"
    assert boeing["cause"] == (
        f"{BOEING}: the registry holds 4 staged files, StageFiles staged 5; removed from "
        "staging and the graph (0 rows it had added there)"
    )


@pytest.mark.parametrize("node", [MiscreditingNode], ids=["miscrediting"], indirect=True)
def test_rows_the_registry_does_not_credit_fail_their_filing(materialize, node, store) -> None:
    materialize(event("materialize_batch", "batch"))

    apple = record(store, APPLE)
    assert (apple["status"], apple["table"]) == ("failed", "Entity")
    assert "has 1 rows, the registry credits 0 added + 0 present" in apple["cause"]
    assert record(store, BOEING)["status"] == "loaded"


def test_a_busy_node_is_a_transient_error_and_the_retry_loads_everything(
    materialize, node, store
) -> None:
    node.unavailable_once.add(("materialize", APPLE))

    with pytest.raises(GraphNodeUnavailable, match="503 WriterBusy"):
        materialize(event("materialize_batch", "batch"))
    assert not store.exists(load_key("sec", RUN, BOEING))
    retried = materialize(event("materialize_batch", "batch"))

    assert retried["loaded"] == 2
    assert record(store, APPLE)["facts_loaded"] == FACTS


@pytest.mark.parametrize("node", [RelationshipRefusingNode], ids=["refusing"], indirect=True)
def test_a_filing_failing_after_its_nodes_loaded_is_taken_out_of_the_graph(
    materialize, node, store
) -> None:
    result = materialize(event("materialize_batch", "batch"))

    assert (result["loaded"], result["failed"]) == (1, 2)
    apple = record(store, APPLE)
    assert (apple["status"], apple["table"]) == ("failed", "REPORT_HAS_FACT")
    # its Entity, Report and Fact rows (1 + 1 + 5) had reached the graph
    assert apple["cause"].endswith(
        "; removed from staging and the graph (7 rows it had added there)"
    )
    assert node.requests[-1] == ("delete", None, [APPLE])
    assert {e["status"] for e in node.files.values() if e["unit"] == APPLE} == {"deleted"}
    assert record(store, BOEING)["status"] == "loaded"


@pytest.mark.parametrize("node", [UndeletingNode], ids=["undeleting"], indirect=True)
def test_a_delete_the_node_refuses_names_the_command_that_finishes_it(
    materialize, node, store
) -> None:
    materialize(event("materialize_batch", "batch"))

    cause = record(store, APPLE)["cause"]
    assert "; removing its rows failed (" in cause and "409 Conflict" in cause
    assert cause.endswith(f"run `ledgergraph delete-source {APPLE}`")
    assert record(store, BOEING)["status"] == "loaded"
