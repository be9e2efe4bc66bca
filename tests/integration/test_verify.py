"""``ledgergraph verify`` on a graph built by the local pipeline: bundled and hand-made filings.

One graph holds the bundled real filings plus the hand-made ones (tests/unit/xbrl_handmade):
the real filings must match Arelle's own export exactly; the hand-made inline set holds a
31-digit amount that Arelle's 28-digit decimal arithmetic rounds, which the check must
report; the hand-made amendment must not erase the facts of its original.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ledgergraph.schema_examples import (
    EXAMPLES,
    INCOME_STATEMENT,
    SEGMENT_REVENUE,
    CypherExample,
)
from localrun.cli import main as cli
from localrun.cli_verify import render

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
BUNDLED = sorted(p.name for p in SAMPLE_SEC.iterdir() if p.is_dir())
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))

pytestmark = pytest.mark.slow
NOT_COMPARED = (
    "facts of the documents not compared (not in Arelle's export; each filing's line says why)"
)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from xbrl_handmade import write_classic, write_inline

    from localrun.sec_run import run_sec_from_folder

    root = tmp_path_factory.mktemp("verify")
    source = root / "source"
    source.mkdir()
    for name in BUNDLED:
        (source / name).symlink_to(SAMPLE_SEC / name, target_is_directory=True)
    write_classic(source)
    write_classic(source, amended=True)
    write_inline(source)
    summary = run_sec_from_folder(source, home=root / "home", graph_id="sec", batch_size=4)
    assert summary["ok"], summary
    return root / "home"


@pytest.fixture(scope="module")
def verdict(home: Path) -> tuple[int, dict]:
    from contextlib import redirect_stdout
    from io import StringIO

    out = StringIO()
    with redirect_stdout(out):
        code = cli(["verify", "--home", str(home), "--json"])
    return code, json.loads(out.getvalue())


def _units(home: Path) -> dict[str, str]:
    """Bundled folder name -> source unit, read from the raw store's sidecars."""
    units = {}
    for sidecar in (home / "store" / "raw" / "sec").glob("*/*/filing.json"):
        entry = json.loads(sidecar.read_text())["entry_point"]
        units[entry] = sidecar.parent.name
    return units


def test_every_bundled_filing_matches_arelles_own_export(
    home: Path, verdict: tuple[int, dict]
) -> None:
    _, report = verdict
    checks = {c["report"]: c for c in report["filings"]}
    bundled_entries = {json.loads((SAMPLE_SEC / n / "filing.json").read_text())["entry_point"]
                       for n in BUNDLED}  # fmt: skip
    units = [unit for entry, unit in _units(home).items() if entry in bundled_entries]
    assert len(units) == len(BUNDLED) == 5
    for unit in units:
        check = checks[unit]
        assert check["error"] is None, check
        assert check["difference_count"] == 0, check["differences"]
        assert check["graph_facts"] == check["arelle_facts"] > 1000
    boeing = checks["0000012927-24-000010"]
    assert (boeing["graph_facts"], boeing["graph_fact_nodes"]) == (2466, 2252)


