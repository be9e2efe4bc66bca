"""CollectDownloads: plan the downloaded filings into batches; failed downloads for the summary."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.edgar.collect import CollectDownloadsRequest, collect_downloads
from ledgergraph.edgar.steps import parse_event
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
logger = get_logger("ledgergraph")
metrics = Metrics(namespace="ledgergraph", service="collect_downloads")
tracer = Tracer(service="collect_downloads")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = parse_event(CollectDownloadsRequest, event)

    result = collect_downloads(store, request)

    failed = len(result["download_failures"]["filings"])
    metrics.add_metric(name="DownloadsFailed", unit=MetricUnit.Count, value=failed)
    return result
