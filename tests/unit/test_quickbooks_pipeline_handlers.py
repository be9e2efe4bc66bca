"""The QuickBooks Lambda handlers with their canonical events, against the fake QuickBooks.

Handlers are loaded the way the local runtime loads them (by file path, after the
environment is set), so their module-scope settings and clients aim at this test's store,
token file and fake server on 127.0.0.1. The summary's SQL goes to a small stub node.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from handler_events import context, event, handler_of
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    REALM,
    _loopback_only,
    connect_realm,
    fake_fixture,
)

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import NeedsReauthorization
from ledgergraph.quickbooks.runs import run_manifest_key
from ledgergraph.quickbooks.tokens import FileTokenStore
from ledgergraph.run_summary import summary_key
from tests.fakes.quickbooks_server import FakeQuickBooks

GRAPH = f"qbo-{REALM}"
INVOICE_1013 = ["Invoice", "42", "1013", "81.000000000000", "6.000000000000", False]

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


class StagingStub:
    """Answers the staging SQL endpoint: the unbalanced list, then the changed counts."""

    def __init__(self, unbalanced: list[list[str]], changed: dict[str, int]) -> None:
        self.unbalanced, self.changed = unbalanced, changed
        self.registry: list[list[Any]] = []
        self.queries: list[dict[str, Any]] = []

    def answer(self, body: dict[str, Any]) -> dict[str, Any]:
        self.queries.append(body)
        if "GROUP BY source_unit, status" in body["sql"]:  # an interrupted run's load state
            columns = ["source_unit", "status", "files", "facts_added", "facts_present"]
            return {"columns": columns, "rows": self.registry, "truncated": False}
        if "UNION ALL" in body["sql"]:
            rows = [[table, n] for table, n in self.changed.items()]
            return {"columns": ["table_name", "changed"], "rows": rows, "truncated": False}
        columns = ["txn_type", "qbo_id", "doc_number", "debits", "credits"]
        return {"columns": columns, "rows": self.unbalanced, "truncated": False}


def serve_stub(stub: StagingStub) -> ThreadingHTTPServer:
    class _Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            data = json.dumps(stub.answer(body)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture
def stub() -> Iterator[tuple[StagingStub, str]]:
    node = StagingStub([INVOICE_1013], {"Entity": 1})
    server = serve_stub(node)
    yield node, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: LocalObjectStore,
    fake: FakeQuickBooks, stub: tuple[StagingStub, str],
) -> Callable[[str], Handler]:  # fmt: skip
    variables = {
        "LEDGERGRAPH_HOME": str(tmp_path), "LEDGERGRAPH_STORE_URI": store.base_uri,
        "LEDGERGRAPH_GRAPH_API_URL": stub[1],
        "LEDGERGRAPH_QBO_CLIENT_ID": fake.client_id,
        "LEDGERGRAPH_QBO_CLIENT_SECRET": fake.client_secret,
        "LEDGERGRAPH_QBO_API_BASE": fake.base_url, "LEDGERGRAPH_QBO_TOKEN_URL": fake.token_url,
        "LEDGERGRAPH_QBO_TOKEN_STORE": "file",
        "LEDGERGRAPH_QBO_TOKEN_PATH": str(tmp_path / "quickbooks" / "tokens.json"),
    }  # fmt: skip
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    connect_realm(fake, FileTokenStore(tmp_path / "quickbooks" / "tokens.json"))
    return handler_of


def test_the_sync_handler_lands_the_daily_run(handler, store) -> None:
    request = event("quickbooks_sync", "daily_sync")

    result = handler("quickbooks_sync")(request, context("sync"))

    assert (result["mode"], result["already_landed"]) == ("full", False)
    assert result["records"]["Account"] == 92 and result["records"]["Invoice"] == 37
    assert result["run_id"] == request["run_id"] and result["graph_id"] == GRAPH
    assert store.exists(run_manifest_key(REALM, request["run_id"]))


def test_a_landed_run_comes_back_without_calling_quickbooks(handler, fake) -> None:
    sync = handler("quickbooks_sync")
    sync(event("quickbooks_sync", "daily_sync"), context("sync"))
    calls = len(fake.requests)

    again = sync(event("quickbooks_sync", "daily_sync"), context("sync"))

    assert again["already_landed"] and again["records"]["Account"] == 92
    assert len(fake.requests) == calls


def test_a_run_after_one_never_transformed_lists_everything_again(handler) -> None:
    sync, transform = handler("quickbooks_sync"), handler("quickbooks_transform")
    first = event("quickbooks_sync", "full_resync")
    sync(first, context("sync"))

    second = sync(first | {"run_id": "run-2", "force_full": False}, context("sync"))
    transform(event("quickbooks_transform", "landed_run") | {"run_id": "run-2"}, context("t"))
    third = sync(first | {"run_id": "run-3", "force_full": False}, context("sync"))

    assert second["mode"] == "full"
    assert second["warnings"] == [f"previous run {first['run_id']} was never transformed: "
                                  "full resync"]  # fmt: skip
    assert (third["mode"], third["previous_run_id"], third["warnings"]) == ("cdc", "run-2", [])


def test_a_refused_refresh_token_raises_needs_reauthorization(handler, fake, tmp_path) -> None:
    connect_realm(fake, FileTokenStore(tmp_path / "quickbooks" / "tokens.json"), expired=True)
    fake.revoke_refresh_tokens()

    with pytest.raises(NeedsReauthorization, match="re-authorisation"):
        handler("quickbooks_sync")(event("quickbooks_sync", "daily_sync"), context("sync"))

    assert fake.seen("/query") == []


def test_the_transform_handler_writes_the_run_manifest(handler, store) -> None:
    handler("quickbooks_sync")(event("quickbooks_sync", "daily_sync"), context("sync"))
    request = event("quickbooks_transform", "landed_run")

    result = handler("quickbooks_transform")(request, context("transform"))

    assert result["source_unit"] == request["run_id"]
    assert store.exists(result["manifest_key"])
    assert result["rows"]["LedgerAccount"] == 93 and result["rows"]["LineItem"] == 352
    assert result["failed_checks"] == [
        "account_balances", "balanced", "report:BalanceSheet", "trial_balance",
    ]  # fmt: skip


def test_the_failure_record_tells_to_re_authorise(handler, store) -> None:
    request = event("quickbooks_summary", "needs_reauthorization")

    summary = handler("quickbooks_summary")(request, context("summary"))

    assert (summary["status"], summary["ok"], summary["failed_step"]) == (
        "failed", False, "SyncCompany",
    )  # fmt: skip
    action = f"re-authorise the company: run `ledgergraph quickbooks connect --realm {REALM}`"
    assert summary["error"].startswith(f"realm {REALM} needs re-authorisation")
    assert action in summary["error"]
    stored = json.loads(store.get_bytes(summary_key(GRAPH, request["run_id"])))
    assert stored["error_type"] == "NeedsReauthorization"


def emitted_metrics(capsys: pytest.CaptureFixture[str], *names: str) -> list[list[float]]:
    """The values of ``names`` in the one EMF document the handler printed."""
    (emitted,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()
                  if '"_aws"' in line]  # fmt: skip
    return [emitted[name] for name in names]


def test_a_failed_run_counts_as_failed_not_interrupted(handler, capsys) -> None:
    handler("quickbooks_summary")(
        event("quickbooks_summary", "needs_reauthorization"), context("summary")
    )

    runs = emitted_metrics(capsys, "QuickBooksRunsFailed", "QuickBooksRunsInterrupted")
    assert runs == [[1.0], [0.0]]  # EMF values are lists


def test_an_interrupted_load_counts_as_interrupted_not_failed(handler, stub, capsys) -> None:
    """The node gone during MaterializeGraph of the sandbox run: 4 of its 19 files were
    materialized, 15 only staged (as tests/integration/test_quickbooks_interrupted.py)."""
    request = event("quickbooks_summary", "interrupted_load")
    stub[0].registry = [
        [request["run_id"], "materialized", 4, None, None],
        [request["run_id"], "staged", 15, None, None],
    ]

    summary = handler("quickbooks_summary")(request, context("summary"))

    runs = emitted_metrics(capsys, "QuickBooksRunsFailed", "QuickBooksRunsInterrupted")
    assert runs == [[0.0], [1.0]]
    assert (summary["status"], summary["failed_step"], summary["error_type"]) == (
        "interrupted", "MaterializeGraph", "GraphNodeUnavailable",
    )  # fmt: skip
    assert summary["graph_files"] == {"materialized": 4, "unmaterialized": 15}


def transformed_run(handler: Callable[[str], Handler]) -> dict[str, Any]:
    handler("quickbooks_sync")(event("quickbooks_sync", "daily_sync"), context("sync"))
    handler("quickbooks_transform")(event("quickbooks_transform", "landed_run"), context("t"))
    return event("quickbooks_summary", "loaded_run")


def test_the_summary_names_every_validation_failure(handler, stub) -> None:
    request = transformed_run(handler)

    summary = handler("quickbooks_summary")(request, context("summary"))

    validation = summary["validation"]
    assert (summary["status"], summary["ok"], validation["passed"]) == ("loaded", False, False)
    assert validation["failures"][0] == (
        "balanced: Invoice 1013 (Id 42): debits 81.00 <> credits 6.00"
    )
    trial = "trial_balance: debits minus credits of all postings (found 75, expected 0)"
    assert trial in validation["failures"]
    assert validation["failed_checks"] == [
        "account_balances", "balanced", "report:BalanceSheet", "trial_balance",
    ]  # fmt: skip
    assert len(validation["failures"]) == 21 and validation["trial_balance_total"] == "75"
    assert [q["parameters"] for q in stub[0].queries] == [[request["run_id"]]] * 2


def test_the_summary_counts_rows_the_graph_holds_in_another_version(handler) -> None:
    request = transformed_run(handler)

    summary = handler("quickbooks_summary")(request, context("summary"))

    # The stub's staging says the company node (insert-only Entity) kept another name.
    assert summary["rows_present_with_changed_content"] == 1
    assert summary["tables"]["Entity"] == {
        "rows": 1, "added": 1, "updated": 0, "unchanged": 0, "superseded": 0, "not_applied": 1,
    }  # fmt: skip
    assert summary["tables"]["LedgerTransaction"] == {
        "rows": 148, "added": 148, "updated": 0, "unchanged": 0, "superseded": 0, "not_applied": 0,
    }  # fmt: skip
    assert "NOT applied" in summary["not_applied"]
    assert (summary["rows_updated"], summary["relationships_removed"]) == (0, {})
    assert summary["rejected"] == {"total": 0, "reasons": {}}


def test_staging_that_disagrees_with_the_transform_is_a_named_failure(handler, stub) -> None:
    request = transformed_run(handler)
    stub[0].unbalanced = []

    summary = handler("quickbooks_summary")(request, context("summary"))

    named = "staging_balanced: Invoice (Id 42): unbalanced in the transform only"
    assert named in summary["validation"]["failures"]
