"""Discovery from real recorded EDGAR responses, served by the fake EDGAR on 127.0.0.1."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from datetime import date

import pytest
from pydantic import ValidationError
from test_edgar_cases import local_client

from ledgergraph.edgar import DiscoveryRequest, discover_filings
from ledgergraph.edgar.discovery import find_filings, resolve_tickers
from ledgergraph.edgar.errors import EdgarNotFound
from ledgergraph.edgar.submissions import (
    fetch_filer_filings,
    fetch_registration,
    fetch_ticker_map,
    registration_of,
)
from localrun.render_edgar import discovered_table
from tests.fakes.edgar_server import EDGAR_DATA, FakeEdgar, Fault
from tests.fakes.network_guard import loopback_only

APPLE, TESLA, MICROSOFT, EMPTY_TEST_ENTITY = 320193, 1318605, 789019, 350001
EDGAR_2023 = EDGAR_DATA / "submissions" / "2023-08"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def edgar_2026() -> Iterator[FakeEdgar]:
    with FakeEdgar(snapshot="2026-03") as fake:
        yield fake


@pytest.fixture
def edgar_2023() -> Iterator[FakeEdgar]:
    with FakeEdgar(snapshot="2023-08") as fake:
        yield fake


def test_apple_history_includes_every_filing_of_its_older_page(edgar_2023: FakeEdgar) -> None:
    filings = fetch_filer_filings(local_client(edgar_2023, paced=False), APPLE)

    assert len(filings) == 1000 + 988
    assert len({f.accession for f in filings}) == 1988
    assert min(f.filing_date for f in filings) == date(1994, 1, 26)
    assert max(f.filing_date for f in filings) == date(2023, 8, 8)
    assert edgar_2023.paths() == [
        "/submissions/CIK0000320193.json",
        "/submissions/CIK0000320193-submissions-001.json",
    ]


def test_apple_default_forms_keep_xbrl_filings_from_both_pages(edgar_2023: FakeEdgar) -> None:
    found = discover_filings(
        DiscoveryRequest(ciks=[APPLE]), client=local_client(edgar_2023, paced=False)
    )

    assert Counter(f.form for f in found) == {"10-Q": 43, "8-K": 39, "10-K": 14}
    fy2010 = next(f for f in found if f.accession == "0001193125-10-238044")
    assert (fy2010.form, fy2010.filing_date, fy2010.report_date) == (
        "10-K",
        date(2010, 10, 27),
        date(2010, 9, 25),
    )
    assert fy2010.primary_document == "d10k.htm" and fy2010.is_xbrl is True
    assert found == sorted(found, key=lambda f: (f.filing_date, f.accession))


def test_amendments_only_on_request(edgar_2023: FakeEdgar) -> None:
    client = local_client(edgar_2023, paced=False)

    plain = discover_filings(DiscoveryRequest(ciks=[APPLE], forms=["10-K"]), client=client)
    amended = discover_filings(
        DiscoveryRequest(ciks=[APPLE], forms=["10-K"], include_amendments=True), client=client
    )

    assert {f.form for f in plain} == {"10-K"}
    assert [f.accession for f in amended if f.form == "10-K/A"] == ["0001193125-10-012091"]
    assert len(amended) == len(plain) + 1


def test_without_xbrl_filter_old_paper_era_filings_appear(edgar_2023: FakeEdgar) -> None:
    request = DiscoveryRequest(ciks=[APPLE], forms=["10-K"], xbrl_only=False)

    found = discover_filings(request, client=local_client(edgar_2023, paced=False))

    assert len(found) == 27
    assert found[0].filing_date.year == 1994


def test_apple_fy2023_10k_found_by_ticker(edgar_2026: FakeEdgar) -> None:
    request = DiscoveryRequest(
        tickers=["aapl"], forms=["10-K"], date_from=date(2023, 1, 1), date_to=date(2023, 12, 31)
    )

    found = discover_filings(request, client=local_client(edgar_2026, paced=False))

    assert [f.accession for f in found] == ["0000320193-23-000106"]
    filing = found[0]
    assert (filing.cik, filing.cik10, filing.accession_plain) == (
        APPLE,
        "0000320193",
        "000032019323000106",
    )
    assert (filing.filing_date, filing.report_date) == (date(2023, 11, 3), date(2023, 9, 30))
    assert filing.primary_document == "aapl-20230930.htm"
    assert filing.is_inline_xbrl is True
    assert filing.company_name == "Apple Inc."
    assert "/submissions/CIK0000320193-submissions-001.json" not in edgar_2026.paths()


def test_tesla_q2_2024_10q_in_the_2026_file(edgar_2026: FakeEdgar) -> None:
    request = DiscoveryRequest(
        ciks=[TESLA], forms=["10-Q"], date_from=date(2024, 1, 1), date_to=date(2024, 12, 31)
    )

    found = discover_filings(request, client=local_client(edgar_2026, paced=False))

    assert [(f.accession, f.filing_date.isoformat()) for f in found] == [
        ("0001628280-24-017503", "2024-04-24"),
        ("0001628280-24-032662", "2024-07-24"),
        ("0001628280-24-043486", "2024-10-24"),
    ]
    assert found[1].report_date == date(2024, 6, 30)


def test_tesla_history_reads_its_page_of_720_older_filings(edgar_2026: FakeEdgar) -> None:
    filings = fetch_filer_filings(local_client(edgar_2026, paced=False), TESLA)

    assert len(filings) == 1002 + 720
    assert "/submissions/CIK0001318605-submissions-001.json" in edgar_2026.paths()
    request = DiscoveryRequest(
        ciks=[TESLA], forms=["10-K"], include_amendments=True, date_to=date(2013, 12, 31)
    )
    found = discover_filings(request, client=local_client(edgar_2026, paced=False))
    assert [(f.form, f.accession) for f in found] == [
        ("10-K", "0001193125-12-081990"),
        ("10-K/A", "0001193125-12-137560"),
        ("10-K", "0001193125-13-096241"),
    ]


def test_pages_outside_the_date_range_are_not_fetched(edgar_2026: FakeEdgar) -> None:
    # Microsoft lists two older pages (2008-2019, 1994-2008) that the recording lacks
    request = DiscoveryRequest(ciks=[MICROSOFT], forms=["10-K"], date_from=date(2020, 1, 1))

    found = discover_filings(request, client=local_client(edgar_2026, paced=False))

    assert [f.accession for f in found][-3:] == [
        "0000950170-23-035122",
        "0000950170-24-087843",
        "0000950170-25-100235",
    ]
    assert edgar_2026.paths() == ["/submissions/CIK0000789019.json"]


def test_a_missing_listed_page_is_a_permanent_error_naming_it(edgar_2026: FakeEdgar) -> None:
    with pytest.raises(EdgarNotFound, match="CIK0000789019-submissions-001.json"):
        discover_filings(
            DiscoveryRequest(ciks=[MICROSOFT]), client=local_client(edgar_2026, paced=False)
        )


def test_entity_without_filings_gives_nothing(edgar_2026: FakeEdgar) -> None:
    request = DiscoveryRequest(ciks=[EMPTY_TEST_ENTITY], forms=None)

    assert discover_filings(request, client=local_client(edgar_2026, paced=False)) == []


def test_unknown_cik_is_not_found(edgar_2026: FakeEdgar) -> None:
    with pytest.raises(EdgarNotFound, match="CIK0000000001"):
        discover_filings(DiscoveryRequest(ciks=[1]), client=local_client(edgar_2026, paced=False))


def test_ticker_map_has_every_bundled_company(edgar_2026: FakeEdgar) -> None:
    tickers = fetch_ticker_map(local_client(edgar_2026, paced=False))

    assert len(tickers) == 9610
    assert {t: tickers[t] for t in ("AAPL", "BA", "AMZN", "TSLA", "AEON", "BRK-B")} == {
        "AAPL": 320193,
        "BA": 12927,
        "AMZN": 1018724,
        "TSLA": 1318605,
        "AEON": 1837607,
        "BRK-B": 1067983,
    }


def test_share_class_ticker_with_a_dot_and_unknown_tickers(edgar_2026: FakeEdgar) -> None:
    client = local_client(edgar_2026, paced=False)

    assert resolve_tickers(client, ["brk.b", " tsla "]) == [1067983, TESLA]
    with pytest.raises(EdgarNotFound, match="NOPE-X"):
        discover_filings(DiscoveryRequest(tickers=["AAPL", "nope.x"]), client=client)


def test_a_request_must_say_what_to_find() -> None:
    with pytest.raises(ValidationError, match="ciks, tickers or since"):
        DiscoveryRequest()
    with pytest.raises(ValidationError, match="not a CIK"):
        DiscoveryRequest(ciks=["12a"])


def test_discovery_carries_apples_registration_data_in_the_filings_formats(
    edgar_2026: FakeEdgar,
) -> None:
    request = DiscoveryRequest(ciks=[APPLE], forms=["10-K"], date_from=date(2023, 11, 1))

    found = discover_filings(request, client=local_client(edgar_2026, paced=False))

    apple = found[0].registration
    assert (apple.sic, apple.sic_description) == ("3571", "Electronic Computers")
    assert (apple.state_of_incorporation, apple.entity_type) == ("CA", "operating")
    # EDGAR writes 942404110 and 0926; the filings write 94-2404110 and --09-26
    assert (apple.ein, apple.fiscal_year_end) == ("94-2404110", "--09-26")
    assert (apple.filer_category, apple.name) == ("Large accelerated filer", "Apple Inc.")
    assert (apple.tickers, apple.exchanges) == (("AAPL",), ("Nasdaq",))
    assert apple.retrieved_at is not None and apple.source == "edgar-submissions"
    assert edgar_2026.paths() == ["/submissions/CIK0000320193.json"]  # nothing more asked


def test_registration_data_is_as_of_the_day_edgar_was_asked(edgar_2023: FakeEdgar) -> None:
    filings = fetch_filer_filings(local_client(edgar_2023, paced=False), APPLE)

    # Apple's fiscal year end moved from EDGAR's 0930 (2023) to 0926 (2026)
    assert {f.registration.fiscal_year_end for f in filings} == {"--09-30"}


def test_an_empty_registration_has_no_values_rather_than_empty_ones(
    edgar_2026: FakeEdgar,
) -> None:
    # EDGAR's test filer: an asset-backed issuer with category "" and no tickers
    registration = fetch_registration(local_client(edgar_2026, paced=False), EMPTY_TEST_ENTITY)

    assert (registration.sic, registration.entity_type) == ("6189", "other")
    assert registration.filer_category is None
    assert (registration.tickers, registration.exchanges) == ((), ())
    assert registration_of({"ein": "000000000", "exchanges": [None]}).ein is None


def test_registration_of_an_unknown_cik_is_none_not_a_failure(edgar_2026: FakeEdgar) -> None:
    assert fetch_registration(local_client(edgar_2026, paced=False), 12927) is None
    assert fetch_registration(local_client(edgar_2026, paced=False), TESLA).sic == "3711"


def test_an_invalid_row_is_rejected_with_its_reason_and_the_rest_goes_on(
    edgar_2023: FakeEdgar,
) -> None:
    recorded = EDGAR_2023 / "CIK0000320193.json"
    document = json.loads(recorded.read_bytes())
    recent = document["filings"]["recent"]
    first_accession = recent["accessionNumber"][0]
    recent["accessionNumber"][0] = "../../x"
    recent["filingDate"][5] = "yesterday"
    recent["isXBRL"][7] = "yes"
    edgar_2023.script(
        r"^/submissions/CIK0000320193\.json$",
        Fault(200, json.dumps(document).encode(), "application/json"),
    )
    request = DiscoveryRequest(ciks=[APPLE], forms=None, xbrl_only=False)

    result = find_filings(request, client=local_client(edgar_2023, paced=False))

    rejected = [(r.cik, r.source, r.row, r.accession, r.field) for r in result.rejected]
    assert rejected == [
        (APPLE, "recent", 0, "../../x", "accessionNumber"),
        (APPLE, "recent", 5, recent["accessionNumber"][5], "filingDate"),
        (APPLE, "recent", 7, recent["accessionNumber"][7], "isXBRL"),
    ]
    assert "'yes' is not 0 or 1" in result.rejected[2].describe()
    assert (result.rows_read, result.found) == (1000 + 988, 1988 - 3)
    assert result.rows_read == result.found + len(result.rejected)
    assert first_accession not in {f.accession for f in result.filings}
    assert len(result.filings) == 1985  # every other row of both pages, forms unfiltered
    table = discovered_table(result.filings, rejected=result.rejected)
    assert table.endswith(
        "3 rows of EDGAR's listings rejected:\n"
        "  CIK 320193 recent row 0 (accession '../../x'): accessionNumber: "
        + result.rejected[0].reason
        + "\n  "
        + "\n  ".join(r.describe() for r in result.rejected[1:])
    )


def test_one_filers_invalid_row_does_not_stop_the_other_filers(edgar_2026: FakeEdgar) -> None:
    request = DiscoveryRequest(ciks=[APPLE, TESLA], forms=["10-K"], date_from=date(2023, 11, 1))
    clean = find_filings(request, client=local_client(edgar_2026, paced=False))
    document = json.loads((EDGAR_DATA / "submissions/2026-03/CIK0001318605.json").read_bytes())
    document["filings"]["recent"]["accessionNumber"][0] = "../../x"
    edgar_2026.script(
        r"^/submissions/CIK0001318605\.json$",
        Fault(200, json.dumps(document).encode(), "application/json"),
    )

    broken = find_filings(request, client=local_client(edgar_2026, paced=False))

    assert [(r.cik, r.row, r.field) for r in broken.rejected] == [(TESLA, 0, "accessionNumber")]
    assert broken.rows_read == clean.rows_read == clean.found
    assert broken.found == clean.found - 1
    apple = [f.accession for f in clean.filings if f.cik == APPLE]
    assert apple and [f.accession for f in broken.filings if f.cik == APPLE] == apple
