"""PlanBatches: split a run's filings into batches; the plan goes to the store, not the payload."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.sec_steps import PlanBatchesRequest, plan_batches
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="plan_batches")
tracer = Tracer(service="plan_batches")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = PlanBatchesRequest.model_validate(event)

    result = plan_batches(store, request)

    metrics.add_metric(name="FilingsPlanned", unit=MetricUnit.Count, value=result["filing_count"])
    metrics.add_metric(name="BatchesPlanned", unit=MetricUnit.Count, value=result["batch_count"])
    return result
