"""The LadybugDB graph of one graph id: schema, counts, key lookups, COPY and read queries.

One read-write ``Database`` per graph per process (a replica opens it read-only). Rows are
loaded by COPY from an Arrow table passed as a parameter: with real_ladybug 0.15.3 that is
about ten times faster than COPY from Parquet. Engine exceptions (all RuntimeError) are
translated to node errors in ``translate`` and nowhere else.
"""

from __future__ import annotations

import importlib.util  # noqa: F401  real_ladybug's parameterised execute needs it loaded
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import real_ladybug as lb

from graph_node.cypher_guard import check_read_only
from graph_node.errors import (
    EngineFailed,
    EngineUnavailable,
    GraphInconsistent,
    GraphNotFound,
    NodeError,
    QueryFailed,
    QueryTimeout,
)
from graph_node.models import QueryResult, to_jsonable
from ledgergraph.graph_schema import NODE_TABLES, REL_TABLES, NodeTable, RelTable, Table

_MIB = 1 << 20
_LOOKUP_COLUMN = "k"


def translate(error: RuntimeError, *, what: str, user_query: bool = False) -> NodeError:
    """The node error for a LadybugDB exception raised while doing ``what``."""
    message = f"{what}: {error}"
    text = str(error).lower()
    if "interrupted" in text:
        return QueryTimeout(f"{what}: interrupted at the query time limit")
    # A checkpoint after a commit waits for readers to leave and gives up with "Timeout
    # waiting for active transactions"; the commit itself stands (see materialize).
    busy = ("could not set lock", "timeout waiting", "buffer pool", "out of memory")
    if any(phrase in text for phrase in busy):
        return EngineUnavailable(message)
    if user_query:
        return QueryFailed(message)
    if "primary key" in text:
        return GraphInconsistent(message)
    return EngineFailed(message)


def node_ddl(table: NodeTable) -> str:
    columns = ", ".join(f"`{c.name}` {c.engine_type}" for c in table.columns)
    return f"CREATE NODE TABLE `{table.name}`({columns}, PRIMARY KEY(id))"


def rel_ddl(table: RelTable) -> str:
    props = "".join(f", `{c.name}` {c.engine_type}" for c in table.columns)
    ends = f"FROM `{table.from_table}` TO `{table.to_table}`"
    return f"CREATE REL TABLE `{table.name}`({ends}{props})"


