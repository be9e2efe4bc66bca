"""Materializing staged files into LadybugDB: exactly the new rows, never a silent drop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from test_graph_node_cases import (
    AMAZON_10K,
    BOEING_10K,
    FY2022,
    NET_INCOME,
    amazon_facts,
    boeing_facts,
    file_entry,
    filing_files,
    write_table,
)

from graph_node.errors import (
    CopyRefused,
    EngineUnavailable,
    FileConflict,
    GraphInconsistent,
    MissingEndpoints,
)
from graph_node.graph_store import GraphStore
from graph_node.service import GraphService
from graph_node.settings import NodeSettings

SEC_NODES = ("Entity", "Report", "Fact", "Element", "Period", "Unit", "Dimension")
NODES_FIRST = ("Fact", "Element", "Period", "Unit", "FACT_HAS_ELEMENT", "FACT_HAS_PERIOD")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[GraphService]:
    node = GraphService(NodeSettings(home=tmp_path))
    yield node
    node.close()


def _load_filing(service: GraphService, store: Path, unit: str, facts: list) -> dict[str, str]:
    """Register and stage every file of one filing; the file ids by table."""
    files = filing_files(store, unit, facts)
    entries = [file_entry(path, table, unit) for table, path in files.items()]
    answer = service.register_files("sec", entries)["files"]
    ids = {f["table"]: f["file_id"] for f in answer}
    service.stage_files("sec", list(ids.values()))
    return ids


def _materialize_all(service: GraphService, ids: dict[str, str]) -> dict[str, dict]:
    return {t: service.materialize("sec", t, [ids[t]]) for t in NODES_FIRST}


def _counts(result: dict) -> tuple[int, int, int]:
    return result["rows_offered"], result["rows_added"], result["rows_present"]


def test_materialize_adds_the_rows_then_adds_nothing_the_second_time(
    service: GraphService, tmp_path: Path
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())

    first = _materialize_all(service, ids)
    again = _materialize_all(service, ids)

    assert {t: _counts(r) for t, r in first.items()} == {
        "Fact": (3, 3, 0), "Element": (2, 2, 0), "Period": (2, 2, 0), "Unit": (1, 1, 0),
        "FACT_HAS_ELEMENT": (3, 3, 0), "FACT_HAS_PERIOD": (3, 3, 0),
    }  # fmt: skip
    assert {t: _counts(r) for t, r in again.items()} == {
        t: (r["rows_offered"], 0, r["rows_offered"]) for t, r in first.items()
    }
    assert first["Fact"]["files"] == [
        {"file_id": ids["Fact"], "status": "materialized", "rows_updated": 0}
    ]
    stats = service.stats("sec")
    assert stats["nodes"]["Fact"] == 3 and stats["relationships"]["FACT_HAS_PERIOD"] == 3
    assert stats["files"] == {"registered": 0, "staged": 0, "materialized": 6, "failed": 0,
                              "deleted": 0}  # fmt: skip


def test_the_graph_holds_the_exact_revenue(service: GraphService, tmp_path: Path) -> None:
    _materialize_all(service, _load_filing(service, tmp_path / "store", BOEING_10K,
                                           boeing_facts()))  # fmt: skip

    result = service.query_cypher(
        "sec",
        "MATCH (f:Fact)-[:FACT_HAS_ELEMENT]->(:Element {id: $concept}), "
        "(f)-[:FACT_HAS_PERIOD]->(p:Period) WHERE p.end_date = date($last_day) "
        "RETURN f.value_decimal, f.decimals, p.start_date, f.is_nil",
        {"concept": "us-gaap:Revenues", "last_day": "2023-12-31"},
    )

    assert result["rows"] == [["77794000000", "-6", "2023-01-01", False]]


def test_a_second_filing_adds_only_the_nodes_it_does_not_share(
    service: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    _materialize_all(service, _load_filing(service, store, BOEING_10K, boeing_facts()))

    second = _materialize_all(service, _load_filing(service, store, AMAZON_10K,
                                                    amazon_facts()))  # fmt: skip

    # Amazon shares NetIncomeLoss, the 2022 period and USD with Boeing's filing
    assert _counts(second["Element"]) == (2, 1, 1)
    assert _counts(second["Period"]) == (1, 0, 1)
    assert _counts(second["Unit"]) == (1, 0, 1)
    assert _counts(second["Fact"]) == (2, 2, 0)
    assert _counts(second["FACT_HAS_PERIOD"]) == (2, 2, 0)
    shared = service.query_cypher(
        "sec",
        "MATCH (f:Fact)-[:FACT_HAS_ELEMENT]->(:Element {id: $c}), "
        "(f)-[:FACT_HAS_PERIOD]->(:Period {id: $p}) RETURN f.value_decimal ORDER BY 1",
        {"c": NET_INCOME, "p": FY2022},
    )
    assert shared["rows"] == [["-2722000000"]]
    nodes = service.stats("sec")["nodes"]
    assert {t: nodes[t] for t in SEC_NODES} == {
        "Entity": 0, "Report": 0, "Fact": 5, "Element": 3, "Period": 2, "Unit": 1,
        "Dimension": 0,
    }  # fmt: skip


def test_files_of_one_call_sharing_keys_count_each_key_once(
    service: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    boeing = _load_filing(service, store, BOEING_10K, boeing_facts())
    amazon = _load_filing(service, store, AMAZON_10K, amazon_facts())

    result = service.materialize("sec", "Period", [boeing["Period"], amazon["Period"]])

    assert _counts(result) == (2, 2, 0)
    registry = service.query_staging(
        "sec",
        "SELECT source_unit, rows_added, rows_present FROM file_registry "
        "WHERE table_name = 'Period' ORDER BY source_unit",
    )
    added = {unit: (a, p) for unit, a, p in registry["rows"]}
    assert sum(a for a, _ in added.values()) == 2
    assert sorted(added.values()) in ([(0, 1), (2, 0)], [(1, 0), (1, 1)])


def test_a_relationship_without_its_endpoint_nodes_fails_naming_them(
    service: GraphService, tmp_path: Path
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    service.materialize("sec", "Fact", [ids["Fact"]])

    with pytest.raises(MissingEndpoints) as failure:
        service.materialize("sec", "FACT_HAS_PERIOD", [ids["FACT_HAS_PERIOD"]])

    message = str(failure.value)
    assert "FACT_HAS_PERIOD" in message and "2 Period nodes (to)" in message
    assert "2022-01-01..2022-12-31" in message and "2023-01-01..2023-12-31" in message
    assert service.stats("sec")["relationships"]["FACT_HAS_PERIOD"] == 0
    service.materialize("sec", "Period", [ids["Period"]])
    assert _counts(service.materialize("sec", "FACT_HAS_PERIOD", [ids["FACT_HAS_PERIOD"]])) == (
        3, 3, 0)  # fmt: skip


def test_materialize_refuses_files_not_staged_or_of_another_table(
    service: GraphService, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    ids = _load_filing(service, store, BOEING_10K, boeing_facts())
    path = write_table(store / "later", "Fact", amazon_facts())
    [entry] = service.register_files("sec", [file_entry(path, "Fact", AMAZON_10K)])["files"]

    with pytest.raises(FileConflict, match=f"{entry['file_id']} .*registered, not staged"):
        service.materialize("sec", "Fact", [entry["file_id"]])
    with pytest.raises(FileConflict, match="holds Element rows, not Fact"):
        service.materialize("sec", "Fact", [ids["Element"]])


class Crash(BaseException):
    """Stands in for the process dying: nothing after it runs, no handler catches it."""


def _crash(*args: object, **kwargs: object) -> None:
    raise Crash


def _reopen(service: GraphService, tmp_path: Path) -> GraphService:
    service.close()
    return GraphService(NodeSettings(home=tmp_path))


def _registry(service: GraphService, table: str) -> list[list]:
    return service.query_staging(
        "sec",
        "SELECT status, rows_added, rows_present FROM file_registry WHERE table_name = ?",
        [table],
    )["rows"]


def test_a_crash_after_the_copy_is_rolled_forward_with_the_files_counts(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    for table in NODES_FIRST[:4]:
        service.materialize("sec", table, [ids[table]])
    monkeypatch.setattr("graph_node.staging_db.OpenTransaction.commit", _crash)
    with pytest.raises(Crash):
        service.materialize("sec", "FACT_HAS_PERIOD", [ids["FACT_HAS_PERIOD"]])
    monkeypatch.undo()

    reopened = _reopen(service, tmp_path)
    try:
        assert _registry(reopened, "FACT_HAS_PERIOD") == [["materialized", 3, 0]]
        again = reopened.materialize("sec", "FACT_HAS_PERIOD", [ids["FACT_HAS_PERIOD"]])
        assert _counts(again) == (3, 0, 3)
        assert reopened.stats("sec")["relationships"]["FACT_HAS_PERIOD"] == 3
    finally:
        reopened.close()


def test_a_crash_before_the_copy_commits_is_dropped_and_redone(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    for table in NODES_FIRST[:4]:
        service.materialize("sec", table, [ids[table]])
    monkeypatch.setattr(GraphStore, "copy", _crash)
    with pytest.raises(Crash):
        service.materialize("sec", "FACT_HAS_PERIOD", [ids["FACT_HAS_PERIOD"]])
    monkeypatch.undo()

    reopened = _reopen(service, tmp_path)
    try:
        assert _registry(reopened, "FACT_HAS_PERIOD") == [["staged", None, None]]
        result = reopened.materialize("sec", "FACT_HAS_PERIOD", [ids["FACT_HAS_PERIOD"]])
        assert _counts(result) == (3, 3, 0)
        assert _registry(reopened, "FACT_HAS_PERIOD") == [["materialized", 3, 0]]
    finally:
        reopened.close()


def test_a_crash_before_a_node_copy_leaves_the_next_call_to_add_the_rows(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    monkeypatch.setattr(GraphStore, "copy", _crash)
    with pytest.raises(Crash):
        service.materialize("sec", "Fact", [ids["Fact"]])
    monkeypatch.undo()

    result = service.materialize("sec", "Fact", [ids["Fact"]])  # settles, then copies

    assert _counts(result) == (3, 3, 0)
    assert _registry(service, "Fact") == [["materialized", 3, 0]]


def test_a_ledger_that_disagrees_with_the_graph_fails_instead_of_guessing(
    service: GraphService, tmp_path: Path
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    _materialize_all(service, ids)
    with service.graph("sec").staging.transaction() as cur:
        cur.execute('DELETE FROM "_graph_keys_FACT_HAS_ELEMENT" WHERE "to" = ?', [NET_INCOME])

    with pytest.raises(GraphInconsistent, match="FACT_HAS_ELEMENT: 3 rows in the graph .* 2"):
        service.materialize("sec", "FACT_HAS_ELEMENT", [ids["FACT_HAS_ELEMENT"]])


def test_a_copy_that_commits_but_reports_an_error_still_counts_as_done(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    for table in NODES_FIRST[:4]:
        service.materialize("sec", table, [ids[table]])
    copy = GraphStore.copy

    def copy_then_fail(self: GraphStore, table: object, rows: object, **options: Any) -> None:
        copy(self, table, rows, **options)  # type: ignore[arg-type]
        raise EngineUnavailable("Timeout waiting for active transactions (checkpoint)")

    monkeypatch.setattr(GraphStore, "copy", copy_then_fail)
    first = service.materialize("sec", "FACT_HAS_ELEMENT", [ids["FACT_HAS_ELEMENT"]])
    monkeypatch.undo()
    again = service.materialize("sec", "FACT_HAS_ELEMENT", [ids["FACT_HAS_ELEMENT"]])

    assert _counts(first) == (3, 3, 0) and _counts(again) == (3, 0, 3)


def test_reads_running_alongside_materialize_neither_fail_nor_stall_it(
    service: GraphService, tmp_path: Path
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    failures: list[Exception] = []
    done = threading.Event()

    def read_until_done() -> None:
        while not done.is_set():
            try:
                service.query_cypher("sec", "MATCH (f:Fact) RETURN count(f)")
                service.stats("sec")
            except Exception as exc:  # collected, asserted below
                failures.append(exc)

    readers = [threading.Thread(target=read_until_done) for _ in range(4)]
    for reader in readers:
        reader.start()
    started = time.monotonic()
    try:
        _materialize_all(service, ids)
    finally:
        done.set()
        for reader in readers:
            reader.join()

    assert failures == []
    assert time.monotonic() - started < 15  # a starved checkpoint waits ~5 s for each COPY
    assert service.stats("sec")["relationships"]["FACT_HAS_PERIOD"] == 3


def _bookkeeping(service: GraphService, table: str) -> list[list]:
    """Open intents, and the table's key ledger rows."""
    return service.query_staging(
        "sec",
        f'SELECT (SELECT count(*) FROM write_intents), count(*) FROM "_graph_keys_{table}"',
        [],
    )["rows"]