def test_each_filing_says_occurrences_and_fact_nodes_and_why_they_differ(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(["verify", "--home", str(home), "--report", "0000012927-24-000010"])
    lines = capsys.readouterr().out.strip().splitlines()

    assert code == 0
    assert lines == [
        "0000012927-24-000010  graph 2466 fact occurrences (2252 facts + 214 complete "
        "duplicates), Arelle 2466: 0 differences",
        # Boeing's 8 ecd facts: the bundled cache has no ecd schema, so neither side has them
        "    not compared: 8 of the document's 2474 facts, not in Arelle's export (Arelle "
        "makes no fact of an element no loaded schema defines); the extraction rejected 8 "
        "(manifest): concept not defined: namespace http://xbrl.sec.gov/ecd/2023 (schema not "
        "in taxonomy cache: https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd): 8",
        "(facts compared as occurrences in the documents; the graph holds them as 2252 Fact "
        "nodes, complete duplicates collapsed, as stats counts)",
        f"compared 2466 facts in 1 filings, 0 differences; 8 {NOT_COMPARED}",
    ]


def test_the_check_reports_what_arelle_rounds(verdict: tuple[int, dict]) -> None:
    code, report = verdict
    assert code == 1  # one filing differs, so the command fails
    differing = [c for c in report["filings"] if c["difference_count"]]
    assert len(differing) == 1 and differing[0]["difference_count"] == 1
    (line,) = differing[0]["differences"]
    assert "tiny:BigAmount" in line
    assert "-12345678901234567890.12345678901" in line.split("| Arelle")[0]
    assert report["differences"] == 1
    assert (report["missing_from_graph"], report["extra_in_graph"], report["different"]) == (
        0, 0, 1
    )  # fmt: skip
    assert report["not_compared"] == 37  # ecd facts of the bundled filings (no ecd schema)
    assert report["summary"] == (
        f"compared {report['compared']} facts in 8 filings, 1 differences "
        f"(0 missing from the graph, 0 extra in the graph, 1 different); 37 {NOT_COMPARED}"
    )


def test_the_text_output_ends_with_one_summary_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(["verify", "--home", str(home)])
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert code == 1
    assert re.fullmatch(
        r"compared \d+ facts in 8 filings, 1 differences "
        r"\(0 missing from the graph, 0 extra in the graph, 1 different\); "
        rf"\d+ {re.escape(NOT_COMPARED)}",
        last,
    )


def test_an_amendment_never_erases_the_facts_of_its_original(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    query = (
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_PERIOD]->(p:Period) "
        "WHERE f.fact_xml_id = 'rev-q3-1' AND p.id = '2024-07-01..2024-09-30' "
        "RETURN r.is_amendment, r.amendment_description, f.value_text ORDER BY r.is_amendment"
    )
    assert cli(["query", "--home", str(home), "--json", query]) == 0
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert rows == [[False, None, "1000"], [True, "Restates revenue", "1100"]]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.title)
def test_every_schema_document_example_runs_on_the_bundled_graph(
    home: Path, example: CypherExample
) -> None:
    from localrun.graph_access import open_reader

    with open_reader(home=home, endpoint=None, api_key=None) as reader:
        result = reader.query_cypher("sec", example.cypher, example.params)
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]
    assert example.expected, f"{example.title}: no expected row"
    assert any(_holds(row, example.expected) for row in rows), (example.title, rows[:5])


def _holds(row: dict, expected: dict) -> bool:
    """``row`` has every column of ``expected`` with its value (numbers compared exactly,
    as the engine may write a DECIMAL with trailing zeros)."""

    def same(value: object, wanted: object) -> bool:
        if isinstance(wanted, str) and isinstance(value, str) and value != wanted:
            try:
                return Decimal(value) == Decimal(wanted)
            except ArithmeticError:
                return False
        return value == wanted

    return all(name in row and same(row[name], wanted) for name, wanted in expected.items())


PRODUCTS = "segment:srt:ProductOrServiceAxis=us-gaap:ProductMember"


@pytest.mark.parametrize(
    ("report", "line"),
    [
        ("0000320193-23-000106", {"label": "Net sales", "dimensions": None,
                                  "period_start": "2022-09-25", "value": "383285000000"}),
        ("0000320193-23-000106", {"label": "Net sales", "dimensions": PRODUCTS,
                                  "period_start": "2022-09-25", "value": "298085000000"}),
        ("sha256-612e20f7341de3f049e163c6", {"label": "Loss from operations",
                                             "period_start": "2023-07-22", "value": "57872000"}),
        ("0001018724-23-000004", {"label": "Total net sales", "dimensions": None,
                                  "period_start": "2022-01-01", "value": "513983000000"}),
        # Boeing's cost of sales is filed only per product and service
        ("0000012927-24-000010", {"label": "Cost of goods and services sold",
                                  "dimensions": PRODUCTS, "value": "59864000000",
                                  "shown": "-59864000000"}),
        ("0001628280-24-032662", {"label": "Revenues", "dimensions": None,
                                  "period_start": "2024-04-01", "value": "25500000000"}),
    ],
)  # fmt: skip
def test_the_income_statement_example_reads_each_bundled_filing(
    home: Path, report: str, line: dict
) -> None:
    from localrun.graph_access import open_reader

    with open_reader(home=home, endpoint=None, api_key=None) as reader:
        result = reader.query_cypher("sec", INCOME_STATEMENT.cypher, {"report": report})
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]
    assert len({r["statement"] for r in rows}) == 1  # one statement, not its parenthetical
    assert [r for r in rows if _holds(r, line)], rows[:5]


def test_the_income_statement_example_shows_negated_lines_as_printed(home: Path) -> None:
    from localrun.graph_access import open_reader

    with open_reader(home=home, endpoint=None, api_key=None) as reader:
        result = reader.query_cypher("sec", INCOME_STATEMENT.cypher, INCOME_STATEMENT.params)
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]
    tax = [r for r in rows if r["label"] == "Income tax (expense)/benefit"
           and r["period_start"] == "2023-01-01"]  # fmt: skip

    assert [(Decimal(r["value"]), Decimal(r["shown"])) for r in tax] == [
        (Decimal("237000000"), Decimal("-237000000"))
    ]


