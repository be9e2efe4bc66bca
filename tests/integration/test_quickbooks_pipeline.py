"""The QuickBooks state machine end to end against the fake QuickBooks on 127.0.0.1.

The fake serves the recorded sandbox company through the real protocol; the local engine
runs the deployed ASL and handlers; a real graph node loads the books. One module, four
runs of one realm: a first full sync (throttled at its start, its access token expiring
half way), a CDC run that edits a loaded invoice (an amount changed, a line removed),
deletes a customer and sparsely updates an item, the same CDC answer again, and a run
after the user revoked the app. Each test reads what a run left: its summary, the fake's
log, the graph.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ledgergraph import logs
from ledgergraph.quickbooks.tokens import FileTokenStore, TokenRecord
from localrun.cli import main as cli
from localrun.quickbooks_run import run_quickbooks_pipeline, token_path
from tests.fakes.quickbooks_edits import cdc_changes
from tests.fakes.quickbooks_server import SANDBOX_REALM, FakeQuickBooks, throttled

pytestmark = pytest.mark.slow

REALM = SANDBOX_REALM
GRAPH = f"qbo-{REALM}"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "quickbooks.md"


class ExpiringFake(FakeQuickBooks):
    """Expires every access token once, after the third query it answers: mid-run."""

    expire_after = 3

    def __init__(self) -> None:
        super().__init__()
        self.answered = 0

    def answer_query(self, text: str) -> Any:
        self.answered += 1
        if self.answered == self.expire_after:
            self.expire_access_tokens()
        return super().answer_query(text)


def environment(fake: FakeQuickBooks) -> dict[str, str]:
    """The handlers' QuickBooks settings, aimed at the fake; one client retry per call."""
    return {
        "LEDGERGRAPH_QBO_CLIENT_ID": fake.client_id,
        "LEDGERGRAPH_QBO_CLIENT_SECRET": fake.client_secret,
        "LEDGERGRAPH_QBO_API_BASE": fake.base_url,
        "LEDGERGRAPH_QBO_TOKEN_URL": fake.token_url,
        "LEDGERGRAPH_QBO_MAX_RETRIES": "1",
    }


