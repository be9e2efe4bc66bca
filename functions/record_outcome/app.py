"""RecordOutcome: write a filing's load outcome, or a batch's failure, to the run's store folder."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.run_outcomes import RecordOutcomeRequest, record_outcome
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="record_outcome")
tracer = Tracer(service="record_outcome")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = RecordOutcomeRequest.model_validate(event)

    result = record_outcome(store, request)

    if request.load is None:
        name = "BatchFailuresRecorded"
    else:
        name = "LoadsRecorded" if result["status"] == "loaded" else "LoadFailuresRecorded"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    return result