def test_the_income_statement_example_shows_the_most_precise_of_consistent_duplicates(
    home: Path,
) -> None:
    """Amazon files its 2022 income tax as -3217000000 (decimals -6) and -3200000000 (-8),
    a consistent duplicate set: the statement's line shows the first alone."""
    from localrun.graph_access import open_reader

    amazon = "0001018724-23-000004"
    with open_reader(home=home, endpoint=None, api_key=None) as reader:
        result = reader.query_cypher("sec", INCOME_STATEMENT.cypher, {"report": amazon})
        both = reader.query_cypher(
            "sec",
            "MATCH (f:Fact)-[:FACT_HAS_PERIOD]->(p:Period) WHERE f.accession_number = $report "
            "AND f.concept = 'us-gaap:IncomeTaxExpenseBenefit' AND f.duplicate_group IS NOT "
            "NULL AND p.id = '2022-01-01..2022-12-31' "
            "RETURN f.value_decimal, f.decimals, f.duplicate_status ORDER BY f.decimals",
            {"report": amazon},
        )
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]
    tax = [r for r in rows if r["label"] == "Benefit (provision) for income taxes"]
    keys = [(r["line"], r["dimensions"], r["period_start"]) for r in rows if r["value"]]

    assert [[Decimal(v), d, s] for v, d, s in both["rows"]] == [
        [Decimal("-3217000000"), "-6", "consistent"],
        [Decimal("-3200000000"), "-8", "consistent"],
    ]
    assert [(Decimal(r["value"]), Decimal(r["shown"]), r["decimals"], r["duplicate"])
            for r in tax] == [(Decimal("-3217000000"), Decimal("3217000000"), "-6",
                               "consistent")]  # fmt: skip
    assert len(keys) == len(set(keys)) == 23  # one fact per line, members and period


def test_the_segment_example_reads_segments_tagged_with_the_consolidation_axis(
    home: Path,
) -> None:
    """Boeing tags its segments' revenue on ConsolidationItemsAxis=OperatingSegmentsMember
    as well as the segment axis; its eliminations and breakdowns stay out."""
    from localrun.graph_access import open_reader

    with open_reader(home=home, endpoint=None, api_key=None) as reader:
        result = reader.query_cypher(
            "sec", SEGMENT_REVENUE.cypher, {"report": "0000012927-24-000010"}
        )
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]

    assert [(r["member"], Decimal(r["value"])) for r in rows
            if r["period_end"] == "2023-12-31"] == [
        ("ba:CommercialAirplanesSegmentMember@c5e4bdc7", Decimal("33901000000")),
        ("ba:BoeingDefenseSpaceSecuritySegmentMember@c5e4bdc7", Decimal("24933000000")),
        ("ba:GlobalServicesMember@c5e4bdc7", Decimal("19127000000")),
    ]  # fmt: skip
    assert len(rows) == 9  # three segments, three years


def test_decimals_total_exactly_with_list_sum_as_the_schema_document_says(home: Path) -> None:
    """docs/graph-schema.md, Totalling DECIMALs: what is exact, what becomes a DOUBLE or
    rounds, what fails (real_ladybug 0.15.3; a new engine may change each)."""
    from graph_node.errors import QueryFailed
    from localrun.graph_access import open_reader

    eps = (
        "MATCH (f:Fact) WHERE f.accession_number = '0001018724-23-000004' "
        "AND f.concept = 'us-gaap:EarningsPerShareDiluted' "
    )
    with open_reader(home=home, endpoint=None, api_key=None) as reader:

        def one(returns: str) -> list:
            (row,) = reader.query_cypher("sec", eps + returns, {})["rows"]
            return row

        values = reader.query_cypher("sec", eps + "RETURN f.value_decimal", {})["rows"]
        exact = one("RETURN list_sum(collect(f.value_decimal)), count(f)")
        rounded = one("RETURN sum(CAST(f.value_decimal AS INT128))")
        halved = one("RETURN list_sum(collect(f.value_decimal)) / 2")
        doubled = one(
            "RETURN list_sum(collect(CAST(f.value_decimal AS DECIMAL(36, 12)) "
            "* CAST(2 AS DECIMAL(1, 0))))"
        )
        with pytest.raises(QueryFailed, match="Function SUM did not receive correct"):
            one("RETURN sum(f.value_decimal)")
        with pytest.raises(QueryFailed, match="precision of decimal multiplication"):
            reader.query_cypher("sec", eps + "RETURN f.value_decimal * 2", {})

    assert sorted(Decimal(v) for (v,) in values) == [
        Decimal(v) for v in ("-0.27", "0.28", "2.09", "3.24")
    ]
    assert (Decimal(exact[0]), exact[1]) == (Decimal("5.34"), 4)
    assert Decimal(rounded[0]) == 5  # each value rounded to an integer first
    assert halved == [2.67] and isinstance(halved[0], float)
    assert Decimal(doubled[0]) == Decimal("10.68")