def test_an_intent_that_fails_to_commit_takes_the_copy_with_it(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())

    def refuse(*args: object, **kwargs: object) -> None:
        raise EngineUnavailable("staging is busy (simulated)")

    monkeypatch.setattr("graph_node.materialize.open_intent", refuse)
    with pytest.raises(EngineUnavailable, match="simulated"):
        service.materialize("sec", "Fact", [ids["Fact"]])  # the COPY ran meanwhile
    monkeypatch.undo()

    assert service.stats("sec")["nodes"]["Fact"] == 0  # the engine rolled it back
    assert _registry(service, "Fact") == [["staged", None, None]]
    assert _bookkeeping(service, "Fact") == [[0, 0]]
    assert _counts(service.materialize("sec", "Fact", [ids["Fact"]])) == (3, 3, 0)


def test_rows_the_copy_guard_refuses_leave_no_intent_and_no_ledger_keys(
    service: GraphService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())

    def as_double(table: object, rows: pa.Table) -> pa.Table:  # a conversion gone wrong
        index = rows.schema.get_field_index("value_decimal")
        return rows.set_column(index, "value_decimal", rows["value_decimal"].cast(pa.float64()))

    monkeypatch.setattr("graph_node.materialize.conform", as_double)
    with pytest.raises(CopyRefused, match="Fact: rows for COPY have columns"):
        service.materialize("sec", "Fact", [ids["Fact"]])  # the intent was written meanwhile
    monkeypatch.undo()

    assert _bookkeeping(service, "Fact") == [[0, 0]]
    assert _registry(service, "Fact") == [["staged", None, None]]
    assert service.stats("sec")["nodes"]["Fact"] == 0
    assert _counts(service.materialize("sec", "Fact", [ids["Fact"]])) == (3, 3, 0)
    assert _bookkeeping(service, "Fact") == [[0, 3]]


