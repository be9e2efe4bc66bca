"""Fixes to moto 5.2.5's Step Functions interpreter so it runs our ASL the way AWS does.

Each patch is one small function that says what stock moto gets wrong; ``install_patches``
applies them once per process. They touch interpreter internals, which is why moto is pinned
exactly: ``tests/unit/test_local_engine.py`` has one smoke test per patch, so an upgrade shows
which of them can go. Lambda and ECS dispatch live in ``localrun.lambdas``/``localrun.ecs``.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import threading
import time
import types
from collections.abc import Callable
from typing import Any

import botocore.session
import jsonata
from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
from moto.stepfunctions.parser.asl.component.common.error_name import custom_error_name
from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import (
    FailureEvent,
    FailureEventException,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name_type import (
    StatesErrorNameType,
)
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_map.iteration import (
    iteration_worker,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_parallel import branches_decl
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
    state_task_service,
    state_task_service_aws_sdk,
    state_task_service_callback,
    state_task_service_ecs,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import (
    ResourceCondition,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.jsonata import jsonata as moto_jsonata
from moto.stepfunctions.parser.asl.utils import boto_client

from localrun.instance_refresh import patch_instance_refresh

_LAMBDA_EVAL_UTILS = (
    "moto.stepfunctions.parser.asl.component.state.exec.state_task.lambda_eval_utils"
)
_install_lock = threading.Lock()
_installed = False
_time_scale = 1.0


def install_patches() -> None:
    """Apply every patch below; safe to call more than once."""
    global _installed
    with _install_lock:
        if _installed:
            return
        patch_service_parameter_casing()
        patch_ecs_exit_code()
        patch_task_token_per_attempt()
        patch_jsonata_engine()
        patch_states_errors_leaving_iterations()
        patch_retry_sleep()
        patch_cached_boto_clients()
        patch_wait_sleep()
        patch_aws_sdk_error_names()
        patch_instance_refresh()
        _installed = True


def set_time_scale(scale: float) -> None:
    """Multiply every Retry interval and Wait by ``scale`` (0: at once, 1: real time)."""
    global _time_scale
    _time_scale = max(0.0, scale)


@functools.lru_cache(maxsize=32)
def _operation_model(service: str, action: str) -> Any:
    model = botocore.session.get_session().get_service_model(service)
    for name in model.operation_names:
        if botocore.xform_name(name) == action:
            return model.operation_model(name)
    raise ValueError(f"{service} has no operation {action!r}")


def patch_service_parameter_casing() -> None:
    """moto bug #10076: service-integration casing was reduced to ``pass`` in the port.

    So PascalCase ``Arguments`` (``Cluster``, ``TaskDefinition``) reach boto3 unchanged and
    ``ecs:runTask`` fails with ``States.Runtime``/``KeyError 'Cluster'``, and responses keep
    boto3's camelCase where AWS hands the state PascalCase (``Tasks[0].Containers``). The
    class still has the shape walkers; this feeds them the operation's botocore model.
    """

    def normalise_parameters(
        self: state_task_service.StateTaskService,
        parameters: dict,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        service = self._get_boto_service_name(boto_service_name)
        operation = _operation_model(service, self._get_boto_service_action(service_action_name))
        self._to_boto_request(parameters, operation.input_shape)

    def normalise_response(
        self: state_task_service.StateTaskService,
        response: Any,
        boto_service_name: str | None = None,
        service_action_name: str | None = None,
    ) -> None:
        service = self._get_boto_service_name(boto_service_name)
        operation = _operation_model(service, self._get_boto_service_action(service_action_name))
        if operation.output_shape is not None:
            self._from_boto_response(response, operation.output_shape)

    state_task_service.StateTaskService._normalise_parameters = normalise_parameters
    state_task_service.StateTaskService._normalise_response = normalise_response


def _failed_containers(task: dict) -> list[dict]:
    return [
        c
        for c in task.get("Containers", [])
        if c.get("Essential", True) and c.get("ExitCode") not in (None, 0)
    ]


def patch_ecs_exit_code() -> None:
    """moto ignores the container exit code of ``runTask.sync``: exit 3 counts as success.

    On AWS a stopped task whose essential container exited non-zero fails the state with
    ``States.TaskFailed`` and the task description as the cause.
    """
    original = state_task_service_ecs.StateTaskServiceEcs._build_sync_resolver

    def build_sync_resolver(self: Any, env: Any, *args: Any, **kwargs: Any) -> Any:
        resolve = original(self, env, *args, **kwargs)

        def resolve_checking_exit_code() -> dict | None:
            task = resolve()
            if task and _failed_containers(task):
                error = StatesErrorNameType.StatesTaskFailed.to_name()
                details = TaskFailedEventDetails(
                    error=error,
                    cause=json.dumps(task, default=str),
                    resource=self._get_sfn_resource(),
                    resourceType=self._get_sfn_resource_type(),
                )
                raise FailureEventException(
                    FailureEvent(
                        env=env,
                        error_name=StatesErrorName(typ=StatesErrorNameType.StatesTaskFailed),
                        event_type=HistoryEventType.TaskFailed,
                        event_details=EventDetails(taskFailedEventDetails=details),
                    )
                )
            return task

        return resolve_checking_exit_code

    state_task_service_ecs.StateTaskServiceEcs._build_sync_resolver = build_sync_resolver


def patch_task_token_per_attempt() -> None:
    """A retried ``.sync`` task (``ecs:runTask.sync``) that succeeds fails with an empty
    ``States.Timeout``.

    moto makes one task token per state, not per attempt, and each attempt waits on that
    token's callback endpoint beside polling the task; the first attempt interrupts the
    endpoint when it ends. A retry's wait then returns at once with no outcome, which moto
    reads as a timed-out callback and prefers to the task it found stopped: the retried
    task's success is thrown away (a retry that fails again still raises its own error).
    As on AWS, where each attempt is scheduled with its own token, a retry gets a new one.
    """
    callback_class = state_task_service_callback.StateTaskServiceCallback
    original = callback_class._eval_execution

    def eval_execution(self: Any, env: Any) -> None:
        context = env.states.context_object.context_object_data
        waits_for_token = (
            self._is_integration_pattern()
            and ResourceCondition.WaitForTaskToken in self._supported_integration_patterns
        )
        if waits_for_token and context["State"]["RetryCount"] > 0:
            env.callback_pool_manager.add(env.states.context_object.update_task_token())
        original(self, env)

    callback_class._eval_execution = eval_execution


def _evaluate_jsonata(expression: str) -> Any:
    try:
        result = jsonata.Jsonata(expression).evaluate(None)
        # Plain JSON values only, as AWS hands them on (jsonata-python returns list subclasses).
        return None if result is None else json.loads(json.dumps(result))
    except Exception as exc:  # noqa: BLE001 - every evaluation error becomes moto's own type
        raise moto_jsonata.JSONataException("UNKNOWN", str(exc)) from exc


def patch_jsonata_engine() -> None:
    """moto leaves its JSONata evaluator ``None`` (LocalStack uses a JVM): ``QueryLanguage:
    JSONata`` fails with ``TypeError: 'NoneType' object is not callable``. jsonata-python
    is a pure-Python port of the reference implementation.

    NOTE: moto declares string variables as ``$name:="value"`` without escaping, so an
    ``Assign`` of a string holding a double quote breaks; our ASL assigns no variables.
    """
    moto_jsonata._eval_jsonata = _evaluate_jsonata


class _AnyErrorName(ErrorName):
    """An error name with no prefix check (a ``States.`` name moto does not know)."""


def _error_name_of(error_name: str | None = None) -> ErrorName:
    prefix = custom_error_name.ILLEGAL_CUSTOM_ERROR_PREFIX
    if error_name is not None and error_name.startswith(prefix):
        try:
            return StatesErrorName.from_name(error_name)
        except ValueError:
            return _AnyErrorName(error_name)
    return custom_error_name.CustomErrorName(error_name)


def patch_states_errors_leaving_iterations() -> None:
    """A ``States.*`` error leaving a Map iteration or a Parallel branch is re-wrapped in
    ``CustomErrorName``, which refuses the ``States.`` prefix with ``ValueError``: a Catch
    on the Map never fires and the execution dies with ``States.Runtime``. Both modules get
    a factory that keeps ``States.*`` names as the interpreter's own error names.
    """
    iteration_worker.CustomErrorName = _error_name_of
    branches_decl.CustomErrorName = _error_name_of


def _scaled_sleep(seconds: float) -> None:
    if seconds > 0 and _time_scale > 0:
        time.sleep(seconds * _time_scale)


def patch_retry_sleep() -> None:
    """Retry intervals really sleep; ``set_time_scale`` shortens them for local runs."""
    retrier_decl.time = types.SimpleNamespace(sleep=_scaled_sleep)


def patch_wait_sleep() -> None:
    """Wait states really wait too; the time scale shortens them (a stop still ends them)."""

    def scaled_wait(self: wait_function.WaitFunction, env: Any, wait_seconds: int) -> None:
        seconds = wait_seconds * _time_scale
        if seconds > 0:
            env.program_state_event.wait(seconds)

    wait_function.WaitFunction._wait_interval = scaled_wait


def patch_aws_sdk_error_names() -> None:
    """AWS names an ``aws-sdk`` task's error ``<Service>.<SDK exception>``, e.g.
    ``AutoScaling.InstanceRefreshInProgressException``; moto lower-cases services it has no
    binding for and appends ``Exception`` to botocore's ``...Fault`` class names."""
    state_task_service_aws_sdk._SERVICE_ERROR_NAMES["autoscaling"] = "AutoScaling"
    original = state_task_service_aws_sdk.StateTaskServiceAwsSdk._normalise_exception_name

    def exception_name(norm_service_name: str, ex: Exception) -> str:
        name = original(norm_service_name, ex)
        return name.replace("FaultException", "Exception")

    state_task_service_aws_sdk.StateTaskServiceAwsSdk._normalise_exception_name = staticmethod(
        exception_name
    )


_clients: dict[tuple[str, str], Any] = {}
_clients_lock = threading.Lock()


def clear_client_cache() -> None:
    """Forget cached clients; called when a mock starts or stops so none outlives it."""
    with _clients_lock:
        _clients.clear()


def patch_cached_boto_clients() -> None:
    """moto builds a new boto3 client for every task it runs (most of the ~13 ms a Task
    costs); one client per region and service does the same work."""
    original: Callable[..., Any] = boto_client.boto_client_for

    def cached_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        with _clients_lock:
            if (region, service) not in _clients:
                _clients[(region, service)] = original(region, service, state_credentials)
            return _clients[(region, service)]

    importlib.import_module(_LAMBDA_EVAL_UTILS)
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "") or ""
        if name.startswith("moto.stepfunctions.parser") and hasattr(module, "boto_client_for"):
            module.boto_client_for = cached_client_for