def income_statement_cypher() -> str:
    """The income statement query of docs/quickbooks.md, as a user copies it."""
    match = re.search(r"```cypher\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL)
    assert match, "docs/quickbooks.md has no cypher block"
    return match.group(1)


@pytest.fixture(scope="module", autouse=True)
def keep_log_levels() -> Iterator[None]:
    """The CLI sends every logger to stderr at WARNING for the rest of the process; the
    tests after this module expect the levels and streams they had (INFO, stdout)."""
    kept = [(logger, logger.log_level, logger.registered_handler) for logger in logs._loggers]
    streams = [getattr(handler, "stream", None) for _, _, handler in kept]
    yield
    for (logger, level, handler), stream in zip(kept, streams, strict=True):
        logger.setLevel(level)
        if isinstance(handler, logging.StreamHandler) and stream is not None:
            handler.setStream(stream)


@pytest.fixture(scope="module")
def fake() -> Any:
    with ExpiringFake() as server:
        yield server


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qbo-home")


@pytest.fixture(scope="module")
def first_run(fake: ExpiringFake, home: Path) -> dict[str, Any]:
    access, refresh = fake.issue_tokens()
    record = TokenRecord(realm_id=REALM, access_token=access, refresh_token=refresh,
                         access_expires_at=time.time() + 3600)  # fmt: skip
    FileTokenStore(token_path(home)).save(record)
    fake.script("query", throttled("0"), throttled("0"))  # outlasts the client's one retry
    return run_quickbooks_pipeline(
        REALM, home=home, run_id="qbo-first", environment=environment(fake)
    )


@pytest.fixture(scope="module")
def cdc_run(fake: ExpiringFake, home: Path, first_run: dict[str, Any]) -> dict[str, Any]:
    fake.cdc_changes = cdc_changes()
    return run_quickbooks_pipeline(
        REALM, home=home, run_id="qbo-second", environment=environment(fake)
    )


@pytest.fixture(scope="module")
def repeated_run(fake: ExpiringFake, home: Path, cdc_run: dict[str, Any]) -> dict[str, Any]:
    """The same CDC answer once more: nothing left to change."""
    return run_quickbooks_pipeline(
        REALM, home=home, run_id="qbo-repeat", environment=environment(fake)
    )


@pytest.fixture(scope="module")
def revoked_run(fake: ExpiringFake, home: Path, repeated_run: dict[str, Any]) -> dict[str, Any]:
    fake.revoke_refresh_tokens()
    fake.expire_access_tokens()
    fake.refresh_calls = 0
    return run_quickbooks_pipeline(
        REALM, home=home, run_id="qbo-third", environment=environment(fake)
    )


def query(capsys: pytest.CaptureFixture[str], home: Path, cypher: str) -> list[list[Any]]:
    code = cli(["query", "--home", str(home), "--graph", GRAPH, "--json", cypher])
    assert code == 0
    return json.loads(capsys.readouterr().out)["rows"]


def test_the_first_run_loads_the_chart_of_accounts(first_run, home, capsys) -> None:
    assert (first_run["status"], first_run["mode"]) == ("loaded", "full")
    assert first_run["records"]["Account"] == 92
    assert first_run["tables"]["LedgerAccount"] == {
        "rows": 93, "added": 93, "updated": 0, "unchanged": 0, "superseded": 0, "not_applied": 0,
    }  # fmt: skip
    assert query(capsys, home, "MATCH (a:LedgerAccount) RETURN count(a)") == [[93]]
    synthetic = "MATCH (a:LedgerAccount) WHERE a.is_synthetic RETURN a.name, a.concept"
    assert query(capsys, home, synthetic) == [[
        "Sales tax payable (derived by ledgergraph)", "us-gaap:SalesAndExciseTaxPayableCurrent",
    ]]  # fmt: skip


def test_journal_entry_je_001_debits_100_and_credits_100(first_run, home, capsys) -> None:
    # Six sandbox entries are numbered JE-001 (a write test's leftovers); Id 192 is the last.
    rows = query(capsys, home, (
        "MATCH (t:LedgerTransaction {txn_type: 'JournalEntry', qbo_id: '192'})"
        "-[:TRANSACTION_HAS_LINE]->(l:LineItem) RETURN t.doc_number, l.posting_type, l.amount_home"
    ))  # fmt: skip

    sides = {"debit": Decimal(0), "credit": Decimal(0)}
    for _, side, amount in rows:
        sides[side] += Decimal(amount)
    assert {doc for doc, _, _ in rows} == {"JE-001"} and len(rows) == 2
    assert sides == {"debit": Decimal("100"), "credit": Decimal("100")}


def test_invoice_1015_totals_954_75(first_run, home, capsys) -> None:
    rows = query(capsys, home, (
        "MATCH (t:LedgerTransaction {txn_type: 'Invoice', doc_number: '1015'}) "
        "RETURN t.total_amount, t.line_count, t.private_note"
    ))  # fmt: skip

    assert rows == [["954.75", 6, None]]  # A/R, four income lines, the 5 % discount


def test_the_income_statement_of_the_docs_sums_revenue(first_run, home, capsys) -> None:
    rows = query(capsys, home, income_statement_cypher())

    by_concept = {concept: Decimal(amount) for _, concept, amount in rows}
    assert by_concept["us-gaap:Revenues"] == Decimal("8732.02")
    assert sum(v for k, v in by_concept.items() if k != "us-gaap:Revenues") == Decimal("-8153.31")
    assert rows[0][:2] == ["Revenue", "us-gaap:Revenues"]


def test_the_summary_names_the_unbalanced_invoice_and_the_foreign_report(first_run) -> None:
    validation = first_run["validation"]

    assert first_run["ok"] is False and validation["passed"] is False
    invoice = "balanced: Invoice 1013 (Id 42): debits 81.00 <> credits 6.00"
    assert invoice in validation["failures"]
    assert validation["failed_checks"] == [
        "account_balances", "balanced", "report:BalanceSheet", "trial_balance",
    ]  # fmt: skip
    report = [f for f in validation["failures"] if f.startswith("report:BalanceSheet")]
    assert report[0] == ("report:BalanceSheet: account 33: Accounts Payable (A/P): ledger "
                         "differs from the report (found 0, expected 1602.67)")  # fmt: skip


def test_throttling_beyond_the_client_retries_is_retried_by_the_state_machine(
    first_run, fake
) -> None:
    # One CompanyInfo call per SyncCompany attempt: the first gave up on two 429s.
    assert len(fake.seen("/companyinfo/")) == 2
    assert first_run["execution"]["status"] == "SUCCEEDED"


def test_an_access_token_expiring_mid_run_is_refreshed_once(first_run, fake, home) -> None:
    assert fake.answered >= ExpiringFake.expire_after + 1  # the run went on after expiry
    stored = FileTokenStore(token_path(home)).load(REALM)
    assert stored is not None and stored.status == "connected"
    assert stored.refresh_token in fake.refresh_tokens  # the rotated one was saved


def test_a_cdc_run_applies_the_edited_invoice_the_deleted_customer_and_the_item(
    cdc_run, home, capsys
) -> None:
    assert (cdc_run["status"], cdc_run["mode"]) == ("loaded", "cdc")
    assert cdc_run["records"] == {"cdc": 4}
    tables = cdc_run["tables"]
    assert tables["LedgerTransaction"] == {
        "rows": 1, "added": 0, "updated": 1, "unchanged": 0, "superseded": 0, "not_applied": 0,
    }  # fmt: skip
    assert tables["LineItem"] == {
        "rows": 5, "added": 0, "updated": 3, "unchanged": 2, "superseded": 0, "not_applied": 0,
    }  # fmt: skip
    # Added: customer 900, and posting 5 (the discount now) to the discounts account.
    assert (cdc_run["rows_updated"], cdc_run["rows_added"], cdc_run["deleted"]) == (6, 2, 1)
    # QuickBooks stated the deletion (a CDC Deleted entry): none is inferred
    assert (cdc_run["deleted_stated"], cdc_run["deleted_inferred"]) == (1, 0)
    assert cdc_run["relationships_removed"] == {
        "LINE_HAS_ITEM": 1, "LINE_POSTS_TO_ACCOUNT": 2, "TRANSACTION_HAS_LINE": 1,
    }  # fmt: skip
    assert cdc_run["nodes_removed"] == {"LineItem": 1}
    assert (cdc_run["rows_present_with_changed_content"], cdc_run["not_applied"]) == (0, None)

    invoice = (
        "MATCH (t:LedgerTransaction {doc_number: '1015'})-[:TRANSACTION_HAS_LINE]->(l:LineItem) "
        "RETURN t.total_amount, t.private_note, t.sync_token, count(l)"
    )
    [[total, note, token, lines]] = query(capsys, home, invoice)
    assert (Decimal(total), note, token, lines) == (
        Decimal("802.75"), "Garden rocks taken off", "1", 5,
    )  # fmt: skip
    customers = ("MATCH (c:Customer) WHERE c.qbo_id IN ['18', '900'] "
                 "RETURN c.qbo_id, c.is_deleted, c.display_name ORDER BY c.qbo_id")  # fmt: skip
    assert query(capsys, home, customers) == [
        ["18", True, "Paulsen Medical Supplies"], ["900", False, "Bill's Windsurf Shop (2)"],
    ]  # fmt: skip
    item = "MATCH (i:Item {qbo_id: '5'}) RETURN i.unit_price, i.name, i.sku, i.is_active"
    assert query(capsys, home, item) == [["290", "Rock Fountain", None, True]]


def test_the_income_statement_follows_the_edited_invoice(cdc_run, home, capsys) -> None:
    rows = query(capsys, home, income_statement_cypher())

    by_concept = {concept: Decimal(amount) for _, concept, amount in rows}
    # 1015 was 1005.00 of sales less a 50.25 discount, now 845.00 less 42.25: 152 less.
    assert by_concept["us-gaap:Revenues"] == Decimal("8732.02") - Decimal("152")


def test_the_same_cdc_answer_again_changes_nothing(repeated_run) -> None:
    assert repeated_run["status"] == "loaded"
    assert (repeated_run["rows_added"], repeated_run["rows_updated"]) == (0, 0)
    assert repeated_run["rows_unchanged"] == sum(
        t["rows"] for t in repeated_run["tables"].values()
    )  # fmt: skip
    assert repeated_run["relationships_removed"] == {} and repeated_run["nodes_removed"] == {}


def test_a_revoked_app_fails_the_run_with_a_re_authorise_message(revoked_run, fake, home) -> None:
    assert (revoked_run["status"], revoked_run["ok"]) == ("failed", False)
    assert revoked_run["failed_step"] == "SyncCompany"
    assert revoked_run["error_type"] == "NeedsReauthorization"
    action = "re-authorise the company: run `ledgergraph quickbooks connect --realm"
    assert action in revoked_run["error"]
    assert revoked_run["execution"]["status"] == "FAILED"
    assert fake.refresh_calls == 1  # refused once, never retried
    stored = FileTokenStore(token_path(home)).load(REALM)
    assert stored is not None and stored.status == "needs_reauth"
