"""Which filings to fetch: by CIK or ticker from the submissions JSON, or everything filed
since a date from the daily indexes; filtered by form type and filing date.

The submissions path reads each filer's whole history (older pages included, minus pages
outside the date range); the daily-index path is for "everything filed since the last run".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.dailyindex import IndexRead, RejectedLine, fetch_filings_since
from ledgergraph.edgar.errors import EdgarNotFound, InvalidIdentifier
from ledgergraph.edgar.models import DiscoveredFiling
from ledgergraph.edgar.submissions import (
    RejectedRow,
    fetch_filer_filings,
    fetch_ticker_map,
    normalize_ticker,
)
from ledgergraph.edgar.urls import check_cik
from ledgergraph.logs import get_logger

logger = get_logger("edgar")

XBRL_FORMS = ("10-K", "10-Q", "20-F", "40-F", "8-K")


class DiscoveryRequest(BaseModel):
    """What to look for. Give CIKs and/or tickers, or ``since`` (or both: since + filers)."""

    ciks: list[int] = Field(default_factory=list, description="filer CIKs")
    tickers: list[str] = Field(default_factory=list, description="tickers, e.g. AAPL, BRK-B")
    forms: list[str] | None = Field(
        default=list(XBRL_FORMS),
        description="form types to keep (amendments are added by include_amendments); "
        "None keeps every form",
    )
    include_amendments: bool = Field(
        default=False, description="also keep the '/A' amendment of each form in forms"
    )
    date_from: date | None = Field(default=None, description="first filing date, included")
    date_to: date | None = Field(default=None, description="last filing date, included")
    since: date | None = Field(
        default=None,
        description="read the daily indexes from this date (included) up to date_to or "
        "today: everything filed since the last run",
    )
    index_kind: Literal["form", "company", "master"] = Field(
        default="form", description="which daily index file to read when since is set"
    )
    xbrl_only: bool = Field(
        default=True,
        description="drop filings the submissions JSON marks as without XBRL (the daily "
        "index does not say; those filings are kept)",
    )

    @field_validator("ciks", mode="before")
    @classmethod
    def _ciks(cls, values: Iterable[int | str]) -> list[int]:
        try:
            return [check_cik(value) for value in values]
        except InvalidIdentifier as exc:
            raise ValueError(str(exc)) from None

    @model_validator(mode="after")
    def _something_to_find(self) -> DiscoveryRequest:
        if not (self.ciks or self.tickers or self.since):
            raise ValueError("give ciks, tickers or since")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    def wanted_forms(self) -> set[str] | None:
        """Upper-case form types to keep, amendments added on request; None keeps all."""
        if self.forms is None:
            return None
        forms = {form.strip().upper() for form in self.forms}
        if self.include_amendments:
            forms |= {f"{form}/A" for form in forms if not form.endswith("/A")}
        return forms


class DiscoveryResult(BaseModel):
    """The filings selected, and how every row read was accounted for.

    ``rows_read`` = ``found`` + ``len(rejected)`` + ``len(rejected_lines)``: each row of a
    submissions JSON, and each line of a daily index below its header, is a filing found
    or rejected with its reason; so a daily index's ``lines_read`` = ``found`` +
    ``len(rejected_lines)`` + ``header_lines``. ``filings`` is what the request's filters
    (filers, forms, dates) kept of ``found``, one per accession.
    """

    filings: list[DiscoveredFiling]
    rows_read: int = Field(description="rows of the submissions JSON and daily indexes read")
    found: int = Field(description="rows that are usable filings, before the filters")
    rejected: list[RejectedRow] = Field(description="rows that are no usable filing, and why")
    index_days: tuple[date, date] | None = Field(
        default=None, description="the days whose daily indexes were asked for (since, until)"
    )
    indexes_read: int = Field(
        default=0, description="daily index files read: 0 when EDGAR has none for index_days"
    )
    lines_read: int = Field(
        default=0, description="lines of the daily indexes read, header lines included"
    )
    header_lines: int = Field(default=0, description="header lines of the daily indexes")
    rejected_lines: list[RejectedLine] = Field(
        default_factory=list,
        description="daily index lines that are no usable filing: line number and why",
    )


def find_filings(request: DiscoveryRequest, *, client: EdgarClient) -> DiscoveryResult:
    """The filings matching ``request``, oldest first, with the rows rejected on the way.

    One filer's invalid row is rejected with its reason; the other rows and filers go on.

    Raises:
        EdgarNotFound: an unknown ticker or CIK (names it).
        EdgarTransientError: EDGAR kept throttling or failing.
    """
    ciks = list(dict.fromkeys([*request.ciks, *resolve_tickers(client, request.tickers)]))
    rejected: list[RejectedRow] = []
    index = IndexRead()
    index_days = None
    if request.since is not None:
        index_days = (request.since, request.date_to or datetime.now(UTC).date())
        kind = request.index_kind
        index = fetch_filings_since(client, request.since, until=index_days[1], kind=kind)
        found = index.filings
    else:
        found = []
        for cik in ciks:
            found.extend(
                fetch_filer_filings(
                    client,
                    cik,
                    date_from=request.date_from,
                    date_to=request.date_to,
                    rejected=rejected,
                )
            )
    filers = set(ciks)
    # the daily indexes list every filer: only now, once each line is counted, keep those asked
    kept = [f for f in found if f.cik in filers] if request.since and filers else found
    selected = select_filings(kept, request)
    result = DiscoveryResult(
        filings=selected,
        rows_read=len(found) + len(rejected) + len(index.rejected),
        found=len(found),
        rejected=rejected,
        index_days=index_days,
        indexes_read=index.files,
        lines_read=index.lines,
        header_lines=index.header_lines,
        rejected_lines=index.rejected,
    )
    logger.info(
        "filings discovered",
        extra={
            "filers": len(ciks),
            "rows_read": result.rows_read,
            "seen": len(found),
            "rows_rejected": len(rejected),
            "lines_rejected": len(index.rejected),
            "selected": len(selected),
        },
    )
    return result


def discover_filings(request: DiscoveryRequest, *, client: EdgarClient) -> list[DiscoveredFiling]:
    """The filings matching ``request``, oldest first, each accession once.

    Rows rejected on the way are logged (``find_filings`` returns them too).

    Raises:
        EdgarNotFound: an unknown ticker or CIK (names it).
        EdgarTransientError: EDGAR kept throttling or failing.
    """
    return find_filings(request, client=client).filings


def select_filings(
    filings: Iterable[DiscoveredFiling], request: DiscoveryRequest
) -> list[DiscoveredFiling]:
    """Apply the request's form, date and XBRL filters; one per accession, oldest first."""
    forms = request.wanted_forms()
    date_from = request.date_from or request.since
    kept: dict[str, DiscoveredFiling] = {}
    for filing in filings:
        if forms is not None and filing.form.upper() not in forms:
            continue
        if (date_from and filing.filing_date < date_from) or (
            request.date_to and filing.filing_date > request.date_to
        ):
            continue
        if request.xbrl_only and filing.is_xbrl is False:
            continue
        kept.setdefault(filing.accession, filing)
    return sorted(kept.values(), key=lambda f: (f.filing_date, f.accession))


def resolve_tickers(client: EdgarClient, tickers: Iterable[str]) -> list[int]:
    """CIKs of ``tickers`` from company_tickers.json (fetched only if there are tickers)."""
    wanted = [normalize_ticker(ticker) for ticker in tickers]
    if not wanted:
        return []
    if any(not ticker or len(ticker) > 12 for ticker in wanted):
        raise InvalidIdentifier("empty or over-long ticker")
    known = fetch_ticker_map(client)
    missing = [ticker for ticker in wanted if ticker not in known]
    if missing:
        raise EdgarNotFound(f"tickers not in company_tickers.json: {', '.join(missing)}")
    return [known[ticker] for ticker in wanted]
