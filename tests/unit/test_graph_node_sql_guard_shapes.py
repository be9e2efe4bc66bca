"""Every statement shape DuckDB's parser accepts as a read-only SELECT is either answered or
refused with a 400 by the staging SQL endpoint, never a 500: a client takes a 5xx for a
passing fault and retries it. The guard walks DuckDB's own parse tree, and each clause
below adds objects of its own shape to it (a sample's size is a typed value whose ``type``
is an object, which once crashed the walk with ``TypeError: unhashable type: 'dict'``).

Functions that read the node's own settings are refused like ``pg_settings``:
``current_setting('temp_directory')`` answered the node's file paths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing

from graph_node import sql_guard
from graph_node.errors import QueryRefused
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings

KEY = "test-key-not-a-secret"
QUERY = "/databases/sec/tables/query"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sql-shapes")


@pytest.fixture(scope="module")
def service(home: Path) -> Iterator[GraphService]:
    """Boeing's three facts staged: Revenues f-42 (77,794 M) and f-43 (66,608 M), net
    income f-90 (-2,222 M), all with decimals -6."""
    node = GraphService(NodeSettings(home=home, api_key=KEY, events="none"))
    load_case_filing(node, home / "store", BOEING_10K, boeing_facts())
    yield node
    node.close()


@pytest.fixture(scope="module")
def client(service: GraphService) -> TestClient:
    return TestClient(create_app(service))


def post_sql(client: TestClient, sql: str) -> tuple[int, dict[str, Any]]:
    answer = client.post(QUERY, json={"sql": sql}, headers={"X-Api-Key": KEY})
    return answer.status_code, answer.json()


def test_the_testers_samples_answer_with_rows_of_the_range(client: TestClient) -> None:
    """The three statements that answered 500 InternalError: a sample only reads."""
    one = post_sql(client, "SELECT * FROM range(10) USING SAMPLE 1")
    tenth = post_sql(client, "SELECT * FROM range(10) USING SAMPLE 10%")
    two = post_sql(client, "SELECT * FROM range(10) TABLESAMPLE 2 ROWS")

    assert (one[0], tenth[0], two[0]) == (200, 200, 200)
    assert len(one[1]["rows"]) == 1 and one[1]["rows"][0][0] in range(10)
    # system sampling keeps or drops a whole vector: none of the 10 rows, or all of them
    assert sorted(tenth[1]["rows"]) in ([], [[n] for n in range(10)])
    assert len({row[0] for row in two[1]["rows"]}) == 2
    assert {row[0] for row in two[1]["rows"]} <= set(range(10))


ANSWERED = [
    # sampling, at the FROM clause and at the table
    ('SELECT count(*) FROM (SELECT * FROM "Fact" USING SAMPLE 100%)', [[3]]),
    ('SELECT count(*) FROM (SELECT * FROM "Fact" TABLESAMPLE 2 ROWS)', [[2]]),
    ('SELECT count(*) FROM (SELECT * FROM "Fact" USING SAMPLE reservoir(1 ROWS) '
     "REPEATABLE (7))", [[1]]),
    ("SELECT count(*) FROM range(10) USING SAMPLE 100 PERCENT (bernoulli, 42)", [[10]]),
    ("WITH s AS (SELECT * FROM range(10) USING SAMPLE 3) SELECT count(*) FROM s", [[3]]),
    ("SELECT count(*) FROM range(10) USING SAMPLE 1 UNION ALL "
     "SELECT count(*) FROM range(3) TABLESAMPLE 1 ROWS", [[1], [1]]),
    # windows: QUALIFY, frames, named windows, FILTER
    ('SELECT fact_xml_id FROM "Fact" '
     "QUALIFY row_number() OVER (ORDER BY value_decimal DESC) = 1", [["f-42"]]),
    ('SELECT fact_xml_id, sum(value_decimal) OVER (ORDER BY fact_xml_id '
     'ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM "Fact" ORDER BY fact_xml_id',
     [["f-42", "77794000000"], ["f-43", "144402000000"], ["f-90", "64386000000"]]),
    ('SELECT sum(value_decimal) OVER w FROM "Fact" WINDOW w AS (ORDER BY fact_xml_id '
     "RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW EXCLUDE TIES) ORDER BY 1",
     [["77794000000"], ["142180000000"], ["144402000000"]]),
    ('SELECT count(*) FILTER (WHERE value_decimal > 0) FROM "Fact"', [[2]]),
    # lambdas, list comprehensions, struct, list and map literals
    ("SELECT list_filter([1, 2, 3], lambda x: x > 1)", [[[2, 3]]]),
    ("SELECT list_reduce([1, 2, 3], lambda a, b: a + b)", [[6]]),
    ("SELECT [x * 2 FOR x IN [1, 2, 3] IF x > 1]", [[[4, 6]]]),
    ("SELECT {'type': 'BASE_TABLE', 'table_name': 'pg_settings'}",
     [[{"type": "BASE_TABLE", "table_name": "pg_settings"}]]),
    ("SELECT [10, 20][2], 'abc'[1:2], MAP {'k': 1}, (1, 2), struct_pack(a := 1)",
     [[20, "ab", {"k": 1}, [1, 2], {"a": 1}]]),
    # CTEs: recursive, USING KEY, materialized
    ("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 5) "
     "SELECT sum(n) FROM t", [[15]]),
    ("WITH RECURSIVE t(n) USING KEY (n) AS (SELECT 1 UNION SELECT n + 1 FROM t WHERE n < 5) "
     "SELECT count(*) FROM t", [[5]]),
    ('WITH f AS MATERIALIZED (SELECT * FROM "Fact") SELECT count(*) FROM f', [[3]]),
    # joins
    ("SELECT count(*) FROM range(3) a ASOF JOIN range(3) b ON a.range >= b.range", [[3]]),
    ("SELECT * FROM range(2) a POSITIONAL JOIN range(2) b ORDER BY 1", [[0, 0], [1, 1]]),
    ("SELECT * FROM range(3) a SEMI JOIN range(2) b ON a.range = b.range ORDER BY 1",
     [[0], [1]]),
    ("SELECT * FROM range(3) a ANTI JOIN range(2) b ON a.range = b.range", [[2]]),
    ("SELECT * FROM range(2) a, LATERAL (SELECT a.range + 1) b ORDER BY 1", [[0, 1], [1, 2]]),
    # grouping
    ('SELECT concept, count(*) FROM "Fact" GROUP BY ALL ORDER BY ALL',
     [["us-gaap:NetIncomeLoss", 1], ["us-gaap:Revenues", 2]]),
    ('SELECT concept, count(*) FROM "Fact" GROUP BY ROLLUP (concept) ORDER BY ALL NULLS FIRST',
     [[None, 3], ["us-gaap:NetIncomeLoss", 1], ["us-gaap:Revenues", 2]]),
    ('SELECT decimals, count(*) FROM "Fact" GROUP BY GROUPING SETS ((decimals), ()) '
     "ORDER BY ALL NULLS FIRST", [[None, 3], ["-6", 3]]),
    ('SELECT DISTINCT ON (concept) concept FROM "Fact" ORDER BY concept',
     [["us-gaap:NetIncomeLoss"], ["us-gaap:Revenues"]]),
    # VALUES and set operations
    ("VALUES (1, 'a'), (2, 'b')", [[1, "a"], [2, "b"]]),
    ("SELECT concept FROM \"Fact\" EXCEPT SELECT 'us-gaap:Revenues'",
     [["us-gaap:NetIncomeLoss"]]),
    ("SELECT concept FROM \"Fact\" INTERSECT ALL SELECT 'us-gaap:Revenues'",
     [["us-gaap:Revenues"]]),
    ("SELECT 1 AS a UNION ALL BY NAME SELECT 2 AS b", [[1, None], [None, 2]]),
    # DESCRIBE, SHOW, SUMMARIZE, PIVOT with its values, UNPIVOT
    ('DESCRIBE SELECT fact_xml_id FROM "Fact"',
     [["fact_xml_id", "VARCHAR", "YES", None, None, None]]),
    ("SELECT * FROM (SHOW TABLES) WHERE name = 'Fact'", [["Fact"]]),
    ("SELECT column_name, count FROM (SUMMARIZE \"Fact\") WHERE column_name = 'concept'",
     [["concept", 3]]),
    ('SELECT * FROM (SELECT concept FROM "Fact") '
     "PIVOT (count(*) FOR concept IN ('us-gaap:Revenues'))", [[2]]),
    ("UNPIVOT (SELECT 1 a, 2 b) ON a, b INTO NAME k VALUE v", [["a", 1], ["b", 2]]),
    ("SELECT * FROM (SELECT 1 a, 2 b) UNPIVOT (v FOR k IN (a, b))", [["a", 1], ["b", 2]]),
    # star expressions, subquery comparisons, FROM-first, percent limits, ordinality
    ('SELECT min(COLUMNS(\'value_decimal|decimals\')) FROM "Fact"', [["-2222000000", "-6"]]),
    ('SELECT * EXCLUDE (value_decimal) RENAME (concept AS c) FROM "Fact" LIMIT 0', []),
    ('SELECT count(*) FROM "Fact" WHERE value_decimal > ALL (SELECT 0) '
     "AND concept = ANY (SELECT 'us-gaap:Revenues')", [[2]]),
    ("SELECT ARRAY(SELECT * FROM range(3))", [[[0, 1, 2]]]),
    ('FROM "Fact" SELECT count(*)', [[3]]),
    ("SELECT * FROM range(10) LIMIT 20%", [[0], [1]]),
    ("SELECT * FROM unnest(['a', 'b']) WITH ORDINALITY", [["a", 1], ["b", 2]]),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "rows"), ANSWERED)
def test_read_only_statement_shapes_answer(client: TestClient, sql: str, rows: list) -> None:
    status, body = post_sql(client, sql)

    assert status == 200, body
    assert body["rows"] == rows


REFUSED = [
    # statements DuckDB parses but that are not one SELECT
    ("EXPLAIN SELECT 1", "must be a SELECT, got EXPLAIN"),
    ("UPDATE EXTENSIONS", "must be a SELECT, got a statement type DuckDB's Python client"),
    ("CALL pragma_version()", "must be a SELECT, got CALL"),
    # ... named as written where DuckDB's type has another name (VACUUM, CALL, SET, INSERT)
    ("ANALYZE", "must be a SELECT, got ANALYZE"),
    ('/* statistics */ analyze "Fact"', "must be a SELECT, got ANALYZE"),
    ("FORCE CHECKPOINT", "must be a SELECT, got FORCE CHECKPOINT"),
    ("RESET threads", "must be a SELECT, got RESET"),
    ('WITH f AS (SELECT 1) INSERT INTO "Unit" SELECT * FROM f', "must be a SELECT, got INSERT"),
    ('PIVOT "Fact" ON concept USING count(*)', "a PIVOT without an IN list"),
    # the node's settings name its paths: current_setting however it is called ...
    ("SELECT current_setting('temp_directory')", "current_setting() reads the node's settings"),
    ("SELECT current_setting('allowed_directories')", "current_setting() reads the node's"),
    ("SELECT system.main.CURRENT_SETTING('temp_directory')", "current_setting() reads"),
    ("SELECT 'temp_directory'.current_setting()", "current_setting() reads"),
    ("SELECT * FROM (SUMMARIZE SELECT current_setting('temp_directory'))",
     "current_setting() reads"),
    ("SELECT getenv('HOME')", "getenv() reads the node's settings or environment"),
    # ... and the table functions and views over them
    ("SELECT * FROM duckdb_settings()", "table function duckdb_settings() is not one of"),
    ("SELECT * FROM duckdb_extensions()", "table function duckdb_extensions()"),
    ("SELECT * FROM duckdb_secrets()", "table function duckdb_secrets()"),
    ("SELECT * FROM which_secret('s3://bucket/x', 's3')", "table function which_secret()"),
    ("SELECT path FROM duckdb_databases()", "table function duckdb_databases()"),
    ("SELECT * FROM duckdb_temporary_files()", "table function duckdb_temporary_files()"),
    ("SELECT * FROM duckdb_memory()", "table function duckdb_memory()"),
    ("SELECT * FROM duckdb_variables()", "table function duckdb_variables()"),
    ("SELECT * FROM pragma_database_size()", "table function pragma_database_size()"),
    ("SELECT * FROM pragma_storage_info('Fact')", "table function pragma_storage_info()"),
    ("SELECT * FROM pragma_metadata_info()", "table function pragma_metadata_info()"),
    ("SELECT * FROM pragma_user_agent()", "table function pragma_user_agent()"),
    ("SELECT * FROM pragma_platform()", "table function pragma_platform()"),
    ("SELECT * FROM pragma_extension_versions()", "table function pragma_extension_versions()"),
    ("SUMMARIZE pg_settings", "the system view pg_settings reads a table function"),
    ("SELECT * FROM (SUMMARIZE duckdb_databases)", "the system view duckdb_databases"),
    ("SELECT * FROM pragma_database_list", "the system view pragma_database_list"),
    ("SELECT * FROM duckdb_logs", "the system view duckdb_logs"),
]  # fmt: skip


@pytest.mark.parametrize(("sql", "refused"), REFUSED)
def test_statements_that_are_not_read_only_selects_are_refused_naming_why(
    client: TestClient, sql: str, refused: str
) -> None:
    status, body = post_sql(client, sql)

    assert status == 400, body
    assert body["error"]["type"] == "QueryRefused"
    assert refused in body["error"]["message"]


def test_a_parse_tree_the_walk_cannot_read_is_refused_not_an_internal_error(
    service: GraphService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should DuckDB add a clause the walk misreads, the query is refused (400), as the
    samples would have been before the walk learnt to read them."""

    def misread(tree: Any) -> int:
        raise TypeError("unhashable type: 'dict'")

    monkeypatch.setattr(sql_guard, "relations_joined", misread)

    with pytest.raises(QueryRefused) as refused:
        service.query_staging("sec", "SELECT * FROM range(10) USING SAMPLE 1")

    assert str(refused.value) == (
        "staging query refused: DuckDB's parse of it has a shape this check cannot read "
        "(TypeError); write the clause another way"
    )
