"""The staging DuckDB file of one graph: connection, schema, transactions, read queries.

DuckDB is opened with external access disabled, so no SQL run here (ours or a caller's
read-only SELECT) can read or write files; staged Parquet comes in as Arrow tables that
the node reads itself. DuckDB exceptions are translated to node errors here and only here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from graph_node.cancellation import Cancellation, interrupting
from graph_node.errors import (
    EngineFailed,
    EngineUnavailable,
    NodeError,
    QueryFailed,
    QueryRefused,
    QueryTimeout,
    SchemaMismatch,
    StagingDamaged,
)
from graph_node.log import logger
from graph_node.models import QueryResult
from graph_node.results import DEFAULT_MAX_RESULT_BYTES, collect_rows, out_of_memory
from graph_node.sql_guard import check_select
from ledgergraph.graph_schema import SCHEMA_VERSION, TABLES, Table, all_columns
from ledgergraph.messages import clip

REGISTRY_TABLE = "file_registry"
META_TABLE = "node_meta"
INTENT_TABLE = "write_intents"
# SQL: a row of a key ledger (alias ``l``) counts as in the graph unless an open intent is
# still adding it.
SETTLED = f"(l.intent_id IS NULL OR l.intent_id NOT IN (SELECT intent_id FROM {INTENT_TABLE}))"

_REGISTRY_DDL = f"""
CREATE TABLE IF NOT EXISTS {REGISTRY_TABLE} (
    file_id VARCHAR PRIMARY KEY,
    graph_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    uri VARCHAR NOT NULL,
    source_unit VARCHAR NOT NULL,
    row_count BIGINT NOT NULL,
    checksum VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    error VARCHAR,
    rows_staged BIGINT,
    rows_added BIGINT,
    rows_present BIGINT,
    registered_at TIMESTAMPTZ NOT NULL,
    staged_at TIMESTAMPTZ,
    materialized_at TIMESTAMPTZ
)"""

# Added after the first release: ALTER keeps staging files written before them readable.
_REGISTRY_MIGRATIONS = (
    f"ALTER TABLE {REGISTRY_TABLE} ADD COLUMN IF NOT EXISTS materialize_seq BIGINT",
    f"ALTER TABLE {REGISTRY_TABLE} ADD COLUMN IF NOT EXISTS deleted_at TIMESTAMPTZ",
    f"ALTER TABLE {REGISTRY_TABLE} ADD COLUMN IF NOT EXISTS deleted_by VARCHAR",
)

# A write the graph node has started and not finished: what it is about to change in the
# graph, written before the graph is touched (see journal.py).
_INTENT_DDL = (
    f"""CREATE TABLE IF NOT EXISTS {INTENT_TABLE} (
    intent_id VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    table_name VARCHAR,
    detail VARCHAR NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
)""",
)

# DuckDB's own default, stated because checkpoint_early works from it. (Four times as much
# was tried: a 20-filing batch then left its whole log for later, and a checkpoint's cost
# per MiB measured no lower for larger logs here, so nothing was gained.)
AUTO_CHECKPOINT_BYTES = 16 << 20
_AUTO_CHECKPOINT = f"{AUTO_CHECKPOINT_BYTES >> 20}MiB"

LOCKED_DOWN = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


# DuckDB's words for a file it cannot read as a database (truncated, overwritten, a bad
# block); a lock another process holds ("Could not set lock") is not damage but busy.
_DAMAGE_WORDS = (
    "could not read enough bytes",
    "not a valid duckdb database file",
    "corrupt database file",
)
# DuckDB 2.0 raises a block or log entry that fails its checksum as a plain duckdb.Error,
# whose message has no "... Error:" prefix; every error a query can provoke (error('...')
# included) is a subclass with one, so these openings cannot be forged by a caller's SQL.
_DAMAGE_OPENINGS = (
    "corrupt database file:",  # a block of staging.duckdb, at open or when a query reads it
    "failure while replaying wal file",  # staging.duckdb.wal, at open
)


# What a client can do about DuckDB running out of memory, in the node's words
_NODE_MEMORY_LIMITS = (
    "The node's limits: LEDGERGRAPH_STAGING_MEMORY_MB bounds DuckDB's buffers (aggregates, "
    "sorts, joins), LEDGERGRAPH_MEMORY_LIMIT_MB the node's whole address space (a value "
    "such as repeat('x', n) is built outside the first); ask for fewer or smaller values."
)


def quote(identifier: str) -> str:
    """A DuckDB identifier in double quotes; only ever called with schema names."""
    return '"' + identifier.replace('"', '""') + '"'


def ledger_table(table: Table) -> str:
    """The staging table that records which keys of ``table`` are in the graph.

    A row is in the graph unless its ``intent_id`` names an open write intent: then the
    intent is adding it and may not have (journal.py). Settling the intent either deletes
    its rows or just removes the intent, so committing never rewrites ledger rows.
    """
    return f"_graph_keys_{table.name}"


def versions_table(table: Table) -> str:
    """The staging table that records, per key of an upsert table, the file whose version
    the graph holds (``upsert.py``); rows of an open intent are the versions it applies."""
    return f"_graph_versions_{table.name}"


@contextmanager
def registered(cur: duckdb.DuckDBPyConnection, tables: Mapping[str, pa.Table]) -> Iterator[None]:
    """Each Arrow table of ``tables`` readable on ``cur`` by its name within the block.

    The names are unregistered after the block, whatever it raised, in the order given. A
    ``register`` that fails raises before the block, leaving the names before it registered.
    """
    for name, table in tables.items():
        cur.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            cur.unregister(name)


def _versions_ddl(table: Table) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {quote(versions_table(table))} "
        "(id VARCHAR NOT NULL, file_id VARCHAR NOT NULL, intent_id VARCHAR)"
    )


def _staging_ddl(table: Table) -> str:
    columns = [
        f"{quote(c.name)} {c.duckdb_type}{'' if c.nullable else ' NOT NULL'}"
        for c in all_columns(table)
    ]
    columns.append("file_id VARCHAR NOT NULL")
    return f"CREATE TABLE IF NOT EXISTS {quote(table.name)} ({', '.join(columns)})"


def _ledger_ddl(table: Table) -> str:
    types = {c.name: c.duckdb_type for c in all_columns(table)}
    columns = [f"{quote(k)} {types[k]}" for k in table.key]
    columns.append("intent_id VARCHAR")
    return f"CREATE TABLE IF NOT EXISTS {quote(ledger_table(table))} ({', '.join(columns)})"


def staging_fix(path: Path) -> str:
    """What to do about a damaged staging file at ``path`` (it holds what a rebuild reads)."""
    return (
        f"a rebuild cannot repair it (it reads staging): stop the node, move {path.parent} "
        "aside, and copy staging.duckdb and graph.lbug of the graph's newest published "
        f"snapshot into a new {path.parent} (or leave it out to start empty), then run the "
        "pipeline again to load what came after (docs/operations.md, Damaged staging files)"
    )


def version_fix(path: Path, found: str | None) -> str:
    """What to do about a staging file at ``path`` of graph schema version ``found``."""
    if found is not None and found.isdigit() and int(found) > int(SCHEMA_VERSION):
        return "a newer ledgergraph wrote it: open it with that version or a later one"
    return (
        "an older ledgergraph wrote it, and its tables lack what this version's graph holds, "
        f"so neither this node nor a rebuild can use it: stop the node, move {path.parent} "
        "aside and run the pipelines again over the graph's sources (`ledgergraph sec run`, "
        "`ledgergraph quickbooks sync --full`), which process them into a new graph "
        "(docs/operations.md, Graph schema versions)"
    )


def is_damage(error: duckdb.Error, words: str) -> bool:
    """Whether DuckDB refused the staging file (or its log) itself, not the statement."""
    lowered = words.lower()
    if isinstance(error, duckdb.IOException | duckdb.FatalException):
        # FATAL: a checkpoint rewrote a damaged block (a primary-key index's, after a write
        # to its table) and failed, and every statement after it repeats that error. No
        # SQL a caller may send raises a FATAL error, so its words cannot be forged either.
        return any(w in lowered for w in _DAMAGE_WORDS)
    return type(error) is duckdb.Error and lowered.startswith(_DAMAGE_OPENINGS)


def translate(error: duckdb.Error, *, what: str) -> NodeError:
    """The node error for a DuckDB exception raised while doing ``what``."""
    message = f"{what}: {error}"
    if isinstance(error, duckdb.InterruptException):
        return QueryTimeout(f"{what}: interrupted at the query time limit")
    if "read-only mode" in str(error):  # a write slipped into a read-only query (a CTE)
        return QueryRefused(f"{what}: staging queries may not write ({error})")
    if isinstance(
        error, duckdb.IOException | duckdb.TransactionException | duckdb.ConnectionException
    ):
        return EngineUnavailable(message)
    if isinstance(error, duckdb.PermissionException):
        return QueryRefused(message)
    if isinstance(error, duckdb.OutOfMemoryException):  # its advice names DuckDB's settings
        return QueryFailed(f"{message}\n{_NODE_MEMORY_LIMITS}")
    return QueryFailed(message)


class StagingDB:
    """One graph's staging DuckDB; a writer creates its tables, a replica only reads it."""

    def __init__(self, path: Path, *, read_only: bool, memory_limit_mb: int | None = None) -> None:
        self.path = path
        self.read_only = read_only
        self.damaged: str | None = None  # why DuckDB cannot read the file, once it said so
        # After a FATAL error DuckDB refuses every statement on the file until it is opened
        # again: what makes the error every later call raises instead of asking DuckDB.
        self.invalidated: Callable[[], NodeError] | None = None
        config: dict[str, object] = {**LOCKED_DOWN, "checkpoint_threshold": _AUTO_CHECKPOINT}
        if memory_limit_mb:
            config["memory_limit"] = f"{memory_limit_mb}MiB"  # DuckDB's MB is 1000^2 bytes
        try:
            self._con = duckdb.connect(str(path), read_only=read_only, config=config)
        except duckdb.Error as exc:
            raise self.translate(exc, what=f"opening staging file {path}") from exc
        try:
            if not read_only:
                self._create_schema()
            self._check_schema_version()
        except BaseException:
            self._con.close()  # or the file stays locked for the next try in this process
            raise

    def translate(self, error: duckdb.Error, *, what: str) -> NodeError:
        """``translate``, but StagingDamaged (remembered in ``damaged``) for a damaged file,
        and a FATAL error remembered in ``invalidated``: DuckDB has given the file up."""
        words = " ".join(str(error).split())
        if is_damage(error, words):
            reason = f"staging file {self.path} is damaged ({clip(words, 500)})"
            self.damaged = reason
            fix = staging_fix(self.path)

            def make() -> NodeError:
                return StagingDamaged(f"{reason}; {fix}", reason=reason)

        elif isinstance(error, duckdb.FatalException):
            message = (
                f"DuckDB gave up staging file {self.path} after a fatal error while {what} "
                f"and refuses every statement on it until it is opened again "
                f"({clip(words, 500)}): restart the node"
            )

            def make() -> NodeError:
                return EngineFailed(message)

        else:
            return translate(error, what=what)
        if isinstance(error, duckdb.FatalException) and self.invalidated is None:
            self.invalidated = make
            logger.error("staging file invalidated", extra={"file": str(self.path)})
        return make()

    def _check_usable(self) -> None:
        if self.invalidated is not None:
            raise self.invalidated()

    def _create_schema(self) -> None:
        with self.transaction() as cur:
            cur.execute(
                f"CREATE TABLE IF NOT EXISTS {META_TABLE} (key VARCHAR PRIMARY KEY, "
                "value VARCHAR NOT NULL)"
            )
            cur.execute(
                f"INSERT INTO {META_TABLE} VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [SCHEMA_VERSION],
            )
            cur.execute(_REGISTRY_DDL)
            for statement in (*_REGISTRY_MIGRATIONS, *_INTENT_DDL):
                cur.execute(statement)
            for table in TABLES.values():
                cur.execute(_staging_ddl(table))
                cur.execute(_ledger_ddl(table))
                if getattr(table, "upsert", False):
                    cur.execute(_versions_ddl(table))

    def _check_schema_version(self) -> None:
        with self.cursor(what="reading the schema version") as cur:
            rows = cur.execute(
                f"SELECT value FROM {META_TABLE} WHERE key = 'schema_version'"
            ).fetchall()
        found = rows[0][0] if rows else None
        if found != SCHEMA_VERSION:
            raise SchemaMismatch(
                f"staging file {self.path} has graph schema version {found!r}, "
                f"this node writes version {SCHEMA_VERSION!r}: {version_fix(self.path, found)}"
            )

    @contextmanager
    def cursor(self, *, what: str = "staging") -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection of its own (safe to use from this thread), errors translated."""
        self._check_usable()
        cur = self._con.cursor()
        try:
            yield cur
        except duckdb.Error as exc:
            raise self.translate(exc, what=what) from exc
        finally:
            cur.close()

    @contextmanager
    def transaction(self, *, what: str = "staging") -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor inside BEGIN ... COMMIT; any exception rolls everything back."""
        with self.cursor(what=what) as cur:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def begin(self, *, what: str = "staging") -> OpenTransaction:
        """A transaction whose statements run now and which commits (or not) later.

        For work that is ready before the moment it may commit; ``commit`` or ``rollback``
        it exactly once, from any thread, but never while another thread uses it.
        """
        self._check_usable()
        cur = self._con.cursor()
        try:
            cur.execute("BEGIN TRANSACTION")
        except duckdb.Error as exc:
            cur.close()
            raise self.translate(exc, what=what) from exc
        return OpenTransaction(cur, what, translate=self.translate)

    def read_query(
        self,
        sql: str,
        parameters: Sequence[Any],
        *,
        timeout_s: float,
        max_rows: int,
        max_bytes: int = DEFAULT_MAX_RESULT_BYTES,
        cancellation: Cancellation | None = None,
    ) -> QueryResult:
        """Run one read-only SELECT in a read-only transaction, with a time limit.

        Rows are read in batches and the answer is held to ``max_rows`` rows (more are
        cut off) and ``max_bytes`` of JSON (``results.collect_rows``). ``cancellation``
        (the client hung up) interrupts it through the cursor, as the time limit does,
        and then raises QueryCancelled.

        Raises:
            QueryRefused: not one SELECT, or calling a function that could change
                something (``sql_guard``).
            QueryFailed: the answer would pass ``max_bytes``, or reading it ran out of
                memory.
        """
        what = "staging query"
        with (
            self.cursor(what=what) as cur,
            interrupting(cancellation, cur.interrupt),
        ):
            statement = check_select(cur, sql)
            timer = threading.Timer(timeout_s, cur.interrupt)
            timer.start()
            try:
                cur.execute("BEGIN TRANSACTION READ ONLY")
                cur.execute(statement, list(parameters))
                columns = [d[0] for d in cur.description or []]
                result = collect_rows(
                    columns, cur.fetchmany, what=what, max_rows=max_rows, max_bytes=max_bytes
                )
                cur.abort()  # NOTE: DuckDB 2.0 refuses more work while rows are unread
                cur.execute("ROLLBACK")
            except MemoryError as exc:  # closing the cursor frees what DuckDB still holds
                raise out_of_memory(what) from exc
            finally:
                timer.cancel()
        return result

    def checkpoint_early(self) -> bool:
        """CHECKPOINT if the write-ahead log holds half the automatic checkpoint's threshold.

        DuckDB checkpoints by itself in whichever commit takes its log past the threshold,
        which stalls that commit (100-400 ms for the ledger keys of a batch of filings).
        A caller with a moment when the checkpoint costs it nothing (materialize: while the
        graph engine copies) folds the log in then instead. Returns whether it did; never
        raises for the checkpoint itself (DuckDB refuses one while another connection's
        write transaction is open): it is only an early start on DuckDB's own.
        """
        try:
            logged = Path(f"{self.path}.wal").stat().st_size
        except FileNotFoundError:
            return False
        if logged < AUTO_CHECKPOINT_BYTES // 2:
            return False
        try:
            self.checkpoint()
        except NodeError as exc:
            logger.info("early staging checkpoint skipped", extra={"error": str(exc)})
            return False
        return True

    def checkpoint(self) -> None:
        """Write everything committed into the database file itself (for a file copy)."""
        with self.cursor(what="checkpointing staging") as cur:
            cur.execute("CHECKPOINT")

    def close(self) -> None:
        """Checkpoint and close the file; the handle is unusable afterwards."""
        try:
            if not self.read_only and not self.damaged and self.invalidated is None:
                self._con.execute("CHECKPOINT")
        except duckdb.Error as exc:
            raise self.translate(exc, what="checkpointing staging to close it") from exc
        finally:
            self._con.close()


class OpenTransaction:
    """A staging transaction begun by ``StagingDB.begin``: run statements, then end it."""

    def __init__(
        self,
        cur: duckdb.DuckDBPyConnection,
        what: str,
        *,
        translate: Callable[..., NodeError],
    ) -> None:
        self.cursor = cur
        self._what = what
        self._translate = translate

    def run(self, step: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        """Run ``step`` on the transaction's cursor; an error rolls everything back."""
        try:
            step(self.cursor)
        except BaseException as exc:
            self.rollback()
            if isinstance(exc, duckdb.Error):
                raise self._translate(exc, what=self._what) from exc
            raise

    def commit(self) -> None:
        self._end("COMMIT")

    def rollback(self) -> None:
        self._end("ROLLBACK")

    def _end(self, statement: str) -> None:
        try:
            self.cursor.execute(statement)
        except duckdb.Error as exc:
            raise self._translate(exc, what=self._what) from exc
        finally:
            self.cursor.close()
