"""PlanBatches, RecordOutcome and SummarizeRun with their events/ files, on a folder store.

Every filing's outcome lives in the store under ``work/{graph}/{run}/``; these tests write
the records the steps would write and check what SummarizeRun makes of them, including the
filings that have none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from handler_events import context, event, handler_of
from pydantic import ValidationError

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_outcomes import filings_key, processing_key
from localrun import render

RUN = "run-20261204T030000Z-5f2a9c"
BOEING, APPLE, TESLA = "0000012927-24-000010", "0000320193-23-000106", "0001628280-24-032662"


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: LocalObjectStore
) -> Callable[[str], Callable[[dict, Any], dict]]:
    monkeypatch.setenv("LEDGERGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERGRAPH_STORE_URI", store.base_uri)
    return handler_of


def processed(unit: str, cik: int, in_document: int, rejected: int, ms: int) -> dict:
    return {
        "source_unit": unit,
        "cik": cik,
        "form": "10-K",
        "status": "processed",
        "facts_in_document": in_document,
        "facts_extracted": in_document - rejected - 2,
        "duplicates_collapsed": 2,
        "facts_rejected": rejected,
        "rejected_reasons": {
            "unresolvable concept ecd:InsiderTrdPoliciesProcAdoptedFlag": rejected
        },
        "processing_ms": ms,
        "warnings": 0,
    }


def plan_one_filing_per_batch(handler: Callable, store: LocalObjectStore) -> None:
    request = event("plan_batches", "three_filings") | {"batch_size": 1}
    handler("plan_batches")(request, context("plan"))


def test_plan_batches_reads_a_long_list_from_its_store_key(handler, store) -> None:
    request = event("plan_batches", "three_filings")
    key = filings_key("sec", RUN)
    store.put_bytes(key, json.dumps(request.pop("filings") * 2).encode())

    result = handler("plan_batches")(request | {"filings_key": key}, context("plan"))

    assert (result["filing_count"], result["batch_count"]) == (3, 2)
    assert result["batches_key"] == f"work/sec/{RUN}/batches.json"


def test_plan_batches_reads_no_key_outside_its_graphs_work_folder(handler) -> None:
    request = event("plan_batches", "three_filings")
    del request["filings"]

    with pytest.raises(ValidationError, match="filings_key must be under work/sec/"):
        handler("plan_batches")(request | {"filings_key": "raw/sec/x.json"}, context("plan"))


def test_record_outcome_writes_loads_and_batch_failures_where_summarize_reads(
    handler, store
) -> None:
    record = handler("record_outcome")

    loaded = record(event("record_outcome", "loaded"), context("record"))
    failed = record(event("record_outcome", "batch_failed"), context("record"))

    assert loaded == {"key": f"work/sec/{RUN}/outcomes/loads/{BOEING}.json", "status": "loaded"}
    assert failed["key"] == f"work/sec/{RUN}/outcomes/batch-0002.failed.json"
    assert json.loads(store.get_bytes(loaded["key"]))["facts_loaded"] == 2466


def test_summarize_run_gives_one_line_per_filing_and_writes_the_summary(handler, store) -> None:
    plan_one_filing_per_batch(handler, store)
    for index, unit, cik in ((0, BOEING, 12927), (1, APPLE, 320193)):
        lines = {"filings": [processed(unit, cik, 2476, 8, 5210)]}
        store.put_bytes(processing_key("sec", RUN, index), json.dumps(lines).encode())
    for scenario in ("loaded", "load_failed", "batch_failed"):
        handler("record_outcome")(event("record_outcome", scenario), context("record"))
    request = event("summarize_run", "mixed_run")
    request["download_failures"] = {
        "batch_key": f"work/sec/{RUN}/downloads/",
        "filings": [{"source_unit": "0001018724-23-000004", "status": "failed",
                     "error_type": "EdgarNotFound", "error": "index.json: 404"}],
    }  # fmt: skip

    summary = handler("summarize_run")(request, context("summarize"))

    lines = {f["source_unit"]: f for f in summary["filings"]}
    assert (summary["ok"], summary["loaded"], summary["failed"]) == (False, 1, 3)
    assert list(lines) == [BOEING, APPLE, TESLA, "0001018724-23-000004"]
    boeing = lines[BOEING]
    assert (boeing["status"], boeing["facts_loaded"], boeing["loading_ms"]) == (
        "loaded",
        2466,
        2850,
    )
    accounted = boeing["facts_loaded"] + boeing["facts_rejected"] + boeing["duplicates_collapsed"]
    assert boeing["facts_in_document"] == accounted
    assert boeing["facts_added"] == 2466  # the load record's, apart from the facts offered
    assert (summary["totals"]["facts_loaded"], summary["totals"]["facts_added"]) == (2466, 2466)
    assert lines[APPLE]["error_type"] == "GraphNodeRejected" and "null key" in lines[APPLE]["error"]
    assert lines[TESLA]["error_type"] == "States.TaskFailed"
    assert lines[TESLA]["error"].startswith("XBRL task failed: Essential container in task exited")
    assert lines["0001018724-23-000004"]["error_type"] == "EdgarNotFound"
    # Apple's load failed: it offered nothing, so all 2476 facts of it are rejected, the 8
    # its processing rejected under their reason and the rest under the failure's
    apple = lines[APPLE]
    assert (apple["facts_rejected"], apple["duplicates_collapsed"]) == (2476, 0)
    assert apple["rejected_reasons"] == {
        "unresolvable concept ecd:InsiderTrdPoliciesProcAdoptedFlag": 8,
        "filing failed (GraphNodeRejected)": 2468,
    }
    assert summary["totals"]["facts_rejected"] == 8 + 2476
    totals = summary["totals"]
    assert totals["facts_in_document"] == (
        totals["facts_loaded"] + totals["facts_rejected"] + totals["duplicates_collapsed"]
    )
    text = render.sec_summary(summary).splitlines()
    row = next(ln.split() for ln in text if ln.startswith(f"{APPLE}  "))
    assert row[3:11] == ["failed", "(GraphNodeRejected)", "2476", "0", "0", "0", "2476", "0"]
    assert any(
        ln.startswith(f"{APPLE}: FAILED GraphNodeRejected")
        and ln.endswith(
            "all 2476 facts rejected for it (8 unresolvable concept "
            "ecd:InsiderTrdPoliciesProcAdoptedFlag before it failed)"
        )
        for ln in text
    )
    written = json.loads(store.get_bytes(summary["summary_key"]))
    assert written == {k: v for k, v in summary.items() if k != "summary_key"}


def test_a_planned_filing_without_any_record_is_reported_not_processed(handler, store) -> None:
    plan_one_filing_per_batch(handler, store)
    store.put_bytes(
        processing_key("sec", RUN, 0),
        json.dumps({"filings": [processed(BOEING, 12927, 10, 0, 1)]}).encode(),
    )

    summary = handler("summarize_run")(event("summarize_run", "mixed_run"), context("summarize"))

    boeing, apple, tesla = summary["filings"]
    assert (boeing["error_type"], boeing["error"]) == ("NotLoaded", "processed, never loaded")
    assert apple["error_type"] == tesla["error_type"] == "NotProcessed"
    assert f"batch-0001.json ended without a record of {APPLE}" in apple["error"]


def test_a_failed_batch_map_names_every_filing_it_left_without_a_record(handler, store) -> None:
    plan_one_filing_per_batch(handler, store)
    handler("record_outcome")(event("record_outcome", "batch_failed"), context("record"))
    request = event("summarize_run", "mixed_run")
    request["process_error"] = {"Error": "States.ExceedToleratedFailureThreshold", "Cause": "x"}

    summary = handler("summarize_run")(request, context("summarize"))

    boeing, apple, tesla = summary["filings"]
    assert boeing["error_type"] == apple["error_type"] == "States.ExceedToleratedFailureThreshold"
    assert tesla["error_type"] == "States.TaskFailed"  # its own record says more


def test_a_big_run_returns_counts_and_the_key_but_not_the_lines(handler, store) -> None:
    refs = [
        {"source_unit": f"0000000042-24-{n:06d}", "cik": 42, "entry_point": "x.htm",
         "package_prefix": f"raw/sec/42/0000000042-24-{n:06d}/"}
        for n in range(201)
    ]  # fmt: skip
    request = event("plan_batches", "three_filings") | {"filings": refs, "batch_size": 50}
    handler("plan_batches")(request, context("plan"))

    summary = handler("summarize_run")(event("summarize_run", "mixed_run"), context("summarize"))

    assert "filings" not in summary
    assert (summary["failed"], summary["totals"]["filings"]) == (201, 201)
    assert len(json.loads(store.get_bytes(summary["summary_key"]))["filings"]) == 201


def test_a_load_the_node_interrupted_is_not_a_failure_and_rejects_nothing(handler, store) -> None:
    from ledgergraph.run_outcomes import batch_failure_key
    from ledgergraph.run_summary import SummarizeRunRequest, summarize_run

    plan_one_filing_per_batch(handler, store)
    apple = processed(APPLE, 320193, 1164, 15, 5230) | {"duplicates_collapsed": 89}
    store.put_bytes(processing_key("sec", RUN, 1), json.dumps({"filings": [apple]}).encode())
    failure = {"batch_key": "b", "index": 1, "error": "GraphNodeUnavailable",
               "cause": json.dumps({"errorMessage": "graph node unreachable"})}  # fmt: skip
    store.put_bytes(batch_failure_key("sec", RUN, 1), json.dumps(failure).encode())
    request = SummarizeRunRequest.model_validate(event("summarize_run", "mixed_run"))

    summary = summarize_run(store, request, registry=None)  # no node: its state unknown

    line = next(f for f in summary["filings"] if f["source_unit"] == APPLE)
    assert (line["status"], line["facts_rejected"], line["graph_files"]) == (
        "interrupted", 15, None
    )  # fmt: skip
    assert line["facts_loaded"] == line["facts_unsettled"] == 1164 - 15 - 89
    assert (summary["loaded"], summary["interrupted"], summary["failed"]) == (0, 1, 2)
    assert summary["totals"]["facts_unsettled"] == 1060 and not summary["ok"]
    text = render.sec_summary(summary).splitlines()
    assert text[-1].endswith("1060 facts offered, 0 added, 0 already present, 1060 not known "
                             "to be in the graph (interrupted)")  # fmt: skip
    assert any(ln.startswith(f"{APPLE}: INTERRUPTED GraphNodeUnavailable: graph node "
                             "unreachable; what is in the graph of it is unknown")
               for ln in text)  # fmt: skip
    row = next(ln.split() for ln in text if ln.startswith(f"{APPLE}  "))
    assert row[3:11] == ["interrupted", "(GraphNodeUnavailable)", "1164", "1060", "?", "?",
                         "15", "89"]  # fmt: skip


def test_the_errors_read_as_interruptions_are_those_the_load_states_retry() -> None:
    """INTERRUPTIONS restates the Retry lists of the states that load a batch: kept equal."""
    from ledgergraph.load_state import INTERRUPTIONS

    asl = Path(__file__).parents[2] / "statemachines" / "sec_pipeline.asl.json"
    retried: set[str] = set()

    def collect(states: dict[str, Any]) -> None:
        for name, state in states.items():
            if name in ("RegisterFiles", "StageFiles", "MaterializeBatch", "RecordLoad"):
                retried.update(e for r in state.get("Retry", []) for e in r["ErrorEquals"])
            for nested in ("Iterator", "ItemProcessor"):
                if nested in state:
                    collect(state[nested]["States"])
            for branch in state.get("Branches", []):
                collect(branch["States"])

    collect(json.loads(asl.read_text())["States"])

    assert retried, "no loading state found in the state machine"
    # plus Step Functions' own timeouts, which end a state without an error of ours
    assert retried | {"States.Timeout", "States.HeartbeatTimeout"} == INTERRUPTIONS


def test_a_cause_reads_as_the_lambda_errors_message_or_the_ecs_tasks_stopped_reason() -> None:
    from ledgergraph.causes import explain_cause

    lambda_cause = event("record_outcome", "load_failed")["load"]["cause"]
    task_cause = event("record_outcome", "batch_failed")["batch_failure"]["cause"]

    assert explain_cause(lambda_cause) == (
        "POST /databases/sec/tables -> 422 StagingError: Fact file f04b9e27c1d83a56 has a null "
        "key in column id"
    )
    assert explain_cause(task_cause) == (
        "XBRL task failed: Essential container in task exited with code 137: OutOfMemoryError"
    )
    assert explain_cause(task_cause, limit=30) == "XBRL task failed: Essential co"
    assert explain_cause(None) == explain_cause("") == ""


def test_an_ecs_tasks_cause_names_the_exit_code_its_stopped_reason_leaves_out() -> None:
    from ledgergraph.causes import explain_cause

    # as AWS describes a task whose container was killed out of memory: the task's reason
    # is generic, the container's says why
    oom = "OutOfMemoryError: Container killed due to memory usage"
    task = {
        "LastStatus": "STOPPED",
        "StopCode": "EssentialContainerExited",
        "StoppedReason": "Essential container in task exited",
        "Containers": [
            {"Name": "xbrl-task", "ExitCode": 137, "LastStatus": "STOPPED", "Reason": oom},
            {"Name": "log-router", "ExitCode": 0, "LastStatus": "STOPPED"},
        ],
    }

    assert explain_cause(json.dumps(task)) == (
        "XBRL task failed: Essential container in task exited (xbrl-task exit code 137: "
        "OutOfMemoryError: Container killed due to memory usage)"
    )
