"""Trying to break the Graph API: keys, SQL and Cypher that would write or read files,
identifiers that are not the schema's, and URIs that leave the object store."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from test_graph_node_cases import BOEING_10K, boeing_facts, file_entry, load_case_filing

from graph_node.errors import InvalidRequest
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings

KEY = "test-key-not-a-secret"
AUTH = {"X-Api-Key": KEY}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("security")


@pytest.fixture(scope="module")
def service(home: Path) -> Iterator[GraphService]:
    node = GraphService(NodeSettings(home=home, api_key=KEY, events="none"))
    load_case_filing(node, home / "store", BOEING_10K, boeing_facts())
    yield node
    node.close()


@pytest.fixture(scope="module")
def client(service: GraphService) -> TestClient:
    return TestClient(create_app(service))


def _routes(client: TestClient) -> list[tuple[str, str]]:
    routes = [r for r in client.app.routes if isinstance(r, APIRoute)]
    filled = {"{graph_id}": "sec", "{table}": "Fact", "{source_unit}": BOEING_10K}
    found = []
    for route in routes:
        path = route.path
        for name, value in filled.items():
            path = path.replace(name, value)
        found += [(method, path) for method in sorted(route.methods)]
    return found


def test_every_route_but_status_needs_the_key(client: TestClient) -> None:
    routes = _routes(client)

    assert len(routes) >= 10
    for method, path in routes:
        if path == "/status":
            assert client.request(method, path).status_code == 200
            continue
        for headers in ({}, {"X-Api-Key": "wrong"}, {"X-Api-Key": KEY + " "}, {"x-api-key": ""}):
            answer = client.request(method, path, headers=headers, json={})
            assert answer.status_code == 401, (method, path, headers)
            assert answer.json()["error"]["type"] == "Unauthorized"


def test_a_node_without_a_key_refuses_everything_but_status(tmp_path: Path) -> None:
    client = TestClient(create_app(GraphService(NodeSettings(home=tmp_path))))

    assert client.get("/status").status_code == 200
    for headers in ({}, {"X-Api-Key": ""}, {"X-Api-Key": "anything"}):
        assert client.get("/databases/sec/stats", headers=headers).status_code == 401


FORBIDDEN_SQL = [
    "COPY file_registry TO '{home}/stolen.csv'",
    "ATTACH '{home}/evil.duckdb' AS evil",
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/hostname')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')",
    "SELECT * FROM query('DROP TABLE file_registry')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "SET enable_external_access = true",
    "PRAGMA enable_external_access",
    "SELECT 1; DROP TABLE file_registry",
    "select 1;\nDELETE FROM file_registry",
    "WITH gone AS (DELETE FROM file_registry RETURNING *) SELECT count(*) FROM gone",
    "EXPORT DATABASE '{home}/exported'",
    "CREATE TABLE stolen AS SELECT * FROM file_registry",
    "UPDATE file_registry SET status = 'failed'",
    "CHECKPOINT",
    "DETACH staging",
    "SELECT * FROM duckdb_secrets()",
]


@pytest.mark.parametrize("sql", FORBIDDEN_SQL)
def test_staging_sql_cannot_write_or_touch_files(client: TestClient, home: Path, sql: str) -> None:
    answer = client.post(
        "/databases/sec/tables/query", json={"sql": sql.format(home=home)}, headers=AUTH
    )

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["type"] in ("QueryRefused", "QueryFailed")
    assert not (home / "stolen.csv").exists() and not (home / "exported").exists()
    files = client.post(
        "/databases/sec/tables/query",
        json={"sql": "SELECT count(*) FROM file_registry WHERE status = 'materialized'"},
        headers=AUTH,
    )
    assert files.json()["rows"] == [[6]]


FORBIDDEN_CYPHER = [
    "CREATE (:Unit {id: 'x'})",
    "cReAtE (:Unit {id: 'x'})",
    "MATCH (u:Unit) DETACH DELETE u",
    "MATCH (u:Unit) SET u.numerator = 'x'",
    "MATCH (u:Unit) RETURN u.id UNION CREATE (:Unit {id: 'x'})",
    "MATCH (u:Unit) RETURN u.id /* comment */ ; CREATE (:Unit {id: 'x'})",
    "MATCH (u:Unit) RETURN u.id // comment\nCREATE (:Unit {id: 'x'})",
    "RETURN 'a' AS `x` CREATE (:Unit {id: 'x'})",
    'RETURN "a\\"" AS x CREATE (:Unit {id: \'x\'})',
    "MATCH (u:Unit) WITH u MERGE (:Unit {id: 'x'})",
    "EXPLAIN CREATE (:Unit {id: 'x'})",
    "PROFILE MATCH (u:Unit) DELETE u",
    "UNWIND [1] AS i CREATE (:Unit {id: 'x'})",
    "LOAD FROM '/etc/passwd' RETURN *",
    "COPY Unit FROM '/etc/passwd'",
    "CALL export_database('/tmp/x')",
    "CALL threads=1",
    "INSTALL httpfs",
    "ATTACH '/tmp/x.lbug' AS other (dbtype lbug)",
    "DROP TABLE Unit",
    "ALTER TABLE Unit ADD extra STRING",
    "BEGIN TRANSACTION",
    "CHECKPOINT",
    "MATCH (u:Unit) RETURN u.id //x\u2028CREATE (:Unit {id: 'x'})",
    "MATCH (u:Unit) RETURN 'a\\' CREATE (:Unit {id: \\'x\\'}) //'",
    "RETURN 1 AS x /* unterminated CREATE (:Unit {id: 'x'})",
]


@pytest.mark.parametrize("cypher", FORBIDDEN_CYPHER)
def test_cypher_cannot_write_however_it_is_dressed(client: TestClient, cypher: str) -> None:
    answer = client.post("/databases/sec/query", json={"cypher": cypher}, headers=AUTH)

    # refused by the guard, or at worst a read-only statement that writes nothing
    assert answer.status_code in (200, 400), answer.text
    units = client.post(
        "/databases/sec/query",
        json={"cypher": "MATCH (u:Unit) RETURN u.id, u.numerator"},
        headers=AUTH,
    )
    assert units.json()["rows"] == [["iso4217:USD", "iso4217:USD"]]


def test_keywords_inside_strings_and_names_are_not_refused(client: TestClient) -> None:
    cypher = "MATCH (f:Fact) WHERE f.concept <> 'CREATE DELETE' RETURN count(*) AS `set`"

    answer = client.post("/databases/sec/query", json={"cypher": cypher}, headers=AUTH)

    assert answer.status_code == 200 and answer.json()["rows"] == [[3]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/databases/sec/tables/Fact%60)%20DETACH%20DELETE/materialize"),
        ("POST", "/databases/sec/tables/file_registry/materialize"),
        ("GET", "/databases/Sec/stats"),
        ("GET", "/databases/sec%3Bdrop/stats"),
        ("GET", "/databases/..%2Fsec/stats"),
        ("DELETE", "/databases/sec/sources/..%2F..%2Fetc"),
        ("DELETE", "/databases/sec/sources/%2e%2e"),
        ("DELETE", "/databases/sec/sources/x%00y"),
        ("POST", "/databases/../graphs/rebuild"),
    ],
)
def test_identifiers_outside_the_schema_are_404(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, headers=AUTH, json={"file_ids": ["0" * 32]})

    assert answer.status_code == 404, answer.text
    assert client.get("/databases/sec/stats", headers=AUTH).json()["nodes"]["Fact"] == 3


def _bad_uris(home: Path, outside: Path) -> list[str]:
    store = (home / "store").resolve()
    fact = store / "processed" / "sec" / BOEING_10K / "Fact.parquet"
    return [
        f"file://{store}/../{outside.name}/Fact.parquet",
        f"file://{store}/processed/../../{outside.name}/Fact.parquet",
        f"file://{store}/processed/%2e%2e/%2e%2e/{outside.name}/Fact.parquet",
        f"file://{store}-sibling/Fact.parquet",
        f"file://{store}/processed/link/Fact.parquet",
        f"file://localhost{fact}",
        f"file://{store}/processed\\..\\..\\x.parquet",
        f"file://{fact}\x00.txt",
        f"file://{fact}?x=1",
        "file:///etc/passwd",
        "http://127.0.0.1:9/Fact.parquet",
        "s3://bucket/processed/sec/Fact.parquet",
        "ftp://example.invalid/Fact.parquet",
        f"{fact}",
        f"FILE://{fact}",
    ]


def test_file_uris_must_stay_inside_the_store(client: TestClient, home: Path) -> None:
    outside = home / "outside"
    outside.mkdir(exist_ok=True)
    good = file_entry(
        home / "store" / "processed" / "sec" / BOEING_10K / "Fact.parquet", "Fact", BOEING_10K
    )
    (outside / "Fact.parquet").write_bytes(Path(good["uri"][7:]).read_bytes())
    link = home / "store" / "processed" / "link"
    if not link.exists():
        os.symlink(outside, link)

    for uri in _bad_uris(home, outside):
        entry = dict(good, uri=uri, source_unit="0000000000-00-000001")
        answer = client.post("/databases/sec/files", json={"files": [entry]}, headers=AUTH)
        assert answer.status_code == 400, (uri, answer.text)
        assert answer.json()["error"]["type"] == "InvalidRequest"

    registered = client.post(
        "/databases/sec/tables/query",
        json={"sql": "SELECT count(*) FROM file_registry"},
        headers=AUTH,
    )
    assert registered.json()["rows"] == [[6]]


def test_a_node_started_without_a_key_makes_one_only_its_owner_can_read(tmp_path: Path) -> None:
    from graph_node.__main__ import with_api_key

    settings = with_api_key(NodeSettings(home=tmp_path))

    key_file = tmp_path / "graph-node.key"
    assert settings.api_key is not None
    assert key_file.read_text().strip() == settings.api_key.get_secret_value()
    assert len(settings.api_key.get_secret_value()) == 48
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert with_api_key(NodeSettings(home=tmp_path, api_key=KEY)).api_key.get_secret_value() == KEY


def test_a_key_rotated_in_its_file_is_taken_without_a_restart(tmp_path: Path) -> None:
    key_file = tmp_path / "rotating.key"
    key_file.write_text("first-key-not-a-secret\n")
    node = GraphService(NodeSettings(home=tmp_path / "node", api_key_file=key_file))
    try:
        client = TestClient(create_app(node))
        stats = "/databases/sec/stats"  # 404: no such graph yet, but only past the key check

        assert client.get(stats, headers={"X-Api-Key": "first-key-not-a-secret"}).status_code == 404
        rotated = tmp_path / "rotating.key.new"
        rotated.write_text("second-key-not-a-secret\n")
        os.replace(rotated, key_file)  # how a rotation writes it: atomically

        assert client.get(stats, headers={"X-Api-Key": "first-key-not-a-secret"}).status_code == 401
        assert (
            client.get(stats, headers={"X-Api-Key": "second-key-not-a-secret"}).status_code == 404
        )
        key_file.unlink()  # a missing file matches no key: fail closed
        assert (
            client.get(stats, headers={"X-Api-Key": "second-key-not-a-secret"}).status_code == 401
        )
        key_file.write_text("")
        assert client.get(stats, headers={"X-Api-Key": ""}).status_code == 401
    finally:
        node.close()


def test_the_generated_key_is_read_again_from_its_file(tmp_path: Path) -> None:
    from graph_node.__main__ import with_api_key

    settings = with_api_key(NodeSettings(home=tmp_path))
    node = GraphService(settings)
    try:
        client = TestClient(create_app(node))
        old = settings.api_key.get_secret_value() if settings.api_key else ""
        new = "k" * 48
        (tmp_path / "graph-node.key").write_text(new + "\n")

        assert client.get("/databases/sec/stats", headers={"X-Api-Key": old}).status_code == 401
        assert client.get("/databases/sec/stats", headers={"X-Api-Key": new}).status_code == 404
    finally:
        node.close()


def test_a_restarted_node_keeps_the_key_it_made(tmp_path: Path) -> None:
    from graph_node.__main__ import with_api_key

    first = with_api_key(NodeSettings(home=tmp_path))
    key = first.api_key.get_secret_value() if first.api_key else ""
    again = with_api_key(NodeSettings(home=tmp_path))
    node = GraphService(again)
    try:
        client = TestClient(create_app(node))

        assert (tmp_path / "graph-node.key").read_text().strip() == key
        assert client.get("/databases/sec/stats", headers={"X-Api-Key": key}).status_code == 404
        assert client.get("/databases/sec/stats").status_code == 401
    finally:
        node.close()


def test_a_cypher_parameter_wider_than_int64_is_an_invalid_request(client: TestClient) -> None:
    answer = client.post(
        "/databases/sec/query",
        json={"cypher": "RETURN $n AS n", "parameters": {"n": 123456789012345678901234567890}},
        headers=AUTH,
    )

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "InvalidRequest"
    assert error["message"].startswith(
        "Cypher parameter $n is 123456789012345678901234567890, outside the graph engine's "
        "integer range (INT64, -9223372036854775808 to 9223372036854775807)"
    )


def test_a_wide_integer_in_a_list_names_the_element_and_the_hint_works(
    client: TestClient,
) -> None:
    wide = 123456789012345678901234567890
    refused = client.post(
        "/databases/sec/query",
        json={"cypher": "RETURN $ids AS ids", "parameters": {"ids": [12927, wide]}},
        headers=AUTH,
    ).json()["error"]["message"]
    hinted = client.post(
        "/databases/sec/query",
        json={
            "cypher": "RETURN list_transform($ids, v -> CAST(v AS INT128)) AS ids",
            "parameters": {"ids": ["12927", str(wide)]},
        },
        headers=AUTH,
    )

    assert refused.startswith(f"Cypher parameter $ids[1] is {wide}, outside the graph engine")
    assert refused.endswith(
        f'give $ids\'s elements all as strings ("{wide}"; a list mixing strings and numbers '
        "does not bind) and convert them in the query, e.g. "
        "list_transform($ids, v -> CAST(v AS INT128))"
    )
    assert hinted.status_code == 200, hinted.text
    # INT128 values come back as exact decimal text
    assert hinted.json()["rows"] == [[["12927", str(wide)]]]


@pytest.mark.parametrize(("depth", "wrap"), [(9, list), (1_000, dict), (100_000, list)])
def test_a_parameter_nested_deeper_than_the_limit_is_refused_naming_it(
    service: GraphService, depth: int, wrap: type
) -> None:
    """1,000 levels bind in 0.8 s and 10,000 stall the engine past any timeout (measured);
    a 100,000-deep value is refused as quickly as a 9-deep one, and never recursed into."""
    deep: Any = 1
    for _ in range(depth):
        deep = [deep] if wrap is list else {"a": deep}

    with pytest.raises(InvalidRequest) as refused:
        service.query_cypher("sec", "RETURN $few, size($deep)", {"few": [1], "deep": deep})

    assert str(refused.value) == (
        "Cypher parameter $deep nests lists and maps more than 8 deep, at most 8 are "
        "accepted (the graph engine's binding time grows with the square of the depth, "
        "before the query timeout starts)"
    )


@pytest.mark.parametrize("depth", [9, 100_000])
def test_a_deep_parameter_over_http_is_refused_by_the_limit_or_the_json_reader(
    client: TestClient, depth: int
) -> None:
    """Python's JSON reader stops near 1,000 levels (how near depends on the stack the
    request is read on): a body far past that is refused for what it is."""
    nested = "[" * depth + "1" + "]" * depth
    answer = client.post(
        "/databases/sec/query",
        content='{"cypher": "RETURN size($deep)", "parameters": {"deep": ' + nested + "}}",
        headers={**AUTH, "Content-Type": "application/json"},
    )

    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["type"] == "InvalidRequest"
    assert error["message"] == (
        "invalid request: body is JSON nested too deeply to read"
        if depth == 100_000
        else "Cypher parameter $deep nests lists and maps more than 8 deep, at most 8 are "
        "accepted (the graph engine's binding time grows with the square of the depth, "
        "before the query timeout starts)"
    )


def test_a_million_list_elements_are_refused_naming_the_parameter_and_limit(
    client: TestClient,
) -> None:
    answer = client.post(
        "/databases/sec/query",
        json={
            "cypher": "MATCH (f:Fact) WHERE f.fact_xml_id IN $ids RETURN count(f)",
            "parameters": {"few": ["f-42"], "ids": ["f-42"] * 1_000_000},
        },
        headers=AUTH,
    )

    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["message"] == (
        "Cypher parameters hold more than 50,000 list elements and map entries (passed in "
        "$ids), at most 50,000 are accepted: split the query"
    )


def test_parameters_at_the_shape_limits_still_answer_from_the_graph(
    client: TestClient,
) -> None:
    """8 levels deep and 50,000 values together: Boeing's two revenue facts are found."""
    ids = ["f-42", "f-43"] + [f"missing-{n}" for n in range(49_990)]
    deep = {"a": [[[[[[["f-90"]]]]]]]}  # a map and seven lists: 8 levels
    answer = client.post(
        "/databases/sec/query",
        json={
            "cypher": "MATCH (f:Fact) WHERE f.fact_xml_id IN $ids "
            "OR f.fact_xml_id = $deep.a[1][1][1][1][1][1][1] "
            "RETURN f.fact_xml_id, f.value_decimal ORDER BY f.fact_xml_id",
            "parameters": {"ids": ids, "deep": deep},
        },
        headers=AUTH,
    )

    assert answer.status_code == 200, answer.text
    assert answer.json()["rows"] == [
        ["f-42", "77794000000"], ["f-43", "66608000000"], ["f-90", "-2222000000"]
    ]  # fmt: skip
