"""CDC changes of the sandbox company applied to the graph: updates, tombstones, lost lines.

The sandbox company is synced in full from the fake QuickBooks on 127.0.0.1, then a CDC run
serves ``tests/fakes/quickbooks_edits.py``: Invoice 1015 with line 1 from 300.00 to 320.00
and the Garden Rocks line removed, customer 18 deleted, a new customer 900, item 5's unit
price alone changed (sparse); a third run repeats the same CDC answer. Each run is
transformed and loaded (register, stage, materialize in load order) into an in-process
graph node, and the graph is read back.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import graph_rows
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    REALM,
    Harness,
    _loopback_only,
    make_harness,
)

from graph_node.faults import FaultPoints
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.ids import stable_id
from ledgergraph.loading import register_entries
from ledgergraph.manifest import SourceUnitManifest, manifest_key
from tests.fakes.network_guard import loopback_only
from tests.fakes.quickbooks_edits import cdc_changes
from tests.fakes.quickbooks_server import FakeQuickBooks

INVOICE = stable_id("quickbooks", REALM, "Invoice", "49")
CUSTOMER = stable_id("quickbooks", REALM, "Customer", "18")
ITEM = stable_id("quickbooks", REALM, "Item", "5")
RUNS = ("run-1", "run-2", "run-3")


def load_run(service: GraphService, harness: Harness, run: str) -> dict[str, dict[str, Any]]:
    """What the pipeline's loading steps do with one run; the materialize answers by table."""
    raw = harness.store.get_bytes(manifest_key(GRAPH, run))
    entries = register_entries(harness.store, SourceUnitManifest.model_validate_json(raw))
    ids = {f["table"]: f["file_id"] for f in service.register_files(GRAPH, entries)["files"]}
    service.stage_files(GRAPH, list(ids.values()))
    return {t: service.materialize(GRAPH, t, [ids[t]]) for t in LOAD_ORDER if t in ids}


def node(harness: Harness, home: Path, **settings: Any) -> GraphService:
    return GraphService(
        NodeSettings(home=home, store_uri=harness.store.root.as_uri(), events="none", **settings)
    )


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, Path]]:
    """Three transformed runs of the sandbox realm in one object store."""
    root = tmp_path_factory.mktemp("upsert")
    with loopback_only(), FakeQuickBooks() as fake:
        for harness in make_harness(fake, root):
            harness.sync(run_id="run-1")
            harness.transform("run-1")
            fake.cdc_changes = cdc_changes()
            for run in RUNS[1:]:
                harness.sync(run_id=run)
                harness.transform(run)
            yield harness, root


@pytest.fixture(scope="module")
def loaded(books: tuple[Harness, Path]) -> Iterator[tuple[GraphService, dict[str, dict]]]:
    """The three runs loaded in order; the answers by run."""
    harness, root = books
    service = node(harness, root / "node")
    answers = {run: load_run(service, harness, run) for run in RUNS}
    yield service, answers
    service.close()


@pytest.fixture(scope="module")
def reference(loaded) -> dict[str, list[dict[str, Any]]]:
    """The graph after the three runs, loaded without interruption."""
    return graph_rows(loaded[0], GRAPH)


def cypher(service: GraphService, query: str) -> list[list[Any]]:
    return service.query_cypher(GRAPH, query)["rows"]


def test_the_edited_invoice_has_its_new_amount_and_memo(loaded) -> None:
    service, _ = loaded
    rows = cypher(service, (
        "MATCH (t:LedgerTransaction {id: $id}) "
        "RETURN t.total_amount, t.total_amount_home, t.private_note, t.sync_token, t.line_count"
    ).replace("$id", f"'{INVOICE}'"))  # fmt: skip

    assert rows == [["802.75", "802.75", "Garden rocks taken off", "1", 5]]
    assert Decimal(rows[0][0]) == Decimal("802.75")


def test_the_removed_line_and_its_relationships_are_gone(loaded) -> None:
    service, _ = loaded
    lines = cypher(service, (
        f"MATCH (t:LedgerTransaction {{id: '{INVOICE}'}})-[:TRANSACTION_HAS_LINE]->(l:LineItem)"
        "-[:LINE_POSTS_TO_ACCOUNT]->(a:LedgerAccount) "
        "RETURN l.line_number, l.role, l.description, l.posting_type, l.amount, a.qbo_id "
        "ORDER BY l.line_number"
    ))  # fmt: skip

    assert lines == [
        [1, "header", None, "debit", "802.75", "84"],
        [2, "line", "Custom Design", "credit", "320", "82"],
        [3, "line", "Installation of landscape design", "credit", "250", "52"],
        [4, "line", "Rock Fountain", "credit", "275", "48"],
        [5, "line", None, "debit", "42.25", "86"],  # the 5 % discount
    ]
    rocks = cypher(service, "MATCH (l:LineItem) WHERE l.description = 'Garden Rocks' "
                            f"AND l.transaction_id = '{INVOICE}' RETURN count(l)")  # fmt: skip
    assert rocks == [[0]]
    items = cypher(service, (
        f"MATCH (:LedgerTransaction {{id: '{INVOICE}'}})-[:TRANSACTION_HAS_LINE]->(l:LineItem)"
        "-[:LINE_HAS_ITEM]->(i:Item) RETURN l.line_number, i.qbo_id ORDER BY l.line_number"
    ))  # fmt: skip
    assert items == [[2, "4"], [3, "7"], [4, "5"]]


