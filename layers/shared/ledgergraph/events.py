"""Domain events ("snapshot published"): EventBridge on AWS, a JSON Lines file locally.

An ``Event`` is the EventBridge entry: ``source`` (always ``ledgergraph``), ``detail_type``
and a JSON ``detail``. Publishers:

- ``EventBridgePublisher``: ``put_events`` on a bus with a boto3 ``events`` client built by
  the caller; a failed entry raises ``EventNotPublished`` (transient: retry the step).
- ``JsonlEventPublisher``: appends one line per event to ``{home}/events/events.jsonl``.
- ``NullEventPublisher``: drops events (a node configured with ``events=none``).

The local file format, for whoever reads it (local rules start the replica-refresh state
machine from it): UTF-8, one JSON object per line, ``\\n``-terminated, append-only, never
rewritten. Each line is the shape EventBridge delivers to a rule target::

    {"version": "0", "id": "<uuid4 hex>", "time": "2026-12-04T17:31:46Z",
     "source": "ledgergraph", "detail-type": "SnapshotPublished", "resources": [],
     "detail": {"graph_id": "sec", "snapshot_id": "...", "manifest_key": "..."}}

A line is written with one ``write`` on a file opened in append mode under an exclusive
``flock``, so concurrent writers never interleave and a reader never sees half a line
unless the machine dies mid-write (a reader skips a last line without its newline). Read
from a remembered byte offset to pick up new events.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ledgergraph.errors import TransientError

SOURCE = "ledgergraph"
SNAPSHOT_PUBLISHED = "SnapshotPublished"
EVENTS_FILE = Path("events") / "events.jsonl"


class EventNotPublished(TransientError):
    """The event bus refused or did not take the event; publishing again is safe."""


@dataclass(frozen=True)
class Event:
    """One event: EventBridge's source, detail-type and detail."""

    detail_type: str
    detail: dict[str, Any]
    source: str = SOURCE


class EventPublisher(Protocol):
    def publish(self, event: Event) -> None: ...


def snapshot_published(graph_id: str, snapshot_id: str, manifest_key: str) -> Event:
    """The event announcing a verified snapshot under ``manifest_key``."""
    detail = {"graph_id": graph_id, "snapshot_id": snapshot_id, "manifest_key": manifest_key}
    return Event(detail_type=SNAPSHOT_PUBLISHED, detail=detail)


class EventBridgePublisher:
    """Puts events on an EventBridge bus."""

    def __init__(self, client: Any, *, bus_name: str = "default") -> None:
        self.client = client
        self.bus_name = bus_name

    def publish(self, event: Event) -> None:
        entry = {
            "Source": event.source,
            "DetailType": event.detail_type,
            "Detail": json.dumps(event.detail, sort_keys=True),
            "EventBusName": self.bus_name,
        }
        answer = self.client.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            failed = answer.get("Entries", [{}])[0]
            raise EventNotPublished(
                f"{event.detail_type} not put on bus {self.bus_name}: "
                f"{failed.get('ErrorCode')} {failed.get('ErrorMessage')}"
            )


class JsonlEventPublisher:
    """Appends events to a JSON Lines file (the local stand-in for the event bus)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def under(cls, home: Path) -> JsonlEventPublisher:
        """The publisher of ``{home}/events/events.jsonl``."""
        return cls(home / EVENTS_FILE)

    def publish(self, event: Event) -> None:
        line = json.dumps(envelope(event), sort_keys=True) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class NullEventPublisher:
    """Publishes nothing."""

    def publish(self, event: Event) -> None:
        return None


def envelope(event: Event) -> dict[str, Any]:
    """The event as EventBridge delivers it to a rule's target."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return {
        "version": "0",
        "id": uuid.uuid4().hex,
        "time": now.isoformat().replace("+00:00", "Z"),
        "source": event.source,
        "detail-type": event.detail_type,
        "resources": [],
        "detail": event.detail,
    }


def read_events(path: Path, *, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Whole events of a JSON Lines file from byte ``offset``; the offset to read on from."""
    if not path.exists():
        return [], offset
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n") + 1  # a last line without its newline is still being written
    events, at = [], offset
    for line in data[:end].split(b"\n")[:-1]:
        if line.strip():
            try:
                events.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(
                    f"{path}: the line at byte {at} is not a JSON event ({exc}): "
                    f"{line[:80]!r}; fix or remove that line"
                ) from exc
        at += len(line) + 1
    return events, offset + end
