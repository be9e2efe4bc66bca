"""A graph node process owns its home: one node per home, and a run's node dies with the run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from localrun.graph_node_process import graph_node_process

REPO = Path(__file__).resolve().parents[2]


def _serve(home: Path, port_file: Path, env: dict[str, str]) -> subprocess.Popen:
    argv = [sys.executable, "-m", "graph_node", "serve", "--host", "127.0.0.1", "--port", "0",
            "--port-file", str(port_file), "--home", str(home)]  # fmt: skip
    return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}


def _wait(predicate, what: str, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_second_node_on_a_served_home_stops_at_once_naming_the_first(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _serve(home, tmp_path / "port-1", _clean_env())
    try:
        _wait(lambda: (tmp_path / "port-1").exists(), "the first node to listen")
        key = (home / "graph-node.key").read_text()

        second = _serve(home, tmp_path / "port-2", _clean_env())
        _, err = second.communicate(timeout=60)

        assert second.returncode == 4
        assert f"is already served by `graph node (writer)` (pid {first.pid}, since" in err
        assert (home / "graph-node.key").read_text() == key  # the first node's key stands
        assert not (tmp_path / "port-2").exists()
    finally:
        first.terminate()
        first.wait(timeout=60)


def test_a_runs_node_leaves_no_temporary_folder_once_it_listens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its port file's folder goes once the port is read: a run killed with SIGKILL while
    it loads (no clean-up of its own) left one behind in /tmp each time."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with graph_node_process(home=tmp_path / "home") as url:
        assert url.startswith("http://127.0.0.1:")
        assert list(scratch.iterdir()) == []


def test_a_runs_node_stops_when_the_run_is_killed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    run = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom pathlib import Path\n"
         "from localrun.graph_node_process import graph_node_process\n"
         "with graph_node_process(home=Path(sys.argv[1]), api_key='k') as url:\n"
         "    print(url, flush=True)\n    time.sleep(600)\n", str(home)],
        cwd=REPO, env=_clean_env(), stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert run.stdout.readline().startswith("http://127.0.0.1:")
    node_pid = json.loads((home / "graph-node.lock").read_text())["pid"]

    os.kill(run.pid, signal.SIGKILL)  # no chance to stop its node itself
    run.wait(timeout=30)

    _wait(lambda: not _alive(node_pid), f"node {node_pid} to stop after its run was killed")
    again = _serve(home, tmp_path / "port", _clean_env())  # the home is free again
    try:
        _wait(lambda: (tmp_path / "port").exists(), "a new node to listen on the home")
    finally:
        again.terminate()
        again.wait(timeout=60)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (not yet reaped by init) is gone for our purposes
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(") ")[-1][0] != "Z"
    except FileNotFoundError:
        return False


def test_a_runs_task_stops_when_the_run_is_killed(tmp_path: Path) -> None:
    # what `python -m xbrl_task` does first, in a task that would otherwise run for minutes
    task = ("import os, sys, time\nfrom ledgergraph.parent_process import die_with_parent\n"
            "die_with_parent()\nopen(sys.argv[1], 'w').write(str(os.getpid()))\n"
            "time.sleep(600)\n")  # fmt: skip
    pid_file = tmp_path / "task.pid"
    run = subprocess.Popen(
        [sys.executable, "-c",
         "import sys\nfrom localrun.ecs import LocalTaskRunner\n"
         "runner = LocalTaskRunner(command=[sys.executable, '-c', sys.argv[1], sys.argv[2]])\n"
         "runner.run({}, task_id='t')\n", task, str(pid_file)],
        cwd=REPO, env=_clean_env() | {"PYTHONPATH": os.environ.get("PYTHONPATH", "")},
    )  # fmt: skip
    _wait(lambda: pid_file.exists() and pid_file.read_text().isdigit(), "the task to start")
    task_pid = int(pid_file.read_text())

    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=30)

    _wait(lambda: not _alive(task_pid), f"task {task_pid} to stop after its run was killed")


@pytest.mark.parametrize(
    ("sent", "ending"),
    [
        # what a Ctrl-C does to the node of a run started in the background (the run ignores
        # SIGINT and goes on): the node shuts down cleanly and exits 0
        (signal.SIGINT, "graph node stopped (exit status 0: a SIGINT or SIGTERM shut it down)"),
        (signal.SIGKILL, "graph node died of SIGKILL"),
    ],
    ids=["sigint", "sigkill"],
)
def test_a_runs_node_that_ends_while_serving_is_named_stopped_or_dead(
    tmp_path: Path, sent: signal.Signals, ending: str
) -> None:
    home = tmp_path / "home"
    deaths: list[str] = []
    with graph_node_process(home=home, api_key="k", deaths=deaths):
        node_pid = json.loads((home / "graph-node.lock").read_text())["pid"]
        os.kill(node_pid, sent)
        _wait(lambda: _reapable(node_pid), f"node {node_pid} to end on {sent.name}")

    assert deaths == [ending]


def _reapable(pid: int) -> bool:
    """Whether our child ``pid`` has ended, every thread of it: a killed process's leader
    shows as a zombie while its other threads still exit, and cannot be reaped until then."""
    try:
        return not _alive(pid) and len(os.listdir(f"/proc/{pid}/task")) == 1
    except FileNotFoundError:  # reaped already
        return True
