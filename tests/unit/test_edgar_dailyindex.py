"""EDGAR index files: real daily and full indexes, parsed and served by the fake EDGAR."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from test_edgar_cases import EDGAR_DATA, USER_AGENT, local_client

from ledgergraph.edgar import DiscoveryRequest, dailyindex, discover_filings
from ledgergraph.edgar.dailyindex import parse_index
from ledgergraph.edgar.discovery import find_filings
from ledgergraph.edgar.errors import EdgarBadResponse
from ledgergraph.edgar.urls import daily_index_path
from localrun.cli import main as cli
from tests.fakes.edgar_server import FakeEdgar, Fault
from tests.fakes.network_guard import loopback_only

INDEX_FILES = EDGAR_DATA / "index-files"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def fake() -> Iterator[FakeEdgar]:
    with FakeEdgar() as server:
        yield server


def read_index(name: str) -> str:
    return (INDEX_FILES / name).read_text()


def test_company_index_with_its_wrapped_header_gives_every_row() -> None:
    rows = parse_index(read_index("company.20221003.idx"))

    assert len(rows) == 4936 - 11  # lines minus the header block
    first = rows[0]
    assert (first.company_name, first.form, first.cik, first.accession) == (
        "1st stREIT Office Inc.",
        "1-A POS",
        1700461,
        "0001104659-22-105357",
    )
    assert first.filing_date == date(2022, 10, 3)
    assert (rows[-1].company_name, rows[-1].form) == ("voxeljet AG", "424B5")
    forms = Counter(row.form for row in rows)
    assert (forms["8-K"], forms["10-Q"], forms["10-K"], forms["10-K/A"]) == (280, 4, 1, 2)
    assert forms["S-8 POS"] == 56 and forms["SC 13D/A"] == 28
    ten_k = next(row for row in rows if row.form == "10-K")
    assert (ten_k.company_name, ten_k.cik) == ("Ultimate Holdings Group, Inc.", 1888846)


def test_form_index_puts_form_first() -> None:
    rows = parse_index(read_index("form.20200318.idx"))

    assert len(rows) == 4094 - 10
    forms = Counter(row.form for row in rows)
    assert (forms["10-K"], forms["10-Q"], forms["8-K"], forms["20-F"], forms["40-F"]) == (
        68,
        5,
        232,
        9,
        2,
    )
    bp = next(row for row in rows if row.cik == 313807 and row.form == "20-F")
    assert (bp.company_name, bp.accession) == ("BP PLC", "0001628280-20-003753")
    assert forms["SEC STAFF"] == 96  # form types may contain spaces


def test_pipe_delimited_master_indexes() -> None:
    quarter = parse_index(read_index("master.1993QTR4.idx"))
    daily = parse_index(read_index("master.20181231.excerpt.idx"))

    assert len(quarter) == 20 and len(daily) == 10
    disney = next(row for row in quarter if row.cik == 29082)
    assert (disney.company_name, disney.form, disney.filing_date, disney.accession) == (
        "DISNEY WALT CO",
        "10-K",
        date(1993, 12, 22),
        "0000950131-94-000021",
    )
    assert (daily[0].company_name, daily[0].form, daily[0].filing_date) == (
        "HENRY SCHEIN INC",
        "4",
        date(2018, 12, 31),
    )


def test_an_html_page_is_not_an_index() -> None:
    with pytest.raises(EdgarBadResponse, match="separator"):
        parse_index((EDGAR_DATA / "errors" / "rate-exceeded.html").read_text())


def test_daily_index_paths_follow_edgars_quarters() -> None:
    assert daily_index_path(date(2022, 10, 3), "company") == (
        "/Archives/edgar/daily-index/2022/QTR4/company.20221003.idx"
    )
    assert daily_index_path(date(2020, 3, 18)) == (
        "/Archives/edgar/daily-index/2020/QTR1/form.20200318.idx"
    )


def test_everything_since_a_date_reads_each_weekday_and_skips_missing_days(
    fake: FakeEdgar,
) -> None:
    request = DiscoveryRequest(since=date(2020, 3, 16), date_to=date(2020, 3, 22))

    found = discover_filings(request, client=local_client(fake))

    # Mon..Fri requested, the weekend not; only 2020-03-18 is recorded (others: S3's 403)
    assert fake.paths() == [daily_index_path(date(2020, 3, d)) for d in range(16, 21)]
    assert len(found) == 314  # 316 rows of the five forms, two co-registrant duplicates
    assert Counter(f.form for f in found)["10-K"] == 68
    assert all(f.filing_date == date(2020, 3, 18) for f in found)


def test_since_with_filers_and_amendments(fake: FakeEdgar) -> None:
    request = DiscoveryRequest(
        since=date(2022, 10, 3),
        date_to=date(2022, 10, 3),
        index_kind="company",
        ciks=[1845601, 1888846],
        forms=["10-K"],
        include_amendments=True,
    )

    found = discover_filings(request, client=local_client(fake))

    assert [(f.cik, f.form, f.accession) for f in found] == [
        (1845601, "10-K/A", "0001410578-22-002848"),
        (1888846, "10-K", "0001599916-22-000255"),
    ]


def damaged(name: str, lines: dict[int, str]) -> str:
    """The recorded index ``name`` with the lines numbered (from 1) in ``lines`` replaced."""
    rows = read_index(name).splitlines()
    for number, line in lines.items():
        rows[number - 1] = line
    return "\n".join(rows) + "\n"


def form_index_damaged() -> str:
    """2020-03-18's form index with three lines spoiled as a bad transfer or edit would."""
    rows = read_index("form.20200318.idx").splitlines()
    return damaged(
        "form.20200318.idx",
        {
            12: rows[11][:60],  # cut off after the company name
            2000: rows[1999].replace("20200318", "20201318"),  # month 13
            2001: "",
        },
    )


