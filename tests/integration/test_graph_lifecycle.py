"""Rebuilds and deletes on real filings, graph compared table by table, every column.

Boeing's and Amazon's 10-Ks share Element, Period and Unit nodes (us-gaap:NetIncomeLoss,
the 2022 fiscal year, USD ...). Loaded incrementally, the graph must equal a rebuild from
staging; with Boeing deleted it must equal a graph that only ever held Amazon's filing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_graph_cases import AMAZON, BOEING, copy_store, load_filing

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import TABLES

pytestmark = pytest.mark.slow


def _service(home: Path, store: Path) -> GraphService:
    return GraphService(NodeSettings(home=home, store_uri=store.as_uri(), events="none"))


def _rows(service: GraphService) -> dict[str, list[dict[str, Any]]]:
    store = service.graph("sec").store
    return {name: store.dump(table).to_pylist() for name, table in TABLES.items()}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_store(tmp_path_factory.mktemp("lifecycle"))


@pytest.fixture(scope="module")
def amazon_only(store: Path) -> dict[str, list[dict[str, Any]]]:
    service = _service(store.parent / "amazon-only", store)
    try:
        load_filing(service, store, AMAZON)
        return _rows(service)
    finally:
        service.close()


@pytest.fixture
def both(store: Path, tmp_path: Path) -> Iterator[GraphService]:
    service = _service(tmp_path / "both", store)
    load_filing(service, store, BOEING)
    service.amazon_answers = load_filing(service, store, AMAZON)  # type: ignore[attr-defined]
    yield service
    service.close()


def test_the_two_filings_share_element_period_and_unit_nodes(both: GraphService) -> None:
    answers = both.amazon_answers  # type: ignore[attr-defined]

    for table in ("Element", "Period", "Unit"):
        assert answers[table]["rows_present"] > 0, table
        assert answers[table]["rows_offered"] == (
            answers[table]["rows_added"] + answers[table]["rows_present"]
        )


def test_a_rebuild_equals_the_incremental_graph_table_by_table(both: GraphService) -> None:
    incremental = _rows(both)

    answer = both.rebuild("sec")

    assert answer["tables"] == {name: len(rows) for name, rows in incremental.items()}
    rebuilt = _rows(both)
    for name in TABLES:
        assert rebuilt[name] == incremental[name], name


def test_deleting_boeing_leaves_exactly_the_amazon_graph(
    both: GraphService, amazon_only: dict
) -> None:
    answer = both.delete_source("sec", BOEING)

    after = _rows(both)
    assert answer["removed"]["Fact"] == 2252 and answer["kept"] == {}
    for name in TABLES:
        assert after[name] == amazon_only[name], name
    stats = both.stats("sec")
    assert stats["nodes"]["Fact"] == 1341 and stats["files"]["deleted"] == answer["files"]
    rebuilt = both.rebuild("sec")
    assert rebuilt["tables"] == {name: len(rows) for name, rows in amazon_only.items()}
