"""OAuth 2.0 with Intuit: the authorization URL, the code exchange, and token refresh.

Refresh is single-flight per realm: concurrent callers that find the same stale token wait on
one per-realm lock, and only the first one calls Intuit; the others get the token it stored.
Intuit rotates refresh tokens, so new tokens are saved (atomically) before anyone uses them.
A refused refresh token (``invalid_grant``) is final: the realm is marked ``needs_reauth`` in
the store and ``NeedsReauthorization`` is raised, with no retry.

NOTE: the lock is per process. Two processes refreshing one realm at the same moment can
still race; the state machine runs one sync per realm at a time, which keeps that away.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from pydantic import SecretStr

from ledgergraph.logs import get_logger
from ledgergraph.quickbooks.errors import (
    NeedsReauthorization,
    NotConnected,
    QuickBooksRequestRejected,
    QuickBooksUnavailable,
)
from ledgergraph.quickbooks.tokens import TokenRecord, TokenStore, utc_now_iso

logger = get_logger("quickbooks")


def authorization_url(
    *, authorize_url: str, client_id: str, redirect_uri: str, scope: str, state: str
) -> str:
    """The URL a user opens to connect a company; Intuit redirects back with code and realmId."""
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": scope,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    return f"{authorize_url}?{urlencode(query)}"


class TokenManager:
    """Hands out valid access tokens for realms; refreshes them single-flight per realm."""

    def __init__(
        self,
        *,
        store: TokenStore,
        http: httpx.Client,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        leeway_s: int = 120,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.http = http
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.leeway_s = leeway_s
        self.clock = clock
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def exchange_code(self, realm_id: str, code: str, *, redirect_uri: str) -> TokenRecord:
        """Trade an authorization code for tokens, store them, and mark the realm connected."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        with self._lock(realm_id):
            record = self._token_request(realm_id, form)
            self.store.save(record)
        logger.info("quickbooks realm connected", extra={"realm_id": realm_id})
        return record

    def access_token(self, realm_id: str) -> str:
        """A valid access token for the realm, refreshed first when it is about to expire."""
        record = self._load(realm_id)
        if self._is_fresh(record):
            return record.access_token
        return self.refresh(realm_id, stale_token=record.access_token)

    def refresh(self, realm_id: str, *, stale_token: str | None) -> str:
        """Refresh the realm's tokens unless someone already replaced ``stale_token``.

        Raises:
            NeedsReauthorization: the realm is (now) marked needs_reauth.
            QuickBooksUnavailable: the token endpoint failed transiently.
        """
        with self._lock(realm_id):
            record = self._load(realm_id)
            if record.access_token != stale_token and self._is_fresh(record):
                return record.access_token
            form = {"grant_type": "refresh_token", "refresh_token": record.refresh_token}
            new = self._token_request(realm_id, form, previous=record)
            self.store.save(new)  # saved before use: the old refresh token may be dead now
        logger.info("quickbooks tokens refreshed", extra={"realm_id": realm_id})
        return new.access_token

    def _load(self, realm_id: str) -> TokenRecord:
        record = self.store.load(realm_id)
        if record is None:
            raise NotConnected(f"no QuickBooks connection stored for realm {realm_id}")
        if record.status == "needs_reauth":
            raise NeedsReauthorization(
                f"realm {realm_id} needs re-authorisation: {record.status_reason}"
            )
        return record

    def _is_fresh(self, record: TokenRecord) -> bool:
        return bool(record.access_token) and (
            record.access_expires_at - self.leeway_s > self.clock()
        )

    def _lock(self, realm_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(realm_id, threading.Lock())

    def _token_request(
        self, realm_id: str, form: dict[str, str], *, previous: TokenRecord | None = None
    ) -> TokenRecord:
        auth = (self.client_id, self.client_secret.get_secret_value())
        try:
            response = self.http.post(
                self.token_url, data=form, auth=auth, headers={"Accept": "application/json"}
            )
        except httpx.TransportError as exc:
            raise QuickBooksUnavailable(f"token endpoint unreachable (realm {realm_id})") from exc
        if response.status_code == 400 and _oauth_error(response) == "invalid_grant":
            if form["grant_type"] == "authorization_code":
                raise QuickBooksRequestRejected(
                    f"authorization code refused by Intuit for realm {realm_id} "
                    "(invalid_grant): a code works once and expires within minutes; run "
                    "`ledgergraph quickbooks connect` for a new one (stored tokens, if any, "
                    "are unchanged)"
                )
            self._mark_needs_reauth(realm_id, previous)
        if response.status_code >= 500 or response.status_code == 429:
            raise QuickBooksUnavailable(
                f"token endpoint answered {response.status_code} (realm {realm_id})"
            )
        if response.status_code != 200:
            raise QuickBooksRequestRejected(
                f"token endpoint refused the request for realm {realm_id}: "
                f"{response.status_code} {_oauth_error(response)}"
            )
        return self._record_from(realm_id, response.json())

    def _mark_needs_reauth(self, realm_id: str, previous: TokenRecord | None) -> None:
        reason = "refresh token refused by Intuit (invalid_grant)"
        if previous is not None:
            marked = previous.model_copy(
                update={
                    "status": "needs_reauth",
                    "status_reason": reason,
                    "updated_at": utc_now_iso(),
                }
            )
            self.store.save(marked)
        logger.error("quickbooks realm needs re-authorisation", extra={"realm_id": realm_id})
        raise NeedsReauthorization(f"realm {realm_id} needs re-authorisation: {reason}")

    def _record_from(self, realm_id: str, body: dict[str, Any]) -> TokenRecord:
        now = self.clock()
        refresh_ttl = body.get("x_refresh_token_expires_in")
        return TokenRecord(
            realm_id=realm_id,
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            access_expires_at=now + float(body.get("expires_in", 3600)),
            refresh_expires_at=now + float(refresh_ttl) if refresh_ttl else None,
        )


def _oauth_error(response: httpx.Response) -> str:
    """The ``error`` code of an OAuth error body ("invalid_grant" ...), never its tokens."""
    try:
        return str(response.json().get("error", ""))
    except ValueError:
        return ""
