"""A staging file DuckDB cannot read: the node names it under ``damaged`` in /status and
answers a permanent StagingDamaged (never a transient 503), and the documented recovery
(the newest published snapshot's files, then the sources loaded since) serves it again."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    amazon_facts,
    boeing_facts,
    filing_files,
    graph_rows,
    load_case_filing,
    register_and_stage,
)

from graph_node.errors import EngineFailed, QueryFailed, StagingDamaged
from graph_node.graphs import GRAPH_FILE, STAGING_FILE
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from graph_node.staging_db import StagingDB
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


def _bytes_over(path: Path, start: int, end: int, seed: int) -> None:
    """Seeded random bytes over ``path[start:end]``."""
    with path.open("r+b") as handle:
        handle.seek(start)
        handle.write(random.Random(seed).randbytes(end - start))


def truncate_half(staging: Path) -> None:
    os.truncate(staging, staging.stat().st_size // 2)


def zero_4k_at(offset: int) -> Callable[[Path], None]:
    def damage(staging: Path) -> None:
        with staging.open("r+b") as handle:
            handle.seek(offset)
            handle.write(bytes(4096))

    return damage


def header_overwritten(staging: Path) -> None:
    with staging.open("r+b") as handle:
        handle.write(bytes(range(256)) * 16)


def random_middle(staging: Path) -> None:
    """Random bytes over the middle third: blocks of tables and of the catalogue alike."""
    size = staging.stat().st_size
    _bytes_over(staging, size // 3, 2 * size // 3, seed=6)


def wal_garbage_middle(staging: Path) -> None:
    wal = Path(f"{staging}.wal")
    size = wal.stat().st_size
    _bytes_over(wal, size // 3, 2 * size // 3, seed=7)


def wal_truncated_half(staging: Path) -> None:
    wal = Path(f"{staging}.wal")
    os.truncate(wal, wal.stat().st_size // 2)


def wal_all_garbage(staging: Path) -> None:
    wal = Path(f"{staging}.wal")
    _bytes_over(wal, 0, wal.stat().st_size, seed=8)


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Boeing then Amazon, closed cleanly ("closed"), and the same files copied while the
    node was still open ("logged": Amazon's last commits only in staging.duckdb.wal, as a
    killed node leaves them); the graph's rows."""
    root = tmp_path_factory.mktemp("staging-damage")
    store = root / "store"
    node = node_at(root / "closed", store)
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
        load_case_filing(node, store, AMAZON_10K, amazon_facts())
        shutil.copytree(root / "closed" / "graphs", root / "logged" / "graphs")
        rows = graph_rows(node)
    finally:
        node.close()
    assert Path(root / "logged" / "graphs" / "sec" / f"{STAGING_FILE}.wal").stat().st_size
    folders = {name: root / name for name in ("closed", "logged")}
    return {**folders, "store": store, "rows": rows}


def _copy_home(homes: dict[str, Any], which: str, to: Path) -> Path:
    shutil.copytree(homes[which] / "graphs", to / "graphs")
    return to / "graphs" / "sec" / STAGING_FILE


REFUSED = [  # (home, damage, how DuckDB's words begin)
    ("closed", truncate_half, "IO Error: Could not read enough bytes from file"),
    ("closed", zero_4k_at(4096), "Corrupt database file: computed checksum"),
    ("closed", zero_4k_at(8192), "Corrupt database file: computed checksum"),
    ("closed", zero_4k_at(65536), "Corrupt database file: computed checksum"),
    ("closed", header_overwritten, "IO Error: The file"),
    ("closed", random_middle, "Corrupt database file: computed checksum"),
    ("logged", wal_garbage_middle, "Failure while replaying WAL file"),
]


@pytest.mark.parametrize(
    ("home", "damage", "words"),
    REFUSED,
    ids=["truncated-half", "zero-4k-at-4096", "zero-4k-at-8192", "zero-4k-at-65536",
         "header-overwritten", "random-middle", "wal-garbage-middle"],
)  # fmt: skip
def test_every_damage_duckdb_refuses_is_staging_damaged_naming_the_file(
    tmp_path: Path,
    homes: dict[str, Any],
    home: str,
    damage: Callable[[Path], None],
    words: str,
) -> None:
    staging = _copy_home(homes, home, tmp_path / "node")
    damage(staging)

    node = node_at(tmp_path / "node", homes["store"])
    try:
        node.open_all()  # damage to the catalogue or the log shows here
        client = TestClient(create_app(node))
        rebuild = client.post("/databases/sec/rebuild", headers=AUTH)  # reads every table
        status = client.get("/status").json()
    finally:
        node.close()

    reason = status["damaged"]["sec"]
    assert reason.startswith(f"staging file {staging} is damaged ({words}")
    assert rebuild.status_code == 409
    error = rebuild.json()["error"]
    assert (error["type"], error["transient"]) == ("StagingDamaged", False)
    assert error["message"].startswith(reason)
    assert "newest published snapshot" in error["message"]
    if damage is wal_garbage_middle:
        assert f'"{staging}.wal": Corrupt WAL file' in reason


