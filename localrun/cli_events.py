"""``ledgergraph events list | fire | replay``: the stack's schedules and rules, run locally.

``fire NAME`` starts a schedule's state machine once (the nightly SEC run is ``NightlySec``);
``replay`` delivers the events local runs wrote to ``{home}/events/events.jsonl`` (a
SnapshotPublished starts the replica refresh against a local Auto Scaling group).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from localrun import render
from localrun.cli_common import EXIT_FAILURES, EXIT_OK, emit, home_of, json_document


def register(commands: argparse._SubParsersAction) -> None:
    events = commands.add_parser("events", help="schedules and event rules, run locally")
    area = events.add_subparsers(dest="events_command", required=True)

    listing = area.add_parser("list", help="the schedules and rules of template.yaml")
    _common(listing)
    # The listing reads template.yaml only: --home is accepted like on every command, but
    # no home is locked or created for it.
    listing.set_defaults(handler=cmd_list, needs_home=False)

    fire = area.add_parser("fire", help="run a schedule's state machine once, now")
    fire.add_argument("name", help="the schedule, e.g. NightlySec")
    fire.add_argument(
        "--input", type=json_document, default=None, help="JSON input instead of the schedule's"
    )
    _common(fire)
    fire.set_defaults(handler=cmd_fire)

    replay = area.add_parser("replay", help="deliver the local events to the rules they match")
    replay.add_argument("--all", action="store_true", help="every event, not only new ones")
    _common(replay)
    replay.set_defaults(handler=cmd_replay)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, type=Path, help="data directory")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")


def cmd_list(args: argparse.Namespace) -> int:
    from localrun.events import triggers
    from localrun.template import load_template

    found = triggers(load_template())
    rows = [[t.name, t.kind, t.state_machine, _what(t.properties)] for t in found]
    data = [dict(zip(["name", "kind", "state_machine", "when"], row, strict=True)) for row in rows]
    emit(args, data, render.table(["name", "kind", "state machine", "when"], rows))
    return EXIT_OK


def _what(properties: dict[str, Any]) -> str:
    if "ScheduleExpression" in properties:
        return str(properties["ScheduleExpression"])
    return json.dumps(properties.get("Pattern", {}), sort_keys=True)


def cmd_fire(args: argparse.Namespace) -> int:
    from localrun.event_runs import fire, local_starter

    payload = args.input
    home = home_of(args)
    delivery = fire(args.name, home=home, start=local_starter(home), payload=payload)
    return _report(args, [delivery])


def cmd_replay(args: argparse.Namespace) -> int:
    from localrun.event_runs import local_starter, replay

    home = home_of(args)
    deliveries = replay(home, start=local_starter(home), everything=args.all)
    return _report(args, deliveries)


def _report(args: argparse.Namespace, deliveries: list[Any]) -> int:
    from ledgergraph.causes import explain_cause

    rows = [[d.trigger, d.state_machine, d.status, _problem(d)] for d in deliveries]
    text = render.table(["trigger", "state machine", "status", "error or note"], rows)
    # each cause's message whole, without its stack trace (--json keeps the cause as it is)
    causes = [
        f"{d.trigger}: {d.error}: {explain_cause(d.cause, limit=None)}"
        for d in deliveries
        if d.cause
    ]
    causes += [line for d in deliveries for line in _failed_items(d)]
    if causes:  # the error alone (NotConnected, say) does not say what to do
        text += "\n\n" + "\n".join(causes)
    emit(args, [d.as_dict() for d in deliveries], text)
    return EXIT_OK if all(d.ok for d in deliveries) else EXIT_FAILURES


def _problem(delivery: Any) -> str:
    """The error column: the error and the state it stopped in, why a run that succeeded
    as an execution is not ok (its own counts), or what a successful one chose not to do
    (a publish skipped after a run that loaded nothing)."""
    if delivery.error:
        where = f" at {delivery.failed_state}" if delivery.failed_state else ""
        return f"{delivery.error}{where}"
    output = delivery.output
    if delivery.ok:
        skipped = isinstance(output, dict) and output.get("published") is False
        return f"no snapshot: {output.get('reason') or 'skipped'}" if skipped else ""
    counts = [f"{output[k]} {k}" for k in ("loaded", "failed") if k in output]
    return "not ok: " + (", ".join(counts) if counts else "see --json")


_NAMED = 5


def _failed_items(delivery: Any) -> list[str]:
    """For a run that succeeded but is not ok: its failed filings and why (the first few)."""
    if delivery.error or delivery.ok or not isinstance(delivery.output, dict):
        return []
    failed = [f for f in delivery.output.get("filings") or [] if f.get("status") == "failed"]
    lines = [f"{delivery.trigger}: {f.get('source_unit')}: {f.get('error_type')}: "
             f"{f.get('error')}" for f in failed[:_NAMED]]  # fmt: skip
    if len(failed) > _NAMED:
        lines.append(f"{delivery.trigger}: ... and {len(failed) - _NAMED} more (--json)")
    return lines
