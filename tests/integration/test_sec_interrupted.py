"""An SEC run whose graph node is killed while it copies a table: what the run says.

The bundled filings go through the local state machine with the node held at a fault
point (``after-copy:Arc``, see ``graph_node.faults``) and killed there with SIGKILL. The
filings whose load stopped must read as interrupted, not failed: no fact rejected for the
interruption, the fix named, and the registry's account of each (asked again once the
files can be read) must match the graph. A second run then finishes the graph.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from node_kill import run_killing_the_node

from graph_node.faults import MARKER_NAME
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_summary import SummarizeRunRequest, summarize_run
from localrun import render
from localrun.cli import main as cli
from localrun.cli_common import EXIT_INTERRUPTED, run_exit_code
from localrun.graph_access import local_node
from localrun.sec_run import run_sec_from_folder, store_summary

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
# in filing, rejected, complete duplicates: each filing's processing counts
COUNTS = {
    "0000320193-23-000106": (1164, 15, 89),
    "sha256-612e20f7341de3f049e163c6": (1132, 0, 162),
    "0001018724-23-000004": (1457, 0, 116),
    "0000012927-24-000010": (2474, 8, 214),
    "0001628280-24-032662": (1149, 14, 90),
}

# facts of Arelle's export that verify compares: in filing less rejected (all of them valid)
ARELLE_FACTS = {unit: facts - rejected for unit, (facts, rejected, _) in COUNTS.items()}

pytestmark = pytest.mark.slow


def _run_killing_the_node(home: Path) -> dict[str, Any]:
    """Run every bundled filing; kill the node once it holds at the fault point. The run
    does not restart it (``node_restarts=0``): what an interrupted run says is tested here,
    a restarted one in test_sec_node_restart.py."""
    return run_killing_the_node(home, lambda: run_sec_from_folder(
        SAMPLE_SEC, home=home, graph_id="sec", batch_size=3, node_restarts=0))  # fmt: skip


@pytest.fixture(scope="module")
def killed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGERGRAPH_TEST_PAUSE_AT", "after-copy:Arc")
        summary = _run_killing_the_node(home)
    (home / MARKER_NAME).unlink()
    return home, summary


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    code = cli([*argv, "--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _written(home: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """The run's summary in the store."""
    key = f"work/sec/{summary['run_id']}/summary.json"
    return json.loads(LocalObjectStore(home / "store").get_bytes(key))


def _summarized_without_node(home: Path, summary: dict[str, Any]) -> dict[str, Any]:
    """What SummarizeRun wrote during the run, its node dead (no registry answered); the
    command's summary, which replaced it in the store, is put back after."""
    store = LocalObjectStore(home / "store")
    request = SummarizeRunRequest(graph_id="sec", run_id=summary["run_id"])
    summarize_run(store, request, registry=None)
    try:
        return _written(home, summary)
    finally:
        store_summary(store, summary)


def test_a_killed_node_leaves_filings_interrupted_not_failed(killed) -> None:
    home, summary = killed
    lines = {f["source_unit"]: f for f in summary["filings"]}
    stopped = [u for u, f in lines.items() if f["status"] == "interrupted"]
    written = {f["source_unit"]: f for f in _summarized_without_node(home, summary)["filings"]}

    assert len(stopped) >= 1 and summary["failed"] == 0 and not summary["ok"]
    assert run_exit_code(summary) == EXIT_INTERRUPTED  # "run again", not "look at errors"
    assert summary["loaded"] + summary["interrupted"] == 5 == len(lines)
    for unit in stopped:
        line = lines[unit]
        in_filing, rejected, dupes = COUNTS[unit]
        assert line["error_type"] == "GraphNodeUnavailable"
        assert (line["facts_in_document"], line["facts_rejected"]) == (in_filing, rejected)
        assert line["facts_loaded"] == in_filing - rejected - dupes  # offered, not rejected
        assert line["graph_files"] is not None  # read from staging once the node was gone
        # the node was dead when SummarizeRun asked it: unknown there, every fact unsettled
        assert written[unit]["graph_files"] is None
        assert written[unit]["facts_unsettled"] == line["facts_loaded"]
    # the store keeps what the command said, the staging file's account included
    assert _written(home, summary) == summary


def test_the_interrupted_summary_names_the_fix_and_adds_up(killed) -> None:
    home, summary = killed
    stopped = [f for f in summary["filings"] if f["status"] == "interrupted"]
    offered = sum(f["facts_loaded"] for f in summary["filings"])
    added = sum(f["facts_added"] for f in summary["filings"])
    unsettled = sum(f["facts_unsettled"] for f in stopped)
    present = offered - added - unsettled
    text = render.sec_summary(summary)
    summarized = _summarized_without_node(home, summary)
    unknown = render.sec_summary(summarized | {"delete_command": "rm-unit"})

    for summary_text in (text, unknown):
        notes = {ln.split(":")[0].split(" ")[0]: ln for ln in summary_text.splitlines()
                 if " INTERRUPTED " in ln}  # fmt: skip
        assert sorted(notes) == sorted(f["source_unit"] for f in stopped)
        assert all(": INTERRUPTED GraphNodeUnavailable: " in n for n in notes.values())
        assert "run the same `sec run` again to finish them" in summary_text
        assert "rejected for it" not in summary_text
    assert text.count("HALF LOADED: ") == sum(all(f["graph_files"].values()) for f in stopped)
    assert unknown.count("what is in the graph of it is unknown (the graph node did not "
                         "answer when the run was summarized)") == len(stopped)  # fmt: skip
    assert f"ledgergraph delete-source --home {home}" in text and "rm-unit" in unknown
    assert text.splitlines()[-1].endswith(
        f"{offered} facts offered, {added} added, {present} already present"
        + (f", {unsettled} not known to be in the graph (interrupted)" if unsettled else "")
    )
    assert f"{summary['interrupted']} interrupted (see above), 0 failed" in text


