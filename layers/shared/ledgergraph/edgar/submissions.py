"""A filer's filing history from its submissions JSON, every older page included.

``/submissions/CIK##########.json`` holds the most recent filings (at least a year, up to
1,000) column-wise under ``filings.recent``; older ones are in the pages that
``filings.files`` names, each with the same columns at top level.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pydantic import ValidationError

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.errors import EdgarBadResponse
from ledgergraph.edgar.models import DiscoveredFiling
from ledgergraph.edgar.urls import (
    COMPANY_TICKERS_PATH,
    check_cik,
    submissions_page_path,
    submissions_path,
)
from ledgergraph.errors import PermanentError
from ledgergraph.logs import get_logger

logger = get_logger("edgar")


def filings_from_columns(
    cik: int, columns: dict[str, list[Any]], *, company_name: str | None = None
) -> Iterator[DiscoveredFiling]:
    """One DiscoveredFiling per row of a column-wise filings block (recent or a page)."""
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
            yield DiscoveredFiling(
                cik=cik,
                accession=accessions[row],
                form=forms[row],
                filing_date=filed[row],
                report_date=reported[row] or None,
                primary_document=documents[row] or None,
                is_xbrl=_flag(xbrl[row]),
                is_inline_xbrl=_flag(inline[row]),
                company_name=company_name,
            )
        except (ValidationError, PermanentError) as exc:
            raise EdgarBadResponse(
                f"submissions of CIK {cik}: row {row} ({str(accessions[row])[:24]}) is invalid"
            ) from exc


def _flag(value: Any) -> bool | None:
    return None if value is None or value == "" else bool(int(value))


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
) -> list[DiscoveredFiling]:
    """Every filing of one filer: recent ones plus each older page.

    Pages whose filing-date span is outside ``date_from``..``date_to`` are not fetched (the
    filings themselves are not date-filtered here).

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
    filings = list(filings_from_columns(cik, recent, company_name=name))
    for page in pages:
        if not _page_overlaps(page, date_from, date_to):
            continue
        columns = client.get_json(client.data_url(submissions_page_path(page.get("name", ""))))
        filings.extend(filings_from_columns(cik, columns, company_name=name))
    logger.info(
        "submissions read", extra={"cik": cik, "filings": len(filings), "pages": len(pages)}
    )
    return filings


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
