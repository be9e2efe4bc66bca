"""Where the rows of the tables that hold more rows than the run's records come from.

``LedgerAccount`` holds a row per Account record and one the transform derives: the sales
tax account QuickBooks' API does not list (``30_accounts.sql``), plus a tombstone for each
known account a run marks or restates deleted without listing it. ``LineItem`` holds a
row per posting: one per QuickBooks ``Line`` entry that posts, and the postings derived
from each transaction's header (its receivable, payable or bank side, sales tax, cash
back: ``65_header_postings.sql``). Each is counted so that

    records in + rows derived = rows written + not written (with the reason)

holds for the run's files, its superseded versions included (``superseded.py``).
"""

from __future__ import annotations

import duckdb
from pydantic import BaseModel, Field

from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.transform.outputs import Reconciliation
from ledgergraph.quickbooks.transform.superseded import SupersededWritten

SYNTHETIC = "sales tax account (not in QuickBooks' API)"
TOMBSTONES = "tombstones of known accounts the run did not write a version of"
# LineItem.role of a derived posting, and how the counts name it
DERIVED_ROLES = {
    "header": "header postings (receivable, payable or bank side)",
    "tax": "sales tax postings",
    "cashback": "cash back postings",
}


class TableRows(BaseModel):
    """One table's rows: ``records_in + derived = rows + not_written``."""

    source: str = Field(description="what the records in are (Account records, Line entries)")
    records_in: int
    derived: dict[str, int] = Field(default_factory=dict, description="rows per derivation")
    rows: int = Field(description="rows of the table's file")
    not_written: dict[str, int] = Field(default_factory=dict, description="per reason")

    def reconciles(self) -> bool:
        written = self.rows + sum(self.not_written.values())
        return self.records_in + sum(self.derived.values()) == written


def count_table_rows(
    con: duckdb.DuckDBPyConnection,
    reconciliation: Reconciliation,
    superseded: SupersededWritten,
) -> dict[str, TableRows]:
    """Count LedgerAccount and LineItem from ``staged_out_<Table>`` (call after
    ``stage_superseded``).

    Raises:
        QuickBooksDataError: a table's counts do not add up.
    """
    tables = {
        "LedgerAccount": _accounts(con, reconciliation, superseded),
        "LineItem": _line_items(con, reconciliation, superseded),
    }
    for name, counts in tables.items():
        if not counts.reconciles():
            raise QuickBooksDataError(
                f"run {reconciliation.run_id}: {name} rows do not reconcile: "
                f"{counts.model_dump_json()}"
            )
    return tables


def _accounts(
    con: duckdb.DuckDBPyConnection, reconciliation: Reconciliation, superseded: SupersededWritten
) -> TableRows:
    outcome = reconciliation.records.get("Account")
    synthetic, unlisted, rows = con.execute(
        "SELECT count(*) FILTER (is_synthetic), count(*) FILTER (NOT is_synthetic AND qbo_id "
        "NOT IN (SELECT qbo_id FROM latest_incoming WHERE entity = 'Account') AND qbo_id "
        "NOT IN (SELECT qbo_id FROM superseded_version WHERE entity = 'Account')),"
        ' count(*) FROM "staged_out_LedgerAccount"'
    ).fetchone() or (0, 0, 0)
    derived = {SYNTHETIC: synthetic, TOMBSTONES: unlisted}
    if outcome is None:
        return TableRows(source="Account records", records_in=0, derived=derived, rows=rows)
    not_written = {
        "superseded, not written": outcome.superseded - superseded.records.get("Account", 0),
        "listed twice": outcome.duplicates,
        "rejected": sum(outcome.rejected.values()),
    }
    return TableRows(
        source="Account records", records_in=outcome.records_in,
        derived={k: n for k, n in derived.items() if n},
        rows=rows, not_written={k: n for k, n in not_written.items() if n},
    )  # fmt: skip


def _line_items(
    con: duckdb.DuckDBPyConnection, reconciliation: Reconciliation, superseded: SupersededWritten
) -> TableRows:
    roles = dict(
        con.execute('SELECT role, count(*) FROM "staged_out_LineItem" GROUP BY role').fetchall()
    )
    derived = {DERIVED_ROLES.get(role, role): n for role, n in roles.items() if role != "line"}
    rejected_derived = superseded.rejected_postings + sum(
        1 for p in reconciliation.rejected_postings if p.get("role") != "line"
    )
    lines, more = reconciliation.lines, superseded.lines
    not_written = {
        "informational lines (subtotals, descriptions, applied payments)":
            lines.informational + more.informational,
        "lines rejected": sum(lines.rejected.values()) + sum(more.rejected.values()),
        "derived postings rejected": rejected_derived,
    }  # fmt: skip
    if rejected_derived:
        derived["derived postings rejected"] = rejected_derived
    return TableRows(
        source="QuickBooks Line entries", records_in=lines.records_in + more.records_in,
        derived=dict(sorted(derived.items())), rows=sum(roles.values()),
        not_written={k: n for k, n in not_written.items() if n},
    )  # fmt: skip
