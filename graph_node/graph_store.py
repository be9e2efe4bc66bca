"""The LadybugDB graph of one graph id: schema, counts, key lookups, COPY, changes, queries.

One read-write ``Database`` per graph per process (a replica opens it read-only). Rows are
loaded by COPY from an Arrow table passed as a parameter: with real_ladybug 0.15.3 that is
about ten times faster than COPY from Parquet. Engine exceptions (all RuntimeError) are
translated to node errors in ``translate`` and nowhere else.
"""

from __future__ import annotations

import decimal
import importlib.util  # noqa: F401  real_ladybug's parameterised execute needs it loaded
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import pyarrow as pa
import real_ladybug as lb

from graph_node import cypher_build as cb
from graph_node.cancellation import Cancellation, interrupting
from graph_node.cypher_correlation import check_correlation
from graph_node.cypher_guard import (
    check_parameter_values,
    check_parameters,
    check_read_only,
    check_shape,
)
from graph_node.errors import (
    EngineFailed,
    EngineUnavailable,
    GraphInconsistent,
    GraphNotFound,
    NodeError,
    QueryFailed,
    QueryTimeout,
)
from graph_node.gate import ReadWriteGate
from graph_node.memory import ADDRESS_SPACE
from graph_node.models import QueryResult
from graph_node.reconciliation import (
    Step,
    check_committed,
    check_values,
    read_values,
    run_reconciled,
    valued_tables,
)
from graph_node.results import DEFAULT_MAX_RESULT_BYTES, Fetch, collect_rows, out_of_memory
from graph_node.unreadable import (
    Unreadable,
    computes_dates,
    find_unreadable,
    may_carry_dates,
    outside_columns,
    unreadable_error,
)
from ledgergraph.graph_schema import TABLES, NodeTable, Table

_MIB = 1 << 20
_COPIED = re.compile(r"^(\d+) tuples have been copied to the `?(\w+)`? table\.?$")
_MEMORY = ("buffer pool", "out of memory", "bad_alloc")


def translate(error: RuntimeError, *, what: str, user_query: bool = False) -> NodeError:
    """The node error for a LadybugDB exception raised while doing ``what``."""
    message = f"{what}: {error}"
    text = str(error).lower()
    if "interrupted" in text:
        return QueryTimeout(f"{what}: interrupted at the query time limit")
    if user_query and any(phrase in text for phrase in _MEMORY):
        # the same query will need the same memory again: not worth a retry
        limit = "LEDGERGRAPH_BUFFER_POOL_MB" if "buffer" in text else "LEDGERGRAPH_MEMORY_LIMIT_MB"
        return QueryFailed(f"{what}: needs more memory than the node allows ({limit}: {error})")
    # A checkpoint after a commit waits for readers to leave and gives up with "Timeout
    # waiting for active transactions"; the commit itself stands (see materialize).
    busy = ("could not set lock", "timeout waiting", *_MEMORY)
    if any(phrase in text for phrase in busy):
        return EngineUnavailable(message)
    if user_query:
        return QueryFailed(message)
    if "primary key" in text:
        return GraphInconsistent(message)
    return EngineFailed(message)


def create_schema(conn: lb.Connection) -> None:
    """Create every table of the graph schema the database does not have yet."""
    found = conn.execute("CALL show_tables() RETURN name").get_as_arrow()[0].to_pylist()
    existing = set(found)
    for table in TABLES.values():  # nodes come first in TABLES: rels need their endpoints
        if table.name not in existing:
            ddl = cb.node_ddl(table) if isinstance(table, NodeTable) else cb.rel_ddl(table)
            conn.execute(ddl)


def engine_options(
    *,
    read_only: bool,
    buffer_pool_mb: int | None,
    max_db_size_mb: int | None,
    max_threads: int | None = None,
) -> dict[str, Any]:
    """Keyword arguments of ``real_ladybug.Database`` for these settings (``max_threads``:
    the engine's worker threads, None for its default of one per core).

    NOTE: real_ladybug 0.15.3 damages graphs loaded over several sessions for some table
    layouts, compressed or not; with the default compression the current schema passes
    every split of the bundled filings into sessions, uncompressed it does not
    (docs/decisions.md, bench/ladybug_layout_probe.py).
    """
    options: dict[str, Any] = {"read_only": read_only, "compression": True}
    if buffer_pool_mb:
        options["buffer_pool_size"] = buffer_pool_mb * _MIB
    if max_db_size_mb:
        options["max_db_size"] = max_db_size_mb * _MIB
    if max_threads:
        options["max_num_threads"] = max_threads
    return options


