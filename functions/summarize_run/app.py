"""SummarizeRun: one line per filing of the run from its outcome records; counts, the key.

The graph node is asked only about interrupted filings (how much of each is in the graph).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.graph_client import GraphClient
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.run_summary import SummarizeRunRequest, summarize_run
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
graph = GraphClient(
    settings.graph_api_url, api_key=settings.graph_api_key, timeout_s=settings.graph_api_timeout_s
)
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="summarize_run")
tracer = Tracer(service="summarize_run")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = SummarizeRunRequest.model_validate(event)

    summary = summarize_run(store, request, registry=graph)

    metrics.add_metric(name="FilingsLoaded", unit=MetricUnit.Count, value=summary["loaded"])
    metrics.add_metric(name="FilingsFailed", unit=MetricUnit.Count, value=summary["failed"])
    interrupted = summary["interrupted"]
    metrics.add_metric(name="FilingsInterrupted", unit=MetricUnit.Count, value=interrupted)
    return summary
