"""The QBO client against the fake: paging at exact boundaries, 429, 5xx, 401, faults."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    REALM,
    Harness,
    _loopback_only,
    fake_fixture,
    harness_fixture,
    make_harness,
)

from ledgergraph.errors import PermanentError, TransientError
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.errors import (
    QuickBooksDataError,
    QuickBooksRequestRejected,
    QuickBooksThrottled,
    QuickBooksUnavailable,
)
from ledgergraph.quickbooks.settings import PRODUCTION_API_BASE, QuickBooksSettings
from tests.fakes.network_guard import OutboundConnectionBlocked, loopback_only
from tests.fakes.quickbooks_server import (
    FakeQuickBooks,
    Scripted,
    fault,
    load_sandbox,
    throttled,
)


@pytest.fixture(name="paged")
def paged_fixture(
    fake: FakeQuickBooks, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Harness]:
    yield from make_harness(fake, tmp_path, page_size=request.param)


@pytest.mark.parametrize("paged", [23, 46, 92], indirect=True)
def test_a_page_size_dividing_the_count_still_reads_every_account(
    paged: Harness, fake: FakeQuickBooks
) -> None:
    size = paged.settings.page_size
    pages = list(paged.client.query_pages("Account"))

    ids = [a["Id"] for p in pages for a in p.body["QueryResponse"].get("Account", [])]
    assert len(ids) == 92 and len(set(ids)) == 92
    assert [p.records for p in pages] == [size] * (92 // size) + [0]
    starts = [int(q.split("STARTPOSITION ")[1].split()[0]) for q in fake.queries()]
    assert starts == [1 + i * size for i in range(92 // size + 1)]
    assert all(q.endswith(f"MAXRESULTS {size}") for q in fake.queries())


@pytest.mark.parametrize("paged", [10], indirect=True)
def test_a_short_last_page_ends_the_listing(paged: Harness, fake: FakeQuickBooks) -> None:
    pages = list(paged.client.query_pages("Invoice"))

    assert [p.records for p in pages] == [10, 10, 10, 7]
    assert len(fake.queries()) == 4


def invoice_page(count_stated: int) -> Scripted:
    """Page 1 of the Invoice listing at 10 a page, stating ``count_stated`` as totalCount
    (the recorded Invoice.json states its 37)."""
    invoices = load_sandbox()["Invoice"][:10]
    body = {"Invoice": invoices, "startPosition": 1, "maxResults": 10,
            "totalCount": count_stated}  # fmt: skip
    return Scripted(200, {}, {"QueryResponse": body})


@pytest.mark.parametrize("paged", [10], indirect=True)
def test_a_listing_ending_short_of_its_stated_count_is_a_transient_error(
    paged: Harness, fake: FakeQuickBooks
) -> None:
    fake.script("query", invoice_page(37), Scripted(200, {}, {"QueryResponse": {}}))

    with pytest.raises(QuickBooksUnavailable) as caught:
        list(paged.client.query_pages("Invoice"))

    assert str(caught.value) == (
        f"QuickBooks answered page 2 (STARTPOSITION 11) of the Invoice listing of realm "
        f"{REALM} with 0 records, ending it at 10 where it counted 37: an incomplete answer, "
        "not deleted records; sync again"
    )
    assert isinstance(caught.value, TransientError)


@pytest.mark.parametrize("paged", [10], indirect=True)
def test_a_server_answering_every_page_with_the_first_stops_the_listing(
    paged: Harness, fake: FakeQuickBooks
) -> None:
    """Found by a tester: the listing asked for page after page for ever (39,983 pages)."""
    fake.script("query", *[invoice_page(37)] * 3)

    with pytest.raises(QuickBooksDataError) as caught:
        list(paged.client.query_pages("Invoice"))

    first_ids = sorted(str(i["Id"]) for i in load_sandbox()["Invoice"][:10])[:5]
    assert str(caught.value) == (
        f"QuickBooks answered page 2 (STARTPOSITION 11) of the Invoice listing of realm {REALM} "
        f"with only records earlier pages held (Ids {', '.join(first_ids)} ...): the answers "
        "ignore STARTPOSITION, so the listing would never end; the run stops before its "
        "manifest"
    )
    assert len(fake.queries()) == 2


@pytest.mark.parametrize("paged", [10], indirect=True)
def test_a_total_count_of_the_page_alone_ends_nothing_early(
    paged: Harness, fake: FakeQuickBooks
) -> None:
    fake.script("query", invoice_page(10))

    pages = list(paged.client.query_pages("Invoice"))

    assert [p.records for p in pages] == [10, 10, 10, 7]


def test_an_empty_entity_is_one_empty_page(harness: Harness) -> None:
    pages = list(harness.client.query_pages("Transfer"))

    assert [p.records for p in pages] == [0]
    assert pages[0].body["QueryResponse"] == {}


def test_every_data_call_sends_the_minor_version_and_a_bearer_token(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    list(harness.client.query_pages("Vendor"))

    request = fake.seen("/query")[0]
    assert request.params["minorversion"] == "75"
    assert request.authorization and request.authorization.startswith("Bearer at-")


def test_throttling_waits_as_long_as_retry_after_says(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    fake.script("query", throttled("3"), throttled(None))

    pages = list(harness.client.query_pages("Customer"))

    assert pages[0].records == 33
    assert harness.sleeps == [3.0, 1.0]  # Retry-After, then backoff 0.5 x 2^1
    assert len(fake.queries()) == 3


def test_throttling_that_outlasts_the_retries_is_a_transient_error(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    fake.script("query", *[throttled("1")] * 4)

    with pytest.raises(QuickBooksThrottled) as raised:
        list(harness.client.query_pages("Customer"))

    assert isinstance(raised.value, TransientError)
    assert len(harness.sleeps) == harness.settings.max_retries == 3


def test_a_long_retry_after_is_capped(fake: FakeQuickBooks, tmp_path: Path) -> None:
    fake.script("query", throttled("3600"))
    for harness in make_harness(fake, tmp_path, backoff_max_s=30.0):
        list(harness.client.query_pages("Item"))
        assert harness.sleeps == [30.0]


def test_server_errors_are_retried_then_reported_as_transient(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    fake.script("query", Scripted(503), Scripted(500))
    assert next(harness.client.query_pages("Item")).records == 23
    assert harness.sleeps == [0.5, 1.0]

    fake.script("cdc", *[Scripted(502)] * 4)
    with pytest.raises(QuickBooksUnavailable):
        harness.client.cdc(["Invoice"], "2026-05-01T00:00:00+00:00")


HTML_PAGE = "<html><body><h1>502 Bad Gateway</h1></body></html>"


def test_a_body_that_is_not_json_is_retried_as_a_server_error_would_be(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    cut_off = '{"QueryResponse": {"Item": [{"Id": "1", "Name": "Con'
    fake.script("query", Scripted(200, {"Content-Type": "text/html"}, raw=HTML_PAGE),
                Scripted(200, {}, raw=cut_off))  # fmt: skip

    assert next(harness.client.query_pages("Item")).records == 23
    assert harness.sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    ("raw", "content_type", "found"),
    [
        (HTML_PAGE, "text/html", "text/html, 50 bytes: Expecting value: line 1 column 1 (char 0))"),
        ('{"QueryResponse": {"Invoice": [', "application/json",
         "application/json, 31 bytes: Expecting value: line 1 column 32 (char 31))"),
    ],
)  # fmt: skip
def test_a_body_still_not_json_after_the_retries_is_transient_and_names_the_page(
    harness: Harness, fake: FakeQuickBooks, raw: str, content_type: str, found: str
) -> None:
    fake.script("query", *[Scripted(200, {"Content-Type": content_type}, raw=raw)] * 4)

    with pytest.raises(QuickBooksUnavailable) as raised:
        list(harness.client.query_pages("Invoice"))

    assert str(raised.value).startswith(
        "QuickBooks answered page 1 (STARTPOSITION 1) of the Invoice listing for realm "
        f"{REALM} with a body that is not JSON ({found}"
    )
    assert str(raised.value).endswith("4 times: an incomplete or foreign answer; sync again")
    assert isinstance(raised.value, TransientError) and len(harness.sleeps) == 3


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"QueryResponse": {"Invoice": "oops"}},
         "with Invoice a JSON string, not a list of records"),
        ([], "for realm {realm} with a JSON array, not an object"),
        ({"QueryResponse": {"Invoice": [None]}},
         "with Invoice record 1 (counted from 1) a JSON null, not an object (1 such record)"),
        ({"QueryResponse": None}, "with QueryResponse a JSON null, not an object"),
        ({"time": "2026-05-05T03:13:29-07:00"}, "with no QueryResponse"),
    ],
)  # fmt: skip
def test_a_query_page_of_the_wrong_shape_is_permanent_and_names_the_page(
    harness: Harness, fake: FakeQuickBooks, body: Any, problem: str
) -> None:
    fake.script("query", Scripted(200, {}, body))

    with pytest.raises(QuickBooksDataError) as raised:
        list(harness.client.query_pages("Invoice"))

    assert "page 1 (STARTPOSITION 1) of the Invoice listing" in str(raised.value)
    assert problem.format(realm=REALM) in str(raised.value)
    assert isinstance(raised.value, PermanentError) and harness.sleeps == []


def test_an_expired_token_is_refreshed_once_and_the_call_repeated(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    fake.expire_access_tokens()

    page = next(harness.client.query_pages("Vendor"))

    assert page.records == 35
    assert fake.refresh_calls == 1
    first, second = fake.seen("/query")
    assert first.authorization != second.authorization


def test_a_second_401_after_the_refresh_is_permanent(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    fake.expire_access_tokens()
    fake.script("query", Scripted(401, {}, {"fault": {"error": [{"code": "3200"}]}}))

    with pytest.raises(QuickBooksRequestRejected):
        next(harness.client.query_pages("Vendor"))

    assert fake.refresh_calls == 1


def test_a_fault_is_permanent_and_names_the_realm_and_the_error(
    harness: Harness, fake: FakeQuickBooks
) -> None:
    fake.script("query", fault(400, "Invalid query", "4000"))

    with pytest.raises(QuickBooksRequestRejected) as raised:
        next(harness.client.query_pages("Vendor"))

    assert isinstance(raised.value, PermanentError)
    assert REALM in str(raised.value) and "4000 Invalid query" in str(raised.value)


def test_names_that_are_not_entities_never_reach_a_query(harness: Harness) -> None:
    with pytest.raises(ValueError):
        next(harness.client.query_pages("Account; DROP"))
    with pytest.raises(ValueError):
        harness.client.report("../companyinfo", {})


def test_company_info_and_reports_come_back_as_returned(harness: Harness) -> None:
    info = harness.client.company_info()["CompanyInfo"]
    sheet = harness.client.report("BalanceSheet", {"start_date": "2019-01-01"})

    assert "TEST DATA" in info["CompanyName"]
    assert sheet["Header"]["ReportName"] == "BalanceSheet"
    assert sheet["Rows"]["Row"][0]["Summary"]["ColData"][1]["value"] == "23436.29"


def test_the_default_hosts_are_intuits_and_the_guard_refuses_them(tmp_path: Path) -> None:
    settings = QuickBooksSettings(token_path=tmp_path / "t.json")
    assert settings.api_base == PRODUCTION_API_BASE == "https://quickbooks.api.intuit.com"
    assert settings.token_url.startswith("https://oauth.platform.intuit.com/")

    class StaticTokens:
        def access_token(self, realm_id: str) -> str:
            return "not-a-token"

    tokens: Any = StaticTokens()
    with pytest.raises(OutboundConnectionBlocked), loopback_only(), httpx.Client() as http:
        client = QuickBooksClient(REALM, http=http, tokens=tokens, settings=settings)
        with pytest.raises((OutboundConnectionBlocked, QuickBooksUnavailable)):
            client.company_info()
