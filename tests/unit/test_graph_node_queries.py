"""Read-only queries: one SELECT on staging, read-only Cypher on the graph, JSON results."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_graph_node_cases import (
    BOEING_10K,
    boeing_facts,
    file_entry,
    filing_files,
    load_case_filing,
)

from graph_node.cypher_guard import check_read_only
from graph_node.errors import (
    InvalidRequest,
    QueryFailed,
    QueryRefused,
    QueryTimeout,
    ReadOnlyNode,
)
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import SCHEMA_VERSION


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A graph holding Boeing's three facts, their elements, periods and unit."""
    home = tmp_path_factory.mktemp("home")
    node = GraphService(NodeSettings(home=home))
    files = filing_files(home / "store", BOEING_10K, boeing_facts())
    entries = [file_entry(path, table, BOEING_10K) for table, path in files.items()]
    ids = {f["table"]: f["file_id"] for f in node.register_files("sec", entries)["files"]}
    node.stage_files("sec", list(ids.values()))
    for table, file_id in ids.items():
        node.materialize("sec", table, [file_id])
    node.close()
    return home


@pytest.fixture(scope="module")
def service(home: Path) -> Iterator[GraphService]:
    """A replica over the graph: the queries a published snapshot serves."""
    node = GraphService(NodeSettings(home=home, max_result_rows=2), read_only=True)
    yield node
    node.close()


@pytest.mark.parametrize(
    "sql",
    [
        'DELETE FROM "Fact"',
        "CREATE TABLE x AS SELECT 1",
        "SELECT 1; SELECT 2",
        "COPY file_registry TO 'out.csv'",
        "ATTACH 'other.duckdb'",
        "PRAGMA version",
        "SET threads = 1",
    ],
)
def test_staging_queries_refuse_anything_but_one_select(service: GraphService, sql: str) -> None:
    with pytest.raises(QueryRefused):
        service.query_staging("sec", sql)


def test_an_install_is_refused_as_what_the_user_wrote(service: GraphService) -> None:
    with pytest.raises(QueryRefused, match="must be a SELECT, got INSTALL or LOAD$"):
        service.query_staging("sec", "INSTALL httpfs")


def test_staging_queries_cannot_read_files(service: GraphService, home: Path) -> None:
    with pytest.raises(QueryRefused, match=r"table function read_text\(\) is not one of"):
        service.query_staging("sec", "SELECT * FROM read_text(?)", [str(home / "x")])
    with pytest.raises(QueryRefused, match="disabled by configuration"):
        service.query_staging("sec", f"SELECT * FROM '{home / 'x.csv'}'")


@pytest.mark.parametrize(
    ("sql", "refused"),
    [
        ("SELECT * FROM checkpoint()", "table function checkpoint()"),
        ("FROM force_checkpoint()", "table function force_checkpoint()"),
        ("SELECT * FROM enable_logging()", "table function enable_logging()"),
        ("SELECT * FROM query('SELECT 1')", "table function query()"),
        ("WITH t AS (SELECT * FROM main.checkpoint()) SELECT * FROM t", "checkpoint()"),
        ("SELECT 1 WHERE 1 IN (SELECT 1 FROM (SELECT 1), LATERAL force_checkpoint())",
         "table function force_checkpoint()"),
        ("SELECT * FROM histogram_values('Fact', 'decimals')", "histogram_values() is not"),
        ("DESCRIBE SELECT * FROM checkpoint()", "table function checkpoint()"),
        ("SELECT nextval('s')", "nextval() has side effects"),
        ("SELECT setseed(0.5)", "setseed() has side effects"),
        ("SELECT write_log('x')", "write_log() has side effects"),
        ("SELECT pg_sleep(1)", "pg_sleep() has side effects"),  # a macro over sleep_ms
        ("SELECT list_transform([1], x -> nextval('s'))", "nextval() has side effects"),
        ("SELECT " + "+".join(["1"] * 300), "expressions nest more than 250 deep"),
        # system views over table functions not accepted: duckdb_settings() and
        # duckdb_databases() name the node's file paths
        ("SELECT value FROM pg_catalog.pg_settings WHERE name = 'allowed_paths'",
         "the system view pg_settings reads a table function"),
        ("SELECT * FROM pg_settings", "the system view pg_settings"),
        ("SELECT path FROM duckdb_databases", "the system view duckdb_databases"),
        ("SELECT * FROM system.main.pragma_database_list", "the system view pragma_database"),
        ('SELECT * FROM "Fact", (SELECT * FROM "PG_SETTINGS")', "the system view pg_settings"),
    ],
)  # fmt: skip
def test_staging_queries_refuse_functions_that_change_something(
    service: GraphService, sql: str, refused: str
) -> None:
    with pytest.raises(QueryRefused, match=re.escape(refused)):
        service.query_staging("sec", sql)


