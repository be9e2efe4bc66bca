"""``ledgergraph quickbooks ...`` as a user runs it: connect, sync, load the bundled sample.

``connect`` and ``sync`` talk to the fake QuickBooks on 127.0.0.1 (its URLs come from the
same environment variables a user would set); ``load-sample`` needs no server at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import stat
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from test_quickbooks_pipeline import keep_log_levels  # noqa: F401 - fixture

from localrun.cli import main as cli
from localrun.quickbooks_run import token_path
from tests.fakes.quickbooks_server import SANDBOX_REALM, FakeQuickBooks

pytestmark = pytest.mark.slow

GRAPH = f"qbo-{SANDBOX_REALM}"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "quickbooks.md"
UNBALANCED = "balanced: Invoice 1013 (Id 42): debits 81.00 <> credits 6.00"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in argv else out


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeQuickBooks]:
    with FakeQuickBooks() as server:
        variables = {
            "LEDGERGRAPH_QBO_CLIENT_ID": server.client_id,
            "LEDGERGRAPH_QBO_CLIENT_SECRET": server.client_secret,
            "LEDGERGRAPH_QBO_TOKEN_URL": server.token_url,
            "LEDGERGRAPH_QBO_AUTHORIZE_URL": f"{server.base_url}/connect/oauth2",
        }
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        yield server


def sync_args(fake: FakeQuickBooks, home: Path) -> list[str]:
    return ["quickbooks", "sync", "--realm", SANDBOX_REALM, "--home", str(home),
            "--api-base", fake.base_url, "--json"]  # fmt: skip


def test_connect_then_sync_a_company(fake, tmp_path, capsys) -> None:
    code, asked = run_cli(capsys, "quickbooks", "connect", "--home", str(tmp_path), "--json")
    assert code == 0
    assert asked["authorization_url"].startswith(f"{fake.base_url}/connect/oauth2?client_id=")
    assert "scope=com.intuit.quickbooks.accounting" in asked["authorization_url"]
    assert f"state={asked['state']}" in asked["authorization_url"]

    code, said = run_cli(capsys, "quickbooks", "connect", "--home", str(tmp_path),
                         "--realm", SANDBOX_REALM, "--code", fake.issue_code())  # fmt: skip
    assert code == 0 and "connected" in said
    path = token_path(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())[SANDBOX_REALM]
    assert stored["access_token"] not in said and stored["refresh_token"] not in said

    code, summary = run_cli(capsys, *sync_args(fake, tmp_path))
    assert code == 1  # loaded, but the sandbox books fail validation
    assert (summary["status"], summary["graph_id"], summary["mode"]) == ("loaded", GRAPH, "full")
    assert UNBALANCED in summary["validation"]["failures"]


def test_sync_without_a_connection_says_to_connect(fake, tmp_path, capsys) -> None:
    code, summary = run_cli(capsys, *sync_args(fake, tmp_path))

    assert code == 1
    assert (summary["status"], summary["error_type"]) == ("failed", "NotConnected")
    assert "connect the company first" in summary["error"]
    assert fake.requests == []


@pytest.fixture(scope="module")
def sample_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sample")


@pytest.fixture(scope="module")
def first_load(sample_home: Path) -> dict[str, Any]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = cli(["quickbooks", "load-sample", "--home", str(sample_home), "--json"])
    assert code == 1  # loaded with the sandbox's genuine validation failures
    return json.loads(out.getvalue())


def test_the_bundled_company_loads_offline(first_load, sample_home, capsys) -> None:
    assert (first_load["status"], first_load["mode"]) == ("loaded", "full")
    assert first_load["run_id"].startswith("qbo-sample-")
    assert first_load["rows_added"] == 2081 and first_load["rows_present"] == 0
    assert first_load["tables"]["LedgerAccount"]["added"] == 93
    assert UNBALANCED in first_load["validation"]["failures"]
    assert first_load["validation"]["skipped"] == [
        "report:ProfitAndLoss: no report data", "report:BalanceSheet: no report data",
        "report:TrialBalance: no report data",
    ]  # fmt: skip


def test_the_readme_query_gives_the_income_statement(first_load, sample_home, capsys) -> None:
    cypher = re.search(r"```cypher\n(.*?)```", DOCS.read_text(), re.DOTALL).group(1)

    code, result = run_cli(capsys, "query", "--home", str(sample_home), "--graph", GRAPH,
                           "--json", cypher)  # fmt: skip

    assert code == 0
    amounts = {concept: Decimal(value) for _, concept, value in result["rows"]}
    assert amounts["us-gaap:Revenues"] == Decimal("8732.02")
    assert amounts["us-gaap:OperatingLeaseExpense"] == Decimal("-900")
    assert sum(amounts.values()) == Decimal("578.71")


def test_facts_on_the_ledger_graph_says_what_it_holds_and_how_to_read_it(
    first_load, sample_home, capsys
) -> None:
    # the graph holds the us-gaap:Revenues Element its accounts map to, but no Fact node
    code, error = run_cli(capsys, "facts", "--home", str(sample_home), "--graph", GRAPH,
                          "--concept", "us-gaap:Revenues", "--json")  # fmt: skip

    assert code == 1 and error["error"]["type"] == "NoFactsInGraph"
    message = error["error"]["message"]
    assert message.startswith(f"graph {GRAPH} holds no SEC facts (no Fact nodes)")
    assert "It holds Entity 1, Element 28, LedgerAccount 93, LedgerTransaction 148, " in message
    assert "LineItem 352, " in message and " relationships in 11 tables." in message
    command = message.split("Read it with ")[1].split(" (docs/quickbooks.md")[0]
    assert command == (
        f"ledgergraph query --home {sample_home} --graph {GRAPH} "
        '"MATCH (n:LedgerAccount) RETURN n LIMIT 10"'
    )
    code, result = run_cli(capsys, *command.split(" ", 6)[1:6], "--json",
                           "MATCH (n:LedgerAccount) RETURN n LIMIT 10")  # fmt: skip
    assert code == 0 and len(result["rows"]) == 10


def test_verify_on_the_ledger_graph_fails_saying_it_holds_no_filings(
    first_load, sample_home, capsys
) -> None:
    code, error = run_cli(capsys, "verify", "--home", str(sample_home), "--graph", GRAPH,
                          "--json")  # fmt: skip

    assert code == 1 and error["error"]["type"] == "NoFactsInGraph"
    message = error["error"]["message"]
    assert message.startswith(
        f"graph {GRAPH} holds no SEC filings (no Report nodes), which is what `verify` compares."
    )
    assert "It holds Entity 1, Element 28, LedgerAccount 93, LedgerTransaction 148, " in message
    assert "compared 0 facts" not in message


def test_a_number_a_double_would_change_is_refused_and_its_hint_reads_it_exactly(
    first_load, sample_home, capsys
) -> None:
    base = ("query", "--home", str(sample_home), "--graph", GRAPH, "--json")
    code, error = run_cli(capsys, *base, "--param", "x=99999999999999999999.5", "RETURN $x")
    hint = error["error"]["message"].split("give it as a string ")[1]

    code_hinted, result = run_cli(capsys, *base, "--param", 'x="99999999999999999999.5"',
                                  "RETURN CAST($x AS DECIMAL(38, 1)) AS x")  # fmt: skip

    assert code == 1 and hint == '("99999999999999999999.5") and CAST($x AS DECIMAL(38, 1))'
    assert code_hinted == 0 and result["rows"] == [["99999999999999999999.5"]]


def test_facts_by_bare_name_on_the_ledger_graph_gets_the_same_answer(
    first_load, sample_home, capsys
) -> None:
    code = cli(["facts", "--home", str(sample_home), "--graph", GRAPH, "--concept", "Revenues"])

    assert code == 1
    said = capsys.readouterr().err
    assert said.startswith(f"error: graph {GRAPH} holds no SEC facts (no Fact nodes)")


def test_loading_the_sample_again_adds_nothing(first_load, sample_home, capsys) -> None:
    code, text = run_cli(capsys, "quickbooks", "load-sample", "--home", str(sample_home))

    assert code == 1
    assert "loaded (full: bundled sample" in text
    account = next(line for line in text.splitlines() if line.startswith("LedgerAccount "))
    assert account.split() == ["LedgerAccount", "93", "0", "0", "93", "0", "0"]  # unchanged
    assert "relationships removed: 0\nnodes removed: 0" in text
    assert "(LinkedTxn to an Estimate, a StatementCharge...): 11\n" in text
    assert "rows the graph holds in another version" not in text
    assert "records superseded (a newer version is known, not applied): 0\n" in text
    assert f"  {UNBALANCED}" in text
    assert text.endswith(
        "files in the source folder not loaded: 1\n"
        "  Estimate.json (8 Estimate records): the sync does not extract Estimate\n"
    )
    code, stats = run_cli(capsys, "stats", "--home", str(sample_home), "--graph", GRAPH, "--json")
    assert stats["nodes"]["LedgerAccount"] == 93 and stats["nodes"]["LineItem"] == 352
