"""The event publishers of ledgergraph.events, as the graph node uses them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from ledgergraph.events import (
    EVENTS_FILE,
    EventBridgePublisher,
    EventNotPublished,
    JsonlEventPublisher,
    read_events,
    snapshot_published,
)

MANIFEST = "published/sec/20261204T174930Z-c4dee6d4/manifest.json"


def test_concurrent_writers_leave_whole_lines_in_order_of_writing(tmp_path: Path) -> None:
    publisher = JsonlEventPublisher.under(tmp_path)

    def publish(worker: int) -> None:
        for n in range(25):
            publisher.publish(snapshot_published("sec", f"{worker}-{n}", MANIFEST))

    threads = [threading.Thread(target=publish, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    events, offset = read_events(tmp_path / EVENTS_FILE)
    assert len(events) == 100 and offset == (tmp_path / EVENTS_FILE).stat().st_size
    assert {e["detail-type"] for e in events} == {"SnapshotPublished"}
    for worker in range(4):
        mine = [
            e["detail"]["snapshot_id"]
            for e in events
            if e["detail"]["snapshot_id"][0] == str(worker)
        ]
        assert mine == [f"{worker}-{n}" for n in range(25)]


def test_a_reader_picks_up_from_its_offset_and_skips_a_line_being_written(tmp_path: Path) -> None:
    publisher = JsonlEventPublisher.under(tmp_path)
    publisher.publish(snapshot_published("sec", "first", MANIFEST))
    _, offset = read_events(tmp_path / EVENTS_FILE)
    publisher.publish(snapshot_published("sec", "second", MANIFEST))
    with (tmp_path / EVENTS_FILE).open("a") as handle:
        handle.write('{"detail-type": "Snapsh')  # a writer in the middle of its line

    events, after = read_events(tmp_path / EVENTS_FILE, offset=offset)

    assert [e["detail"]["snapshot_id"] for e in events] == ["second"]
    assert read_events(tmp_path / EVENTS_FILE, offset=after) == ([], after)


class FakeEventBridge:
    def __init__(self, failed: int = 0) -> None:
        self.failed = failed
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.entries += Entries
        code = {"ErrorCode": "ThrottlingException", "ErrorMessage": "slow down"}
        return {"FailedEntryCount": self.failed, "Entries": [code if self.failed else {}]}


def test_eventbridge_gets_source_detail_type_and_detail() -> None:
    client = FakeEventBridge()

    EventBridgePublisher(client, bus_name="ledgergraph").publish(
        snapshot_published("sec", "20261204T174930Z-c4dee6d4", MANIFEST)
    )

    [entry] = client.entries
    assert entry["Source"] == "ledgergraph" and entry["DetailType"] == "SnapshotPublished"
    assert entry["EventBusName"] == "ledgergraph"
    assert json.loads(entry["Detail"]) == {
        "graph_id": "sec", "snapshot_id": "20261204T174930Z-c4dee6d4", "manifest_key": MANIFEST
    }  # fmt: skip


def test_a_refused_entry_is_a_transient_error() -> None:
    with pytest.raises(EventNotPublished, match="ThrottlingException"):
        EventBridgePublisher(FakeEventBridge(failed=1)).publish(
            snapshot_published("sec", "x", MANIFEST)
        )