@pytest.mark.parametrize(
    "damage", [wal_truncated_half, wal_all_garbage], ids=["wal-half", "wal-garbage"]
)
def test_a_log_duckdb_drops_leaves_the_ledgers_behind_the_graph_and_a_rebuild_restores_it(
    tmp_path: Path, homes: dict[str, Any], damage: Callable[[Path], None]
) -> None:
    """DuckDB replays a log up to its first torn entry and ignores one whose header is not
    its own, without a word: staging then lacks Amazon's last bookkeeping, which the graph
    holds. The open-time count check says so; the staged rows survived in staging.duckdb,
    so a rebuild gives back the whole graph."""
    staging = _copy_home(homes, "logged", tmp_path / "node")
    damage(staging)
    node = node_at(tmp_path / "node", homes["store"])
    try:
        node.open_all()
        reason = node.status()["damaged"]["sec"]
        answer = node.rebuild("sec")
        rows = graph_rows(node)
    finally:
        node.close()

    assert reason.startswith("its row counts are not what staging's key ledgers record")
    assert "FACT_HAS_PERIOD 5 rows in the file, 3 recorded" in reason
    assert answer["tables"]["Fact"] == 5
    assert rows == homes["rows"]


def test_a_query_that_raises_damage_words_itself_marks_nothing_damaged(
    tmp_path: Path, homes: dict[str, Any]
) -> None:
    _copy_home(homes, "closed", tmp_path / "node")
    node = node_at(tmp_path / "node", homes["store"])
    try:
        for sql in (
            "SELECT error('Corrupt database file: computed checksum 1 does not match')",
            "SELECT error('Failure while replaying WAL file \"x\"')",
        ):
            with pytest.raises(QueryFailed, match="Invalid Input Error: "):
                node.query_staging("sec", sql)
        status = node.status()
    finally:
        node.close()

    assert "damaged" not in status


def first_block_of(staging: Path, table: str) -> int:
    """Where the first block holding rows of ``table`` starts in the file."""
    con = duckdb.connect(str(staging), read_only=True)
    try:
        block = con.execute(
            "SELECT min(block_id) FROM pragma_storage_info(?) WHERE block_id >= 0", [table]
        ).fetchone()[0]
        block_bytes = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    finally:
        con.close()
    return 3 * 4096 + block * block_bytes  # three 4 KiB headers, then the blocks


def flip_a_byte_of(staging: Path, table: str) -> None:
    """Flip one byte inside the first block that holds ``table``'s rows (past its checksum);
    the file keeps its size, and opens (DuckDB checks a block only when it reads it)."""
    at = first_block_of(staging, table) + 8 + 100
    with staging.open("r+b") as handle:
        handle.seek(at)
        byte = handle.read(1)[0]
        handle.seek(at)
        handle.write(bytes([byte ^ 0xFF]))


def flip_a_byte_of_fact(staging: Path) -> None:
    flip_a_byte_of(staging, "Fact")


def cut_at_fact(staging: Path) -> None:
    """Cut the file where the first block holding Fact's rows starts."""
    os.truncate(staging, first_block_of(staging, "Fact"))


