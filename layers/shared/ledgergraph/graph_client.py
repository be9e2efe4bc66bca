"""HTTP client of the graph node's Graph API (docs/graph-api.md).

Built once per process and shared: one ``httpx.Client`` keeps its connections. Every call
carries ``X-Api-Key`` when a key is configured and ``X-Correlation-Id`` when the caller has
one. Failures are translated here, once: no answer, a timeout, a 5xx, 408 or 429 is
``GraphNodeUnavailable`` (the state machine retries it); any other 4xx is
``GraphNodeRejected`` with the node's own message (permanent: recorded against the filing).
Some 5xx are permanent too, as the node classes them: ``EngineFailed``, an engine error the
node does not recognise as transient (``EngineCrashed`` among them: a native crash on the
rows of the call, which the same rows would cause again), and ``StoreRefused``, a store or
disk that refuses the node's writes (a path that is a file, no permission) until someone
mends it.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from ledgergraph.errors import GraphNodeRejected, GraphNodeUnavailable, PermanentError
from ledgergraph.graph_schema import TABLES
from ledgergraph.logs import get_logger

logger = get_logger("ledgergraph")

_RETRYABLE_4XX = (408, 429)  # request timeout, too many requests: worth another try
# the same rows fail or crash the engine again; the store refuses until someone mends it
_NOT_RETRIED_5XX = ("EngineFailed", "EngineCrashed", "StoreRefused")
GRAPH_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
SOURCE_UNIT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")


def _graph(graph_id: str) -> str:
    """``/databases/{graph_id}``, the id checked before it goes into a URL path."""
    if not GRAPH_ID_PATTERN.fullmatch(graph_id):
        raise PermanentError(f"invalid graph id {graph_id!r}")
    return f"/databases/{graph_id}"


def _node_error(response: httpx.Response) -> tuple[str | None, str]:
    """The ``error.type`` of the node's error body, and ``type: message`` (or the start of
    the raw body when it is not the node's)."""
    try:
        error = response.json().get("error") or {}
        kind = error.get("type")
        return kind, f"{kind or 'Error'}: {error.get('message', '')}".strip()
    except (ValueError, AttributeError):
        return None, response.text[:200]


def _retryable(status: int, kind: str | None) -> bool:
    return (status >= 500 or status in _RETRYABLE_4XX) and kind not in _NOT_RETRIED_5XX


def stop_error(graph_id: str, stopped: dict[str, Any]) -> GraphNodeRejected:
    """The error a several-table request's ``stopped`` call would have raised on its own."""
    path = f"{_graph(graph_id)}/tables/{stopped['table']}/materialize"
    return GraphNodeRejected(
        f"POST {path} -> {stopped['status']} {stopped['type']}: {stopped['message']}",
        status=stopped["status"],
    )


