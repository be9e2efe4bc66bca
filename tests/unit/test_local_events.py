"""The local EventBridge: template.yaml's schedules and rules start the state machines here.

Rules are matched with moto's EventPattern against canonical events (``events/eventbridge``);
the SnapshotPublished replay runs the real replica refresh state machine on moto's Auto
Scaling. The chain a nightly run sets off is followed with a recording starter.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pipeline_stubs import serve
from test_handlers_publish import KEY, PublishingNode

from ledgergraph.edgar.steps import DiscoverFilingsRequest
from ledgergraph.events import EVENTS_FILE, JsonlEventPublisher, read_events, snapshot_published
from ledgergraph.settings import PipelineSettings
from localrun import cli
from localrun.event_runs import fire, local_starter, replay
from localrun.events import (
    _fill_template,
    _resolve,
    find_trigger,
    matching_rules,
    rule_input,
    schedule_input,
    triggers,
)
from localrun.pipeline import run_state_machine
from localrun.stepfunctions import ExecutionResult
from localrun.template import load_template

ROOT = Path(__file__).resolve().parents[2]
SEC_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:SecPipelineStateMachine"


def canonical(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / "eventbridge" / f"{name}.json").read_text())


def announce_snapshot(home: Path) -> None:
    """What PublishSnapshot leaves in a local run: the canonical event's detail."""
    detail = canonical("snapshot_published")["detail"]
    JsonlEventPublisher.under(home).publish(snapshot_published(**detail))


def local_events(home: Path) -> list[dict[str, Any]]:
    return read_events(home / EVENTS_FILE)[0]


class RecordingStarter:
    """Succeeds every execution; a publish puts SnapshotPublished as the Lambda would."""

    def __init__(self, home: Path) -> None:
        self.started: list[tuple[str, Any]] = []
        self.home = home

    def __call__(self, trigger: Any, payload: Any, name: str) -> ExecutionResult:
        self.started.append((trigger.state_machine, payload))
        arn = f"arn:aws:states:us-east-1:123456789012:execution:{trigger.state_machine}:{name}"
        output = {"graph_id": "sec"}
        if trigger.state_machine == "PublishSnapshotStateMachine":
            output = canonical("snapshot_published")["detail"]
            announce_snapshot(self.home)
        return ExecutionResult(arn, "SUCCEEDED", output, None, None, 5.0)


def test_the_template_has_the_nightly_schedule_and_both_rules() -> None:
    found = {t.name: (t.kind, t.state_machine) for t in triggers(load_template())}

    assert found["NightlySec"] == ("ScheduleV2", "SecPipelineStateMachine")
    assert found["SecRunSucceeded"] == ("EventBridgeRule", "PublishSnapshotStateMachine")
    assert found["SnapshotPublished"] == ("EventBridgeRule", "ReplicaRefreshStateMachine")


def test_a_schedule_sends_its_input_with_the_scheduled_time() -> None:
    nightly = find_trigger(load_template(), "NightlySec")

    sent = schedule_input(nightly, now=datetime(2026, 12, 5, 6, 30, tzinfo=UTC))

    assert sent["graph_id"] == "sec"
    assert sent["discover"]["as_of"] == "2026-12-05T06:30:00Z"
    assert sent["discover"]["lookback_days"] == 1


def test_the_nightly_input_asks_discovery_for_the_business_day_before() -> None:
    nightly = find_trigger(load_template(), "NightlySec")
    sent = schedule_input(nightly, now=datetime(2026, 12, 5, 6, 30, tzinfo=UTC))

    request = DiscoverFilingsRequest.model_validate(sent | {"run_id": "nightlysec-1"})

    assert (request.discover.since, request.discover.date_to) == (date(2026, 12, 4),) * 2
    assert "10-K" in request.discover.forms and "8-K" in request.discover.forms


