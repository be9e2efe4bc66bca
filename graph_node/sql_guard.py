"""Read-only staging SQL: one SELECT whose functions change nothing, checked before it runs.

A caller's SELECT runs in a READ ONLY transaction on a connection without file access, yet
DuckDB lets a SELECT act through functions: the table function ``checkpoint()`` folds the
write-ahead log into the file, ``force_checkpoint()`` aborts the node's own transactions,
``enable_logging()`` changes the database, ``query('...')`` runs any text as SQL, and the
scalar ``setval()`` or ``write_log()`` change state too. So DuckDB parses the statement
itself (``json_serialize_sql``) and every function the tree calls is checked: a table
function must be one of ``TABLE_FUNCTIONS``; a scalar function (or a macro calling one)
must not be one DuckDB marks as having side effects (but ``HARMLESS_FUNCTIONS``).
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import duckdb

from graph_node.errors import QueryRefused

TABLE_FUNCTIONS = frozenset(
    {
        "range", "generate_series", "unnest", "json_each", "json_tree",
        "duckdb_tables", "duckdb_columns", "duckdb_views", "duckdb_constraints",
        "duckdb_indexes", "pragma_table_info",
    }
)  # fmt: skip
# Marked as having side effects only so that DuckDB never folds a call into a constant:
# each call gives a new random value, or raises an error.
HARMLESS_FUNCTIONS = frozenset(
    {"random", "uuid", "uuidv4", "uuidv7", "gen_random_uuid", "error"}
)  # fmt: skip
# DuckDB's own limit is 1,000; a parse tree this deep still fits Python's JSON reader.
MAX_EXPRESSION_DEPTH = 250

_side_effects: frozenset[str] | None = None
_side_effects_lock = threading.Lock()


def check_select(cur: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The one SELECT statement of ``sql``, for ``cur.execute``.

    Sets the cursor's expression depth limit to ``MAX_EXPRESSION_DEPTH`` (it stays for the
    statement's run). Raises QueryRefused naming the statement type or the function that
    is not accepted.
    """
    statements = cur.extract_statements(sql)
    if len(statements) != 1:
        raise QueryRefused(f"staging query must be one statement, got {len(statements)}")
    kind = statements[0].type
    if kind == duckdb.StatementType.MULTI and "PIVOT" in sql.upper():
        raise QueryRefused(
            "staging query refused: a PIVOT without an IN list for each ON column is not "
            "accepted (DuckDB runs it as several statements, creating a type first); "
            "name the values: PIVOT t ON col IN ('a', 'b') USING sum(x)"
        )
    if kind != duckdb.StatementType.SELECT:
        raise QueryRefused(f"staging query must be a SELECT, got {kind.name}")

    cur.execute(f"SET max_expression_depth = {MAX_EXPRESSION_DEPTH}")
    tables, scalars = functions_called(_parse_tree(cur, sql))
    if refused := sorted(tables - TABLE_FUNCTIONS):
        raise QueryRefused(
            f"staging query refused: table function {refused[0]}() is not one of "
            f"{', '.join(sorted(TABLE_FUNCTIONS))}"
        )
    if refused := sorted(scalars & side_effect_functions(cur)):
        raise QueryRefused(f"staging query refused: {refused[0]}() has side effects")
    return statements[0]


def functions_called(tree: Any) -> tuple[set[str], set[str]]:
    """Names of the table functions and of the other functions a parse tree calls."""
    tables: set[str] = set()
    others: set[str] = set()
    pending = [tree]
    while pending:  # not recursive: a deep tree must not exhaust Python's stack
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            if node.get("type") == "TABLE_FUNCTION":
                function = node.get("function") or {}
                tables.add(str(function.get("function_name", "?")).lower())
            elif isinstance(node.get("function_name"), str):
                others.add(node["function_name"].lower())
            pending.extend(node.values())
    return tables, others


def side_effect_functions(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Functions DuckDB marks as having side effects, and the macros that call them (read
    once per process: every staging connection has the same functions)."""
    global _side_effects
    with _side_effects_lock:
        if _side_effects is None:
            rows = cur.execute(
                "SELECT lower(function_name), has_side_effects, "
                "coalesce(lower(macro_definition), '') FROM duckdb_functions()"
            ).fetchall()
            found = {name for name, effects, _ in rows if effects} - HARMLESS_FUNCTIONS
            calls = {name: set(re.findall(r"\w+", body)) for name, _, body in rows if body}
            while grown := {name for name, words in calls.items() if words & found} - found:
                found |= grown
            _side_effects = frozenset(found)
        return _side_effects


def _parse_tree(cur: duckdb.DuckDBPyConnection, sql: str) -> Any:
    text = cur.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0]
    try:
        tree = json.loads(text)
    except RecursionError as exc:
        raise QueryRefused("staging query refused: nested too deeply to check") from exc
    if tree.get("error"):
        message = str(tree.get("error_message"))
        if "expression depth" in message:  # DuckDB's own advice (SET ...) would be refused
            message = f"expressions nest more than {MAX_EXPRESSION_DEPTH} deep"
        raise QueryRefused(f"staging query refused: {message}")
    return tree["statements"]
