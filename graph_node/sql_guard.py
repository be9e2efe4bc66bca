"""Read-only staging SQL: one SELECT whose functions change nothing, checked before it runs.

A caller's SELECT runs in a READ ONLY transaction on a connection without file access, yet
DuckDB lets a SELECT act through functions: the table function ``checkpoint()`` folds the
write-ahead log into the file, ``force_checkpoint()`` aborts the node's own transactions,
``enable_logging()`` changes the database, ``query('...')`` runs any text as SQL, and the
scalar ``setval()`` or ``write_log()`` change state too. So DuckDB parses the statement
itself (``json_serialize_sql``) and every function the tree calls is checked: a table
function must be one of ``TABLE_FUNCTIONS``; a scalar function (or a macro calling one)
must not be one DuckDB marks as having side effects (but ``HARMLESS_FUNCTIONS``), nor one
of ``SETTING_FUNCTIONS``, which read the node's settings (``current_setting('temp_directory')``
names its file paths). The system catalog's views (``pg_catalog.pg_settings``,
``duckdb_databases``, ...) are table function calls under a table's name, so a view that
reads a table function not accepted (``duckdb_settings()`` names the node's file paths) is
refused like that function.

The parse tree is DuckDB's, not ours: any clause may add objects of a shape the check does
not expect (a sample's size is a typed value whose ``type`` is itself an object), so the
walk reads only what it looks for, and a tree it still cannot read is refused (400), never
an internal error a client would retry.

DuckDB 2.0.1 notices an interrupt (the query time limit) only once a statement is planned,
so a statement is also refused by its shape before it runs. Measured on a staging file: a
join of 200 tables plans for 17-20 s (100 tables 0.8-2.3 s, 50 at most 0.2 s), and so does
the same join written as nested subqueries or a chain of CTEs (the planner flattens them:
100 tables 1.4 s); 8,000 ``UNION ALL`` branches plan for 6.5 s; an ``IN`` list of a million
numbers (7.9 MB) parses for 11 s, before the check could even look at it, and plans for
13 s more. The branches of a UNION are planned apart, so the tables one join may read
(``MAX_JOINED_RELATIONS``) are counted per branch, besides all the statement reads
(``MAX_RELATIONS``).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import duckdb

from graph_node.errors import QueryRefused
from graph_node.log import logger

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
# Scalar functions without side effects that answer with the node's own configuration:
# ``temp_directory`` and ``allowed_directories`` are paths on the node, the reason
# ``pg_settings`` (over the table function ``duckdb_settings()``) is refused. DuckDB's shell
# has ``getenv``; this client has not, but a later one (or an extension) could.
SETTING_FUNCTIONS = frozenset({"current_setting", "getenv"})
# DuckDB's own limit is 1,000; a parse tree this deep still fits Python's JSON reader.
MAX_EXPRESSION_DEPTH = 250
MAX_SQL_CHARS = 100_000  # checked before DuckDB parses: long value lists go as parameters
# Tables, table functions and subqueries planned as one join (a UNION branch), and in all.
MAX_JOINED_RELATIONS = 32
MAX_RELATIONS = 256

# DuckDB's statement types that cover several statements, as a user writes them
_STATEMENT_NAMES = {"LOAD": "INSTALL or LOAD"}
# The first keyword of a statement, after blanks, comments and opening parentheses
_LEADING_KEYWORD = re.compile(
    r"(?:\s|--[^\n]*|/\*.*?\*/|\()*(FORCE\s+CHECKPOINT|[A-Z]+)\b", re.I | re.S
)
_side_effects: frozenset[str] | None = None
_reading_settings: frozenset[str] | None = None
_refused_views: frozenset[str] | None = None
_side_effects_lock = threading.Lock()


def check_select(cur: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The one SELECT statement of ``sql``, for ``cur.execute``.

    Sets the cursor's expression depth limit to ``MAX_EXPRESSION_DEPTH`` (it stays for the
    statement's run). Raises QueryRefused naming the statement type, the function that is
    not accepted, or the shape limit passed (characters, tables read).
    """
    statement = _one_select(cur, sql)
    cur.execute(f"SET max_expression_depth = {MAX_EXPRESSION_DEPTH}")
    tree = _parse_tree(cur, sql)
    try:
        _check_tree(cur, tree)
    except (TypeError, KeyError, AttributeError) as exc:  # a shape the walk does not know
        logger.warning("staging query tree not checked", extra={"error": repr(exc)})
        raise QueryRefused(
            "staging query refused: DuckDB's parse of it has a shape this check cannot read "
            f"({type(exc).__name__}); write the clause another way"
        ) from exc
    return statement


