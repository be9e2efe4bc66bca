"""Staging SQL whose planning alone would outlast the query time limit: DuckDB 2.0.1 plans a
statement before it notices an interrupt, so such a statement is refused by its shape
(length, tables read) before DuckDB parses or plans it.

What must fit in a second is measured in CPU seconds of this process (every DuckDB thread
counted), not on the wall clock: on a loaded machine (a load of 6 on 2 cores) the same
statement takes three times as long on the wall, while the work it does stays the same."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

import duckdb
import pytest
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing

from graph_node.errors import QueryRefused
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from graph_node.sql_guard import (
    MAX_JOINED_RELATIONS,
    MAX_RELATIONS,
    MAX_SQL_CHARS,
    relations_joined,
    relations_read,
)
from ledgergraph.quickbooks.staging_check import changed_sql, compared_tables

BOEING_FACT_IDS = ["f-42", "f-43", "f-90"]
T = TypeVar("T")


ONE_SECOND = 1.0  # the work a statement within the limits may take, in CPU seconds


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphService]:
    """Boeing's three facts staged, on a node with the default query time limit (60 s): a
    statement within the limits is held to ONE_SECOND of work by ``cpu_seconds`` instead,
    so a busy machine cannot turn it into a QueryTimeout."""
    home = tmp_path_factory.mktemp("sql-limits")
    node = GraphService(NodeSettings(home=home, events="none"))
    load_case_filing(node, home / "store", BOEING_10K, boeing_facts())
    yield node
    node.close()


def fact_join(tables: int) -> str:
    """``tables`` copies of staging's Fact, each joined to the one before on its fact id."""
    joins = " ".join(
        f'JOIN "Fact" t{i} ON t{i}.fact_xml_id = t{i - 1}.fact_xml_id' for i in range(1, tables)
    )
    return f'SELECT count(*) FROM "Fact" t0 {joins}'


def nested_fact_join(tables: int) -> str:
    """The same join as ``fact_join``, each table joined to a subquery holding the rest."""
    query = 'SELECT fact_xml_id FROM "Fact"'
    for i in range(tables - 1):
        query = (
            f'SELECT a{i}.fact_xml_id FROM "Fact" a{i} JOIN ({query}) s{i} '
            f"ON s{i}.fact_xml_id = a{i}.fact_xml_id"
        )
    return f"SELECT count(*) FROM ({query}) z"


def cpu_seconds(call: Callable[[], T]) -> tuple[T, float]:
    """``call``'s result and the CPU time this process spent in it, all threads counted."""
    started = time.process_time()
    result = call()
    return result, time.process_time() - started


def refused_with(service: GraphService, sql: str) -> tuple[str, float]:
    """The QueryRefused message for ``sql`` and the CPU seconds spent refusing it."""

    def refuse() -> str:
        with pytest.raises(QueryRefused) as refused:
            service.query_staging("sec", sql)
        return str(refused.value)

    return cpu_seconds(refuse)


JOIN_REFUSED = (
    "staging query refused: it reads {found} tables, table functions and subqueries in one "
    "join (a UNION branch, its subqueries and CTEs), at most 32 are accepted (DuckDB plans "
    "a statement before its time limit applies)"
)


@pytest.mark.parametrize(
    ("sql", "found"), [(fact_join(200), 200), (nested_fact_join(100), 200)], ids=["flat", "nested"]
)
def test_a_join_of_many_tables_is_refused_before_it_plans(
    service: GraphService, sql: str, found: int
) -> None:
    """Measured: the flat join plans for 17-20 s, and a 1 s limit interrupted it only
    then; the planner flattens the nested one (100 tables: 1.4 s)."""
    message, spent = refused_with(service, sql)

    assert spent < ONE_SECOND
    assert message == JOIN_REFUSED.format(found=found)


def test_a_union_reading_more_than_256_tables_in_all_is_refused(service: GraphService) -> None:
    sql = " UNION ALL ".join(
        f'SELECT count(*) FROM "Fact" WHERE decimals = {n}' for n in range(257)
    )

    with pytest.raises(QueryRefused) as refused:
        service.query_staging("sec", sql)

    assert str(refused.value) == (
        "staging query refused: it reads 257 tables, table functions and subqueries in all, "
        "at most 256 are accepted (DuckDB plans a statement before its time limit applies)"
    )


