"""What a failed Step Functions state says, on one line a person can read.

A state's ``Cause`` is whatever the failing service gave: a Lambda error's JSON with its
stack trace, an ECS task's description, or plain text. Run summaries, the event log and
the CLI show it through ``explain_cause``.
"""

from __future__ import annotations

import json
from typing import Any

_CAUSE_LIMIT = 1000


def explain_cause(cause: str | None, *, limit: int | None = _CAUSE_LIMIT) -> str:
    """A readable message from a Step Functions cause, at most ``limit`` characters (None:
    all of it): a Lambda error's ``errorMessage`` without its stack trace, an ECS task's
    ``StoppedReason`` as ``XBRL task failed: ...`` (with its containers' exit codes when the
    reason does not give them), any other cause as it is.
    """
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    message = cause
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        message = str(parsed["errorMessage"])
    elif isinstance(parsed, dict) and "StoppedReason" in parsed:
        message = f"XBRL task failed: {_stopped_reason(parsed)}"
    return message if limit is None else message[:limit]


def _stopped_reason(task: dict[str, Any]) -> str:
    """A stopped ECS task's reason, then each container's non-zero exit code and reason that
    it does not give. On AWS the task's reason is only ``Essential container in task
    exited``: an out-of-memory kill is told by its container (exit code 137,
    ``OutOfMemoryError: Container killed due to memory usage``)."""
    reason = str(task["StoppedReason"])
    for container in task.get("Containers") or []:
        code = container.get("ExitCode")
        if code in (None, 0) or f"code {code}" in reason:
            continue
        why = f": {container['Reason']}" if container.get("Reason") else ""
        reason += f" ({container.get('Name') or 'container'} exit code {code}{why})"
    return reason
