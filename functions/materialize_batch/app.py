"""MaterializeBatch: one materialize call per table for a batch's staged filings; a load
record per filing from the node's registry, failures named by filing and table."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.batch_loading import MaterializeBatchRequest, materialize_batch
from ledgergraph.graph_client import GraphClient
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
graph = GraphClient(
    settings.graph_api_url, api_key=settings.graph_api_key, timeout_s=settings.graph_api_timeout_s
)
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="materialize_batch")
tracer = Tracer(service="materialize_batch")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = MaterializeBatchRequest.model_validate(event)

    result = materialize_batch(store, graph, request)

    metrics.add_metric(name="FilingsLoaded", unit=MetricUnit.Count, value=result["loaded"])
    # Filings that failed staging are counted by RecordOutcome (LoadFailuresRecorded).
    failed = result["staged"] - result["loaded"]
    metrics.add_metric(name="FilingsFailedMaterializing", unit=MetricUnit.Count, value=failed)
    metrics.add_metric(name="MaterializeCalls", unit=MetricUnit.Count, value=result["calls"])
    return result