def _in_one_request(service: GraphService, ids: dict[str, list[str]]) -> dict:
    calls = [{"table": table, "file_ids": ids[table]} for table in NODES_FIRST if table in ids]
    return service.materialize_tables("sec", calls)


def _every_file(service: GraphService) -> list[list]:
    return service.query_staging(
        "sec",
        "SELECT source_unit, table_name, status, rows_added, rows_present FROM file_registry "
        "ORDER BY source_unit, table_name",
    )["rows"]


def test_one_request_for_every_table_gives_what_a_call_per_table_gives(tmp_path: Path) -> None:
    graphs = []
    for name, together in (("apart", False), ("together", True)):
        node = GraphService(NodeSettings(home=tmp_path / name))
        store = tmp_path / name / "store"
        boeing = _load_filing(node, store, BOEING_10K, boeing_facts())
        amazon = _load_filing(node, store, AMAZON_10K, amazon_facts())
        both = {t: [boeing[t], amazon[t]] for t in NODES_FIRST}
        if together:
            answer = _in_one_request(node, both)
            results = answer["results"]
            assert answer["stopped"] is None
        else:
            results = [node.materialize("sec", t, both[t]) for t in NODES_FIRST]
        graphs.append((results, node.stats("sec"), _every_file(node)))
        node.close()

    apart, together = graphs
    assert together == apart
    results = {r["table"]: _counts(r) for r in together[0]}
    # Boeing's 3 facts and Amazon's 2; NetIncomeLoss, FY2022 and USD are shared
    assert results == {
        "Fact": (5, 5, 0), "Element": (3, 3, 0), "Period": (2, 2, 0), "Unit": (1, 1, 0),
        "FACT_HAS_ELEMENT": (5, 5, 0), "FACT_HAS_PERIOD": (5, 5, 0),
    }  # fmt: skip


