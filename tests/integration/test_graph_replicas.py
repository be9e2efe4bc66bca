"""Publish over HTTP, then real replica processes boot from the snapshot (or refuse to)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from test_graph_cases import AMAZON, NodeProcess, copy_store, load_filing

from ledgergraph.errors import GraphNodeRejected
from ledgergraph.events import EVENTS_FILE, read_events
from localrun.errors import GraphNodeStartError

pytestmark = pytest.mark.slow
REVENUE_2022 = (
    "MATCH (f:Fact)-[:FACT_HAS_ELEMENT]->(:Element {id: $concept}), "
    "(f)-[:FACT_HAS_PERIOD]->(:Period {id: '2022-01-01..2022-12-31'}) "
    "WHERE NOT EXISTS { MATCH (f)-[:FACT_HAS_DIMENSION]->() } RETURN f.value_decimal"
)
CONCEPT = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict]]:
    """A writer node that loaded Amazon's 10-K and published it over HTTP."""
    root = tmp_path_factory.mktemp("writer")
    store = copy_store(root)
    writer = NodeProcess(root / "writer", store).start()
    try:
        with writer.client() as client:
            load_filing(client, store, AMAZON)
            answer = client.publish("sec")
    finally:
        writer.stop()
    yield root, answer


def test_publishing_announces_the_snapshot_once(published: tuple[Path, dict]) -> None:
    root, answer = published
    events, _ = read_events(root / "writer" / EVENTS_FILE)

    assert set(answer) == {"snapshot_id", "manifest_key", "tables", "snapshots_removed"}
    assert [e["detail"] for e in events] == [
        {"graph_id": "sec", "snapshot_id": answer["snapshot_id"],
         "manifest_key": answer["manifest_key"]}
    ]  # fmt: skip
    manifest = json.loads((root / "store" / answer["manifest_key"]).read_text())
    assert manifest["source_units"] == [AMAZON] and manifest["tables"]["Fact"] == 1341


def test_a_replica_boots_from_latest_serves_reads_and_refuses_writes(
    published: tuple[Path, dict], tmp_path: Path
) -> None:
    root, answer = published
    replica = NodeProcess(tmp_path / "replica", root / "store").start("--replica")
    try:
        with replica.client() as client:
            status = client.status()
            rows = client.query_cypher("sec", REVENUE_2022, {"concept": CONCEPT})["rows"]
            stats = client.stats("sec")
            refused = []
            for write in (
                lambda: client.stage_files("sec", ["0" * 32]),
                lambda: client.materialize("sec", "Fact", ["0" * 32]),
                lambda: client.delete_source("sec", AMAZON),
                lambda: client.rebuild("sec"),
                lambda: client.publish("sec"),
            ):
                with pytest.raises(GraphNodeRejected) as failure:
                    write()
                refused.append(str(failure.value))
    finally:
        replica.stop()

    assert status["role"] == "replica"
    assert status["snapshots"] == {"sec": answer["snapshot_id"]}
    assert [Decimal(r[0]) for r in rows] == [Decimal("513983000000")]
    assert stats["nodes"]["Fact"] == answer["tables"]["Fact"]
    assert all("403 ReadOnlyNode" in message for message in refused), refused


def test_a_corrupted_snapshot_stops_the_replica_from_booting(
    published: tuple[Path, dict], tmp_path: Path
) -> None:
    root, answer = published
    store = copy_store(tmp_path)
    source = root / "store" / "published" / "sec"
    target = store / "published" / "sec"
    target.mkdir(parents=True, exist_ok=True)
    (target / "LATEST").write_bytes((source / "LATEST").read_bytes())
    snapshot = answer["snapshot_id"]
    (target / snapshot).mkdir()
    for name in ("graph.lbug", "staging.duckdb", "manifest.json"):
        (target / snapshot / name).write_bytes((source / snapshot / name).read_bytes())
    graph = bytearray((target / snapshot / "graph.lbug").read_bytes())
    graph[4096] ^= 0x01
    (target / snapshot / "graph.lbug").write_bytes(bytes(graph))

    replica = NodeProcess(tmp_path / "replica", store)
    with pytest.raises(GraphNodeStartError) as failure:
        replica.start("--replica")

    assert replica.process is not None and replica.process.returncode == 3
    assert "replica not started" in str(failure.value)
    assert "graph.lbug checksum" in str(failure.value)
