"""Record versions and malformed values, on copies of the bundled sandbox recordings.

Each test copies ``sample_data/quickbooks/sandbox-company-a``, edits a few records the way
QuickBooks would (a rename with SyncToken + 1 and a later LastUpdatedTime, a line taken off
an invoice) or the way a broken feed would (a TotalAmt of "abc"), lands the copy as a sync
run through the real extract code, transforms it and loads it into an in-process graph node.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_graph_node_cases import graph_rows

from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.loading import register_entries
from ledgergraph.manifest import SourceUnitManifest, manifest_key
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.run_report import validation_section
from ledgergraph.quickbooks.staging_check import check_staging
from ledgergraph.quickbooks.transform.service import TransformSummary, transform_run
from localrun.quickbooks_sample import SAMPLE_COMPANY, SAMPLE_REALM, land_sample_run

GRAPH = "qbo-sample"
LATER = "2026-05-06T10:00:00-07:00"
Records = dict[str, list[dict[str, Any]]]

INCOME_BY_CONCEPT = """
MATCH (a:LedgerAccount)-[:ACCOUNT_MAPS_TO_ELEMENT]->(e:Element)
WHERE a.classification IN ['Revenue', 'Expense']
MATCH (t:LedgerTransaction)-[:TRANSACTION_HAS_LINE]->(l:LineItem)-[:LINE_POSTS_TO_ACCOUNT]->(a)
WHERE NOT t.is_deleted
WITH e.qname AS concept, l.posting_type AS side,
     CAST(CAST(l.amount_home AS DECIMAL(18, 2)) * 100 AS INT64) AS cents
