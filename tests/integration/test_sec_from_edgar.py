"""The SEC pipeline from EDGAR end to end: ``ledgergraph sec ...`` against the fake EDGAR.

The fake serves Apple's FY2023 10-K and Tesla's Q2 2024 10-Q under their real accession
numbers, among four more filings discovery finds that fail (see ``test_edgar_steps_cases``).
The run goes through the same state machine as on AWS, with the real XBRL task and graph
node; each test reads what it produced through the CLI a user runs.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"
if str(UNIT_TESTS) not in sys.path:  # NOTE: the shared EDGAR scenario lives with the unit tests
    sys.path.insert(0, str(UNIT_TESTS))

from test_edgar_steps_cases import (  # noqa: E402
    APPLE,
    APPLE_10K,
    APPLE_REVENUE_FY2023,
    HTML_LINKBASE,
    MISSING_SCHEMA,
    NOT_SERVED,
    TESLA,
    TESLA_10Q,
    USER_AGENT,
    folder,
    serve_scenario,
)

from localrun import render  # noqa: E402
from localrun.cli import main as cli  # noqa: E402
from tests.fakes.edgar_server import FakeEdgar, bundled_packages  # noqa: E402

pytestmark = pytest.mark.slow

SELECTORS = ("--ticker", "AAPL,TSLA", "--forms", "10-K,10-Q", "--from", "2023-11-03")
SELECTORS += ("--to", "2024-07-24")
REVENUE = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
BURST = 2  # 429s on Tesla's listing, waited out in the Lambda (MAX_RETRIES 3)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = cli(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in argv else out


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeEdgar]:
    quick = {"LEDGERGRAPH_EDGAR_THROTTLE_PAUSE_S": "0.05", "LEDGERGRAPH_EDGAR_MAX_RETRIES": "3"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LEDGERGRAPH_EDGAR_")}
    with (
        FakeEdgar(snapshot="2026-03") as server,
        mock.patch.dict(os.environ, quick | clean, clear=True),
    ):
        serve_scenario(server, throttle_burst=BURST)
        yield server


def edgar(fake: FakeEdgar) -> tuple[str, ...]:
    return ("--edgar-url", fake.base_url, "--user-agent", USER_AGENT)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def sec_run(fake: FakeEdgar, home: Path) -> dict[str, Any]:
    out = io.StringIO()  # a module fixture cannot take capsys
    with mock.patch.object(sys, "stdout", out):
        code = cli(["sec", "run", "--home", str(home), *SELECTORS, *edgar(fake), "--json"])
    return {"code": code, "summary": json.loads(out.getvalue())}


def lines(sec_run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["source_unit"]: f for f in sec_run["summary"]["filings"]}


def test_the_filings_found_on_edgar_land_in_the_graph(sec_run) -> None:
    summary = sec_run["summary"]

    assert sec_run["code"] == 1  # four filings failed to download
    assert (summary["loaded"], summary["failed"]) == (2, 4)
    assert [lines(sec_run)[a]["status"] for a in (APPLE_10K, TESLA_10Q)] == ["loaded"] * 2
    assert summary["execution"]["states"]["DownloadFilings"]["count"] == 1


def test_apple_fy2023_revenue_is_exact(sec_run, home: Path, capsys) -> None:
    code, rows = run_cli(
        capsys, "facts", "--home", str(home), "--concept", REVENUE, "--cik", str(APPLE), "--json"
    )

    period = ("2022-09-25", "2023-09-30")
    fy2023 = [r for r in rows if (r["start_date"], r["end_date"]) == period]
    fy2023 = [r for r in fy2023 if not r["dimensions"]]
    assert code == 0 and len(fy2023) == 1
    assert Decimal(fy2023[0]["value_decimal"]) == Decimal(APPLE_REVENUE_FY2023)
    assert fy2023[0]["report"] == APPLE_10K


FILERS = """
MATCH (e:Entity)-[h:ENTITY_HAS_REPORT]->(r:Report)
WHERE e.cik IN [$apple, $tesla]
RETURN e.cik, h.sic, h.state_of_incorporation, h.fiscal_year_end, h.ein, h.filer_category,
       h.trading_symbols, r.id, e.sic, e.fiscal_year_end, e.stated_in
