"""Settings of the QuickBooks library, from ``LEDGERGRAPH_QBO_*`` environment variables.

Loaded once at the entry point (Lambda handler or CLI) and passed down; explicit arguments win.
The defaults point at Intuit's production hosts: tests always pass 127.0.0.1 URLs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PRODUCTION_API_BASE = "https://quickbooks.api.intuit.com"
SANDBOX_API_BASE = "https://sandbox-quickbooks.api.intuit.com"
AUTHORIZE_URL = "https://appcenter.intuit.com/connect/oauth2"
TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"


def default_token_path() -> Path:
    """``./.ledgergraph/quickbooks/tokens.json``: the local token file."""
    return Path(".ledgergraph/quickbooks/tokens.json").resolve()


class QuickBooksSettings(BaseSettings):
    """What the QuickBooks sync needs: the Intuit app, the hosts, the token store, paging."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_QBO_", extra="ignore")

    client_id: str = Field(default="", description="Client ID of the Intuit developer app.")
    client_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Client secret of the Intuit app; on AWS it comes from Secrets Manager.",
    )
    app_secret_id: str | None = Field(
        default=None,
        description="Secrets Manager secret holding the Intuit app's client_id and "
        "client_secret as JSON; read once at the entry point when set (AWS).",
    )
    redirect_uri: str = Field(
        default="http://127.0.0.1:8765/quickbooks/callback",
        description="OAuth redirect URI registered for the app; the code arrives there.",
    )
    api_base: str = Field(
        default=PRODUCTION_API_BASE,
        description="QBO API v3 base URL: production https://quickbooks.api.intuit.com, "
        "sandbox https://sandbox-quickbooks.api.intuit.com.",
    )
    authorize_url: str = Field(
        default=AUTHORIZE_URL, description="Intuit's OAuth 2.0 authorization endpoint."
    )
    token_url: str = Field(
        default=TOKEN_URL,
        description="Intuit's OAuth 2.0 token endpoint (code exchange and refresh).",
    )
    scope: str = Field(default=ACCOUNTING_SCOPE, description="OAuth scopes, space separated.")
    token_store: Literal["file", "secretsmanager"] = Field(
        default="file",
        description="Where tokens live: a local 0600 JSON file, or AWS Secrets Manager.",
    )
    token_path: Path = Field(
        default_factory=default_token_path,
        description="The local token file (mode 0600), used when token_store is 'file'.",
    )
    secret_prefix: str = Field(
        default="ledgergraph/quickbooks/",
        description="Secrets Manager name prefix; a realm's tokens live at prefix + realm id.",
    )
    minor_version: int = Field(
        default=75, description="QBO API minorversion sent with every data request."
    )
    page_size: int = Field(
        default=1000,
        ge=1,
        le=1000,
        description="MAXRESULTS of one query page (QBO allows at most 1000).",
    )
    timeout_s: float = Field(default=60.0, description="Timeout of one HTTP call, in seconds.")
    max_retries: int = Field(
        default=5, description="Retries of one call after 429 or 5xx before giving up."
    )
    backoff_base_s: float = Field(
        default=1.0, description="First backoff after a 429/5xx without Retry-After; doubles."
    )
    backoff_max_s: float = Field(
        default=60.0, description="Longest single wait between retries, Retry-After included."
    )
    token_leeway_s: int = Field(
        default=120, description="Refresh an access token this many seconds before it expires."
    )
    cdc_window_days: int = Field(
        default=30,
        description="How far back Change Data Capture reaches (QBO: 30 days); an older last "
        "sync runs a full resync instead.",
    )
    cdc_overlap_s: int = Field(
        default=300,
        description="changedSince is moved this many seconds before the previous run's "
        "start, so clock skew loses no change; duplicates are merged by SyncToken.",
    )
    report_accounting_method: Literal["Accrual", "Cash"] = Field(
        default="Accrual",
        description="accounting_method of the ProfitAndLoss, BalanceSheet "
        "and TrialBalance reports fetched with each run.",
    )
