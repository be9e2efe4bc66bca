"""The node's event publisher, chosen by ``settings.events`` (see ledgergraph.events)."""

from __future__ import annotations

from graph_node.settings import NodeSettings
from ledgergraph.events import (
    EventBridgePublisher,
    EventPublisher,
    JsonlEventPublisher,
    NullEventPublisher,
)


def publisher_for(settings: NodeSettings) -> EventPublisher:
    """EventBridge on AWS, ``{home}/events/events.jsonl`` locally, or nothing."""
    if settings.events == "eventbridge":
        import boto3  # only the AWS path needs it

        return EventBridgePublisher(boto3.client("events"), bus_name=settings.event_bus_name)
    if settings.events == "jsonl":
        return JsonlEventPublisher.under(settings.home)
    return NullEventPublisher()
