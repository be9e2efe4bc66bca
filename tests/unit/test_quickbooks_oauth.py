"""OAuth against the fake Intuit token endpoint: exchange, rotation, single flight, reauth."""

from __future__ import annotations

import os
import stat
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import boto3
import httpx
import pytest
from moto import mock_aws
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    REALM,
    _loopback_only,
    connect_realm,
    fake_fixture,
    local_settings,
    token_manager,
)

from ledgergraph.errors import PermanentError
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.errors import (
    NeedsReauthorization,
    NotConnected,
    QuickBooksRequestRejected,
)
from ledgergraph.quickbooks.oauth import authorization_url
from ledgergraph.quickbooks.tokens import (
    FileTokenStore,
    SecretsManagerTokenStore,
    TokenRecord,
)
from tests.fakes.quickbooks_server import FakeQuickBooks


def test_authorization_url_asks_for_a_code_with_the_accounting_scope(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    settings = local_settings(fake, tmp_path)
    url = authorization_url(
        authorize_url=settings.authorize_url, client_id=settings.client_id,
        redirect_uri=settings.redirect_uri, scope=settings.scope, state="xyz",
    )  # fmt: skip
    query = parse_qs(urlparse(url).query)
    assert url.startswith(f"{fake.base_url}/connect/oauth2?")
    assert query["response_type"] == ["code"]
    assert query["scope"] == ["com.intuit.quickbooks.accounting"]
    assert query["client_id"] == [fake.client_id]
    assert query["state"] == ["xyz"]


def test_code_exchange_stores_tokens_in_a_0600_file(fake: FakeQuickBooks, tmp_path: Path) -> None:
    settings = local_settings(fake, tmp_path)
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        record = tokens.exchange_code(REALM, fake.issue_code(), redirect_uri=settings.redirect_uri)

    assert stat.S_IMODE(os.stat(settings.token_path).st_mode) == 0o600
    stored = FileTokenStore(settings.token_path).load(REALM)
    assert stored is not None and stored.access_token == record.access_token
    assert stored.status == "connected"
    assert record.refresh_token in fake.refresh_tokens


def test_a_refused_authorization_code_is_named_as_such_and_changes_nothing(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    settings = local_settings(fake, tmp_path)
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        redirect_uri = settings.redirect_uri
        connected = tokens.exchange_code(REALM, fake.issue_code(), redirect_uri=redirect_uri)
        with pytest.raises(QuickBooksRequestRejected) as refused:
            tokens.exchange_code(REALM, "bogus", redirect_uri=redirect_uri)

    assert str(refused.value) == (
        f"authorization code refused by Intuit for realm {REALM} (invalid_grant): a code "
        "works once and expires within minutes; run `ledgergraph quickbooks connect` for a "
        "new one (stored tokens, if any, are unchanged)"
    )
    assert FileTokenStore(settings.token_path).load(REALM) == connected


def test_expired_token_is_refreshed_and_the_rotated_refresh_token_saved_before_use(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    settings = local_settings(fake, tmp_path)
    file_store = FileTokenStore(settings.token_path)
    saved_while_unused: list[bool] = []

    class WatchingStore:
        def load(self, realm_id: str) -> TokenRecord | None:
            return file_store.load(realm_id)

        def save(self, record: TokenRecord) -> None:
            used = any(r.authorization == f"Bearer {record.access_token}" for r in fake.requests)
            saved_while_unused.append(not used)
            file_store.save(record)

    with httpx.Client() as http:
        tokens = token_manager(settings, http, WatchingStore())
        old = connect_realm(fake, file_store, expired=True)
        client = QuickBooksClient(REALM, http=http, tokens=tokens, settings=settings)
        client.query_pages("Vendor").__next__()

    new = file_store.load(REALM)
    assert new is not None and new.refresh_token != old.refresh_token
    assert saved_while_unused == [True]
    assert fake.refresh_calls == 1
    assert old.refresh_token not in fake.refresh_tokens  # rotated: the old one is dead


def test_eight_threads_with_an_expired_token_share_one_refresh(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    settings = local_settings(fake, tmp_path)
    fake.token_delay_s = 0.2
    results: list[str] = []
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        connect_realm(fake, tokens.store, expired=True)
        barrier = threading.Barrier(8)

        def worker() -> None:
            barrier.wait()
            results.append(tokens.access_token(REALM))

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)

    assert fake.refresh_calls == 1
    assert len(results) == 8 and len(set(results)) == 1


def test_eight_threads_answered_401_share_one_refresh(fake: FakeQuickBooks, tmp_path: Path) -> None:
    settings = local_settings(fake, tmp_path)
    fake.token_delay_s = 0.2
    counts: list[int] = []
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        connect_realm(fake, tokens.store)
        fake.expire_access_tokens()  # the server says expired, the stored expiry does not
        client = QuickBooksClient(REALM, http=http, tokens=tokens, settings=settings)
        barrier = threading.Barrier(8)

        def worker() -> None:
            barrier.wait()
            page = next(client.query_pages("Account"))
            counts.append(page.records)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)

    assert fake.refresh_calls == 1
    assert counts == [92] * 8


def test_invalid_grant_marks_the_realm_for_reauthorisation_without_retrying(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    settings = local_settings(fake, tmp_path)
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        connect_realm(fake, tokens.store, expired=True)
        fake.revoke_refresh_tokens()

        with pytest.raises(NeedsReauthorization) as raised:
            tokens.access_token(REALM)
        with pytest.raises(NeedsReauthorization):
            tokens.access_token(REALM)  # the persisted status answers, Intuit is not asked

    assert isinstance(raised.value, PermanentError)
    assert fake.refresh_calls == 1
    stored = FileTokenStore(settings.token_path).load(REALM)
    assert stored is not None and stored.status == "needs_reauth"
    assert "invalid_grant" in (stored.status_reason or "")


def test_a_realm_never_connected_is_a_permanent_error(fake: FakeQuickBooks, tmp_path: Path) -> None:
    settings = local_settings(fake, tmp_path)
    with httpx.Client() as http, pytest.raises(NotConnected):
        token_manager(settings, http).access_token("123")
    assert fake.requests == []


def test_tokens_and_secrets_never_reach_the_logs(
    fake: FakeQuickBooks, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = local_settings(fake, tmp_path)
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        old = connect_realm(fake, tokens.store, expired=True)
        fresh = tokens.access_token(REALM)
        fake.revoke_refresh_tokens()
        fake.expire_access_tokens()
        with pytest.raises(NeedsReauthorization):
            tokens.refresh(REALM, stale_token=fresh)

    logged = "\n".join(str(vars(record)) for record in caplog.records)
    assert "quickbooks tokens refreshed" in logged
    new = FileTokenStore(settings.token_path).load(REALM)
    assert new is not None
    for secret in (old.access_token, old.refresh_token, fresh, new.refresh_token,
                   fake.client_secret):  # fmt: skip
        assert secret not in logged
    assert fake.client_secret not in repr(settings)


@mock_aws
def test_secrets_manager_store_keeps_the_newest_tokens_and_the_reauth_status(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    store = SecretsManagerTokenStore(client, prefix="ledgergraph-test/quickbooks/")
    settings = local_settings(fake, tmp_path, token_store="secretsmanager")
    assert store.load(REALM) is None

    with httpx.Client() as http:
        tokens = token_manager(settings, http, store)
        first = connect_realm(fake, store, expired=True)
        tokens.access_token(REALM)
        rotated = store.load(REALM)
        fake.revoke_refresh_tokens()
        fake.expire_access_tokens()
        with pytest.raises(NeedsReauthorization):
            tokens.refresh(REALM, stale_token=rotated.access_token if rotated else None)

    assert rotated is not None and rotated.refresh_token != first.refresh_token
    final = store.load(REALM)
    assert final is not None and final.status == "needs_reauth"
    versions = client.list_secret_version_ids(SecretId=f"ledgergraph-test/quickbooks/{REALM}")
    assert len(versions["Versions"]) >= 3  # created, rotated, marked: one version per save


def test_refresh_leeway_refreshes_a_token_about_to_expire(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    settings = local_settings(fake, tmp_path, token_leeway_s=300)
    with httpx.Client() as http:
        tokens = token_manager(settings, http)
        record = connect_realm(fake, tokens.store)
        tokens.store.save(record.model_copy(update={"access_expires_at": time.time() + 60}))
        assert tokens.access_token(REALM) != record.access_token
    assert fake.refresh_calls == 1
