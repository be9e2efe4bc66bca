"""Deleting a source unit: its rows leave staging and the graph, shared nodes stay."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    FY2022,
    NET_INCOME,
    USD,
    amazon_facts,
    boeing_facts,
    element,
    filing_files,
    graph_rows,
    load_case_filing,
    register_and_stage,
    write_table,
)

from graph_node.errors import SourceNotFound
from graph_node.registry import DELETED_BY_RECOVERY, DELETED_BY_REQUEST
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from localrun.render_graph import deleted_source

NAMESPACE_2022 = "http://fasb.org/us-gaap/2022"


def _service(home: Path) -> GraphService:
    """A node over ``home`` whose object store is the folder beside it."""
    store = (home.parent / "store").resolve().as_uri()
    return GraphService(NodeSettings(home=home, store_uri=store, events="none"))


@pytest.fixture
def service(tmp_path: Path) -> Iterator[GraphService]:
    node = _service(tmp_path / "node")
    yield node
    node.close()


def _load_amazon(service: GraphService, store: Path) -> None:
    """Amazon's 10-K, its Element rows from the 2022 taxonomy (Boeing's are 2023)."""
    files = filing_files(store, AMAZON_10K, amazon_facts())
    concepts = sorted({f["concept"] for f in amazon_facts()})
    rows = [dict(element(c), namespace=NAMESPACE_2022) for c in concepts]
    files["Element"] = write_table(files["Element"].parent, "Element", rows)
    ids = register_and_stage(service, "sec", files, AMAZON_10K)
    for table in ("Fact", "Element", "Period", "Unit", "FACT_HAS_ELEMENT", "FACT_HAS_PERIOD"):
        service.materialize("sec", table, [ids[table]])


def _amazon_only(tmp_path: Path) -> dict:
    only = _service(tmp_path / "amazon-only")
    try:
        _load_amazon(only, tmp_path / "store")
        return graph_rows(only)
    finally:
        only.close()


def test_deleting_a_filing_leaves_the_graph_of_the_other_one(
    service: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    load_case_filing(service, store, BOEING_10K, boeing_facts())
    _load_amazon(service, store)

    answer = service.delete_source("sec", BOEING_10K)

    assert answer["files"] == 6
    assert answer["removed"] == {"Fact": 3, "Element": 1, "Period": 1,
                                 "FACT_HAS_ELEMENT": 3, "FACT_HAS_PERIOD": 3}  # fmt: skip
    # NetIncomeLoss came from Boeing's file first; Amazon's row (2022 taxonomy) replaces
    # it, while the FY2022 period and USD rows both filings state alike stay as they are
    assert answer["rewritten"] == {"Element": 1}
    assert answer["unchanged"] == {"Period": 1, "Unit": 1}
    assert graph_rows(service) == _amazon_only(tmp_path)
    shared = service.query_cypher(
        "sec",
        "MATCH (f:Fact)-[:FACT_HAS_ELEMENT]->(e:Element {id: $c}), "
        "(f)-[:FACT_HAS_PERIOD]->(:Period {id: $p}) RETURN f.value_decimal, e.namespace",
        {"c": NET_INCOME, "p": FY2022},
    )
    assert shared["rows"] == [["-2722000000", NAMESPACE_2022]]
    assert service.query_cypher("sec", "MATCH (u:Unit) RETURN u.id")["rows"] == [[USD]]


def test_deleting_removes_staged_rows_and_marks_the_files_deleted(
    service: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    load_case_filing(service, store, BOEING_10K, boeing_facts())
    _load_amazon(service, store)

    service.delete_source("sec", BOEING_10K)

    staged = service.query_staging(
        "sec", "SELECT count(*) FROM \"Fact\" f JOIN file_registry r USING (file_id) "
        "WHERE r.source_unit = ?", [BOEING_10K],
    )  # fmt: skip
    ledger = service.query_staging(
        "sec", 'SELECT count(*) FROM "_graph_keys_FACT_HAS_PERIOD"'
    )  # fmt: skip
    assert staged["rows"] == [[0]] and ledger["rows"] == [[2]]
    assert service.stats("sec")["files"]["deleted"] == 6


def test_deleting_again_changes_nothing_and_an_unknown_unit_is_404(
    service: GraphService, tmp_path: Path
) -> None:
    load_case_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    service.delete_source("sec", BOEING_10K)

    again = service.delete_source("sec", BOEING_10K)

    assert again["files"] == 0 and again["removed"] == {}
    assert again["already_deleted"]["files"] == 6
    assert again["already_deleted"]["by"] == DELETED_BY_REQUEST == "delete-source"
    assert service.stats("sec")["nodes"]["Fact"] == 0
    with pytest.raises(SourceNotFound):
        service.delete_source("sec", AMAZON_10K)
    with pytest.raises(SourceNotFound):
        service.delete_source("sec", "../0000012927-24-000010")


def test_a_deleted_filing_registered_again_loads_again(
    service: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    load_case_filing(service, store, BOEING_10K, boeing_facts())
    before = graph_rows(service)
    service.delete_source("sec", BOEING_10K)

    load_case_filing(service, store, BOEING_10K, boeing_facts())

    assert graph_rows(service) == before


class Crash(BaseException):
    """Stands in for the process dying."""


def _delete_boeing_dying_before_staging(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Boeing and Amazon loaded, then a delete of Boeing that dies after the graph lost it
    and before staging marked its files deleted; ``service`` is closed."""
    store = tmp_path / "store"
    load_case_filing(service, store, BOEING_10K, boeing_facts())
    _load_amazon(service, store)

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr("graph_node.deletion.mark_deleted", crash)
    with pytest.raises(Crash):
        service.delete_source("sec", BOEING_10K)
    monkeypatch.undo()
    service.close()


def test_a_crash_between_graph_and_staging_is_finished_on_reopen(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _delete_boeing_dying_before_staging(service, tmp_path, monkeypatch)

    reopened = _service(tmp_path / "node")
    try:
        assert reopened.stats("sec")["files"]["deleted"] == 6
        assert graph_rows(reopened) == _amazon_only(tmp_path)
    finally:
        reopened.close()


def test_a_delete_another_command_finished_is_reported_already_deleted_and_by_what(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The delete dies before staging records it; the next writer to open the graph (any
    command: a sec run, a sync) finishes it, and holds the answer only in its process. A
    later delete-source in another process finds the unit gone: it says so, when, and by
    what, not a bare "0 files deleted"."""
    _delete_boeing_dying_before_staging(service, tmp_path, monkeypatch)
    other_command = _service(tmp_path / "node")
    try:
        other_command.open_all()  # settles the open delete intent: the delete is finished
    finally:
        other_command.close()

    later = _service(tmp_path / "node")
    try:
        answer = later.delete_source("sec", BOEING_10K)
        deleted_at = later.query_staging(
            "sec", "SELECT max(deleted_at) FROM file_registry WHERE source_unit = ?", [BOEING_10K]
        )["rows"][0][0]
    finally:
        later.close()

    assert answer["files"] == 0 and "finished_interrupted" not in answer
    assert answer["already_deleted"] == {
        "files": 6, "deleted_at": deleted_at, "by": DELETED_BY_RECOVERY,
    }  # fmt: skip
    assert deleted_source(answer) == (
        f"{BOEING_10K}: already deleted, nothing changed: its 6 files were deleted at "
        f"{deleted_at} by an interrupted delete-source, finished by the next write to the "
        "graph\n"
    )
