"""After a sync run is deleted from its graph, later runs compare with what the graph holds.

The tester's sequence on copies of the bundled sandbox recordings: run A loads them, run B
a copy without Invoice 161 (DocNumber 1043) and Customer 29 (both inferred deleted),
``delete-source`` takes B out of the graph, and run C loads the same copy again: C must
mark both deleted again, as B did, since the graph holds them live (A's versions).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_quickbooks_versions import (
    GRAPH,
    Books,
    Records,
    assert_rebuild_gives_the_same_graph,
    newer,
    record,
    sample_copy,
)

from graph_node.errors import SourceNotFound, WriterBusy
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError, RawPageMissing
from ledgergraph.quickbooks.extract import choose_mode
from ledgergraph.quickbooks.runs import SyncRun, run_manifest_key
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.transform.service import transform_run
from ledgergraph.quickbooks.withdrawals import (
    begin_withdrawal,
    finish_withdrawal,
    live_sync_state,
    withdrawal_key,
)
from localrun.cli import main as cli
from localrun.quickbooks_sample import SAMPLE_REALM, land_sample_run

INVOICE_1043_AND_CUSTOMER_29 = """
MATCH (t:LedgerTransaction {txn_type: 'Invoice', qbo_id: '161'})
MATCH (c:Customer {qbo_id: '29'})
RETURN t.doc_number, t.is_deleted, c.is_deleted
"""
KEY = "withdrawn-run-test-key"
INVOICES_LIVE = (
    "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND NOT t.is_deleted RETURN count(*)"
)


class HomeBooks(Books):
    """Books whose graph files and object store share one home, as ``--home`` finds them,
    so ``ledgergraph delete-source --home`` runs on this very graph and store."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.store = LocalObjectStore(root / "store")
        self.service = GraphService(NodeSettings(home=root, events="none"))

    def delete_with_cli(self, run_id: str) -> int:
        """``ledgergraph delete-source`` in-process (the node's files are closed first)."""
        self.service.close()
        try:
            return cli(["delete-source", run_id, "--home", str(self.root), "--graph", GRAPH])
        finally:
            self.service = GraphService(NodeSettings(home=self.root, events="none"))

    def invoice_1043_and_customer_29(self) -> list[Any]:
        (row,) = self.cypher(INVOICE_1043_AND_CUSTOMER_29)
        return row


@pytest.fixture(name="books")
def books_fixture(tmp_path: Path) -> Iterator[HomeBooks]:
    books = HomeBooks(tmp_path / "home")
    yield books
    books.service.close()


def without_invoice_161_and_customer_29(records: Records) -> None:
    records["Invoice"].remove(record(records, "Invoice", "161"))
    records["Customer"].remove(record(records, "Customer", "29"))


def customer_24_and_invoice_130_saved_again(records: Records) -> None:
    record(records, "Customer", "24")["DisplayName"] += " (edited)"
    newer(record(records, "Customer", "24"))
    newer(record(records, "Invoice", "130"))


def _runs_a_and_b_loaded(books: HomeBooks, tmp_path: Path) -> Path:
    """run-a (the sandbox), then run-b lacking Invoice 1043 and Customer 29; run-b's folder."""
    missing = sample_copy(tmp_path, "missing", without_invoice_161_and_customer_29)
    books.transform(sample_copy(tmp_path, "original"), "run-a")
    books.load("run-a")
    books.transform(missing, "run-b")
    books.load("run-b")
    return missing


def test_a_run_after_the_deleted_one_marks_the_missing_records_deleted_again(
    books: HomeBooks, tmp_path: Path
) -> None:
    original = sample_copy(tmp_path, "original")
    missing = sample_copy(tmp_path, "missing", without_invoice_161_and_customer_29)
    books.transform(original, "run-a")
    books.load("run-a")
    revenue_a = books.revenue()
    run_b = books.transform(missing, "run-b")
    books.load("run-b")
    assert (run_b.deleted_inferred, books.revenue()) == (2, revenue_a - Decimal("100.00"))

    assert books.delete_with_cli("run-b") == 0
    assert books.invoice_1043_and_customer_29() == ["1043", False, False]
    assert books.revenue() == revenue_a

    run_c = books.transform(missing, "run-c")
    books.load("run-c")
    assert run_c.deleted_inferred == 2
    assert books.invoice_1043_and_customer_29() == ["1043", True, True]
    assert books.revenue() == revenue_a - Decimal("100.00") == Decimal("8632.02")
    run_d = books.transform(missing, "run-d")  # the same listing again: nothing new
    assert run_d.deleted_inferred == 0
    assert books.reconciliation("run-d")["records"]["Invoice"]["superseded"] == 0


