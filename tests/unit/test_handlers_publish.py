"""PublishSnapshot with its canonical event: a stub graph node on 127.0.0.1 publishes, the event
goes to ``{home}/events/events.jsonl`` locally and to moto's EventBridge on AWS."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from pipeline_stubs import StubGraphNode, serve

from ledgergraph.errors import GraphNodeRejected, GraphNodeUnavailable
from ledgergraph.events import EVENTS_FILE, read_events
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_summary import publish_decision, summary_key
from localrun.aws import fake_aws_environment
from localrun.lambdas import LocalLambdaContext, load_handler
from localrun.template import load_template

ROOT = Path(__file__).resolve().parents[2]
KEY = "publish-test-key"
SNAPSHOT = "snap-20261205T064512Z-3c9d1e"


class PublishingNode(StubGraphNode):
    """The stub graph node, plus ``POST /databases/{graph_id}/publish``."""

    def __init__(self) -> None:
        super().__init__(api_key=KEY)
        self.answer: tuple[int, dict] = (200, {"graph_id": "sec", "snapshot_id": SNAPSHOT})

    def handle(self, method: str, path: str, headers: Any, body: dict) -> tuple[int, dict]:
        if not path.endswith("/publish"):
            return super().handle(method, path, headers, body)
        self.calls.append(("publish", path, headers.get("X-Correlation-Id")))
        if headers.get("X-Api-Key") != KEY:
            return 401, {"error": {"type": "Unauthorized", "message": "", "transient": False}}
        return self.answer


def request() -> dict[str, Any]:
    return json.loads((ROOT / "events" / "publish_snapshot" / "nightly_sec.json").read_text())


def context() -> LocalLambdaContext:
    return LocalLambdaContext(function_name="publish", invoked_function_arn="arn:local:publish")


@pytest.fixture
def node(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[PublishingNode]:
    stub = PublishingNode()
    server = serve(stub)
    monkeypatch.setenv("LEDGERGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("LEDGERGRAPH_GRAPH_API_KEY", KEY)
    monkeypatch.delenv("LEDGERGRAPH_EVENTS", raising=False)
    yield stub
    server.shutdown()
    server.server_close()


@pytest.fixture
def publish() -> Callable[[dict, Any], dict]:
    return load_handler(ROOT / "functions" / "publish_snapshot" / "app.py")


def test_publish_announces_the_snapshot_locally_after_the_node_published(
    node, publish, tmp_path: Path
) -> None:
    result = publish(request(), context())

    manifest = f"published/sec/{SNAPSHOT}/manifest.json"
    assert result == {"graph_id": "sec", "snapshot_id": SNAPSHOT, "manifest_key": manifest}
    assert node.calls == [("publish", "/databases/sec/publish", request()["correlation_id"])]
    [event] = read_events(tmp_path / EVENTS_FILE)[0]
    assert (event["source"], event["detail-type"]) == ("ledgergraph", "SnapshotPublished")
    assert event["detail"] == result


def test_the_nodes_manifest_key_is_passed_on(node, publish, tmp_path: Path) -> None:
    key = f"published/sec/{SNAPSHOT}/manifest-v2.json"
    node.answer = (200, {"snapshot_id": SNAPSHOT, "manifest_key": key})

    assert publish(request(), context())["manifest_key"] == key


def store_summary(home: Path, run_id: str, totals: dict[str, int]) -> None:
    """The summary SummarizeRun writes for a run with these filing counts."""
    summary = {"graph_id": "sec", "run_id": run_id, **publish_decision(totals)}
    LocalObjectStore(home / "store").put_bytes(
        summary_key("sec", run_id), json.dumps(summary).encode()
    )


def test_a_run_that_loaded_no_filing_sets_off_no_snapshot_and_no_event(
    node, publish, tmp_path: Path
) -> None:
    run_id = "nightlysec-20261205T063000Z-5f2a9c"
    store_summary(tmp_path, run_id, {"loaded": 0, "interrupted": 0, "failed": 4})

    result = publish(request() | {"run_id": run_id}, context())

    assert result == {
        "graph_id": "sec",
        "run_id": run_id,
        "published": False,
        "reason": "skipped, nothing loaded",
    }
    assert node.calls == []
    assert read_events(tmp_path / EVENTS_FILE)[0] == []


@pytest.mark.parametrize("totals", [{"loaded": 1, "failed": 3}, {"interrupted": 1}])
def test_a_run_that_loaded_or_interrupted_a_filing_publishes(
    node, publish, tmp_path: Path, totals: dict[str, int]
) -> None:
    run_id = "nightlysec-20261205T063000Z-5f2a9c"
    store_summary(tmp_path, run_id, totals)

    result = publish(request() | {"run_id": run_id}, context())

    assert result["snapshot_id"] == SNAPSHOT
    assert [call[0] for call in node.calls] == ["publish"]
    assert len(read_events(tmp_path / EVENTS_FILE)[0]) == 1


def test_a_run_whose_summary_is_not_found_publishes_as_before(
    node, publish, tmp_path: Path
) -> None:
    result = publish(request() | {"run_id": "run-given-by-hand"}, context())

    assert result["snapshot_id"] == SNAPSHOT


def node_error(kind: str, *, transient: bool) -> dict[str, Any]:
    return {"error": {"type": kind, "message": "refused", "transient": transient}}


@pytest.mark.parametrize(
    ("status", "kind", "error"),
    [(503, "WriterBusy", GraphNodeUnavailable), (409, "GraphInconsistent", GraphNodeRejected)],
)
def test_a_publish_the_node_does_not_finish_announces_nothing(
    node, publish, tmp_path: Path, status: int, kind: str, error: type
) -> None:
    node.answer = (status, node_error(kind, transient=status == 503))

    with pytest.raises(error):
        publish(request(), context())

    assert read_events(tmp_path / EVENTS_FILE)[0] == []


def test_on_aws_the_event_reaches_the_rule_that_starts_the_refresh(
    node, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_EVENTS", "eventbridge")
    template = load_template()
    rule = template["Resources"]["ReplicaRefreshStateMachine"]["Properties"]["Events"]
    pattern = rule["SnapshotPublished"]["Properties"]["Pattern"]
    with fake_aws_environment(), mock_aws():
        queue = caught_by(pattern)
        handler = load_handler(ROOT / "functions" / "publish_snapshot" / "app.py")

        result = handler(request(), context())

        messages = boto3.client("sqs").receive_message(QueueUrl=queue)["Messages"]
    event = json.loads(messages[0]["Body"])
    assert (event["source"], event["detail-type"]) == ("ledgergraph", "SnapshotPublished")
    assert event["detail"] == result


def caught_by(pattern: dict[str, Any]) -> str:
    """An SQS queue behind a default-bus rule with ``pattern``; returns its URL."""
    sqs, events = boto3.client("sqs"), boto3.client("events")
    url = sqs.create_queue(QueueName="caught")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(Name="snapshot-published", EventPattern=json.dumps(pattern))
    events.put_targets(Rule="snapshot-published", Targets=[{"Id": "q", "Arn": arn["QueueArn"]}])
    return url
