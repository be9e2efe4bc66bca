"""The local Step Functions engine: one smoke test per moto patch, then the SEC state machine.

The patch tests run tiny definitions that stock moto 5.2.5 gets wrong; if a moto upgrade
fixes one, its patch can go. The pipeline tests run ``sec_pipeline.asl.json`` itself with a
stub XBRL task (a subprocess) and a stub graph node on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pipeline_stubs as stubs
import pytest

from ledgergraph.batches import FilingRef
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.settings import PipelineSettings
from localrun import moto_patches
from localrun.ecs import LocalTaskRunner, create_local_network, register_local_task_definition
from localrun.graph_node_process import graph_node_process
from localrun.lambdas import LambdaDispatcher, function_arn
from localrun.pipeline import run_sec_pipeline, run_state_machine
from localrun.stepfunctions import ExecutionResult, LocalStepFunctions

STUBS = Path(stubs.__file__)
STUB_TASK = (sys.executable, str(STUBS), "xbrl-task")
STUB_NODE = (sys.executable, str(STUBS))
LAMBDA = "arn:aws:states:::lambda:invoke"


class TransientError(Exception):
    """Named like the layer's transient error, which is all a Retry matches on."""


def lambda_task(function: str, **extra: Any) -> dict[str, Any]:
    arguments = {"FunctionName": function_arn(function), "Payload": "{% $states.input %}"}
    state = {"Type": "Task", "Resource": LAMBDA, "Arguments": arguments}
    return state | {"Output": "{% $states.result.Payload %}"} | extra


def machine(states: dict[str, Any], start: str) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start, "States": states}


def run(engine: LocalStepFunctions, asl: dict, payload: Any, name: str = "t") -> ExecutionResult:
    return engine.run(engine.create_state_machine(name, asl), payload, name=f"{name}-run")


@pytest.fixture
def engine() -> Iterator[LocalStepFunctions]:
    with LocalStepFunctions() as local:
        yield local


def ecs_task(engine: LocalStepFunctions, command: list[str]) -> dict[str, Any]:
    """A runTask.sync state on a fresh moto cluster whose task runs ``command``."""
    network = create_local_network(engine.client("ec2"))
    cluster = engine.client("ecs").create_cluster(clusterName="c")["cluster"]["clusterArn"]
    definition = register_local_task_definition(engine.client("ecs"), family="t", container="x")
    engine.use(ecs_runners={"t": LocalTaskRunner(command=command)})
    vpc = {"Subnets": [network.subnet_id], "SecurityGroups": [network.security_group_id]}
    override = {"Name": "x", "Environment": [{"Name": "GREETING", "Value": "{% $states.input %}"}]}
    arguments = {
        "Cluster": cluster,
        "TaskDefinition": definition,
        "LaunchType": "FARGATE",
        "NetworkConfiguration": {"AwsvpcConfiguration": vpc},
        "Overrides": {"ContainerOverrides": [override]},
    }
    return {"Type": "Task", "Resource": "arn:aws:states:::ecs:runTask.sync", "Arguments": arguments}


# --- one smoke test per patch ---------------------------------------------------------------


def test_lambda_tasks_call_the_handler_and_errors_keep_their_class_name(engine) -> None:
    def double(event: dict, context: Any) -> dict:
        if event["n"] < 0:
            raise ValueError(f"negative: {event['n']}")
        return {"n": event["n"] * 2}

    engine.use(lambdas=LambdaDispatcher({}, handlers={"double": double}))
    catch = {"ErrorEquals": ["ValueError"], "Next": "Caught", "Output": "{% $states.errorOutput %}"}
    asl = machine(
        {
            "Double": lambda_task("double", End=True, Catch=[catch]),
            "Caught": {"Type": "Pass", "End": True},
        },
        "Double",
    )

    assert run(engine, asl, {"n": 21}, "ok").output == {"n": 42}
    caught = run(engine, asl, {"n": -1}, "bad").output
    assert caught["Error"] == "ValueError"
    assert json.loads(caught["Cause"])["errorMessage"] == "negative: -1"