def test_every_line_of_a_recorded_index_is_a_filing_or_a_header_line() -> None:
    for name, header_lines in (("form.20200318.idx", 10), ("company.20221003.idx", 11)):
        read = dailyindex.read_index(read_index(name), index=name)

        lines = len(read_index(name).splitlines())
        assert (read.lines, read.header_lines, read.rejected) == (lines, header_lines, [])
        assert read.lines == len(read.filings) + len(read.rejected) + read.header_lines


def test_each_unreadable_line_is_rejected_with_its_number_and_reason() -> None:
    read = dailyindex.read_index(form_index_damaged(), index="form.20200318.idx")

    assert [(r.line, r.reason) for r in read.rejected] == [
        (12, "no CIK, filing date and edgar/data/ file name at its end"),
        (2000, "filing_date: Input should be a valid date or datetime, month value is outside "
               "expected range of 1-12"),
        (2001, "blank line"),
    ]  # fmt: skip
    assert read.rejected[0].text == "1-A         Investment Grade R.E. Income Fund, L.P."
    assert read.rejected[2].describe() == "form.20200318.idx line 2001: blank line: ''"
    assert (read.lines, len(read.filings), read.header_lines) == (4094, 4084 - 3, 10)
    assert read.lines == len(read.filings) + len(read.rejected) + read.header_lines
    assert "0001493152-20-004281" not in {f.accession for f in read.filings}  # line 12's


def test_a_tab_in_a_fixed_width_line_is_rejected_not_read_into_the_wrong_columns() -> None:
    rows = read_index("form.20200318.idx").splitlines()
    tabbed = rows[40].replace("  ", "\t", 1)  # "10-K\t      CSAIL 2019-C15 ..."
    read = dailyindex.read_index(damaged("form.20200318.idx", {41: tabbed}), index="form")

    assert [(r.line, r.reason) for r in read.rejected] == [
        (41, "a tab in a fixed-width line: its form and company columns move")
    ]
    assert "0001056404-20-002429" not in {f.accession for f in read.filings}
    assert read.lines == len(read.filings) + 1 + read.header_lines


def test_pipe_rows_short_of_a_column_or_an_accession_are_rejected() -> None:
    rows = read_index("master.20181231.excerpt.idx").splitlines()
    text = damaged(
        "master.20181231.excerpt.idx",
        {
            9: rows[8].replace("|424B2|", "|"),  # the form type column dropped
            12: rows[11].replace("0001104659-18-075315.txt", "index.htm"),
        },
    )

    read = dailyindex.read_index(text, index="master.20181231.idx")

    assert [(r.line, r.reason) for r in read.rejected] == [
        (9, "4 '|'-separated columns, the header has 5"),
        (12, "file name 'edgar/data/1001085/index.htm' holds no accession number"),
    ]
    assert (read.lines, len(read.filings), read.header_lines) == (17, 10 - 2, 7)
    assert read.lines == len(read.filings) + len(read.rejected) + read.header_lines


