"""StageFiles: load a filing's registered files into the graph node's DuckDB staging."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.graph_client import GraphClient
from ledgergraph.loading import LoadRequest, stage_files
from ledgergraph.logs import get_logger
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
graph = GraphClient(
    settings.graph_api_url, api_key=settings.graph_api_key, timeout_s=settings.graph_api_timeout_s
)
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="stage_files")
tracer = Tracer(service="stage_files")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = LoadRequest.model_validate(event)

    result = stage_files(graph, request)

    metrics.add_metric(name="RowsStaged", unit=MetricUnit.Count, value=result["rows_staged"])
    return result
