"""``ledgergraph query --endpoint`` sent to a writer node whose graph a materialization holds.

A real node on 127.0.0.1 pauses inside Amazon's Fact COPY (the test fault point
``after-intent``), holding the graph's writer gate: a read waits for the write to end, at
most the node's query time limit plus 5 s (1 + 5 s here), then the node answers 503. The
CLI's wait ends at that answer, or at once on Ctrl-C, each with one clear message.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from test_graph_node_cases import AMAZON_10K, amazon_facts, load_case_filing
from test_graph_node_query_limits import KEY, boeing_home, start_node

from graph_node.faults import MARKER_NAME
from ledgergraph.errors import LedgerGraphError
from ledgergraph.graph_client import GraphClient

FACTS = "MATCH (f:Fact) RETURN count(f)"


class BusyNode(NamedTuple):
    url: str
    home: Path


@pytest.fixture(scope="module")
def busy_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BusyNode]:
    """A writer node serving Boeing's facts, paused while it COPYs Amazon's."""
    home = boeing_home(tmp_path_factory.mktemp("busy"))
    settings = {
        "LEDGERGRAPH_QUERY_TIMEOUT_S": "1",
        "LEDGERGRAPH_TEST_PAUSE_AT": "after-intent:Fact",
    }
    node, url = start_node(home, home.parent, **settings)
    try:
        threading.Thread(target=_load_amazon, args=(url, home), daemon=True).start()
        _wait_for(home / MARKER_NAME, node)
        yield BusyNode(url, home)
    finally:
        node.kill()  # it sleeps at the pause point: no clean stop to wait for
        node.wait(timeout=30)


def _wait_for(path: Path, node: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert node.poll() is None, "the node exited"
        assert time.monotonic() < deadline, f"no {path.name} after 60 s"
        time.sleep(0.05)


def _load_amazon(url: str, home: Path) -> None:
    # the node is killed at the pause point once the tests are done: the load then fails
    with GraphClient(url, api_key=KEY) as client, contextlib.suppress(LedgerGraphError):
        load_case_filing(client, home / "store", AMAZON_10K, amazon_facts())


def _query(node: BusyNode, *flags: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    env["LEDGERGRAPH_GRAPH_API_KEY"] = KEY
    argv = [sys.executable, "-m", "localrun.cli", "query", "--endpoint", node.url,
            "--home", str(node.home), *flags, FACTS]  # fmt: skip
    return subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip


def test_a_query_behind_a_write_ends_with_the_nodes_503_as_one_json_document(
    busy_node: BusyNode,
) -> None:
    started = time.monotonic()
    out, err = _query(busy_node, "--json").communicate(timeout=60)
    waited = time.monotonic() - started

    message = (
        "POST /databases/sec/query -> 503 EngineUnavailable: the graph was being written "
        "for all the 6 s a read waits for a write to end; retry the read"
    )
    assert json.loads(out) == {"error": {"type": "GraphNodeUnavailable", "message": message}}
    assert err.splitlines()[-1] == f"error: {message}"
    assert 6 <= waited < 30


def test_ctrl_c_ends_a_query_waiting_behind_a_write_at_once(busy_node: BusyNode) -> None:
    query = _query(busy_node)
    time.sleep(2)  # sent, and waiting for the node's answer (it comes after 6 s)
    query.send_signal(signal.SIGINT)
    interrupted = time.monotonic()
    out, err = query.communicate(timeout=30)

    assert time.monotonic() - interrupted < 3
    assert query.returncode == 130 and out == ""
    assert err == "error: interrupted; query changed nothing: run it again when you want\n"
