"""An SEC run whose own graph node dies mid-run restarts it and finishes the filings.

The bundled filings go through the local state machine with the node held at a fault point
(``after-copy:Arc``, see ``graph_node.faults``) and killed there with SIGKILL. The run
starts a new node (without the fault point this time) for the filings the death
interrupted, says so, and ends as an uninterrupted run does: every filing loaded, the same
counts on every line and the same graph, table by table. A node that dies every time it
is started (held before its Fact COPY commits, ``after-intent:Fact``) ends the run
interrupted after two restarts, saying why.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from node_kill import node_children, run_killing_the_node

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT_TESTS) not in sys.path:  # NOTE: the shared EDGAR scenario lives with the unit tests
    sys.path.insert(0, str(UNIT_TESTS))

from test_edgar_steps_cases import APPLE_10K, TESLA_10Q, USER_AGENT, serve_scenario  # noqa: E402

from graph_node.faults import MARKER_NAME  # noqa: E402
from graph_node.service import GraphService  # noqa: E402
from graph_node.settings import NodeSettings  # noqa: E402
from ledgergraph.graph_schema import TABLES  # noqa: E402
from ledgergraph.objectstore import LocalObjectStore  # noqa: E402
from ledgergraph.run_summary import summary_key  # noqa: E402
from localrun import pipeline, render  # noqa: E402
from localrun.cli import main as cli  # noqa: E402
from localrun.cli_common import EXIT_INTERRUPTED, EXIT_OK, run_exit_code  # noqa: E402
from localrun.sec_run import run_sec_from_folder  # noqa: E402
from tests.fakes.edgar_server import FakeEdgar  # noqa: E402

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
PAUSE = "LEDGERGRAPH_TEST_PAUSE_AT"
COUNTS = (
    "status", "facts_in_document", "facts_loaded", "facts_added", "facts_rejected",
    "duplicates_collapsed", "duplicates_consistent", "duplicates_inconsistent",
    "inconsistent_sets", "facts_unsettled",
)  # fmt: skip

# two runs of every bundled filing (and a rerun) in one test: at a load of 8-11 on two
# cores they outlast the suite's 600 s
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]


def _run(home: Path) -> dict[str, Any]:
    return run_sec_from_folder(SAMPLE_SEC, home=home, graph_id="sec", batch_size=3)


def _run_killing(home: Path, *, kills: int) -> dict[str, Any]:
    """``_run(home)`` in a thread; SIGKILL its node each time it holds at the fault point,
    ``kills`` times. The run's summary."""
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(summary=_run(home)))
    thread.start()
    for _ in range(kills):
        deadline = time.monotonic() + 300
        while not (home / MARKER_NAME).exists():
            assert time.monotonic() < deadline and thread.is_alive(), "fault point not reached"
            time.sleep(0.05)
        (home / MARKER_NAME).unlink()
        for pid in node_children():
            os.kill(pid, signal.SIGKILL)
    thread.join(timeout=900)
    return result["summary"]


def _fault_in_first_node_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every node after the first without the fault point. NOTE: removing it from
    the environment during the run would not last: the local engine restores the
    environment it found when an execution ends."""
    started = pipeline.graph_node_process

    def start(**options: Any) -> Any:
        if starts:
            monkeypatch.delenv(PAUSE, raising=False)
        starts.append(options["home"])
        return started(**options)

    starts: list[Path] = []
    monkeypatch.setattr(pipeline, "graph_node_process", start)


def _graph_rows(home: Path) -> dict[str, list[dict[str, Any]]]:
    service = GraphService(NodeSettings(home=home, events="none"), read_only=True)
    try:
        store = service.graph("sec").store
        return {name: store.dump(table).to_pylist() for name, table in TABLES.items()}
    finally:
        service.close()


def _lines(summary: dict[str, Any]) -> dict[str, tuple]:
    return {f["source_unit"]: tuple(f.get(c) for c in COUNTS) for f in summary["filings"]}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The bundled filings loaded by one uninterrupted run."""
    home = tmp_path_factory.mktemp("reference")
    return home, _run(home)


