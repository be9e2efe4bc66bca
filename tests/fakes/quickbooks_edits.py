"""Edits of the recorded sandbox company, as a CDC answer of the fake QuickBooks serves them.

Built from the recorded records (``load_sandbox``), changed the way a bookkeeper would:
Invoice 1015 (Id 49) gets line 1 at 4 x 80.00 instead of 4 x 75.00 and loses line 4
(Garden Rocks, 180.00), its subtotal, 5 % discount and totals follow; customer 18 is
deleted and customer 2 copied to a new customer 900; item 5 (Rock Fountain) gets a sparse
update of its unit price alone.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.quickbooks_server import load_sandbox

UPDATED_AT = {"LastUpdatedTime": "2026-05-06T10:00:00-07:00"}


def edited_invoice() -> dict[str, Any]:
    """Invoice 1015 with line 1 at 320.00 and the Garden Rocks line removed: 802.75."""
    invoice = copy.deepcopy(next(i for i in load_sandbox()["Invoice"] if i["Id"] == "49"))
    lines = invoice["Line"]
    lines[0]["Amount"] = 320
    lines[0]["SalesItemLineDetail"]["UnitPrice"] = 80
    del lines[3]
    subtotal = next(line for line in lines if line["DetailType"] == "SubTotalLineDetail")
    subtotal["Amount"] = 845
    discount = next(line for line in lines if line["DetailType"] == "DiscountLineDetail")
    discount["Amount"] = 42.25  # 5 % of 845
    invoice.update(SyncToken="1", TotalAmt=802.75, Balance=802.75, MetaData=UPDATED_AT,
                   PrivateNote="Garden rocks taken off")  # fmt: skip
    return invoice


def new_customer() -> dict[str, Any]:
    """Customer 2 (Bill's Windsurf Shop) copied to Id 900, as if entered again."""
    customer = copy.deepcopy(next(c for c in load_sandbox()["Customer"] if c["Id"] == "2"))
    customer.update(Id="900", SyncToken="0", MetaData=UPDATED_AT,
                    DisplayName="Bill's Windsurf Shop (2)")  # fmt: skip
    return customer


def cdc_changes() -> dict[str, list[dict[str, Any]]]:
    """The edited invoice, customer 18 deleted, customer 900 new, item 5 at 290.00."""
    return {
        "Invoice": [edited_invoice()],
        "Customer": [
            {"domain": "QBO", "status": "Deleted", "Id": "18", "MetaData": UPDATED_AT},
            new_customer(),
        ],
        "Item": [{"Id": "5", "SyncToken": "9", "sparse": True, "domain": "QBO",
                  "MetaData": UPDATED_AT, "UnitPrice": 290}],
    }  # fmt: skip
