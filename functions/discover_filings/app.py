"""DiscoverFilings: find the filings of a discovery request and list them for the download Map."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.edgar import EdgarClient, load_edgar_settings
from ledgergraph.edgar.steps import DiscoverFilingsRequest, discover_step, parse_event
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
edgar = EdgarClient(load_edgar_settings())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="discover_filings")
tracer = Tracer(service="discover_filings")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(DiscoverFilingsRequest, event)

    result = discover_step(request, client=edgar, store=store)

    metrics.add_metric(name="FilingsDiscovered", unit=MetricUnit.Count, value=result["filings"])
    return result
