"""EDGAR's index files: who filed what on a day (daily index) or in a quarter (full index).

Three layouts share one header block ending in a line of dashes: ``form`` (fixed width,
form type first), ``company`` (fixed width, company name first) and ``master`` (pipe
delimited). The fixed-width header is sometimes wrapped (``company.20221003.idx`` breaks it
after ``CIK``), so columns are found from the right of each row (CIK, date, file name) and
the name/form split from where the header puts "Form Type" and "Company Name".
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

from pydantic import ValidationError

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.errors import EdgarBadResponse, EdgarNotFound
from ledgergraph.edgar.models import DiscoveredFiling
from ledgergraph.edgar.urls import daily_index_path
from ledgergraph.logs import get_logger

logger = get_logger("edgar")

_FIXED_TAIL = re.compile(
    r"\s+(?P<cik>\d{1,10})\s+(?P<date>\d{8}|\d{4}-\d{2}-\d{2})\s+(?P<file>edgar/data/\S+)\s*$"
)
_FILE_ACCESSION = re.compile(r"edgar/data/\d+/(?P<accession>\d{10}-\d{2}-\d{6})\.txt")
_PIPE_COLUMNS = ("CIK", "Company Name", "Form Type", "Date Filed")


def parse_index(text: str) -> list[DiscoveredFiling]:
    """Every row of a form, company or master index file, in file order.

    Raises:
        EdgarBadResponse: no header separator, or a header this parser does not know.
    """
    lines = text.splitlines()
    separator = next((i for i, line in enumerate(lines) if line.startswith("---")), None)
    if separator is None or separator == 0:
        raise EdgarBadResponse("index file has no header separator line")
    header, rows = lines[:separator], lines[separator + 1 :]
    if "|" in header[-1]:
        entries = list(_parse_pipe_rows(header[-1], rows))
    else:
        entries = list(_parse_fixed_rows(header, rows))
    unparsed = sum(1 for row in rows if row.strip()) - len(entries)
    if unparsed:
        logger.warning("index rows not understood", extra={"rows": unparsed})
    return entries


def _parse_pipe_rows(header: str, rows: list[str]) -> Iterator[DiscoveredFiling]:
    names = [name.strip() for name in header.split("|")]
    if not all(column in names for column in _PIPE_COLUMNS):
        raise EdgarBadResponse("pipe-delimited index without CIK/Company/Form/Date columns")
    width = len(names)
    for row in rows:
        parts = row.split("|")
        if len(parts) > width:  # a '|' inside the company name
            extra = len(parts) - width + 1
            at = names.index("Company Name")
            parts[at : at + extra] = ["|".join(parts[at : at + extra])]
        if len(parts) != width:
            continue
        cells = dict(zip(names, parts, strict=True))
        entry = _entry(
            cells["CIK"], cells["Company Name"], cells["Form Type"], cells["Date Filed"], parts[-1]
        )
        if entry is not None:
            yield entry


def _parse_fixed_rows(header: list[str], rows: list[str]) -> Iterator[DiscoveredFiling]:
    titles = next((line for line in header if "Form Type" in line and "Company Name" in line), "")
    if not titles:
        raise EdgarBadResponse("fixed-width index without 'Form Type' and 'Company Name'")
    form_at, name_at = titles.index("Form Type"), titles.index("Company Name")
    for row in rows:
        match = _FIXED_TAIL.search(row)
        if match is None:
            continue
        left = row[: match.start()]
        if form_at < name_at:
            form, name = left[:name_at], left[name_at:]
        else:
            name, form = left[:form_at], left[form_at:]
        entry = _entry(match["cik"], name, form, match["date"], match["file"])
        if entry is not None:
            yield entry


def _entry(cik: str, name: str, form: str, filed: str, file_name: str) -> DiscoveredFiling | None:
    accession = _FILE_ACCESSION.search(file_name)
    if accession is None or not form.strip():
        return None
    filed = filed.strip()
    if len(filed) == 8:
        filed = f"{filed[:4]}-{filed[4:6]}-{filed[6:]}"
    try:
        return DiscoveredFiling(
            cik=cik.strip(),
            accession=accession["accession"],
            form=form.strip(),
            filing_date=filed,
            company_name=name.strip() or None,
        )
    except ValidationError:
        return None  # counted and logged by parse_index


def fetch_daily_index(
    client: EdgarClient, day: date, *, kind: str = "form"
) -> list[DiscoveredFiling]:
    """The filings of one day; raises EdgarNotFound for a day without an index (holiday)."""
    return parse_index(client.get_text(client.www_url(daily_index_path(day, kind))))


def fetch_filings_since(
    client: EdgarClient, since: date, *, until: date, kind: str = "form"
) -> list[DiscoveredFiling]:
    """Every filing in the daily indexes from ``since`` to ``until``, both included.

    Weekends are not requested (EDGAR publishes no index for them); a weekday without an
    index (a holiday, or today before EDGAR publishes it) is skipped.
    """
    filings: list[DiscoveredFiling] = []
    day = since
    while day <= until:
        if day.weekday() < 5:
            try:
                filings.extend(fetch_daily_index(client, day, kind=kind))
            except EdgarNotFound:
                logger.info("no daily index", extra={"day": day.isoformat()})
        day += timedelta(days=1)
    logger.info(
        "daily indexes read",
        extra={"since": since.isoformat(), "until": until.isoformat(), "filings": len(filings)},
    )
    return filings
