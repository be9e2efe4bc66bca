"""A read query whose client hangs up is interrupted, and the node goes on at once.

Each query runs on a node process on 127.0.0.1 serving Boeing's three facts; the client is a
raw socket that sends the request, waits a second and closes, as a killed curl does. A
query queued behind a write (a node paused inside a materialization, the test fault point
``after-intent``) stops waiting as soon as its client has gone.
"""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx
import pytest
from test_graph_node_cases import AMAZON_10K, amazon_facts, load_case_filing
from test_graph_node_query_limits import KEY, boeing_home, start_node

from graph_node.cancellation import Cancellation, acquire_unless_cancelled
from graph_node.errors import QueryCancelled, RequestCancelled, http_status
from graph_node.faults import MARKER_NAME
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.errors import LedgerGraphError
from ledgergraph.graph_client import GraphClient

# Ten billion rows to count: minutes of work, far past the second the client waits.
ENDLESS_CYPHER = (
    "UNWIND range(1, 100000) AS x UNWIND range(1, 100000) AS y "
    "WITH x + y AS s WHERE s = -1 RETURN count(*)"
)
ENDLESS_SQL = "SELECT count(*) FROM range(100000) a, range(100000) b WHERE a.range + b.range < 0"


class Node(NamedTuple):
    url: str
    log: Path


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """A writer node process on 127.0.0.1 serving Boeing's facts, and its log."""
    home = boeing_home(tmp_path_factory.mktemp("writer"))
    run = tmp_path_factory.mktemp("run")
    process, url = start_node(home, run)
    try:
        yield Node(url, run / "node.log")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def hang_up_after(
    url: str, path: str, body: dict | None, *, seconds: float, correlation: str
) -> bytes:
    """POST ``body`` (None: no body) to ``path``, close the connection after ``seconds``;
    what came back."""
    host, port = url.removeprefix("http://").split(":")
    payload = b"" if body is None else json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nX-Api-Key: {KEY}\r\n"
        f"X-Correlation-Id: {correlation}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head.encode() + payload)
        time.sleep(seconds)
        sock.setblocking(False)
        try:
            return sock.recv(65536)
        except BlockingIOError:
            return b""


def logged(node_log: Path, correlation: str) -> list[dict]:
    lines = (json.loads(line) for line in node_log.read_text().splitlines() if line[:1] == "{")
    return [line for line in lines if line.get("correlation_id") == correlation]


def wait_for_line(node_log: Path, correlation: str, message: str) -> dict:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [x for x in logged(node_log, correlation) if x.get("message") == message]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no {message!r} logged for {correlation}")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/databases/sec/query", {"cypher": ENDLESS_CYPHER}),
        ("/databases/sec/tables/query", {"sql": ENDLESS_SQL}),
    ],
    ids=["cypher", "staging-sql"],
)
def test_a_query_whose_client_hung_up_is_interrupted_and_logged_as_cancelled(
    node: Node, path: str, body: dict
) -> None:
    correlation = f"hang-up-{path.replace('/', '-')}"
    answered = hang_up_after(node.url, path, body, seconds=1.0, correlation=correlation)
    hung_up = time.monotonic()
    with httpx.Client(base_url=node.url, headers={"X-Api-Key": KEY}, timeout=60) as http:
        one = http.post("/databases/sec/query", json={"cypher": "RETURN 1"})
    handled = wait_for_line(node.log, correlation, "request handled")

    assert answered == b""  # the query was still running when the client left
    assert one.json()["rows"] == [[1]]
    # margins for a loaded machine: uninterrupted, each query runs for minutes
    assert time.monotonic() - hung_up < 5
    assert handled["status"] == 499 and handled["path"] == path
    assert 1000 <= handled["duration_ms"] < 5000
    failed = wait_for_line(node.log, correlation, "request cancelled")
    assert failed["error_type"] == "QueryCancelled"
    assert "interrupted, the client hung up" in failed["error"]


def test_a_write_waiting_behind_a_hung_up_query_goes_on_at_once(
    node: Node,
) -> None:
    """A publish needs the graph without readers; the abandoned query must not hold it."""
    results: dict[str, httpx.Response] = {}

    def publish() -> None:
        with httpx.Client(base_url=node.url, headers={"X-Api-Key": KEY}, timeout=60) as http:
            headers = {"X-Correlation-Id": "publish-behind-a-hang-up"}
            results["publish"] = http.post("/databases/sec/publish", headers=headers)

    correlation = "hang-up-before-publish"
    writer = threading.Thread(target=publish)
    body = {"cypher": ENDLESS_CYPHER}
    timer = threading.Timer(0.3, writer.start)
    timer.start()
    hang_up_after(node.url, "/databases/sec/query", body, seconds=1.0, correlation=correlation)
    hung_up = time.monotonic()
    writer.join(timeout=30)

    assert results["publish"].status_code == 200, results["publish"].text
    assert results["publish"].json()["tables"]["Fact"] == 3
    assert time.monotonic() - hung_up < 10
    # it had started before the hang-up (at 0.3 s of 1 s) and waited for the query to go
    published = wait_for_line(node.log, "publish-behind-a-hang-up", "request handled")
    assert published["duration_ms"] >= 500


