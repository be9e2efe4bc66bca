"""How the graph client classifies the node's failures: what the state machine retries."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgergraph.errors import GraphNodeRejected, GraphNodeUnavailable
from ledgergraph.graph_client import GraphClient


def _client(status: int, body: dict[str, Any] | str) -> GraphClient:
    def answer(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    return GraphClient("http://127.0.0.1:9", transport=httpx.MockTransport(answer))


def _error(kind: str, message: str, *, transient: bool) -> dict[str, Any]:
    return {"error": {"type": kind, "message": message, "transient": transient}}


CRASH = (
    "copying rows into FACT_HAS_PERIOD: the graph engine crashed (SIGSEGV) copying table "
    "FACT_HAS_PERIOD in a child process; the node and its live graph are unharmed"
)


def test_an_engine_crash_on_the_rows_of_the_call_is_not_retried() -> None:
    client = _client(500, _error("EngineCrashed", CRASH, transient=False))
    with client, pytest.raises(GraphNodeRejected) as failure:
        client.materialize("sec", "FACT_HAS_PERIOD", ["f1"])
    assert "500 EngineCrashed" in str(failure.value) and "FACT_HAS_PERIOD" in str(failure.value)


def test_a_store_that_refuses_the_nodes_writes_is_not_retried() -> None:
    cause = (
        "publishing graph sec: NotADirectoryError: [Errno 20] Not a directory: "
        "'/srv/store/published/sec'"
    )
    client = _client(500, _error("StoreRefused", cause, transient=False))
    with client, pytest.raises(GraphNodeRejected, match="500 StoreRefused: publishing graph"):
        client.publish("sec")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (
            503,
            _error("WriterBusy", "graph 'sec' is busy with another write; retry", transient=True),
        ),
        (500, _error("InternalError", "internal error; see the node's log", transient=False)),
        (502, "<html>bad gateway</html>"),
        (429, "slow down"),
    ],
)
def test_other_server_failures_are_retried(status: int, body: dict[str, Any] | str) -> None:
    client = _client(status, body)
    with client, pytest.raises(GraphNodeUnavailable, match=f"-> {status}"):
        client.materialize("sec", "Fact", ["f1"])


def test_a_refusal_carries_the_nodes_message() -> None:
    refusal = _error(
        "GraphDamaged", "graph 'sec': graph file /x/graph.lbug is damaged", transient=False
    )
    client = _client(409, refusal)
    with client, pytest.raises(GraphNodeRejected, match="409 GraphDamaged: graph 'sec': graph"):
        client.stats("sec")
