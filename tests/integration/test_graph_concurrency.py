"""One writer, many readers: eight HTTP readers keep reading while a real filing loads.

A real node process serves a graph that already holds Apple's 10-K; eight threads run
Cypher, staging SQL and stats requests in a loop while Boeing's 10-K is staged and
materialized table by table over HTTP. Every read must succeed (reads wait while a COPY
commits; they never fail), and the counts a reader sees only grow.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from test_graph_cases import APPLE, BOEING, NodeProcess, copy_store, load_filing

pytestmark = pytest.mark.slow
READERS = 8
FACTS = "MATCH (f:Fact) RETURN count(f)"
REVENUE = "MATCH (f:Fact)-[:FACT_HAS_ELEMENT]->(:Element {id: 'us-gaap:Revenues'}) RETURN count(f)"


def test_eight_readers_never_fail_while_a_filing_is_materialized(tmp_path: Path) -> None:
    store = copy_store(tmp_path)
    node = NodeProcess(tmp_path / "node", store).start()
    failures: list[str] = []
    seen: list[list[int]] = [[] for _ in range(READERS)]
    reads = [0] * READERS
    done = threading.Event()

    def read(index: int) -> None:
        with node.client(timeout_s=120) as client:
            while not done.is_set():
                try:
                    seen[index].append(client.query_cypher("sec", FACTS)["rows"][0][0])
                    client.query_cypher("sec", REVENUE)
                    client.query_staging("sec", "SELECT count(*) FROM file_registry")
                    client.stats("sec")
                    reads[index] += 1
                except Exception as exc:  # every failure is collected and asserted on
                    failures.append(f"reader {index}: {type(exc).__name__}: {exc}")

    try:
        with node.client() as writer:
            load_filing(writer, store, APPLE)
            readers = [threading.Thread(target=read, args=(i,)) for i in range(READERS)]
            for thread in readers:
                thread.start()
            started = time.monotonic()
            answers = load_filing(writer, store, BOEING)
            loading_s = time.monotonic() - started
            done.set()
            for thread in readers:
                thread.join(timeout=120)
            facts = writer.stats("sec")["nodes"]["Fact"]
    finally:
        done.set()
        node.stop()

    assert failures == []
    assert all(n > 0 for n in reads), reads
    assert answers["Fact"]["rows_added"] == 2252
    for counts in seen:
        assert counts == sorted(counts) and counts[-1] <= facts
    print(f"{sum(reads)} read rounds by {READERS} readers during a {loading_s:.1f} s load")