def test_snapshot_published_starts_only_the_refresh_with_the_events_detail() -> None:
    event = canonical("snapshot_published")

    rules = matching_rules(load_template(), event)

    assert [r.name for r in rules] == ["SnapshotPublished"]
    assert rule_input(rules[0], event) == event["detail"]


def test_the_same_detail_type_from_another_source_starts_nothing() -> None:
    event = canonical("snapshot_published") | {"source": "someone.else"}

    assert matching_rules(load_template(), event) == []


def test_a_successful_sec_run_starts_a_publish_of_the_sec_graph() -> None:
    event = canonical("sec_run_succeeded")

    rules = matching_rules(load_template(), event)

    assert [r.name for r in rules] == ["SecRunSucceeded"]
    assert rule_input(rules[0], event) == {
        "graph_id": "sec",
        "trigger_execution": event["detail"]["executionArn"],
        "trigger_run_id": "nightlysec-20261205T063000Z-5f2a9c",  # the run's execution name
    }


@pytest.mark.parametrize(
    "change",
    [{"status": "FAILED"}, {"stateMachineArn": SEC_ARN.replace("SecPipeline", "QuickBooks")}],
)
def test_a_failed_run_or_another_machine_publishes_nothing(change: dict[str, str]) -> None:
    event = canonical("sec_run_succeeded")
    event["detail"] |= change

    assert matching_rules(load_template(), event) == []


def test_input_templates_put_text_in_strings_and_json_elsewhere() -> None:
    filled = _fill_template('{"a": <v>, "b": "id <v>", "c": "<x>"}', {"v": "e-1"})

    assert json.loads(filled) == {"a": "e-1", "b": "id e-1", "c": "<x>"}


def test_replaying_a_published_snapshot_refreshes_the_local_replica_group(tmp_path) -> None:
    detail = canonical("snapshot_published")["detail"]
    announce_snapshot(tmp_path)

    deliveries = replay(tmp_path, start=local_starter(tmp_path))

    assert [(d.trigger, d.status) for d in deliveries] == [("SnapshotPublished", "SUCCEEDED")]
    assert deliveries[0].output["snapshot_id"] == detail["snapshot_id"]
    assert deliveries[0].output["status"] == "Successful"
    assert replay(tmp_path, start=local_starter(tmp_path)) == []


def test_a_local_publish_announces_and_the_replay_refreshes_the_replicas(tmp_path) -> None:
    node = PublishingNode()
    server = serve(node)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    settings = PipelineSettings(home=tmp_path, graph_api_url=url, graph_api_key=KEY)
    try:
        published = run_state_machine(
            "publish_snapshot.asl.json", {"graph_id": "sec"}, settings=settings
        )
    finally:
        server.shutdown()
        server.server_close()

    deliveries = replay(tmp_path, start=local_starter(tmp_path))

    assert published.status == "SUCCEEDED", published.cause
    assert [c[2] for c in node.calls] == [published.arn]  # the execution id as correlation
    assert [(d.trigger, d.status) for d in deliveries] == [("SnapshotPublished", "SUCCEEDED")]
    assert deliveries[0].input == published.output
    assert deliveries[0].output["snapshot_id"] == published.output["snapshot_id"]


def test_one_replay_follows_a_nightly_run_to_the_replica_refresh(tmp_path) -> None:
    start = RecordingStarter(tmp_path)
    payload = {"graph_id": "sec", "discover": {"tickers": ["AAPL"]}}

    fired = fire("NightlySec", home=tmp_path, start=start, payload=payload)
    deliveries = replay(tmp_path, start=start)

    assert fired.status == "SUCCEEDED"
    assert [d.trigger for d in deliveries] == ["SecRunSucceeded", "SnapshotPublished"]
    assert [machine for machine, _ in start.started] == [
        "SecPipelineStateMachine",
        "PublishSnapshotStateMachine",
        "ReplicaRefreshStateMachine",
    ]
    assert start.started[1][1]["trigger_execution"].endswith(fired_execution(tmp_path))
    assert start.started[2][1] == canonical("snapshot_published")["detail"]
    kinds = [e["detail-type"] for e in local_events(tmp_path)]
    assert kinds.count("Step Functions Execution Status Change") == 3


