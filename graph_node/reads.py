"""The graph node's read side: status, read-only SQL and Cypher, and counts.

``GraphService`` (service.py) adds the writes. A read never takes a graph's writer lock and
changes nothing; a replica (read-only node) answers all of these as a writer does, from the
snapshot it serves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from graph_node.cancellation import Cancellation
from graph_node.errors import UnreadableValue
from graph_node.graphs import OpenGraphs
from graph_node.journal import interrupted_deletes
from graph_node.models import GraphStats, NodeStatus
from graph_node.registry import count_by_status, unfinished_units
from graph_node.unreadable import units_holding, unreadable_error
from ledgergraph.graph_schema import SCHEMA_VERSION, TABLES, NodeTable


class GraphReads(OpenGraphs):
    """The reads every node answers, writer or replica, over its open graphs."""

    def status(self) -> dict[str, Any]:
        """The node's role, schema version and graphs (what GET /status answers)."""
        status = NodeStatus(
            status="ok",
            role="replica" if self.read_only else "writer",
            schema_version=SCHEMA_VERSION,
            graphs=self.list_graphs(),
            snapshots={g: s.snapshot_id for g, s in self.snapshots.items()} or None,
            damaged=self.damaged_graphs() or None,
        )
        return status.model_dump(exclude_none=True)

    def query_staging(
        self,
        graph_id: str,
        sql: str,
        parameters: Sequence[Any] | None = None,
        *,
        cancellation: Cancellation | None = None,
    ) -> dict[str, Any]:
        """One read-only SELECT on the staging DuckDB (refused otherwise); ``cancellation``
        interrupts it."""
        graph = self.graph(graph_id)
        result = graph.staging.read_query(
            sql,
            list(parameters or []),
            timeout_s=self.settings.query_timeout_s,
            max_rows=self.settings.max_result_rows,
            max_bytes=self.settings.max_result_bytes(),
            cancellation=cancellation,
        )
        return result.model_dump()

    def query_cypher(
        self,
        graph_id: str,
        cypher: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        cancellation: Cancellation | None = None,
    ) -> dict[str, Any]:
        """One read-only Cypher statement on the graph (writes, unset parameters and text
        too long or nested for the engine refused, see ``cypher_guard``); ``cancellation``
        interrupts it."""
        graph = self.graph(graph_id)
        try:
            result = graph.store.read_query(
                cypher,
                dict(parameters or {}),
                timeout_s=self.settings.query_timeout_s,
                max_rows=self.settings.max_result_rows,
                max_bytes=self.settings.max_result_bytes(),
                cancellation=cancellation,
            )
        except UnreadableValue as exc:  # name the units to delete, from the file registry
            with graph.staging.cursor(what="finding the units of unreadable dates") as cur:
                units = units_holding(cur, exc.found)
            raise unreadable_error(exc.columns, exc.found, units) from exc
        return result.model_dump()

    def stats(self, graph_id: str) -> dict[str, Any]:
        """Node and relationship counts per table from the graph, files per status."""
        graph = self.graph(graph_id)
        with graph.staging.cursor(what="counting files") as cur:
            files = count_by_status(cur)
            unfinished = unfinished_units(cur)
            deletes = interrupted_deletes(cur)
        counts = graph.store.counts()
        stats = GraphStats(
            nodes={n: c for n, c in counts.items() if isinstance(TABLES[n], NodeTable)},
            relationships={n: c for n, c in counts.items() if not isinstance(TABLES[n], NodeTable)},
            files=files, unfinished=unfinished, interrupted_deletes=deletes,
        )  # fmt: skip
        return stats.model_dump()
