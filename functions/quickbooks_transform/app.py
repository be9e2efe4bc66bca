"""TransformRun: a landed QuickBooks sync run into graph-shaped Parquet, validated."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import open_store
from ledgergraph.quickbooks.steps import RunRef
from ledgergraph.quickbooks.transform.service import transform_run
from ledgergraph.settings import PipelineSettings

settings = PipelineSettings()
store = open_store(settings.resolved_store_uri())
logger = get_logger("quickbooks")
metrics = Metrics(namespace="ledgergraph", service="quickbooks_transform")
tracer = Tracer(service="quickbooks_transform")


@tracer.capture_lambda_handler
@metrics.log_metrics
@logger.inject_lambda_context(correlation_id_path="correlation_id")
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    run = RunRef.model_validate(event)

    ids = run.model_dump(include={"realm_id", "run_id", "graph_id"})
    summary = transform_run(store, **ids)

    rows = sum(summary.rows.values())
    metrics.add_metric(name="RowsWritten", unit=MetricUnit.Count, value=rows)
    metrics.add_metric(name="RecordsRejected", unit=MetricUnit.Count, value=summary.rejected)
    return summary.model_dump() | {"source_unit": run.run_id}