WITH concept, sum(CASE WHEN side = 'credit' THEN cents ELSE -cents END) AS net
RETURN concept, CAST(net AS DECIMAL(18, 0)) * CAST('0.01' AS DECIMAL(3, 2))
"""


def sample_copy(root: Path, name: str, edit: Callable[[Records], None] | None = None) -> Path:
    """A copy of the bundled recordings, ``edit`` applied to {entity: records}."""
    folder = root / name
    shutil.copytree(SAMPLE_COMPANY, folder)
    if edit is None:
        return folder
    bodies = {p.stem: json.loads(p.read_text()) for p in folder.glob("[A-Z]*.json")}
    edit({entity: body["QueryResponse"].get(entity, []) for entity, body in bodies.items()})
    for entity, body in bodies.items():
        (folder / f"{entity}.json").write_text(json.dumps(body))
    return folder


def record(records: Records, entity: str, qbo_id: str) -> dict[str, Any]:
    return next(r for r in records[entity] if r["Id"] == qbo_id)


def newer(rec: dict[str, Any]) -> None:
    """What QuickBooks does to a record it saves: SyncToken + 1, a later update time."""
    rec["SyncToken"] = str(int(rec["SyncToken"]) + 1)
    rec["MetaData"]["LastUpdatedTime"] = LATER


def rename_and_drop_a_line(records: Records) -> None:
    """Customer 2 renamed; Invoice 129 (1036) without its 15.00 line 5."""
    customer = record(records, "Customer", "2")
    customer["DisplayName"] = "Bill's Windsurf Shop (renamed)"
    newer(customer)
    invoice = record(records, "Invoice", "129")
    invoice["Line"] = [line for line in invoice["Line"] if line.get("Id") != "5"]
    invoice["Line"][-1]["Amount"] = 462.5  # the subtotal
    invoice["TotalAmt"] = invoice["Balance"] = 462.5
    newer(invoice)


class Books:
    """One object store and one graph node: land, transform and load sample copies."""

    def __init__(self, root: Path) -> None:
        self.store = LocalObjectStore(root / "store")
        self.service = GraphService(NodeSettings(
            home=root / "node", store_uri=self.store.root.as_uri(), events="none",
        ))  # fmt: skip

    def transform(self, folder: Path, run_id: str) -> TransformSummary:
        land_sample_run(self.store, run_id=run_id, folder=folder)
        return transform_run(self.store, realm_id=SAMPLE_REALM, run_id=run_id, graph_id=GRAPH)

    def load(self, run_id: str) -> dict[str, dict[str, Any]]:
        """What the loading steps do with a transformed run; materialize answers by table."""
        raw = self.store.get_bytes(manifest_key(GRAPH, run_id))
        entries = register_entries(self.store, SourceUnitManifest.model_validate_json(raw))
        files = self.service.register_files(GRAPH, entries)["files"]
        ids = {f["table"]: f["file_id"] for f in files}
        self.service.stage_files(GRAPH, list(ids.values()))
        return {t: self.service.materialize(GRAPH, t, [ids[t]]) for t in LOAD_ORDER if t in ids}

    def reconciliation(self, run_id: str) -> dict[str, Any]:
        key = f"processed/{GRAPH}/{run_id}/reconciliation.json"
        return json.loads(self.store.get_bytes(key))["reconciliation"]

    def cypher(self, query: str) -> list[list[Any]]:
        return self.service.query_cypher(GRAPH, query)["rows"]

    def revenue(self) -> Decimal:
        rows = dict(self.cypher(INCOME_BY_CONCEPT))
        return Decimal(str(rows["us-gaap:Revenues"]))

    def customer_2(self) -> list[Any]:
        (row,) = self.cypher(
            "MATCH (c:Customer) WHERE c.qbo_id = '2' RETURN c.display_name, c.sync_token"
        )
        return row


@pytest.fixture(name="books")
def books_fixture(tmp_path: Path) -> Iterator[Books]:
    books = Books(tmp_path)
    yield books
    books.service.close()


def test_an_older_version_loaded_after_a_newer_one_is_superseded_not_applied(
    books: Books, tmp_path: Path
) -> None:
    original = sample_copy(tmp_path, "original")
    edited = sample_copy(tmp_path, "edited", rename_and_drop_a_line)
    books.transform(original, "run-1")
    books.load("run-1")
    assert books.revenue() == Decimal("8732.02")

    books.transform(edited, "run-2")
    newer_load = books.load("run-2")
    assert books.revenue() == Decimal("8717.02")
    assert books.customer_2() == ["Bill's Windsurf Shop (renamed)", "1"]
    assert newer_load["LedgerTransaction"]["nodes_removed"] == {"LineItem": 1}

    again = books.transform(original, "run-3")
    older_load = books.load("run-3")

    assert books.revenue() == Decimal("8717.02")
    assert books.customer_2() == ["Bill's Windsurf Shop (renamed)", "1"]
    assert [older_load[t]["rows_updated"] for t in ("Customer", "LedgerTransaction")] == [0, 0]
    assert (older_load["LineItem"]["rows_added"], older_load["LineItem"]["rows_updated"]) == (0, 0)
    # written all the same: Invoice 129 as run-3 listed it, its 6 postings superseded
    assert again.rows["LineItem"] == 352
    assert older_load["LineItem"]["rows_superseded"] == 6
    assert_rebuild_gives_the_same_graph(books)
    records = books.reconciliation("run-3")["records"]
    assert records["Customer"]["superseded_reasons"] == {
        "Customer 2: SyncToken 0 updated 2026-05-05T03:08:49-07:00 is older than the version "
        f"known (SyncToken 1 updated {LATER})": 1
    }
    assert records["Invoice"]["superseded"] == 1
    assert records["Invoice"]["records_in"] == records["Invoice"]["out"] + 1 == 37


def test_a_record_missing_from_a_listing_is_live_again_when_listed_again(
    books: Books, tmp_path: Path
) -> None:
    def without_invoice_129(records: Records) -> None:
        records["Invoice"].remove(record(records, "Invoice", "129"))

    def invoice_129_saved_again(records: Records) -> None:
        newer(record(records, "Invoice", "129"))

    books.transform(sample_copy(tmp_path, "original"), "run-1")
    gone = books.transform(sample_copy(tmp_path, "gone", without_invoice_129), "run-2")
    again = books.transform(sample_copy(tmp_path, "original-again"), "run-3")
    saved = books.transform(sample_copy(tmp_path, "saved", invoice_129_saved_again), "run-4")

    assert (gone.deleted, gone.rows["LedgerTransaction"]) == (1, 148)  # 147 live, 1 tombstone
    assert books.reconciliation("run-3")["records"]["Invoice"]["superseded"] == 0
    assert (again.deleted, again.rows["LedgerTransaction"]) == (0, 148)
    assert saved.rows["LedgerTransaction"] == 148
    assert books.reconciliation("run-4")["records"]["Invoice"]["superseded"] == 0


def break_values(records: Records) -> None:
    record(records, "Invoice", "130")["TotalAmt"] = "abc"
    record(records, "Invoice", "129")["TxnDate"] = "2024-13-45"
    record(records, "Invoice", "95")["Line"][1]["Amount"] = "12.3.4"


def test_malformed_values_reject_their_record_naming_field_and_value(
    books: Books, tmp_path: Path
) -> None:
    summary = books.transform(sample_copy(tmp_path, "broken", break_values), "run-1")

    reconciliation = books.reconciliation("run-1")
    invoices = reconciliation["records"]["Invoice"]
    assert invoices["rejected"] == {
        'Invoice 129: TxnDate "2024-13-45" is not a date (YYYY-MM-DD)': 1,
        'Invoice 130: TotalAmt "abc" is not a number': 1,
        'Invoice 95: Line[1].Amount "12.3.4" is not a number': 1,
    }
    assert (invoices["records_in"], invoices["out"], summary.rejected) == (37, 34, 3)
    assert (summary.rows["LedgerTransaction"], summary.rows["LineItem"]) == (145, 336)
    lines = reconciliation["lines"]
    assert lines["records_in"] == lines["out"] + lines["informational"] == 235
    assert lines["rejected"] == {}


def test_a_rejected_record_keeps_the_graphs_version(books: Books, tmp_path: Path) -> None:
    books.transform(sample_copy(tmp_path, "original"), "run-1")
    books.load("run-1")

    summary = books.transform(sample_copy(tmp_path, "broken", break_values), "run-2")
    loaded = books.load("run-2")

    assert (summary.rejected, summary.deleted, summary.rows["LedgerTransaction"]) == (3, 0, 145)
    assert loaded["LedgerTransaction"]["rows_updated"] == 0
    assert books.revenue() == Decimal("8732.02")
    (total,) = books.cypher(
        "MATCH (t:LedgerTransaction) WHERE t.txn_type = 'Invoice' AND t.qbo_id = '130' "
        "RETURN t.total_amount, t.txn_date, t.is_deleted"
    )
    assert total[0] == "362.07" and total[2] is False


def test_a_recording_that_is_not_json_is_named_with_its_entity(tmp_path: Path) -> None:
    folder = sample_copy(tmp_path, "truncated")
    text = (folder / "Invoice.json").read_text()
    (folder / "Invoice.json").write_text(text[:1989])
    store = LocalObjectStore(tmp_path / "store")

    with pytest.raises(QuickBooksDataError) as raised:
        land_sample_run(store, folder=folder)

    assert str(raised.value) == (
        f"recorded Invoice records in {folder / 'Invoice.json'} are not valid JSON: "
        "Expecting ',' delimiter: line 74 column 1 (char 1989)"
    )


def test_a_redriven_older_run_loaded_last_changes_nothing(books: Books, tmp_path: Path) -> None:
    books.transform(sample_copy(tmp_path, "original"), "run-1")
    books.transform(sample_copy(tmp_path, "edited", rename_and_drop_a_line), "run-2")
    books.load("run-2")  # run-1 failed to load; run-2 loaded; then run-1 is redriven

    late = books.load("run-1")

    assert books.revenue() == Decimal("8717.02")
    assert books.customer_2() == ["Bill's Windsurf Shop (renamed)", "1"]
    superseded = {t: late[t]["rows_superseded"] for t in late if late[t]["rows_superseded"]}
    assert superseded == {
        "Customer": 1, "LedgerTransaction": 1, "LineItem": 6, "TRANSACTION_HAS_LINE": 6,
        "LINE_POSTS_TO_ACCOUNT": 6, "LINE_HAS_ITEM": 5, "TRANSACTION_HAS_CUSTOMER": 1,
    }  # fmt: skip
    assert sum(answer["rows_added"] for answer in late.values()) == 0
    assert sum(answer["rows_updated"] for answer in late.values()) == 0
    assert_rebuild_gives_the_same_graph(books)


def assert_rebuild_gives_the_same_graph(books: Books) -> None:
    incremental = graph_rows(books.service, GRAPH)
    books.service.rebuild(GRAPH)
    rebuilt = graph_rows(books.service, GRAPH)
    for table, rows in incremental.items():
        assert rebuilt[table] == rows, table


class NodeClient:
    """The staging check's Graph API calls, answered by the in-process graph node."""

    def __init__(self, service: GraphService) -> None:
        self.service = service

    def query_staging(
        self, graph_id: str, sql: str, parameters: list[Any], *, correlation_id: str | None
    ) -> dict[str, Any]:
        return self.service.query_staging(graph_id, sql, parameters)


