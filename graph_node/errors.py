"""Errors of the graph node and the one table that maps them to HTTP statuses.

Every error is a ``NodeError`` and also a shared ``TransientError`` (answered 503; the state
machine retries it) or ``PermanentError`` (answered 4xx; retrying changes nothing). Messages
name the graph, table, file id or key at fault and never carry secrets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from ledgergraph.errors import LedgerGraphError, PermanentError, TransientError


class NodeError(LedgerGraphError):
    """Root of the errors the graph node raises on purpose."""


class NodeTransientError(NodeError, TransientError):
    """Worth retrying: the writer is busy or an engine or the object store is unavailable."""


class WriterBusy(NodeTransientError):
    """Another write holds the graph's writer lock longer than the configured wait."""


class EngineUnavailable(NodeTransientError):
    """DuckDB, LadybugDB or the object store could not be reached or locked right now."""


class SnapshotUnavailable(NodeTransientError):
    """A replica could not read an object of the published snapshot from the store, after
    retrying (a read error, a connection reset); starting the replica again may succeed."""


class NodePermanentError(NodeError, PermanentError):
    """The request or the data is wrong; the same call will fail the same way."""


class InvalidRequest(NodePermanentError):
    """The request is malformed or names something it may not (a URI outside the store)."""


class QueryRefused(NodePermanentError):
    """A query would write, or is more than one statement."""


class QueryFailed(NodePermanentError):
    """The engine rejected a read-only query (syntax, unknown table, bad parameter)."""


class QueryTimeout(NodePermanentError):
    """A read-only query ran past the node's query time limit."""


class RequestCancelled(NodePermanentError):
    """The client hung up before the node answered: a write that waited for the graph's
    writer lock stopped waiting (one that held it ran to its end)."""


class QueryCancelled(RequestCancelled):
    """The client of a read query hung up: the engine was interrupted, or the query stopped
    waiting for a write to end before it ran."""


class Unauthorized(NodePermanentError):
    """The X-Api-Key header is missing or wrong."""


class RequestTooLarge(NodePermanentError):
    """The request body is larger than the node accepts (``max_request_bytes``)."""


class UnsupportedMediaType(NodePermanentError):
    """A request body that is not sent as JSON."""


class ReadOnlyNode(NodePermanentError):
    """A write endpoint was called on a replica."""


class GraphNotFound(NodePermanentError):
    """The graph id is malformed or no such graph exists on this node."""


class TableNotFound(NodePermanentError):
    """The table is not a table of the graph schema."""


class UnknownFile(NodePermanentError):
    """A file id is not in the graph's file registry."""


class FileConflict(NodePermanentError):
    """A file is in the wrong state or table for the call (e.g. materialized before staged)."""


class SchemaMismatch(NodePermanentError):
    """The graph's files were written with another graph schema version."""


class FileInvalid(NodePermanentError):
    """A file failed staging validation; it is marked failed with this message."""

    def __init__(self, message: str, *, file_id: str) -> None:
        super().__init__(message)
        self.file_id = file_id


class MissingEndpoints(NodePermanentError):
    """Relationships point at nodes that are not in the graph (materialize nodes first)."""


class GraphInconsistent(NodePermanentError):
    """Rows offered != rows added + rows present, or the graph and its ledgers disagree."""


class WriteMiscounted(GraphInconsistent):
    """A committed write left some table with other than the rows it meant to; the graph
    file is wrong and only a rebuild from staging serves it again."""


class GraphDamaged(NodePermanentError):
    """The graph file cannot be opened or read; only a rebuild from staging serves it again."""


class StagingDamaged(GraphDamaged):
    """The staging file cannot be read; a rebuild cannot help (it reads staging): restore it.

    ``reason`` is the short form ``/status`` lists under ``damaged``.
    """

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class UnreadableValue(NodePermanentError):
    """A query's result would carry a date or time the engine holds but cannot read back
    (``graph_node.unreadable``): ``columns`` of the result, ``found`` where the graph
    holds such values."""

    def __init__(self, message: str, *, found: Sequence[Any], columns: Sequence[str]) -> None:
        super().__init__(message)
        self.found = list(found)
        self.columns = list(columns)


class CopyRefused(NodePermanentError):
    """Rows about to be copied would be unsafe for the engine; nothing was copied."""


class SourceNotFound(NodePermanentError):
    """No file of the source unit is registered in the graph."""


class SnapshotInvalid(NodePermanentError):
    """A published snapshot fails its manifest (checksum, counts, schema); not served."""


class StoreRefused(NodePermanentError):
    """The publish store or the node's disk refused a write in a way a retry cannot mend
    (a path that is a file, no permission); answered 500 and not retried."""


class EngineFailed(NodePermanentError):
    """An engine failed in a way the node does not recognise (answered 500, not retried)."""


class EngineCrashed(EngineFailed):
    """The engine died natively in a child process; the live graph was not touched."""


_STATUS: dict[type[NodeError], int] = {
    InvalidRequest: 400,
    QueryRefused: 400,
    QueryFailed: 400,
    QueryTimeout: 400,
    RequestCancelled: 499,  # "client closed request": nobody reads it, the log does
    Unauthorized: 401,
    ReadOnlyNode: 403,
    GraphNotFound: 404,
    TableNotFound: 404,
    UnknownFile: 404,
    SourceNotFound: 404,
    FileConflict: 409,
    SchemaMismatch: 409,
    GraphInconsistent: 409,
    GraphDamaged: 409,
    StagingDamaged: 409,
    UnreadableValue: 409,
    FileInvalid: 422,
    MissingEndpoints: 422,
    CopyRefused: 422,
    SnapshotInvalid: 422,
    RequestTooLarge: 413,
    UnsupportedMediaType: 415,
    StoreRefused: 500,
    EngineFailed: 500,
}


def http_status(error: Exception) -> int:
    """The HTTP status of an error: 503 transient, 4xx permanent, 500 for the unexpected."""
    if isinstance(error, TransientError):
        return 503
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    if isinstance(error, PermanentError):
        return 400
    return 500


def is_transient(error: Exception) -> bool:
    """Whether the caller should retry the call that raised ``error``."""
    return isinstance(error, TransientError)


# DuckDB appends a native stack trace to an INTERNAL error: "Stack Trace:", then one frame a
# line (library path, symbol, load address: ``/x/_duckdb.so(+0x1dde621) [0x7fd79c3de621]``),
# then its advice. A client gets the message and the advice, not the frames.
_TRACE_HEADING = re.compile(r"\bStack Trace:")
_FRAME = re.compile(r"^(?:\S*\([^()\n]*\) )?\[0x[0-9a-f]+\]\n?", re.MULTILINE)
TRACE_LEFT_OUT = "[the engine's stack trace is left out; the node's log has it]"


def client_message(message: str) -> str:
    """``message`` as a client may see it: an engine's stack trace (library paths, load
    addresses) replaced by a note, since it tells a caller about the host and nothing about
    its query; the node logs the whole message."""
    text = _FRAME.sub("", message)
    if text == message and not _TRACE_HEADING.search(message):
        return message
    text, headings = _TRACE_HEADING.subn(TRACE_LEFT_OUT, text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text if headings else f"{text} {TRACE_LEFT_OUT}"
