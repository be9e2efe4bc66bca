"""Records without a usable ``MetaData.LastUpdatedTime``: rejected, naming the record.

A record's version is its SyncToken, then its LastUpdatedTime, and the version stored with
it says when QuickBooks last changed it. A CDC change of Customer 2 under SyncToken 1 with
``"MetaData": null`` (or ``"x"``, or none) was accepted and stored under the previous
version's update time. QuickBooks dates every record it sends, so such a record is
rejected (15_values.sql) and the version known before is kept.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
)
from test_quickbooks_versions import record

from tests.fakes.quickbooks_server import FakeQuickBooks

ABSENT = object()


def undated(fake: FakeQuickBooks, entity: str, qbo_id: str, meta: object) -> dict[str, Any]:
    """The sandbox record saved once more (SyncToken 1), its MetaData ``meta``."""
    changed = copy.deepcopy(record(fake.records, entity, qbo_id))
    changed["SyncToken"] = "1"
    if meta is ABSENT:
        del changed["MetaData"]
    else:
        changed["MetaData"] = meta
    return changed


@pytest.mark.parametrize(
    ("meta", "shown"),
    [(None, "null"), ("x", '"x"'), (ABSENT, "null"), ({"CreateTime": None}, '{"CreateTime":null}')],
)
def test_a_change_without_its_update_time_is_rejected_and_the_known_version_kept(
    harness: Harness, fake: FakeQuickBooks, meta: object, shown: str
) -> None:
    """Customer 2 (Bill's Windsurf Shop) and Invoice 1037 (Id 130), renamed and re-dated."""
    harness.sync(run_id="run-1")
    harness.transform("run-1")
    customer = undated(fake, "Customer", "2", meta)
    customer["DisplayName"] = "Meta null"
    invoice = undated(fake, "Invoice", "130", meta)
    invoice["DocNumber"] = "1037-B"
    fake.cdc_changes = {"Customer": [customer], "Invoice": [invoice]}
    harness.sync(run_id="run-2")

    summary = harness.transform("run-2")

    details = harness.store.get_bytes(f"processed/{GRAPH}/run-2/reconciliation.json")
    records = json.loads(details)["reconciliation"]["records"]
    why = "has no LastUpdatedTime (every record QuickBooks sends is dated)"
    assert {e: records[e]["rejected"] for e in ("Customer", "Invoice")} == {
        "Customer": {f"Customer 2: MetaData {shown} {why}": 1},
        "Invoice": {f"Invoice 130: MetaData {shown} {why}": 1},
    }
    counts = {e: (r["records_in"], r["out"]) for e, r in records.items()}
    assert counts == {"CompanyInfo": (1, 1), "Customer": (1, 0), "Invoice": (1, 0)}
    assert summary.rejected == 2
    assert harness.rows("run-2", "Customer") == []
    assert harness.rows("run-2", "LedgerTransaction") == []
