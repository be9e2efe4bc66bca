"""Cypher too long, too deeply nested or tied in ways the engine dies on is refused first.

real_ladybug 0.15.3 dies of SIGSEGV on some of these shapes (tester3 H1): the node would go
down with it, so each is checked against a node process on 127.0.0.1 that must still answer.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing

from graph_node.cypher_guard import measure_shape
from graph_node.errors import QueryRefused
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from localrun.cli import main as cli

KEY = "test-key-not-a-secret"


def nested(opening: str, closing: str, depth: int, inner: str = "1") -> str:
    return "RETURN " + opening * depth + inner + closing * depth


# The shapes of the report, then shapes short enough to pass the length limit.
CRASHING = {
    "10000 terms": ("RETURN " + "+".join(["1"] * 10_000), "20,006 characters long"),
    "5000 parentheses": (nested("(", ")", 5000), "10,008 characters long"),
    "3000 lists": (nested("[", "]", 3000), "nest 3,000 deep, at most 16"),
    "4000 terms": ("RETURN " + "+".join(["1"] * 4000), "3,999 operators"),
    "2000 parentheses": (nested("(", ")", 2000), "nest 2,000 deep"),
    "20 CASE": (
        nested("CASE WHEN true THEN ", " END", 20),
        "brackets (), [], {} and CASE expressions nest 20 deep, at most 16",
    ),
    "9 maps": (nested("{a: ", "}", 9), "brackets [] and {} nest 9 deep, at most 8"),
    "5 CASE": (
        nested("CASE WHEN true THEN ", " END", 5),
        "CASE expressions nest 5 deep, at most 4",
    ),
    # killed a served node on the bundled filings (docs/graph-schema.md, Correlated subqueries)
    "a subquery tied by a value": (
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '0001018724-23-000004' "
        "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = f.duplicate_group "
        "AND g.id <> f.id } RETURN f.concept, count(f)",
        "the NOT EXISTS { } subquery reads f.duplicate_group of the query around it",
    ),
    # the same, spelled past the guard that matched forms: each killed the engine too
    "a value in another case": (
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '0001018724-23-000004' "
        "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = F.duplicate_group "
        "AND g.id <> F.id } RETURN f.concept, count(f)",
        "the NOT EXISTS { } subquery reads F.duplicate_group of the query around it",
    ),
    "a backquoted variable": (
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '0001018724-23-000004' "
        "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = `f`.duplicate_group "
        "AND g.id <> f.id } RETURN f.concept, count(f)",
        "the NOT EXISTS { } subquery reads f.duplicate_group of the query around it",
    ),
    "an alias of an alias": (
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '0001018724-23-000004' "
        "WITH f, f.duplicate_group AS grp WITH f, grp AS grp2 WHERE NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group = grp2 } RETURN f.concept, count(f)",
        "the NOT EXISTS { } subquery reads grp2 of the query around it",
    ),
    "a list collected per fact": (
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '0001018724-23-000004' "
        "WITH f, collect(f.duplicate_group) AS grps WHERE NOT EXISTS { "
        "MATCH (g:Fact) WHERE g.duplicate_group IN grps } RETURN f.concept, count(f)",
        "the NOT EXISTS { } subquery reads grps of the query around it",
    ),
}
COUNT_FACTS = {"cypher": "MATCH (f:Fact) RETURN count(f)"}

# A query as people write them, 2 KB: Boeing's two revenue facts among many other concepts.
CONCEPTS = [f"us-gaap:Concept{n:03d}" for n in range(45)] + ["us-gaap:Revenues"]
REALISTIC = (
    "MATCH (f:Fact)-[:FACT_HAS_ELEMENT]->(e:Element)\n"
    "WHERE (" + "\n   OR ".join(f"e.qname = '{c}'" for c in CONCEPTS) + ")\n"
    "  AND f.decimals = '-6' AND NOT f.is_nil AND f.is_numeric\n"
    "  AND (f.value_decimal > 0 OR f.value_decimal < -1000000000000)\n"
    "  // a comment with ((( [[ {{ CASE that does not nest\n"
    "  AND f.value_text <> '((((((((((((((((((((((((((((((((((((((((((((('\n"
    "RETURN e.qname AS concept, f.value_decimal AS value ORDER BY value DESC"
)


def boeing_home(home: Path) -> Path:
    """``home`` holding Boeing's three facts, their elements, periods and unit."""
    node = GraphService(NodeSettings(home=home))
    load_case_filing(node, home / "store", BOEING_10K, boeing_facts())
    node.close()
    return home


