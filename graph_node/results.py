"""The rows of a read query's answer, read from either engine within the node's limits.

Both read paths (staging SQL on DuckDB, Cypher on LadybugDB) hand their rows over here a
batch at a time. An answer holds at most ``max_rows`` rows (more are cut off and flagged
``truncated``) and at most ``max_bytes`` of JSON: past that the query fails with
QueryFailed naming the limit as soon as a batch passes it, before the rest of the rows are
converted, so an answer of a hundred 10 MB strings never exists in the node whole (it
once failed with MemoryError, or killed the node while the answer was serialised).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from graph_node.errors import QueryFailed
from graph_node.memory import ADDRESS_SPACE
from graph_node.models import QueryResult, to_jsonable

_MIB = 1 << 20
# The default of LEDGERGRAPH_MAX_RESULT_MB: the 6,668 facts of the five bundled filings,
# every column, answer 10 MB (1.5 KB a fact: 15 MB at the 10,000-row limit). The node holds
# an answer about three times over as it answers (the values, the JSON text, its bytes).
DEFAULT_MAX_RESULT_MB = 64
DEFAULT_MAX_RESULT_BYTES = DEFAULT_MAX_RESULT_MB * _MIB
# Batches start at one row and at most double, each aiming at an eighth of the byte limit
# from the rows read so far, so a query of large values stops within a few of them.
# NOTE: the engine has built a batch's values before they can be measured: DuckDB holds
# up to 2,048 rows at a time whatever is fetched, LadybugDB its whole result (in its
# buffer pool); the node's address-space cap is what bounds those.
MAX_BATCH_ROWS = 2048
_BATCH_SHARE = 8

Fetch = Callable[[int], Sequence[Sequence[Any]]]


def collect_rows(
    columns: list[str], fetch: Fetch, *, what: str, max_rows: int, max_bytes: int
) -> QueryResult:
    """The answer of a query whose rows ``fetch(n)`` gives, up to ``n`` at a time.

    ``fetch`` returns no rows once the result is exhausted. Values become JSON values
    (``to_jsonable``) as they are read.

    Raises:
        QueryFailed: the answer's JSON would pass ``max_bytes`` (``result_too_large``).
    """
    rows: list[list[Any]] = []
    size = json_bytes({"columns": columns, "rows": [], "truncated": False})
    batch = 1
    while len(rows) < max_rows:
        fetched = fetch(min(batch, max_rows - len(rows)))
        if not fetched:
            return QueryResult(columns=columns, rows=rows)
        converted = [[to_jsonable(v) for v in row] for row in fetched]
        size += json_bytes(converted) - 2 + (1 if rows else 0)  # no [], a comma before
        if size > max_bytes:
            raise QueryFailed(result_too_large(what, max_bytes, len(rows) + len(converted)))
        rows += converted
        per_row = max(size // len(rows), 1)
        batch = max(1, min(2 * batch, max_bytes // _BATCH_SHARE // per_row, MAX_BATCH_ROWS))
    return QueryResult(columns=columns, rows=rows, truncated=bool(fetch(1)))


def json_bytes(value: Any) -> int:
    """UTF-8 bytes of ``value`` as compact JSON, the way the node answers it."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return len(text) if text.isascii() else len(text.encode())


def result_too_large(what: str, max_bytes: int, rows: int) -> str:
    """Why a query failed whose answer passed ``max_bytes`` within its first ``rows``."""
    return (
        f"{what}: the result is too large: its first {rows:,} rows pass the node's limit "
        f"of {_size(max_bytes)} of JSON per answer (LEDGERGRAPH_MAX_RESULT_MB); ask for "
        "fewer rows or columns, or shorter values (left(s, 1000)), or page through them "
        "with LIMIT and OFFSET (SQL) or SKIP (Cypher)"
    )


def out_of_memory(what: str) -> QueryFailed:
    """The error of a read query that ran out of memory (a MemoryError in the node).

    The same query needs the same memory again, so it is a permanent 400, not a 500 a
    client would retry.
    """
    headroom = ADDRESS_SPACE.headroom
    cap = (
        f"the node's address-space cap (LEDGERGRAPH_MEMORY_LIMIT_MB: {_size(headroom)} above "
        "what its open graphs reserve)"
        if headroom
        else "the memory this process could get"
    )
    return QueryFailed(
        f"{what}: needs more memory than the node allows: it ran out of {cap} while it "
        "read or serialised the result; ask for fewer rows or shorter values"
    )


def _size(count: int) -> str:
    if count % _MIB == 0:
        return f"{count // _MIB:,} MiB"
    return f"{count:,} bytes"
