"""A local Step Functions engine: moto's ASL interpreter in this process, patched.

``LocalStepFunctions`` starts ``mock_aws`` with state machine execution switched on and
Lambda without Docker, installs ``moto_patches``, and runs executions to the end. Lambda
tasks go to a ``LambdaDispatcher`` (in-process handlers), ECS tasks to ``LocalTaskRunner``
subprocesses; nothing leaves the machine.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict, deque
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import boto3
from moto import mock_aws

from localrun import moto_patches
from localrun.aws import REGION, fake_aws_environment
from localrun.ecs import LocalTaskRunner, install_ecs_runners
from localrun.errors import ExecutionTimeout
from localrun.lambdas import LambdaDispatcher, install_lambda_dispatch

MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}
ROLE_ARN = "arn:aws:iam::123456789012:role/ledgergraph-local-state-machine"
_POLL_S = 0.01


@dataclass(frozen=True)
class StateTiming:
    """One pass through a state: entered and left, ms since the execution started."""

    name: str
    type: str
    started_ms: float
    duration_ms: float


@dataclass
class ExecutionResult:
    """How an execution ended, with its per-state timings from the execution history."""

    arn: str
    status: str
    output: Any
    error: str | None
    cause: str | None
    duration_ms: float
    states: list[StateTiming] = field(default_factory=list)
    failed_state: str | None = None  # the state that was running when the execution failed

    def time_by_state(self) -> dict[str, dict[str, float]]:
        """Per state name: how often it ran and its total time in ms."""
        totals: dict[str, dict[str, float]] = {}
        for timing in self.states:
            entry = totals.setdefault(timing.name, {"count": 0, "total_ms": 0.0})
            entry["count"] += 1
            entry["total_ms"] += timing.duration_ms
        return totals


class LocalStepFunctions:
    """Context manager around one mocked AWS account that can run ASL definitions."""

    def __init__(self, *, time_scale: float = 0.0) -> None:
        self.time_scale = time_scale
        self._stack = ExitStack()
        self._clients: dict[str, Any] = {}

    def __enter__(self) -> LocalStepFunctions:
        self._stack.enter_context(fake_aws_environment())
        moto_patches.install_patches()
        moto_patches.set_time_scale(self.time_scale)
        moto_patches.clear_client_cache()
        self._stack.callback(moto_patches.clear_client_cache)
        self._stack.enter_context(mock_aws(config=MOTO_CONFIG))
        self._stack.callback(install_lambda_dispatch, None)
        self._stack.callback(install_ecs_runners, {})
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._clients.clear()
        self._stack.close()

    def client(self, service: str) -> Any:
        """A boto3 client of the mocked account, built once per engine."""
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=REGION)
        return self._clients[service]

    def use(
        self,
        *,
        lambdas: LambdaDispatcher | None = None,
        ecs_runners: dict[str, LocalTaskRunner] | None = None,
    ) -> None:
        """Where Lambda and ECS tasks of the following executions run."""
        install_lambda_dispatch(lambdas)
        install_ecs_runners(ecs_runners or {})

    def create_state_machine(self, name: str, definition: str | dict[str, Any]) -> str:
        """Parse and register a definition (substitutions already applied); returns its ARN."""
        text = definition if isinstance(definition, str) else json.dumps(definition)
        created = self.client("stepfunctions").create_state_machine(
            name=name, definition=text, roleArn=ROLE_ARN
        )
        return created["stateMachineArn"]

    def run(
        self,
        state_machine_arn: str,
        payload: Any,
        *,
        name: str | None = None,
        timeout_s: float = 3600.0,
    ) -> ExecutionResult:
        """Start an execution and wait for it to end.

        The name is always given: without one, moto's context object says ``None`` for
        ``Execution.Name`` and ends ``Execution.Id`` with ``:None``.
        """
        sfn = self.client("stepfunctions")
        started = time.monotonic()
        arn = sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=name or f"local-{uuid.uuid4()}",
            input=json.dumps(payload),
        )["executionArn"]
        described = sfn.describe_execution(executionArn=arn)
        while described["status"] == "RUNNING":
            if time.monotonic() - started > timeout_s:
                sfn.stop_execution(executionArn=arn, error="Local.Timeout")
                raise ExecutionTimeout(f"execution {arn} still running after {timeout_s} s")
            time.sleep(_POLL_S)
            described = sfn.describe_execution(executionArn=arn)
        duration_ms = (time.monotonic() - started) * 1000
        output = described.get("output")
        events = self.history(arn)
        return ExecutionResult(
            arn=arn,
            status=described["status"],
            output=json.loads(output) if output else None,
            error=described.get("error"),
            cause=described.get("cause"),
            duration_ms=round(duration_ms, 1),
            states=state_timings(events),
            failed_state=None if described["status"] == "SUCCEEDED" else unfinished(events),
        )

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        """Every history event of an execution, oldest first."""
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def state_timings(self, execution_arn: str) -> list[StateTiming]:
        """``state_timings`` of the execution's history."""
        return state_timings(self.history(execution_arn))


def state_timings(events: list[dict[str, Any]]) -> list[StateTiming]:
    """StateEntered -> StateExited pairs of a history; repeated names pair first-in, first-out."""
    if not events:
        return []
    origin = events[0]["timestamp"]
    entered: dict[str, deque[tuple[str, Any]]] = defaultdict(deque)
    timings = []
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            details = event["stateEnteredEventDetails"]
            entered[details["name"]].append((kind[: -len("StateEntered")], event["timestamp"]))
        elif kind.endswith("StateExited") and entered[event["stateExitedEventDetails"]["name"]]:
            name = event["stateExitedEventDetails"]["name"]
            state_type, since = entered[name].popleft()
            timings.append(
                StateTiming(
                    name=name,
                    type=state_type,
                    started_ms=(since - origin).total_seconds() * 1000,
                    duration_ms=(event["timestamp"] - since).total_seconds() * 1000,
                )
            )
    return sorted(timings, key=lambda t: t.started_ms)


def unfinished(events: list[dict[str, Any]]) -> str | None:
    """The state entered last that never exited: where a failed execution stopped (inside
    a Map or Parallel, the innermost one)."""
    open_states: list[str] = []
    for event in events:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            open_states.append(event["stateEnteredEventDetails"]["name"])
        elif kind.endswith("StateExited"):
            name = event["stateExitedEventDetails"]["name"]
            if name in open_states:
                open_states.remove(name)  # names repeat in a Map: any one of them ended
    return open_states[-1] if open_states else None