def _one_select(cur: duckdb.DuckDBPyConnection, sql: str) -> Any:
    """The one SELECT statement of ``sql``, or QueryRefused naming what it is instead."""
    if len(sql) > MAX_SQL_CHARS:
        raise QueryRefused(
            f"staging query refused: {len(sql):,} characters long, at most "
            f"{MAX_SQL_CHARS:,} are accepted (pass long lists of values as a parameter: "
            "list_contains(?, column))"
        )
    statements = cur.extract_statements(sql)
    if len(statements) != 1:
        raise QueryRefused(f"staging query must be one statement, got {len(statements)}")
    try:
        kind = statements[0].type
    except ValueError as exc:  # a type the Python client's enum lacks: UPDATE EXTENSIONS
        raise QueryRefused(
            "staging query must be a SELECT, got a statement type DuckDB's Python client "
            "does not name (UPDATE EXTENSIONS is one)"
        ) from exc
    if kind == duckdb.StatementType.MULTI and "PIVOT" in sql.upper():
        raise QueryRefused(
            "staging query refused: a PIVOT without an IN list for each ON column is not "
            "accepted (DuckDB runs it as several statements, creating a type first); "
            "name the values: PIVOT t ON col IN ('a', 'b') USING sum(x)"
        )
    if kind != duckdb.StatementType.SELECT:
        raise QueryRefused(f"staging query must be a SELECT, got {_statement_name(sql, kind)}")
    return statements[0]


def _statement_name(sql: str, kind: duckdb.StatementType) -> str:
    """The statement as its text names it: DuckDB gives some its own type of another name
    (ANALYZE is a VACUUM, CHECKPOINT a CALL, RESET and USE are SET, TRUNCATE a DELETE)."""
    named = _STATEMENT_NAMES.get(kind.name, kind.name)
    found = _LEADING_KEYWORD.match(sql)
    if found is None or kind.name == "LOAD":  # INSTALL and LOAD: one type, both named
        return named
    keyword = " ".join(found.group(1).upper().split())
    return named if keyword in ("WITH", named) else keyword


def _check_tree(cur: duckdb.DuckDBPyConnection, tree: Any) -> None:
    """Raise QueryRefused for the first shape limit passed or function not accepted."""
    _check_relations(tree)
    tables, scalars = functions_called(tree)
    if refused := sorted(tables - TABLE_FUNCTIONS):
        raise QueryRefused(
            f"staging query refused: table function {refused[0]}() is not one of "
            f"{', '.join(sorted(TABLE_FUNCTIONS))}"
        )
    if refused := sorted(scalars & side_effect_functions(cur)):
        raise QueryRefused(f"staging query refused: {refused[0]}() has side effects")
    if refused := sorted(scalars & setting_functions(cur)):
        raise QueryRefused(
            f"staging query refused: {refused[0]}() reads the node's settings or "
            "environment, which name its file paths"
        )
    if refused := sorted(_catalog_views_read(tree) & refused_catalog_views(cur)):
        raise QueryRefused(
            f"staging query refused: the system view {refused[0]} reads a table function "
            f"that is not one of {', '.join(sorted(TABLE_FUNCTIONS))}"
        )


def _catalog_views_read(tree: Any) -> set[str]:
    """Names of the tables a parse tree reads that could be the system catalog's views:
    unqualified, or qualified by the system catalog or one of its schemas."""
    names = set()
    for node in _nodes(tree):
        if _kind(node) == "BASE_TABLE":
            catalog = str(node.get("catalog_name") or "").lower()
            schema = str(node.get("schema_name") or "").lower()
            if catalog in ("", "system") and schema in _CATALOG_SCHEMAS:
                names.add(str(node.get("table_name", "")).lower())
    return names


_CATALOG_SCHEMAS = frozenset({"", "main", "pg_catalog", "information_schema"})


