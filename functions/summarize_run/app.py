"""SummarizeRun: one line per filing of the run from its outcome records; counts and the key."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.run_summary import SummarizeRunRequest, summarize_run
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="summarize_run")
tracer = Tracer(service="summarize_run")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = SummarizeRunRequest.model_validate(event)

    summary = summarize_run(store, request)

    metrics.add_metric(name="FilingsLoaded", unit=MetricUnit.Count, value=summary["loaded"])
    metrics.add_metric(name="FilingsFailed", unit=MetricUnit.Count, value=summary["failed"])
    return summary
