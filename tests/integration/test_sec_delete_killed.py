"""``delete-source`` killed (SIGKILL) after the graph changed: what reading says, and the rerun.

The bundled filings are loaded; ``ledgergraph delete-source`` of Boeing's 10-K runs as its
own process with its node held at the fault point ``after-graph-delete`` (the graph
transaction committed, staging untouched, see ``graph_node.faults``) and is killed there.
The graph has then lost Boeing while the file registry still counts its files
materialized: ``stats``, ``facts`` and ``verify`` must say so, naming the unit and the
command that finishes the delete, and that command must say it finished the interrupted
delete, with what that delete removed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graph_node.faults import MARKER_NAME
from localrun import render_graph
from localrun.cli import main as cli
from localrun.cli_common import EXIT_NOT_CHECKED
from localrun.graph_access import local_node
from localrun.sec_run import run_sec_from_folder

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
BOEING = "0000012927-24-000010"
BOEING_FACTS = 2252  # Fact nodes Boeing's 10-K adds (the demo's "added" column)
ALL_FACTS = 6668  # the five bundled filings' Fact nodes

pytestmark = pytest.mark.slow


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = cli([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _kill_delete_at_graph_change(home: Path) -> None:
    """``ledgergraph delete-source`` of Boeing in a child process, SIGKILLed once its node
    holds at ``after-graph-delete``."""
    env = {**os.environ, "LEDGERGRAPH_TEST_PAUSE_AT": "after-graph-delete:*"}
    argv = [sys.executable, "-m", "localrun.cli", "delete-source", "--home", str(home), BOEING]
    process = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not (home / MARKER_NAME).exists():
            assert process.poll() is None, "delete-source ended before the fault point"
            assert time.monotonic() < deadline, "fault point never reached"
            time.sleep(0.05)
    finally:
        process.kill()
        process.wait(timeout=60)
    (home / MARKER_NAME).unlink()


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A home whose delete of Boeing was killed after the graph lost it; Boeing's file
    count, read from the registry before the delete."""
    home = tmp_path_factory.mktemp("home")
    summary = run_sec_from_folder(SAMPLE_SEC, home=home, graph_id="sec", batch_size=5)
    assert summary["totals"]["facts_added"] == ALL_FACTS
    files = _boeing_files(home)
    _kill_delete_at_graph_change(home)
    return home, files


def _boeing_files(home: Path) -> int:
    """Boeing's files in the file registry."""
    with local_node(home, read_only=True) as node:
        sql = "SELECT count(*) FROM file_registry WHERE source_unit = ?"
        return int(node.query_staging("sec", sql, [BOEING])["rows"][0][0])


def test_stats_after_a_killed_delete_names_it_and_the_command_that_finishes_it(
    killed, capsys
) -> None:
    home, files = killed
    code, found, _ = _cli_json(capsys, "stats", "--home", str(home))
    assert code == 0
    assert found["nodes"]["Fact"] == ALL_FACTS - BOEING_FACTS  # the graph lost Boeing
    assert found["files"]["deleted"] == 0  # while the registry still counts it loaded
    assert found["interrupted_deletes"] == {BOEING: files}

    assert cli(["stats", "--home", str(home)]) == 0
    text = capsys.readouterr().out
    assert f"WARNING {BOEING}: a delete of it was interrupted" in text
    assert f"finish the delete with: ledgergraph delete-source --home {home} --graph sec " \
        f"{BOEING}" in text  # fmt: skip


def test_facts_and_verify_warn_of_the_killed_delete(killed, capsys) -> None:
    home, _ = killed
    code, _rows, err = _cli_json(
        capsys, "facts", "--home", str(home), "--concept", "us-gaap:Revenues", "--cik", "1318605"
    )
    assert code == 0
    assert f"WARNING {BOEING}: a delete of it was interrupted" in err

    code, result, _ = _cli_json(capsys, "verify", "--home", str(home))
    assert code == EXIT_NOT_CHECKED
    assert result["interrupted_deletes"] == {BOEING: killed[1]}
    assert result["loaded_without_report"] == {BOEING: BOEING}
    assert any(
        w.startswith(f"WARNING {BOEING}: the file registry counts source unit {BOEING} as "
                     "loaded but the graph has no Report of it")
        for w in result["warnings"]
    )  # fmt: skip


def test_the_rerun_says_it_finished_the_interrupted_delete(killed, capsys) -> None:
    home, files = killed
    code, answer, _ = _cli_json(capsys, "delete-source", "--home", str(home), BOEING)
    assert code == 0
    assert answer["finished_interrupted"] is True
    assert answer["files"] == files  # what the killed delete removed, not "0 file(s)"
    assert answer["removed"]["Fact"] == BOEING_FACTS
    text = render_graph.deleted_source(answer)
    assert text.startswith(
        f"{BOEING}: finished its interrupted delete (the node was killed during it): "
        f"{files} files deleted"
    )

    code, found, _ = _cli_json(capsys, "stats", "--home", str(home))
    assert found["interrupted_deletes"] == {}
    assert found["files"]["deleted"] == files
    assert found["nodes"]["Fact"] == ALL_FACTS - BOEING_FACTS

    code, again, _ = _cli_json(capsys, "delete-source", "--home", str(home), BOEING)
    assert code == 0 and again["files"] == 0  # reported once; a third call is a no-op
    assert "finished_interrupted" not in again