def test_a_graph_api_delete_of_a_run_withdraws_it_as_delete_source_does(
    books: HomeBooks, tmp_path: Path
) -> None:
    """``DELETE /databases/{graph}/sources/run-b``: run C compares with run A after it."""
    missing = _runs_a_and_b_loaded(books, tmp_path)
    books.service.close()
    books.service = GraphService(NodeSettings(home=books.root, events="none", api_key=KEY))

    answer = TestClient(create_app(books.service)).delete(
        f"/databases/{GRAPH}/sources/run-b", headers={"X-Api-Key": KEY}
    )

    assert answer.status_code == 200, answer.text
    # run-b's two inferred deletions (Invoice 1043, Customer 29) rewritten to run-a's rows
    assert (answer.json()["files"], answer.json()["rewritten"]) == (
        19, {"LedgerTransaction": 1, "Customer": 1},
    )  # fmt: skip
    withdrawal = json.loads(books.store.get_bytes(withdrawal_key(SAMPLE_REALM, "run-b")))
    assert (withdrawal["graph_id"], withdrawal["status"]) == (GRAPH, "deleted")
    assert books.invoice_1043_and_customer_29() == ["1043", False, False]
    assert books.transform(missing, "run-c").deleted_inferred == 2
    books.load("run-c")
    assert books.invoice_1043_and_customer_29() == ["1043", True, True]
    assert books.revenue() == Decimal("8632.02")


def test_reloading_the_original_after_deleting_an_edit_supersedes_nothing(
    books: HomeBooks, tmp_path: Path
) -> None:
    original = sample_copy(tmp_path, "original")
    books.transform(original, "run-a")
    books.load("run-a")
    books.transform(sample_copy(tmp_path, "edited", customer_24_and_invoice_130_saved_again),
                    "run-b")  # fmt: skip
    books.load("run-b")
    assert books.delete_with_cli("run-b") == 0

    again = books.transform(original, "run-c")
    loaded = books.load("run-c")

    records = books.reconciliation("run-c")["records"]
    assert [records[e]["superseded"] for e in ("Customer", "Invoice")] == [0, 0]
    assert again.rows["Customer"] == 33
    assert [loaded[t]["rows_updated"] for t in ("Customer", "LedgerTransaction")] == [0, 0]
    (name,) = books.cypher("MATCH (c:Customer {qbo_id: '24'}) RETURN c.display_name")[0]
    assert not name.endswith("(edited)")


INVOICE_130_AND_CUSTOMER_24 = """
MATCH (t:LedgerTransaction {txn_type: 'Invoice', qbo_id: '130'})
MATCH (c:Customer {qbo_id: '24'})
RETURN t.sync_token, c.sync_token, c.display_name
"""
CUSTOMER_24_EDITED = "Sonnenschein Family Store (edited)"


def customer_24_and_invoice_130_saved_twice(records: Records) -> None:
    customer_24_and_invoice_130_saved_again(records)
    newer(record(records, "Customer", "24"))
    newer(record(records, "Invoice", "130"))


def test_deleting_a_run_restores_the_newest_version_a_run_still_held_carries(
    books: HomeBooks, tmp_path: Path
) -> None:
    """run-c listed Invoice 130 and Customer 24 one save older than run-b had loaded: run-c's
    files carry that version all the same (superseded in the graph while run-b is held), so
    once run-b is gone the graph holds it, as a graph built without run-b does."""
    original = sample_copy(tmp_path, "original")
    edited = sample_copy(tmp_path, "edited", customer_24_and_invoice_130_saved_again)
    twice = sample_copy(tmp_path, "twice", customer_24_and_invoice_130_saved_twice)
    runs = (("run-a", original), ("run-b", twice), ("run-c", edited), ("run-d", original))
    for run_id, folder in runs:
        books.transform(folder, run_id)
        books.load(run_id)
    assert books.cypher(INVOICE_130_AND_CUSTOMER_24) == [["5", "2", CUSTOMER_24_EDITED]]
    run_c = json.loads(books.store.get_bytes(f"processed/{GRAPH}/run-c/reconciliation.json"))
    records = run_c["reconciliation"]["records"]
    assert [records[e]["superseded"] for e in ("Customer", "Invoice")] == [1, 1]

    assert books.delete_with_cli("run-b") == 0

    assert books.cypher(INVOICE_130_AND_CUSTOMER_24) == [["4", "1", CUSTOMER_24_EDITED]]
    assert_rebuild_gives_the_same_graph(books)
    # written with its lines: Invoice 130 (1037) bills three items, then a subtotal
    written = run_c["superseded_written"]
    assert written["records"] == {"Customer": 1, "Invoice": 1}
    assert (written["lines"]["out"], written["lines"]["informational"]) == (3, 1)


