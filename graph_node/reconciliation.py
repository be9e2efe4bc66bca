"""Count reconciliation around the by-key deletes and merges of ``GraphStore.apply``.

Each statement must change its table's count by exactly the rows it was meant to: a
delete by the keys of its rows the graph holds (at most one row a key), a merge by the
keys it did not hold; a SET changes no count. A statement that does otherwise is rolled
back with the whole transaction. After the commit the log is folded into the file and
every table counted again: real_ladybug 0.15.3 has been seen to pass every check inside
the transaction and after COMMIT, then lose relationship rows of other units in that
CHECKPOINT (a SEC filing deleted after a QuickBooks run was; issue #6). Such a write has
already changed the file, so it fails with ``WriteMiscounted`` and the graph needs a
rebuild from staging.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import real_ladybug as lb

from graph_node import cypher_build as cb
from graph_node.errors import GraphInconsistent, WriteMiscounted
from ledgergraph.graph_schema import Table


@dataclass(frozen=True)
class Step:
    """One statement of a write: ``kind`` is delete, merge or update."""

    table: Table
    kind: str
    statement: str
    rows: pa.Table  # k0.. (and v0..) as the statement reads them


def run_reconciled(conn: lb.Connection, steps: list[Step]) -> dict[str, int]:
    """Run ``steps`` in the open transaction, each checked against its table's count.

    Returns:
        The count each touched table must have once the transaction commits.

    Raises:
        GraphInconsistent: a statement matched or changed other than its rows (the
            transaction is rolled back first), naming table, expected and actual.
    """
    expected: dict[str, int] = {}
    for step in steps:
        name = step.table.name
        if name not in expected:
            expected[name] = _count(conn, step.table)
        if step.kind == "update":
            conn.execute(step.statement, {cb.ROWS: step.rows})
            _check_in_transaction(conn, step, expected[name], "update")
            continue
        held = int(conn.execute(cb.count_by_key(step.table), {cb.ROWS: step.rows}).get_next()[0])
        if held > step.rows.num_rows:  # a key that matches several rows: a MATCH gone wide
            conn.execute("ROLLBACK")
            raise GraphInconsistent(
                f"{name}: {held} rows match the {step.rows.num_rows} keys to {step.kind}; "
                "nothing was changed"
            )
        change = -held if step.kind == "delete" else step.rows.num_rows - held
        conn.execute(step.statement, {cb.ROWS: step.rows})
        expected[name] += change
        _check_in_transaction(conn, step, expected[name], f"{step.kind} ({change:+d})")
    return expected


def check_committed(conn: lb.Connection, tables: list[Table], expected: dict[str, int]) -> None:
    """Fail unless each of ``tables`` holds the count ``expected`` says, after the commit.

    Raises:
        WriteMiscounted: some table does not; the engine has committed the write.
    """
    found = {t.name: _count(conn, t) for t in tables}
    wrong = [f"{n} expected {expected[n]}, found {c}" for n, c in found.items() if c != expected[n]]
    if wrong:
        raise WriteMiscounted(
            "the graph file lost or gained rows in a committed write: "
            f"{'; '.join(wrong)}; rebuild the graph from staging (`ledgergraph rebuild`, "
            "or POST /databases/{graph_id}/rebuild on a node)"
        )


def _check_in_transaction(conn: lb.Connection, step: Step, expected: int, what: str) -> None:
    found = _count(conn, step.table)
    if found != expected:
        conn.execute("ROLLBACK")
        raise GraphInconsistent(
            f"{step.table.name}: expected {expected} rows after the {what} of "
            f"{step.rows.num_rows} keys, found {found}; nothing was changed"
        )


def _count(conn: lb.Connection, table: Table) -> int:
    return int(conn.execute(cb.count_all(table)).get_next()[0])
