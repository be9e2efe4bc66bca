"""The EDGAR Lambda handlers with their canonical events, against the fake EDGAR on 127.0.0.1.

Handlers are loaded the way the local runtime loads them (by file path, after the
environment is set), so their module-scope settings and clients aim at the fake server and
this test's folder store.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from handler_events import context, event, handler_of
from test_edgar_cases import local_settings
from test_edgar_steps_cases import (
    APPLE,
    APPLE_10K,
    MISSING_SCHEMA,
    NOT_SERVED,
    TESLA_10Q,
    edgar_environment,
    serve_scenario,
)

from ledgergraph.batches import Batch
from ledgergraph.edgar import DiscoveredFiling, DownloadOutcome, EdgarClient
from ledgergraph.edgar.errors import (
    EdgarConfigurationError,
    EdgarNotFound,
    EdgarThrottled,
    InvalidStepEvent,
)
from ledgergraph.edgar.ratelimit import RateLimiter
from ledgergraph.edgar.steps import (
    DiscoverFilingsRequest,
    PacedClients,
    download_record_key,
    parse_event,
    per_process_rate,
)
from ledgergraph.objectstore import LocalObjectStore
from localrun.edgar_local import flag_overrides, lambda_environment
from localrun.template import FUNCTION_TYPE, load_template, resources_of_type
from tests.fakes.edgar_server import FakeEdgar, throttled_429

RUN = "run-20261204T030000Z-5f2a9c"
Handler = Callable[[dict, Any], dict]


@pytest.fixture
def fake() -> Iterator[FakeEdgar]:
    with FakeEdgar(snapshot="2026-03") as server:
        serve_scenario(server)
        yield server


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


@pytest.fixture
def handler(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, store: LocalObjectStore, fake: FakeEdgar
) -> Callable[[str], Handler]:
    monkeypatch.setenv("LEDGERGRAPH_HOME", str(tmp_path))
    monkeypatch.setenv("LEDGERGRAPH_STORE_URI", store.base_uri)
    for name, value in edgar_environment(fake, max_requests_per_second=9).items():
        monkeypatch.setenv(name, value)
    return handler_of


def test_discover_lists_the_filings_in_the_store_and_splits_the_rate(handler, store) -> None:
    request = event("discover_filings", "apple_and_tesla")

    result = handler("discover_filings")(request, context("discover"))

    items = json.loads(store.get_bytes(result["items_key"]))
    assert result["items_key"] == f"work/sec/{RUN}/discovered.json"
    assert [item["accession"] for item in items][:1] == [APPLE_10K]
    assert {item["accession"] for item in items} >= {TESLA_10Q, *NOT_SERVED}
    assert (result["filings"], result["forms"]) == (6, {"10-K": 2, "10-Q": 4})
    assert result["rows_rejected"] == 0 and result["rows_read"] == result["rows_found"] > 6
    assert (result["concurrency"], result["requests_per_second"]) == (4, 2.25)


def test_per_process_rate_keeps_the_map_under_the_budget() -> None:
    for concurrency in (1, 3, 4, 7, 40):
        assert per_process_rate(8.0, concurrency) * concurrency <= 8.0 + 0.01


def test_download_puts_the_package_in_the_raw_store_and_records_it(
    handler, store, fake: FakeEdgar
) -> None:
    request = event("download_filing", "apple_10k")

    result = handler("download_filing")(request, context("download"))

    times = sorted(r.at for r in fake.requests)
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    # the package's 7 files, then Apple's submissions JSON for its registration data
    assert len(times) == 8 and min(gaps) > 0.35  # paced at the event's 2 per second
    assert fake.paths()[-1] == f"/submissions/CIK{APPLE:010d}.json"

    record = DownloadOutcome.model_validate_json(
        store.get_bytes(download_record_key("sec", RUN, APPLE_10K))
    )
    assert (result["status"], result["files"]) == ("ok", 6)
    assert record.filing_ref().entry_point == "aapl-20230930_htm.xml"
    assert store.exists(f"raw/sec/{APPLE}/{APPLE_10K}/download.json")
    sidecar = json.loads(store.get_bytes(f"raw/sec/{APPLE}/{APPLE_10K}/filing.json"))
    assert (sidecar["registration"]["sic"], sidecar["registration"]["ein"]) == (
        "3571",
        "94-2404110",
    )
    again = handler("download_filing")(request, context("download"))
    assert (again["status"], again["requests"]) == ("skipped", 0)


def test_a_failed_download_is_recorded_with_its_reason_then_raised(handler, store) -> None:
    request = event("download_filing", "apple_10k")
    request["filing"] |= {"cik": 1318605, "accession": MISSING_SCHEMA, "form": "10-K"}

    with pytest.raises(EdgarNotFound, match=f"filing {MISSING_SCHEMA}: tsla-20240630.xsd"):
        handler("download_filing")(request, context("download"))

    record = json.loads(store.get_bytes(download_record_key("sec", RUN, MISSING_SCHEMA)))
    assert (record["status"], record["error_type"], record["transient"]) == (
        "failed",
        "EdgarNotFound",
        False,
    )
    assert "tsla-20240630.xsd" in record["reason"]


def test_a_bad_event_is_a_permanent_error(handler) -> None:
    request = event("download_filing", "apple_10k")
    request["filing"]["accession"] = "not-an-accession"

    with pytest.raises(InvalidStepEvent, match="filing.accession"):
        handler("download_filing")(request, context("download"))


def test_collect_plans_downloaded_filings_and_reports_the_others(handler, store) -> None:
    request = event("collect_downloads", "after_downloads")
    filings = [
        DiscoveredFiling(cik=APPLE, accession=acc, form="10-K", filing_date="2023-11-03")
        for acc in (APPLE_10K, MISSING_SCHEMA, NOT_SERVED[0])
    ]
    key = f"work/sec/{RUN}/discovered.json"
    store.put_bytes(key, json.dumps([f.model_dump(mode="json") for f in filings]).encode())
    download = event("download_filing", "apple_10k") | {"requests_per_second": 9}
    handler("download_filing")(download, context("download"))
    failed = DownloadOutcome(
        cik=APPLE, accession=MISSING_SCHEMA, status="failed", package_prefix="raw/x/",
        error_type="EdgarNotFound", reason=f"filing {MISSING_SCHEMA}: tsla-20240630.xsd: 404",
    )  # fmt: skip
    store.put_bytes(
        download_record_key("sec", RUN, MISSING_SCHEMA), failed.model_dump_json().encode()
    )

    result = handler("collect_downloads")(request, context("collect"))

    plan = json.loads(store.get_bytes(result["batches_key"]))  # the plan is in the store
    batch = Batch.model_validate_json(store.get_bytes(plan[0]["batch_key"]))
    assert [f.source_unit for f in batch.filings] == [APPLE_10K]
    lines = {f["source_unit"]: f for f in result["download_failures"]["filings"]}
    assert lines[MISSING_SCHEMA]["error_type"] == "EdgarNotFound"
    assert "tsla-20240630.xsd" in lines[MISSING_SCHEMA]["error"]
    assert lines[NOT_SERVED[0]]["error_type"] == "States.Timeout"
    assert result["downloads"] == {"ok": 1, "failed": 2}


def test_paced_clients_never_exceed_the_configured_rate(fake: FakeEdgar) -> None:
    clients = PacedClients(local_settings(fake, max_requests_per_second=8))

    assert clients.at(2.0) is clients.at(2.0)
    assert clients.at(2.0).limiter.requests_per_second == pytest.approx(2.0)
    assert clients.at(50.0).limiter.requests_per_second == pytest.approx(8.0)


def test_a_long_throttle_is_left_to_the_caller_when_max_wait_is_set(fake: FakeEdgar) -> None:
    fake.script("^/files/company_tickers.json$", throttled_429("600"))
    settings = local_settings(fake, max_wait_s=1.0, max_retries=3)
    client = EdgarClient(settings, limiter=RateLimiter(9))
    url = client.www_url("/files/company_tickers.json")

    started = time.monotonic()
    with pytest.raises(EdgarThrottled) as raised:
        client.get_json(url)
    with pytest.raises(EdgarThrottled, match="not waiting longer than 1 s"):
        client.get_json(url)

    assert time.monotonic() - started < 2
    assert raised.value.retry_after_s == pytest.approx(600, abs=2)
    assert fake.paths() == ["/files/company_tickers.json"]  # the second call sent nothing


def test_a_nightly_schedule_reads_the_day_before_its_scheduled_time() -> None:
    scheduled = {"as_of": "2026-12-04T06:30:00Z", "lookback_days": 1, "forms": ["10-K"]}
    request = DiscoverFilingsRequest.model_validate(
        {"graph_id": "sec", "run_id": "nightly-1", "discover": scheduled}
    )

    assert (request.discover.since, request.discover.date_to) == (
        date(2026, 12, 3),
        date(2026, 12, 3),
    )
    with pytest.raises(InvalidStepEvent, match="lookback_days"):
        parse_event(DiscoverFilingsRequest, {"graph_id": "sec", "run_id": "n"} | {
            "discover": scheduled | {"lookback_days": 0}
        })  # fmt: skip


def test_local_lambdas_get_the_template_values_then_the_environment_then_flags(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEDGERGRAPH_EDGAR_USER_AGENT", raising=False)
    flags = {"user_agent": "Tests tests@ledgergraph.example", "www_base": "http://127.0.0.1:9"}
    environ = {"LEDGERGRAPH_EDGAR_THROTTLE_PAUSE_S": "1", "LEDGERGRAPH_EDGAR_WWW_BASE": "x"}

    env = lambda_environment(flags, environ=environ)

    assert env["LEDGERGRAPH_EDGAR_MAX_WAIT_S"] == "20"  # template.yaml's Lambda value
    assert env["LEDGERGRAPH_EDGAR_THROTTLE_PAUSE_S"] == "1"
    assert env["LEDGERGRAPH_EDGAR_WWW_BASE"] == "http://127.0.0.1:9"
    with pytest.raises(EdgarConfigurationError, match="--user-agent"):
        lambda_environment({}, environ={})


def test_a_mirror_given_once_serves_both_hosts_unless_told_otherwise() -> None:
    mirror = {"edgar_url": "http://127.0.0.1:9"}

    assert flag_overrides(mirror, environ={}) == {
        "www_base": "http://127.0.0.1:9",
        "data_base": "http://127.0.0.1:9",
    }
    data = {"LEDGERGRAPH_EDGAR_DATA_BASE": "http://127.0.0.1:8"}
    assert flag_overrides(mirror, environ=data)["data_base"] == "http://127.0.0.1:8"


def test_the_download_lambdas_package_limit_fits_its_temporary_storage() -> None:
    function = resources_of_type(load_template(), FUNCTION_TYPE)["DownloadFilingFunction"]
    properties = function["Properties"]
    limit = int(properties["Environment"]["Variables"]["LEDGERGRAPH_EDGAR_MAX_PACKAGE_BYTES"])
    temporary_mb = properties.get("EphemeralStorage", {}).get("Size", 512)  # Lambda's default

    # files stream to the store (measured: a 250 MiB instance peaks at 56 MB RSS); an
    # -xbrl.zip over 8 MiB is spooled to /tmp while its members are stored
    assert limit == 256 << 20 and limit < temporary_mb << 20
    assert properties["MemorySize"] >= 256
