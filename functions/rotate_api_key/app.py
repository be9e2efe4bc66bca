"""RotateApiKey: Secrets Manager's rotation function of the Graph API key."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.key_rotation import RotationRequest, rotate, secrets_client
from ledgergraph.logs import get_logger

client = secrets_client()
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="rotate_api_key")
tracer = Tracer(service="rotate_api_key")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = RotationRequest.model_validate(event)

    result = rotate(client, request)

    if request.step == "finishSecret" and result["changed"]:
        metrics.add_metric(name="ApiKeyRotated", unit=MetricUnit.Count, value=1)
    return result