def test_one_request_stops_at_the_table_that_fails_and_keeps_the_tables_before(
    service: GraphService, tmp_path: Path
) -> None:
    ids = _load_filing(service, tmp_path / "store", BOEING_10K, boeing_facts())
    calls = [{"table": t, "file_ids": [ids[t]]}
             for t in ("Fact", "Element", "FACT_HAS_PERIOD", "Period")]  # fmt: skip

    answer = service.materialize_tables("sec", calls)

    assert [r["table"] for r in answer["results"]] == ["Fact", "Element"]
    stopped = answer["stopped"]
    assert (stopped["table"], stopped["type"], stopped["status"]) == (
        "FACT_HAS_PERIOD", "MissingEndpoints", 422)  # fmt: skip
    assert "2 Period nodes (to)" in stopped["message"] and not stopped["transient"]
    statuses = {table: status for _, table, status, _, _ in _every_file(service)}
    assert statuses["Fact"] == statuses["Element"] == "materialized"
    assert statuses["FACT_HAS_PERIOD"] == statuses["Period"] == "staged"  # not tried
    nodes = service.stats("sec")["nodes"]
    assert (nodes["Fact"], nodes["Element"], nodes["Period"]) == (3, 2, 0)
    # the same request again adds what the first did not
    again = service.materialize_tables("sec", calls[2:][::-1])
    assert [_counts(r) for r in again["results"]] == [(2, 2, 0), (3, 3, 0)]