def invoice_130_saved_again(records: Records) -> None:
    newer(record(records, "Invoice", "130"))


def invoice_130_total_off_by_ten(records: Records) -> None:
    """Invoice 130 (1037) at the sandbox's SyncToken, billing 10.00 more than its lines."""
    record(records, "Invoice", "130")["TotalAmt"] = 372.07


def test_an_unbalanced_superseded_version_is_named_apart_from_staging_failures(
    books: Books, tmp_path: Path
) -> None:
    """run-3 lists Invoice 130 one save older than run-2 loaded, and unbalanced: its files
    carry that version (superseded in the graph), which the transform did not validate."""
    runs = (
        ("run-1", sample_copy(tmp_path, "original")),
        ("run-2", sample_copy(tmp_path, "saved", invoice_130_saved_again)),
        ("run-3", sample_copy(tmp_path, "off", invoice_130_total_off_by_ten)),
    )
    for run_id, folder in runs:
        books.transform(folder, run_id)
        books.load(run_id)

    staging = check_staging(NodeClient(books.service), GRAPH, "run-3")  # type: ignore[arg-type]
    raw = books.store.get_bytes(f"processed/{GRAPH}/run-3/reconciliation.json")
    section = validation_section(json.loads(raw)["validation"], staging)

    assert [f for f in section["failures"] if f.startswith("staging_balanced")] == []
    assert section["superseded_unbalanced"] == [
        "Invoice 1037 (Id 130): debits 372.07 <> credits 362.07 in a superseded version the "
        "run staged; the graph holds a newer one"
    ]