def test_the_missing_file_refusal_counts_the_records_the_graph_holds(
    books: HomeBooks, tmp_path: Path
) -> None:
    _runs_a_and_b_loaded(books, tmp_path)
    assert books.delete_with_cli("run-b") == 0
    no_invoices = sample_copy(tmp_path, "no-invoices")
    (no_invoices / "Invoice.json").unlink()

    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(books.store, run_id="run-c", folder=no_invoices)

    assert books.cypher(INVOICES_LIVE) == [[37]]
    assert f"{no_invoices}: no Invoice.json (37 Invoice records known)" in str(refused.value)


class Crash(BaseException):
    """Stands in for the process dying."""


@pytest.mark.parametrize(
    "dies_in",
    [
        "graph_node.service.delete_source",  # withdrawal recorded, the graph holds run-b
        "graph_node.withdrawal.finish_withdrawal",  # run-b left the graph
    ],
)
def test_an_interrupted_delete_stops_the_next_run_until_it_is_finished(
    books: HomeBooks, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies_in: str
) -> None:
    missing = _runs_a_and_b_loaded(books, tmp_path)

    def crash(*args: object, **kwargs: object) -> None:
        raise Crash

    monkeypatch.setattr(dies_in, crash)
    with pytest.raises(Crash):
        books.delete_with_cli("run-b")
    monkeypatch.undo()
    with pytest.raises(QuickBooksDataError) as refused:
        land_sample_run(books.store, run_id="run-c", folder=missing)

    assert str(refused.value) == (
        f"the delete of sync run run-b (realm {SAMPLE_REALM}) from graph {GRAPH} was "
        "interrupted, so the graph and the records a run compares against may disagree: "
        "finish it by deleting the run again (`ledgergraph delete-source --graph "
        f"{GRAPH} run-b` with the --home or --endpoint of that graph, or DELETE "
        f"/databases/{GRAPH}/sources/run-b on its graph node): it deletes what is left, or "
        "nothing"
    )
    assert not books.store.exists(f"raw/quickbooks/{SAMPLE_REALM}/runs/run-c.json")
    assert books.delete_with_cli("run-b") == 0
    assert b'"status": "deleted"' in books.store.get_bytes(withdrawal_key(SAMPLE_REALM, "run-b"))
    assert books.transform(missing, "run-c").deleted_inferred == 2


def test_a_delete_of_a_run_the_graph_never_held_leaves_no_withdrawal(
    books: HomeBooks, tmp_path: Path
) -> None:
    books.transform(sample_copy(tmp_path, "original"), "run-a")  # transformed, not loaded

    assert books.delete_with_cli("run-a") == 1

    assert not books.store.exists(withdrawal_key(SAMPLE_REALM, "run-a"))
    missing = sample_copy(tmp_path, "missing", without_invoice_161_and_customer_29)
    assert books.transform(missing, "run-b").deleted_inferred == 2


def _three_runs_then_run_b_deleted(books: HomeBooks, tmp_path: Path) -> Path:
    """run-a lists everything, run-b misses invoice 161 and customer 29, run-c lists
    everything again; all three loaded, then run-b deleted. Returns run-b's folder."""
    original = sample_copy(tmp_path, "original")
    missing = sample_copy(tmp_path, "missing", without_invoice_161_and_customer_29)
    for run_id, folder in (("run-a", original), ("run-b", missing), ("run-c", original)):
        books.transform(folder, run_id)
        books.load(run_id)
    assert books.delete_with_cli("run-b") == 0
    return missing


def test_deleting_a_run_below_a_later_one_compares_the_next_with_the_later_one(
    books: HomeBooks, tmp_path: Path
) -> None:
    """run-c listed everything again after run-b: its snapshot, not run-a's, is what the
    graph holds once run-b is gone, so run-d infers the same two deletions from it."""
    missing = _three_runs_then_run_b_deleted(books, tmp_path)
    assert books.invoice_1043_and_customer_29() == ["1043", False, False]

    run_d = books.transform(missing, "run-d")
    books.load("run-d")

    assert run_d.deleted_inferred == 2
    assert books.invoice_1043_and_customer_29() == ["1043", True, True]


