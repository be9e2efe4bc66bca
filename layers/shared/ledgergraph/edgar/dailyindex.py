"""EDGAR's index files: who filed what on a day (daily index) or in a quarter (full index).

Three layouts share one header block ending in a line of dashes: ``form`` (fixed width,
form type first), ``company`` (fixed width, company name first) and ``master`` (pipe
delimited). The fixed-width header is sometimes wrapped (``company.20221003.idx`` breaks it
after ``CIK``), so columns are found from the right of each row (CIK, date, file name) and
the name/form split from where the header puts "Form Type" and "Company Name". A row that
is no usable filing is rejected with its line number and why, and every line read is
accounted for: lines = filings + lines rejected + header lines (``IndexRead``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

from pydantic import BaseModel, Field, ValidationError

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


class RejectedLine(BaseModel):
    """A line of an EDGAR index file below its header that is no usable filing, and why."""

    index: str = Field(description="the index file, as its path on EDGAR")
    line: int = Field(description="line number in the file, from 1 (the header's included)")
    text: str = Field(description="the line, without trailing spaces (160 characters at most)")
    reason: str = Field(description="what is wrong with it")

    def describe(self) -> str:
        """One line naming the index file, the line number, the reason and the line."""
        return f"{self.index} line {self.line}: {self.reason}: {self.text!r}"


class IndexRead(BaseModel):
    """The filings of one or more index files, and how every line read is accounted for:
    ``lines`` = ``len(filings)`` + ``len(rejected)`` + ``header_lines``."""

    filings: list[DiscoveredFiling] = Field(default_factory=list)
    files: int = Field(default=0, description="index files read (a day without one: none)")
    lines: int = Field(default=0, description="lines read, header lines included")
    header_lines: int = Field(default=0, description="lines up to the dashed separator")
    rejected: list[RejectedLine] = Field(default_factory=list)

    def add(self, other: IndexRead) -> None:
        """Count ``other`` (the next day's index) in with this one."""
        self.filings.extend(other.filings)
        self.files += other.files
        self.lines += other.lines
        self.header_lines += other.header_lines
        self.rejected.extend(other.rejected)


class _Unusable(ValueError):
    """A line that is no usable filing; the message says why."""


def parse_index(text: str) -> list[DiscoveredFiling]:
    """Every usable row of a form, company or master index file, in file order.

    Raises:
        EdgarBadResponse: no header separator, or a header this parser does not know.
    """
    return read_index(text).filings


def read_index(text: str, *, index: str = "index") -> IndexRead:
    """Every row of an index file as a filing or a rejected line naming its number and why;
    ``index`` (the file's path) is what a rejected line and its warning name.

    Raises:
        EdgarBadResponse: no header separator, or a header this parser does not know.
    """
    lines = text.splitlines()
    separator = next((i for i, line in enumerate(lines) if line.startswith("---")), None)
    if separator is None or separator == 0:
        raise EdgarBadResponse("index file has no header separator line")
    header = lines[:separator]
    read = IndexRead(files=1, lines=len(lines), header_lines=separator + 1)
    parse = _pipe_parser(header[-1]) if "|" in header[-1] else _fixed_parser(header)
    for number, row in enumerate(lines[separator + 1 :], start=separator + 2):
        try:
            if not row.strip():
                raise _Unusable("blank line")
            read.filings.append(parse(row))
        except _Unusable as exc:
            text = row.rstrip()[:160]
            rejected = RejectedLine(index=index, line=number, text=text, reason=str(exc))
            logger.warning("index line rejected", extra=rejected.model_dump())
            read.rejected.append(rejected)
    return read


def _pipe_parser(header: str) -> Callable[[str], DiscoveredFiling]:
    names = [name.strip() for name in header.split("|")]
    if not all(column in names for column in _PIPE_COLUMNS):
        raise EdgarBadResponse("pipe-delimited index without CIK/Company/Form/Date columns")
    width = len(names)

    def parse(row: str) -> DiscoveredFiling:
        parts = row.split("|")
        if len(parts) > width:  # a '|' inside the company name
            extra = len(parts) - width + 1
            at = names.index("Company Name")
            parts[at : at + extra] = ["|".join(parts[at : at + extra])]
        if len(parts) != width:
            raise _Unusable(f"{len(parts)} '|'-separated columns, the header has {width}")
        cells = dict(zip(names, parts, strict=True))
        return _entry(
            cells["CIK"], cells["Company Name"], cells["Form Type"], cells["Date Filed"], parts[-1]
        )

    return parse


def _fixed_parser(header: list[str]) -> Callable[[str], DiscoveredFiling]:
    titles = next((line for line in header if "Form Type" in line and "Company Name" in line), "")
    if not titles:
        raise EdgarBadResponse("fixed-width index without 'Form Type' and 'Company Name'")
    form_at, name_at = titles.index("Form Type"), titles.index("Company Name")

    def parse(row: str) -> DiscoveredFiling:
        match = _FIXED_TAIL.search(row)
        if match is None:
            raise _Unusable("no CIK, filing date and edgar/data/ file name at its end")
        left = row[: match.start()]
        if "\t" in left:  # EDGAR pads with spaces: a tab shifts every column after it
            raise _Unusable("a tab in a fixed-width line: its form and company columns move")
        if form_at < name_at:
            form, name = left[:name_at], left[name_at:]
        else:
            name, form = left[:form_at], left[form_at:]
        return _entry(match["cik"], name, form, match["date"], match["file"])

    return parse


def _entry(cik: str, name: str, form: str, filed: str, file_name: str) -> DiscoveredFiling:
    """The filing a row describes; _Unusable naming the column that is not usable."""
    accession = _FILE_ACCESSION.search(file_name)
    if accession is None:
        raise _Unusable(f"file name {file_name.strip()[:80]!r} holds no accession number")
    if not form.strip():
        raise _Unusable("no form type")
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
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "row"
        raise _Unusable(f"{field}: {error['msg']}") from None


def fetch_daily_index(client: EdgarClient, day: date, *, kind: str = "form") -> IndexRead:
    """The filings of one day and its rejected lines; raises EdgarNotFound for a day
    without an index (holiday)."""
    path = daily_index_path(day, kind)
    return read_index(client.get_text(client.www_url(path)), index=path)


def fetch_filings_since(
    client: EdgarClient, since: date, *, until: date, kind: str = "form"
) -> IndexRead:
    """Every filing in the daily indexes from ``since`` to ``until``, both included, with
    every line read accounted for (``IndexRead``).

    Weekends are not requested (EDGAR publishes no index for them); a weekday without an
    index (a holiday, or today before EDGAR publishes it) is skipped.
    """
    read = IndexRead()
    day = since
    while day <= until:
        if day.weekday() < 5:
            try:
                read.add(fetch_daily_index(client, day, kind=kind))
            except EdgarNotFound:
                logger.info("no daily index", extra={"day": day.isoformat()})
        day += timedelta(days=1)
    logger.info(
        "daily indexes read",
        extra={
            "since": since.isoformat(),
            "until": until.isoformat(),
            "files": read.files,
            "lines": read.lines,
            "filings": len(read.filings),
            "lines_rejected": len(read.rejected),
            "header_lines": read.header_lines,
        },
    )
    return read
