"""A filer's filing history from its submissions JSON, every older page included.

``/submissions/CIK##########.json`` holds the most recent filings (at least a year, up to
1,000) column-wise under ``filings.recent``; older ones are in the pages that
``filings.files`` names, each with the same columns at top level. Its top-level keys are
EDGAR's registration data about the filer (SIC, state of incorporation, EIN, tickers...),
which filings themselves do not all state.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.errors import EdgarBadResponse, EdgarPermanentError
from ledgergraph.edgar.models import DiscoveredFiling
from ledgergraph.edgar.urls import (
    COMPANY_TICKERS_PATH,
    check_cik,
    submissions_page_path,
    submissions_path,
)
from ledgergraph.errors import PermanentError
from ledgergraph.filing_package import Registration
from ledgergraph.logs import get_logger

logger = get_logger("edgar")


# DiscoveredFiling's fields as the submissions JSON names its columns
_COLUMN_OF = {
    "accession": "accessionNumber",
    "form": "form",
    "filing_date": "filingDate",
    "report_date": "reportDate",
    "primary_document": "primaryDocument",
    "cik": "cik",
}


class RejectedRow(BaseModel):
    """A row of a submissions JSON that is no usable filing, and why; discovery goes on."""

    cik: int = Field(description="the filer whose submissions hold the row")
    source: str = Field(description="'recent' or the name of the older page")
    row: int = Field(description="row number within that block, from 0")
    accession: str = Field(description="accessionNumber as EDGAR gave it (first 24 chars)")
    field: str = Field(description="the column that is not usable")
    reason: str = Field(description="what is wrong with it")

    def describe(self) -> str:
        """One line naming the CIK, the row, its accession number, the column and the reason."""
        return (
            f"CIK {self.cik} {self.source} row {self.row} (accession {self.accession!r}): "
            f"{self.field}: {self.reason}"
        )


def filings_from_columns(
    cik: int,
    columns: dict[str, list[Any]],
    *,
    company_name: str | None = None,
    registration: Registration | None = None,
    source: str = "recent",
    rejected: list[RejectedRow] | None = None,
) -> Iterator[DiscoveredFiling]:
    """One DiscoveredFiling per usable row of a column-wise filings block (recent or a page).

    A row that is not a usable filing is appended to ``rejected`` with its reason and
    logged; the other rows go on, so every row is either yielded or rejected.
    """
    accessions = columns.get("accessionNumber")
    if not isinstance(accessions, list):
        raise EdgarBadResponse(f"submissions of CIK {cik} have no accessionNumber column")
    rows = len(accessions)

    def column(name: str) -> list[Any]:
        values = columns.get(name)
        values = list(values) if isinstance(values, list) else []
        return values[:rows] + [None] * (rows - len(values))

    forms, filed, reported = column("form"), column("filingDate"), column("reportDate")
    documents, xbrl, inline = column("primaryDocument"), column("isXBRL"), column("isInlineXBRL")
    for row in range(rows):
        try:
            is_xbrl = _flag(xbrl[row], "isXBRL")
            is_inline_xbrl = _flag(inline[row], "isInlineXBRL")
            filing = DiscoveredFiling(
                cik=cik,
                accession=accessions[row],
                form=forms[row],
                filing_date=filed[row],
                report_date=reported[row] or None,
                primary_document=documents[row] or None,
                is_xbrl=is_xbrl,
                is_inline_xbrl=is_inline_xbrl,
                company_name=company_name,
                registration=registration,
            )
        except (ValidationError, _UnusableColumn, PermanentError) as exc:
            reject = _rejected_row(cik, source, row, accessions[row], exc)
            if rejected is not None:
                rejected.append(reject)
        else:
            yield filing


def _rejected_row(cik: int, source: str, row: int, accession: Any, exc: Exception) -> RejectedRow:
    """The RejectedRow for ``exc``, logged as a warning."""
    reject = RejectedRow(
        cik=cik,
        source=source,
        row=row,
        accession=str(accession)[:24],
        field=_failed_column(exc),
        reason=_reason(exc),
    )
    logger.warning("submissions row rejected", extra=reject.model_dump())
    return reject


class _UnusableColumn(ValueError):
    """A cell that is no value of its column; ``column`` names it."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def _failed_column(exc: Exception) -> str:
    """The submissions column a rejected row fails on."""
    if isinstance(exc, _UnusableColumn):
        return exc.column
    if isinstance(exc, ValidationError) and exc.errors()[0]["loc"]:
        field = str(exc.errors()[0]["loc"][0])
        return _COLUMN_OF.get(field, field)
    return "row"


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return exc.errors()[0]["msg"].removeprefix("Value error, ")[:200]
    return str(exc)[:200] or type(exc).__name__


def _flag(value: Any, column: str) -> bool | None:
    """EDGAR's 0/1 flag columns; None when empty."""
    if value is None or value == "":
        return None
    try:
        return bool(int(value))
    except (TypeError, ValueError):
        raise _UnusableColumn(column, f"{str(value)[:24]!r} is not 0 or 1") from None


def _page_overlaps(page: dict[str, Any], date_from: date | None, date_to: date | None) -> bool:
    """False only when the page's filingFrom..filingTo lies outside the wanted dates."""
    try:
        first = date.fromisoformat(page["filingFrom"])
        last = date.fromisoformat(page["filingTo"])
    except (KeyError, TypeError, ValueError):
        return True
    return not ((date_to and first > date_to) or (date_from and last < date_from))


