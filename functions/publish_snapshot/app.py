"""PublishSnapshot: the graph node publishes a snapshot; SnapshotPublished announces it.

Neither happens when the SEC run that set it off loaded no filing (its summary says so).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.graph_client import GraphClient
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.publishing import EventSettings, PublishRequest, publish_snapshot, publisher_from
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
graph = GraphClient(
    settings.graph_api_url, api_key=settings.graph_api_key, timeout_s=settings.graph_api_timeout_s
)
events = publisher_from(EventSettings())
store = open_store(settings.resolved_store_uri())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="publish_snapshot")
tracer = Tracer(service="publish_snapshot")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = PublishRequest.model_validate(event)

    published = publish_snapshot(graph, request, events=events, store=store)

    made = published.get("published") is not False
    metrics.add_metric(name="SnapshotsPublished", unit=MetricUnit.Count, value=int(made))
    return published