def test_a_stale_snapshot_whose_raw_page_is_gone_names_run_key_and_what_to_do(
    books: HomeBooks, tmp_path: Path
) -> None:
    """run-c's snapshot must be rebuilt from its raw pages once run-b below it is deleted;
    with its Invoice page gone from the store, run-d stops with a permanent error naming
    the run, the missing key and the ways out, not a bare ObjectNotFound."""
    missing = _three_runs_then_run_b_deleted(books, tmp_path)
    run_c = SyncRun.model_validate_json(
        books.store.get_bytes(run_manifest_key(SAMPLE_REALM, "run-c"))
    )
    (page,) = [p.key for p in run_c.pages if p.entity == "Invoice"]
    books.store.delete(page)

    with pytest.raises(QuickBooksDataError) as raised:
        books.transform(missing, "run-d")

    assert str(raised.value) == (
        f"the records snapshot of sync run run-c (realm {SAMPLE_REALM}) must be rebuilt, "
        f"since run run-b below it was deleted from graph {GRAPH}, but its raw page {page} is "
        "gone from the object store. Put that page back and run the command again, or "
        f"delete run run-c from the graph as well (`ledgergraph delete-source --graph {GRAPH} "
        "run-c`): later runs then compare with the newest earlier run the graph holds"
    )
    assert page == f"raw/quickbooks/{SAMPLE_REALM}/Invoice/run-c-1.json"
    assert isinstance(raised.value.__cause__, RawPageMissing)

    # the second way on works: with run-c gone too, run-d compares with run-a
    assert books.delete_with_cli("run-c") == 0
    assert books.invoice_1043_and_customer_29() == ["1043", False, False]
    run_d = books.transform(missing, "run-d")
    books.load("run-d")
    assert run_d.deleted_inferred == 2
    assert books.invoice_1043_and_customer_29() == ["1043", True, True]


def test_a_run_whose_own_raw_page_is_gone_names_it(books: HomeBooks, tmp_path: Path) -> None:
    land_sample_run(books.store, run_id="run-a", folder=sample_copy(tmp_path, "original"))
    page = f"raw/quickbooks/{SAMPLE_REALM}/Customer/run-a-1.json"
    books.store.delete(page)

    with pytest.raises(RawPageMissing) as raised:
        transform_run(books.store, realm_id=SAMPLE_REALM, run_id="run-a", graph_id=GRAPH)

    assert str(raised.value) == (
        f"sync run run-a (realm {SAMPLE_REALM}) cannot be transformed: its raw page {page} "
        "is gone from the object store"
    )
    assert raised.value.key == page and isinstance(raised.value, QuickBooksDataError)


def test_deleting_the_run_that_inferred_a_deletion_below_a_later_full_run_keeps_it(
    books: HomeBooks, tmp_path: Path
) -> None:
    """run-c lists the copy again after run-b inferred the two deletions: it restates both
    tombstones (deleting nothing new), so once run-b is gone the graph still holds them
    deleted, as a graph built from run-a and run-c alone does, and run-d keeps them so."""
    original = sample_copy(tmp_path, "original")
    missing = sample_copy(tmp_path, "missing", without_invoice_161_and_customer_29)
    for run_id, folder in (("run-a", original), ("run-b", missing), ("run-c", missing)):
        books.transform(folder, run_id)
        books.load(run_id)
    assert books.reconciliation("run-c")["tombstones_inferred"] == 0
    assert books.delete_with_cli("run-b") == 0
    assert books.invoice_1043_and_customer_29() == ["1043", True, True]
    assert books.revenue() == Decimal("8632.02")

    run_d = books.transform(missing, "run-d")
    loaded = books.load("run-d")

    assert (run_d.deleted, run_d.deleted_inferred) == (0, 0)  # restated, not new
    assert run_d.rows["Customer"] == 32 + 1  # the listing's and Customer 29's tombstone
    assert [loaded[t]["rows_updated"] for t in ("Customer", "LedgerTransaction")] == [0, 0]
    assert books.invoice_1043_and_customer_29() == ["1043", True, True]
    assert books.revenue() == Decimal("8632.02")