@pytest.fixture(scope="module")
def replica(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphService]:
    home = boeing_home(tmp_path_factory.mktemp("replica"))
    node = GraphService(NodeSettings(home=home), read_only=True)
    yield node
    node.close()


def start_node(home: Path, run: Path, **settings: str) -> tuple[subprocess.Popen, str]:
    """A writer node process over ``home`` on 127.0.0.1, with the tests' key and
    ``settings`` (LEDGERGRAPH_... variables) and its log in ``run/node.log``: the process
    and its URL, once it serves. The caller stops it."""
    port_file, log_file = run / "port", run / "node.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    env |= {"LEDGERGRAPH_API_KEY": KEY, **settings}
    argv = [sys.executable, "-m", "graph_node", "serve", "--host", "127.0.0.1",
            "--port", "0", "--port-file", str(port_file), "--home", str(home)]  # fmt: skip
    with log_file.open("w") as log:
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(f"node did not write its port file: {log_file.read_text()}")
        time.sleep(0.05)
    return process, f"http://127.0.0.1:{int(port_file.read_text())}"


@pytest.fixture(scope="module")
def node_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A writer node process serving a home of its own on 127.0.0.1."""
    home = boeing_home(tmp_path_factory.mktemp("writer"))
    process, url = start_node(home, tmp_path_factory.mktemp("run"))
    try:
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.parametrize("name", list(CRASHING))
def test_a_query_the_engine_cannot_survive_is_refused_by_the_node_which_serves_on(
    node_url: str, name: str
) -> None:
    cypher, says = CRASHING[name]
    with httpx.Client(base_url=node_url, headers={"X-Api-Key": KEY}, timeout=60) as http:
        started = time.monotonic()
        answer = http.post("/databases/sec/query", json={"cypher": cypher})
        took = time.monotonic() - started
        status = http.get("/status")
        facts = http.post("/databases/sec/query", json=COUNT_FACTS)

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["type"] == "QueryRefused"
    assert says in answer.json()["error"]["message"]
    assert took < 2
    assert status.status_code == 200 and status.json()["graphs"] == ["sec"]
    assert facts.json()["rows"] == [[3]]


def test_a_realistic_two_kilobyte_query_still_runs_on_the_node(node_url: str) -> None:
    with httpx.Client(base_url=node_url, headers={"X-Api-Key": KEY}, timeout=60) as http:
        answer = http.post("/databases/sec/query", json={"cypher": REALISTIC})

    assert len(REALISTIC) > 2000
    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [
        ["us-gaap:Revenues", "77794000000"],
        ["us-gaap:Revenues", "66608000000"],
    ]


def test_a_replica_refuses_the_same_shapes(replica: GraphService) -> None:
    for cypher, says in CRASHING.values():
        with pytest.raises(QueryRefused, match=r"Cypher query refused: ") as refused:
            replica.query_cypher("sec", cypher)
        assert says in str(refused.value)


def test_ledgergraph_query_in_process_refuses_and_names_the_limit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = boeing_home(tmp_path)
    capsys.readouterr()
    parentheses = "RETURN " + "(" * 2000 + "1" + ")" * 2000

    refused = cli(["query", parentheses, "--home", str(home)])
    said = capsys.readouterr().err
    answered = cli(["query", COUNT_FACTS["cypher"], "--home", str(home)])

    assert refused != 0
    assert "brackets (), [], {} and CASE expressions nest 2,000 deep, at most 16" in said
    assert answered == 0 and "3" in capsys.readouterr().out


def test_brackets_and_words_in_strings_and_comments_neither_nest_nor_count() -> None:
    cypher = (
        "MATCH (f:Fact) /* ((((( CASE CASE [[[ AND OR */ "
        "WHERE f.concept <> 'CASE WHEN ((((([[[[{{{{ + - * AND' // ]]]] END\n"
        "RETURN [x IN [1, 2] | {v: x}] AS `((((`, f.value_decimal"
    )

    assert tuple(measure_shape(cypher)) == (2, 2, 0, 6)