def fetch_filer_filings(
    client: EdgarClient,
    cik: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    rejected: list[RejectedRow] | None = None,
) -> list[DiscoveredFiling]:
    """Every filing of one filer: recent ones plus each older page.

    Pages whose filing-date span is outside ``date_from``..``date_to`` are not fetched (the
    filings themselves are not date-filtered here). Rows that are no usable filing are
    appended to ``rejected`` with their reason, and the others returned.

    Raises:
        EdgarNotFound: no submissions file (unknown CIK) or a listed page is missing.
    """
    cik = check_cik(cik)
    document = client.get_json(client.data_url(submissions_path(cik)))
    try:
        name = document.get("name")
        recent = document["filings"]["recent"]
        pages = document["filings"].get("files") or []
    except (AttributeError, KeyError, TypeError) as exc:
        raise EdgarBadResponse(f"submissions of CIK {cik} lack filings.recent") from exc
    known = {"company_name": name, "registration": registration_of(document)}
    rejected = [] if rejected is None else rejected
    before = len(rejected)
    filings = list(filings_from_columns(cik, recent, rejected=rejected, **known))
    for page in pages:
        if not _page_overlaps(page, date_from, date_to):
            continue
        page_name = page.get("name", "")
        columns = client.get_json(client.data_url(submissions_page_path(page_name)))
        filings.extend(
            filings_from_columns(cik, columns, source=page_name, rejected=rejected, **known)
        )
    logger.info(
        "submissions read",
        extra={
            "cik": cik,
            "filings": len(filings),
            "rows_rejected": len(rejected) - before,
            "pages": len(pages),
        },
    )
    return filings


def registration_of(
    document: dict[str, Any], *, retrieved_at: datetime | None = None
) -> Registration:
    """EDGAR's registration data in a submissions JSON, in the filings' formats.

    The EIN becomes ``12-3456789`` and the fiscal year end ``--MM-DD`` (EDGAR writes
    ``123456789`` and ``MMDD``); anything else is kept as EDGAR spells it. Empty values and
    the all-zero EIN are None; ``retrieved_at`` defaults to now.
    """
    ein, year_end = _text(document, "ein"), _text(document, "fiscalYearEnd")
    if ein is not None and not ein.strip("0"):
        ein = None  # EDGAR's placeholder for "no EIN" (foreign filers), not an EIN
    return Registration(
        retrieved_at=retrieved_at or datetime.now(UTC),
        name=_text(document, "name"),
        sic=_text(document, "sic"),
        sic_description=_text(document, "sicDescription"),
        state_of_incorporation=_text(document, "stateOfIncorporation"),
        fiscal_year_end=f"--{year_end[:2]}-{year_end[2:]}" if _digits(year_end, 4) else None,
        filer_category=_text(document, "category"),
        ein=f"{ein[:2]}-{ein[2:]}" if _digits(ein, 9) else ein,
        entity_type=_text(document, "entityType"),
        tickers=_texts(document, "tickers"),
        exchanges=_texts(document, "exchanges"),
    )


def fetch_registration(client: EdgarClient, cik: int) -> Registration | None:
    """The filer's registration data from its submissions JSON (first page only).

    None, with a warning, when EDGAR has no usable submissions JSON for the CIK: the
    registration data is an addition to a filing, never a reason to fail it.

    Raises:
        EdgarTransientError: EDGAR kept throttling or failing (retry later).
    """
    try:
        document = client.get_json(client.data_url(submissions_path(check_cik(cik))))
        if not isinstance(document, dict):
            raise EdgarBadResponse(f"submissions of CIK {cik} are not a JSON object")
    except EdgarPermanentError as exc:
        logger.warning(
            "registration data unavailable", extra={"cik": cik, "error": type(exc).__name__}
        )
        return None
    return registration_of(document)


def _text(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    return str(value).strip() or None if isinstance(value, str | int) else None


def _texts(document: dict[str, Any], key: str) -> tuple[str, ...]:
    values = document.get(key)
    if not isinstance(values, list):
        return ()
    return tuple(v.strip() for v in values if isinstance(v, str) and v.strip())


def _digits(text: str | None, count: int) -> bool:
    return text is not None and len(text) == count and text.isdigit()


def fetch_ticker_map(client: EdgarClient) -> dict[str, int]:
    """Ticker -> CIK from ``company_tickers.json`` (tickers upper-case, '.' written '-')."""
    document = client.get_json(client.www_url(COMPANY_TICKERS_PATH))
    rows = document.values() if isinstance(document, dict) else document
    tickers: dict[str, int] = {}
    skipped = 0
    for row in rows:
        try:
            tickers.setdefault(normalize_ticker(row["ticker"]), check_cik(row["cik_str"]))
        except (KeyError, TypeError, AttributeError, PermanentError):
            skipped += 1  # one malformed row must not hide the other ~10,000 tickers
    if skipped:
        logger.warning("ticker rows skipped", extra={"rows": skipped})
    return tickers


def normalize_ticker(ticker: str) -> str:
    """EDGAR's spelling of a ticker: upper case, share classes with '-' (BRK-B)."""
    return ticker.strip().upper().replace(".", "-")
