"""Rebuilding a graph from staging: the same graph, built in a child process, swapped in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    amazon_facts,
    boeing_facts,
    filing_files,
    graph_rows,
    load_case_filing,
    register_and_stage,
)

from graph_node.errors import EngineCrashed
from graph_node.service import GraphService
from graph_node.settings import NodeSettings


def _service(home: Path, **settings: object) -> GraphService:
    store = (home.parent / "store").resolve().as_uri()
    return GraphService(NodeSettings(home=home, store_uri=store, events="none", **settings))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[GraphService]:
    node = _service(tmp_path / "node")
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    yield node
    node.close()


def test_a_rebuild_gives_the_incremental_graph_table_by_table(
    service: GraphService, tmp_path: Path
) -> None:
    load_case_filing(service, tmp_path / "store", AMAZON_10K, amazon_facts())
    incremental = graph_rows(service)

    answer = service.rebuild("sec")

    assert answer["tables"]["Fact"] == 5 and answer["tables"]["FACT_HAS_PERIOD"] == 5
    assert graph_rows(service) == incremental
    again = service.materialize("sec", "Fact", [_file_id(service, AMAZON_10K, "Fact")])
    assert (again["rows_added"], again["rows_present"]) == (0, 2)


def test_a_rebuild_takes_in_staged_files_and_marks_them_materialized(
    service: GraphService, tmp_path: Path
) -> None:
    files = filing_files(tmp_path / "store", AMAZON_10K, amazon_facts())
    register_and_stage(service, "sec", files, AMAZON_10K)

    service.rebuild("sec")

    assert service.stats("sec")["nodes"]["Fact"] == 5
    rows = service.query_staging(
        "sec", "SELECT table_name, rows_added, rows_present FROM file_registry "
        "WHERE source_unit = ? ORDER BY 1", [AMAZON_10K],
    )["rows"]  # fmt: skip
    assert rows == [["Element", 1, 1], ["FACT_HAS_ELEMENT", 2, 0], ["FACT_HAS_PERIOD", 2, 0],
                    ["Fact", 2, 0], ["Period", 0, 1], ["Unit", 0, 1]]  # fmt: skip


def test_an_engine_crash_in_the_rebuild_names_the_table_and_spares_the_live_graph(
    tmp_path: Path,
) -> None:
    node = _service(tmp_path / "node", test_crash_at="FACT_HAS_PERIOD")
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        before = graph_rows(node)

        with pytest.raises(EngineCrashed, match="SIGSEGV.*FACT_HAS_PERIOD"):
            node.rebuild("sec")

        assert graph_rows(node) == before
        assert node.stats("sec")["relationships"]["FACT_HAS_PERIOD"] == 3
        assert not list((tmp_path / "node" / "graphs" / "sec").glob("*.rebuilt"))
    finally:
        node.close()


class Crash(BaseException):
    """Stands in for the process dying."""


def test_a_swap_a_crash_interrupted_is_finished_before_the_graph_opens(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = filing_files(tmp_path / "store", AMAZON_10K, amazon_facts())
    register_and_stage(service, "sec", files, AMAZON_10K)

    def crash(*args: object) -> None:
        raise Crash

    monkeypatch.setattr("graph_node.rebuild._swap", crash)
    with pytest.raises(Crash):
        service.rebuild("sec")
    monkeypatch.undo()
    service.close()

    reopened = _service(tmp_path / "node")
    try:
        assert reopened.stats("sec")["nodes"]["Fact"] == 5  # the rebuilt file is in place
    finally:
        reopened.close()


def _file_id(service: GraphService, unit: str, table: str) -> str:
    rows = service.query_staging(
        "sec", "SELECT file_id FROM file_registry WHERE source_unit = ? AND table_name = ?",
        [unit, table],
    )["rows"]  # fmt: skip
    return rows[0][0]
