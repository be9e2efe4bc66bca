"""Publishing a graph: the graph node writes a snapshot, then SnapshotPublished announces it.

The node does the work behind ``POST /databases/{graph_id}/publish``: it writes the graph
and staging files and their manifest under ``published/{graph_id}/{snapshot_id}/``, verifies
them and moves ``published/{graph_id}/LATEST`` to the new snapshot. Only then is the event
put (EventBridge on AWS, ``{home}/events/events.jsonl`` locally); its rule starts the replica
refresh, whose new instances download LATEST. A publish that fails announces nothing, so
the replicas keep serving the previous snapshot.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgergraph.errors import TransientError
from ledgergraph.graph_client import GRAPH_ID_PATTERN, GraphClient
from ledgergraph.logs import get_logger
from ledgergraph.settings import default_home

logger = get_logger("ledgergraph")

EVENT_SOURCE = "ledgergraph"
SNAPSHOT_PUBLISHED = "SnapshotPublished"

Announce = Callable[[str, dict[str, Any]], Any]
"""Puts one event: ``announce(detail_type, detail)``; the source is ``ledgergraph``."""


class EventSettings(BaseSettings):
    """Where events go: ``LEDGERGRAPH_EVENTS`` and ``LEDGERGRAPH_EVENT_BUS_NAME``."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Local data directory.")
    events: Literal["jsonl", "eventbridge"] = Field(
        default="jsonl",
        description="jsonl: append to {home}/events/events.jsonl (one machine); "
        "eventbridge: put on the bus event_bus_name (AWS).",
    )
    event_bus_name: str = Field(default="default", description="EventBridge bus name.")


class EventNotDelivered(TransientError):
    """EventBridge did not take the event (throttled or failed); the step is retried."""


def eventbridge_announcer(client: Any, bus_name: str) -> Announce:
    """Put each event on ``bus_name`` with the ``ledgergraph`` source."""

    def announce(detail_type: str, detail: dict[str, Any]) -> None:
        entry = {
            "Source": EVENT_SOURCE,
            "DetailType": detail_type,
            "Detail": json.dumps(detail),
            "EventBusName": bus_name,
        }
        answer = client.put_events(Entries=[entry])
        if answer.get("FailedEntryCount"):
            code = answer["Entries"][0].get("ErrorCode", "unknown")
            raise EventNotDelivered(f"{detail_type} not put on bus {bus_name}: {code}")

    return announce


def jsonl_announcer(path: Path) -> Announce:
    """Append each event, shaped as EventBridge delivers it, as one line of ``path``."""

    def announce(detail_type: str, detail: dict[str, Any]) -> None:
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": EVENT_SOURCE,
            "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "detail": detail,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(event) + "\n")

    return announce


def announcer_from(settings: EventSettings) -> Announce:
    """The announcer the settings ask for (an EventBridge client is built for AWS)."""
    if settings.events == "eventbridge":
        import boto3  # imported here: the local path never needs it

        return eventbridge_announcer(boto3.client("events"), settings.event_bus_name)
    return jsonl_announcer(settings.home / "events" / "events.jsonl")


class PublishRequest(BaseModel):
    """What the PublishSnapshot step is given."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern, description="graph to publish")
    correlation_id: str | None = Field(default=None, description="the execution id")


class SnapshotPublished(BaseModel):
    """The detail of the SnapshotPublished event: which snapshot, and its manifest."""

    graph_id: str
    snapshot_id: str
    manifest_key: str = Field(description="store key of the snapshot's manifest.json")


def manifest_key_of(graph_id: str, snapshot_id: str) -> str:
    """``published/{graph_id}/{snapshot_id}/manifest.json``."""
    return f"published/{graph_id}/{snapshot_id}/manifest.json"


def publish_snapshot(
    graph: GraphClient, request: PublishRequest, *, announce: Announce
) -> dict[str, Any]:
    """Have the node publish the graph, then announce the snapshot.

    Safe to repeat: a second publish gives a new snapshot (or the node's answer that
    nothing changed) and a second event, whose refresh finds the replicas current.

    Returns:
        The event detail: graph id, snapshot id and manifest key.
    """
    answer = graph.publish(request.graph_id, correlation_id=request.correlation_id)
    snapshot_id = answer["snapshot_id"]
    detail = SnapshotPublished(
        graph_id=request.graph_id,
        snapshot_id=snapshot_id,
        manifest_key=answer.get("manifest_key") or manifest_key_of(request.graph_id, snapshot_id),
    ).model_dump()

    announce(SNAPSHOT_PUBLISHED, detail)
    logger.info("snapshot published", extra=detail)
    return detail
