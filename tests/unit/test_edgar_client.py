"""The EDGAR client against the fake EDGAR: headers, error pages, retries, settings."""

from __future__ import annotations

import gzip
import json
import socket
import tracemalloc
from collections.abc import Iterator

import pytest
from test_edgar_cases import EDGAR_DATA, USER_AGENT, local_client, local_settings

from ledgergraph.edgar import EdgarClient, EdgarSettings, load_edgar_settings
from ledgergraph.edgar.errors import (
    EdgarAccessDenied,
    EdgarConfigurationError,
    EdgarConnectionError,
    EdgarError,
    EdgarNotFound,
    EdgarPermanentError,
    EdgarServerError,
    EdgarThrottled,
    EdgarTimeout,
    EdgarTooLarge,
    EdgarTransientError,
    EdgarUnexpectedHtml,
)
from ledgergraph.edgar.ratelimit import RateLimiter
from ledgergraph.edgar.responses import Expect
from ledgergraph.errors import PermanentError, TransientError
from tests.fakes.edgar_server import (
    FakeEdgar,
    Fault,
    html_page_200,
    server_error,
    slow,
    throttle_page,
)
from tests.fakes.network_guard import OutboundConnectionBlocked, loopback_only

APPLE_SUBMISSIONS = "/submissions/CIK0000320193.json"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def fake() -> Iterator[FakeEdgar]:
    with FakeEdgar() as server:
        yield server


@pytest.fixture
def no_edgar_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("USER_AGENT", "MAX_REQUESTS_PER_SECOND", "WWW_BASE", "DATA_BASE"):
        monkeypatch.delenv(f"LEDGERGRAPH_EDGAR_{name}", raising=False)


def test_no_user_agent_means_no_client(no_edgar_env: None) -> None:
    with pytest.raises(EdgarConfigurationError, match="LEDGERGRAPH_EDGAR_USER_AGENT"):
        load_edgar_settings()
    with pytest.raises(EdgarConfigurationError, match="contact e-mail"):
        load_edgar_settings(user_agent="ledgergraph/0.1")
    with pytest.raises(EdgarConfigurationError, match="contact e-mail"):
        EdgarClient(EdgarSettings.model_construct(user_agent=""), limiter=RateLimiter(1))


def test_the_rate_must_stay_under_the_secs_ten_per_second(no_edgar_env: None) -> None:
    with pytest.raises(EdgarConfigurationError, match="max_requests_per_second"):
        load_edgar_settings(user_agent=USER_AGENT, max_requests_per_second=10)


