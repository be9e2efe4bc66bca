"""SummarizeRun / RecordFailure: how a QuickBooks run ended, written to the store and returned."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.graph_client import GraphClient
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.quickbooks.run_report import SummaryRequest, summarize_quickbooks_run
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
graph = GraphClient(
    settings.graph_api_url, api_key=settings.graph_api_key, timeout_s=settings.graph_api_timeout_s
)
logger = get_logger("quickbooks")
metrics = Metrics(namespace="ledgergraph", service="quickbooks_summary")
tracer = Tracer(service="quickbooks_summary")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = SummaryRequest.model_validate(event)

    summary = summarize_quickbooks_run(store, graph, request)

    validation = summary.get("validation") or {}
    failures = len(validation.get("failures", [])) + validation.get("failures_not_shown", 0)
    changed = summary.get("rows_present_with_changed_content", 0)
    # an interrupted run's data did not fail: the load stopped (node gone, a timeout)
    failed, interrupted = (int(summary["status"] == s) for s in ("failed", "interrupted"))
    metrics.add_metric(name="QuickBooksRunsFailed", unit=MetricUnit.Count, value=failed)
    metrics.add_metric(name="QuickBooksRunsInterrupted", unit=MetricUnit.Count, value=interrupted)
    metrics.add_metric(name="ValidationFailures", unit=MetricUnit.Count, value=failures)
    metrics.add_metric(name="RowsChangedNotApplied", unit=MetricUnit.Count, value=changed)
    updated = summary.get("rows_updated", 0)
    metrics.add_metric(name="RowsUpdated", unit=MetricUnit.Count, value=updated)
    return summary