def test_a_refused_checkpoint_leaves_the_write_ahead_log_alone(tmp_path: Path) -> None:
    node = GraphService(NodeSettings(home=tmp_path))
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    wal = tmp_path / "graphs" / "sec" / "staging.duckdb.wal"
    logged = wal.stat().st_size
    try:
        for sql in ("SELECT * FROM checkpoint()", "SELECT * FROM force_checkpoint()"):
            with pytest.raises(QueryRefused, match=r"checkpoint\(\) is not one of duckdb_"):
                node.query_staging("sec", sql)
        facts = node.query_staging("sec", 'SELECT count(*) FROM "Fact"')
        after = wal.stat().st_size  # closing checkpoints
    finally:
        node.close()

    assert logged > 0 and after == logged
    assert facts["rows"] == [[3]]


@pytest.mark.parametrize(
    ("sql", "rows"),
    [
        ('SELECT concept, count(*) FROM "Fact" GROUP BY concept ORDER BY concept',
         [["us-gaap:NetIncomeLoss", 1], ["us-gaap:Revenues", 2]]),
        ('WITH big AS (SELECT value_decimal FROM "Fact" WHERE value_decimal > 0) '
         "SELECT count(*), sum(value_decimal) FROM big", [[2, "144402000000"]]),
        ("SELECT sum(x) FROM unnest([1, 2, 3]) AS t(x)", [[6]]),
        ("SELECT count(*) FROM range(10)", [[10]]),
        ('DESCRIBE SELECT concept FROM "Fact"', [["concept", "VARCHAR", "NO", None, None, None]]),
        ("SELECT sum(generate_series) FROM generate_series(1, 4)", [[10]]),
        ("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'Fact'", [[1]]),
        # system views over accepted table functions still answer
        ("SELECT count(*) FROM information_schema.tables WHERE table_name = 'Fact'", [[1]]),
        ("SELECT count(*) FROM pg_catalog.pg_tables WHERE tablename = 'Fact'", [[1]]),
        ('SELECT count(*) FROM (SELECT * FROM "Fact" ORDER BY random())', [[3]]),
        ('SELECT json_group_object(concept, value_text) FROM "Fact" '
         "WHERE concept LIKE '%Net%'",
         [['{"us-gaap:NetIncomeLoss":"-2222000000"}']]),
        ("PIVOT (SELECT concept FROM \"Fact\") ON concept "
         "IN ('us-gaap:Revenues', 'us-gaap:NetIncomeLoss') USING count(*)", [[2, 1]]),
    ],
)  # fmt: skip
def test_staging_selects_over_tables_ctes_and_series_still_run(
    service: GraphService, sql: str, rows: list
) -> None:
    assert service.query_staging("sec", sql)["rows"] == rows


def test_a_pivot_without_values_is_refused_saying_how_to_write_it(
    service: GraphService,
) -> None:
    how = r"a PIVOT without an IN list .* ON col IN \('a', 'b'\)"
    with pytest.raises(QueryRefused, match=how):
        service.query_staging("sec", 'PIVOT "Fact" ON concept USING count(*)')


def test_staging_query_results_are_json_values_cut_at_the_row_limit(
    service: GraphService,
) -> None:
    result = service.query_staging(
        "sec",
        'SELECT value_decimal, concept FROM "Fact" WHERE decimals = ? ORDER BY value_decimal',
        ["-6"],
    )

    assert result == {
        "columns": ["value_decimal", "concept"],
        "rows": [["-2222000000", "us-gaap:NetIncomeLoss"], ["66608000000", "us-gaap:Revenues"]],
        "truncated": True,
    }


@pytest.mark.parametrize(
    "cypher",
    [
        "CREATE (e:Entity {id: 'x', cik: 1})",
        "MATCH (f:Fact) DETACH DELETE f",
        "MATCH (f:Fact) SET f.decimals = '0' RETURN f",
        "merge (u:Unit {id: 'x'})",
        "COPY Fact FROM 'facts.parquet'",
        "LOAD FROM 'facts.csv' RETURN *",
        "DROP TABLE Fact",
        "CALL threads=1",
        "MATCH (f:Fact) RETURN f; MATCH (e:Element) RETURN e",
        "RETURN 1 /* unterminated",
    ],
)
def test_cypher_that_could_write_is_refused(service: GraphService, cypher: str) -> None:
    with pytest.raises(QueryRefused):
        service.query_cypher("sec", cypher)


@pytest.mark.parametrize(
    "cypher",
    [
        "MATCH (f:Fact) WHERE f.concept <> 'CREATE (x)' RETURN count(f)",
        "MATCH (f:Fact) // DELETE in a comment\nRETURN count(f)",
        "MATCH (f:Fact) WHERE f.value_text <> $set RETURN count(f);",
        "CALL show_tables() RETURN name",
    ],
)
def test_keywords_in_strings_comments_and_parameters_are_not_clauses(cypher: str) -> None:
    check_read_only(cypher)