ORDER BY e.cik
"""


def test_filers_have_edgars_sic_beside_what_their_filings_state(sec_run, home, capsys) -> None:
    params = ("--param", f"apple={APPLE}", "--param", f"tesla={TESLA}")
    code, result = run_cli(capsys, "query", "--home", str(home), *params, "--json", FILERS)

    apple, tesla = (dict(zip(result["columns"], row, strict=True)) for row in result["rows"])
    assert code == 0
    assert (apple["h.sic"], apple["r.id"]) == ("3571", APPLE_10K)
    assert (tesla["h.sic"], tesla["r.id"]) == ("3711", TESLA_10Q)
    # the 10-K states --09-30; EDGAR's registration data says 0926 today: the filing's stays
    assert (apple["h.fiscal_year_end"], apple["h.ein"]) == ("--09-30", "94-2404110")
    assert (apple["h.filer_category"], apple["h.trading_symbols"]) == (
        "Large Accelerated Filer",
        "AAPL",
    )
    assert (tesla["h.state_of_incorporation"], tesla["h.ein"]) == ("TX", "91-2197729")
    # each filer's one filing is the latest loaded: Entity holds the same details
    assert (apple["e.sic"], apple["e.fiscal_year_end"]) == ("3571", "--09-30")
    assert (tesla["e.sic"], tesla["e.stated_in"]) == ("3711", TESLA_10Q)


def test_the_downloaded_package_carries_edgars_registration_data(sec_run, home) -> None:
    sidecar = home / "store" / "raw" / "sec" / str(APPLE) / APPLE_10K / "filing.json"
    registration = json.loads(sidecar.read_text())["registration"]

    assert (registration["sic"], registration["ein"]) == ("3571", "94-2404110")
    assert (registration["fiscal_year_end"], registration["tickers"]) == ("--09-26", ["AAPL"])
    assert registration["source"] == "edgar-submissions" and registration["retrieved_at"]


def test_facts_of_downloaded_filings_reconcile(sec_run) -> None:
    for accession in (APPLE_10K, TESLA_10Q):
        line = lines(sec_run)[accession]
        accounted = line["facts_loaded"] + line["facts_rejected"] + line["duplicates_collapsed"]
        assert line["facts_loaded"] > 0 and line["facts_in_document"] == accounted


def test_the_hints_of_a_run_from_edgar_name_its_home(sec_run, home: Path) -> None:
    summary = sec_run["summary"]

    assert summary["delete_command"] == f"ledgergraph delete-source --home {home}"
    assert summary["manifest_path"] == str(
        home / "store" / "processed" / "sec" / "<filing>" / "manifest.json"
    )
    assert f"--home {home}" in render.sec_summary(summary)  # the warnings' removal hint


def test_failed_downloads_are_in_the_summary_with_their_reason(sec_run) -> None:
    line = lines(sec_run)

    assert line[MISSING_SCHEMA]["error_type"] == "EdgarNotFound"
    assert f"filing {MISSING_SCHEMA}: tsla-20240630.xsd" in line[MISSING_SCHEMA]["error"]
    assert line[HTML_LINKBASE]["error_type"] == "EdgarUnexpectedHtml"
    assert "aapl-20230930_lab.xml" in line[HTML_LINKBASE]["error"]
    assert all("index.json" in line[a]["error"] for a in NOT_SERVED)


def test_a_burst_of_429_is_retried(sec_run, fake: FakeEdgar) -> None:
    tesla = next(p for p in bundled_packages() if p.accession == TESLA_10Q)
    answers = [r.status for r in fake.requests if r.path == f"{folder(tesla)}/index.json"]

    assert answers[: BURST + 1] == [429] * BURST + [200]


def test_discover_prints_the_filings_as_json(fake: FakeEdgar, tmp_path: Path, capsys) -> None:
    argv = ("sec", "discover", "--home", str(tmp_path), *SELECTORS, *edgar(fake), "--json")
    code, result = run_cli(capsys, *argv)

    filings = result["filings"]
    assert code == 0
    assert result["rows_read"] == result["found"] + len(result["rejected"])
    assert [(f["form"], f["accession"]) for f in filings][:1] == [("10-K", APPLE_10K)]
    assert len(filings) == 6 and filings[-1]["accession"] == TESLA_10Q
    assert filings[0]["primary_document"] == "aapl-20230930.htm"


def test_discover_prints_a_table(fake: FakeEdgar, tmp_path: Path, capsys) -> None:
    argv = ("sec", "discover", "--home", str(tmp_path), *SELECTORS, *edgar(fake))
    code, text = run_cli(capsys, *argv)

    assert code == 0
    assert APPLE_10K in text and text.rstrip().endswith("2 10-K, 4 10-Q")


def test_download_fills_the_raw_store_and_skips_complete_filings(
    fake: FakeEdgar, tmp_path: Path, capsys
) -> None:
    apple = ("--ticker", "AAPL", "--forms", "10-K", "--from", "2023-11-01", "--to", "2023-11-30")
    argv = ("sec", "download", "--home", str(tmp_path), *apple, *edgar(fake))

    first_code, first = run_cli(capsys, *argv)
    again_code, again = run_cli(capsys, *argv, "--json")

    assert first_code == 0 and "1 ok, 0 skipped, 0 failed" in first
    package = tmp_path / "store" / "raw" / "sec" / str(APPLE) / APPLE_10K
    assert (package / "download.json").is_file()
    assert again_code == 0 and [o["status"] for o in again] == ["skipped"]


def test_download_reports_each_failed_filing(fake: FakeEdgar, tmp_path: Path, capsys) -> None:
    missing = ("--cik", str(APPLE), "--forms", "10-Q", "--from", "2024-02-01")
    argv = ("sec", "download", "--home", str(tmp_path), *missing, "--to", "2024-02-28")

    code, text = run_cli(capsys, *argv, *edgar(fake))

    assert code == 1
    assert f"{NOT_SERVED[0]}: FAILED EdgarNotFound: filing {NOT_SERVED[0]}: index.json" in text


def test_a_missing_user_agent_is_a_clear_error_before_any_request(
    fake: FakeEdgar, tmp_path: Path, capsys
) -> None:
    sent = len(fake.requests)

    home = ("--home", str(tmp_path))
    code = cli(["sec", "discover", *home, "--ticker", "AAPL", "--edgar-url", fake.base_url])

    error = capsys.readouterr().err
    assert code == 1
    assert "LEDGERGRAPH_EDGAR_USER_AGENT" in error and "--user-agent" in error
    assert len(fake.requests) == sent


def test_a_run_that_fails_at_discovery_says_why_without_a_stack_trace(
    fake: FakeEdgar, tmp_path: Path, capsys
) -> None:
    home = tmp_path / "home"

    code = cli(["sec", "run", "--home", str(home), "--ticker", "NOSUCHTICKER", *edgar(fake)])

    error = capsys.readouterr().err
    assert code == 1
    assert "SEC pipeline FAILED at DiscoverFilings:" in error
    assert "NOSUCHTICKER" in error
    assert "stackTrace" not in error and "Traceback" not in error
