"""A QuickBooks run whose graph node is killed while it copies a table: what the run says.

``load-sample`` runs the bundled sandbox company through the local state machine with the
node held at a fault point (``after-copy:LineItem``, see ``graph_node.faults``) and killed
there with SIGKILL. The run must read as interrupted, as an SEC filing does, not failed:
how many of its files the graph holds (read from staging once the node is gone) and how
to finish it. Following that advice, the delete and then the same command, gives the graph
a load that was never interrupted gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from node_kill import run_killing_the_node

from graph_node.faults import MARKER_NAME
from ledgergraph.objectstore import LocalObjectStore
from localrun.cli import main as cli
from localrun.cli_common import EXIT_INTERRUPTED, run_exit_code
from localrun.cli_quickbooks import render_summary
from localrun.quickbooks_run import load_sample
from localrun.quickbooks_sample import SAMPLE_REALM

pytestmark = pytest.mark.slow
GRAPH = f"qbo-{SAMPLE_REALM}"


def load_killing_the_node(home: Path) -> dict[str, Any]:
    """Load the sample; kill the node once it holds at the fault point."""
    return run_killing_the_node(home, lambda: load_sample(home=home))


def stats(capsys: pytest.CaptureFixture[str], home: Path) -> dict[str, Any]:
    capsys.readouterr()
    assert cli(["stats", "--home", str(home), "--graph", GRAPH, "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    return found["nodes"] | found["relationships"]


def test_a_killed_node_leaves_the_run_interrupted_and_the_advice_finishes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "home"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGERGRAPH_TEST_PAUSE_AT", "after-copy:LineItem")
        summary = load_killing_the_node(home)
    (home / MARKER_NAME).unlink()
    run = summary["run_id"]
    written = json.loads(
        LocalObjectStore(home / "store").get_bytes(f"work/{GRAPH}/{run}/summary.json")
    )

    assert (summary["status"], summary["ok"]) == ("interrupted", False)
    assert run_exit_code(summary) == EXIT_INTERRUPTED
    assert (summary["failed_step"], summary["error_type"]) == (
        "MaterializeGraph", "GraphNodeUnavailable"
    )  # fmt: skip
    # the node was dead when RecordFailure asked it; staging, read afterwards, knows: the
    # node tables up to LineItem copied (Entity, Element, LedgerAccount, LedgerTransaction)
    assert written["graph_files"] is None
    assert summary["graph_files"] == {"materialized": 4, "unmaterialized": 15}
    delete = f"ledgergraph delete-source --home {home.resolve()} --graph {GRAPH} {run}"
    assert summary["finish"].startswith(f"remove what it left with `{delete}`, then run the")
    text = render_summary(summary).splitlines()
    assert text[0].endswith(f"into graph {GRAPH}: interrupted at MaterializeGraph")
    assert text[2:] == [
        "HALF LOADED: 4 of 19 files materialized, 15 only staged",
        f"to finish: {summary['finish']}",
    ]

    assert cli(delete.split()[1:]) == 0
    finished = load_sample(home=home)
    clean = tmp_path / "clean"
    load_sample(home=clean)

    assert finished["status"] == "loaded"
    assert stats(capsys, home) == stats(capsys, clean)
