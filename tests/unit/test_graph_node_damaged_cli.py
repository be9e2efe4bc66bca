"""A damaged graph file through the ``ledgergraph`` command, each command its own process
(as a user runs it): every command ends with one line naming the file and ``ledgergraph
rebuild``, never a death by signal; the first rebuild gives back, table by table, the
graph a direct load of the same filings gives; a rebuild killed with SIGKILL leaves
nothing behind once the graph is next opened; a local run stops at once, naming the fix."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from test_graph_node_cases import BOEING_10K, REVENUES, graph_rows
from test_graph_node_damaged import garbage_middle, load_both, service_at, truncate

from graph_node.errors import GraphDamaged
from graph_node.graphs import GRAPH_FILE, OPENING_SUFFIX
from localrun.errors import GraphNodeStartError
from localrun.graph_node_process import graph_node_process

REBUILD_HINT = "rebuild it from staging: `ledgergraph rebuild --home {home} --graph sec`"


def ledgergraph(*argv: str) -> subprocess.CompletedProcess[str]:
    """``ledgergraph ARGV`` as its own process; a signal death shows as a negative code."""
    return subprocess.run(
        [sys.executable, "-m", "localrun.cli", *argv],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _damaged_home(tmp_path: Path, damage: Callable[[Path], None]) -> tuple[Path, dict]:
    """A home holding Boeing's and Amazon's filings with a damaged graph file; the rows a
    direct load of the same filings gives."""
    home = tmp_path / "home"
    direct = load_both(tmp_path / "direct", home / "store")
    load_both(home, home / "store")
    damage(home / "graphs" / "sec" / GRAPH_FILE)
    return home, direct


def _node_log(home: Path) -> list[dict]:
    """The JSON lines of the node's log file under ``home``."""
    text = (home / "logs" / "graph-node.log").read_text()
    return [json.loads(line) for line in text.splitlines()]


READING_COMMANDS = [
    ("stats",),
    ("query", "MATCH (f:Fact) RETURN count(f)"),
    ("facts", "--concept", REVENUES),
    ("verify",),
    ("publish",),
    ("delete-source", BOEING_10K),
]


