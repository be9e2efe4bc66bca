"""The SEC state machine from a discovery request, run locally against the fake EDGAR.

The EDGAR steps are the real handlers; the XBRL task is a stub that writes a manifest for
every filing it is given and the graph node is the stub of ``pipeline_stubs``, so these
tests look at discovery, the distributed download Map and what reaches the summary.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pipeline_stubs as stubs
import pytest
from test_edgar_cases import max_in_window
from test_edgar_dailyindex import form_index_damaged
from test_edgar_steps_cases import (
    APPLE_10K,
    HTML_LINKBASE,
    MISSING_SCHEMA,
    NOT_SERVED,
    SELECTION,
    TESLA_10Q,
    edgar_environment,
    folder,
    serve_scenario,
)

from ledgergraph.edgar.urls import daily_index_path
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_summary import summary_key
from ledgergraph.settings import PipelineSettings
from localrun import render
from localrun.pipeline import SEC_PIPELINE, run_state_machine
from localrun.stepfunctions import ExecutionResult
from tests.fakes.edgar_server import EDGAR_DATA, FakeEdgar, Fault

UNIT_TESTS = Path(__file__).resolve().parent
STUB_TASK = (
    sys.executable,
    "-c",
    "import os, sys; sys.path.insert(0, sys.argv[1])\n"
    "from pipeline_stubs import write_good_filing\n"
    "from ledgergraph.batches import Batch\n"
    "from ledgergraph.objectstore import open_store\n"
    "store = open_store(os.environ['LEDGERGRAPH_STORE_URI'])\n"
    "batch = Batch.model_validate_json(store.get_bytes(os.environ['LEDGERGRAPH_BATCH_KEY']))\n"
    "for f in batch.filings: write_good_filing(store, batch.graph_id, f.source_unit, f.cik)\n",
    str(UNIT_TESTS),
)
ROWS = 1005  # Apple's recent submissions, March 2026 (its older page ends in 2015: not read)
BURST = 3  # 429s on Tesla's listing; a Lambda tries twice (MAX_RETRIES 1), so one Retry


def run(
    fake: FakeEdgar, home: Path, discover: dict[str, Any], *, run_id: str, concurrency: int = 2
) -> ExecutionResult:
    node = stubs.StubGraphNode(api_key="stub-key")
    server = stubs.serve(node)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    payload = {"graph_id": "sec", "batch_size": 3, "discover": discover}
    payload |= {"run_id": run_id, "download_concurrency": concurrency}
    try:
        return run_state_machine(
            SEC_PIPELINE,
            payload,
            settings=PipelineSettings(home=home, graph_api_url=url, graph_api_key="stub-key"),
            task_command=STUB_TASK,
            log_dir=home / "logs",
            execution_name=run_id,
            environment=edgar_environment(fake, max_requests_per_second=8, max_retries=1),
        )
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def edgar_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    home = tmp_path_factory.mktemp("home")
    with FakeEdgar(snapshot="2026-03") as fake:
        served = serve_scenario(fake, throttle_burst=BURST)
        result = run(fake, home, SELECTION, run_id="e1")
        yield {"result": result, "fake": fake, "home": home, "served": served}


def lines(edgar_run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["source_unit"]: f for f in edgar_run["result"].output["filings"]}


def test_the_run_reports_every_discovered_filing(edgar_run) -> None:
    result = edgar_run["result"]

    assert result.status == "SUCCEEDED", result.cause
    assert set(lines(edgar_run)) == {
        APPLE_10K,
        TESLA_10Q,
        MISSING_SCHEMA,
        HTML_LINKBASE,
        *NOT_SERVED,
    }
    assert (result.output["loaded"], result.output["failed"]) == (2, 4)


def test_downloaded_filings_go_on_to_processing_and_loading(edgar_run) -> None:
    store = LocalObjectStore(edgar_run["home"] / "store")

    assert [lines(edgar_run)[a]["status"] for a in (APPLE_10K, TESLA_10Q)] == ["loaded"] * 2
    assert store.exists(f"raw/sec/1318605/{TESLA_10Q}/download.json")
    assert store.exists(f"processed/sec/{APPLE_10K}/manifest.json")


def test_the_download_map_reads_its_items_from_the_store(edgar_run) -> None:
    store = LocalObjectStore(edgar_run["home"] / "store")
    states = edgar_run["result"].time_by_state()

    assert store.exists("work/sec/e1/discovered.json")
    assert [states[s]["count"] for s in ("DiscoverFilings", "DownloadFilings")] == [1, 1]
    assert len(list(store.list_keys("work/sec/e1/downloads/"))) == 6


def test_a_missing_file_fails_its_filing_alone_naming_accession_and_file(edgar_run) -> None:
    line = lines(edgar_run)[MISSING_SCHEMA]

    assert (line["status"], line["error_type"]) == ("failed", "EdgarNotFound")
    assert f"filing {MISSING_SCHEMA}: tsla-20240630.xsd" in line["error"]
    for accession in NOT_SERVED:
        assert f"filing {accession}: index.json" in lines(edgar_run)[accession]["error"]


def test_an_html_page_with_status_200_fails_its_filing_alone(edgar_run) -> None:
    line = lines(edgar_run)[HTML_LINKBASE]

    assert (line["status"], line["error_type"]) == ("failed", "EdgarUnexpectedHtml")
    assert f"filing {HTML_LINKBASE}: aapl-20230930_lab.xml" in line["error"]


def test_a_burst_of_429_is_retried_by_the_state_machine(edgar_run) -> None:
    listing = f"{folder(edgar_run['served'][TESLA_10Q])}/index.json"
    answers = [r.status for r in edgar_run["fake"].requests if r.path == listing]
    log = (edgar_run["home"] / "logs" / "lambda.log").read_text()

    assert answers == [429] * BURST + [200]
    assert '"message":"filing download failed"' in log and "EdgarThrottled" in log
    assert lines(edgar_run)[TESLA_10Q]["status"] == "loaded"


def test_downloads_keep_to_their_share_of_the_rate(edgar_run) -> None:
    downloads = [r.at for r in edgar_run["fake"].requests if r.path.startswith("/Archives/")]

    assert max_in_window(downloads) <= 4 + 1  # 8/s over a Map of 2: 4/s, one of slack


def test_an_unknown_ticker_fails_the_execution_with_the_reason(tmp_path: Path) -> None:
    with FakeEdgar(snapshot="2026-03") as fake:
        result = run(fake, tmp_path, {"tickers": ["NOSUCHCO"]}, run_id="e2")

    assert (result.status, result.error) == ("FAILED", "EdgarNotFound")
    assert "NOSUCHCO" in result.cause


def test_a_discovery_that_finds_nothing_ends_with_an_empty_summary(tmp_path: Path) -> None:
    quiet = {"ciks": [320193], "forms": ["10-K"], "date_from": "2024-01-01"}
    with FakeEdgar(snapshot="2026-03") as fake:
        result = run(fake, tmp_path, quiet | {"date_to": "2024-01-31"}, run_id="e3")

    assert result.status == "SUCCEEDED", result.cause
    assert (result.output["filings"], result.output["ok"]) == ([], True)


def test_rows_of_edgars_listings_rejected_are_in_the_runs_summary(tmp_path: Path) -> None:
    listing = json.loads((EDGAR_DATA / "submissions/2026-03/CIK0000320193.json").read_bytes())
    listing["filings"]["recent"]["accessionNumber"][0] = "../../x"
    quiet = {"ciks": [320193], "forms": ["10-K"], "date_from": "2024-01-01"}
    with FakeEdgar(snapshot="2026-03") as fake:
        fake.script(
            r"^/submissions/CIK0000320193\.json$",
            Fault(200, json.dumps(listing).encode(), "application/json"),
        )
        result = run(fake, tmp_path, quiet | {"date_to": "2024-01-31"}, run_id="e4")
    store = LocalObjectStore(tmp_path / "store")
    summary = json.loads(store.get_bytes(summary_key("sec", "e4")))

    assert result.status == "SUCCEEDED", result.cause
    discovery = summary["discovery"]
    [row] = discovery["rejected_rows"]
    assert (row["cik"], row["source"], row["row"], row["field"]) == (
        320193, "recent", 0, "accessionNumber",
    )  # fmt: skip
    assert discovery["rows_read"] == discovery["rows_found"] + discovery["rows_rejected"]
    assert (discovery["rows_read"], discovery["rows_rejected"], discovery["filings"]) == (
        ROWS, 1, 0,
    )  # fmt: skip
    text = render.sec_summary(summary | {"duration_ms": 0}).splitlines()
    assert (
        f"discovery: {ROWS} rows of EDGAR's listings read: {ROWS - 1} filings found, "
        "1 rejected; 0 filings selected for this run"
    ) in text
    assert (
        "rejected row: CIK 320193 recent row 0 (accession '../../x'): accessionNumber: "
        + row["reason"]
    ) in text


def test_daily_index_lines_rejected_are_in_the_runs_summary(tmp_path: Path) -> None:
    """A run over the daily indexes (2020-03-18's form index, three lines spoiled) for a
    filer that filed nothing then: every line is accounted for in the summary."""
    day = daily_index_path(date(2020, 3, 18))
    since = {"since": "2020-03-16", "date_to": "2020-03-20", "ciks": [320193]}
    with FakeEdgar(snapshot="2026-03") as fake:
        fake.script(f"^{day}$", Fault(200, form_index_damaged().encode(), "text/plain"))
        result = run(fake, tmp_path, since, run_id="e5")
    store = LocalObjectStore(tmp_path / "store")
    summary = json.loads(store.get_bytes(summary_key("sec", "e5")))

    assert result.status == "SUCCEEDED", result.cause
    discovery = summary["discovery"]
    counts = ("lines_read", "rows_found", "lines_rejected", "header_lines", "filings")
    assert [discovery[key] for key in counts] == [4094, 4081, 3, 10, 0]
    assert [line["line"] for line in discovery["rejected_lines"]] == [12, 2000, 2001]
    text = render.sec_summary(summary | {"duration_ms": 0}).splitlines()
    assert (
        "discovery: 4084 rows of EDGAR's listings read: 4081 filings found, 3 rejected; "
        "0 filings selected for this run"
    ) in text
    assert (
        "daily indexes: 4094 lines read = 4081 filings found + 3 lines rejected + 10 header lines"
    ) in text
    assert f"rejected line: {day} line 2001: blank line: ''" in text


def test_a_run_over_days_without_a_daily_index_says_so_in_its_summary(tmp_path: Path) -> None:
    """A weekend (2020-03-21 and 22): EDGAR publishes no daily index, none is asked for."""
    since = {"since": "2020-03-21", "date_to": "2020-03-22", "ciks": [320193]}
    with FakeEdgar(snapshot="2026-03") as fake:
        result = run(fake, tmp_path, since, run_id="e6")
    store = LocalObjectStore(tmp_path / "store")
    summary = json.loads(store.get_bytes(summary_key("sec", "e6")))

    assert result.status == "SUCCEEDED", result.cause
    discovery = summary["discovery"]
    assert (discovery["index_days"], discovery["indexes_read"]) == (
        ["2020-03-21", "2020-03-22"], 0,
    )  # fmt: skip
    assert (discovery["lines_read"], discovery["filings"]) == (0, 0)
    text = render.sec_summary(summary | {"duration_ms": 0}).splitlines()
    assert (
        "daily indexes: none for 2020-03-21..2020-03-22 (none on weekends and holidays, nor "
        "for a day EDGAR has not published yet)"
    ) in text