class GraphStore:
    """One graph's LadybugDB file; table names used in Cypher come from the schema only."""

    def __init__(
        self,
        path: Path,
        *,
        read_only: bool,
        buffer_pool_mb: int | None = None,
        max_db_size_mb: int | None = None,
        max_threads: int | None = None,
        gate_timeout_s: float = 60.0,
    ) -> None:
        self.path = path
        self.read_only = read_only
        self._options = engine_options(
            read_only=read_only, buffer_pool_mb=buffer_pool_mb, max_db_size_mb=max_db_size_mb,
            max_threads=max_threads,
        )  # fmt: skip
        self._gate = ReadWriteGate(timeout_s=gate_timeout_s)
        # Counts the writer knows without scanning (see known_count); any write forgets them.
        self._known: dict[str, int] = {}
        # Where the graph holds dates the engine cannot read back (unreadable.py): looked
        # for by the first query that could return one, again after any write.
        self._unreadable: list[Unreadable] | None = None
        if read_only and not path.exists():
            raise GraphNotFound(f"no graph file at {path}")
        self._db = self._open_database()
        if not read_only:
            with self._connection(what="creating graph tables", write=True) as conn:
                create_schema(conn)

    def _open_database(self) -> lb.Database:
        try:
            with ADDRESS_SPACE.lifted():
                return lb.Database(str(self.path), **self._options)
        except RuntimeError as exc:
            raise translate(exc, what=f"opening graph file {self.path}") from exc

    @contextmanager
    def _connection(
        self,
        *,
        what: str,
        user_query: bool = False,
        write: bool = False,
        counted: bool = False,
        cancellation: Cancellation | None = None,
    ) -> Iterator[lb.Connection]:
        """A connection; a write forgets every known count unless it keeps them (``counted``).

        ``cancellation`` ends a read's wait for a write to end (``ReadWriteGate.reading``).
        """
        gate = self._gate.writing() if write else self._gate.reading(cancellation=cancellation)
        with gate:
            if write:
                self._unreadable = None
            if write and not counted:
                self._known.clear()  # whatever this write changes, no count is known now
            conn = lb.Connection(self._db)
            try:
                yield conn
            except RuntimeError as exc:
                raise translate(exc, what=what, user_query=user_query) from exc
            finally:
                conn.close()

    def count(self, table: Table) -> int:
        """Nodes or relationships in ``table``."""
        with self._connection(what=f"counting {table.name}") as conn:
            return int(conn.execute(cb.count_all(table)).get_next()[0])

    def known_count(self, table: Table) -> int:
        """``table``'s count as the writer knows it: counted once, then kept up to date.

        Only for the node's single writer (callers hold the graph's writer lock; readers
        use ``count``). The first call after opening, and after any write other than a
        ``copy`` whose engine report was read, counts in the graph; a ``copy`` adds the
        rows the engine reports it copied. This file is written by this store only (the
        engine locks it), so the figure is the graph's own; counting a relationship table
        scans all of it, which would make every materialization cost grow with the graph.
        """
        known = self._known.get(table.name)
        if known is None:
            known = self._known[table.name] = self.count(table)
        return known

    def forget_counts(self) -> None:
        """Make the next ``known_count`` of every table count in the graph again."""
        self._known.clear()

    def counts(self) -> dict[str, int]:
        """Rows of every table of the schema, in schema order."""
        return {name: self.count(table) for name, table in TABLES.items()}

    def count_keys(self, table: Table, rows: pa.Table) -> int:
        """How many of ``rows``' keys (the table's key columns) are in the graph."""
        if rows.num_rows == 0:
            return 0
        with self._connection(what=f"looking up {table.name} keys") as conn:
            found = conn.execute(cb.count_by_key(table), {cb.ROWS: cb.key_rows(table, rows)})
            return int(found.get_next()[0])

    def copy(
        self,
        table: Table,
        rows: pa.Table,
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> None:
        """COPY ``rows`` (schema column order; rels: from, to, properties) into ``table``.

        With ``before_commit`` the COPY runs in an explicit transaction that commits only
        once ``before_commit`` has returned (it runs while the engine holds the copied rows
        uncommitted, and is called even with no rows); if it raises, nothing is committed.
        ``known_count`` adds the rows the engine reports it copied (the report unread, the
        next one counts in the graph).
        """
        if rows.num_rows == 0:
            if before_commit is not None:
                before_commit()
            return
        known = self._known.pop(table.name, None)  # unknown unless the report is read
        what = f"copying rows into {table.name}"
        with self._connection(what=what, write=True, counted=True) as conn:
            message = _copy_rows(conn, table, rows, before_commit)
        copied = _copied(message, table)
        if known is not None and copied is not None:
            self._known[table.name] = known + copied

    def apply(
        self,
        deletes: Sequence[tuple[Table, pa.Table]],
        updates: Sequence[tuple[Table, pa.Table]],
        *,
        merges: Sequence[tuple[Table, pa.Table]] = (),
    ) -> None:
        """Delete rows by key, add rows unless there, rewrite rows' other columns: one
        transaction, in that order, each statement reconciled with its table's count.

        ``deletes`` run in the order given (relationships before their nodes); a node that
        still has relationships is not deleted and the whole transaction fails. ``merges``
        (nodes before the relationships between them) are ``MERGE``: running them again
        adds nothing. The commit is checkpointed, the touched tables counted again and the
        values of touched relationship tables with properties compared with what they held
        before, changes applied (``reconciliation``).

        Raises:
            GraphInconsistent: a statement changed other than its rows; rolled back.
            WriteMiscounted: the committed write left other counts or relationship values;
                the graph needs a rebuild (callers holding the graph mark it damaged).
        """
        steps = [Step(t, "delete", cb.delete_by_key(t), cb.key_rows(t, r)) for t, r in deletes]
        steps += [Step(t, "merge", cb.merge_by_key(t), cb.keyed_rows(t, r)) for t, r in merges]
        for table, rows in updates:
            if statement := cb.set_by_key(table):
                steps.append(Step(table, "update", statement, cb.keyed_rows(table, rows)))
        steps = [step for step in steps if step.rows.num_rows]
        if not steps:
            return
        with self._connection(what="deleting and updating rows", write=True) as conn:
            _roll_back_empty_write(conn)
            before = {t.name: read_values(conn, t) for t in valued_tables(steps)}
            conn.execute("BEGIN TRANSACTION")
            expected = run_reconciled(conn, steps)
            conn.execute("COMMIT")
            if self.wal_pending():  # never an empty CHECKPOINT (see wal_pending)
                conn.execute("CHECKPOINT")
            touched = {step.table.name: step.table for step in steps}
            check_committed(conn, list(touched.values()), expected)
            check_values(conn, before, steps)

    def dump(self, table: Table) -> pa.Table:
        """Every row of ``table`` (nodes by id; rels by from, to) in Parquet column order."""
        with self._connection(what=f"reading all of {table.name}") as conn:
            return conn.execute(cb.dump(table)).get_as_arrow()

    def read_query(
        self,
        cypher: str,
        parameters: Mapping[str, Any],
        *,
        timeout_s: float,
        max_rows: int,
        max_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        cancellation: Cancellation | None = None,
    ) -> QueryResult:
        """Run one read-only Cypher statement in a READ ONLY transaction.

        The answer is held to ``max_rows`` rows (more are cut off) and ``max_bytes`` of
        JSON (``results.collect_rows``). ``cancellation`` (the client hung up) interrupts
        the statement, as the time limit does, and then raises QueryCancelled.

        Raises:
            QueryRefused: before the engine sees the text, if it could write, is too long
                or nested for the engine (``check_shape``), ties a subquery to the query
                by a value (``check_correlation``) or uses a parameter not given.
            InvalidRequest: a parameter holds an integer the engine cannot bind (INT64).
            UnreadableValue: the result holds a date or time the engine cannot read back.
            QueryFailed: the answer would pass ``max_bytes``, or reading it ran out of
                memory.
        """
        check_shape(cypher)
        check_read_only(cypher)
        check_correlation(cypher)
        check_parameters(cypher, parameters)
        check_parameter_values(parameters)
        what = "Cypher query"
        with (
            self._connection(what=what, user_query=True, cancellation=cancellation) as conn,
            interrupting(cancellation, conn.interrupt),
        ):
            conn.set_query_timeout(int(timeout_s * 1000))
            conn.execute("BEGIN TRANSACTION READ ONLY")
            # NOTE: a failing statement ends the transaction itself; closing the connection
            # ends it in every other case, so ROLLBACK only follows success.
            result = conn.execute(cypher, dict(parameters))
            if isinstance(result, list):  # several statements slipped through
                raise QueryFailed("Cypher query must be one statement")
            try:
                self._refuse_unreadable(conn, result)
                answer = collect_rows(
                    result.get_column_names(), _row_reader(result), what=what,
                    max_rows=max_rows, max_bytes=max_bytes,
                )  # fmt: skip
            except MemoryError as exc:  # pyarrow's ArrowMemoryError is one too
                raise out_of_memory(what) from exc
            finally:
                result.close()  # not when Python collects it (an error's traceback keeps it)
            conn.execute("ROLLBACK")
        return answer

    def _refuse_unreadable(self, conn: lb.Connection, result: lb.QueryResult) -> None:
        """UnreadableValue if ``result`` holds a date or time the row reader would die on.

        A result with a date or time column of its own (which the query may have computed:
        ``date('9999-12-31') + INTERVAL('2 days')``) is always read through Arrow first; one
        that carries dates only inside nodes and relationships only once the graph is known
        to hold such a value (``find_unreadable``), since a query cannot compute those.
        """
        types = result.get_column_data_types()
        if not may_carry_dates(types):
            return
        if not computes_dates(types):
            if self._unreadable is None:
                self._unreadable = find_unreadable(conn)
            if not self._unreadable:
                return
        outside = outside_columns(result.get_as_arrow(max(result.get_num_tuples(), 1)))
        if outside:
            if self._unreadable is None:
                self._unreadable = find_unreadable(conn)
            raise unreadable_error(outside, self._unreadable)
        result.reset_iterator()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the graph file, so the file alone is the graph.

        Nothing is done when the log is empty: the file already is the whole graph, and
        real_ladybug 0.15.3 damages some files with a CHECKPOINT that has nothing to fold
        (see ``wal_pending``).
        """
        with self._connection(what="checkpointing the graph", write=True) as conn:
            if self.wal_pending():
                conn.execute("CHECKPOINT")

    def wal_pending(self) -> bool:
        """Whether the graph's write-ahead log holds anything a checkpoint would fold in.

        NOTE: real_ladybug 0.15.3 corrupts a graph file built in one session (a rebuild's,
        or a first load's) when a later session runs CHECKPOINT with an empty log: nothing
        shows until the next node and relationship COPYs, where the engine dies of SIGSEGV
        and the file no longer opens ("Cannot read from file ... position: 6442450944").
        A COPY checkpoints itself (it leaves no log behind), so only statements such as
        SET or DELETE leave something to fold; with no log the file stands alone already.
        """
        wal = Path(f"{self.path}.wal")
        try:
            return wal.stat().st_size > 0
        except FileNotFoundError:
            return False

    @contextmanager
    def detached(self) -> Iterator[Path]:
        """The graph file closed (checkpointed) and free for another process, then reopened.

        Reads wait meanwhile. Used to swap in a rebuilt file and to copy in a child process.
        """
        with self._gate.writing():
            self._known.clear()  # another process may write the file meanwhile
            self._unreadable = None
            self._close_database(checkpoint=not self.read_only)
            try:
                yield self.path
            finally:
                self._db = self._open_database()

    def _close_database(self, *, checkpoint: bool) -> None:
        try:
            if checkpoint and self.wal_pending():
                conn = lb.Connection(self._db)
                try:
                    conn.execute("CHECKPOINT")
                except RuntimeError as exc:
                    raise translate(exc, what="checkpointing the graph") from exc
                finally:
                    conn.close()
        finally:
            self._db.close()

    def close(self) -> None:
        """Close the database; a writer checkpoints first so the file stands alone."""
        with self._gate.writing():
            self._close_database(checkpoint=not self.read_only)


_GRAPH_VALUES = ("NODE", "REL", "RECURSIVE_REL")


def _row_reader(result: lb.QueryResult) -> Fetch:
    """``fetch(n)``: the next ``n`` rows of a query result as Python values.

    The row-by-row reader of real_ladybug 0.15.3 prints DECIMALs between -0.1 and 0 wrongly
    (-0.018 comes out as "0.-18...", which Decimal refuses), so results with DECIMAL columns
    are read through Arrow, which carries the exact value (the engine converts the whole
    result at once: it holds it whole anyway). Node and relationship values keep the row
    reader (their Arrow form is a different shape); a bad decimal inside one is reported
    instead of crashing the request.
    """
    types = result.get_column_data_types()
    has_decimal = any("DECIMAL" in t for t in types)
    if has_decimal and not any(t.startswith(_GRAPH_VALUES) for t in types):
        return _arrow_reader(result.get_as_arrow(max(result.get_num_tuples(), 1)))
    return partial(_next_rows, result)


def _arrow_reader(table: pa.Table) -> Fetch:
    read = 0

    def fetch(count: int) -> list[list[Any]]:
        nonlocal read
        batch = table.slice(read, count)
        read += batch.num_rows
        columns = [column.to_pylist() for column in batch.columns]  # names may repeat
        return [list(row) for row in zip(*columns, strict=True)]

    return fetch


def _next_rows(result: lb.QueryResult, count: int) -> list[list[Any]]:
    try:
        return result.get_n(count)
    except decimal.InvalidOperation as exc:
        raise QueryFailed(
            "a DECIMAL between -0.1 and 0 inside a node or relationship value cannot be read "
            "with LadybugDB 0.15.3; return the property itself (n.value_decimal)"
        ) from exc
    except (ValueError, OverflowError, SystemError) as exc:
        # the driver's conversion of a value Python cannot hold: a date past 9999 inside a
        # list or map, an interval of more days than a timedelta has
        raise QueryFailed(
            f"Cypher query: the result holds a value Python cannot represent ({exc}); "
            "dates and times must stay within the years 0001 to 9999 and intervals within "
            "999,999,999 days"
        ) from exc


def _copy_rows(
    conn: lb.Connection, table: Table, rows: pa.Table, before_commit: Callable[[], None] | None
) -> str:
    """Run the COPY (committing after ``before_commit``, if given); the engine's report."""
    statement = f"COPY `{table.name}` FROM $rows"
    if before_commit is None:
        report = conn.execute(statement, {"rows": rows})
        return str(report.get_next()[0]) if report.has_next() else ""
    conn.execute("BEGIN TRANSACTION")
    # NOTE: a failing statement ends the engine's transaction itself (nothing committed).
    report = conn.execute(statement, {"rows": rows})
    message = str(report.get_next()[0]) if report.has_next() else ""
    try:
        before_commit()
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return message


def _roll_back_empty_write(conn: lb.Connection) -> None:
    """Open a write transaction and roll it back, changing nothing.

    NOTE: real_ladybug 0.15.3 can lose relationship rows of untouched keys in the
    CHECKPOINT after a large delete (tens of thousands of rows over many relationship
    tables) on a file where an earlier session deleted nodes (a QuickBooks run deleted
    from a graph that also holds SEC filings, issue #6): every count is right inside the
    transaction and after COMMIT, and whole tables (ENTITY_HAS_REPORT, FACT_HAS_ELEMENT)
    are empty after the CHECKPOINT. A write transaction rolled back before the delete's,
    or before the earlier session's node deletes, prevented it in every reproduction;
    a read-only one, an empty committed one or reading every table first did not. Why is
    not known, so ``check_committed`` still reconciles every count after the fold.
    """
    conn.execute("BEGIN TRANSACTION")
    conn.execute("ROLLBACK")


def _copied(message: str, table: Table) -> int | None:
    """The row count of a COPY's "N tuples have been copied to the T table." report."""
    found = _COPIED.match(message.strip())
    if found is None or found.group(2) != table.name:
        return None
    return int(found.group(1))