class ReadWriteGate:
    """Many readers or one writer; a writer waiting holds new readers back.

    LadybugDB checkpoints right after a COPY commits and waits for every open transaction
    to end first, giving up after a few seconds; keeping readers out while a COPY runs lets
    that checkpoint go through instead of failing and stalling the writer.
    """

    def __init__(self, *, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._changed = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._changed:
            if not self._changed.wait_for(
                lambda: not self._writing and not self._writers_waiting, self.timeout_s
            ):
                raise EngineUnavailable("the graph is being written; retry the read")
            self._readers += 1
        try:
            yield
        finally:
            with self._changed:
                self._readers -= 1
                self._changed.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._changed:
            self._writers_waiting += 1
            try:
                free = self._changed.wait_for(
                    lambda: not self._writing and self._readers == 0, self.timeout_s
                )
            finally:
                self._writers_waiting -= 1
                self._changed.notify_all()
            if not free:
                raise EngineUnavailable("readers kept the graph busy; retry the write")
            self._writing = True
        try:
            yield
        finally:
            with self._changed:
                self._writing = False
                self._changed.notify_all()


class GraphStore:
    """One graph's LadybugDB file; table names used in Cypher come from the schema only."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool,
        buffer_pool_mb: int | None = None,
        gate_timeout_s: float = 60.0,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._gate = ReadWriteGate(timeout_s=gate_timeout_s)
        if read_only and not path.exists():
            raise GraphNotFound(f"no graph file at {path}")
        options: dict[str, Any] = {"read_only": read_only}
        if buffer_pool_mb:
            options["buffer_pool_size"] = buffer_pool_mb * _MIB
        try:
            self._db = lb.Database(str(path), **options)
        except RuntimeError as exc:
            raise translate(exc, what=f"opening graph file {path}") from exc
        if not read_only:
            self._create_schema()

    @contextmanager
    def _connection(
        self, *, what: str, user_query: bool = False, write: bool = False
    ) -> Iterator[lb.Connection]:
        with self._gate.writing() if write else self._gate.reading():
            conn = lb.Connection(self._db)
            try:
                yield conn
            except RuntimeError as exc:
                raise translate(exc, what=what, user_query=user_query) from exc
            finally:
                conn.close()

    def _create_schema(self) -> None:
        with self._connection(what="creating graph tables", write=True) as conn:
            existing = set(
                conn.execute("CALL show_tables() RETURN name").get_as_arrow()[0].to_pylist()
            )
            for table in NODE_TABLES:
                if table.name not in existing:
                    conn.execute(node_ddl(table))
            for rel in REL_TABLES:
                if rel.name not in existing:
                    conn.execute(rel_ddl(rel))

    def count(self, table: Table) -> int:
        """Nodes or relationships in ``table``."""
        pattern = (
            f"MATCH (n:`{table.name}`)"
            if isinstance(table, NodeTable)
            else f"MATCH ()-[n:`{table.name}`]->()"
        )
        with self._connection(what=f"counting {table.name}") as conn:
            return int(conn.execute(f"{pattern} RETURN count(n)").get_next()[0])

    def present_ids(self, table: NodeTable, ids: pa.Array) -> pa.Array:
        """Which of ``ids`` are primary keys of ``table`` nodes (a primary-key lookup each)."""
        if len(ids) == 0:
            return pa.array([], pa.string())
        lookup = pa.table({_LOOKUP_COLUMN: ids})
        query = f"LOAD FROM $ids MATCH (n:`{table.name}` {{id: {_LOOKUP_COLUMN}}}) RETURN n.id"
        with self._connection(what=f"looking up {table.name} ids") as conn:
            found = conn.execute(query, {"ids": lookup}).get_as_arrow()
        return found.column(0).combine_chunks()

    def copy(self, table: Table, rows: pa.Table) -> None:
        """COPY ``rows`` (schema column order; rels: from, to, properties) into ``table``."""
        if rows.num_rows == 0:
            return
        with self._connection(what=f"copying rows into {table.name}", write=True) as conn:
            conn.execute(f"COPY `{table.name}` FROM $rows", {"rows": rows})

    def read_query(
        self, cypher: str, parameters: Mapping[str, Any], *, timeout_s: float, max_rows: int
    ) -> QueryResult:
        """Run one read-only Cypher statement in a READ ONLY transaction."""
        check_read_only(cypher)
        with self._connection(what="Cypher query", user_query=True) as conn:
            conn.set_query_timeout(int(timeout_s * 1000))
            conn.execute("BEGIN TRANSACTION READ ONLY")
            # NOTE: a failing statement ends the transaction itself; closing the connection
            # ends it in every other case, so ROLLBACK only follows success.
            result = conn.execute(cypher, dict(parameters))
            if isinstance(result, list):  # several statements slipped through
                raise QueryFailed("Cypher query must be one statement")
            columns = result.get_column_names()
            rows = result.get_n(max_rows + 1)
            conn.execute("ROLLBACK")
        return QueryResult(
            columns=columns,
            rows=[[to_jsonable(v) for v in row] for row in rows[:max_rows]],
            truncated=len(rows) > max_rows,
        )

    def close(self) -> None:
        """Close the database; a writer checkpoints first so the file stands alone."""
        try:
            if not self.read_only:
                with self._connection(what="checkpointing the graph", write=True) as conn:
                    conn.execute("CHECKPOINT")
        finally:
            self._db.close()
