"""The Graph API over HTTP: status, API key, error bodies, and a real node process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from test_graph_node_cases import BOEING_10K, boeing_facts, file_entry, filing_files

from graph_node.errors import client_message
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import SCHEMA_VERSION

KEY = "test-key-not-a-secret"
AUTH = {"X-Api-Key": KEY}


@pytest.fixture
def service(tmp_path: Path) -> Iterator[GraphService]:
    node = GraphService(NodeSettings(home=tmp_path, api_key=KEY, writer_lock_timeout_s=0.05))
    yield node
    node.close()


@pytest.fixture
def client(service: GraphService) -> TestClient:
    return TestClient(create_app(service))


def _register_boeing(client: httpx.Client, store: Path) -> dict[str, str]:
    files = filing_files(store, BOEING_10K, boeing_facts())
    entries = [file_entry(path, table, BOEING_10K) for table, path in files.items()]
    answer = client.post("/databases/sec/files", json={"files": entries}, headers=AUTH)
    assert answer.status_code == 200, answer.text
    return {f["table"]: f["file_id"] for f in answer.json()["files"]}


def test_status_needs_no_key_and_everything_else_does(client: TestClient) -> None:
    status = client.get("/status")
    missing = client.get("/databases/sec/stats")
    wrong = client.get("/databases/sec/stats", headers={"X-Api-Key": "nope"})

    assert status.status_code == 200
    assert status.json() == {"status": "ok", "role": "writer", "schema_version": SCHEMA_VERSION,
                             "graphs": []}  # fmt: skip
    for answer in (missing, wrong):
        assert answer.status_code == 401
        assert answer.json()["error"]["type"] == "Unauthorized"
    assert client.get("/databases/sec/stats", headers=AUTH).status_code == 404


def test_the_correlation_id_comes_back(client: TestClient) -> None:
    answer = client.get("/status", headers={"X-Correlation-Id": "exec-123"})

    assert answer.headers["X-Correlation-Id"] == "exec-123"


def test_a_file_failing_validation_answers_422_naming_it(
    client: TestClient, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    files = filing_files(store, BOEING_10K, boeing_facts())
    entry = file_entry(files["Fact"], "Fact", BOEING_10K, row_count=2)
    [registered] = client.post(
        "/databases/sec/files", json={"files": [entry]}, headers=AUTH
    ).json()["files"]

    answer = client.post(
        "/databases/sec/tables", json={"file_ids": [registered["file_id"]]}, headers=AUTH
    )

    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["type"] == "FileInvalid" and error["transient"] is False
    assert registered["file_id"] in error["message"] and "table Fact" in error["message"]


def test_unknown_tables_and_graph_ids_answer_404_naming_them(
    client: TestClient, tmp_path: Path
) -> None:
    ids = _register_boeing(client, tmp_path / "store")
    body = {"file_ids": [ids["Fact"]]}

    table = client.post("/databases/sec/tables/Facts/materialize", json=body, headers=AUTH)
    graph = client.post("/databases/Sec/tables/Fact/materialize", json=body, headers=AUTH)

    assert table.status_code == graph.status_code == 404
    assert table.json()["error"] == {"type": "TableNotFound", "transient": False,
                                     "message": "unknown graph table 'Facts'"}  # fmt: skip
    assert "'Sec'" in graph.json()["error"]["message"]


@pytest.mark.parametrize("body", [{"no such field": 1}, {"file_ids": "not a list"}, None])
def test_an_unknown_table_is_404_whatever_the_body_and_a_known_one_checks_the_body(
    client: TestClient, body: dict | None
) -> None:
    kwargs = {"json": body} if body is not None else {"content": b"{not json"}
    headers = {**AUTH, "Content-Type": "application/json"}

    unknown = client.post("/databases/sec/tables/Facts/materialize", headers=headers, **kwargs)
    known = client.post("/databases/sec/tables/Fact/materialize", headers=headers, **kwargs)

    assert unknown.status_code == 404
    assert unknown.json()["error"] == {"type": "TableNotFound", "transient": False,
                                       "message": "unknown graph table 'Facts'"}  # fmt: skip
    assert known.status_code == 400
    assert known.json()["error"]["type"] == "InvalidRequest"


def test_several_tables_in_one_request_answer_each_call_and_where_they_stopped(
    client: TestClient, tmp_path: Path
) -> None:
    ids = _register_boeing(client, tmp_path / "store")
    client.post("/databases/sec/tables", json={"file_ids": list(ids.values())}, headers=AUTH)
    path = "/databases/sec/tables/materialize"
    calls = [{"table": t, "file_ids": [ids[t]]} for t in ("Fact", "FACT_HAS_PERIOD", "Period")]

    unknown = client.post(path, json={"tables": [{**calls[0], "table": "Facts"}]}, headers=AUTH)
    keyless = client.post(path, json={"tables": calls})
    answer = client.post(path, json={"tables": calls}, headers=AUTH)

    assert unknown.status_code == 404 and "'Facts'" in unknown.json()["error"]["message"]
    assert keyless.status_code == 401
    assert answer.status_code == 200
    body = answer.json()
    assert [(r["table"], r["rows_added"]) for r in body["results"]] == [("Fact", 3)]
    assert body["stopped"]["table"] == "FACT_HAS_PERIOD"
    assert (body["stopped"]["type"], body["stopped"]["status"]) == ("MissingEndpoints", 422)


def test_a_malformed_body_answers_400(client: TestClient) -> None:
    answer = client.post("/databases/sec/tables", json={"file_ids": ["x"]}, headers=AUTH)

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "InvalidRequest"


def test_a_body_that_is_not_json_answers_400_saying_where(client: TestClient) -> None:
    answer = client.post(
        "/databases/sec/query", content=b'{"cypher": "RETURN 1",}',
        headers={**AUTH, "Content-Type": "application/json"},
    )  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == (
        "invalid request: body is not valid JSON (Expecting property name enclosed in double "
        "quotes at character 22)"
    )


def test_a_body_that_is_not_utf8_answers_400_invalid_request(client: TestClient) -> None:
    answer = client.post(
        "/databases/sec/query", content=b'{"cypher": "RETURN \xff"}',
        headers={**AUTH, "Content-Type": "application/json"},
    )  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "type": "InvalidRequest", "transient": False,
        "message": "invalid request: body is not valid JSON (not UTF-8 text)",
    }  # fmt: skip


def test_the_status_example_in_the_api_docs_shows_the_real_schema_version() -> None:
    doc = Path(__file__).parents[2] / "docs" / "graph-api.md"
    example = doc.read_text().split("## `GET /status`", 1)[1].split("```json", 1)[1]

    assert f'"schema_version": "{SCHEMA_VERSION}"' in example.split("```", 1)[0]


def test_a_body_not_sent_as_json_answers_415_saying_so(client: TestClient) -> None:
    answer = client.post(
        "/databases/sec/query", content=b'{"cypher": "RETURN 1"}',
        headers={**AUTH, "Content-Type": "text/plain"},
    )  # fmt: skip

    assert answer.status_code == 415
    assert answer.json()["error"]["message"] == (
        "POST /databases/sec/query: send the body as JSON with Content-Type: application/json "
        "(got text/plain)"
    )


def test_a_body_over_the_limit_answers_413_and_the_node_goes_on(tmp_path: Path) -> None:
    settings = NodeSettings(home=tmp_path, api_key=KEY, max_request_bytes=1000)
    node = GraphService(settings)
    client = TestClient(create_app(node))
    big = {"sql": "SELECT 1 WHERE 'x' <> '" + "x" * 2000 + "'"}

    declared = client.post("/databases/sec/tables/query", json=big, headers=AUTH)

    def chunked():  # no Content-Length: the limit holds while reading
        yield b'{"sql": "SELECT 1 WHERE 1 <> '
        for _ in range(20):
            yield b"1" * 100

    streamed = client.post(
        "/databases/sec/tables/query", content=chunked(),
        headers={**AUTH, "Content-Type": "application/json"},
    )  # fmt: skip
    small = client.post("/databases/sec/query", json={"cypher": "RETURN 1"}, headers=AUTH)
    node.close()

    assert (declared.status_code, streamed.status_code) == (413, 413)
    assert declared.json()["error"]["type"] == "RequestTooLarge"
    assert "limit of 1000 bytes" in streamed.json()["error"]["message"]
    assert small.status_code == 404  # read and passed on: no graph "sec" here yet


def test_a_row_count_past_int64_is_an_invalid_request_and_creates_no_graph(
    client: TestClient, tmp_path: Path
) -> None:
    files = filing_files(tmp_path / "store", BOEING_10K, boeing_facts())
    entry = file_entry(files["Fact"], "Fact", BOEING_10K, row_count=10**23)

    answer = client.post("/databases/sec/files", json={"files": [entry]}, headers=AUTH)

    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("invalid request: body.files.0.row_count")
    assert client.get("/status").json()["graphs"] == []


def test_a_first_registration_of_a_missing_file_answers_400_and_creates_no_graph(
    client: TestClient, tmp_path: Path
) -> None:
    files = filing_files(tmp_path / "store", BOEING_10K, boeing_facts())
    present = file_entry(files["Fact"], "Fact", BOEING_10K)
    missing = dict(present, uri=present["uri"].replace("Fact.parquet", "Gone.parquet"))

    answer = client.post("/databases/newgraph/files", json={"files": [present, missing]},
                         headers=AUTH)  # fmt: skip
    graphs_after = client.get("/status").json()["graphs"]
    folder_after = (tmp_path / "graphs" / "newgraph").exists()
    registered = client.post("/databases/newgraph/files", json={"files": [present]},
                             headers=AUTH)  # fmt: skip

    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "type": "InvalidRequest",
        "message": f"no file at {missing['uri']}: graph 'newgraph' does not exist and is "
        "created only by registering files that are in the store",
        "transient": False,
    }
    assert graphs_after == []
    assert not folder_after
    assert registered.status_code == 200
    assert registered.json()["files"][0]["row_count"] == 3
    assert client.get("/status").json()["graphs"] == ["newgraph"]


def test_a_method_a_route_does_not_take_answers_405_method_not_allowed(
    client: TestClient,
) -> None:
    answer = client.get("/databases/sec/files", headers=AUTH)

    assert answer.status_code == 405
    assert answer.json()["error"] == {
        "type": "MethodNotAllowed",
        "message": "GET /databases/sec/files: Method Not Allowed",
        "transient": False,
    }


def test_a_busy_writer_answers_503_transient(
    client: TestClient, service: GraphService, tmp_path: Path
) -> None:
    ids = _register_boeing(client, tmp_path / "store")
    lock = service.graph("sec").writer_lock
    with lock:
        answer = client.post("/databases/sec/tables", json={"file_ids": [ids["Fact"]]},
                             headers=AUTH)  # fmt: skip

    assert answer.status_code == 503
    assert answer.json()["error"]["type"] == "WriterBusy"
    assert answer.json()["error"]["transient"] is True


def test_a_replica_refuses_writes_with_403(tmp_path: Path) -> None:
    replica = GraphService(NodeSettings(home=tmp_path, api_key=KEY), read_only=True)
    client = TestClient(create_app(replica))

    answer = client.post("/databases/sec/tables", json={"file_ids": ["0" * 32]}, headers=AUTH)

    assert answer.status_code == 403
    assert answer.json()["error"]["type"] == "ReadOnlyNode"
    replica.close()


WRITES = [
    ("post", "/databases/sec/files"),
    ("post", "/databases/sec/tables"),
    ("post", "/databases/sec/tables/materialize"),
    ("post", "/databases/sec/tables/Fact/materialize"),
    ("delete", "/databases/sec/sources/0000012927-24-000010"),
    ("post", "/databases/sec/rebuild"),
    ("post", "/databases/sec/publish"),
]


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_a_replica_refuses_every_write_with_403_before_reading_the_body(
    tmp_path: Path, method: str, path: str
) -> None:
    replica = GraphService(NodeSettings(home=tmp_path, api_key=KEY), read_only=True)
    client = TestClient(create_app(replica))

    # a body the writer would refuse as invalid: a replica refuses the write itself
    answer = client.request(method, path, json={"no such field": 1}, headers=AUTH)

    assert answer.status_code == 403
    assert answer.json()["error"] == {
        "type": "ReadOnlyNode",
        "message": "this node is a read-only replica; graph 'sec' is not written",
        "transient": False,
    }
    replica.close()


def test_a_replica_still_reads_and_checks_a_query_body(tmp_path: Path) -> None:
    replica = GraphService(NodeSettings(home=tmp_path, api_key=KEY), read_only=True)
    client = TestClient(create_app(replica))

    answer = client.post("/databases/sec/query", json={"no such field": 1}, headers=AUTH)

    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "InvalidRequest"
    replica.close()


def _wait_for_port(port_file: Path, process: subprocess.Popen, timeout_s: float = 30) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if port_file.exists():
            return int(port_file.read_text())
        if process.poll() is not None:
            raise AssertionError(f"node exited early: {process.stderr.read()}")
        time.sleep(0.05)
    raise AssertionError("node did not write its port file")


def test_a_node_process_serves_http_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    home, port_file = tmp_path / "home", tmp_path / "run" / "port"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_")}
    env["LEDGERGRAPH_API_KEY"] = KEY
    argv = [sys.executable, "-m", "graph_node", "serve", "--host", "127.0.0.1", "--port", "0",
            "--port-file", str(port_file), "--home", str(home)]  # fmt: skip
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)  # fmt: skip
    try:
        port = _wait_for_port(port_file, process)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=AUTH, timeout=30) as http:
            ids = _register_boeing(http, home / "store")
            assert http.post("/databases/sec/tables", json={"file_ids": list(ids.values())}
                             ).status_code == 200  # fmt: skip
            for table in ("Fact", "Element", "Period", "Unit", "FACT_HAS_ELEMENT"):
                done = http.post(f"/databases/sec/tables/{table}/materialize",
                                 json={"file_ids": [ids[table]]})  # fmt: skip
                assert done.status_code == 200, done.text
            stats = http.get("/databases/sec/stats").json()
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)

    assert process.returncode == 0, stderr
    assert not port_file.exists()
    assert stats["nodes"]["Fact"] == 3 and stats["relationships"]["FACT_HAS_ELEMENT"] == 3
    reopened = GraphService(NodeSettings(home=home), read_only=True)
    assert reopened.stats("sec")["nodes"]["Element"] == 2
    reopened.close()


# DuckDB 2.0.1's answer to SELECT length(repeat('x', 3000000000) || repeat('y', 3000000000))
# on a node with room for it, as the node logged it (3 of its 36 frames kept).
_INTERNAL_ERROR = (
    'staging query: INTERNAL Error: Scalar function "||" threw an execution error, but the '
    "function is not marked as fallible - the function must call SetFallible(). Error: "
    "Cannot create a string of size: '6000000000', the maximum supported string size is: "
    "'4294967295'\n\nStack Trace:\n\n"
    "/tmp/tu/clone/.venv/lib/python3.11/site-packages/_duckdb.cpython-311-x86_64-linux-gnu.so"
    "(_ZN6duckdb9ExceptionC2ENS_13ExceptionTypeERKNSt7__cxx1112basic_stringIcSt11char_traits"
    "IcESaIcEEE+0x4b) [0x7fd79d91d3bb]\n"
    "/root/.pyenv/versions/3.11.7/lib/libpython3.11.so.1.0(+0x250a40) [0x7fd7b4c50a40]\n"
    "/lib/x86_64-linux-gnu/libc.so.6(+0x1098ec) [0x7fd7b49278ec]\n\n"
    "This error signals an assertion failure within DuckDB. This usually occurs due to "
    "unexpected conditions or errors in the program's logic.\nFor more information, see "
    "https://duckdb.org/docs/current/dev/internal_errors"
)


def test_an_engine_stack_trace_is_cut_from_the_message_a_client_gets() -> None:
    assert client_message(_INTERNAL_ERROR) == (
        'staging query: INTERNAL Error: Scalar function "||" threw an execution error, but '
        "the function is not marked as fallible - the function must call SetFallible(). "
        "Error: Cannot create a string of size: '6000000000', the maximum supported string "
        "size is: '4294967295'\n\n"
        "[the engine's stack trace is left out; the node's log has it]\n\n"
        "This error signals an assertion failure within DuckDB. This usually occurs due to "
        "unexpected conditions or errors in the program's logic.\nFor more information, see "
        "https://duckdb.org/docs/current/dev/internal_errors"
    )
    ordinary = "Cypher query: Runtime exception: Divide by zero."
    assert client_message(ordinary) == ordinary


def test_a_staging_query_error_reaches_the_client_without_frames_and_the_log_whole(
    client: TestClient, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _register_boeing(client, tmp_path / "store")
    trace = _INTERNAL_ERROR[_INTERNAL_ERROR.index("Stack Trace:") :]
    sql = "SELECT error(?)"  # DuckDB raises the text as its own error, frames and all

    answer = client.post(
        "/databases/sec/tables/query", json={"sql": sql, "parameters": [trace]}, headers=AUTH
    )

    body = answer.json()["error"]
    assert (answer.status_code, body["type"]) == (400, "QueryFailed")
    assert body["message"].startswith(
        "staging query: Invalid Input Error: [the engine's stack trace is left out; the "
        "node's log has it]\n\nThis error signals an assertion failure within DuckDB."
    )
    assert "0x" not in body["message"] and ".so" not in body["message"]
    logged = [r.error for r in caplog.records if r.getMessage() == "request failed"]
    assert len(logged) == 1 and "libc.so.6(+0x1098ec) [0x7fd7b49278ec]" in logged[0]


def test_staging_queries_run_under_the_staging_memory_limit_in_mib(tmp_path: Path) -> None:
    settings = NodeSettings(home=tmp_path, api_key=KEY, staging_memory_mb=64)
    node = GraphService(settings)
    client = TestClient(create_app(node))
    try:
        _register_boeing(client, tmp_path / "store")
        answers = [
            client.post("/databases/sec/tables/query", json={"sql": sql}, headers=AUTH)
            for sql in (
                "SELECT len(list(i)) FROM range(20000000) t(i)",  # 160 MB in DuckDB's buffers
                "SELECT length(repeat('x', 200000000))",  # one value: outside DuckDB's limit
            )
        ]
    finally:
        node.close()

    # (current_setting is refused: settings name the node's paths; the error names the limit)
    assert answers[0].status_code == 400
    assert answers[0].json()["error"]["type"] == "QueryFailed"
    assert "Out of Memory Error" in answers[0].json()["error"]["message"]
    assert "/64.0 MiB used)" in answers[0].json()["error"]["message"]
    assert answers[1].json()["rows"] == [[200000000]]