def test_settings_come_from_the_environment_and_arguments_win(
    no_edgar_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERGRAPH_EDGAR_USER_AGENT", USER_AGENT)
    monkeypatch.setenv("LEDGERGRAPH_EDGAR_MAX_REQUESTS_PER_SECOND", "4")

    from_env = load_edgar_settings()
    explicit = load_edgar_settings(max_requests_per_second=2, www_base="http://127.0.0.1:1/")

    assert (from_env.user_agent, from_env.max_requests_per_second) == (USER_AGENT, 4)
    assert (from_env.www_base, from_env.data_base) == (
        "https://www.sec.gov",
        "https://data.sec.gov",
    )
    assert (explicit.max_requests_per_second, explicit.www_base) == (2, "http://127.0.0.1:1")


def test_every_request_declares_the_user_agent_and_takes_gzip(fake: FakeEdgar) -> None:
    client = local_client(fake)

    document = client.get_json(client.data_url(APPLE_SUBMISSIONS))
    client.get_text(client.www_url("/Archives/edgar/daily-index/2020/QTR1/form.20200318.idx"))

    recorded = json.loads((EDGAR_DATA / "submissions/2026-03/CIK0000320193.json").read_bytes())
    assert document == recorded
    assert [r.user_agent for r in fake.requests] == [USER_AGENT, USER_AGENT]
    assert all("gzip" in (r.accept_encoding or "") for r in fake.requests)


def test_an_html_page_with_status_200_is_never_data(fake: FakeEdgar) -> None:
    fake.script(APPLE_SUBMISSIONS, html_page_200())
    client = local_client(fake)

    with pytest.raises(EdgarUnexpectedHtml, match=APPLE_SUBMISSIONS) as caught:
        client.get_json(client.data_url(APPLE_SUBMISSIONS))

    assert isinstance(caught.value, PermanentError)
    assert len(fake.requests) == 1  # permanent: not retried


def test_an_html_page_is_not_xml_or_a_zip_either(fake: FakeEdgar) -> None:
    fake.script("form", html_page_200(), html_page_200())
    client = local_client(fake)
    url = client.www_url("/Archives/edgar/daily-index/2020/QTR1/form.20200318.idx")

    with pytest.raises(EdgarUnexpectedHtml):
        client.get_bytes(url, Expect.XML, max_bytes=1 << 20)
    with pytest.raises(EdgarUnexpectedHtml):
        client.get_bytes(url, Expect.ZIP, max_bytes=1 << 20)


def test_missing_documents_are_permanent_not_found(fake: FakeEdgar) -> None:
    client = local_client(fake)

    with pytest.raises(EdgarNotFound, match="CIK0000000001"):
        client.get_json(client.data_url("/submissions/CIK0000000001.json"))
    with pytest.raises(EdgarNotFound, match="status 403"):  # S3's AccessDenied for no key
        client.get_text(client.www_url("/Archives/edgar/full-index/2099/QTR1/form.idx"))
    assert [r.status for r in fake.requests] == [404, 403]


def test_server_errors_are_retried_with_backoff_then_succeed(fake: FakeEdgar) -> None:
    fake.script(APPLE_SUBMISSIONS, server_error(503), server_error(500))
    naps: list[float] = []
    settings = local_settings(fake, backoff_base_s=0.2, max_retries=3)
    client = EdgarClient(settings, limiter=RateLimiter(9.5), sleep=naps.append, rng=lambda: 1.0)

    document = client.get_json(client.data_url(APPLE_SUBMISSIONS))

    assert document["cik"] == "0000320193"
    assert [r.status for r in fake.requests] == [503, 500, 200]
    assert naps == [0.2, 0.4]  # doubling; rng=1.0 takes the top of the jitter range


def test_persistent_server_errors_end_as_a_transient_error(fake: FakeEdgar) -> None:
    fake.script(APPLE_SUBMISSIONS, *[server_error()] * 3)
    client = local_client(fake, max_retries=2)

    with pytest.raises(EdgarServerError) as caught:
        client.get_json(client.data_url(APPLE_SUBMISSIONS))

    assert isinstance(caught.value, TransientError)
    assert len(fake.requests) == 3


def test_a_timeout_is_retried_and_a_persistent_one_is_transient(fake: FakeEdgar) -> None:
    fake.script(APPLE_SUBMISSIONS, slow(1.0), slow(1.0), slow(1.0))
    client = local_client(fake, timeout_s=0.3, max_retries=1)
    url = client.data_url(APPLE_SUBMISSIONS)

    with pytest.raises(EdgarTimeout):
        client.get_json(url)
    assert client.get_json(url)["cik"] == "0000320193"  # one slow answer, then a fast one


def test_the_throttling_page_is_recognised_whatever_the_status(fake: FakeEdgar) -> None:
    fake.script(APPLE_SUBMISSIONS, throttle_page(200), throttle_page(403))
    client = local_client(fake, throttle_pause_s=0.05, max_retries=1)

    with pytest.raises(EdgarThrottled) as caught:
        client.get_json(client.data_url(APPLE_SUBMISSIONS))

    assert [r.status for r in fake.requests] == [200, 403]
    assert type(caught.value).__name__ == "EdgarThrottled"  # the name the ASL Retry lists


def test_the_undeclared_tool_page_is_access_denied(fake: FakeEdgar) -> None:
    page = b"<html><body><h1>Your Request Originates from an Undeclared Automated Tool</h1>"
    fake.script(APPLE_SUBMISSIONS, Fault(403, page))
    client = local_client(fake)

    with pytest.raises(EdgarAccessDenied, match="User-Agent"):
        client.get_json(client.data_url(APPLE_SUBMISSIONS))


def test_default_base_urls_are_the_secs_and_never_used_in_tests(no_edgar_env: None) -> None:
    settings = EdgarSettings(user_agent=USER_AGENT)

    assert (settings.www_base, settings.data_base) == (
        "https://www.sec.gov",
        "https://data.sec.gov",
    )
    assert settings.max_requests_per_second == 8


def test_the_guard_refuses_any_host_but_127_0_0_1() -> None:
    with pytest.raises(OutboundConnectionBlocked), loopback_only():
        socket.getaddrinfo("127.0.0.2", 80)
    with pytest.raises(OutboundConnectionBlocked), loopback_only(), socket.socket() as sock:
        sock.connect(("127.0.0.2", 9))


def all_subclasses(cls: type) -> set[type]:
    return {sub for child in cls.__subclasses__() for sub in {child, *all_subclasses(child)}}


def test_every_edgar_error_is_either_transient_or_permanent() -> None:
    concrete = all_subclasses(EdgarError) - {EdgarTransientError, EdgarPermanentError}

    assert {cls.__name__ for cls in concrete if issubclass(cls, TransientError)} == {
        "EdgarThrottled",
        "EdgarServerError",
        "EdgarTimeout",
        "EdgarConnectionError",
        "EdgarIncompleteFile",
    }
    assert all(issubclass(cls, (TransientError, PermanentError)) for cls in concrete)
    assert not any(
        issubclass(cls, TransientError) and issubclass(cls, PermanentError) for cls in concrete
    )


def test_a_rate_over_the_secs_limit_is_named_with_the_limit(no_edgar_env: None) -> None:
    with pytest.raises(EdgarConfigurationError) as raised:
        load_edgar_settings(user_agent=USER_AGENT, max_requests_per_second=12)

    message = str(raised.value)
    assert "LEDGERGRAPH_EDGAR_MAX_REQUESTS_PER_SECOND" in message
    assert "under 10 requests a second" in message and "got 12" in message
    assert "USER_AGENT" not in message


def test_a_user_agent_of_only_an_e_mail_does_not_name_anyone(no_edgar_env: None) -> None:
    with pytest.raises(EdgarConfigurationError, match="LEDGERGRAPH_EDGAR_USER_AGENT") as raised:
        load_edgar_settings(user_agent="t12@example.com")
    with pytest.raises(EdgarConfigurationError, match="must name you"):
        EdgarClient(EdgarSettings.model_construct(user_agent=" t12@example.com "))

    assert "Sample Company Name AdminContact@example.com" in str(raised.value)
    assert load_edgar_settings(user_agent="T12 Labs t12@example.com").user_agent == (
        "T12 Labs t12@example.com"
    )


def test_a_gzip_bomb_is_cut_off_at_the_document_limit_without_holding_it(
    fake: FakeEdgar,
) -> None:
    inflated = 64 << 20
    bomb = b'{"directory": {"item": [], "name": "' + b"0" * inflated + b'"}}'
    fake.script(r"/index\.json$", Fault(200, bomb, "application/json"))  # sent gzipped
    client = local_client(fake, max_document_bytes=1 << 20)
    url = client.www_url("/Archives/edgar/data/320193/000032019323000106/index.json")

    tracemalloc.start()
    try:
        with pytest.raises(EdgarTooLarge, match="larger than the 1048576 bytes") as raised:
            client.get_json(url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert url in str(raised.value)
    assert fake.requests[-1].accept_encoding and len(fake.requests) == 1  # not retried
    assert peak < 8 << 20  # a few chunks past the 1 MiB limit, not the 64 MiB


def test_a_body_over_its_limit_is_refused_from_its_content_length(fake: FakeEdgar) -> None:
    client = local_client(fake)
    url = client.data_url(APPLE_SUBMISSIONS)
    size = (EDGAR_DATA / "submissions/2026-03/CIK0000320193.json").stat().st_size

    whole = client.get_bytes(url, Expect.JSON, max_bytes=size)
    with pytest.raises(EdgarTooLarge, match=f"larger than the {size - 1} bytes"):
        client.get_bytes(url, Expect.JSON, max_bytes=size - 1)

    assert len(whole) == size


def test_a_gzip_body_cut_off_is_a_transient_connection_error(fake: FakeEdgar) -> None:
    recorded = (EDGAR_DATA / "submissions/2026-03/CIK0000350001.json").read_bytes()
    cut = gzip.compress(recorded)[:-40]
    gzipped = (("Content-Encoding", "gzip"),)
    # sent as it is: the fake compresses no body it is told is a zip
    fake.script(APPLE_SUBMISSIONS, *[Fault(200, cut, "application/zip", gzipped)] * 2)
    client = local_client(fake, max_retries=1)

    with pytest.raises(EdgarConnectionError, match="was cut off"):
        client.get_json(client.data_url(APPLE_SUBMISSIONS))

    assert len(fake.requests) == 2


def test_a_connection_cut_mid_body_names_the_bytes_received_and_the_attempts(
    fake: FakeEdgar,
) -> None:
    recorded = (EDGAR_DATA / "submissions/2026-03/CIK0000320193.json").read_bytes()
    # sent as it is (a body said to be a zip is never compressed), cut after 1000 bytes
    cut = Fault(200, recorded, "application/zip", cut_at=1000)
    fake.script(APPLE_SUBMISSIONS, cut, cut)
    client = local_client(fake, max_retries=1)

    with pytest.raises(EdgarConnectionError) as raised:
        client.get_json(client.data_url(APPLE_SUBMISSIONS))

    assert str(raised.value) == (
        f"connection to EDGAR failed for {APPLE_SUBMISSIONS} mid-body: 1000 bytes received "
        f"of {len(recorded)} expected; gave up after 2 attempt(s)"
    )
    assert len(fake.requests) == 2


def test_a_package_file_cut_mid_body_is_measured_against_its_listed_size(
    fake: FakeEdgar,
) -> None:
    recorded = (EDGAR_DATA / "submissions/2026-03/CIK0000320193.json").read_bytes()
    fake.script(APPLE_SUBMISSIONS, Fault(200, recorded, "application/zip", cut_at=4096))
    client = local_client(fake, max_retries=0)

    with pytest.raises(EdgarConnectionError) as raised:
        client.get_stream(
            client.data_url(APPLE_SUBMISSIONS),
            Expect.JSON,
            b"".join,
            max_bytes=len(recorded),
            expected_size=len(recorded),
        )

    assert str(raised.value) == (
        f"connection to EDGAR failed for {APPLE_SUBMISSIONS} mid-body: 4096 bytes received "
        f"of {len(recorded)} expected; gave up after 1 attempt(s)"
    )