@pytest.mark.parametrize("damage", [truncate, garbage_middle], ids=["truncated", "garbage"])
def test_every_command_names_the_damaged_file_and_the_first_rebuild_restores_it(
    tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    home, direct = _damaged_home(tmp_path, damage)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    damaged_bytes = graph_file.read_bytes()

    for command in READING_COMMANDS:
        done = ledgergraph(*command, "--home", str(home))
        [last] = done.stderr.splitlines()  # the command's own line, none of the node's
        assert (done.returncode, done.stdout) == (1, ""), (command, done.stderr[-2000:])
        assert last.startswith(f"error: graph 'sec': graph file {graph_file} is damaged ("), last
        assert REBUILD_HINT.format(home=home) in last
        if damage is garbage_middle:  # the real case: the engine dies reading the file
            assert "crashed (SIGSEGV)" in last
    logged = _node_log(home)  # the node's lines went to its log file instead
    damaged = [line for line in logged if line["message"].startswith("graph file damaged")]
    assert len(damaged) == len(READING_COMMANDS)
    assert {(line["graph_id"], line["file"]) for line in damaged} == {("sec", str(graph_file))}
    if damage is garbage_middle:
        crashes = [line for line in logged if line["message"] == "engine worker crashed"]
        assert [line["signal"] for line in crashes] == ["SIGSEGV"] * len(READING_COMMANDS)

    rebuilt = ledgergraph("rebuild", "--home", str(home), "--json")

    assert rebuilt.returncode == 0, rebuilt.stderr[-2000:]
    answer = json.loads(rebuilt.stdout)
    assert answer["tables"]["Fact"] == 5
    assert Path(answer["damaged_file"]).read_bytes() == damaged_bytes
    stats = ledgergraph("stats", "--home", str(home), "--json")
    assert json.loads(stats.stdout)["nodes"]["Fact"] == 5
    node = service_at(home, home / "store")
    try:
        assert graph_rows(node) == direct
    finally:
        node.close()


def test_json_output_names_the_error_type_for_scripts(tmp_path: Path) -> None:
    home, _ = _damaged_home(tmp_path, garbage_middle)

    done = ledgergraph("stats", "--home", str(home), "--json")

    assert done.returncode == 1
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "GraphDamaged"
    assert str(home / "graphs" / "sec" / GRAPH_FILE) in error["message"]


def test_a_damaged_file_that_kept_its_size_and_time_kills_one_reader_only(
    tmp_path: Path,
) -> None:
    """Damage the clean-close record cannot see (``touch -r``): the in-process open dies,
    as before this record existed, and its mark gets every later open checked first."""
    home = tmp_path / "home"
    load_both(home, home / "store")
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    stat = graph_file.stat()
    garbage_middle(graph_file)
    os.utime(graph_file, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    first = ledgergraph("stats", "--home", str(home))
    second = ledgergraph("stats", "--home", str(home))

    assert first.returncode == -signal.SIGSEGV  # NOTE: the limit of a stat-based record
    assert Path(f"{graph_file}{OPENING_SUFFIX}").exists()
    assert second.returncode == 1
    assert f"graph file {graph_file} is damaged" in second.stderr.splitlines()[-1]


def test_a_rebuild_killed_with_sigkill_leaves_nothing_after_the_next_open(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    rows = load_both(home, home / "store")
    folder = home / "graphs" / "sec"
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "localrun.cli", "rebuild", "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not list(folder.glob("rebuild/*.arrow")) and time.monotonic() < deadline:
            time.sleep(0.01)  # the rows are written, the worker is building from them
        rebuild.send_signal(signal.SIGKILL)
    finally:
        rebuild.wait(timeout=60)
    assert (folder / "rebuild").is_dir()  # what the issue saw: the rows stay behind

    stats = ledgergraph("stats", "--home", str(home), "--json")  # a reader leaves it be
    node = service_at(home, home / "store")
    try:
        node.open_all()  # the next writer open removes it
        assert not (folder / "rebuild").exists()
        assert not Path(f"{folder / GRAPH_FILE}.rebuilt").exists()
        assert graph_rows(node) == rows
    finally:
        node.close()
    assert json.loads(stats.stdout)["nodes"]["Fact"] == 5


def _kill_rebuild_when(home: Path, leftover: Path) -> bool:
    """Run ``ledgergraph rebuild`` and SIGKILL it once ``leftover`` exists; whether it is
    still there after the kill (False: the rebuild ended first, or the file went)."""
    rebuild = subprocess.Popen(
        [sys.executable, "-m", "localrun.cli", "rebuild", "--home", str(home)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while rebuild.poll() is None and not leftover.exists():
            time.sleep(0.001)  # a checkpoint's shadow file lives for some 25 ms here
        rebuild.send_signal(signal.SIGKILL)
    finally:
        rebuild.wait(timeout=60)
    time.sleep(0.5)  # its engine worker stops with it (SIGTERM from the parent's death)
    return leftover.exists()


def test_a_rebuild_killed_mid_checkpoint_leaves_nothing_once_a_node_starts(
    tmp_path: Path,
) -> None:
    """The worker's checkpoint of the new file leaves ``graph.lbug.rebuilt.shadow``, which
    the next writer open used to keep for good (and the next rebuild's engine found)."""
    home = tmp_path / "home"
    load_both(home, home / "store")
    folder = home / "graphs" / "sec"
    shadow = folder / f"{GRAPH_FILE}.rebuilt.shadow"
    for _ in range(8):  # the kill must land inside the checkpoint's short window
        if _kill_rebuild_when(home, shadow):
            break
    else:
        pytest.fail("no kill landed while the rebuilt file's checkpoint was running")
    assert (folder / "rebuild").is_dir()  # the rows it was building from

    key = "test-key-not-a-secret"
    with graph_node_process(home=home, api_key=key, graph_ids=["sec"]) as url:
        headers = {"X-Api-Key": key}
        status = httpx.get(f"{url}/status", timeout=30, trust_env=False).json()
        stats = httpx.get(
            f"{url}/databases/sec/stats", headers=headers, timeout=60, trust_env=False
        ).json()
        left = sorted(path.name for path in folder.iterdir())

    assert "damaged" not in status
    assert stats["nodes"]["Fact"] == 5
    assert left == [GRAPH_FILE, "staging.duckdb"]  # no rebuild/, no graph.lbug.rebuilt*


def test_a_local_run_over_a_damaged_graph_stops_before_it_starts(tmp_path: Path) -> None:
    home, _ = _damaged_home(tmp_path, garbage_middle)
    graph_file = home / "graphs" / "sec" / GRAPH_FILE

    with (
        pytest.raises(GraphDamaged) as refused,
        graph_node_process(home=home, graph_ids=["sec"]),
    ):
        pytest.fail("the run started over a damaged graph")

    message = str(refused.value)
    assert message.startswith(f"graph 'sec': graph file {graph_file} is damaged (")
    assert "crashed (SIGSEGV)" in message
    assert f"`ledgergraph rebuild --home {home} --graph sec`, then run again" in message


def test_a_node_that_dies_starting_shows_its_own_log_and_what_to_do(tmp_path: Path) -> None:
    home = tmp_path / "home"
    graph_file = home / "graphs" / "sec" / GRAPH_FILE
    graph_file.parent.mkdir(parents=True)
    Path(f"{graph_file}{OPENING_SUFFIX}").touch()  # left by a node that died opening it
    log = home / "logs" / "graph-node.log"
    log.parent.mkdir()
    log.write_text("line of an earlier run\n")
    dies = "print('opening graphs', flush=True); import os; os.kill(os.getpid(), 11)"

    with (
        pytest.raises(GraphNodeStartError) as failed,
        graph_node_process(home=home, command=[sys.executable, "-c", dies]),
    ):
        pytest.fail("a node that died was reported serving")

    message = str(failed.value)
    assert message.startswith(
        f"graph node died of SIGSEGV (a native crash of the graph engine) opening graph "
        f"file {graph_file}; the next start checks that file in a child process"
    )
    assert f"`ledgergraph rebuild --home {home} --graph sec`" in message
    assert message.endswith("its log:\nopening graphs")
