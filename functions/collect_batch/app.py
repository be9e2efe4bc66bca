"""CollectBatch: record what the XBRL task left for each filing of a batch; list the loadable."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.sec_steps import CollectBatchRequest, collect_batch
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="collect_batch")
tracer = Tracer(service="collect_batch")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = CollectBatchRequest.model_validate(event)

    result = collect_batch(store, request)

    processed, failed = result["processed"], result["failed"]
    metrics.add_metric(name="FilingsProcessed", unit=MetricUnit.Count, value=processed)
    metrics.add_metric(name="FilingsFailedProcessing", unit=MetricUnit.Count, value=failed)
    return result
