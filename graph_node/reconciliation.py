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

Counts do not see values. The same engine version changed property values of surviving
relationships in a checkpoint after a delete (a property on ``ELEMENT_IN_TAXONOMY``;
graph schema 6 moved it), so the relationship tables with properties a write touches are
read before it, and after the checkpoint each must hold exactly those rows with the
write's changes applied (``check_values``); a difference is ``WriteMiscounted`` too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import real_ladybug as lb

from graph_node import cypher_build as cb
from graph_node.errors import GraphInconsistent, WriteMiscounted
from ledgergraph.graph_schema import RelTable, Table, all_columns
from ledgergraph.messages import pluralize

_MAX_NAMED = 5
_REBUILD = (
    "rebuild the graph from staging (`ledgergraph rebuild`, "
    "or POST /databases/{graph_id}/rebuild on a node)"
)


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
            f"{'; '.join(wrong)}; {_REBUILD}"
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


def valued_tables(steps: Sequence[Step]) -> list[RelTable]:
    """The relationship tables with properties that ``steps`` write, in order."""
    seen: dict[str, RelTable] = {}
    for step in steps:
        if isinstance(step.table, RelTable) and cb.value_columns(step.table):
            seen.setdefault(step.table.name, step.table)
    return list(seen.values())


def read_values(conn: lb.Connection, table: RelTable) -> pa.Table:
    """Every row of ``table`` as k0.. (key) and v0.. (other columns), as steps hold them."""
    rows = conn.execute(cb.dump(table)).get_as_arrow()
    rows = rows.rename_columns([c.name for c in all_columns(table)])
    return cb.keyed_rows(table, rows)


def check_values(conn: lb.Connection, before: dict[str, pa.Table], steps: Sequence[Step]) -> None:
    """Fail unless each table in ``before`` holds its rows there with ``steps`` applied.

    Raises:
        WriteMiscounted: a table's rows differ (named with some keys); the engine has
            committed the write.
    """
    wrong = []
    for table in valued_tables(steps):
        after = read_values(conn, table)
        mine = [step for step in steps if step.table is table]
        count, keys = _differences(table, before[table.name], mine, after)
        if count:
            wrong.append(
                f"{table.name}: {pluralize(count, 'key')} with other rows, including {keys}"
            )
    if wrong:
        raise WriteMiscounted(
            "the graph file changed relationship values a committed write did not write: "
            f"{'; '.join(wrong)}; {_REBUILD}"
        )


def _differences(
    table: RelTable, before: pa.Table, steps: Sequence[Step], after: pa.Table
) -> tuple[int, str]:
    """How many keys hold other rows ``after`` than ``before`` with ``steps`` applied
    (NULLs compared as equal), and the first few of them.

    Applied in order: a delete removes its keys' rows, a merge puts its rows in their keys'
    place, an update those of its rows whose keys are there (a SET matches nothing else).
    In DuckDB, which compares list columns (Arrow's joins do not take them).
    """
    keys = [f"k{i}" for i in range(len(table.key))]
    listed = ", ".join(keys)
    same_key = " AND ".join(f"s.{k} = x.{k}" for k in keys)
    columns = ", ".join(before.column_names)
    with duckdb.connect() as db:
        db.register("before_write", before)
        db.execute("CREATE TEMP TABLE expected AS SELECT * FROM before_write")
        for step in steps:
            db.register("step", step.rows)
            if step.kind == "update":
                db.execute(
                    f"CREATE OR REPLACE TEMP TABLE written AS SELECT {columns} FROM step s "
                    f"WHERE EXISTS (SELECT 1 FROM expected x WHERE {same_key})"
                )
            else:
                db.execute(f"CREATE OR REPLACE TEMP TABLE written AS SELECT {listed} FROM step")
            db.execute(
                f"DELETE FROM expected x WHERE EXISTS (SELECT 1 FROM written s WHERE {same_key})"
            )
            if step.kind == "merge":
                db.execute(f"INSERT INTO expected SELECT {columns} FROM step")
            elif step.kind == "update":
                db.execute("INSERT INTO expected SELECT * FROM written")
            db.unregister("step")
        db.register("found", after)
        db.execute(
            "CREATE TEMP TABLE differing AS "
            f"(SELECT {columns} FROM expected EXCEPT ALL SELECT {columns} FROM found) "
            f"UNION ALL (SELECT {columns} FROM found EXCEPT ALL SELECT {columns} FROM expected)"
        )
        count = db.execute(f"SELECT count(DISTINCT ({listed})) FROM differing").fetchone()[0]
        first = db.execute(
            f"SELECT DISTINCT {listed} FROM differing ORDER BY {listed} LIMIT {_MAX_NAMED}"
        ).fetchall()
    return count, "; ".join(", ".join(map(str, row)) for row in first)
