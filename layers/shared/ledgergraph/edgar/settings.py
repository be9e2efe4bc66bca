"""Settings of the EDGAR client, from ``LEDGERGRAPH_EDGAR_*`` variables or explicit values.

The SEC asks automated clients to declare who they are in the User-Agent, with a contact
e-mail, and to stay under 10 requests per second; both are enforced here.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ledgergraph.edgar.errors import EdgarConfigurationError

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
SEC_MAX_REQUESTS_PER_SECOND = 10.0


class EdgarSettings(BaseSettings):
    """How the client reaches EDGAR and how politely."""

    model_config = SettingsConfigDict(env_prefix="LEDGERGRAPH_EDGAR_", extra="ignore")

    user_agent: str = Field(
        description="Declared User-Agent sent with every request: who you are and a contact "
        "e-mail, e.g. 'Example Corp data team data@example.com'. Required by the SEC."
    )
    www_base: str = Field(
        default="https://www.sec.gov",
        description="Base URL of www.sec.gov (Archives, daily index, company_tickers.json).",
    )
    data_base: str = Field(
        default="https://data.sec.gov",
        description="Base URL of data.sec.gov (submissions JSON).",
    )
    max_requests_per_second: float = Field(
        default=8.0,
        gt=0,
        lt=SEC_MAX_REQUESTS_PER_SECOND,
        description="Requests per second for the whole process, all workers together; "
        "must stay under the SEC's limit of 10.",
    )
    max_retries: int = Field(
        default=5,
        ge=0,
        le=20,
        description="Retries of one request after a throttle, a 5xx, a timeout or a dropped "
        "connection; then the transient error is raised.",
    )
    backoff_base_s: float = Field(
        default=0.5,
        ge=0,
        description="First retry delay after a 5xx/timeout, in seconds; doubles per retry, "
        "with jitter.",
    )
    backoff_max_s: float = Field(
        default=30.0, ge=0, description="Upper bound of one backoff delay, in seconds."
    )
    throttle_pause_s: float = Field(
        default=600.0,
        ge=0,
        description="Pause of all SEC traffic after a throttling answer without Retry-After, "
        "in seconds. The SEC's page says its block lasts 10 minutes and that requests "
        "during the block extend it.",
    )
    max_wait_s: float = Field(
        default=600.0,
        ge=0,
        description="Longest throttle pause this process waits out itself, in seconds (a "
        "warning says how long it waits); when EDGAR asks for a longer one (Retry-After), "
        "EdgarThrottled naming the URL is raised at once so that the caller waits instead "
        "(a Lambda leaves it to the state machine's Retry). The default is the SEC's stated "
        "10-minute block.",
    )
    timeout_s: float = Field(
        default=30.0, gt=0, description="Timeout of one HTTP request (connect and read), seconds."
    )
    max_package_bytes: int = Field(
        default=1 << 30,
        gt=0,
        description="Largest filing package accepted (sum of the unzipped files), in bytes.",
    )

    @field_validator("user_agent")
    @classmethod
    def _needs_contact_email(cls, value: str) -> str:
        value = value.strip()
        if not _EMAIL.search(value):
            raise ValueError("the User-Agent must name you and contain a contact e-mail")
        return value

    @field_validator("www_base", "data_base")
    @classmethod
    def _http_base(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("base URLs must start with https:// or http://")
        return value.rstrip("/")


def load_edgar_settings(**overrides: Any) -> EdgarSettings:
    """Settings from the environment, explicit ``overrides`` winning.

    Raises:
        EdgarConfigurationError: naming the fields that are missing or invalid.
    """
    try:
        return EdgarSettings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise EdgarConfigurationError(
            f"EDGAR client settings are not usable ({problems}); set LEDGERGRAPH_EDGAR_USER_AGENT "
            "to 'Your Name or Company contact@example.com'"
        ) from exc


def check_user_agent(user_agent: str | None) -> str:
    """The User-Agent if it contains a contact e-mail, else EdgarConfigurationError."""
    if not user_agent or not _EMAIL.search(user_agent):
        raise EdgarConfigurationError(
            "refusing to build an EDGAR client without a declared User-Agent that contains a "
            "contact e-mail (LEDGERGRAPH_EDGAR_USER_AGENT='Your Company contact@example.com')"
        )
    return user_agent.strip()