def fired_execution(home: Path) -> str:
    first = local_events(home)[0]
    return first["detail"]["name"]


def test_firing_a_rule_or_an_unknown_name_is_refused(tmp_path) -> None:
    start = RecordingStarter(tmp_path)

    with pytest.raises(LookupError, match="is a rule"):
        fire("SnapshotPublished", home=tmp_path, start=start)
    with pytest.raises(LookupError, match="NightlySec"):
        fire("Hourly", home=tmp_path, start=start)
    assert start.started == []


def test_a_sub_in_the_template_takes_the_local_parameter_defaults() -> None:
    sub = {"Fn::Sub": "${DailyQuickBooksSchedule} in ${AWS::Region}, ${QuickBooksRealmId}"}

    resolved = _resolve(load_template(), sub)

    assert resolved == "cron(0 7 * * ? *) in us-east-1, ${QuickBooksRealmId}"


def test_firing_the_daily_quickbooks_sync_without_input_names_the_input_needed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    start = RecordingStarter(tmp_path)
    needed = (
        "schedule DailyQuickBooks's input needs template parameter QuickBooksRealmId, "
        "which has no local value (its default is empty): give the input with --input "
        """'{"realm_id": "<QuickBooksRealmId>", "trigger": "daily"}'"""
    )

    with pytest.raises(ValueError) as refused:
        fire("DailyQuickBooks", home=tmp_path, start=start)
    given = {"realm_id": "9341453050000000", "trigger": "daily"}
    delivery = fire("DailyQuickBooks", home=tmp_path, start=start, payload=given)
    code = cli.main(["events", "fire", "DailyQuickBooks", "--home", str(tmp_path)])

    assert str(refused.value) == needed
    assert delivery.status == "SUCCEEDED"
    assert start.started == [("QuickBooksPipelineStateMachine", given)]
    assert code != 0 and capsys.readouterr().err.strip() == f"error: {needed}"


def test_the_cli_lists_triggers_and_replays_events(tmp_path, capsys) -> None:
    announce_snapshot(tmp_path)

    assert cli.main(["events", "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert cli.main(["events", "replay", "--home", str(tmp_path), "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)

    assert {"name": "NightlySec", "kind": "ScheduleV2"}.items() <= listed[0].items()
    assert [(r["trigger"], r["status"]) for r in replayed] == [("SnapshotPublished", "SUCCEEDED")]


def test_a_failed_delivery_shows_its_cause_in_the_text_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import argparse

    from localrun.cli_events import _report
    from localrun.event_runs import Delivery

    cause = "realm 9341453050000000 is not connected: run `ledgergraph quickbooks connect`"
    failed = Delivery("DailyQuickBooks", "QuickBooksPipelineStateMachine", None, {},
                      "FAILED", None, "NotConnected", cause)  # fmt: skip

    code = _report(argparse.Namespace(json=False), [failed])

    out = capsys.readouterr().out
    assert code != 0
    assert out.splitlines()[-1] == f"DailyQuickBooks: NotConnected: {cause}"


def test_a_failed_xbrl_task_shows_its_stopped_reason_in_the_text_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The cause Step Functions gives for a failed ECS task is the task's JSON: the text
    names its StoppedReason, as a run's summary does (``run_summary.explain_cause``)."""
    import argparse

    from localrun.cli_events import _report
    from localrun.event_runs import Delivery

    recorded = ROOT / "events" / "record_outcome" / "batch_failed.json"
    cause = json.loads(recorded.read_text())["batch_failure"]["cause"]
    failed = Delivery("NightlySec", "SecPipelineStateMachine", None, {},
                      "FAILED", None, "States.TaskFailed", cause)  # fmt: skip

    code = _report(argparse.Namespace(json=False), [failed])

    assert code != 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "NightlySec: States.TaskFailed: XBRL task failed: Essential container in task exited "
        "with code 137: OutOfMemoryError"
    )


