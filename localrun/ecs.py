"""ECS tasks of a local execution, run as subprocesses of the container's entry point.

``ecs:runTask.sync`` goes through moto's ECS backend; ``install_ecs_runners`` wraps its
``run_task`` so each task started there also runs ``python -m xbrl_task`` (or any command)
with the task definition's environment, the container overrides of the state and the local
store settings. The exit code lands on the container as ECS reports it, so a non-zero exit
fails the state with ``States.TaskFailed`` (see ``moto_patches.patch_ecs_exit_code``); a
process killed by a signal exits as it would in a container, 128 + the signal's number
(137 for SIGKILL, the code ECS reports for a container killed out of memory).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from moto.ecs.models import EC2ContainerServiceBackend

from ledgergraph.parent_process import child_environment

# stderr: a command's stdout is its result (``--json``), never log lines.
logger = Logger(service="localrun", stream=sys.stderr)

# What a container would inherit from its image rather than from the task definition.
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV")
# The XBRL task's own settings (xbrl_task/settings.py) a local run may be given to try.
_INHERITED_PREFIXES = ("LEDGERGRAPH_TAXONOMY_CACHE", "LEDGERGRAPH_REUSE_STANDARD_TAXONOMIES")
_STOPPED_REASON_LIMIT = 255

_runners: dict[str, LocalTaskRunner] = {}
_original_run_task = EC2ContainerServiceBackend.run_task


@dataclass(frozen=True)
class TaskExit:
    """How a local task ended."""

    exit_code: int
    reason: str
    duration_ms: int


@dataclass
class LocalTaskRunner:
    """Runs one container's entry point as a subprocess of this Python."""

    command: Sequence[str] = (sys.executable, "-m", "xbrl_task")
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    log_dir: Path | None = None
    timeout_s: float = 3600.0

    def run(self, environment: dict[str, str], *, task_id: str) -> TaskExit:
        """Run to completion; the output goes to ``log_dir/<task_id>.log`` when set."""
        env = {k: v for k, v in os.environ.items() if k in _INHERITED}
        env |= {k: v for k, v in os.environ.items() if k.startswith(_INHERITED_PREFIXES)}
        env |= environment | self.env | child_environment()  # stops if the run is killed
        started = time.monotonic()
        try:
            done = subprocess.run(
                list(self.command),
                env=env,
                cwd=self.cwd,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout_s,
                check=False,
            )
            code, output = done.returncode, done.stdout + done.stderr
        except subprocess.TimeoutExpired as exc:
            code, output = 137, f"killed after {self.timeout_s} s\n{exc.stderr or ''}"
        duration_ms = int((time.monotonic() - started) * 1000)
        self._keep_log(task_id, output)
        # subprocess gives -N for a process signal N killed; in a container it exits 128 + N
        killed_by = _signal_name(-code) if code < 0 else None
        code = 128 - code if code < 0 else code
        return TaskExit(code, _reason(code, output, killed_by=killed_by), duration_ms)

    def _keep_log(self, task_id: str, output: str) -> None:
        if self.log_dir is not None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            (self.log_dir / f"{task_id}.log").write_text(output, encoding="utf-8")


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _reason(code: int, output: str, *, killed_by: str | None = None) -> str:
    """ECS's stopped reason, with what says why: the output's last line, or for a process a
    signal killed the signal first (its last line was written before it, so is no cause)."""
    if code == 0:
        return "Essential container in task exited"
    lines = [line for line in output.strip().splitlines() if line.strip()]
    tail = _readable(lines[-1]) if lines else ""
    if killed_by is not None:
        why = " (out of memory, or stopped from outside)" if killed_by == "SIGKILL" else ""
        tail = f"killed by {killed_by}{why}" + (f"; last line: {tail}" if tail else "")
    return f"Essential container in task exited with code {code}: {tail}"[:_STOPPED_REASON_LIMIT]


def _readable(line: str) -> str:
    """A JSON log line as its message and error (the cause), which fit the reason's 255
    characters where the whole line (timestamp, location, service first) would be cut."""
    try:
        record = json.loads(line)
    except ValueError:
        return line
    if not isinstance(record, dict) or "message" not in record:
        return line
    parts = [str(record["message"])]
    if record.get("error"):
        parts.append(str(record["error"]))
    if record.get("exception"):  # a traceback: its last line names the exception
        parts.append(str(record["exception"]).strip().splitlines()[-1])
    return ": ".join(parts)


def task_environment(task_definition: Any, overrides: dict[str, Any]) -> dict[str, str]:
    """The first container's environment: task definition, then the state's overrides."""
    container = task_definition.container_definitions[0]
    env = {e["name"]: e["value"] for e in container.get("environment") or []}
    for override in overrides.get("containerOverrides") or []:
        if override.get("name") == container.get("name"):
            env |= {e["name"]: e["value"] for e in override.get("environment") or []}
    return env


def _run_locally(backend: EC2ContainerServiceBackend, task: Any) -> None:
    task_definition = backend.describe_task_definition(task.task_definition_arn)
    runner = _runners.get(task_definition.family)
    if runner is None:
        outcome = TaskExit(127, f"no local runner for family {task_definition.family}", 0)
    else:
        environment = task_environment(task_definition, task.overrides)
        outcome = runner.run(environment, task_id=task.id)
    logger.debug(
        "local task stopped",
        extra={"task_id": task.id, "exit_code": outcome.exit_code, "ms": outcome.duration_ms},
    )
    for container in task.containers:
        container.exitCode = outcome.exit_code
        container.last_status = "STOPPED"
    task.stopped_reason = outcome.reason
    task.stop_code = "EssentialContainerExited"
    task.desired_status = "STOPPED"
    task.last_status = "STOPPED"


def _run_task_locally(backend: EC2ContainerServiceBackend, *args: Any, **kwargs: Any) -> Any:
    tasks = _original_run_task(backend, *args, **kwargs)
    for task in tasks:
        _run_locally(backend, task)
    return tasks


def install_ecs_runners(runners: dict[str, LocalTaskRunner]) -> None:
    """Run tasks of each task definition family with its runner (replacing earlier ones).

    An empty mapping gives moto its own ``run_task`` back.
    """
    _runners.clear()
    _runners.update(runners)
    EC2ContainerServiceBackend.run_task = _run_task_locally if runners else _original_run_task


@dataclass(frozen=True)
class LocalNetwork:
    """The moto VPC pieces a Fargate task's network configuration names."""

    subnet_id: str
    security_group_id: str


def create_local_network(ec2: Any) -> LocalNetwork:
    """A VPC with one subnet and one security group in moto."""
    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # moto gives a Fargate task's ENI a private DNS name only with DNS hostnames on.
    ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(
        GroupName="ledgergraph-local", Description="local tasks", VpcId=vpc_id
    )["GroupId"]
    return LocalNetwork(subnet, group)


def register_local_task_definition(ecs: Any, *, family: str, container: str) -> str:
    """A Fargate task definition in moto with one essential container; returns its ARN."""
    # moto's Fargate run_task adds up container-level memory, so the container needs one.
    return ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="2048",
        memory="8192",
        containerDefinitions=[
            {"name": container, "image": "local", "essential": True, "memory": 8192}
        ],
    )["taskDefinition"]["taskDefinitionArn"]