def test_the_next_sync_asks_for_changes_since_the_last_run_the_graph_holds(
    tmp_path: Path,
) -> None:
    store = LocalObjectStore(tmp_path / "store")
    land_sample_run(store, run_id="run-a")
    land_sample_run(store, run_id="run-b")
    run_a = SyncRun.model_validate_json(store.get_bytes(run_manifest_key(SAMPLE_REALM, "run-a")))
    settings = QuickBooksSettings(api_base="http://127.0.0.1", token_url="")

    finish_withdrawal(store, begin_withdrawal(store, SAMPLE_REALM, GRAPH, "run-b"))
    state = live_sync_state(store, SAMPLE_REALM)
    mode = choose_mode(state, datetime.now(UTC), settings, force_full=False)
    finish_withdrawal(store, begin_withdrawal(store, SAMPLE_REALM, GRAPH, "run-a"))

    assert state is not None
    assert (state.last_run_id, state.last_started_at) == ("run-a", run_a.started_at)
    assert mode[:2] == ("cdc", "changes since run run-a")
    assert live_sync_state(store, SAMPLE_REALM) is None  # every run withdrawn: list in full


def test_a_delete_refused_while_the_graph_is_busy_records_no_withdrawal(
    books: HomeBooks, tmp_path: Path
) -> None:
    missing = _runs_a_and_b_loaded(books, tmp_path)
    books.service.close()
    books.service = GraphService(
        NodeSettings(home=books.root, events="none", writer_lock_timeout_s=0.1)
    )
    writer_lock = books.service.graph(GRAPH).writer_lock
    with writer_lock, pytest.raises(WriterBusy):  # another write holds the graph
        books.service.delete_source(GRAPH, "run-b")

    assert not books.store.exists(withdrawal_key(SAMPLE_REALM, "run-b"))
    # the realm's next run is not stopped by a delete that never started
    assert land_sample_run(books.store, run_id="run-c", folder=missing)


def test_a_delete_that_finds_nothing_keeps_an_earlier_completed_withdrawal(
    books: HomeBooks, tmp_path: Path
) -> None:
    """run-b deleted, then the graph set aside and built again from run-a (as the advice
    for a graph of an older schema has it): a delete of run-b there finds no file of it."""
    missing = _runs_a_and_b_loaded(books, tmp_path)
    assert books.delete_with_cli("run-b") == 0
    done = books.store.get_bytes(withdrawal_key(SAMPLE_REALM, "run-b"))
    books.service.close()
    shutil.move(books.root / "graphs" / GRAPH, tmp_path / "set-aside")
    books.service = GraphService(NodeSettings(home=books.root, events="none"))
    books.load("run-a")

    with pytest.raises(SourceNotFound):
        books.service.delete_source(GRAPH, "run-b")

    assert books.store.get_bytes(withdrawal_key(SAMPLE_REALM, "run-b")) == done
    assert b'"status": "deleted"' in done
    # run-c still compares with run-a, the last run the graph holds
    assert books.transform(missing, "run-c").deleted_inferred == 2


def test_the_run_after_a_deleted_one_names_only_versions_held_runs_carry(
    books: HomeBooks, tmp_path: Path
) -> None:
    """run-c was transformed on top of run-b, so its snapshot kept run-b's versions (Invoice
    130 at SyncToken 5, Customer 24 at 2) where it listed older ones (4, 1). Once run-b is
    deleted the graph holds run-c's versions, and run-d is compared with those."""
    edited = sample_copy(tmp_path, "edited", customer_24_and_invoice_130_saved_again)
    twice = sample_copy(tmp_path, "twice", customer_24_and_invoice_130_saved_twice)
    runs = (("run-a", sample_copy(tmp_path, "original")), ("run-b", twice), ("run-c", edited))
    for run_id, folder in runs:
        books.transform(folder, run_id)
        books.load(run_id)
    assert books.delete_with_cli("run-b") == 0

    books.transform(sample_copy(tmp_path, "original-again"), "run-d")
    loaded = books.load("run-d")

    records = books.reconciliation("run-d")["records"]
    reasons = [records[e]["superseded_reasons"] for e in ("Customer", "Invoice")]
    updated = "updated 2026-05-06T10:00:00-07:00"
    assert reasons == [
        {f"Customer 24: SyncToken 0 updated 2026-04-08T13:16:17-07:00 is older than the "
         f"version known (SyncToken 1 {updated})": 1},
        {f"Invoice 130: SyncToken 3 updated 2026-05-05T03:13:29-07:00 is older than the "
         f"version known (SyncToken 4 {updated})": 1},
    ]  # fmt: skip
    assert [loaded[t]["rows_updated"] for t in ("Customer", "LedgerTransaction")] == [0, 0]
    assert books.cypher(INVOICE_130_AND_CUSTOMER_24) == [["4", "1", CUSTOMER_24_EDITED]]