def test_ecs_arguments_in_step_functions_casing_reach_moto(engine, tmp_path: Path) -> None:
    # moto#10076: without the patch this fails with States.Runtime, KeyError 'Cluster'.
    seen = tmp_path / "env.json"
    dump = f"import json, os; open({str(seen)!r}, 'w').write(json.dumps(dict(os.environ)))"
    task = ecs_task(engine, [sys.executable, "-c", dump])

    result = run(engine, machine({"Work": task | {"End": True}}, "Work"), "hello")

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["LastStatus"] == "STOPPED"
    assert result.output["Containers"][0]["ExitCode"] == 0
    assert json.loads(seen.read_text())["GREETING"] == "hello"


def test_a_non_zero_container_exit_fails_the_state_with_task_failed(engine) -> None:
    task = ecs_task(engine, [sys.executable, "-c", "import sys; sys.exit(3)"])

    result = run(engine, machine({"Work": task | {"End": True}}, "Work"), "x")

    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    assert json.loads(result.cause)["Containers"][0]["ExitCode"] == 3


def kill_first_attempt(marker: Path) -> list[str]:
    """A task command killed by SIGKILL (as out of memory) unless ``marker`` exists, which
    its first attempt creates: the retry succeeds."""
    code = (
        "import os, pathlib, signal\n"
        f"marker = pathlib.Path({str(marker)!r})\n"
        "print('batch started', flush=True)\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    return [sys.executable, "-c", code]


RETRY_TASK_FAILED = [{"ErrorEquals": ["States.TaskFailed"], "IntervalSeconds": 3, "MaxAttempts": 1}]


def test_a_retried_task_that_succeeds_gives_the_state_its_output(engine, tmp_path) -> None:
    # Without the patch the retry's wait on the first attempt's interrupted task token wins:
    # States.Timeout with an empty cause, the retried task's success thrown away.
    task = ecs_task(engine, kill_first_attempt(tmp_path / "attempted"))
    state = task | {"Retry": RETRY_TASK_FAILED, "TimeoutSeconds": 3600, "End": True}

    result = run(engine, machine({"Work": state}, "Work"), "x")

    assert result.status == "SUCCEEDED", (result.error, result.cause)
    assert result.output["Containers"][0]["ExitCode"] == 0


def test_a_task_killed_on_every_attempt_fails_naming_the_kill(engine) -> None:
    code = "import os, signal; print('batch started', flush=True); os.kill(os.getpid(), 9)"
    task = ecs_task(engine, [sys.executable, "-c", code])
    state = task | {"Retry": RETRY_TASK_FAILED, "TimeoutSeconds": 3600, "End": True}

    result = run(engine, machine({"Work": state}, "Work"), "x")

    assert (result.status, result.error) == ("FAILED", "States.TaskFailed")
    cause = json.loads(result.cause)
    assert cause["Containers"][0]["ExitCode"] == 137  # 128 + SIGKILL, as a container exits
    assert cause["StoppedReason"] == (
        "Essential container in task exited with code 137: killed by SIGKILL (out of memory, "
        "or stopped from outside); last line: batch started"
    )


def test_jsonata_expressions_are_evaluated(engine) -> None:
    output = "{% {'total': $sum($states.input.n), 'run': $states.context.Execution.Name} %}"
    asl = machine({"Add": {"Type": "Pass", "Output": output, "End": True}}, "Add")

    result = run(engine, asl, {"n": [1, 2, 3]}, "sum")

    assert result.output == {"total": 6, "run": "sum-run"}


def test_a_states_error_leaving_a_map_iteration_reaches_the_maps_catch(engine) -> None:
    task = ecs_task(engine, [sys.executable, "-c", "import sys; sys.exit(3)"])
    processor = {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Work"}
    processor["States"] = {"Work": task | {"End": True}}
    each = {"Type": "Map", "Items": "{% $states.input %}", "ItemProcessor": processor}
    each |= {"Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}], "End": True}
    asl = machine({"Each": each, "Caught": {"Type": "Pass", "End": True}}, "Each")

    result = run(engine, asl, ["a"])

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["Error"] == "States.TaskFailed"


def test_retry_intervals_follow_the_time_scale(engine) -> None:
    calls = []

    def flaky(event: dict, context: Any) -> dict:
        calls.append(event)
        if len(calls) == 1:
            raise TransientError("busy")
        return {"attempts": len(calls)}

    engine.use(lambdas=LambdaDispatcher({}, handlers={"flaky": flaky}))
    retry = [{"ErrorEquals": ["TransientError"], "IntervalSeconds": 60, "MaxAttempts": 2}]
    asl = machine({"Try": lambda_task("flaky", Retry=retry, End=True)}, "Try")

    started = time.monotonic()
    result = run(engine, asl, {})

    assert result.output == {"attempts": 2}
    assert time.monotonic() - started < 10


def test_boto_clients_are_built_once_and_forgotten_with_the_mock() -> None:
    from moto.stepfunctions.parser.asl.utils import boto_client

    with LocalStepFunctions():
        first = boto_client.boto_client_for("us-east-1", "lambda")
        assert boto_client.boto_client_for("us-east-1", "lambda") is first
    assert moto_patches._clients == {}


def test_the_fake_account_is_set_only_while_the_engine_runs() -> None:
    before = os.environ.get("AWS_ACCESS_KEY_ID")

    with LocalStepFunctions():
        assert os.environ["AWS_ACCESS_KEY_ID"] in {"testing", "FOOBARKEY"}  # ours, or moto's
        assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"
        assert os.environ["AWS_CONFIG_FILE"] == os.devnull
        assert "AWS_PROFILE" not in os.environ

    assert os.environ.get("AWS_ACCESS_KEY_ID") == before


# --- the SEC state machine with stubs -------------------------------------------------------

UNITS = {n: f"0000000042-24-{n:06d}" for n in range(1, 8)}
ENTRY_POINTS = {1: "good", 2: "bad", 3: "good", 4: "good", 5: "silent", 6: "good", 7: "crash"}


def filing(n: int) -> dict[str, Any]:
    unit = UNITS[n]
    ref = FilingRef(
        source_unit=unit,
        cik=42,
        package_prefix=f"raw/sec/42/{unit}/",
        entry_point=f"{ENTRY_POINTS[n]}-{n}.htm",
        form="10-Q",
    )
    return ref.model_dump()


@pytest.fixture(scope="module")
def sec_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    node = stubs.StubGraphNode(api_key="stub-key")
    node.unavailable_once.add(("register", UNITS[1]))
    node.reject.add(("stage", UNITS[3]))
    node.reject.add(("materialize", UNITS[6]))  # every call offering a file of unit 6 fails
    server = stubs.serve(node)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings = PipelineSettings(home=home, graph_api_url=url, graph_api_key="stub-key")
    payload = {"graph_id": "sec", "run_id": "r1", "batch_size": 3}
    payload["filings"] = [filing(n) for n in UNITS]

    result = run_state_machine(
        "sec_pipeline.asl.json",
        payload,
        settings=settings,
        task_command=STUB_TASK,
        log_dir=home / "logs",
        execution_name="r1",
    )

    yield {"result": result, "node": node, "home": home}
    server.shutdown()
    server.server_close()


def lines(sec_run: dict) -> dict[int, dict[str, Any]]:
    by_unit = {f["source_unit"]: f for f in sec_run["result"].output["filings"]}
    return {n: by_unit[unit] for n, unit in UNITS.items()}


def test_the_run_succeeds_and_reports_every_filing(sec_run) -> None:
    result = sec_run["result"]

    assert result.status == "SUCCEEDED", result.cause
    assert [f["source_unit"] for f in result.output["filings"]] == list(UNITS.values())
    output = result.output
    assert (output["loaded"], output["failed"], output["ok"]) == (2, 5, False)


def test_filings_go_to_the_xbrl_task_in_batches_of_three(sec_run) -> None:
    store = LocalObjectStore(sec_run["home"] / "store")
    times = sec_run["result"].time_by_state()

    assert list(store.list_keys("work/sec/r1/batch-")) == [
        f"work/sec/r1/batch-{i:04d}.json" for i in range(3)
    ]
    task_logs = list((sec_run["home"] / "logs" / "XbrlTaskDefinition").glob("*.log"))
    assert times["ProcessBatches"]["count"] == 1  # one distributed Map; a child per batch
    assert len(task_logs) == 4  # the crashed batch's task is retried once
    assert sorted(store.list_keys("work/sec/r1/outcomes/batch-")) == [
        "work/sec/r1/outcomes/batch-0000.json",  # CollectBatch records processing
        "work/sec/r1/outcomes/batch-0001.json",
        "work/sec/r1/outcomes/batch-0002.failed.json",  # RecordBatchFailure
    ]


def test_the_state_machine_returns_counts_and_the_summarys_key(sec_run) -> None:
    output = sec_run["result"].output
    store = LocalObjectStore(sec_run["home"] / "store")

    assert output["summary_key"] == "work/sec/r1/summary.json"
    written = json.loads(store.get_bytes(output["summary_key"]))
    assert written["filings"] == output["filings"]  # a run this small gets its lines inline
    assert len(list(store.list_keys("work/sec/r1/outcomes/loads/"))) == 4  # 2 loaded, 2 not


def test_a_filing_the_node_rejects_fails_alone(sec_run) -> None:
    line = lines(sec_run)

    assert line[3]["status"] == "failed"
    assert line[3]["error_type"] == "GraphNodeRejected"
    assert "422 StagingError" in line[3]["error"]
    assert [line[n]["status"] for n in (1, 4)] == ["loaded"] * 2


def test_each_batch_is_materialized_in_one_call_per_table(sec_run) -> None:
    requests = sec_run["node"].requests
    materialized = [(t, units) for op, t, units in requests if op == "materialize"]
    first = [(t, units) for t, units in materialized if UNITS[1] in units]

    # batch 0 has one filing left to load (2 failed processing, 3 staging), batch 1 two
    assert first == [(table, [UNITS[1]]) for table in stubs.STUB_TABLES]
    assert (  # unit 6's call fails: that table again filing by filing, then unit 4 alone
        [(t, units) for t, units in materialized if UNITS[4] in units or UNITS[6] in units]
        == [("Entity", [UNITS[4], UNITS[6]]), ("Entity", [UNITS[4]]), ("Entity", [UNITS[6]])]
        + [(table, [UNITS[4]]) for table in list(stubs.STUB_TABLES)[1:]]
    )


def test_a_filing_whose_table_the_node_refuses_fails_alone_named(sec_run) -> None:
    line = lines(sec_run)[6]

    assert (line["status"], line["error_type"]) == ("failed", "GraphNodeRejected")
    assert line["error"].startswith(f"{UNITS[6]}: Entity not materialized: POST ")
    assert "422 MissingEndpoints" in line["error"]
    assert lines(sec_run)[4]["status"] == "loaded"


def test_a_busy_graph_node_is_retried(sec_run) -> None:
    registers = [c for c in sec_run["node"].calls if c[:2] == ("register", UNITS[1])]

    assert len(registers) == 1 + len(stubs.STUB_TABLES)  # refused at the first file, then all
    assert lines(sec_run)[1]["facts_loaded"] == 5


def test_a_failed_xbrl_task_fails_every_filing_of_its_batch(sec_run) -> None:
    crashed = lines(sec_run)[7]

    assert crashed["error_type"] == "States.TaskFailed"
    assert "exited with code 3: stub task: infrastructure failure" in crashed["error"]


def test_processing_failures_are_reported_with_their_reason(sec_run) -> None:
    line = lines(sec_run)

    assert (line[2]["error_type"], line[5]["error_type"]) == ("FilingError", "NoOutput")
    assert "not well-formed" in line[2]["error"]


def test_loaded_filings_account_for_every_fact(sec_run) -> None:
    for n in (1, 4):
        f = lines(sec_run)[n]
        accounted = f["facts_loaded"] + f["facts_rejected"] + f["duplicates_collapsed"]
        assert f["facts_in_document"] == accounted == stubs.FACTS_IN_DOCUMENT
        assert f["loading_ms"] > 0 and f["processing_ms"] == 12


def test_every_graph_call_carries_the_execution_id(sec_run) -> None:
    correlation = {c[2] for c in sec_run["node"].calls}

    assert correlation == {sec_run["result"].arn}


def test_handler_logs_go_to_the_log_folder(sec_run) -> None:
    log = (sec_run["home"] / "logs" / "lambda.log").read_text()

    assert '"message":"run summarized"' in log
    assert sec_run["result"].arn in log


# --- processes ------------------------------------------------------------------------------


def test_graph_node_process_serves_until_the_block_ends(tmp_path: Path) -> None:
    with graph_node_process(home=tmp_path, command=STUB_NODE) as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/status", trust_env=False).json()["status"] == "ok"

    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/status", trust_env=False, timeout=2)


def test_run_sec_pipeline_returns_the_summary_and_keeps_stdout_clean(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    summary = run_sec_pipeline(
        [filing(1), filing(2)],
        home=tmp_path,
        run_id="r2",
        graph_node_command=STUB_NODE,
        task_command=STUB_TASK,
    )

    assert [f["status"] for f in summary["filings"]] == ["loaded", "failed"]
    assert summary["execution"]["arn"].endswith(":r2")
    assert summary["execution"]["states"]["SummarizeRun"]["count"] == 1
    assert "summary_key" not in summary  # the full summary, as the file has it
    assert capfd.readouterr().out == ""  # a command's stdout is its result (--json)


def test_the_engine_gives_moto_its_own_lambda_and_ecs_back() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend
    from moto.ecs.models import EC2ContainerServiceBackend

    from localrun import ecs, lambdas

    with LocalStepFunctions() as local:
        local.use(lambdas=LambdaDispatcher({}), ecs_runners={"t": LocalTaskRunner()})
        assert EC2ContainerServiceBackend.run_task is not ecs._original_run_task

    assert EC2ContainerServiceBackend.run_task is ecs._original_run_task
    assert LambdaSimpleBackend.invoke is lambdas._original_invoke


def test_a_task_that_logs_its_failure_as_json_shows_the_cause_in_the_reason(
    tmp_path: Path,
) -> None:
    """The real XBRL task with a taxonomy cache that does not exist: exit 2, and the reason
    carries the log line's message and error, not a line cut off after its timestamp."""
    package = Path(__file__).parents[2] / "sample_data" / "sec" / "ba-10k-2023-12-31"
    command = [sys.executable, "-m", "xbrl_task", "--package", str(package), "--out",
               str(tmp_path / "out")]  # fmt: skip
    runner = LocalTaskRunner(
        command=command, env={"LEDGERGRAPH_TAXONOMY_CACHE": "/nonexistent"}, log_dir=tmp_path
    )

    done = runner.run({}, task_id="bad-cache")

    assert done.exit_code == 2
    assert done.reason == (
        "Essential container in task exited with code 2: task misconfigured: taxonomy cache "
        "/nonexistent is neither a folder nor a taxonomy package .zip"
    )
    assert '"level":"ERROR"' in (tmp_path / "bad-cache.log").read_text()


def test_a_local_task_inherits_the_xbrl_settings_a_user_sets_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_REUSE_STANDARD_TAXONOMIES", "false")
    monkeypatch.setenv("LEDGERGRAPH_TAXONOMY_CACHE", "/opt/taxonomies")
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_KEY", "not for the task")
    names = ("LEDGERGRAPH_REUSE_STANDARD_TAXONOMIES", "LEDGERGRAPH_TAXONOMY_CACHE",
             "LEDGERGRAPH_GRAPH_API_KEY")  # fmt: skip
    show = f"import os; print([os.environ.get(n) for n in {names!r}])"
    runner = LocalTaskRunner(command=[sys.executable, "-c", show], log_dir=tmp_path)

    done = runner.run({}, task_id="env")

    assert done.exit_code == 0
    printed = (tmp_path / "env.log").read_text().strip()
    assert printed == "['false', '/opt/taxonomies', None]"
