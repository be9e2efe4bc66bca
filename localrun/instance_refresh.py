"""Auto Scaling instance refreshes for moto, which 5.2.5 answers with NotImplementedError.

``StartInstanceRefresh``, ``DescribeInstanceRefreshes`` and ``CancelInstanceRefresh`` answer
in AWS's shapes and really replace the group's instances in moto's EC2, one batch per
``DescribeInstanceRefreshes`` call (the way moto's ECS tasks advance one status per describe),
so a polling state machine sees Pending, InProgress and Successful in turn. Batches follow the
preferences as AWS does: with room above 100 % (``MaxHealthyPercentage``) new instances are
launched before old ones go, so a group at ``MinHealthyPercentage`` 100 never has fewer
instances in service than it wants. Not emulated: warm-up, checkpoints, ``SkipMatching``
(every instance is replaced), rollback.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup
from moto.autoscaling.responses import AutoScalingResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult

ACTIVE = ("Pending", "InProgress")


class InstanceRefreshInProgress(ServiceException):
    code = "InstanceRefreshInProgress"
    message = "An Instance Refresh is already in progress and blocks the execution of this one."


class ActiveInstanceRefreshNotFound(ServiceException):
    code = "ActiveInstanceRefreshNotFound"
    message = "No in progress or pending Instance Refresh found for this Auto Scaling group."


class RefreshValidationError(ServiceException):
    code = "ValidationError"


@dataclass
class Refresh:
    """One instance refresh of one group: what is left to replace and how far it got."""

    group_name: str
    preferences: dict[str, Any]
    to_replace: list[str]
    refresh_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    status: str = "Pending"
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended: datetime | None = None
    total: int = 0

    def describe(self) -> dict[str, Any]:
        done = self.total - len(self.to_replace)
        percentage = 100 if self.status == "Successful" else done * 100 // max(self.total, 1)
        described = {
            "InstanceRefreshId": self.refresh_id,
            "AutoScalingGroupName": self.group_name,
            "Status": self.status,
            "StartTime": self.started,
            "PercentageComplete": percentage,
            "InstancesToUpdate": len(self.to_replace),
            "Preferences": self.preferences,
        }
        return described | ({"EndTime": self.ended} if self.ended else {})


def _refreshes(backend: AutoScalingBackend) -> list[Refresh]:
    # Kept on the backend itself, so they go when moto resets its backends.
    if not hasattr(backend, "ledgergraph_refreshes"):
        backend.ledgergraph_refreshes = []  # type: ignore[attr-defined]
    return backend.ledgergraph_refreshes  # type: ignore[attr-defined]


def _check_preferences(preferences: dict[str, Any]) -> tuple[int, int]:
    low = int(preferences.get("MinHealthyPercentage", 90))
    high = int(preferences.get("MaxHealthyPercentage", 100))
    if not 0 <= low <= 100 or not 100 <= high <= 200 or high - low > 100:
        raise RefreshValidationError(
            "MinHealthyPercentage must be 0-100, MaxHealthyPercentage 100-200, at most 100 apart"
        )
    return low, high


def start_refresh(
    backend: AutoScalingBackend, group_name: str, preferences: dict[str, Any]
) -> Refresh:
    """Queue a refresh of every instance of the group; one active refresh per group."""
    group = backend.describe_auto_scaling_groups([group_name])[0]
    _check_preferences(preferences)
    if any(r.group_name == group_name and r.status in ACTIVE for r in _refreshes(backend)):
        raise InstanceRefreshInProgress()
    old = [state.instance.id for state in group.active_instances()]
    refresh = Refresh(group_name, dict(preferences), old, total=len(old))
    _refreshes(backend).append(refresh)
    return refresh


def _batch_size(group: FakeAutoScalingGroup, preferences: dict[str, Any]) -> tuple[int, bool]:
    """How many instances one step replaces, and whether new ones launch first."""
    low, high = _check_preferences(preferences)
    desired = group.desired_capacity or 0
    room_above = math.floor(desired * high / 100) - desired
    if room_above >= 1:
        return room_above, True
    return max(1, desired - math.ceil(desired * low / 100)), False


def _replace_batch(
    backend: AutoScalingBackend, group: FakeAutoScalingGroup, ids: list[str], launch_first: bool
) -> None:
    if launch_first:
        group.replace_autoscaling_group_instances(len(ids), group.get_propagated_tags())
    group.instance_states = [s for s in group.instance_states if s.instance.id not in ids]
    backend.ec2_backend.terminate_instances(ids)
    if not launch_first:
        group.replace_autoscaling_group_instances(len(ids), group.get_propagated_tags())


def advance(backend: AutoScalingBackend, refresh: Refresh) -> None:
    """One step: Pending becomes InProgress, then one batch per call, then Successful."""
    if refresh.status == "Pending":
        refresh.status = "InProgress"
        return
    group = backend.describe_auto_scaling_groups([refresh.group_name])[0]
    size, launch_first = _batch_size(group, refresh.preferences)
    batch, refresh.to_replace = refresh.to_replace[:size], refresh.to_replace[size:]
    if batch:
        _replace_batch(backend, group, batch, launch_first)
    if not refresh.to_replace:
        refresh.status, refresh.ended = "Successful", datetime.now(UTC)


def _start_instance_refresh(self: AutoScalingResponse) -> ActionResult:
    refresh = start_refresh(
        self.autoscaling_backend,
        self._get_param("AutoScalingGroupName"),
        self._get_param("Preferences") or {},
    )
    return ActionResult({"InstanceRefreshId": refresh.refresh_id})


def _describe_instance_refreshes(self: AutoScalingResponse) -> ActionResult:
    backend = self.autoscaling_backend
    group_name = self._get_param("AutoScalingGroupName")
    wanted = set(self._get_param("InstanceRefreshIds") or [])
    found = []
    for refresh in reversed(_refreshes(backend)):  # newest first, as AWS lists them
        if refresh.group_name == group_name and (not wanted or refresh.refresh_id in wanted):
            if refresh.status in ACTIVE:
                advance(backend, refresh)
            found.append(refresh.describe())
    return ActionResult({"InstanceRefreshes": found})


def _cancel_instance_refresh(self: AutoScalingResponse) -> ActionResult:
    group_name = self._get_param("AutoScalingGroupName")
    for refresh in _refreshes(self.autoscaling_backend):
        if refresh.group_name == group_name and refresh.status in ACTIVE:
            refresh.status, refresh.ended = "Cancelled", datetime.now(UTC)
            return ActionResult({"InstanceRefreshId": refresh.refresh_id})
    raise ActiveInstanceRefreshNotFound()


def patch_instance_refresh() -> None:
    """Give moto's Auto Scaling the three instance refresh actions."""
    AutoScalingResponse.start_instance_refresh = _start_instance_refresh
    AutoScalingResponse.describe_instance_refreshes = _describe_instance_refreshes
    AutoScalingResponse.cancel_instance_refresh = _cancel_instance_refresh