def refused_catalog_views(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The system catalog's views that read a table function not in ``TABLE_FUNCTIONS``,
    directly or through another such view (read once per process)."""
    global _refused_views
    with _side_effects_lock:
        if _refused_views is None:
            functions = {
                name for (name,) in cur.execute(
                    "SELECT DISTINCT lower(function_name) FROM duckdb_functions() "
                    "WHERE function_type = 'table'"
                ).fetchall()
            } - TABLE_FUNCTIONS  # fmt: skip
            rows = cur.execute(
                "SELECT lower(view_name), lower(coalesce(sql, '')) FROM duckdb_views() "
                "WHERE internal"
            ).fetchall()
            words = {name: set(re.findall(r"\w+", sql)) for name, sql in rows}
            found = {name for name, used in words.items() if used & functions}
            while grown := {name for name, used in words.items() if used & found} - found:
                found |= grown
            _refused_views = frozenset(found)
        return _refused_views


def functions_called(tree: Any) -> tuple[set[str], set[str]]:
    """Names of the table functions and of the other functions a parse tree calls."""
    tables: set[str] = set()
    others: set[str] = set()
    for node in _nodes(tree):
        if _kind(node) == "TABLE_FUNCTION":
            function = node.get("function")
            name = function.get("function_name") if isinstance(function, dict) else None
            tables.add(str(name or "?").lower())
        elif isinstance(node.get("function_name"), str):
            others.add(node["function_name"].lower())
    return tables, others


def _check_relations(tree: Any) -> None:
    """Raise QueryRefused when the statement reads more relations than DuckDB plans in
    time, in one join or in all."""
    joined, total = relations_joined(tree), relations_read(tree)
    one_join = "in one join (a UNION branch, its subqueries and CTEs)"
    for found, limit, where in (
        (joined, MAX_JOINED_RELATIONS, one_join),
        (total, MAX_RELATIONS, "in all"),
    ):
        if found > limit:
            raise QueryRefused(
                f"staging query refused: it reads {found:,} tables, table functions and "
                f"subqueries {where}, at most {limit} are accepted (DuckDB plans a "
                "statement before its time limit applies)"
            )


def relations_read(tree: Any) -> int:
    """How many tables, table functions and subqueries (in FROM or in an expression) a
    parse tree reads. A CTE counts where it is defined and again wherever it is read."""
    return sum(_kind(node) in _RELATIONS for node in _nodes(tree))


def relations_joined(tree: Any) -> int:
    """The most relations (as ``relations_read``) of any one join DuckDB's planner orders:
    subqueries and CTEs count into the join around them (the planner flattens them), the
    branches of a UNION, INTERSECT or EXCEPT each on their own (the largest counts)."""
    results: list[int] = []
    pending: list[tuple[Any, bool]] = [(tree, False)]
    while pending:  # post-order without recursion: children's counts come before a node's
        node, counted = pending.pop()
        parts, branches = _parts_of(node)
        if not counted:
            pending.append((node, True))
            pending.extend((branch, False) for branch in branches)
            pending.extend((part, False) for part in parts)  # popped, so counted, first
            continue
        mine = results[len(results) - len(parts) - len(branches) :]
        del results[len(results) - len(mine) :]
        own = isinstance(node, dict) and _kind(node) in _RELATIONS
        results.append(own + sum(mine[: len(parts)]) + max(mine[len(parts) :], default=0))
    return results[0]


def _parts_of(node: Any) -> tuple[list[Any], list[Any]]:
    """The values of a parse tree node that add up, and the branches of which the largest
    counts (a set operation's children)."""
    if isinstance(node, list):
        return node, []
    if not isinstance(node, dict):
        return [], []
    if _kind(node) == "SET_OPERATION_NODE":
        rest = [value for key, value in node.items() if key != "children"]
        return rest, list(node.get("children") or [])
    return list(node.values()), []


_RELATIONS = frozenset({"BASE_TABLE", "TABLE_FUNCTION", "SUBQUERY"})


def _kind(node: dict[str, Any]) -> str:
    """A parse tree node's ``type`` when it names a kind of node; "" for a node without
    one, or whose ``type`` is an object (a typed value, such as a sample's size)."""
    kind = node.get("type")
    return kind if isinstance(kind, str) else ""


def _nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object of a parse tree, without recursion (a deep tree must not exhaust
    Python's stack)."""
    pending = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            yield node
            pending.extend(node.values())


def side_effect_functions(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Functions DuckDB marks as having side effects, and the macros that call them (read
    once per process: every staging connection has the same functions)."""
    global _side_effects
    with _side_effects_lock:
        if _side_effects is None:
            rows = _function_rows(cur)
            found = {name for name, effects, _ in rows if effects} - HARMLESS_FUNCTIONS
            _side_effects = _with_macros_calling(found, rows)
        return _side_effects


def setting_functions(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """``SETTING_FUNCTIONS`` and the macros that call them (read once per process)."""
    global _reading_settings
    with _side_effects_lock:
        if _reading_settings is None:
            _reading_settings = _with_macros_calling(SETTING_FUNCTIONS, _function_rows(cur))
        return _reading_settings


def _function_rows(cur: duckdb.DuckDBPyConnection) -> list[tuple[str, bool, str]]:
    """Every function's lower-case name, side effects flag and macro body ("" if none)."""
    return cur.execute(
        "SELECT lower(function_name), has_side_effects, "
        "coalesce(lower(macro_definition), '') FROM duckdb_functions()"
    ).fetchall()


def _with_macros_calling(
    names: frozenset[str] | set[str], rows: list[tuple[str, bool, str]]
) -> frozenset[str]:
    """``names`` and every macro whose body calls one of them, directly or through another
    such macro (a word of the body, so a name in a string literal counts too)."""
    found = set(names)
    calls = {name: set(re.findall(r"\w+", body)) for name, _, body in rows if body}
    while grown := {name for name, words in calls.items() if words & found} - found:
        found |= grown
    return frozenset(found)


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
