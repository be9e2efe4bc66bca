"""What the QuickBooks Lambda functions (and the local pipeline) call.

A handler builds its clients once per process (httpx, boto3 Secrets Manager, object store),
then calls ``sync_company`` (step ``quickbooks_sync``) and ``transform_run`` (step
``quickbooks_transform``, in ``transform.service``) with ids from the state machine's input.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import httpx
from pydantic import SecretStr

from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.errors import QuickBooksPermanentError
from ledgergraph.quickbooks.extract import SyncSummary, sync_realm
from ledgergraph.quickbooks.oauth import TokenManager
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.tokens import open_token_store


def resolve_app_credentials(
    settings: QuickBooksSettings, secrets_client: Any
) -> QuickBooksSettings:
    """Settings with the Intuit app's client id and secret read from ``app_secret_id``.

    The secret is a JSON object ``{"client_id": ..., "client_secret": ...}``; without an
    ``app_secret_id`` the settings are returned unchanged (local runs use the environment).
    """
    if not settings.app_secret_id:
        return settings
    response = secrets_client.get_secret_value(SecretId=settings.app_secret_id)
    try:
        values = json.loads(response["SecretString"])
        client_id, secret = values["client_id"], values["client_secret"]
    except (KeyError, ValueError) as exc:
        raise QuickBooksPermanentError(
            f"secret {settings.app_secret_id} lacks client_id/client_secret"
        ) from exc
    return settings.model_copy(update={"client_id": client_id, "client_secret": SecretStr(secret)})


def open_token_manager(
    settings: QuickBooksSettings, http: httpx.Client, *, secrets_client: Any = None
) -> TokenManager:
    """The token manager over the store the settings name (file, or Secrets Manager)."""
    store = open_token_store(
        settings.token_store,
        path=settings.token_path,
        client=secrets_client,
        prefix=settings.secret_prefix,
    )
    return TokenManager(
        store=store,
        http=http,
        token_url=settings.token_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        leeway_s=settings.token_leeway_s,
    )


def sync_company(
    realm_id: str,
    *,
    settings: QuickBooksSettings,
    store: ObjectStore,
    http: httpx.Client,
    tokens: TokenManager,
    run_id: str | None = None,
    force_full: bool = False,
    confirm_deletions: bool = False,
    report_period: tuple[date, date] | None = None,
) -> SyncSummary:
    """One sync run of a realm into the raw store (see ``extract.sync_realm``).

    Raises:
        QuickBooksTransientError: throttling or Intuit unavailable after the client's retries.
        QuickBooksPermanentError: not connected, needs re-authorisation, request refused.
    """
    client = QuickBooksClient(realm_id, http=http, tokens=tokens, settings=settings)
    return sync_realm(
        client,
        store,
        settings,
        run_id=run_id,
        force_full=force_full,
        confirm_deletions=confirm_deletions,
        report_period=report_period,
    )