@pytest.fixture
def no_edgar_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line alone says where EDGAR is: no LEDGERGRAPH_EDGAR_* of the caller."""
    for name in list(os.environ):
        if name.startswith("LEDGERGRAPH_EDGAR_"):
            monkeypatch.delenv(name)


def test_discover_since_prints_each_rejected_line_and_how_the_lines_add_up(
    fake: FakeEdgar,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_edgar_settings: None,
) -> None:
    path = daily_index_path(date(2020, 3, 18))
    fake.script(f"^{path}$", *[Fault(200, form_index_damaged().encode(), "text/plain")] * 2)
    argv = ["sec", "discover", "--home", str(tmp_path), "--since", "2020-03-16"]
    argv += ["--to", "2020-03-20"]
    argv += ["--edgar-url", fake.base_url, "--user-agent", USER_AGENT]

    code = cli(argv)
    text = capsys.readouterr().out
    json_code = cli([*argv, "--json"])
    result = json.loads(capsys.readouterr().out)

    assert code == json_code == 0
    assert text.endswith(
        "3 lines of EDGAR's daily indexes rejected:\n"
        f"  {path} line 12: no CIK, filing date and edgar/data/ file name at its end: "
        "'1-A         Investment Grade R.E. Income Fund, L.P.'\n"
        f"  {path} line 2000: filing_date: Input should be a valid date or datetime, month "
        "value is outside expected range of 1-12: '4           Somasundaram Sivasankaran"
        "                                     1424543     20201318    "
        "edgar/data/1424543/0001723089-20-000042.txt'\n"
        f"  {path} line 2001: blank line: ''\n"
        "daily indexes: 4094 lines read = 4081 filings found + 3 lines rejected + "
        "10 header lines; 314 selected\n"
    )
    assert [(r["index"], r["line"]) for r in result["rejected_lines"]] == [
        (path, 12),
        (path, 2000),
        (path, 2001),
    ]
    counts = ("lines_read", "found", "header_lines", "rows_read")
    assert [result[key] for key in counts] == [4094, 4081, 10, 4084]
    assert len(result["filings"]) == 314 and result["rejected"] == []


@pytest.mark.parametrize(
    ("since", "to", "asked"),
    [
        ("2020-03-21", "2020-03-22", []),  # a weekend: nothing asked
        ("2020-03-16", "2020-03-17", [16, 17]),  # weekdays EDGAR answers with S3's 403
    ],
)
def test_discover_since_says_when_there_is_no_daily_index_for_the_days(
    since: str,
    to: str,
    asked: list[int],
    fake: FakeEdgar,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_edgar_settings: None,
) -> None:
    argv = ["sec", "discover", "--home", str(tmp_path), "--since", since, "--to", to]
    argv += ["--edgar-url", fake.base_url, "--user-agent", USER_AGENT]

    code = cli(argv)
    text = capsys.readouterr().out
    json_code = cli([*argv, "--json"])
    result = json.loads(capsys.readouterr().out)

    assert code == json_code == 0
    assert fake.paths() == [daily_index_path(date(2020, 3, d)) for d in asked] * 2
    assert text.endswith(
        f"daily indexes: none for {since}..{to} (none on weekends and holidays, nor for a "
        "day EDGAR has not published yet); 0 selected\n"
    )
    assert result["index_days"] == [since, to]
    counts = ("indexes_read", "lines_read", "found", "header_lines", "rows_read")
    assert [result[key] for key in counts] == [0, 0, 0, 0, 0]
    assert result["filings"] == [] and result["rejected_lines"] == []


def test_discover_since_counts_the_daily_index_files_read(fake: FakeEdgar) -> None:
    request = DiscoveryRequest(since=date(2020, 3, 16), date_to=date(2020, 3, 22))

    result = find_filings(request, client=local_client(fake))

    assert result.index_days == (date(2020, 3, 16), date(2020, 3, 22))
    assert (result.indexes_read, result.lines_read, result.found) == (1, 4094, 4084)
