"""The Entity row's details from a cover page and a package's registration data."""

from __future__ import annotations

from datetime import UTC, datetime

from ledgergraph.filing_package import FilingSidecar, Registration
from xbrl_task.entity_rows import describe_entity

# Apple's FY2023 10-K cover page and EDGAR's 2026 registration data (sample_data)
APPLE_COVER = {
    "name": "Apple Inc.",
    "state_of_incorporation": "CA",
    "fiscal_year_end": "--09-30",
    "ein": "94-2404110",
    "filer_category": "Large Accelerated Filer",
}
APPLE_EDGAR = Registration(
    retrieved_at=datetime(2026, 3, 2, tzinfo=UTC),
    name="Apple Inc.",
    sic="3571",
    sic_description="Electronic Computers",
    state_of_incorporation="CA",
    fiscal_year_end="--09-26",
    filer_category="Large accelerated filer",
    ein="94-2404110",
    tickers=("AAPL",),
    exchanges=("Nasdaq",),
)
APPLE_SECURITIES = [{"trading_symbol": "AAPL", "exchange": "NASDAQ"}]


def test_edgar_gives_the_sic_and_nothing_the_cover_page_states() -> None:
    row: dict = {"id": "0000320193", "cik": 320193, "name": None}

    describe_entity(row, APPLE_COVER, APPLE_SECURITIES, registration=APPLE_EDGAR)

    assert (row["fiscal_year_end"], row["filer_category"]) == (
        "--09-30",
        "Large Accelerated Filer",
    )
    assert row["trading_symbols"] == "AAPL"
    assert (row["sic"], row["sic_description"]) == ("3571", "Electronic Computers")


def test_a_filing_without_a_cover_page_gets_only_edgars_sic() -> None:
    row: dict = {"id": "0000320193", "cik": 320193, "name": None}

    describe_entity(row, {}, [], registration=APPLE_EDGAR)

    # one source per column: EDGAR's fiscal year end (--09-26) is not the filing's
    assert row["name"] is row["fiscal_year_end"] is row["trading_symbols"] is None
    assert row["sic"] == "3571"


def test_a_sic_stated_by_hand_in_filing_json_is_used() -> None:
    sidecar = FilingSidecar(cik=1234567, sic=" 7372 ")
    row: dict = {"id": "0001234567", "cik": 1234567, "name": None}

    describe_entity(row, {}, [], registration=sidecar.filer_registration())

    assert (row["sic"], row["sic_description"]) == ("7372", None)
    assert sidecar.filer_registration().source == "filing.json"


def test_nothing_stated_and_no_registration_leaves_the_details_empty() -> None:
    row: dict = {"id": "0000000001", "cik": 1, "name": None}

    describe_entity(row, {}, [], registration=None)

    assert all(value is None for key, value in row.items() if key not in ("id", "cik"))
