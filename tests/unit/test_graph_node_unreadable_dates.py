"""A graph holding a date the engine cannot read back: readers refuse it, and do not crash.

real_ladybug 0.15.3 stores a DATE outside the years 0001 to 9999 (a graph loaded before the
copy guard refused them could hold one) and the process that reads it back as a Python
value dies of SIGSEGV: ``ledgergraph query``, ``facts`` and a node answering a query alike.
Here Tesla's 10-Q is loaded by ``sec run`` and its first half year's Period is then given the
end 10000-06-30 with the engine directly (it takes the year 10000; 0000-12-31 is stored too,
comes back as "0001-12-31 (BC)" as a string and crashes the reader the same way).
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pytest
import real_ladybug as lb
from test_graph_node_query_limits import KEY, start_node

from graph_node.errors import QueryFailed, UnreadableValue, http_status
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from graph_node.unreadable import outside_columns
from localrun.cli import main as cli
from localrun.sec_run import run_sec_from_folder

TESLA = Path(__file__).resolve().parents[2] / "sample_data" / "sec" / "tsla-10q-2024-06-30"
TESLA_10Q = "0001628280-24-032662"
H1_2024 = "2024-01-01..2024-06-30"
REFUSED = (
    "Cypher query: result column {columns} holds a date or time outside the years 0001 to "
    "9999, which LadybugDB 0.15.3 cannot read back (the reader would crash); the graph holds "
    f"such values: Period.end_date of id '{H1_2024}' (loaded by {TESLA_10Q}). Leave them out "
    "of the result, or remove each unit that loaded one with `ledgergraph delete-source "
    "<unit>` and load it again (docs/operations.md)"
)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home holding Tesla's 10-Q, as ``sec run`` loads it."""
    source = tmp_path_factory.mktemp("source")
    shutil.copytree(TESLA, source / TESLA.name)
    home = tmp_path_factory.mktemp("loaded")
    summary = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=1)
    assert summary["ok"], summary
    return home


@pytest.fixture
def home(loaded: Path, tmp_path: Path) -> Path:
    """A copy of ``loaded`` whose first half year of 2024 ends in the year 10000."""
    home = shutil.copytree(loaded, tmp_path / "home")
    db = lb.Database(str(home / "graphs" / "sec" / "graph.lbug"))
    conn = lb.Connection(db)
    later = "MATCH (p:Period {id: $id}) SET p.end_date = date('10000-06-30')"
    conn.execute(later, {"id": H1_2024})
    conn.close()
    db.close()
    return home


@pytest.fixture
def reader(home: Path) -> Iterator[GraphService]:
    node = GraphService(NodeSettings(home=home), read_only=True)
    yield node
    node.close()


@pytest.mark.parametrize(
    ("cypher", "columns"),
    [
        ("MATCH (p:Period) RETURN p.id, p.end_date", "'p.end_date'"),
        ("MATCH (p:Period) RETURN p", "'p'"),
        ("MATCH (p:Period) RETURN [p.end_date] AS days, {d: p.end_date} AS s", "'days', 's'"),
    ],
    ids=["property", "node", "list-and-struct"],
)
def test_a_query_returning_the_date_is_refused_naming_where_it_is(
    reader: GraphService, cypher: str, columns: str
) -> None:
    with pytest.raises(UnreadableValue) as refused:
        reader.query_cypher("sec", cypher)

    assert str(refused.value) == REFUSED.format(columns=columns)
    assert http_status(refused.value) == 409


def test_the_rest_of_the_graph_reads_as_before(reader: GraphService) -> None:
    others = reader.query_cypher(
        "sec",
        "MATCH (p:Period) WHERE p.id <> $bad AND p.start_date >= date('2024-01-01') "
        "RETURN p.id, p.end_date ORDER BY p.id",
        {"bad": H1_2024},
    )
    counted = reader.query_cypher("sec", "MATCH (p:Period) RETURN count(p)")

    assert others["rows"] == [
        ["2024-01-30..2024-01-30", "2024-01-30"],
        ["2024-04-01..2024-04-30", "2024-04-30"],
        ["2024-04-01..2024-06-30", "2024-06-30"],
    ]
    assert counted["rows"] == [[21]]


def test_deleting_the_unit_that_loaded_it_makes_the_graph_readable(home: Path) -> None:
    """The way out the error names; the writer looks again after the delete."""
    node = GraphService(NodeSettings(home=home))
    try:
        with pytest.raises(UnreadableValue):
            node.query_cypher("sec", "MATCH (p:Period) RETURN p.end_date")
        node.delete_source("sec", TESLA_10Q)
        after = node.query_cypher("sec", "MATCH (p:Period) RETURN p.end_date")
    finally:
        node.close()

    assert after["rows"] == []


