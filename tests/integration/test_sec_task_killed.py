"""An SEC run whose XBRL task is killed with SIGKILL, as an out-of-memory kill is.

The bundled filings go through ``sec run`` in two batches (Apple, AEON and Amazon, then
Boeing and Tesla); the second batch's ``python -m xbrl_task`` is killed half a second after
it starts. The state machine retries a failed task once:

- killed once, the retried task's output is what counts: every filing loads, with the
  counts of an undisturbed run (README), and the run exits 0;
- killed on both attempts, the batch's two filings fail naming the kill (exit code 137,
  SIGKILL), not a timeout; the run exits 1, not 75: the task was already retried, and a
  batch killed twice is most likely out of memory, which a rerun with the same memory
  repeats. Nothing of the batch reached the graph, and a rerun loads the two.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from localrun import render
from localrun.cli import main as cli

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
BOEING, TESLA = "0000012927-24-000010", "0001628280-24-032662"
# facts in the filing and offered, per filing, as README's demo run shows them
COUNTS = {
    "0000320193-23-000106": (1164, 1060),
    "sha256-612e20f7341de3f049e163c6": (1132, 970),
    "0001018724-23-000004": (1457, 1341),
    BOEING: (2474, 2252),
    TESLA: (1149, 1045),
}
KILLED = (
    "XBRL task failed: Essential container in task exited with code 137: killed by SIGKILL "
    "(out of memory, or stopped from outside)"
)  # then the task's last line, if it wrote one

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _task_children() -> dict[int, str]:
    """The ``xbrl_task`` processes this test process started, with the batch each runs."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:  # not a process, or gone meanwhile
            continue
        ppid = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("PPid")))
        if ppid == os.getpid() and b"xbrl_task" in argv:
            batch = [v for v in environ if v.startswith(b"LEDGERGRAPH_BATCH_KEY=")]
            found[int(entry.name)] = batch[0].decode().partition("=")[2] if batch else ""
    return found


class TaskKiller:
    """SIGKILLs each XBRL task of one batch ``after_s`` seconds after it is first seen,
    ``times`` times at most, while the ``with`` block runs."""

    def __init__(self, batch: str, *, times: int, after_s: float = 0.5) -> None:
        self.batch, self.times, self.after_s = batch, times, after_s
        self.killed: list[int] = []
        self._seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> TaskKiller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _watch(self) -> None:
        while not self._stop.wait(0.02) and len(self.killed) < self.times:
            now = time.monotonic()
            for pid, batch in _task_children().items():
                if batch.endswith(self.batch) and pid not in self.killed:
                    started = self._seen.setdefault(pid, now)
                    if now - started >= self.after_s:
                        self._kill(pid)

    def _kill(self, pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended first: not a kill
            return
        self.killed.append(pid)


def _sec_run(capsys: pytest.CaptureFixture[str], home: Path) -> tuple[int, dict[str, Any]]:
    capsys.readouterr()
    code = cli(["sec", "run", "--source", str(SAMPLE_SEC), "--home", str(home), "--json"])
    return code, json.loads(capsys.readouterr().out)


def _lines(summary: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["source_unit"]: f for f in summary["filings"]}


def test_a_task_killed_once_is_retried_and_its_retry_loads_the_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TaskKiller("batch-0001.json", times=1) as killer:
        code, summary = _sec_run(capsys, tmp_path)

    assert len(killer.killed) == 1
    assert code == 0, render.sec_summary(summary)
    lines = _lines(summary)
    assert {u: (f["status"], f["facts_in_document"], f["facts_loaded"]) for u, f in
            lines.items()} == {u: ("loaded", *counts) for u, counts in COUNTS.items()}  # fmt: skip
    assert summary["totals"]["facts_added"] == 6668
    # both batches and the killed batch's retry ran a task, each with its own log
    assert len(list((tmp_path / "logs" / "XbrlTaskDefinition").glob("*.log"))) == 3


def test_a_task_killed_on_both_attempts_fails_its_filings_naming_the_kill(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with TaskKiller("batch-0001.json", times=2) as killer:
        code, summary = _sec_run(capsys, tmp_path)
    text = render.sec_summary(summary).splitlines()

    assert len(killer.killed) == 2
    assert code == 1  # failed, not interrupted: the state machine retried it already
    assert (summary["loaded"], summary["interrupted"], summary["failed"]) == (3, 0, 2)
    lines = _lines(summary)
    for unit in (BOEING, TESLA):
        line = lines[unit]
        assert (line["status"], line["error_type"]) == ("failed", "States.TaskFailed")
        assert line["error"].startswith(KILLED), line["error"]
        assert (line["facts_in_document"], line["facts_loaded"]) == (None, 0)
        assert any(ln.startswith(f"{unit} (") and f"FAILED States.TaskFailed: {KILLED}" in ln
                   for ln in text)  # fmt: skip
    assert [lines[u]["status"] for u in COUNTS if u not in (BOEING, TESLA)] == ["loaded"] * 3

    code, rerun = _sec_run(capsys, tmp_path)

    assert code == 0, render.sec_summary(rerun)
    added = {u: (f["status"], f["facts_loaded"], f["facts_added"]) for u, f in
             _lines(rerun).items()}  # fmt: skip
    assert added == {
        u: ("loaded", offered, offered if u in (BOEING, TESLA) else 0)
        for u, (_, offered) in COUNTS.items()
    }
    assert (rerun["totals"]["facts_loaded"], rerun["totals"]["facts_added"]) == (6668, 3297)