def test_a_publish_skipped_after_a_run_that_loaded_nothing_says_so_in_the_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What PublishSnapshot returns for such a run (tests/integration/test_sec_failed_run.py
    replays it for real): the text says no snapshot was made, not only --json."""
    import argparse

    from localrun.cli_events import _report
    from localrun.event_runs import Delivery

    output = {
        "graph_id": "sec",
        "run_id": "sec-20261206T052059Z",
        "published": False,
        "reason": "skipped, nothing loaded",
    }
    skipped = Delivery("SecRunSucceeded", "PublishSnapshotStateMachine", "event-1", {},
                       "SUCCEEDED", output, None, None)  # fmt: skip

    code = _report(argparse.Namespace(json=False), [skipped])

    row = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("SecRun"))
    assert code == 0
    assert row.split(maxsplit=3)[2:] == ["SUCCEEDED", "no snapshot: skipped, nothing loaded"]


def test_a_failed_fire_names_the_state_it_stopped_in_and_the_message_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = '{"graph_id": "sec", "filings_key": "work/sec/missing.json"}'
    missing = tmp_path / "store" / "work" / "sec" / "missing.json"

    code = cli.main(["events", "fire", "NightlySec", "--home", str(tmp_path), "--input", given])

    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("NightlySec "))
    assert code != 0
    assert row.split()[2:] == ["FAILED", "ObjectNotFound", "at", "PlanBatches"]
    assert out.splitlines()[-1] == f"NightlySec: ObjectNotFound: no object at {missing.as_uri()}"
    assert "stackTrace" not in out


def test_a_run_whose_every_filing_failed_is_not_ok_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "store" / "work" / "sec" / "one.json"
    listing.parent.mkdir(parents=True)
    prefix = "raw/sec/320193/0000320193-23-000106/"
    listing.write_text(json.dumps([{"source_unit": "0000320193-23-000106", "cik": 320193,
                                    "package_prefix": prefix, "entry_point": "aapl-20230930.htm",
                                    "form": "10-K"}]))  # fmt: skip
    given = '{"graph_id": "sec", "filings_key": "work/sec/one.json"}'

    code = cli.main(["events", "fire", "NightlySec", "--home", str(tmp_path), "--input", given,
                     "--json"])  # fmt: skip
    (delivery,) = json.loads(capsys.readouterr().out)

    assert code != 0
    assert (delivery["status"], delivery["ok"]) == ("SUCCEEDED", False)
    assert (delivery["output"]["loaded"], delivery["output"]["failed"]) == (0, 1)
    assert delivery["output"]["filings"][0]["error_type"] == "FilingNotLoadable"


def test_the_failed_state_is_the_innermost_one_still_open() -> None:
    from localrun.stepfunctions import unfinished

    def entered(name: str) -> dict[str, Any]:
        return {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": name}}

    def exited(name: str) -> dict[str, Any]:
        return {"type": "TaskStateExited", "stateExitedEventDetails": {"name": name}}

    history = [entered("Plan"), exited("Plan"), entered("Batches"), entered("Load"),
               entered("Load"), exited("Load"), entered("Record")]  # fmt: skip

    assert unfinished(history) == "Record"
    assert unfinished([*history, exited("Record")]) == "Load"
    assert unfinished([entered("Plan"), exited("Plan")]) is None


def test_a_damaged_line_of_the_events_file_is_named(tmp_path: Path) -> None:
    announce_snapshot(tmp_path)
    path = tmp_path / EVENTS_FILE
    good = path.stat().st_size
    with path.open("ab") as handle:
        handle.write(b'{"id": "cut off\n')

    with pytest.raises(ValueError) as damaged:
        replay(tmp_path, start=RecordingStarter(tmp_path))

    assert str(damaged.value).startswith(f"{path}: the line at byte {good} is not a JSON event")
    assert str(damaged.value).endswith("""b'{"id": "cut off'; fix or remove that line""")
