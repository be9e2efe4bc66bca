"""Engine faults do not take the node down: a native crash in an engine worker, a query
that would exhaust memory, and rows the engine must never see.

The native crash is real (the worker process dies of SIGSEGV) but provoked on purpose
(``LEDGERGRAPH_TEST_CRASH_AT``): no input is known that crashes real_ladybug 0.15.3.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_graph_cases import APPLE, NodeProcess, copy_store, materialize_all, register_and_stage

from ledgergraph.errors import GraphNodeRejected

pytestmark = pytest.mark.slow
HUGE_LIST = "UNWIND range(1, 2000000000) AS x RETURN count(x)"
HUGE_VALUE = "SELECT length(repeat('x', 700000000)) AS n"
LIST_OF_2M = "UNWIND range(1, 2000000) AS x RETURN count(x)"  # ~1.4 GiB here


def test_a_native_crash_in_a_child_copy_names_the_table_and_the_node_serves_on(
    tmp_path: Path,
) -> None:
    store = copy_store(tmp_path)
    node = NodeProcess(tmp_path / "node", store, LEDGERGRAPH_COPY_ISOLATION="child-process")
    node.start(LEDGERGRAPH_TEST_CRASH_AT="FACT_HAS_PERIOD")
    try:
        with node.client() as client:
            ids = register_and_stage(client, store, APPLE)
            with pytest.raises(GraphNodeRejected) as failure:
                materialize_all(client, ids)
            status = client.status()
            facts = client.query_cypher("sec", "MATCH (f:Fact) RETURN count(f)")["rows"]
            periods = client.stats("sec")["relationships"]["FACT_HAS_PERIOD"]
    finally:
        node.stop()

    message = str(failure.value)
    assert "500 EngineCrashed" in message and "SIGSEGV" in message
    assert "FACT_HAS_PERIOD" in message
    assert status["status"] == "ok" and facts == [[1060]] and periods == 0

    node.start()  # no crash this time: the same call completes
    try:
        with node.client() as client:
            answers = materialize_all(client, ids)
    finally:
        node.stop()
    assert answers["FACT_HAS_PERIOD"]["rows_added"] == 1060


def test_a_query_building_a_huge_list_fails_alone(tmp_path: Path) -> None:
    store = copy_store(tmp_path)
    node = NodeProcess(tmp_path / "node", store).start()
    try:
        with node.client() as client:
            materialize_all(client, register_and_stage(client, store, APPLE))
            with pytest.raises(GraphNodeRejected) as failure:
                client.query_cypher("sec", HUGE_LIST)
            after = client.query_cypher("sec", "MATCH (f:Fact) RETURN count(f)")["rows"]
    finally:
        node.stop()

    assert "400 QueryFailed" in str(failure.value)
    assert "more memory than the node allows" in str(failure.value)
    assert after == [[1060]]


def _address_space_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmSize")


def test_huge_staging_values_do_not_use_up_the_address_space_cap(tmp_path: Path) -> None:
    # DuckDB builds repeat()'s value outside its memory_limit, and its allocator kept the
    # address space it freed (1.3 GiB after this query), which the node's cap counts: a few
    # such queries left graph queries failing "bad allocation" until a restart
    store = copy_store(tmp_path)
    node = NodeProcess(tmp_path / "node", store).start()
    try:
        with node.client() as client:
            materialize_all(client, register_and_stage(client, store, APPLE))
            before = _address_space_mib(node.process.pid)
            answers = [client.query_staging("sec", HUGE_VALUE)["rows"] for _ in range(3)]
            grown = _address_space_mib(node.process.pid) - before
            listed = client.query_cypher("sec", LIST_OF_2M)["rows"]
    finally:
        node.stop()

    assert answers == [[[700_000_000]]] * 3
    assert grown < 256, f"the node kept {grown} MiB of address space"
    assert listed == [[2_000_000]]
