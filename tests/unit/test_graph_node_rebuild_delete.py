"""Delete a filing, rebuild, load it again: the graph equals one that never took the detour.

Each step opens the graph in a node of its own and closes it, as the CLI does, so a session
that writes nothing (the rebuild's close) sits between the rebuilt file and the next load.
real_ladybug 0.15.3 damaged such a file when that session ran an empty CHECKPOINT: the next
relationship COPY died of SIGSEGV and the file no longer opened. The scenario runs in a
child process (this file run as a script), so a native crash fails the test instead of
killing pytest.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AAPL, TSLA = "aapl-10k-2023-09-30", "tsla-10q-2024-06-30"
AMZN, BA = "amzn-10k-2022-12-31", "ba-10k-2023-12-31"
TSLA_UNIT, APPLE_UNIT = "0001628280-24-032662", "0000320193-23-000106"
AMAZON_UNIT, BOEING_UNIT = "0001018724-23-000004", "0000012927-24-000010"


def _node(home: Path, store: Path) -> Any:
    from graph_node.service import GraphService
    from graph_node.settings import NodeSettings

    return GraphService(NodeSettings(home=home, store_uri=store.as_uri(), events="none"))


def _load(home: Path, store: Path, units: list[str]) -> None:
    """Register and stage a batch of filings, materialize it one call per table, close."""
    from ledgergraph.graph_schema import LOAD_ORDER

    specs = []
    for unit in units:
        manifest = json.loads((store / "processed" / "sec" / unit / "manifest.json").read_text())
        specs += [
            {"table": t["table"], "uri": t["uri"], "source_unit": unit, "row_count": t["rows"],
             "checksum": t["checksum"]}
            for t in manifest["tables"]
        ]  # fmt: skip
    node = _node(home, store)
    try:
        files = node.register_files("sec", specs)["files"]
        node.stage_files("sec", [f["file_id"] for f in files])
        for table in LOAD_ORDER:
            ids = [f["file_id"] for f in files if f["table"] == table]
            if ids:
                node.materialize("sec", table, ids)
    finally:
        node.close()


def _step(home: Path, store: Path, action: str) -> None:
    node = _node(home, store)
    try:
        if action == "delete":
            node.delete_source("sec", TSLA_UNIT)
        elif action == "rebuild":
            node.rebuild("sec")
    finally:
        node.close()


def _stats(home: Path, store: Path) -> dict[str, Any]:
    node = _node(home, store)
    try:
        stats = node.stats("sec")
        again = node.materialize("sec", "Fact", _fact_files(node))
    finally:
        node.close()
    return {"nodes": stats["nodes"], "relationships": stats["relationships"],
            "files": stats["files"], "fact_rows_added_again": again["rows_added"]}  # fmt: skip


def _fact_files(node: Any) -> list[str]:
    rows = node.query_staging(
        "sec", "SELECT file_id FROM file_registry WHERE table_name = 'Fact' ORDER BY 1"
    )["rows"]
    return [r[0] for r in rows]


def scenario(home: Path, store: Path, batches: list[list[str]], detour: bool) -> dict[str, Any]:
    """Load each batch in a session of its own (with the delete-rebuild-reload detour of the
    last batch); the stats."""
    for units in batches:
        _load(home, store, units)
    if detour:
        _step(home, store, "delete")
        _step(home, store, "rebuild")
        _step(home, store, "open-and-close")
        _load(home, store, batches[-1])
    return _stats(home, store)


def _run(home: Path, store: Path, batches: list[list[str]], *, detour: bool) -> dict[str, Any]:
    sessions = ";".join(",".join(units) for units in batches)
    argv = [sys.executable, __file__, str(home), str(store), sessions, str(int(detour))]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert done.returncode == 0, f"scenario died (status {done.returncode}): {done.stderr[-1500:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four bundled filings processed by ``python -m xbrl_task`` into an object store."""
    out = tmp_path_factory.mktemp("store")
    argv = [sys.executable, "-m", "xbrl_task", "--out", str(out)]
    for package in (AAPL, TSLA, AMZN, BA):
        argv += ["--package", str(ROOT / "sample_data" / "sec" / package)]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-1500:]
    return out


@pytest.mark.slow
def test_delete_rebuild_reload_gives_the_graph_that_never_took_the_detour(
    store: Path, tmp_path: Path
) -> None:
    units = [APPLE_UNIT, TSLA_UNIT]

    direct = _run(tmp_path / "direct", store, [[u] for u in units], detour=False)
    detoured = _run(tmp_path / "detour", store, [[u] for u in units], detour=True)

    assert direct["nodes"]["Fact"] > 2000 and direct["relationships"]["ENTITY_HAS_REPORT"] == 2
    assert detoured == direct
    assert detoured["fact_rows_added_again"] == 0


@pytest.mark.slow
def test_two_batches_in_two_sessions_give_the_graph_of_one_batch(
    store: Path, tmp_path: Path
) -> None:
    """Amazon and Apple in one session, then Boeing and Tesla in the next: with compression
    off, real_ladybug 0.15.3 died of SIGSEGV in the second session's first relationship
    COPY (docs/decisions.md)."""
    first, second = [AMAZON_UNIT, APPLE_UNIT], [BOEING_UNIT, TSLA_UNIT]

    two = _run(tmp_path / "two", store, [first, second], detour=False)
    one = _run(tmp_path / "one", store, [first + second], detour=False)

    assert two["relationships"]["ENTITY_HAS_REPORT"] == 4
    assert two["nodes"]["Fact"] == one["nodes"]["Fact"] > 5000
    assert two == one


def test_no_checkpoint_runs_without_a_log_to_fold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An empty CHECKPOINT is what damaged files; one after a SET still runs."""
    import real_ladybug as lb

    from graph_node import graph_store

    statements: list[str] = []

    class Recording(lb.Connection):
        def execute(self, query: str, *args: Any, **kwargs: Any) -> Any:
            statements.append(query)
            return super().execute(query, *args, **kwargs)

    path = tmp_path / "graph.lbug"
    graph_store.GraphStore(path, read_only=False).close()
    monkeypatch.setattr(graph_store.lb, "Connection", Recording)

    store = graph_store.GraphStore(path, read_only=False)
    assert not store.wal_pending()
    store.checkpoint()
    with store.detached():
        pass
    store.close()
    assert "CHECKPOINT" not in statements

    store = graph_store.GraphStore(path, read_only=False)
    with store._connection(what="test", write=True) as conn:
        conn.execute("CREATE (:Unit {id: 'iso4217:USD'})")
    assert store.wal_pending()
    store.close()
    assert statements[-1] == "CHECKPOINT"
    assert not store.wal_pending()


if __name__ == "__main__":
    home_arg, store_arg, sessions_arg, detour_arg = sys.argv[1:5]
    batches = [units.split(",") for units in sessions_arg.split(";")]
    result = scenario(Path(home_arg), Path(store_arg), batches, detour_arg == "1")
    print(json.dumps(result))
