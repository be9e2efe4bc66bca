"""A query whose answer is too large fails alone with 400 QueryFailed; the node serves on.

The tester's staging query of 150 values of 10 MB answered 500 (a MemoryError, or a panic
while the answer was serialised) or killed the node. Here a node process on 127.0.0.1 gets
the same shapes scaled down to a small LEDGERGRAPH_MAX_RESULT_MB, and a small address-space
cap, so the test stays within a few hundred MB.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_graph_node_query_limits import KEY, boeing_home, start_node

MIB = 1 << 20
SQL = "/databases/sec/tables/query"
CYPHER = "/databases/sec/query"
COUNT_SQL = {"sql": 'SELECT count(*) FROM "Fact"'}
COUNT_CYPHER = {"cypher": "MATCH (f:Fact) RETURN count(f)"}


def large_values_sql(rows: int, chars: int) -> dict[str, str]:
    return {"sql": f"SELECT repeat('x', {chars}) AS s FROM range({rows})"}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return boeing_home(tmp_path_factory.mktemp("home"))


@pytest.fixture(scope="module")
def node(home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen]:
    """A node process answering at most 1 MiB per query; its URL is ``node.url``."""
    run = tmp_path_factory.mktemp("run")
    process, url = start_node(home, run, LEDGERGRAPH_MAX_RESULT_MB="1")
    process.url = url  # type: ignore[attr-defined]
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def client(node: subprocess.Popen) -> httpx.Client:
    url = node.url  # type: ignore[attr-defined]
    return httpx.Client(base_url=url, headers={"X-Api-Key": KEY}, timeout=60)


def test_a_staging_answer_past_the_size_limit_fails_naming_it_and_the_node_serves_on(
    node: subprocess.Popen,
) -> None:
    with client(node) as http:
        answer = http.post(SQL, json=large_values_sql(150, 100_000))  # 15 MB
        facts = http.post(SQL, json=COUNT_SQL)
        graph = http.post(CYPHER, json=COUNT_CYPHER)

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert (error["type"], error["transient"]) == ("QueryFailed", False)
    assert error["message"] == (
        "staging query: the result is too large: its first 11 rows pass the node's limit of "
        "1 MiB of JSON per answer (LEDGERGRAPH_MAX_RESULT_MB); ask for fewer rows or columns, "
        "or shorter values (left(s, 1000)), or page through them with LIMIT and OFFSET (SQL) "
        "or SKIP (Cypher)"
    )
    assert facts.json()["rows"] == [[3]] and graph.json()["rows"] == [[3]]
    assert node.poll() is None


def test_the_size_limit_counts_the_answer_as_sent(node: subprocess.Popen) -> None:
    # ten values of 100,000 characters answer 1,000,0xx bytes, under 1 MiB; eleven do not
    with client(node) as http:
        ten = http.post(SQL, json=large_values_sql(10, 100_000))
        eleven = http.post(SQL, json=large_values_sql(11, 100_000))

    assert ten.status_code == 200 and len(ten.json()["rows"]) == 10
    assert 1_000_000 < len(ten.content) <= MIB
    assert eleven.status_code == 400
    assert "its first 11 rows pass the node's limit of 1 MiB" in eleven.json()["error"]["message"]


def test_a_cypher_answer_past_the_size_limit_fails_the_same_way(node: subprocess.Popen) -> None:
    values = "UNWIND range(1, 150) AS i RETURN i, repeat('x', 100000) AS s"
    left = "UNWIND range(1, 150) AS i RETURN i, left(repeat('x', 100000), 10) AS s"
    with client(node) as http:
        answer = http.post(CYPHER, json={"cypher": values})
        shorter = http.post(CYPHER, json={"cypher": left})

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"].startswith(
        "Cypher query: the result is too large: its first 11 rows pass the node's limit of "
        "1 MiB of JSON per answer (LEDGERGRAPH_MAX_RESULT_MB)"
    )
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["rows"][149] == [150, "x" * 10]


def test_a_query_running_out_of_memory_answers_400_naming_the_cap_and_the_node_serves_on(
    tmp_path: Path,
) -> None:
    # 100 MB of values under a 256 MiB cap: the answer, its JSON and its bytes do not fit
    home = boeing_home(tmp_path / "home")
    process, url = start_node(
        home, tmp_path, LEDGERGRAPH_MEMORY_LIMIT_MB="256", LEDGERGRAPH_MAX_RESULT_MB="1024"
    )
    try:
        with httpx.Client(base_url=url, headers={"X-Api-Key": KEY}, timeout=60) as http:
            answers = [http.post(SQL, json=large_values_sql(10_000, 10_000)) for _ in range(2)]
            facts = http.post(SQL, json=COUNT_SQL)
            graph = http.post(CYPHER, json=COUNT_CYPHER)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)

    for answer in answers:  # the same each time: not a 500 worth a retry
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"]["type"] == "QueryFailed"
        assert "LEDGERGRAPH_MEMORY_LIMIT_MB" in answer.json()["error"]["message"]
    assert facts.json()["rows"] == [[3]] and graph.json()["rows"] == [[3]]
    assert process.returncode == 0