def test_the_registry_tells_what_of_each_interrupted_filing_is_in_the_graph(killed) -> None:
    home, summary = killed
    request = SummarizeRunRequest(graph_id="sec", run_id=summary["run_id"])
    store = LocalObjectStore(home / "store")

    with local_node(home, read_only=True) as node:
        summarize_run(store, request, registry=node)
        stats = node.stats("sec")
    again = _written(home, summary)

    lines = {f["source_unit"]: f for f in again["filings"] if f["status"] == "interrupted"}
    local = {f["source_unit"]: f for f in summary["filings"] if f["status"] == "interrupted"}
    for unit, line in lines.items():  # the node's account and the staging file's agree
        assert line["graph_files"] == local[unit]["graph_files"]
        assert line["facts_added"] == local[unit]["facts_added"]
    half = {u: f for u, f in lines.items() if all(f["graph_files"].values())}
    assert half, "the batch held at Arc has tables in the graph, and Arc staged"
    for unit, line in half.items():
        assert line["graph_files"]["unmaterialized"] == stats["unfinished"][unit]
        assert (line["facts_added"], line["facts_unsettled"]) == (line["facts_loaded"], 0)
    added = sum(f["facts_added"] for f in again["filings"])
    assert stats["nodes"]["Fact"] == added  # the graph's, loaded and interrupted
    assert again["totals"]["facts_unsettled"] == sum(f["facts_unsettled"] for f in lines.values())
    text = render.sec_summary(again)
    unit = next(iter(half))
    done = half[unit]["graph_files"]["materialized"]
    note = next(ln for ln in text.splitlines() if ln.startswith(f"{unit}: INTERRUPTED "))
    assert (
        f"HALF LOADED: {done} of {done + stats['unfinished'][unit]} files materialized "
        "(its facts are in the graph)" in note
    )


def test_verify_and_facts_warn_of_a_half_loaded_filing(killed, capsys) -> None:
    home, summary = killed
    _, report, _ = _cli_json(capsys, "verify", "--home", str(home))
    units = sorted(report["unfinished"])
    cli(["facts", "--home", str(home), "--concept", "us-gaap:NetIncomeLoss"])
    err = capsys.readouterr().err
    cli(["verify", "--home", str(home)])
    lines = capsys.readouterr().out.splitlines()

    stopped = sorted(f["source_unit"] for f in summary["filings"]
                     if f["status"] == "interrupted")  # fmt: skip
    assert units and set(units) <= set(stopped)
    assert report["warnings"] == [w for w in lines if w.startswith("WARNING ")]
    for unit, warning in zip(units, report["warnings"], strict=True):
        assert warning.startswith(
            f"WARNING {unit}: {report['unfinished'][unit]} files "
            "staged but not materialized, so it may be half loaded"
        )
        assert warning.endswith(f"ledgergraph delete-source --home {home} --graph sec {unit}")
        assert warning in err.splitlines()
    assert lines[-1] == report["summary"] and lines[-2] == report["warnings"][-1]


def test_verify_counts_both_sides_of_a_filing_whose_registrant_is_not_loaded(
    killed, capsys
) -> None:
    home, _ = killed
    _, report, _ = _cli_json(capsys, "verify", "--home", str(home))
    cli(["verify", "--home", str(home)])
    lines = capsys.readouterr().out.splitlines()
    cypher = "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) RETURN r.id, count(f)"
    _, answer, _ = _cli_json(capsys, "query", "--home", str(home), cypher)
    in_graph = dict(answer["rows"])

    cut = [c for c in report["filings"]
           if c["error"] == "the report has no registrant entity in the graph"]  # fmt: skip
    assert cut
    for check in cut:
        unit = check["report"]
        # Arelle's side is read from the package found without the CIK, the graph's counted
        assert check["arelle_exported"] is True
        assert check["arelle_facts"] == ARELLE_FACTS[unit]
        assert check["graph_fact_nodes"] == in_graph.get(unit, 0)
        assert check["difference_count"] >= ARELLE_FACTS[unit] - check["graph_facts"]
        line = next(line for line in lines if line.startswith(f"{unit}  graph "))
        assert line.endswith(
            f"Arelle {ARELLE_FACTS[unit]}: the report has no registrant entity in the graph"
        )


def test_running_again_finishes_the_interrupted_filings(killed, capsys) -> None:
    home, _ = killed
    summary = run_sec_from_folder(SAMPLE_SEC, home=home, graph_id="sec", batch_size=3)
    code, report, _ = _cli_json(capsys, "verify", "--home", str(home))

    assert summary["ok"] and summary["loaded"] == 5
    assert (code, report["unfinished"], report["warnings"], report["differences"]) == (
        0, {}, [], 0
    )  # fmt: skip
