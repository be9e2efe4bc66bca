"""EDGAR's identifiers and URL layout: CIKs, accession numbers, file names, paths.

CIKs are ints; data.sec.gov wants them zero-padded to 10 digits, the Archives do not.
Accession numbers are dashed (0000320193-23-000106) in our keys and models, plain
(000032019323000106) in Archives folder names. Every path is built here from checked parts,
so nothing read from a response can point a request or an object key elsewhere.
"""

from __future__ import annotations

import re
from datetime import date

from ledgergraph.edgar.errors import InvalidIdentifier
from ledgergraph.ids import cik10, dashed_accession

MAX_CIK = 9_999_999_999
COMPANY_TICKERS_PATH = "/files/company_tickers.json"
INDEX_KINDS = ("form", "company", "master")

_SUBMISSIONS_PAGE = re.compile(r"CIK\d{10}-submissions-\d{3}\.json")
# Plain names only: no folders, no leading dot, nothing a shell or a URL would reinterpret.
_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,199}")


def check_cik(cik: int | str) -> int:
    """The CIK as an int, for 1..9,999,999,999 given as int or digits (padded or not)."""
    text = str(cik).strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_CIK:
        raise InvalidIdentifier(f"not a CIK: {str(cik)[:40]!r}")
    return int(text)


def check_accession(accession: str) -> str:
    """The accession number in dashed form, from the dashed or the plain 18-digit form."""
    try:
        return dashed_accession(str(accession).strip())
    except ValueError:
        raise InvalidIdentifier(f"not an accession number: {str(accession)[:40]!r}") from None


def plain_accession(accession: str) -> str:
    """000032019323000106 from either form."""
    return check_accession(accession).replace("-", "")


def check_file_name(name: str) -> str:
    """A plain file name as EDGAR lists it in a filing folder, else InvalidIdentifier."""
    if not _FILE_NAME.fullmatch(name) or ".." in name:
        raise InvalidIdentifier(f"unsafe file name in filing: {name[:80]!r}")
    return name


def submissions_path(cik: int) -> str:
    """``/submissions/CIK##########.json`` on data.sec.gov."""
    return f"/submissions/CIK{cik10(check_cik(cik))}.json"


def submissions_page_path(name: str) -> str:
    """An older page listed in ``filings.files`` (``CIK##########-submissions-001.json``)."""
    if not _SUBMISSIONS_PAGE.fullmatch(name):
        raise InvalidIdentifier(f"unexpected submissions page name: {name[:80]!r}")
    return f"/submissions/{name}"


def filing_folder_path(cik: int, accession: str) -> str:
    """``/Archives/edgar/data/{cik}/{accession without dashes}``."""
    return f"/Archives/edgar/data/{check_cik(cik)}/{plain_accession(accession)}"


def filing_index_path(cik: int, accession: str) -> str:
    """The JSON listing of a filing's folder."""
    return f"{filing_folder_path(cik, accession)}/index.json"


def filing_file_path(cik: int, accession: str, name: str) -> str:
    """One file of a filing's folder."""
    return f"{filing_folder_path(cik, accession)}/{check_file_name(name)}"


def daily_index_path(day: date, kind: str = "form") -> str:
    """``/Archives/edgar/daily-index/{year}/QTR{q}/{kind}.{yyyymmdd}.idx``."""
    if kind not in INDEX_KINDS:
        raise InvalidIdentifier(f"unknown daily index kind: {kind!r}")
    quarter = (day.month - 1) // 3 + 1
    return f"/Archives/edgar/daily-index/{day.year}/QTR{quarter}/{kind}.{day:%Y%m%d}.idx"
