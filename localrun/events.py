"""EventBridge's part on one machine: the template's schedules and rules start state machines.

On AWS a state machine's ``Events`` in template.yaml start it: a schedule (``ScheduleV2``,
e.g. the nightly SEC run) or a rule on events (``EventBridgeRule``, e.g. SnapshotPublished
starting the replica refresh). moto accepts rules but never delivers to Step Functions, so
this module reads the same ``Events`` and does the delivery here:

- ``triggers`` lists them; ``schedule_input`` is what a schedule would send now (with the
  Scheduler's ``<aws.scheduler.*>`` placeholders filled in);
- ``matching_rules`` matches an event with moto's own ``EventPattern`` and shapes the input
  as the rule's target would (``InputPath`` or ``InputTransformer``);
Local runs put their events in ``{home}/events/events.jsonl`` (``ledgergraph.events``);
delivering them and starting the executions is ``localrun.event_runs``' job.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from moto.events.models import EventPattern

from localrun.aws import ACCOUNT_ID, REGION
from localrun.template import STATE_MACHINE_TYPE, resources_of_type

SCHEDULE_TYPES = ("ScheduleV2", "Schedule")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9_:.]+)\}")
_PSEUDO = {"AWS::Region": REGION, "AWS::AccountId": ACCOUNT_ID, "AWS::Partition": "aws"}
RULE_TYPE = "EventBridgeRule"


@dataclass(frozen=True)
class Trigger:
    """One entry of a state machine's ``Events``: a schedule or a rule."""

    name: str
    kind: str
    state_machine: str
    asl_name: str
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def is_schedule(self) -> bool:
        return self.kind in SCHEDULE_TYPES


def state_machine_arn(logical_id: str) -> str:
    """The local ARN of a state machine: the engine names it after its logical id."""
    return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{logical_id}"


def _resolve(template: dict[str, Any], value: Any) -> Any:
    """Refs and Subs in a pattern or input, locally: a state machine's ARN, a parameter's
    default. A parameter whose default is empty stays ``${Name}`` in a Sub: it has no
    local value, and ``schedule_input`` says so."""
    if isinstance(value, list):
        return [_resolve(template, v) for v in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return _SUB_NAME.sub(lambda m: _sub_value(template, m.group(1)), value["Fn::Sub"])
    if set(value) == {"Ref"}:
        name = value["Ref"]
        if name in resources_of_type(template, STATE_MACHINE_TYPE):
            return state_machine_arn(name)
        return template.get("Parameters", {}).get(name, {}).get("Default", name)
    return {k: _resolve(template, v) for k, v in value.items()}


def _sub_value(template: dict[str, Any], name: str) -> str:
    if name in _PSEUDO:
        return _PSEUDO[name]
    found = str(_resolve(template, {"Ref": name}))
    return found if found else "${" + name + "}"


def triggers(template: dict[str, Any]) -> list[Trigger]:
    """Every schedule and rule of every state machine, in template order."""
    found = []
    for name, resource in resources_of_type(template, STATE_MACHINE_TYPE).items():
        props = resource.get("Properties", {})
        asl_name = Path(props.get("DefinitionUri", "")).name
        for event_name, event in props.get("Events", {}).items():
            if event.get("Type") in (*SCHEDULE_TYPES, RULE_TYPE):
                properties = _resolve(template, event.get("Properties", {}))
                found.append(Trigger(event_name, event["Type"], name, asl_name, properties))
    return found


def find_trigger(template: dict[str, Any], name: str) -> Trigger:
    """The trigger called ``name`` (its key under ``Events``)."""
    for trigger in triggers(template):
        if trigger.name == name:
            return trigger
    known = ", ".join(t.name for t in triggers(template))
    raise LookupError(f"no schedule or rule {name!r} in template.yaml (there are: {known})")


def schedule_input(trigger: Trigger, *, now: datetime | None = None) -> Any:
    """A schedule's ``Input`` as it would arrive now (``{}`` when it has none)."""
    now = now or datetime.now(UTC)
    text = trigger.properties.get("Input") or "{}"
    fills = {
        "<aws.scheduler.scheduled-time>": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "<aws.scheduler.execution-id>": str(uuid.uuid4()),
        "<aws.scheduler.attempt-number>": "1",
        "<aws.scheduler.schedule-arn>": (
            f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{trigger.name}"
        ),
    }
    for placeholder, value in fills.items():
        text = text.replace(placeholder, value)
    if missing := _SUB_NAME.findall(text):
        example = _SUB_NAME.sub(lambda m: f"<{m.group(1)}>", text)
        raise ValueError(
            f"schedule {trigger.name}'s input needs template parameter "
            f"{', '.join(missing)}, which has no local value (its default is empty): give "
            f"the input with --input '{example}'"
        )
    return json.loads(text)


def json_path(document: Any, path: str) -> Any:
    """``$``, ``$.a.b`` or ``$.a[0].b`` of a document (what rule inputs use); None if absent."""
    if not path.startswith("$"):
        raise ValueError(f"unsupported JSON path {path!r}")
    value = document
    for part in path[1:].replace("[", ".[").split("."):
        if not part:
            continue
        if part.startswith("["):
            index = int(part.strip("[]"))
            value = value[index] if isinstance(value, list) and index < len(value) else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


def _fill_template(template: str, values: dict[str, Any]) -> str:
    """EventBridge's InputTemplate: ``<name>`` in a string takes the text, else the JSON."""
    out, in_string, i = [], False, 0
    while i < len(template):
        char = template[i]
        end = template.find(">", i)
        name = template[i + 1 : end] if char == "<" and end > i else None
        if name is not None and name in values:
            value = values[name]
            out.append(str(value) if in_string else json.dumps(value))
            i = end + 1
            continue
        if char == '"' and (i == 0 or template[i - 1] != "\\"):
            in_string = not in_string
        out.append(char)
        i += 1
    return "".join(out)


def rule_input(trigger: Trigger, event: dict[str, Any]) -> Any:
    """What the rule's target receives for ``event``: the event, a path of it, or a template."""
    props = trigger.properties
    if "InputPath" in props:
        return json_path(event, props["InputPath"])
    if "InputTransformer" in props:
        transformer = props["InputTransformer"]
        values = {
            name: json_path(event, path)
            for name, path in transformer.get("InputPathsMap", {}).items()
        }
        return json.loads(_fill_template(transformer["InputTemplate"], values))
    if "Input" in props:
        return json.loads(props["Input"])
    return event


def matching_rules(template: dict[str, Any], event: dict[str, Any]) -> list[Trigger]:
    """The rules whose pattern matches ``event`` (moto's EventPattern does the matching)."""
    return [
        t
        for t in triggers(template)
        if not t.is_schedule
        and EventPattern.load(json.dumps(t.properties.get("Pattern", {}))).matches_event(event)
    ]