def test_a_query_cancelled_while_waiting_for_the_graph_never_runs(tmp_path: Path) -> None:
    """A hang-up noticed before the query got the graph (behind a write) refuses it there."""
    service = GraphService(NodeSettings(home=boeing_home(tmp_path)), read_only=True)
    cancellation = Cancellation(what="Cypher query")
    cancellation.cancel()
    try:
        with pytest.raises(QueryCancelled, match="the client hung up before it started"):
            service.query_cypher("sec", ENDLESS_CYPHER, cancellation=cancellation)
        with pytest.raises(QueryCancelled, match="the client hung up before it started"):
            service.query_staging("sec", ENDLESS_SQL, cancellation=cancellation)
        counted = service.query_cypher("sec", "MATCH (f:Fact) RETURN count(f)")
    finally:
        service.close()

    assert counted["rows"] == [[3]]


def test_a_write_waiting_for_its_lock_when_cancelled_is_a_request_not_a_query() -> None:
    held = threading.Lock()
    held.acquire()
    cancellation = Cancellation(what="delete source")
    cancellation.cancel()

    with pytest.raises(RequestCancelled) as raised:
        acquire_unless_cancelled(held, timeout_s=5.0, cancellation=cancellation)

    assert not isinstance(raised.value, QueryCancelled)
    assert str(raised.value) == (
        "delete source: the client hung up while it waited for the graph's writer lock"
    )
    assert http_status(raised.value) == 499
    assert http_status(QueryCancelled("Cypher query: interrupted")) == 499


@pytest.fixture
def busy_node(tmp_path: Path) -> Iterator[Node]:
    """A writer node serving Boeing's facts, paused while it COPYs Amazon's (holding the
    graph's writer gate); reads wait for it up to the default 60 s query limit plus 5 s."""
    home = boeing_home(tmp_path / "home")
    process, url = start_node(home, tmp_path, LEDGERGRAPH_TEST_PAUSE_AT="after-intent:Fact")

    def load_amazon() -> None:  # fails once the node is killed at the pause point
        with GraphClient(url, api_key=KEY) as client, contextlib.suppress(LedgerGraphError):
            load_case_filing(client, home / "store", AMAZON_10K, amazon_facts())

    try:
        threading.Thread(target=load_amazon, daemon=True).start()
        deadline = time.monotonic() + 60
        while not (home / MARKER_NAME).exists():
            assert process.poll() is None and time.monotonic() < deadline, "never paused"
            time.sleep(0.05)
        yield Node(url, tmp_path / "node.log")
    finally:
        process.kill()  # it sleeps at the pause point: no clean stop to wait for
        process.wait(timeout=30)


def test_a_query_waiting_behind_a_write_stops_waiting_when_its_client_hangs_up(
    busy_node: Node,
) -> None:
    """Before, the request held its thread for the whole 65 s wait, then answered 503."""
    correlation = "hang-up-behind-a-write"
    body = {"cypher": "MATCH (f:Fact) RETURN count(f)"}
    answered = hang_up_after(busy_node.url, "/databases/sec/query", body, seconds=1.0,
                             correlation=correlation)  # fmt: skip
    handled = wait_for_line(busy_node.log, correlation, "request handled")

    assert answered == b""  # still waiting for the write when the client left
    assert handled["status"] == 499
    assert 1000 <= handled["duration_ms"] < 10_000  # margins for a loaded machine
    failed = wait_for_line(busy_node.log, correlation, "request cancelled")
    assert failed["error_type"] == "QueryCancelled"
    assert failed["error"] == (
        "Cypher query: the client hung up while it waited for a write to end"
    )


@pytest.mark.parametrize(
    ("path", "body", "what"),
    [
        ("/databases/sec/tables", {"file_ids": ["f" * 32]}, "stage files"),
        ("/databases/sec/publish", None, "publish"),
    ],
    ids=["stage", "publish"],
)
def test_a_write_waiting_for_the_writer_lock_stops_when_its_client_hangs_up(
    busy_node: Node, path: str, body: dict | None, what: str
) -> None:
    """Before, the request held its thread for the writer lock's whole 30 s wait (then
    answered 503 WriterBusy to nobody); now it ends within a poll of the hang-up."""
    correlation = f"hang-up-waiting-to-{what.replace(' ', '-')}"
    answered = hang_up_after(busy_node.url, path, body, seconds=1.0, correlation=correlation)
    handled = wait_for_line(busy_node.log, correlation, "request handled")

    assert answered == b""  # still waiting for the writer lock when the client left
    assert (handled["status"], handled["path"]) == (499, path)
    assert 1000 <= handled["duration_ms"] < 10_000  # margins for a loaded machine
    failed = wait_for_line(busy_node.log, correlation, "request cancelled")
    assert failed["error_type"] == "RequestCancelled"  # not a query
    assert failed["error"] == (
        f"{what}: the client hung up while it waited for the graph's writer lock"
    )