def test_the_deleted_customer_is_a_tombstone_with_its_fields(loaded) -> None:
    service, _ = loaded
    rows = cypher(service, f"MATCH (c:Customer {{id: '{CUSTOMER}'}}) "
                           "RETURN c.is_deleted, c.display_name, c.sync_token")  # fmt: skip

    assert rows == [[True, "Paulsen Medical Supplies", "0"]]


def test_a_sparse_update_changes_one_field_and_keeps_the_rest(loaded) -> None:
    service, _ = loaded
    rows = cypher(service, (
        f"MATCH (i:Item {{id: '{ITEM}'}})-[u:ITEM_USES_ACCOUNT]->(a:LedgerAccount) "
        "RETURN i.unit_price, i.name, i.item_type, i.sync_token, i.is_deleted, u.role, a.qbo_id "
        "ORDER BY u.role"
    ))  # fmt: skip

    assert [row[:5] for row in rows] == [["290", "Rock Fountain", "Inventory", "9", False]] * 3
    assert [row[5:] for row in rows] == [["asset", "81"], ["expense", "80"], ["income", "79"]]


def test_the_cdc_run_counts_reconcile(loaded) -> None:
    _, answers = loaded
    cdc = answers["run-2"]

    for table, answer in cdc.items():
        assert answer["rows_offered"] == answer["rows_added"] + answer["rows_present"], table
        assert answer["rows_present"] == answer["rows_updated"] + answer["rows_unchanged"], table
    assert _counts(cdc["LedgerTransaction"]) == (1, 0, 1, 0)
    assert _counts(cdc["LineItem"]) == (5, 0, 3, 2)  # header, line 1, discount: new content
    assert _counts(cdc["Customer"]) == (2, 1, 1, 0)  # 900 new, 18 deleted
    assert _counts(cdc["Item"]) == (1, 0, 1, 0)
    # Posting 6 (the old discount) lost its holder; posting 5 is the discount now, so its
    # account and item relationships of the Garden Rocks line went with its old version.
    assert cdc["LedgerTransaction"]["relationships_removed"] == {
        "LINE_POSTS_TO_ACCOUNT": 1, "TRANSACTION_HAS_LINE": 1,
    }  # fmt: skip
    assert cdc["LedgerTransaction"]["nodes_removed"] == {"LineItem": 1}
    assert cdc["LineItem"]["relationships_removed"] == {
        "LINE_HAS_ITEM": 1, "LINE_POSTS_TO_ACCOUNT": 1,
    }  # fmt: skip


def test_a_second_identical_run_updates_nothing(loaded) -> None:
    _, answers = loaded

    for table, answer in answers["run-3"].items():
        assert answer["rows_added"] == 0 and answer["rows_updated"] == 0, table
        assert answer["relationships_removed"] == {} and answer["nodes_removed"] == {}, table


def test_a_rebuild_equals_the_incremental_graph(books, loaded, reference) -> None:
    service, _ = loaded

    service.rebuild(GRAPH)

    rebuilt = graph_rows(service, GRAPH)
    for table, rows in reference.items():
        assert rebuilt[table] == rows, table
    again = load_run(service, books[0], "run-3")  # versions recorded by the rebuild
    assert all(a["rows_updated"] == 0 and a["rows_added"] == 0 for a in again.values())


def _counts(answer: dict[str, Any]) -> tuple[int, int, int, int]:
    return (answer["rows_offered"], answer["rows_added"], answer["rows_updated"],
            answer["rows_unchanged"])  # fmt: skip


class CrashAt(FaultPoints):
    """Stops the write at one point by raising, as if the process died there."""

    def reached(self, point: str, table: str) -> None:
        if (point, table) == (self.point, self.table):
            raise SystemExit(f"stopped at {point}:{table}")


@pytest.mark.parametrize(
    "point", ["after-intent:LedgerTransaction", "after-copy:LedgerTransaction",
              "after-update:LedgerTransaction", "after-update:LineItem",
              "after-intent:Customer", "after-copy:Customer", "after-update:Customer"],
)  # fmt: skip
def test_an_interrupted_upsert_settles_on_reopen_to_the_same_graph(
    books: tuple[Harness, Path], reference, tmp_path: Path, point: str
) -> None:
    harness, _ = books
    service = node(harness, tmp_path)
    load_run(service, harness, "run-1")
    service.faults = CrashAt(point, marker=tmp_path / "marker")
    with pytest.raises(SystemExit):
        load_run(service, harness, "run-2")
    service.close()

    reopened = node(harness, tmp_path)
    try:
        intents = reopened.query_staging(GRAPH, "SELECT count(*) FROM write_intents")["rows"]
        for run in RUNS[1:]:
            load_run(reopened, harness, run)
        final = graph_rows(reopened, GRAPH)
    finally:
        reopened.close()
    assert intents == [[0]]  # settled when the graph was opened again
    for table, rows in reference.items():
        assert final[table] == rows, table