def test_the_query_and_facts_commands_say_so_and_exit_1(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = cli(["query", "--home", str(home), "MATCH (p:Period) RETURN p.id, p.end_date"])
    query_err = capsys.readouterr().err
    facts = cli(["facts", "--home", str(home), "--concept", "us-gaap:Revenues"])
    facts_err = capsys.readouterr().err

    assert query == facts == 1
    assert query_err.strip() == "error: " + REFUSED.format(columns="'p.end_date'")
    assert facts_err.strip() == "error: " + REFUSED.format(columns="'end_date'")


def test_a_node_answers_409_and_goes_on_serving(home: Path, tmp_path: Path) -> None:
    process, url = start_node(home, tmp_path)
    try:
        with httpx.Client(base_url=url, headers={"X-Api-Key": KEY}, timeout=60) as http:
            node = {"cypher": "MATCH (p:Period) RETURN p"}
            refused = http.post("/databases/sec/query", json=node)
            after = http.post("/databases/sec/query", json={"cypher": "RETURN 1"})
    finally:
        process.terminate()
        process.wait(timeout=60)

    assert refused.status_code == 409
    assert refused.json()["error"] == {
        "type": "UnreadableValue",
        "message": REFUSED.format(columns="'p'"),
        "transient": False,
    }
    assert process.returncode == 0  # stopped by the terminate above, not crashed
    assert after.json()["rows"] == [[1]]


def test_the_first_and_last_readable_moments_pass_and_the_next_ones_do_not() -> None:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    first_day = (dt.date(1, 1, 1) - epoch.date()).days
    last_day = (dt.date(9999, 12, 31) - epoch.date()).days
    last_moment = dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC) - epoch
    last_microsecond = last_moment // dt.timedelta(microseconds=1)

    def days(*raw: int) -> pa.Array:
        return pa.array(raw, pa.int32()).cast(pa.date32())

    def moments(*raw: int) -> pa.Array:
        return pa.array(raw, pa.int64()).cast(pa.timestamp("us", tz="UTC"))

    def in_a_struct_list(*raw: int) -> pa.Array:
        listed = pa.array([list(raw)], pa.list_(pa.int32())).cast(pa.list_(pa.date32()))
        return pa.StructArray.from_arrays([listed], ["days"])

    readable = pa.table({"day": days(first_day, last_day),
                         "moment": moments(last_microsecond, 0),
                         "nested": in_a_struct_list(first_day, last_day).take([0, 0])})  # fmt: skip
    unreadable = pa.table({"day": days(last_day + 1), "moment": moments(last_microsecond + 1),
                           "nested": in_a_struct_list(first_day - 1)})  # fmt: skip

    assert outside_columns(readable) == []
    assert outside_columns(unreadable) == ["day", "moment", "nested"]


COMPUTED = (
    "Cypher query: result column {columns} holds a date or time outside the years 0001 to "
    "9999, which LadybugDB 0.15.3 cannot read back (the reader would crash); the query "
    "computed it (the graph holds no such value): keep its date arithmetic within those years"
)


@pytest.mark.parametrize(
    ("cypher", "columns"),
    [
        ('RETURN CAST("10000-06-30" AS DATE) AS d', "'d'"),
        ("RETURN date('9999-12-31') + INTERVAL('2 days') AS d", "'d'"),
        ("RETURN date('0001-01-01') - INTERVAL('2 days') AS d", "'d'"),
        ("RETURN timestamp('9999-12-31 23:59:59') + INTERVAL('2 days') AS t", "'t'"),
        ("MATCH (p:Period) RETURN p.end_date + INTERVAL('3000000 days') AS d", "'d'"),
    ],
)
def test_a_date_the_query_computes_out_of_range_is_refused_too(
    loaded: Path, cypher: str, columns: str
) -> None:
    """Found by a tester: the row reader died on a computed date (the node exited 139)."""
    node = GraphService(NodeSettings(home=loaded), read_only=True)
    try:
        with pytest.raises(UnreadableValue) as refused:
            node.query_cypher("sec", cypher)
        after = node.query_cypher("sec", "RETURN date('9999-12-31') - INTERVAL('1 day')")
    finally:
        node.close()

    assert str(refused.value) == COMPUTED.format(columns=columns)
    assert after["rows"] == [["9999-12-30"]]


@pytest.mark.parametrize(
    "cypher",
    [
        "RETURN [date('9999-12-31') + INTERVAL('400 days')] AS days",
        "RETURN {a: date('9999-12-31') + INTERVAL('400 days')} AS s",
        "RETURN INTERVAL('100000000 years') AS i",
    ],
)
def test_a_value_python_cannot_hold_is_a_bad_query_not_an_internal_error(
    loaded: Path, cypher: str
) -> None:
    node = GraphService(NodeSettings(home=loaded), read_only=True)
    try:
        with pytest.raises((UnreadableValue, QueryFailed)) as refused:
            node.query_cypher("sec", cypher)
    finally:
        node.close()

    assert http_status(refused.value) in (400, 409)
    assert "Cypher query: " in str(refused.value)
