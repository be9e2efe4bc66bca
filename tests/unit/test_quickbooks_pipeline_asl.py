"""The QuickBooks state machine's routing, run locally with stand-in handlers.

The ASL is the deployed file; only the six functions are replaced by recorders, so these
tests show what each step is handed, what is retried and where a failure ends.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ledgergraph.errors import GraphNodeUnavailable
from ledgergraph.quickbooks.errors import (
    NeedsReauthorization,
    QuickBooksDataError,
    QuickBooksThrottled,
)
from ledgergraph.settings import PipelineSettings
from localrun.pipeline import run_state_machine
from localrun.stepfunctions import ExecutionResult

ASL = "quickbooks_pipeline.asl.json"
REALM = "9341457021722202"
FILES = [{"table": "LedgerAccount", "file_id": "f1", "rows": 93}]


class Recorder:
    """Stand-ins for the functions: each call recorded, failures scripted per step."""

    def __init__(self) -> None:
        self.calls: dict[str, list[dict[str, Any]]] = {}
        self.failures: dict[str, list[Exception]] = {}

    def handlers(self) -> dict[str, Callable[[Any, Any], Any]]:
        answers = {
            "QuickBooksSyncFunction": lambda e: {**e, "mode": "full", "records": {"Account": 92}},
            "QuickBooksTransformFunction": lambda e: {**e, "rows": {"LedgerAccount": 93}},
            "RegisterFilesFunction": lambda e: {**e, "files": FILES},
            "StageFilesFunction": lambda e: {**e, "rows_staged": 93},
            "MaterializeGraphFunction": lambda e: {
                **e, "tables": {"LedgerAccount": {"added": 93}}, "duration_ms": 5,
            },
            "QuickBooksSummaryFunction": self._summary,
        }  # fmt: skip
        return {name: self._recording(name, answer) for name, answer in answers.items()}

    def _recording(self, name: str, answer: Callable) -> Callable[[Any, Any], Any]:
        def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
            self.calls.setdefault(name, []).append(event)
            pending = self.failures.get(name)
            if pending:
                raise pending.pop(0)
            return answer(event)

        return handler

    @staticmethod
    def _summary(event: dict[str, Any]) -> dict[str, Any]:
        if event.get("failure"):
            failure = event["failure"]
            return {"status": "failed", "error_type": failure["error"],
                    "error": f"{failure['step']} failed: re-authorise"}  # fmt: skip
        return {"status": "loaded", "seen": event}


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def run(recorder: Recorder, tmp_path: Path, **payload: Any) -> ExecutionResult:
    settings = PipelineSettings(home=tmp_path, graph_api_url="http://127.0.0.1:9")
    return run_state_machine(
        ASL, {"realm_id": REALM, **payload}, settings=settings,
        handlers=recorder.handlers(), execution_name="qbo-run-1",
    )  # fmt: skip


def test_a_run_goes_through_every_step_once_with_one_run_id(recorder, tmp_path) -> None:
    result = run(recorder, tmp_path)

    assert result.status == "SUCCEEDED"
    assert {name: len(c) for name, c in recorder.calls.items()} == {
        "QuickBooksSyncFunction": 1, "QuickBooksTransformFunction": 1,
        "RegisterFilesFunction": 1, "StageFilesFunction": 1, "MaterializeGraphFunction": 1,
        "QuickBooksSummaryFunction": 1,
    }  # fmt: skip
    sync = recorder.calls["QuickBooksSyncFunction"][0]
    assert (sync["graph_id"], sync["run_id"], sync["force_full"]) == (
        f"qbo-{REALM}", "qbo-run-1", False,
    )  # fmt: skip
    assert sync["correlation_id"].endswith(":qbo-run-1")
    stage = recorder.calls["StageFilesFunction"][0]
    assert (stage["source_unit"], stage["files"]) == ("qbo-run-1", FILES)


def test_the_summary_gets_the_counts_of_every_step(recorder, tmp_path) -> None:
    result = run(recorder, tmp_path, graph_id="books", run_id="given-run")

    seen = result.output["seen"]
    assert (seen["graph_id"], seen["run_id"]) == ("books", "given-run")
    assert seen["sync"]["records"] == {"Account": 92}
    assert seen["transform"]["rows"] == {"LedgerAccount": 93}
    assert seen["load"]["tables"] == {"LedgerAccount": {"added": 93}}


def test_a_refused_refresh_token_ends_the_run_failed_at_once(recorder, tmp_path) -> None:
    error = NeedsReauthorization(f"realm {REALM} needs re-authorisation: invalid_grant")
    recorder.failures["QuickBooksSyncFunction"] = [error]

    result = run(recorder, tmp_path)

    assert result.status == "FAILED"
    assert result.error == "NeedsReauthorization"
    assert result.cause == "SyncCompany failed: re-authorise"
    assert len(recorder.calls["QuickBooksSyncFunction"]) == 1  # no retry
    failure = recorder.calls["QuickBooksSummaryFunction"][0]["failure"]
    assert (failure["step"], failure["error"]) == ("SyncCompany", "NeedsReauthorization")
    assert "invalid_grant" in failure["cause"]
    assert "QuickBooksTransformFunction" not in recorder.calls


def test_throttling_is_retried_by_the_state_machine(recorder, tmp_path) -> None:
    throttled = [QuickBooksThrottled("still throttling"), QuickBooksThrottled("again")]
    recorder.failures["QuickBooksSyncFunction"] = throttled

    result = run(recorder, tmp_path)

    assert result.status == "SUCCEEDED"
    runs = {c["run_id"] for c in recorder.calls["QuickBooksSyncFunction"]}
    assert len(recorder.calls["QuickBooksSyncFunction"]) == 3 and runs == {"qbo-run-1"}


def test_a_busy_graph_node_is_retried_while_staging(recorder, tmp_path) -> None:
    recorder.failures["StageFilesFunction"] = [GraphNodeUnavailable("503 WriterBusy")]

    result = run(recorder, tmp_path)

    assert result.status == "SUCCEEDED"
    assert len(recorder.calls["StageFilesFunction"]) == 2


def test_a_permanent_transform_error_is_recorded_against_its_step(recorder, tmp_path) -> None:
    recorder.failures["QuickBooksTransformFunction"] = [QuickBooksDataError("run has no manifest")]

    result = run(recorder, tmp_path)

    assert result.status == "FAILED" and result.error == "QuickBooksDataError"
    assert len(recorder.calls["QuickBooksTransformFunction"]) == 1
    record = recorder.calls["QuickBooksSummaryFunction"][0]
    assert record["failure"]["step"] == "TransformRun"
    assert record["sync"]["records"] == {"Account": 92}
    assert "RegisterFilesFunction" not in recorder.calls