class GraphClient:
    """The Graph API of one graph node; methods return the node's JSON response."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout_s: float = 300.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        headers = {"X-Api-Key": api_key} if api_key else {}
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s, connect=min(timeout_s, 10.0)),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GraphClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, correlation_id: str | None
    ) -> dict[str, Any]:
        headers = {"X-Correlation-Id": correlation_id} if correlation_id else {}
        try:
            response = self._http.request(method, path, json=body, headers=headers)
        except httpx.TimeoutException as exc:
            raise GraphNodeUnavailable(f"graph node timed out on {method} {path}") from exc
        except httpx.TransportError as exc:
            raise GraphNodeUnavailable(f"graph node unreachable on {method} {path}") from exc
        if response.status_code < 400:
            try:
                return response.json()
            except ValueError as exc:
                raise GraphNodeUnavailable(f"{method} {path} answered non-JSON") from exc
        kind, message = _node_error(response)
        failure = f"{method} {path} -> {response.status_code} {message}"
        if _retryable(response.status_code, kind):
            logger.warning(
                "graph node unavailable", extra={"path": path, "status": response.status_code}
            )
            raise GraphNodeUnavailable(failure)
        raise GraphNodeRejected(failure, status=response.status_code)

    def status(self, *, correlation_id: str | None = None) -> dict[str, Any]:
        """``GET /status``: role, schema version and graphs of the node."""
        return self._call("GET", "/status", None, correlation_id)

    def register_files(
        self, graph_id: str, files: list[dict[str, Any]], *, correlation_id: str | None = None
    ) -> dict[str, Any]:
        """Register Parquet files; idempotent (same file, same ``file_id``)."""
        return self._call("POST", f"{_graph(graph_id)}/files", {"files": files}, correlation_id)

    def stage_files(
        self, graph_id: str, file_ids: list[str], *, correlation_id: str | None = None
    ) -> dict[str, Any]:
        """Validate and load registered files into staging; staged files are skipped."""
        body = {"file_ids": file_ids}
        return self._call("POST", f"{_graph(graph_id)}/tables", body, correlation_id)

    def materialize(
        self,
        graph_id: str,
        table: str,
        file_ids: list[str],
        *,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """Copy the files' rows not yet in the graph into ``table``; a rerun adds nothing.

        Upsert (ledger) tables also update present keys with newer content and remove the
        relationships newer versions lost: ``rows_updated``, ``rows_unchanged``,
        ``relationships_removed`` and ``nodes_removed`` in the answer (docs/graph-api.md);
        Element and ElementDefinition update a node the graph holds without its definition.
        """
        if table not in TABLES:
            raise PermanentError(f"unknown graph table {table!r}")
        path = f"{_graph(graph_id)}/tables/{table}/materialize"
        return self._call("POST", path, {"file_ids": file_ids}, correlation_id)

    def materialize_tables(
        self,
        graph_id: str,
        calls: list[tuple[str, list[str]]],
        *,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """``materialize`` for each (table, file ids) in one request, in order, up to the
        first call that fails: ``results`` of the calls made, and ``stopped`` (table, type,
        message, status) for the failed one. A stop the call alone would have answered with
        a retryable status raises ``GraphNodeUnavailable`` instead, as that call would."""
        unknown = [table for table, _ in calls if table not in TABLES]
        if unknown:
            raise PermanentError(f"unknown graph table {unknown[0]!r}")
        path = f"{_graph(graph_id)}/tables/materialize"
        body = {"tables": [{"table": table, "file_ids": ids} for table, ids in calls]}
        answer = self._call("POST", path, body, correlation_id)
        stopped = answer.get("stopped")
        if stopped and _retryable(stopped["status"], stopped["type"]):
            raise GraphNodeUnavailable(
                f"POST {path} stopped at {stopped['table']} -> {stopped['status']} "
                f"{stopped['type']}: {stopped['message']}"
            )
        return answer

    def query_staging(
        self,
        graph_id: str,
        sql: str,
        parameters: list[Any] | None = None,
        *,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """One read-only SELECT on the staging database."""
        body = {"sql": sql, "parameters": parameters or []}
        return self._call("POST", f"{_graph(graph_id)}/tables/query", body, correlation_id)

    def query_cypher(
        self,
        graph_id: str,
        cypher: str,
        parameters: dict[str, Any] | None = None,
        *,
        correlation_id: str | None = None,
    ) -> dict[str, Any]:
        """One read-only Cypher statement on the graph."""
        body = {"cypher": cypher, "parameters": parameters or {}}
        return self._call("POST", f"{_graph(graph_id)}/query", body, correlation_id)

    def publish(self, graph_id: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        """``POST /databases/{graph_id}/publish``: write, verify and point LATEST at a new
        snapshot; the answer names it (``snapshot_id``, ``manifest_key``)."""
        return self._call("POST", f"{_graph(graph_id)}/publish", {}, correlation_id)

    def stats(self, graph_id: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        """Node and relationship counts per table, files per status."""
        return self._call("GET", f"{_graph(graph_id)}/stats", None, correlation_id)

    def delete_source(
        self, graph_id: str, source_unit: str, *, correlation_id: str | None = None
    ) -> dict[str, Any]:
        """Remove a source unit (a withdrawn filing) from staging and the graph; idempotent."""
        if not SOURCE_UNIT_PATTERN.fullmatch(source_unit):
            raise PermanentError(f"invalid source unit {source_unit!r}")
        path = f"{_graph(graph_id)}/sources/{source_unit}"
        return self._call("DELETE", path, None, correlation_id)

    def rebuild(self, graph_id: str, *, correlation_id: str | None = None) -> dict[str, Any]:
        """Build the graph afresh from staging and swap it in; counts per table."""
        return self._call("POST", f"{_graph(graph_id)}/rebuild", {}, correlation_id)
