"""Publishing a graph: the graph node writes a snapshot, then SnapshotPublished announces it.

The node does the work behind ``POST /databases/{graph_id}/publish``: it writes the graph
and staging files and their manifest under ``published/{graph_id}/{snapshot_id}/``, verifies
them and moves ``published/{graph_id}/LATEST`` to the new snapshot. Only then is the event
put (EventBridge on AWS, ``{home}/events/events.jsonl`` locally); its rule starts the replica
refresh, whose new instances download LATEST. A publish that fails announces nothing, so
the replicas keep serving the previous snapshot. A publish set off by an SEC run that
loaded no filing (its summary's ``publish`` is false) asks the node nothing and announces
nothing either.

NOTE: the node can announce its snapshots itself (its ``events`` setting, for a publish
made by hand). Under the state machine this step announces, and the node's is ``none``:
one event per snapshot.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgergraph.errors import ObjectNotFound
from ledgergraph.events import (
    EventBridgePublisher,
    EventPublisher,
    JsonlEventPublisher,
    NullEventPublisher,
    snapshot_published,
)
from ledgergraph.graph_client import GRAPH_ID_PATTERN, GraphClient
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.run_outcomes import RUN_ID_PATTERN
from ledgergraph.run_summary import summary_key
from ledgergraph.settings import default_home

logger = get_logger("ledgergraph")


class EventSettings(BaseSettings):
    """Where the function's events go: ``LEDGERGRAPH_EVENTS``, ``LEDGERGRAPH_EVENT_BUS_NAME``."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_", extra="ignore")

    home: Path = Field(default_factory=default_home, description="Local data directory.")
    events: Literal["jsonl", "eventbridge", "none"] = Field(
        default="jsonl",
        description="jsonl: append to {home}/events/events.jsonl (one machine); "
        "eventbridge: put on the bus event_bus_name (AWS); none: drop them.",
    )
    event_bus_name: str = Field(default="default", description="EventBridge bus name.")


def publisher_from(settings: EventSettings) -> EventPublisher:
    """The publisher the settings ask for (an EventBridge client is built for AWS)."""
    if settings.events == "eventbridge":
        import boto3  # imported here: the local path never needs it

        return EventBridgePublisher(boto3.client("events"), bus_name=settings.event_bus_name)
    if settings.events == "none":
        return NullEventPublisher()
    return JsonlEventPublisher.under(settings.home)


class PublishRequest(BaseModel):
    """What the PublishSnapshot step is given."""

    graph_id: str = Field(pattern=GRAPH_ID_PATTERN.pattern, description="graph to publish")
    correlation_id: str | None = Field(default=None, description="the execution id")
    run_id: str | None = Field(
        default=None,
        pattern=RUN_ID_PATTERN.pattern,
        description="the SEC run whose success set off this publish (its execution name): "
        "its summary says whether it loaded anything; None for a publish asked by hand",
    )


class SnapshotPublished(BaseModel):
    """The detail of the SnapshotPublished event: which snapshot, and its manifest."""

    graph_id: str
    snapshot_id: str
    manifest_key: str = Field(description="store key of the snapshot's manifest.json")


def manifest_key_of(graph_id: str, snapshot_id: str) -> str:
    """``published/{graph_id}/{snapshot_id}/manifest.json``."""
    return f"published/{graph_id}/{snapshot_id}/manifest.json"


def skip_reason(store: ObjectStore | None, request: PublishRequest) -> str | None:
    """Why the run that set off this publish needs no snapshot (its summary's
    ``publish_note``, e.g. ``skipped, nothing loaded``); None to publish. A summary that
    cannot be read (a run started with a run id other than its execution name) publishes,
    as every run did before the summary said."""
    if store is None or request.run_id is None:
        return None
    try:
        summary = json.loads(store.get_bytes(summary_key(request.graph_id, request.run_id)))
    except (ObjectNotFound, ValueError):
        logger.warning("run summary not found, publishing", extra={"run_id": request.run_id})
        return None
    if summary.get("publish") is False:
        return str(summary.get("publish_note") or "skipped")
    return None


def publish_snapshot(
    graph: GraphClient,
    request: PublishRequest,
    *,
    events: EventPublisher,
    store: ObjectStore | None = None,
) -> dict[str, Any]:
    """Have the node publish the graph, then announce the snapshot; nothing of either when
    the run that set it off (``request.run_id``, its summary read from ``store``) loaded
    no filing.

    Safe to repeat: a second publish gives a new snapshot (or the node's answer that
    nothing changed) and a second event, whose refresh finds the replicas current.

    Returns:
        The event detail: graph id, snapshot id and manifest key; or, skipped, the graph
        id, the run id, ``published`` False and the reason.
    """
    reason = skip_reason(store, request)
    if reason is not None:
        skipped = {"graph_id": request.graph_id, "run_id": request.run_id}
        logger.info("snapshot not published", extra=skipped | {"reason": reason})
        return skipped | {"published": False, "reason": reason}
    answer = graph.publish(request.graph_id, correlation_id=request.correlation_id)
    snapshot_id = answer["snapshot_id"]
    detail = SnapshotPublished(
        graph_id=request.graph_id,
        snapshot_id=snapshot_id,
        manifest_key=answer.get("manifest_key") or manifest_key_of(request.graph_id, snapshot_id),
    ).model_dump()

    events.publish(snapshot_published(**detail))
    logger.info("snapshot announced", extra=detail)
    return detail
