"""Change Data Capture bodies not shaped as QuickBooks sends them: a named error, or one record.

A CDC response whose envelope is wrong (``CDCResponse`` not a list, a ``QueryResponse``
part not an object, an entity's changes not a list, a record in them not an object) once
raised AttributeError out of the sync, or, for an entity's changes not a list, was read as
"nothing changed" without a word. The client now refuses such a body naming the request
and the part, before anything lands (the sync state stays where it was, so the next run
asks for the same changes). A record that is an object but has no usable Id (a deletion
stub included) is rejected alone by the transform and counted.

Every body here is the fake server's own CDC answer for the edits of the recorded sandbox
company (``tests/fakes/quickbooks_edits.py``), copied and then broken in one place.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    REALM,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)

from ledgergraph.errors import ObjectNotFound
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.runs import SYNC_ENTITIES, run_manifest_key
from tests.fakes.quickbooks_edits import cdc_changes
from tests.fakes.quickbooks_server import FakeQuickBooks, Scripted

Body = dict[str, Any]
CDC_PAGE = f"raw/quickbooks/{REALM}/cdc/run-2-1.json"


def served_cdc_body(fake: FakeQuickBooks) -> Body:
    """A copy of what the fake answers a CDC request with, for the edited sandbox company:
    one part per synced entity; Invoice 49 edited, Customer 18 deleted and 900 new, Item 5
    sparse."""
    fake.cdc_changes = cdc_changes()
    since = datetime.now(UTC).isoformat(timespec="seconds")
    return copy.deepcopy(fake.answer_cdc(",".join(SYNC_ENTITIES), since).body)


def part(body: Body, entity: str) -> Body:
    """The QueryResponse part holding ``entity``'s changes."""
    parts = body["CDCResponse"][0]["QueryResponse"]
    return next(p for p in parts if entity in p)


def sync_with_cdc_body(
    harness: Harness, fake: FakeQuickBooks, edit: Callable[[Body], None]
) -> None:
    """A first full run transformed, then a CDC run answered with the edited body."""
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    body = served_cdc_body(fake)
    edit(body)
    fake.script("cdc", Scripted(200, {}, body))
    harness.sync(run_id="run-2")


def set_field(path: str, value: object) -> Callable[[Body], None]:
    def edit(body: Body) -> None:
        if path == "CDCResponse":
            body["CDCResponse"] = value
        elif path == "QueryResponse[3]":
            body["CDCResponse"][0]["QueryResponse"][3] = value
        else:
            part(body, "Invoice")["Invoice"] = value

    return edit


def append_to_invoices(body: Body) -> None:
    part(body, "Invoice")["Invoice"].append("49")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (set_field("CDCResponse", {"QueryResponse": []}), "CDCResponse a JSON object, not a list"),
        (set_field("QueryResponse[3]", "Vendor"),
         "CDCResponse[0].QueryResponse[3] a JSON string, not an object"),
        (set_field("Invoice", {"Id": "49"}),
         "CDCResponse[0].QueryResponse[8].Invoice a JSON object, not a list of records"),
        (append_to_invoices,
         "Invoice record 2 (counted from 1) of CDCResponse[0].QueryResponse[8] a JSON string, "
         "not an object (1 such record)"),
    ],
)  # fmt: skip
def test_a_misshapen_cdc_body_stops_the_sync_naming_the_request_and_the_part(
    harness: Harness, fake: FakeQuickBooks, edit: Callable[[Body], None], problem: str
) -> None:
    with pytest.raises(QuickBooksDataError) as refused:
        sync_with_cdc_body(harness, fake, edit)

    (request,) = fake.seen("/cdc")
    since = request.params["changedSince"]
    assert str(refused.value) == (
        f"QuickBooks answered the change data capture request (/cdc, changedSince {since}) "
        f"of realm {REALM} with {problem}: not a CDC response QuickBooks gives; the run stops "
        "before its manifest, so none of it is transformed"
    )
    with pytest.raises(ObjectNotFound):
        harness.store.get_bytes(run_manifest_key(REALM, "run-2"))
    assert not harness.store.exists(CDC_PAGE)


