"""SyncCompany: land one sync run of a QuickBooks company in the raw store (or find it landed)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.steps import SyncRequest, open_connection, sync_step
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
connection = open_connection(QuickBooksSettings())
logger = get_logger("quickbooks")
metrics = Metrics(namespace="ledgergraph", service="quickbooks_sync")
tracer = Tracer(service="quickbooks_sync")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = SyncRequest.model_validate(event)

    result = sync_step(request, store=store, connection=connection)

    records = sum(result["records"].values())
    metrics.add_metric(name="QuickBooksRecordsLanded", unit=MetricUnit.Count, value=records)
    return result