@pytest.fixture(scope="module")
def unlabelled_arcs_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """AEON's 10-Q with the preferredLabel of every presentation arc taken out."""
    from localrun.sec_run import run_sec_from_folder

    root = tmp_path_factory.mktemp("unlabelled-arcs")
    copy = root / "source" / "aeon-10q-2023-09-30"
    shutil.copytree(SAMPLE_SEC / copy.name, copy)
    linkbase = copy / "aeon-20230930_pre.xml"
    text, taken = re.subn(r' preferredLabel="[^"]*"', "", linkbase.read_text(encoding="utf-8"))
    assert taken == 894  # of its 926 presentation arcs; the other 32 have none either
    linkbase.write_text(text, encoding="utf-8")
    summary = run_sec_from_folder(root / "source", home=root / "home", graph_id="sec",
                                  batch_size=1)  # fmt: skip
    assert summary["ok"], summary
    return root / "home"


def test_the_income_statement_example_labels_lines_without_a_preferred_label(
    unlabelled_arcs_home: Path,
) -> None:
    """The standard label, not the concept id: the engine never matched the label when the
    role's coalesce sat in the OPTIONAL MATCH (schema_examples.py, NOTE)."""
    from localrun.graph_access import open_reader

    with open_reader(home=unlabelled_arcs_home, endpoint=None, api_key=None) as reader:
        (report,) = reader.query_cypher("sec", "MATCH (r:Report) RETURN r.id", {})["rows"]
        result = reader.query_cypher("sec", INCOME_STATEMENT.cypher, {"report": report[0]})
    rows = [dict(zip(result["columns"], row, strict=True)) for row in result["rows"]]

    assert len({r["line"] for r in rows}) == 21  # every arc of the statement, as before
    assert [r["label"] for r in rows if re.fullmatch(r"[\w-]+:\w+(@\w+)?", r["label"])] == []
    # AEON's standard label; its statement prints the totalLabel "Loss from operations"
    operating = {"label": "Operating Income (Loss)", "period_start": "2023-07-22",
                 "value": "57872000"}  # fmt: skip
    assert [r for r in rows if _holds(r, operating)]
    assert all(r["shown"] == r["value"] for r in rows)  # no negated label role left


def test_a_filing_whose_package_left_the_raw_store_is_not_checked_not_a_difference(
    home: Path, tmp_path: Path
) -> None:
    from localrun.graph_access import open_reader
    from xbrl_task.settings import XbrlTaskSettings
    from xbrl_task.taxonomy_cache import prepare_cache
    from xbrl_task.verify import verify_graph

    apple = "0000320193-23-000106"
    settings = XbrlTaskSettings(home=home)
    cache = prepare_cache([], settings.bundled_taxonomy_cache)
    try:
        with open_reader(home=home, endpoint=None, api_key=None) as reader:
            report = verify_graph(reader, "sec", store_root=tmp_path, cache=cache, only=[apple])
    finally:
        cache.close()

    [check] = report.filings
    # verify counts every occurrence: Apple's 1060 facts and 89 repeated ones
    assert (check.graph_facts, check.arelle_facts, report.differences) == (1149, 0, 0)
    assert check.error is None
    assert check.not_checked.startswith(
        "package document(s) not in the raw store: aapl-20230930_htm.xml"
    )
    assert report.summary() == (
        "compared 0 facts in 0 filings, 0 differences; 1 filings not checked (their "
        "documents are not in this home's raw store)"
    )