def publishing_node(home: Path, homes: dict[str, Any], published: Path) -> GraphService:
    settings = NodeSettings(
        home=home, store_uri=homes["store"].resolve().as_uri(), api_key=KEY, events="none",
        publish_store_uri=published.resolve().as_uri(),
    )  # fmt: skip
    return GraphService(settings)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (flip_a_byte_of_fact, "table Fact could not be read: Corrupt database file: computed"),
        # the first table (by name) with a block past the cut is named, Fact or another
        (cut_at_fact, r"table \S+ could not be read: IO Error: Could not read enough bytes"),
    ],
    ids=["byte-in-Fact", "cut-at-Fact"],
)
def test_a_publish_reads_the_whole_staging_copy_and_ships_no_damaged_file(
    tmp_path: Path,
    homes: dict[str, Any],
    damage: Callable[[Path], None],
    words: str,
) -> None:
    """Damage a table's block holds opens and passes the count checks; before, a publish
    uploaded it as the newest backup. Now the publish names it and uploads nothing."""
    staging, published = _copy_home(homes, "closed", tmp_path / "node"), tmp_path / "published"
    node = publishing_node(tmp_path / "node", homes, published)
    try:
        good = node.publish("sec")["snapshot_id"]
    finally:
        node.close()
    damage(staging)

    node = publishing_node(tmp_path / "node", homes, published)
    try:
        node.open_all()
        opened = node.status()
        stats = node.stats("sec")
        with pytest.raises(StagingDamaged) as refused:
            node.publish("sec")
        status = node.status()
    finally:
        node.close()

    assert "damaged" not in opened and stats["nodes"]["Fact"] == 5  # the open sees nothing
    reason = status["damaged"]["sec"]
    assert re.match(f"staging file {re.escape(str(staging))} is damaged \\({words}", reason)
    assert re.search(r"\), found reading its copy for snapshot [0-9T]{15}Z-[0-9a-f]{8}$", reason)
    assert str(refused.value).startswith(reason)
    assert "nothing was published (LATEST and the earlier snapshots are as they were)" in str(
        refused.value
    )
    assert f"move {staging.parent} aside" in str(refused.value)
    latest = json.loads((published / "published" / "sec" / "LATEST").read_text())
    assert latest["snapshot_id"] == good
    assert sorted(p.name for p in (published / "published" / "sec").iterdir()) == [
        good,
        "LATEST",
    ]
    assert not (staging.parent / "publish").exists()


def test_a_registry_block_a_checkpoint_cannot_rewrite_is_damage_and_ends_the_connection(
    tmp_path: Path,
) -> None:
    """A write to the file registry reads none of its damaged block; the checkpoint that
    staging runs after it must rewrite the block, and DuckDB raises a FATAL error and gives
    the file up (every later statement fails). The node names the damage and its fix, then
    and on every later call, without asking DuckDB again, and closes without raising."""
    store, home = tmp_path / "store", tmp_path / "node"
    node = node_at(home, store)
    try:
        load_case_filing(node, store, BOEING_10K, boeing_facts())
    finally:
        node.close()
    staging = home / "graphs" / "sec" / STAGING_FILE
    flip_a_byte_of(staging, "file_registry")

    node = node_at(home, store)
    try:
        node.open_all()
        opened = node.status()
        with pytest.raises(StagingDamaged) as refused:
            register_and_stage(
                node, "sec", filing_files(store, AMAZON_10K, amazon_facts()), AMAZON_10K
            )
        client = TestClient(create_app(node))
        sql = {"sql": "SELECT 1"}
        query = client.post("/databases/sec/tables/query", json=sql, headers=AUTH)
        status = node.status()
    finally:
        node.close()

    assert "damaged" not in opened
    assert isinstance(refused.value.__cause__, duckdb.FatalException)
    reason = status["damaged"]["sec"]
    assert reason.startswith(
        f"staging file {staging} is damaged (FATAL Error: Failed to create checkpoint because "
        "of error: Corrupt database file: computed checksum "
    )
    assert str(refused.value).startswith(reason)
    assert f"move {staging.parent} aside" in str(refused.value)
    assert query.status_code == 409
    error = query.json()["error"]
    assert (error["type"], error["transient"]) == ("StagingDamaged", False)
    assert error["message"].startswith(reason)
    assert "invalidated" not in error["message"]


def test_a_fatal_error_that_is_not_damage_is_answered_the_same_on_every_later_call(
    tmp_path: Path, homes: dict[str, Any]
) -> None:
    """DuckDB gives a file up after any FATAL error (no case here can fill a disk, so the
    exception is built with the words DuckDB uses for a checkpoint it could not write)."""
    staging = _copy_home(homes, "closed", tmp_path / "node")
    db = StagingDB(staging, read_only=False)
    fatal = duckdb.FatalException(
        "FATAL Error: Failed to create checkpoint because of error: Could not write file "
        f'"{staging}": No space left on device'
    )
    try:
        first = db.translate(fatal, what="checkpointing staging")
        with pytest.raises(EngineFailed) as later, db.cursor() as cur:
            cur.execute("SELECT 1")
    finally:
        db.close()

    assert isinstance(first, EngineFailed) and db.damaged is None
    assert str(later.value) == str(first)
    assert str(first).startswith(
        f"DuckDB gave up staging file {staging} after a fatal error while checkpointing "
        "staging and refuses every statement on it until it is opened again (FATAL Error: "
    )
    assert str(first).endswith("No space left on device): restart the node")
