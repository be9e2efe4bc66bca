"""The replica refresh state machine on the local engine, against moto's Auto Scaling.

``replica_refresh.asl.json`` runs with its real DefinitionSubstitutions: the template's
replica group becomes a moto group with the template's minimum of instances, and moto
(patched by ``localrun.instance_refresh``) replaces them batch by batch. Then one smoke test
per patch this state machine needs, so a moto upgrade shows which can go.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from localrun import instance_refresh
from localrun.ecs import LocalTaskRunner
from localrun.pipeline import create_local_resources
from localrun.stepfunctions import ExecutionResult, LocalStepFunctions
from localrun.template import load_template, resolve_locally, state_machine_spec, substitute

EVENT_DETAIL = {
    "graph_id": "sec",
    "snapshot_id": "snap-20261205T064512Z-3c9d1e",
    "manifest_key": "published/sec/snap-20261205T064512Z-3c9d1e/manifest.json",
}
GROUP = "ReplicaGroup"


@pytest.fixture
def engine() -> Iterator[LocalStepFunctions]:
    with LocalStepFunctions() as local:
        yield local


def in_service(engine: LocalStepFunctions) -> list[str]:
    groups = engine.client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[GROUP]
    )["AutoScalingGroups"]
    return [i["InstanceId"] for i in groups[0]["Instances"] if i["LifecycleState"] == "InService"]


def run_refresh(engine: LocalStepFunctions, payload: dict[str, Any]) -> ExecutionResult:
    template = load_template()
    spec = state_machine_spec(template, "replica_refresh.asl.json")
    values, _ = create_local_resources(engine, template, lambda family: LocalTaskRunner())
    definition = substitute(
        spec.definition_path.read_text(), resolve_locally(template, spec.substitutions, values)
    )
    arn = engine.create_state_machine(spec.name, definition)
    return engine.run(arn, payload, name=f"refresh-{time.monotonic_ns()}")


@pytest.fixture
def watch_steps(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(status, instances in service) after every step moto's refresh takes."""
    seen: list[tuple[str, int]] = []
    original: Callable = instance_refresh.advance

    def advance(backend: Any, refresh: instance_refresh.Refresh) -> None:
        original(backend, refresh)
        group = backend.describe_auto_scaling_groups([refresh.group_name])[0]
        seen.append((refresh.status, len(group.active_instances())))

    monkeypatch.setattr(instance_refresh, "advance", advance)
    return seen


def test_the_refresh_replaces_every_replica_and_reports_the_snapshot(engine) -> None:
    result = run_refresh(engine, EVENT_DETAIL)

    assert result.status == "SUCCEEDED", result.cause
    assert result.output["snapshot_id"] == EVENT_DETAIL["snapshot_id"]
    assert result.output["status"] == "Successful"
    assert result.output["refresh_id"]
    assert result.output["polls"] == 3  # Pending -> InProgress, one batch, the last batch


def test_no_replica_of_the_old_snapshot_is_left(engine) -> None:
    template = load_template()
    minimum = int(template["Parameters"]["ReplicaMinSize"]["Default"])
    create_local_resources(engine, template, lambda family: LocalTaskRunner())
    before = set(in_service(engine))

    run_refresh_on_existing(engine)

    after = set(in_service(engine))
    assert len(before) == len(after) == minimum == 2
    assert not before & after


def run_refresh_on_existing(engine: LocalStepFunctions) -> ExecutionResult:
    """The state machine alone, against the group already in moto."""
    spec = state_machine_spec(load_template(), "replica_refresh.asl.json")
    definition = substitute(spec.definition_path.read_text(), {"ReplicaGroupName": GROUP})
    arn = engine.create_state_machine(spec.name, definition)
    return engine.run(arn, EVENT_DETAIL, name="refresh-existing")


def test_the_group_never_serves_with_fewer_replicas_than_it_wants(engine, watch_steps) -> None:
    result = run_refresh(engine, EVENT_DETAIL)

    assert result.status == "SUCCEEDED"
    assert [status for status, _ in watch_steps] == ["InProgress", "InProgress", "Successful"]
    assert min(count for _, count in watch_steps) >= 2


def test_a_cancelled_refresh_fails_the_execution_naming_the_snapshot(
    engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cancel(backend: Any, refresh: instance_refresh.Refresh) -> None:
        refresh.status = "Cancelled"

    monkeypatch.setattr(instance_refresh, "advance", cancel)

    result = run_refresh(engine, EVENT_DETAIL)

    assert (result.status, result.error) == ("FAILED", "ReplicaRefreshFailed")
    assert "snap-20261205T064512Z-3c9d1e ended Cancelled" in result.cause


def test_a_refresh_that_never_frees_the_group_fails_with_the_aws_error_name(engine) -> None:
    template = load_template()
    create_local_resources(engine, template, lambda family: LocalTaskRunner())
    engine.client("autoscaling").start_instance_refresh(AutoScalingGroupName=GROUP)

    result = run_refresh_on_existing(engine)

    assert result.error == "AutoScaling.InstanceRefreshInProgressException"
    failures = [e for e in engine.history(result.arn) if e["type"] == "TaskFailed"]
    assert len(failures) == 61  # the first try and the 60 retries of the ASL


# --- moto patches this state machine relies on -----------------------------------------------


def test_moto_refreshes_launch_new_instances_before_old_ones_go(engine) -> None:
    create_local_resources(engine, load_template(), lambda family: LocalTaskRunner())
    autoscaling = engine.client("autoscaling")
    preferences = {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 150}
    refresh_id = autoscaling.start_instance_refresh(
        AutoScalingGroupName=GROUP, Preferences=preferences
    )["InstanceRefreshId"]

    statuses = []
    for _ in range(3):
        described = autoscaling.describe_instance_refreshes(
            AutoScalingGroupName=GROUP, InstanceRefreshIds=[refresh_id]
        )["InstanceRefreshes"][0]
        statuses.append((described["Status"], described["PercentageComplete"]))

    assert statuses == [("InProgress", 0), ("InProgress", 50), ("Successful", 100)]
    assert described["Preferences"]["MinHealthyPercentage"] == 100


def test_moto_refuses_a_second_refresh_and_preferences_aws_refuses(engine) -> None:
    create_local_resources(engine, load_template(), lambda family: LocalTaskRunner())
    autoscaling = engine.client("autoscaling")
    bad = {"MinHealthyPercentage": 100, "MaxHealthyPercentage": 250}

    with pytest.raises(autoscaling.exceptions.ClientError, match="ValidationError"):
        autoscaling.start_instance_refresh(AutoScalingGroupName=GROUP, Preferences=bad)
    autoscaling.start_instance_refresh(AutoScalingGroupName=GROUP)
    with pytest.raises(autoscaling.exceptions.InstanceRefreshInProgressFault):
        autoscaling.start_instance_refresh(AutoScalingGroupName=GROUP)
    autoscaling.cancel_instance_refresh(AutoScalingGroupName=GROUP)
    with pytest.raises(autoscaling.exceptions.ActiveInstanceRefreshNotFoundFault):
        autoscaling.cancel_instance_refresh(AutoScalingGroupName=GROUP)


def test_wait_states_follow_the_time_scale() -> None:
    asl = {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": 1, "End": True}}}

    for scale, floor_ms, ceiling_ms in ((0.0, 0, 500), (0.3, 250, 900)):
        with LocalStepFunctions(time_scale=scale) as local:
            result = local.run(local.create_state_machine("wait", asl), {}, name="w")
        pause = result.time_by_state()["Pause"]["total_ms"]
        assert floor_ms <= pause <= ceiling_ms, (scale, pause)
