"""MaterializeGraph: copy a filing's staged rows into the graph, nodes before relationships."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.graph_client import GraphClient
from ledgergraph.loading import LoadRequest, materialize_filing
from ledgergraph.logs import get_logger
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
graph = GraphClient(
    settings.graph_api_url, api_key=settings.graph_api_key, timeout_s=settings.graph_api_timeout_s
)
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="materialize_graph")
tracer = Tracer(service="materialize_graph")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = LoadRequest.model_validate(event)

    result = materialize_filing(graph, request)

    rows_added = sum(t["added"] for t in result["tables"].values())
    # FactsLoaded: the filing's facts now in the graph (a rerun loads them again, adding 0);
    # FactsAdded: the ones this call added.
    metrics.add_metric(name="FactsLoaded", unit=MetricUnit.Count, value=result["facts_loaded"])
    metrics.add_metric(name="FactsAdded", unit=MetricUnit.Count, value=result["facts_added"])
    metrics.add_metric(name="RowsAdded", unit=MetricUnit.Count, value=rows_added)
    return result