@pytest.mark.parametrize(
    ("cypher", "parameters", "missing"),
    [
        ("MATCH (r:Report) WHERE r.id = $report RETURN r.id", None, "$report"),
        ("MATCH (f:Fact) WHERE f.concept = $c AND f.fact_xml_id = $x RETURN f", {"x": 1}, "$c"),
        ("RETURN $b AS b, $a AS a", {}, "$a, $b"),
    ],
)
def test_a_parameter_without_a_value_is_refused_by_name(
    service: GraphService, cypher: str, parameters: dict | None, missing: str
) -> None:
    # without this check the engine binds the parameter as NULL and answers for every row
    with pytest.raises(QueryRefused, match=rf"uses {re.escape(missing)} but the request"):
        service.query_cypher("sec", cypher, parameters)


def test_dollars_in_strings_and_comments_are_not_parameters(service: GraphService) -> None:
    result = service.query_cypher(
        "sec",
        "MATCH (f:Fact) WHERE f.fact_xml_id <> '$none' /* $nor */ RETURN count(f) // $this",
    )

    assert result["rows"] == [[3]]


def test_cypher_results_turn_decimals_and_dates_into_strings(service: GraphService) -> None:
    result = service.query_cypher(
        "sec",
        "MATCH (f:Fact)-[:FACT_HAS_PERIOD]->(p:Period) WHERE f.fact_xml_id = $xml_id "
        "RETURN f.value_decimal AS value, p.start_date AS start, p.end_date AS end_date, "
        "f.is_numeric AS numeric",
        {"xml_id": "f-42"},
    )

    assert result == {
        "columns": ["value", "start", "end_date", "numeric"],
        "rows": [["77794000000", "2023-01-01", "2023-12-31", True]],
        "truncated": False,
    }


@pytest.mark.parametrize(
    ("parameters", "where", "number"),
    [
        ({"n": 123456789012345678901234567890}, "$n", "123456789012345678901234567890"),
        ({"n": 2**63}, "$n", "9223372036854775808"),
        ({"n": [1, -(2**63) - 1]}, "$n[1]", "-9223372036854775809"),
        ({"n": {"total": 10**20}}, "$n.total", "100000000000000000000"),
    ],
)
def test_an_integer_wider_than_int64_is_refused_naming_the_parameter(
    service: GraphService, parameters: dict, where: str, number: str
) -> None:
    # the engine's binding fails with a bare pybind11 cast error naming nothing
    with pytest.raises(InvalidRequest) as refused:
        service.query_cypher("sec", "RETURN $n AS n", parameters)

    message = str(refused.value)
    assert f"Cypher parameter {where} is {number}, outside" in message
    assert "INT64, -9223372036854775808 to 9223372036854775807" in message
    if where.endswith("]"):  # a list element: the whole list must then be strings
        assert f'elements all as strings ("{number}"' in message
        assert "list_transform($n, v -> CAST(v AS INT128))" in message
    else:
        assert f'as a string ("{number}")' in message


def test_integers_at_the_int64_limits_and_wide_ones_as_strings_still_answer(
    service: GraphService,
) -> None:
    limits = service.query_cypher(
        "sec", "RETURN $low AS low, $high AS high", {"low": -(2**63), "high": 2**63 - 1}
    )
    revenue = service.query_cypher(
        "sec",
        "MATCH (f:Fact) WHERE f.value_decimal = CAST($v AS DECIMAL(38, 0)) "
        "AND CAST($wide AS INT128) > CAST($v AS INT128) RETURN f.fact_xml_id",
        {"v": "77794000000", "wide": "123456789012345678901234567890"},
    )

    assert limits["rows"] == [[-(2**63), 2**63 - 1]]
    assert revenue["rows"] == [["f-42"]]


def test_wide_numbers_come_back_with_every_digit(service: GraphService) -> None:
    # Decimal.normalize() alone rounds to 28 digits: ...567890 came back as ...567900
    wide = "123456789012345678901234567890"
    result = service.query_cypher(
        "sec",
        "RETURN CAST($n AS INT128) AS whole, CAST($n AS DECIMAL(38, 0)) AS scaled, "
        "CAST($f AS DECIMAL(38, 12)) AS fraction",
        {"n": wide, "f": "-12345678901234567890123456.123456789012"},
    )

    assert result["rows"] == [[wide, wide, "-12345678901234567890123456.123456789012"]]


def test_a_cypher_error_names_the_engine_message(service: GraphService) -> None:
    with pytest.raises(QueryFailed, match="Nope"):
        service.query_cypher("sec", "MATCH (n:Nope) RETURN n")