def test_a_node_killed_mid_run_is_restarted_and_the_run_ends_as_if_uninterrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: tuple[Path, dict[str, Any]]
) -> None:
    monkeypatch.setenv(PAUSE, "after-copy:Arc")
    _fault_in_first_node_only(monkeypatch)
    summary = _run_killing(tmp_path, kills=1)
    reference_home, uninterrupted = reference
    text = render.sec_summary(summary)

    assert run_exit_code(summary) == EXIT_OK
    assert (summary["loaded"], summary["interrupted"], summary["failed"]) == (5, 0, 0)
    [restart] = summary["node_restarts"]
    assert restart.startswith("graph node died of SIGKILL during the run; restarted it (1 of 2)")
    assert f"restart: {restart}" in text.splitlines()
    assert _lines(summary) == _lines(uninterrupted)
    assert summary["totals"] | {"processing_ms": 0, "loading_ms": 0} == (
        uninterrupted["totals"] | {"processing_ms": 0, "loading_ms": 0}
    )
    for line in summary["filings"]:
        offered = line["facts_in_document"] - line["facts_rejected"]
        assert line["facts_loaded"] == offered - line["duplicates_collapsed"]
    assert _graph_rows(tmp_path) == _graph_rows(reference_home)
    # the run's stored summary is the merged one the command printed, not the first
    # execution's; the rerun's own stays under its run id
    assert _stored_summary(tmp_path, summary["run_id"]) == summary
    [rerun] = summary["reruns"]
    assert rerun["run_id"] != summary["run_id"]
    assert _stored_summary(tmp_path, rerun["run_id"])["loaded"] >= 1


def _stored_summary(home: Path, run_id: str) -> dict[str, Any]:
    store = LocalObjectStore(home / "store")
    return json.loads(store.get_bytes(summary_key("sec", run_id)))


def test_a_node_that_keeps_dying_ends_the_run_interrupted_after_two_restarts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # before the Fact COPY commits: each rerun of the interrupted filings copies it again
    monkeypatch.setenv(PAUSE, "after-intent:Fact")
    summary = _run_killing(tmp_path, kills=3)
    text = render.sec_summary(summary)

    assert run_exit_code(summary) == EXIT_INTERRUPTED
    assert summary["interrupted"] >= 1 and summary["failed"] == 0
    first, second, last = summary["node_restarts"]
    assert first.startswith("graph node died of SIGKILL during the run; restarted it (1 of 2)")
    assert second.startswith("graph node died of SIGKILL during the run; restarted it (2 of 2)")
    assert last == "graph node died of SIGKILL during the run; not restarted after 2 restarts"
    assert f"restart: {last}" in text.splitlines()
    stored = _stored_summary(tmp_path, summary["run_id"])
    assert (stored["node_restarts"], len(stored["reruns"])) == ([first, second, last], 2)
    assert stored["totals"] == summary["totals"]


def test_a_run_from_edgar_restarts_its_killed_node_from_the_raw_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: tuple[Path, dict[str, Any]]
) -> None:
    # Apple's 10-K and Tesla's 10-Q load; four more filings discovery finds fail to download
    selectors = ["--ticker", "AAPL,TSLA", "--forms", "10-K,10-Q", "--from", "2023-11-03"]
    selectors += ["--to", "2024-07-24"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_EDGAR_")}
    with (
        FakeEdgar(snapshot="2026-03") as fake,
        mock.patch.dict(os.environ, clean | {"LEDGERGRAPH_EDGAR_MAX_RETRIES": "1"}, clear=True),
    ):
        serve_scenario(fake)
        monkeypatch.setenv(PAUSE, "after-copy:Arc")
        _fault_in_first_node_only(monkeypatch)
        edgar = ["--edgar-url", fake.base_url, "--user-agent", USER_AGENT]
        argv = ["sec", "run", "--home", str(tmp_path), *selectors, *edgar, "--json"]
        summary = run_killing_the_node(tmp_path, lambda: _json_of(argv))
    _, uninterrupted = reference
    loaded = {unit: line for unit, line in _lines(summary).items() if line[0] == "loaded"}

    assert (summary["loaded"], summary["interrupted"], summary["failed"]) == (2, 0, 4)
    [restart] = summary["node_restarts"]
    assert restart.startswith("graph node died of SIGKILL during the run; restarted it (1 of 2)")
    assert loaded == {u: _lines(uninterrupted)[u] for u in (APPLE_10K, TESLA_10Q)}
    assert _stored_summary(tmp_path, summary["run_id"]) == summary
    assert summary["discovery"]["rows_rejected"] == 0


def _json_of(argv: list[str]) -> dict[str, Any]:
    out = io.StringIO()
    with mock.patch.object(sys, "stdout", out):
        cli(argv)
    return json.loads(out.getvalue())
