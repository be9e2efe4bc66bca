"""What a sync run leaves in the object store, and the keys it lives under.

```
raw/quickbooks/{realm_id}/{Entity}/{run_id}-{n}.json   query page n of an entity, as returned
raw/quickbooks/{realm_id}/cdc/{run_id}-{n}.json        a CDC response, as returned
raw/quickbooks/{realm_id}/runs/{run_id}.json           the run's manifest: written last
state/quickbooks/{realm_id}/sync.json                  the last complete sync (for CDC)
state/quickbooks/{realm_id}/records-{run_id}.parquet   every record known after that run
state/quickbooks/{realm_id}/records-{run_id}.json      the deleted runs that snapshot leaves out
state/quickbooks/{realm_id}/withdrawn/{run_id}.json    the run was deleted from its graph
```

QuickBooks entity names are PascalCase; the lower-case segments (``cdc``, ``runs``) are ours.
Reports land like entities (``raw/quickbooks/{realm_id}/BalanceSheet/{run_id}-1.json``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

LIST_ENTITIES: tuple[str, ...] = (
    "Account", "Customer", "Vendor", "Employee", "Item", "Class", "Department",
)  # fmt: skip
TRANSACTION_ENTITIES: tuple[str, ...] = (
    "JournalEntry", "Invoice", "Bill", "Payment", "BillPayment", "SalesReceipt", "Purchase",
    "Deposit", "Transfer", "CreditMemo", "VendorCredit", "RefundReceipt",
)  # fmt: skip
SYNC_ENTITIES: tuple[str, ...] = (*LIST_ENTITIES, *TRANSACTION_ENTITIES)
REPORTS: tuple[str, ...] = ("ProfitAndLoss", "BalanceSheet", "TrialBalance")
# Beside a run's manifest in processed/{graph_id}/{run_id}/: counts, rejections, validation.
RECONCILIATION_NAME = "reconciliation.json"

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


def check_segment(value: str, what: str) -> str:
    """Realm and run ids become key segments: letters, digits, ``_ . -`` only."""
    if not _SAFE.match(value):
        raise ValueError(f"invalid {what}: {value!r}")
    return value


def new_run_id(realm_id: str, now: datetime | None = None) -> str:
    """``qbo-{realm_id}-{YYYYMMDDTHHMMSSffffffZ}``: unique per realm, sortable, no colon."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"qbo-{check_segment(realm_id, 'realm id')}-{moment:%Y%m%dT%H%M%S%fZ}"


_RUN_MOMENT = re.compile(r"[0-9]{8}T[0-9]{12}Z")


def realm_in_run_id(run_id: str) -> str | None:
    """The realm id (or the label, ``sample``) a ``new_run_id``-shaped id carries, else None."""
    prefix, _, rest = run_id.partition("-")
    realm, _, moment = rest.rpartition("-")
    if prefix != "qbo" or not realm or not _RUN_MOMENT.fullmatch(moment):
        return None
    return realm


def raw_page_key(realm_id: str, entity: str, run_id: str, number: int) -> str:
    return f"raw/quickbooks/{realm_id}/{entity}/{run_id}-{number}.json"


def run_manifest_key(realm_id: str, run_id: str) -> str:
    return f"raw/quickbooks/{realm_id}/runs/{run_id}.json"


def sync_state_key(realm_id: str) -> str:
    return f"state/quickbooks/{realm_id}/sync.json"


def records_state_key(realm_id: str, run_id: str) -> str:
    return f"state/quickbooks/{realm_id}/records-{run_id}.parquet"


def records_basis_key(realm_id: str, run_id: str) -> str:
    """The runs already deleted from the graph when ``records-{run_id}.parquet`` was
    written (``transform/snapshots.py``)."""
    return f"state/quickbooks/{realm_id}/records-{run_id}.json"


class RawPage(BaseModel):
    """One response body landed in the raw store."""

    kind: Literal["query", "cdc", "report", "companyinfo"]
    entity: str = Field(description="entity or report name; 'cdc' for a CDC response")
    number: int
    key: str
    records: int = Field(description="records in the body (0 for reports)")


class SyncRun(BaseModel):
    """The manifest of a sync run; its presence means every raw page of the run landed."""

    realm_id: str
    run_id: str
    mode: Literal["full", "cdc"]
    mode_reason: str
    previous_run_id: str | None = Field(
        default=None, description="the last complete run before this one, if any"
    )
    changed_since: str | None = Field(default=None, description="CDC changedSince sent")
    full_entities: list[str] = Field(
        description="entities listed completely in this run: a known record missing from "
        "them was deleted (or merged) in QuickBooks"
    )
    deletions_confirmed: bool = Field(
        default=False,
        description="a full listing may delete every known record of its entity (asked for "
        "with --missing-means-empty); otherwise the transform refuses such a listing",
    )
    started_at: str
    finished_at: str
    pages: list[RawPage]
    report_period: tuple[str, str] | None = None

    def records_by_entity(self) -> dict[str, int]:
        """Records landed per entity; a CDC response's records count under "cdc"."""
        counts: dict[str, int] = {}
        for page in self.pages:
            if page.kind in ("query", "cdc"):
                counts[page.entity] = counts.get(page.entity, 0) + page.records
        return counts


class SyncState(BaseModel):
    """The last complete sync of a realm, the starting point of the next CDC run."""

    realm_id: str
    last_run_id: str
    last_started_at: str = Field(description="ISO 8601 UTC start of that run")
