"""Run the project's state machines on this machine, exactly as defined for AWS.

``run_state_machine`` reads the state machine's ASL file and DefinitionSubstitutions from
``template.yaml``, creates local stand-ins for what the placeholders name (each function's
handler, the ECS cluster, task definition and network in moto), and runs one execution.
``run_sec_pipeline`` adds the graph node process and the settings the steps need.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any
from unittest import mock

from ledgergraph.batches import FilingRef
from ledgergraph.causes import explain_cause
from ledgergraph.objectstore import LocalObjectStore, ObjectStore, open_store
from ledgergraph.run_outcomes import filings_key
from ledgergraph.settings import PipelineSettings
from localrun.auto_scaling import create_local_groups
from localrun.ecs import LocalTaskRunner, create_local_network, register_local_task_definition
from localrun.errors import ExecutionFailed
from localrun.graph_node_process import graph_node_process
from localrun.item_reader import bucket_stand_ins, serve_buckets
from localrun.lambdas import LambdaDispatcher
from localrun.stepfunctions import ExecutionResult, LocalStepFunctions
from localrun.template import (
    function_specs,
    load_template,
    resolve_locally,
    resources_of_type,
    state_machine_spec,
    substitute,
)

SEC_PIPELINE = "sec_pipeline.asl.json"
MAX_INLINE_FILINGS_BYTES = 32 * 1024
_NETWORK_STAND_INS = {
    "AWS::EC2::Subnet::Id": "subnet",
    "AWS::EC2::SecurityGroup::Id": "group",
    "AWS::EC2::Subnet": "subnet",
    "AWS::EC2::SecurityGroup": "group",
}


def handler_environment(settings: PipelineSettings) -> dict[str, str]:
    """The ``LEDGERGRAPH_*`` variables template.yaml gives the functions, with local values."""
    env = {
        "LEDGERGRAPH_HOME": str(settings.home),
        "LEDGERGRAPH_STORE_URI": settings.resolved_store_uri(),
        "LEDGERGRAPH_GRAPH_API_URL": settings.graph_api_url,
        "LEDGERGRAPH_GRAPH_API_TIMEOUT_S": str(settings.graph_api_timeout_s),
    }
    if settings.graph_api_key:
        env["LEDGERGRAPH_GRAPH_API_KEY"] = settings.graph_api_key
    return env


def create_local_resources(
    engine: LocalStepFunctions,
    template: dict[str, Any],
    runner: Callable[[str], LocalTaskRunner],
) -> tuple[dict[str, str], dict[str, LocalTaskRunner]]:
    """moto stand-ins for the template's network, clusters, task definitions and groups.

    Every subnet and security group (resource or parameter) is played by one moto subnet
    and group. Returns the local value of each logical id / parameter, and a runner per
    task family.
    """
    network = create_local_network(engine.client("ec2"))
    stand_ins = {"subnet": network.subnet_id, "group": network.security_group_id}
    named = {**template.get("Parameters", {}), **template["Resources"]}
    values = {
        name: stand_ins[_NETWORK_STAND_INS[spec["Type"]]]
        for name, spec in named.items()
        if spec.get("Type") in _NETWORK_STAND_INS
    }
    values |= create_local_groups(
        engine.client("ec2"), engine.client("autoscaling"), template, network.subnet_id
    )
    ecs = engine.client("ecs")
    for name in resources_of_type(template, "AWS::ECS::Cluster"):
        values[name] = ecs.create_cluster(clusterName=name)["cluster"]["clusterArn"]
    runners = {}
    for name, resource in resources_of_type(template, "AWS::ECS::TaskDefinition").items():
        container = resource["Properties"]["ContainerDefinitions"][0]["Name"]
        values[name] = register_local_task_definition(ecs, family=name, container=container)
        runners[name] = runner(name)
    return values, runners


@contextlib.contextmanager
def _log_stream(log_dir: Path | None) -> Iterator[IO[str]]:
    if log_dir is None:
        yield sys.stderr
        return
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "lambda.log").open("a", encoding="utf-8") as stream:
        yield stream


def run_state_machine(
    asl_name: str,
    payload: dict[str, Any],
    *,
    settings: PipelineSettings,
    time_scale: float = 0.0,
    handlers: dict[str, Callable[[Any, Any], Any]] | None = None,
    task_command: Sequence[str] | None = None,
    log_dir: Path | None = None,
    execution_name: str | None = None,
    timeout_s: float = 3600.0,
    environment: dict[str, str] | None = None,
) -> ExecutionResult:
    """Run ``statemachines/<asl_name>`` once with local Lambda, ECS and settings.

    ``handlers`` replaces functions by logical id and ``task_command`` the ECS entry point
    (tests use both); ``time_scale`` multiplies Retry intervals (0: no waiting);
    ``environment`` adds variables for the handlers (e.g. the EDGAR settings). Buckets are
    the local store: a distributed Map's ItemReader reads it.
    """
    template = load_template()
    spec = state_machine_spec(template, asl_name)
    apps = {name: f.app_path for name, f in function_specs(template).items()}
    task_env = {
        "LEDGERGRAPH_HOME": str(settings.home),
        "LEDGERGRAPH_STORE_URI": settings.resolved_store_uri(),
    }

    def runner(family: str) -> LocalTaskRunner:
        task_logs = None if log_dir is None else log_dir / family
        command = tuple(task_command or LocalTaskRunner.command)
        return LocalTaskRunner(command=command, env=task_env, log_dir=task_logs)

    buckets = bucket_stand_ins(template)
    store = open_store(settings.resolved_store_uri())
    with (
        mock.patch.dict(os.environ, {**handler_environment(settings), **(environment or {})}),
        _log_stream(log_dir) as stream,
        LocalStepFunctions(time_scale=time_scale) as engine,
        serve_buckets(dict.fromkeys(buckets.values(), store)),
    ):
        values, runners = create_local_resources(engine, template, runner)
        values |= buckets
        definition = substitute(
            spec.definition_path.read_text(encoding="utf-8"),
            resolve_locally(template, spec.substitutions, values),
        )
        lambdas = LambdaDispatcher(apps, handlers=handlers, log_stream=stream)
        engine.use(lambdas=lambdas, ecs_runners=runners)
        arn = engine.create_state_machine(spec.name, definition)
        return engine.run(arn, payload, name=execution_name, timeout_s=timeout_s)


def new_run_id() -> str:
    """``run-20261204T170102Z-1a2b3c``: sortable, unique enough, valid in keys."""
    return f"run-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{secrets.token_hex(3)}"


def run_sec_pipeline(
    filings: Sequence[FilingRef | dict[str, Any]],
    *,
    graph_id: str = "sec",
    batch_size: int = 3,
    home: Path,
    run_id: str | None = None,
    time_scale: float = 0.0,
    graph_node_command: Sequence[str] | None = None,
    task_command: Sequence[str] | None = None,
    node_deaths: list[str] | None = None,
) -> dict[str, Any]:
    """Run the SEC state machine over filings already in ``home``'s raw store.

    Starts a graph node on 127.0.0.1 (with a fresh API key) for the run and stops it after;
    why it died, if it did during the run, is appended to ``node_deaths``.
    The two commands replace the graph node's and the XBRL task's entry points (tests).
    Returns the run's full summary with an ``execution`` entry (ARN, duration, per-state
    time); raises ``ExecutionFailed`` if the execution itself did not succeed.
    """
    run_id = run_id or new_run_id()
    store = LocalObjectStore(home.resolve() / "store")
    payload = {"graph_id": graph_id, "batch_size": batch_size}
    payload |= sec_filings_input(store, filings, graph_id=graph_id, run_id=run_id)
    return run_sec_execution(
        payload,
        home=home,
        run_id=run_id,
        time_scale=time_scale,
        graph_node_command=graph_node_command,
        task_command=task_command,
        node_deaths=node_deaths,
    )


def sec_filings_input(
    store: ObjectStore,
    filings: Sequence[FilingRef | dict[str, Any]],
    *,
    graph_id: str,
    run_id: str,
    max_inline_bytes: int = MAX_INLINE_FILINGS_BYTES,
) -> dict[str, Any]:
    """``{"filings": [...]}``, or ``{"filings_key": ...}`` once the list is too long to pass.

    A long list goes to ``work/{graph}/{run}/filings.json``: the execution input stays far
    below Step Functions' 256 KiB whatever the number of filings.
    """
    refs = [FilingRef.model_validate(f).model_dump() for f in filings]
    data = json.dumps(refs).encode()
    if len(data) <= max_inline_bytes:
        return {"filings": refs}
    key = filings_key(graph_id, run_id)
    store.put_bytes(key, data)
    return {"filings_key": key}


def run_sec_execution(
    payload: dict[str, Any],
    *,
    home: Path,
    run_id: str | None = None,
    time_scale: float = 0.0,
    graph_node_command: Sequence[str] | None = None,
    task_command: Sequence[str] | None = None,
    environment: dict[str, str] | None = None,
    node_deaths: list[str] | None = None,
) -> dict[str, Any]:
    """Run the SEC state machine once on ``payload`` (filings, or a discovery request).

    The same as ``run_sec_pipeline`` for any input the state machine takes; ``environment``
    adds handler variables (the EDGAR settings of a discovery run).
    """
    run_id = run_id or new_run_id()
    result = run_with_graph_node(
        SEC_PIPELINE,
        {**payload, "run_id": run_id},
        home=home,
        execution_name=run_id,
        time_scale=time_scale,
        graph_node_command=graph_node_command,
        task_command=task_command,
        environment=environment,
        node_deaths=node_deaths,
    )
    return _summary_of(result, LocalObjectStore(home.resolve() / "store"))


def run_with_graph_node(
    asl_name: str,
    payload: dict[str, Any],
    *,
    home: Path,
    execution_name: str,
    time_scale: float = 0.0,
    graph_node_command: Sequence[str] | None = None,
    task_command: Sequence[str] | None = None,
    environment: dict[str, str] | None = None,
    node_deaths: list[str] | None = None,
) -> ExecutionResult:
    """One execution of any state machine over ``home``, with a graph node for its length.

    The node runs on 127.0.0.1 with a fresh API key and the store ``home/store``; it is
    stopped when the execution ends, however it ends (if it died first, why is appended to
    ``node_deaths``). Logs go to ``home/logs``.
    """
    home = home.resolve()
    store_uri = (home / "store").as_uri()
    api_key = secrets.token_urlsafe(24)
    graph_id = payload.get("graph_id") if isinstance(payload, dict) else None
    node = graph_node_process(
        home=home, api_key=api_key, store_uri=store_uri, command=graph_node_command,
        graph_ids=[graph_id] if isinstance(graph_id, str) else [], deaths=node_deaths,
    )  # fmt: skip
    with node as url:
        settings = PipelineSettings(
            home=home, store_uri=store_uri, graph_api_url=url, graph_api_key=api_key
        )
        return run_state_machine(
            asl_name,
            payload,
            settings=settings,
            time_scale=time_scale,
            task_command=task_command,
            log_dir=home / "logs",
            execution_name=execution_name,
            environment=environment,
        )


def _summary_of(result: ExecutionResult, store: ObjectStore) -> dict[str, Any]:
    """The run's full summary, read from the file SummarizeRun names (its output is compact)."""
    if result.status != "SUCCEEDED":  # the message without the Lambda's stack trace
        where = f" at {result.failed_state}" if result.failed_state else ""
        raise ExecutionFailed(
            f"SEC pipeline {result.status}{where}: {result.error}: {explain_cause(result.cause)}"
        )
    summary = json.loads(store.get_bytes(result.output["summary_key"]))
    execution = {"arn": result.arn, "duration_ms": result.duration_ms}
    return {**summary, "execution": execution | {"states": result.time_by_state()}}
