"""A staging file DuckDB cannot read: the node names it under ``damaged`` in /status and
answers a permanent StagingDamaged (never a transient 503), and the documented recovery
(the newest published snapshot's files, then the sources loaded since) serves it again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    amazon_facts,
    boeing_facts,
    graph_rows,
    load_case_filing,
)

from graph_node.errors import StagingDamaged
from graph_node.graphs import GRAPH_FILE, STAGING_FILE
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from localrun.graph_node_process import graph_node_process

KEY = "test-key-not-a-secret"
AUTH = {"X-Api-Key": KEY}


def node_at(home: Path, store: Path) -> GraphService:
    settings = NodeSettings(home=home, store_uri=store.resolve().as_uri(), api_key=KEY)
    return GraphService(settings)


def load_and_publish(home: Path, store: Path) -> tuple[Path, dict[str, list]]:
    """Boeing, a published snapshot, then Amazon; the snapshot's folder and the rows."""
    node = node_at(home, store)
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
        snapshot = node.publish("sec")["snapshot_id"]
        load_case_filing(node, store, AMAZON_10K, amazon_facts())
        return store / "published" / "sec" / snapshot, graph_rows(node)
    finally:
        node.close()


def test_a_truncated_staging_file_is_a_named_permanent_fault_and_a_snapshot_restores_it(
    tmp_path: Path,
) -> None:
    store, home = tmp_path / "store", tmp_path / "node"
    snapshot, rows = load_and_publish(home, store)
    folder = home / "graphs" / "sec"
    staging = folder / STAGING_FILE
    os.truncate(staging, staging.stat().st_size // 3)

    node = node_at(home, store)
    try:
        node.open_all()
        status = node.status()
        client = TestClient(create_app(node))
        cypher = client.post("/databases/sec/query", json={"cypher": "RETURN 1"}, headers=AUTH)
        stats = client.get("/databases/sec/stats", headers=AUTH)
    finally:
        node.close()

    assert status["graphs"] == ["sec"]
    assert status["damaged"]["sec"].startswith(
        f"staging file {staging} is damaged (IO Error: Could not read enough bytes"
    )
    for answer in (cypher, stats):
        assert answer.status_code == 409
        error = answer.json()["error"]
        assert (error["type"], error["transient"]) == ("StagingDamaged", False)
        assert error["message"].startswith(status["damaged"]["sec"])
        assert f"move {folder} aside" in error["message"]
        assert "newest published snapshot" in error["message"]

    # the recovery docs/operations.md gives: the snapshot's files, then what came after
    shutil.move(folder, tmp_path / "sec-damaged")
    folder.mkdir()
    for name in (STAGING_FILE, GRAPH_FILE):
        shutil.copyfile(snapshot / name, folder / name)
    node = node_at(home, store)
    try:
        node.open_all()
        assert "damaged" not in node.status()
        assert node.stats("sec")["nodes"]["Fact"] == len(boeing_facts())
        load_case_filing(node, store, AMAZON_10K, amazon_facts())
        assert graph_rows(node) == rows
    finally:
        node.close()


def test_a_local_run_and_the_cli_stop_at_a_damaged_staging_file_naming_it(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    node = node_at(home, home / "store")
    try:
        load_case_filing(node, home / "store", BOEING_10K, boeing_facts())
    finally:
        node.close()
    staging = home / "graphs" / "sec" / STAGING_FILE
    os.truncate(staging, staging.stat().st_size // 3)

    with (
        pytest.raises(StagingDamaged) as refused,
        graph_node_process(home=home, graph_ids=["sec"]),
    ):
        pytest.fail("the run started over a damaged staging file")
    stats = subprocess.run(
        [sys.executable, "-m", "localrun.cli", "stats", "--home", str(home)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip

    for message in (str(refused.value), stats.stderr.strip().splitlines()[-1]):
        assert f"staging file {staging} is damaged (IO Error: " in message
        assert "newest published snapshot" in message
    assert stats.returncode == 1