def test_a_million_element_in_list_is_refused_before_duckdb_parses_it(
    service: GraphService,
) -> None:
    """7.9 MB of SQL: measured, DuckDB parses it for 11 s and plans it for 13 s more."""
    numbers = ", ".join(str(n) for n in range(1_000_000))
    sql = f"SELECT count(*) FROM range(10) r(x) WHERE x IN ({numbers})"

    message, spent = refused_with(service, sql)

    assert spent < ONE_SECOND
    assert message == (
        f"staging query refused: {len(sql):,} characters long, at most 100,000 are accepted "
        "(pass long lists of values as a parameter: list_contains(?, column))"
    )


def test_a_long_list_as_a_parameter_answers_from_staging(service: GraphService) -> None:
    """The refusal's advice works: 100,002 ids (1.3 MB as SQL) answer within a second's
    work (measured: 0.3 s of CPU, 0.3-0.4 s on an idle machine's wall clock)."""
    ids = [f"missing-{n}" for n in range(100_000)] + BOEING_FACT_IDS[:2]

    answer, spent = cpu_seconds(
        lambda: service.query_staging(
            "sec",
            'SELECT fact_xml_id, value_decimal FROM "Fact" WHERE list_contains(?, fact_xml_id) '
            "ORDER BY fact_xml_id",
            [ids],
        )
    )

    assert answer["rows"] == [["f-42", "77794000000"], ["f-43", "66608000000"]]
    assert spent < ONE_SECOND


def test_statements_at_the_limits_still_answer(service: GraphService) -> None:
    """32 joined tables, 256 read in all and 100,000 characters plan well within a second's
    work (measured: 8 branches of 32 tables each 0.2-0.3 s of CPU)."""
    branches = " UNION ALL ".join([fact_join(MAX_JOINED_RELATIONS)] * 8)
    listed = ", ".join(f"'{fact_id}'" for fact_id in BOEING_FACT_IDS)
    head = f'SELECT count(*) FROM "Fact" WHERE fact_xml_id IN ({listed}) '
    padded = head + "--" + "x" * (MAX_SQL_CHARS - len(head) - 2)  # a comment to the limit
    answers = {
        name: cpu_seconds(lambda sql=sql: service.query_staging("sec", sql))
        for name, sql in [
            ("joined", fact_join(MAX_JOINED_RELATIONS)), ("branches", branches), ("padded", padded)
        ]
    }  # fmt: skip

    assert answers["joined"][0]["rows"] == [[3]]
    assert answers["branches"][0]["rows"] == [[3]] * 8
    assert len(padded) == MAX_SQL_CHARS
    assert answers["padded"][0]["rows"] == [[3]]
    assert {name: spent < ONE_SECOND for name, (_, spent) in answers.items()} == dict.fromkeys(
        answers, True
    )


QUICKBOOKS_CHANGED = " UNION ALL ".join(changed_sql(t) for t in compared_tables())


@pytest.mark.parametrize(
    ("sql", "read", "joined"),
    [
        ("SELECT 1", 0, 0),
        ('SELECT * FROM "Fact", range(3)', 2, 2),
        ('SELECT (SELECT count(*) FROM "Fact") FROM (SELECT 1) s', 3, 3),
        ('WITH c AS (SELECT * FROM "Fact") SELECT * FROM c a, c b', 3, 3),
        ("SELECT 1 UNION ALL (SELECT * FROM range(3) a, range(4) b) UNION ALL "
         "SELECT * FROM range(2)", 3, 2),
        (QUICKBOOKS_CHANGED, 90, 9),  # the QuickBooks pipeline's own staging check
        # a sample's size is a typed value, whose "type" is an object, not a node's kind
        ('SELECT * FROM "Fact" TABLESAMPLE 1 ROWS, range(3) USING SAMPLE 10%', 2, 2),
    ],
)  # fmt: skip
def test_tables_functions_and_subqueries_each_count(sql: str, read: int, joined: int) -> None:
    tree = json.loads(duckdb.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()[0])

    assert relations_read(tree["statements"]) == read
    assert relations_joined(tree["statements"]) == joined
    assert joined <= MAX_JOINED_RELATIONS and read <= MAX_RELATIONS