def test_a_replica_answers_queries_and_refuses_writes(service: GraphService) -> None:
    assert service.stats("sec")["nodes"]["Fact"] == 3
    assert service.status() == {
        "status": "ok", "role": "replica", "schema_version": SCHEMA_VERSION, "graphs": ["sec"]
    }  # fmt: skip
    with pytest.raises(ReadOnlyNode):
        service.stage_files("sec", ["0" * 32])
    with pytest.raises(ReadOnlyNode):
        service.register_files("sec", [])


def test_queries_stop_at_the_time_limit(home: Path) -> None:
    node = GraphService(NodeSettings(home=home, query_timeout_s=0.2), read_only=True)
    slow_cypher = (
        "UNWIND range(1, 20000) AS x UNWIND range(1, 20000) AS y "
        "WITH x, y WHERE (x * y) % 7919 = 1 RETURN count(*)"
    )
    try:
        with pytest.raises(QueryTimeout):
            node.query_cypher("sec", slow_cypher)
        with pytest.raises(QueryTimeout):
            node.query_staging("sec", "SELECT count(*) FROM range(100000000000)")
    finally:
        node.close()


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("a\ud800b", "Cypher parameter $p holds a lone surrogate ('\\ud800') at character 1"),
        ({"k\udc00": 1}, "Cypher parameter $p (a key) holds a lone surrogate ('\\udc00')"),
        ([1, "a", {"b": 2}], "$p mixes types: $p[1] is a string, $p[0] a number"),
        ([1, True], "$p mixes types: $p[1] is a boolean, $p[0] a number"),
        ([[1], ["a"]], "$p mixes types: $p[1] is a list of strings, $p[0] a list of numbers"),
        ([{"a": 1}, {"b": "x"}], "$p[1] is a map {b: string}, $p[0] a map {a: number}"),
        ([{"a": 1}, {"a": "x"}], "$p[1] is a map {a: string}, $p[0] a map {a: number}"),
        ([], "Cypher parameter $p is an empty list, a list of nulls or a null map field"),
        ([None], "Cypher parameter $p is an empty list, a list of nulls"),
        ({"a": []}, "Cypher parameter $p.a is an empty list"),
        ({"a": None}, "Cypher parameter $p.a is an empty list, a list of nulls or a null"),
        (float("inf"), "Cypher parameter $p is inf (a number too large for a double, or NaN)"),
        ([1.5, float("nan")], "Cypher parameter $p[1] is nan"),
    ],
)
def test_a_parameter_value_without_one_engine_type_is_refused_naming_it(
    service: GraphService, value: object, says: str
) -> None:
    # unchecked, the engine binds these as text, inf or nan, or fails naming nothing
    with pytest.raises(InvalidRequest) as refused:
        service.query_cypher("sec", "RETURN $p AS p", {"p": value})

    assert says in str(refused.value)


def test_values_the_engine_binds_to_one_type_still_answer(service: GraphService) -> None:
    answer = service.query_cypher(
        "sec",
        "RETURN $mixed AS mixed, $nulls AS nulls, $lists AS lists, $nothing AS n, $maps AS maps",
        {
            "mixed": [1, 2.5],
            "nulls": [1, None],
            "lists": [[], [1]],
            "nothing": None,
            "maps": [{"a": None}, {"a": 2}],
        },
    )

    assert answer["rows"] == [[[1.0, 2.5], [1, None], [[], [1]], None, [{"a": None}, {"a": 2}]]]


def test_a_cypher_text_with_a_lone_surrogate_is_refused_naming_where(
    service: GraphService,
) -> None:
    with pytest.raises(QueryRefused, match=r"a lone surrogate \('\\ud800'\) at character 9"):
        service.query_cypher("sec", "RETURN 'a\ud800'")


def test_json_numbers_past_a_double_and_nan_answer_400_over_http(home: Path) -> None:
    from fastapi.testclient import TestClient

    from graph_node.server import create_app

    node = GraphService(NodeSettings(home=home, api_key="k"), read_only=True)
    try:
        client = TestClient(create_app(node))
        answers = [
            client.post(
                "/databases/sec/query",
                content='{"cypher": "RETURN $p", "parameters": {"p": ' + value + "}}",
                headers={"X-Api-Key": "k", "Content-Type": "application/json"},
            )
            for value in ("1e400", "NaN", '"\\ud800"')
        ]
    finally:
        node.close()

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert [a.json()["error"]["type"] for a in answers] == ["InvalidRequest"] * 3
    messages = [a.json()["error"]["message"] for a in answers]
    assert messages[0].startswith("Cypher parameter $p is inf (a number too large")
    assert messages[1].startswith("Cypher parameter $p is nan")
    assert messages[2].startswith("Cypher parameter $p holds a lone surrogate")
