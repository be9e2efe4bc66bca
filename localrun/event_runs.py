"""Local executions started the way EventBridge starts them on AWS.

``fire`` runs a schedule's state machine once with the schedule's input (a disabled schedule
too: locally nothing fires unless asked). ``replay`` delivers the events local runs put in
``{home}/events/events.jsonl`` to every rule they match; a cursor file remembers how many
were delivered, so each replay sends only the new ones unless told to send everything.

Every execution started here ends with a "Step Functions Execution Status Change" event in
the same file, as Step Functions sends one to EventBridge, so one replay follows the chain
a nightly run sets off on AWS: SEC run, publish, replica refresh. A state machine whose
functions call the graph node runs beside a local graph node.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from unittest import mock

from ledgergraph.events import EVENTS_FILE, Event, JsonlEventPublisher, read_events
from ledgergraph.settings import PipelineSettings
from localrun.events import (
    Trigger,
    find_trigger,
    matching_rules,
    rule_input,
    schedule_input,
    state_machine_arn,
)
from localrun.pipeline import run_state_machine, run_with_graph_node
from localrun.stepfunctions import ExecutionResult
from localrun.template import FUNCTION_TYPE, load_template, resources_of_type

Starter = Callable[[Trigger, Any, str], ExecutionResult]
STATUS_CHANGE = "Step Functions Execution Status Change"
MAX_ROUNDS = 10  # a replay follows chains of events this deep, then stops


@dataclass(frozen=True)
class Delivery:
    """One execution a schedule or an event started, and how it ended."""

    trigger: str
    state_machine: str
    event_id: str | None
    input: Any
    status: str
    output: Any
    error: str | None
    cause: str | None
    failed_state: str | None = None

    @property
    def ok(self) -> bool:
        """Succeeded, and what it ran did not report itself not ok (a SEC run whose
        filings all failed still SUCCEEDS as an execution; its output says ``ok: false``)."""
        reported = self.output.get("ok") if isinstance(self.output, dict) else None
        return self.status == "SUCCEEDED" and reported is not False

    def as_dict(self) -> dict[str, Any]:
        return {**vars(self), "ok": self.ok}


def needs_graph_node(template: dict[str, Any], trigger: Trigger) -> bool:
    """True if a function the state machine names is given a Graph API URL."""
    machine = template["Resources"][trigger.state_machine]["Properties"]
    named = json.dumps(machine.get("DefinitionSubstitutions", {}))
    for name, function in resources_of_type(template, FUNCTION_TYPE).items():
        env = function["Properties"].get("Environment", {}).get("Variables", {})
        if f'"{name}"' in named and "LEDGERGRAPH_GRAPH_API_URL" in env:
            return True
    return False


def execution_name(trigger: Trigger) -> str:
    """``snapshotpublished-20261205T064512Z-3c9d1e``: valid as a run id and unique."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    return f"{trigger.name.lower()}-{stamp}-{secrets.token_hex(3)}"


def local_starter(home: Path, *, time_scale: float = 0.0) -> Starter:
    """Runs each execution in this process (beside a graph node when it needs one).

    As on AWS, the functions announce events and the graph node does not.
    """
    template = load_template()

    def start(trigger: Trigger, payload: Any, name: str) -> ExecutionResult:
        if needs_graph_node(template, trigger):
            with mock.patch.dict(os.environ, {"LEDGERGRAPH_EVENTS": "none"}):
                return run_with_graph_node(
                    trigger.asl_name,
                    payload,
                    home=home,
                    execution_name=name,
                    time_scale=time_scale,
                    environment={"LEDGERGRAPH_EVENTS": "jsonl"},
                )
        settings = PipelineSettings(home=home)
        return run_state_machine(
            trigger.asl_name,
            payload,
            settings=settings,
            time_scale=time_scale,
            log_dir=home / "logs",
            execution_name=name,
        )

    return start


def status_change(trigger: Trigger, name: str, result: ExecutionResult) -> Event:
    """The event Step Functions sends EventBridge when an execution ends."""
    detail = {
        "executionArn": result.arn,
        "stateMachineArn": state_machine_arn(trigger.state_machine),
        "name": name,
        "status": result.status,
        "output": None if result.output is None else json.dumps(result.output),
    }
    return Event(detail_type=STATUS_CHANGE, detail=detail, source="aws.states")


def _deliver(
    home: Path, trigger: Trigger, payload: Any, start: Starter, event_id: str | None
) -> Delivery:
    name = execution_name(trigger)
    result = start(trigger, payload, name)
    JsonlEventPublisher.under(home).publish(status_change(trigger, name, result))
    return Delivery(
        trigger=trigger.name,
        state_machine=trigger.state_machine,
        event_id=event_id,
        input=payload,
        status=result.status,
        output=result.output,
        error=result.error,
        cause=result.cause,
        failed_state=result.failed_state,
    )


def fire(
    name: str,
    *,
    home: Path,
    start: Starter,
    payload: Any = None,
    now: datetime | None = None,
) -> Delivery:
    """Run schedule ``name``'s state machine once; ``payload`` replaces its input."""
    trigger = find_trigger(load_template(), name)
    if not trigger.is_schedule:
        raise LookupError(f"{name} is a rule, not a schedule: replay an event instead")
    given = payload if payload is not None else schedule_input(trigger, now=now)
    return _deliver(home, trigger, given, start, None)


def _cursor_file(home: Path) -> Path:
    return home / "events" / "delivered.json"


def _delivered(home: Path, everything: bool) -> int:
    """Byte offset of the first event not yet delivered."""
    cursor = _cursor_file(home)
    if everything or not cursor.is_file():
        return 0
    return json.loads(cursor.read_text(encoding="utf-8"))["offset"]


def replay(home: Path, *, start: Starter, everything: bool = False) -> list[Delivery]:
    """Deliver the new events of ``{home}/events/events.jsonl`` (all with ``everything``),
    then the events those executions added, and so on (at most ``MAX_ROUNDS`` deep)."""
    template = load_template()
    offset, deliveries = _delivered(home, everything), []
    for _ in range(MAX_ROUNDS):
        events, offset_after = read_events(home / EVENTS_FILE, offset=offset)
        if not events:
            break
        for event in events:
            for trigger in matching_rules(template, event):
                payload = rule_input(trigger, event)
                deliveries.append(_deliver(home, trigger, payload, start, event.get("id")))
        offset = offset_after
        _cursor_file(home).write_text(json.dumps({"offset": offset}), encoding="utf-8")
    return deliveries