def test_filings_not_checked_exit_3_and_are_listed_apart_from_differences(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As ``verify --endpoint`` against a node whose raw store this home does not have."""
    apple, boeing = "0000320193-23-000106", "0000012927-24-000010"
    [package] = (home / "store" / "raw" / "sec").glob(f"*/{apple}")
    aside = package.with_name(f"{apple}.aside")
    package.rename(aside)
    try:
        only = ["--report", apple, "--report", boeing]
        code = cli(["verify", "--home", str(home), *only, "--json"])
        answer = json.loads(capsys.readouterr().out)
        text_code = cli(["verify", "--home", str(home), *only])
        text = capsys.readouterr().out.splitlines()
        cli(["verify", "--home", str(home), "--report", apple])
        none_checked = capsys.readouterr().out.splitlines()
    finally:
        aside.rename(package)

    assert (code, text_code) == (3, 3)
    # the Fact nodes are counted over the filings checked: with none, no count of 0 is said
    assert "the graph holds them as 2252 Fact nodes" in "\n".join(text)
    assert not any("Fact nodes" in line for line in none_checked)
    assert none_checked[-1].startswith("compared 0 facts in 0 filings, 0 differences; 1 ")
    assert answer["differences"] == 0
    assert (answer["compared"], answer["fact_nodes"]) == (2466, 2252)  # Boeing's alone
    [skipped] = answer["not_checked"]
    assert skipped["report"] == apple
    assert skipped["reason"].startswith("package document(s) not in the raw store: aapl-")
    said = f"{apple}  not checked: package document(s) not in the raw store: aapl-"
    assert any(line.startswith(said) for line in text)
    assert text[-1] == (
        f"compared 2466 facts in 1 filings, 0 differences; 8 {NOT_COMPARED}; 1 filings not "
        "checked (their documents are not in this home's raw store)"
    )


def test_a_raw_document_cut_short_is_a_difference_naming_arelles_error(
    home: Path, tmp_path: Path
) -> None:
    import shutil

    from localrun.graph_access import open_reader
    from xbrl_task.settings import XbrlTaskSettings
    from xbrl_task.taxonomy_cache import prepare_cache
    from xbrl_task.verify import verify_graph

    amazon = "0001018724-23-000004"
    store = tmp_path / "store"
    shutil.copytree(home / "store", store, symlinks=True)
    [document] = store.glob(f"raw/sec/*/{amazon}/amzn-20221231_htm.xml")
    document.write_bytes(document.read_bytes()[:5000])
    cache = prepare_cache([], XbrlTaskSettings(home=home).bundled_taxonomy_cache)
    try:
        with open_reader(home=home, endpoint=None, api_key=None) as reader:
            report = verify_graph(reader, "sec", store_root=store, cache=cache, only=[amazon])
    finally:
        cache.close()

    [check] = report.filings
    # the graph side is still counted: Amazon's 1341 facts and 116 repeated ones
    assert (check.graph_facts, check.arelle_facts, report.differences) == (1457, 0, 1)
    assert check.error.startswith("Arelle could not export amzn-20221231_htm.xml")
    assert "amzn-20221231_htm.xml" in check.error.split("its first error:")[1]
    # no Arelle count is claimed for an export that was never read
    assert render(report).splitlines()[0] == (
        f"{amazon}  graph 1457 fact occurrences (1341 facts + 116 complete duplicates), "
        f"Arelle not read: {check.error}"
    )


def test_a_report_not_in_the_graph_is_an_error_naming_it(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(["verify", "--home", str(home), "--report", "nope"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("error: not a report of graph sec: nope (it has 8 reports")


def test_one_unreadable_filing_does_not_stop_the_others(home: Path, tmp_path: Path) -> None:
    import shutil

    from localrun.graph_access import open_reader
    from xbrl_task.settings import XbrlTaskSettings
    from xbrl_task.taxonomy_cache import prepare_cache
    from xbrl_task.verify import verify_graph

    tesla, apple = "0001628280-24-032662", "0000320193-23-000106"
    shutil.copytree(home / "store" / "raw", tmp_path / "raw")
    # Tesla's f-1085 pointed at a context the instance does not have
    instance = tmp_path / "raw" / "sec" / "1318605" / tesla / "tsla-20240630_htm.xml"
    text = instance.read_text(encoding="utf-8")
    old = 'contextRef="c-304" decimals="-6" id="f-1085"'
    assert text.count(old) == 1
    instance.write_text(text.replace(old, 'contextRef="c-nope" decimals="-6" id="f-1085"'))
    settings = XbrlTaskSettings(home=home)
    cache = prepare_cache([], settings.bundled_taxonomy_cache)
    try:
        with open_reader(home=home, endpoint=None, api_key=None) as reader:
            report = verify_graph(
                reader, "sec", store_root=tmp_path, cache=cache, only=[tesla, apple]
            )
    finally:
        cache.close()

    checks = {c.report: c for c in report.filings}
    assert checks[tesla].error == (
        "fact f-1085 (us-gaap:Revenues) has no entity in Arelle's export (a contextRef "
        "naming no context?)"
    )
    assert checks[apple].error is None and checks[apple].difference_count == 0
    assert checks[apple].arelle_facts == 1149 and report.differences == 1
