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
USER_AGENT_RULE = (
    "the User-Agent must name you or your company and give a contact e-mail, as the SEC "
    "asks: 'Sample Company Name AdminContact@example.com'"
)


def _declares_who(user_agent: str | None) -> bool:
    """A contact e-mail plus a name: some letters outside the e-mail address."""
    if not user_agent:
        return False
    email = _EMAIL.search(user_agent)
    if email is None:
        return False
    rest = user_agent[: email.start()] + user_agent[email.end() :]
    return any(char.isalpha() for char in rest)


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
        description="Most bytes one filing's download may fetch, in bytes: every file "
        "fetched counts (as index.json lists it, then as it arrives decoded) and reading "
        "stops at the limit; an -xbrl.zip must also unpack to no more. Files stream to the "
        "store as they arrive, so memory does not grow with it; an -xbrl.zip waits in a "
        "temporary file, which must fit the temporary folder (template.yaml gives the "
        "DownloadFiling Lambda 256 MiB; docs/edgar.md has the measurements).",
    )
    max_document_bytes: int = Field(
        default=64 << 20,
        gt=0,
        description="Largest JSON document or index file read (submissions JSON, "
        "company_tickers.json, a filing's index.json, a daily index), decoded, in bytes; "
        "reading stops there. EDGAR's are a few MB at most.",
    )

    @field_validator("user_agent")
    @classmethod
    def _needs_name_and_contact_email(cls, value: str) -> str:
        value = value.strip()
        if not _declares_who(value):
            raise ValueError(USER_AGENT_RULE)
        return value

    @field_validator("max_requests_per_second", mode="before")
    @classmethod
    def _under_the_secs_rate(cls, value: Any) -> Any:
        try:
            too_fast = float(value) >= SEC_MAX_REQUESTS_PER_SECOND
        except (TypeError, ValueError):
            return value  # not a number: pydantic's own message says so
        if too_fast:
            raise ValueError(
                f"must be under {SEC_MAX_REQUESTS_PER_SECOND:g} requests a second, the SEC's "
                f"limit for automated access (got {value})"
            )
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
        EdgarConfigurationError: naming each setting that is missing or invalid (its
            variable and the rule it breaks).
    """
    try:
        return EdgarSettings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise EdgarConfigurationError(f"EDGAR client settings are not usable: {problems}") from exc


def _problem(error: Any) -> str:
    """One failed setting: its variable and field names, then what is wrong with it."""
    field = ".".join(str(part) for part in error["loc"]) or "settings"
    message = error["msg"].removeprefix("Value error, ")
    if field == "user_agent" and error["type"] == "missing":
        message = f"missing; {USER_AGENT_RULE}"
    return f"LEDGERGRAPH_EDGAR_{field.upper()} ({field}) {message}"


def check_user_agent(user_agent: str | None) -> str:
    """The User-Agent if it names someone and gives a contact e-mail, else an error."""
    if user_agent is None or not _declares_who(user_agent):
        raise EdgarConfigurationError(
            "refusing to build an EDGAR client without a declared User-Agent: "
            f"{USER_AGENT_RULE} (LEDGERGRAPH_EDGAR_USER_AGENT)"
        )
    return user_agent.strip()