def without_deleted_customer_id(body: Body) -> None:
    """Customer 18's deletion stub without its Id; Invoice 49 with ``"Id": null``."""
    deletion = part(body, "Customer")["Customer"][0]
    assert deletion["status"] == "Deleted" and deletion["Id"] == "18"
    del deletion["Id"]
    part(body, "Invoice")["Invoice"][0]["Id"] = None


def test_cdc_records_without_an_id_are_rejected_alone_and_the_counts_reconcile(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    sync_with_cdc_body(harness, fake, without_deleted_customer_id)

    summary = harness.transform("run-2")

    details = json.loads(harness.store.get_bytes(f"processed/{GRAPH}/run-2/reconciliation.json"))
    records = details["reconciliation"]["records"]
    assert records["Customer"]["rejected"] == {
        f"Customer record 1 of {CDC_PAGE} (a deletion): no Id": 1
    }
    assert records["Invoice"]["rejected"] == {
        f'Invoice record 1 of {CDC_PAGE} (DocNumber "1015"): no Id': 1
    }
    counts = {e: (r["records_in"], r["out"], sum(r["rejected"].values()))
              for e, r in records.items()}  # fmt: skip
    assert counts == {"CompanyInfo": (1, 1, 0), "Customer": (2, 1, 1), "Invoice": (1, 0, 1),
                      "Item": (1, 1, 0)}  # fmt: skip
    assert summary.rejected == 2 and summary.deleted == 0
    (customer,) = harness.rows("run-2", "Customer")  # 900 only: 18 is not deleted
    assert (customer["display_name"], customer["is_deleted"]) == ("Bill's Windsurf Shop (2)", False)
    assert harness.rows("run-2", "LedgerTransaction") == []


def test_a_cdc_record_nested_too_deep_to_read_is_rejected_alone_and_the_run_goes_on(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    """The edited Invoice 1015 (Id 49) with a field 3000 lists deep: Python cannot read such
    an answer, and the sync stopped on it, run after run, until the record changed in
    QuickBooks. The value is cut out as the answer arrives, the record rejected naming it."""
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    body = served_cdc_body(fake)
    part(body, "Invoice")["Invoice"][0]["CustomField"] = "DEEP"
    text = json.dumps(body).replace('"DEEP"', "[" * 3000 + "]" * 3000)
    fake.script("cdc", Scripted(200, {}, raw=text))
    harness.sync(run_id="run-2")

    summary = harness.transform("run-2")

    assert harness.rejected("run-2") == {"Invoice": {
        "Invoice 49: CustomField is nested more than 32 levels deep (no record QuickBooks "
        "sends is): not read": 1}}  # fmt: skip
    assert harness.record_counts("run-2") == {
        "CompanyInfo": (1, 1, 0), "Customer": (2, 2, 0), "Invoice": (1, 0, 1), "Item": (1, 1, 0)
    }  # fmt: skip
    assert summary.deleted == 1  # Customer 18's deletion is applied all the same
    assert harness.rows("run-2", "LedgerTransaction") == []


@pytest.mark.parametrize(("status", "shown"), [(1, "1"), ({"x": 1}, '{"x":1}'), (None, "null")])
def test_a_cdc_status_that_is_not_text_rejects_its_record_not_the_run(
    harness: Harness, fake: FakeQuickBooks, status: object, shown: str
) -> None:
    """Customer 18's deletion stub with a status that is not text: it was read as a live
    record, and Customer 18 written again with its Id alone (no name)."""

    def misstate(body: Body) -> None:
        part(body, "Customer")["Customer"][0]["status"] = status

    sync_with_cdc_body(harness, fake, misstate)

    summary = harness.transform("run-2")

    assert harness.rejected("run-2") == {"Customer": {
        f'Customer 18: status {shown} is not a record status (text; "Deleted" marks a '
        "deletion)": 1}}  # fmt: skip
    assert harness.record_counts("run-2") == {
        "CompanyInfo": (1, 1, 0), "Customer": (2, 1, 1), "Invoice": (1, 1, 0), "Item": (1, 1, 0)
    }  # fmt: skip
    assert summary.deleted == 0
    (customer,) = harness.rows("run-2", "Customer")  # 900 only: 18 is neither written nor deleted
    assert customer["display_name"] == "Bill's Windsurf Shop (2)"
