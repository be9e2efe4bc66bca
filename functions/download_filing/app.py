"""DownloadFiling: one filing's XBRL package from EDGAR into the raw store, outcome recorded."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.edgar import load_edgar_settings
from ledgergraph.edgar.steps import (
    DownloadFilingRequest,
    PacedClients,
    download_step,
    parse_event,
)
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
edgar = PacedClients(load_edgar_settings())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="download_filing")
tracer = Tracer(service="download_filing")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(DownloadFilingRequest, event)

    result = download_step(request, client=edgar.at(request.requests_per_second), store=store)

    metrics.add_metric(name="FilingBytes", unit=MetricUnit.Bytes, value=result["bytes"])
    metrics.add_metric(name="EdgarRequests", unit=MetricUnit.Count, value=result["requests"])
    return result
