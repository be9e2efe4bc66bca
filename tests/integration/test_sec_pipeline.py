"""The main job end to end: bundled real filings through the local SEC state machine.

The pipeline runs once per module (about ten seconds); each test reads what it produced
through the same CLI a user runs.
"""

from __future__ import annotations

import json
import shutil
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from ledgergraph.events import EVENTS_FILE
from localrun import render
from localrun.cli import main as cli

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
BUNDLED = sorted(p.name for p in SAMPLE_SEC.iterdir() if p.is_dir())
TAMPERING_TASK = Path(__file__).with_name("tampering_task.py")
APPLE, AMAZON = "0000320193-23-000106", "0001018724-23-000004"
BOEING = "0000012927-24-000010"
AEON = "sha256-612e20f7341de3f049e163c6"  # no filing.json: named by its content
# a summary line's counts, as its table row shows them (in filing .. warnings)
ROW_COUNTS = (
    "facts_in_document", "facts_loaded", "facts_added", "facts_present", "facts_rejected",
    "duplicates_collapsed", "duplicates_consistent", "duplicates_inconsistent", "warnings",
)  # fmt: skip

pytestmark = pytest.mark.slow


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = cli(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if "--json" in argv else out


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def first_run(home: Path) -> dict:
    from localrun.sec_run import run_sec_from_folder

    return run_sec_from_folder(SAMPLE_SEC, home=home, graph_id="sec", batch_size=3)


def _facts(capsys, home: Path, concept: str, cik: int) -> list[dict]:
    code, rows = run_cli(
        capsys, "facts", "--home", str(home), "--concept", concept, "--cik", str(cik), "--json"
    )
    assert code == 0
    return rows


def _undimensioned(rows: list[dict], start: str, end: str) -> list[dict]:
    """The company-wide facts of a period: no dimension, no non-dimensional content."""
    return [
        r
        for r in rows
        if r["period"] == f"{start}..{end}" and not r["dimensions"] and not r["non_dimensional"]
    ]


def test_every_bundled_filing_loads(first_run: dict) -> None:
    assert len(BUNDLED) >= 5
    assert first_run["ok"], first_run
    assert sorted(f["status"] for f in first_run["filings"]) == ["loaded"] * len(BUNDLED)


def test_a_local_run_says_it_published_nothing_and_how_to_publish(
    first_run: dict, home: Path
) -> None:
    command = f"ledgergraph publish --home {home}"

    assert (first_run["publish"], first_run["publish_command"]) == (True, command)
    assert first_run["publish_note"] == (
        f"not published: a local run publishes no snapshot; {command} publishes one"
    )
    assert not (home / "store" / "published").exists()
    assert not (home / EVENTS_FILE).exists()  # no SnapshotPublished, no status change


def test_boeing_2023_revenue_is_exact(first_run: dict, home: Path, capsys) -> None:
    rows = _facts(capsys, home, "us-gaap:Revenues", 12927)
    matches = _undimensioned(rows, "2023-01-01", "2023-12-31")
    assert len(matches) == 1
    assert Decimal(matches[0]["value_decimal"]) == Decimal("77794000000")
    assert matches[0]["unit"] == "iso4217:USD"


def test_apple_fy2023_revenue_is_exact(first_run: dict, home: Path, capsys) -> None:
    concept = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    rows = _facts(capsys, home, concept, 320193)
    matches = _undimensioned(rows, "2022-09-25", "2023-09-30")
    assert len(matches) == 1
    assert Decimal(matches[0]["value_decimal"]) == Decimal("383285000000")


def test_facts_show_duplicate_status_and_the_period_id(first_run, home, capsys) -> None:
    # AEON states its cash at 2023-09-30 in thousands and, on another page, rounded to
    # 0.1 million: one set of consistent duplicates, both kept
    concept = "us-gaap:CashAndCashEquivalentsAtCarryingValue"
    rows = [r for r in _facts(capsys, home, concept, 1837607) if r["period"] == "2023-09-30"]
    assert sorted((r["value_decimal"], r["decimals"], r["duplicate_status"]) for r in rows) == [
        ("16177000", "-3", "consistent"),
        ("16200000", "-5", "consistent"),
    ]
    assert len({r["duplicate_group"] for r in rows}) == 1
    assert {(r["period_type"], r["end_date"], r["non_dimensional"]) for r in rows} == {
        ("instant", "2023-09-30", None)
    }

    assert cli(["facts", "--home", str(home), "--concept", concept, "--cik", "1837607"]) == 0
    lines = capsys.readouterr().out.splitlines()
    shown = [line.split()[3:8] for line in lines if " 2023-09-30 " in line]
    assert sorted(shown) == [
        ["2023-09-30", "16177000", "iso4217:USD", "-3", "consistent"],
        ["2023-09-30", "16200000", "iso4217:USD", "-5", "consistent"],
    ]


def test_a_bare_concept_name_reads_the_one_concept_of_that_name(
    first_run: dict, home: Path, capsys
) -> None:
    code = cli(["facts", "--home", str(home), "--concept", "Revenues", "--cik", "12927", "--json"])
    printed = capsys.readouterr()
    bare = json.loads(printed.out)

    assert code == 0
    assert printed.err.strip() == "Revenues: facts of us-gaap:Revenues"

    prefixed = _facts(capsys, home, "us-gaap:Revenues", 12927)
    assert bare == prefixed  # in one order: period, report, then the fact's id
    matches = _undimensioned(bare, "2023-01-01", "2023-12-31")
    assert [Decimal(m["value_decimal"]) for m in matches] == [Decimal("77794000000")]


def test_a_bare_name_of_several_concepts_fails_naming_them(first_run, home, capsys) -> None:
    name = "CashCashEquivalentsAndMarketableSecurities"
    code, out = run_cli(capsys, "facts", "--home", str(home), "--concept", name, "--json")

    assert code == 1
    assert out["error"]["type"] == "UnknownConcept"
    assert out["error"]["message"] == (
        f"concept {name!r} has no prefix and several concepts of that name have facts in "
        f"graph sec: aapl:{name}@6b480ee3, amzn:{name}@2f911b2b; give one of them"
    )
    # one filer's: Apple's own extension concept
    apple = _facts(capsys, home, name, 320193)
    assert {r["report"] for r in apple} == {APPLE}


def test_a_bare_name_without_facts_names_what_exists(first_run, home, capsys) -> None:
    code, out = run_cli(
        capsys, "facts", "--home", str(home), "--concept", "AuditorInformationAbstract", "--json"
    )
    assert code == 1
    assert out["error"]["message"] == (
        "concept 'AuditorInformationAbstract' has no prefix and no facts in graph sec; the "
        "concepts of that name are aapl:AuditorInformationAbstract@6b480ee3, "
        "ba:AuditorInformationAbstract@c5e4bdc7"
    )
    code, out = run_cli(capsys, "facts", "--home", str(home), "--concept", "Revenue", "--json")
    assert code == 1
    assert "nor does any concept of that name exist there" in out["error"]["message"]
    assert "e.g. us-gaap:Revenues" in out["error"]["message"]


def test_an_extension_concept_without_its_hash_reads_the_one_it_abbreviates(
    first_run, home, capsys
) -> None:
    name = "aapl:CashCashEquivalentsAndMarketableSecurities"
    code = cli(["facts", "--home", str(home), "--concept", name, "--json"])
    printed = capsys.readouterr()

    assert code == 0
    assert printed.err.strip() == f"{name}: facts of {name}@6b480ee3"
    assert json.loads(printed.out) == _facts(capsys, home, f"{name}@6b480ee3", 320193)
    assert {r["report"] for r in json.loads(printed.out)} == {APPLE}


def test_a_prefixed_concept_the_graph_lacks_fails_naming_what_exists(
    first_run, home, capsys
) -> None:
    code, out = run_cli(capsys, "facts", "--home", str(home), "--concept", "ba:Revenues", "--json")
    assert code == 1
    assert out["error"]["type"] == "UnknownConcept"
    assert out["error"]["message"] == (
        "graph sec holds no concept 'ba:Revenues'; the concepts named 'Revenues' are "
        "us-gaap:Revenues"
    )
    code, out = run_cli(
        capsys, "facts", "--home", str(home), "--concept", "us-gaap:Revenuez", "--json"
    )
    assert code == 1
    assert out["error"]["message"] == "graph sec holds no concept 'us-gaap:Revenuez'"


def test_a_concept_in_the_wrong_case_reads_the_one_it_matches(first_run, home, capsys) -> None:
    argv = ["facts", "--home", str(home), "--concept", "us-gaap:revenues", "--cik", "12927"]
    code = cli([*argv, "--json"])
    printed = capsys.readouterr()

    assert code == 0
    assert printed.err.strip() == "us-gaap:revenues: facts of us-gaap:Revenues"
    rows = json.loads(printed.out)
    assert rows == _facts(capsys, home, "us-gaap:Revenues", 12927)
    matches = _undimensioned(rows, "2023-01-01", "2023-12-31")
    assert [Decimal(m["value_decimal"]) for m in matches] == [Decimal("77794000000")]

    name = "aapl:cashcashequivalentsandmarketablesecurities"  # no hash either
    code = cli(["facts", "--home", str(home), "--concept", name, "--json"])
    printed = capsys.readouterr()
    expected = "aapl:CashCashEquivalentsAndMarketableSecurities@6b480ee3"
    assert (code, printed.err.strip()) == (0, f"{name}: facts of {expected}")
    assert {r["report"] for r in json.loads(printed.out)} == {APPLE}


def test_a_concept_without_facts_of_that_filer_says_so_and_answers_empty(
    first_run, home, capsys
) -> None:
    # AEON (CIK 1837607) reports no revenue; an empty answer is still an answer
    argv = ["facts", "--home", str(home), "--concept", "us-gaap:Revenues", "--cik", "1837607"]
    code = cli([*argv, "--json"])
    printed = capsys.readouterr()

    assert (code, json.loads(printed.out)) == (0, [])
    assert printed.err.strip() == "no facts of us-gaap:Revenues for CIK 1837607 in graph sec"


def test_a_concept_matching_several_in_another_case_asks_which(first_run, home, capsys) -> None:
    name = "cashcashequivalentsandmarketablesecurities"
    code, out = run_cli(capsys, "facts", "--home", str(home), "--concept", name, "--json")

    assert code == 1
    assert out["error"]["type"] == "UnknownConcept"
    assert out["error"]["message"] == (
        f"concept {name!r} has no prefix and no facts in graph sec; did you mean "
        "aapl:CashCashEquivalentsAndMarketableSecurities@6b480ee3 or "
        "amzn:CashCashEquivalentsAndMarketableSecurities@2f911b2b?"
    )
    # with the filer's CIK the name is one concept again
    apple = _facts(capsys, home, name, 320193)
    assert {r["report"] for r in apple} == {APPLE}


def test_facts_reconcile_per_filing(first_run: dict, home: Path, capsys) -> None:
    for filing in first_run["filings"]:
        accounted = (
            filing["facts_loaded"] + filing["facts_rejected"] + filing["duplicates_collapsed"]
        )
        assert filing["facts_in_document"] == accounted, filing
        code, result = run_cli(
            capsys,
            "query",
            "--home",
            str(home),
            "--json",
            "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = $id RETURN count(f)",
            "--param",
            f"id={json.dumps(filing['source_unit'])}",
        )
        assert code == 0
        assert result["rows"][0][0] == filing["facts_loaded"], filing["source_unit"]


def test_the_totals_add_up_as_each_row_does(first_run: dict) -> None:
    totals = first_run["totals"]

    assert [totals[k] for k in ROW_COUNTS] == [7376, 6668, 6668, 0, 37, 671, 38, 0, 26]
    # in document = added + present + unsettled + rejected + collapsed
    assert totals["facts_in_document"] == (
        totals["facts_added"] + totals["facts_present"] + totals["facts_unsettled"]
        + totals["facts_rejected"] + totals["duplicates_collapsed"]
    )  # fmt: skip
    for name in ROW_COUNTS:
        assert totals[name] == sum(f[name] for f in first_run["filings"]), name


def test_unresolvable_concepts_are_counted_with_their_reason(first_run: dict) -> None:
    by_unit = {f["source_unit"]: f for f in first_run["filings"]}
    boeing = by_unit["0000012927-24-000010"]
    assert boeing["facts_rejected"] == 8
    assert all("ecd" in reason for reason in boeing["rejected_reasons"])


def test_second_run_adds_nothing(first_run: dict, home: Path, capsys) -> None:
    from localrun.sec_run import run_sec_from_folder

    _, before = run_cli(capsys, "stats", "--home", str(home), "--json")
    again = run_sec_from_folder(SAMPLE_SEC, home=home, graph_id="sec", batch_size=3)
    _, after = run_cli(capsys, "stats", "--home", str(home), "--json")

    assert again["ok"]
    assert after["nodes"] == before["nodes"]
    assert after["relationships"] == before["relationships"]
    # the summary says so: every fact offered again, none added
    apple = next(f for f in again["filings"] if f["source_unit"] == APPLE)
    assert (apple["facts_loaded"], apple["facts_added"]) == (1060, 0)
    assert (first_run["totals"]["facts_loaded"], first_run["totals"]["facts_added"]) == (
        6668, 6668
    )  # fmt: skip
    assert (again["totals"]["facts_loaded"], again["totals"]["facts_added"]) == (6668, 0)
    last = render.sec_summary(again).splitlines()[-1]
    assert last.endswith("; 6668 facts offered, 0 added, 6668 already present")
    assert (
        render.sec_summary(first_run)
        .splitlines()[-1]
        .endswith("; 6668 facts offered, 6668 added, 0 already present")
    )


def test_a_corrupt_filing_fails_alone(tmp_path: Path, capsys) -> None:
    source = tmp_path / "source"
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", source / "tsla-10q-2024-06-30")
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", source / "tsla-copy")
    broken = source / "aapl-10k-2023-09-30"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", broken)
    instance = broken / "aapl-20230930_htm.xml"
    instance.write_bytes(instance.read_bytes()[:200_000])

    code, summary = run_cli(
        capsys, "sec", "run", "--source", str(source), "--home", str(tmp_path / "h"), "--json"
    )

    assert code == 1
    by_unit = {f["source_unit"]: f for f in summary["filings"]}
    assert by_unit["0001628280-24-032662"]["status"] == "loaded"
    failed = by_unit["0000320193-23-000106"]
    assert failed["status"] == "failed"
    assert "0000320193-23-000106" in failed["error"] or "aapl" in failed["error"]
    copy = by_unit["tsla-copy"]  # the form its filing.json states
    assert (copy["status"], copy["cik"], copy["form"]) == ("duplicate", 1318605, "10-Q")


def test_a_package_without_filing_json_shows_its_document_form(tmp_path: Path, capsys) -> None:
    source = tmp_path / "source"
    package = source / "aapl-10k-2023-09-30"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", package)
    (package / "filing.json").unlink()  # no accession number, no form stated
    shutil.copytree(package, source / "aapl-copy")
    (source / "not-xbrl").mkdir()
    (source / "not-xbrl" / "notes.xml").write_text("<notes/>")
    home = tmp_path / "h"

    code, summary = run_cli(
        capsys, "sec", "run", "--source", str(source), "--home", str(home), "--json"
    )

    assert code == 1  # the folder that is no package
    apple = next(f for f in summary["filings"] if f["status"] == "loaded")
    assert apple["source_unit"] == "sha256-81b746e2fd1a3ad20e194238"
    assert apple["form"] == "10-K"  # dei:DocumentType of the document, as in the graph
    manifest = home / "store" / "processed" / "sec" / apple["source_unit"] / "manifest.json"
    assert json.loads(manifest.read_text())["form"] == "10-K"
    copy = next(f for f in summary["filings"] if f["status"] == "duplicate")
    assert (copy["source_unit"], copy["cik"], copy["form"]) == ("aapl-copy", 320193, "10-K")
    rows = render.sec_summary(summary).splitlines()
    assert rows[2].split()[:4] == [apple["source_unit"], "320193", "10-K", "loaded"]
    assert rows[3].split() == ["aapl-copy", "320193", "10-K", "duplicate", "0.00"]
    # a folder that is no package was not run: nothing counted, its cells blank
    assert rows[4].split() == ["not-xbrl", "unknown", "form", "failed", "(FilingError)", "0.00"]


def test_small_negative_rates_read_exactly(first_run: dict, home: Path, capsys) -> None:
    # LadybugDB 0.15.3 prints DECIMALs between -0.1 and 0 wrongly; the CLI must not.
    concept = "us-gaap:EffectiveIncomeTaxRateReconciliationForeignIncomeTaxRateDifferential"
    rows = _facts(capsys, home, concept, 12927)
    matches = _undimensioned(rows, "2023-01-01", "2023-12-31")
    assert [Decimal(r["value_decimal"]) for r in matches] == [Decimal("-0.018")]


def test_small_negative_rates_read_exactly_through_cypher(first_run: dict, home: Path, capsys):
    # The Graph API's query results go through the same engine reader as the CLI's facts.
    concept = "us-gaap:EffectiveIncomeTaxRateReconciliationForeignIncomeTaxRateDifferential"
    code, result = run_cli(
        capsys, "query", "--home", str(home), "--json",
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_PERIOD]->(p:Period) "
        "WHERE r.id = '0000012927-24-000010' AND f.concept = $concept "
        "AND p.start_date = date('2023-01-01') AND p.end_date = date('2023-12-31') "
        "RETURN f.value_decimal, f.fact_xml_id",
        "--param", f"concept={json.dumps(concept)}",
    )  # fmt: skip

    assert code == 0
    assert [Decimal(row[0]) for row in result["rows"]] == [Decimal("-0.018")]


UNIT_COUNTS = (
    "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_UNIT]->(u:Unit) "
    "WHERE r.id = '0000320193-23-000106' "
)


def _one_row(capsys, home: Path, returns: str) -> list:
    code, result = run_cli(capsys, "query", "--home", str(home), "--json", UNIT_COUNTS + returns)
    assert code == 0
    (row,) = result["rows"]
    return row


def test_a_grouped_plain_count_after_a_distinct_count_reads_0_and_the_workarounds(
    first_run: dict, home: Path, capsys
) -> None:
    """LadybugDB 0.15.3: in a grouped RETURN or WITH, a plain aggregate written after the
    last DISTINCT one reads 0 (null for sum); docs/graph-schema.md, Grouped DISTINCT."""
    facts = _one_row(capsys, home, "RETURN r.id, count(f)")[1]
    units = _one_row(capsys, home, "RETURN r.id, count(DISTINCT u)")[1]
    assert (facts, units) == (906, 9)  # Apple's 10-K: its numeric Facts and their Units

    assert _one_row(capsys, home, "RETURN r.id, count(DISTINCT u), count(f)") == [APPLE, 9, 0]
    assert _one_row(capsys, home, "RETURN r.id, count(DISTINCT u), sum(1)") == [APPLE, 9, None]
    # the workarounds: plain aggregates first, or one aggregation per step
    assert _one_row(capsys, home, "RETURN r.id, count(f), count(DISTINCT u)") == [APPLE, 906, 9]
    stepwise = (
        "WITH r, count(DISTINCT u) AS units "
        "MATCH (r)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_UNIT]->(:Unit) "
        "RETURN r.id, units, count(f)"
    )
    assert _one_row(capsys, home, stepwise) == [APPLE, 9, 906]
    # without a grouping key the engine counts right
    assert _one_row(capsys, home, "RETURN count(DISTINCT u), count(f)") == [9, 906]


AMAZON_TAX_AND_REVENUES = (
    f"MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact) WHERE r.id = '{AMAZON}' "
    "AND f.concept IN ['us-gaap:Revenues', 'us-gaap:IncomeTaxExpenseBenefit'] "
)


def test_a_subquery_tied_by_a_value_is_refused_and_its_rewrite_answers_right(
    first_run: dict, home: Path, capsys
) -> None:
    """real_ladybug 0.15.3 returned 14 of these rows for the NOT EXISTS form (two facts
    that have a duplicate) and died of SIGSEGV under count(); docs/graph-schema.md,
    Correlated subqueries."""
    crashing = (
        AMAZON_TAX_AND_REVENUES + "AND NOT EXISTS { MATCH (g:Fact) WHERE g.duplicate_group = "
        "f.duplicate_group AND g.id <> f.id } RETURN f.concept, count(f)"
    )
    refused = cli(["query", "--home", str(home), crashing])
    said = capsys.readouterr().err

    rewrite = (
        AMAZON_TAX_AND_REVENUES + "OPTIONAL MATCH (r)-[:REPORT_HAS_FACT]->(g:Fact) "
        "WHERE g.duplicate_group = f.duplicate_group AND g.id <> f.id "
        "WITH f, count(g) AS others WHERE others = 0 "
        "RETURN f.concept, f.context_id, f.value_decimal ORDER BY f.concept, f.context_id"
    )
    code, result = run_cli(capsys, "query", "--home", str(home), "--json", rewrite)
    rows = [(c, ctx.split("_")[-1], Decimal(v)) for c, ctx, v in result["rows"]]

    assert refused != 0
    assert "the NOT EXISTS { } subquery reads f.duplicate_group" in said
    assert code == 0
    # Amazon's 10-K: the 9 income tax facts and 3 revenue facts that have no duplicate
    # (its three pairs of duplicates, such as the provision of -3,217 million at decimals -6
    # and -3,200 million at -8, are left out), in the order of their context ids
    tax, revenues = "us-gaap:IncomeTaxExpenseBenefit", "us-gaap:Revenues"
    assert rows == [
        (tax, "D20210101-20211231", Decimal("585000000")),
        (tax, "D20210101-20211231", Decimal("2284000000")),
        (tax, "D20220101-20221231", Decimal("-4511000000")),
        (tax, "D20200101-20201231", Decimal("1684000000")),
        (tax, "D20200101-20201231", Decimal("436000000")),
        (tax, "D20220101-20221231", Decimal("-228000000")),
        (tax, "D20220101-20221231", Decimal("1522000000")),
        (tax, "D20200101-20201231", Decimal("743000000")),
        (tax, "D20210101-20211231", Decimal("1922000000")),
        (revenues, "D20210101-20211231", Decimal("55000000")),
        (revenues, "D20220101-20220930", Decimal("995000000")),
        (revenues, "D20200101-20201231", Decimal("0")),
    ]


def test_each_filing_reads_its_taxonomy_years_definition_of_a_shared_concept(
    first_run: dict, home: Path, capsys
) -> None:
    # One Element for every year; us-gaap 2022 says duration, 2023 instant.
    code, result = run_cli(
        capsys, "query", "--home", str(home), "--json",
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_ELEMENT]->(e:Element), "
        "(e)-[:ELEMENT_HAS_DEFINITION]->(d:ElementDefinition), "
        "(t:Taxonomy)<-[:REPORT_USES_TAXONOMY]-(r) WHERE e.id = $concept "
        "AND d.taxonomy = t.id RETURN r.id, d.version, d.period_type, count(*) ORDER BY r.id",
        "--param", 'concept="us-gaap:PropertyPlantAndEquipmentUsefulLife"',
    )  # fmt: skip

    assert code == 0
    assert result["rows"] == [
        [BOEING, "2023", "instant", 6],
        [AMAZON, "2022", "duration", 8],
        [AEON, "2022", "duration", 2],
    ]


@pytest.fixture(scope="module")
def tampered_run(first_run: dict, home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The bundled filings again, in a new graph, with Apple's FACT_HAS_ELEMENT pointing at
    an element no filing has and Amazon's Unit file gone (both in the first batch of
    three); the XBRL task reuses the first run's output, then the damage is done."""
    from ledgergraph.objectstore import LocalObjectStore
    from localrun.pipeline import run_sec_pipeline
    from localrun.sec_source import stage_source_folder

    tampered = tmp_path_factory.mktemp("tampered")
    shutil.copytree(home / "store", tampered / "store", ignore=shutil.ignore_patterns("work"))
    filings, _, _ = stage_source_folder(LocalObjectStore(tampered / "store"), SAMPLE_SEC)
    damage = ("--dangling", f"{APPLE}:FACT_HAS_ELEMENT", "--missing", f"{AMAZON}:Unit")
    summary = run_sec_pipeline(
        filings,
        home=tampered,
        batch_size=3,
        task_command=(sys.executable, str(TAMPERING_TASK), *damage),
    )
    return {"summary": summary, "home": tampered}


def test_bad_files_fail_their_filing_alone_naming_accession_and_table(tampered_run) -> None:
    summary = tampered_run["summary"]
    lines = {f["source_unit"]: f for f in summary["filings"]}

    assert (summary["ok"], summary["loaded"], summary["failed"]) == (False, 3, 2)
    apple, amazon = lines.pop(APPLE), lines.pop(AMAZON)
    assert apple["status"] == amazon["status"] == "failed"
    assert apple["error_type"] == "GraphNodeRejected"
    assert apple["error"].startswith(f"{APPLE}: FACT_HAS_ELEMENT not materialized")
    assert "MissingEndpoints" in apple["error"] and "no-filing-has-this-node" in apple["error"]
    assert apple["error"].endswith(" rows it had added there)")
    assert amazon["error_type"] == "GraphNodeRejected"
    assert f"processed/sec/{AMAZON}/Unit.parquet" in amazon["error"]
    assert [line["status"] for line in lines.values()] == ["loaded"] * 3


def test_after_a_failure_the_counts_still_reconcile(tampered_run, first_run, capsys) -> None:
    summary = tampered_run["summary"]
    clean = {f["source_unit"]: f for f in first_run["filings"]}

    for line in summary["filings"]:
        accounted = line["facts_loaded"] + line["facts_rejected"] + line["duplicates_collapsed"]
        loaded = line["status"] == "loaded"
        expected = clean[line["source_unit"]]["facts_loaded"] if loaded else 0
        assert line["facts_loaded"] == expected
        assert line["facts_in_document"] == accounted  # a failed filing: all rejected
        if not loaded:
            assert line["facts_rejected"] == sum(line["rejected_reasons"].values())
    totals = summary["totals"]
    assert totals["facts_loaded"] == sum(f["facts_loaded"] for f in summary["filings"])
    assert totals["facts_loaded"] == sum(
        clean[u]["facts_loaded"] for u in clean if u not in (APPLE, AMAZON)
    )


def test_a_failed_filing_row_says_why_and_rejects_every_fact(tampered_run) -> None:
    summary = tampered_run["summary"]
    text = render.sec_summary(summary)
    rows = {line.split()[0]: line.split() for line in text.splitlines()[2:7]}

    # in filing = offered + rejected + dupes on every row, failed or loaded
    assert rows[APPLE][:11] == [
        APPLE, "320193", "10-K", "failed", "(GraphNodeRejected)", "1164", "0", "0", "0",
        "1164", "0",
    ]  # fmt: skip
    assert rows[AMAZON][:11] == [
        AMAZON, "1018724", "10-K", "failed", "(GraphNodeRejected)", "1457", "0", "0", "0",
        "1457", "0",
    ]  # fmt: skip
    tesla = rows["0001628280-24-032662"]
    assert tesla[3:10] == ["loaded", "1149", "1045", "1045", "0", "14", "90"]
    [apple] = [line for line in text.splitlines() if line.startswith(f"{APPLE}: FAILED")]
    assert apple.startswith(f"{APPLE}: FAILED GraphNodeRejected: {APPLE}: FACT_HAS_ELEMENT")
    assert apple.endswith(
        "; all 1164 facts rejected for it (15 concept not defined: namespace "
        "http://xbrl.sec.gov/ecd/2023 (schema not in taxonomy cache: "
        "https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd) before it failed)"
    )


def test_the_graph_holds_the_loaded_filings_and_nothing_of_the_failed(tampered_run) -> None:
    from graph_node.service import GraphService
    from graph_node.settings import NodeSettings

    node = GraphService(NodeSettings(home=tampered_run["home"], events="none"))
    try:
        stats = node.stats("sec")
        credited = node.query_staging(
            "sec",
            "SELECT table_name, sum(rows_added) FROM file_registry "
            "WHERE status = 'materialized' GROUP BY table_name",
        )["rows"]
        apple = node.query_staging(
            "sec",
            "SELECT table_name, status FROM file_registry WHERE source_unit = ?",
            [APPLE],
        )["rows"]
        intents = node.query_staging("sec", "SELECT count(*) FROM write_intents")["rows"]
        apple_report = node.query_cypher(
            "sec", "MATCH (r:Report) WHERE r.id = $id RETURN count(*)", {"id": APPLE}
        )["rows"]
        node.rebuild("sec")
        rebuilt = node.stats("sec")
    finally:
        node.close()

    # Apple failed at FACT_HAS_ELEMENT: the tables materialized before it were taken out
    assert apple and {status for _, status in apple} == {"deleted"}
    assert apple_report == [[0]]
    assert intents == [[0]]
    # a filing's own rows are credited to it alone; shared nodes (Element, Period...) that
    # Apple's files had added stay where a loaded filing ships them too
    credits = {t: int(n) for t, n in credited if n}
    for table in ("Report", "Fact", "REPORT_HAS_FACT", "FACT_HAS_ELEMENT"):
        assert stats["nodes"].get(table, stats["relationships"].get(table)) == credits[table]
    assert (stats["nodes"], stats["relationships"]) == (rebuilt["nodes"], rebuilt["relationships"])


def test_the_summary_counts_each_filings_manifest_warnings(first_run: dict) -> None:
    warnings = {f["source_unit"]: f["warnings"] for f in first_run["filings"]}
    text = render.sec_summary(first_run)

    # missing offline taxonomy files (us-roles, ecd, ...), Arelle's message codes, and one
    # per schema missing whose concepts arcs link (ecd; Boeing's sic, stpr; Tesla's exch);
    # to act on, the summary adds one per schema missing whose concepts facts are of (ecd),
    # in the JSON's count as in the table's column
    assert warnings == {
        APPLE: 6, AMAZON: 1, "0000012927-24-000010": 10, "0001628280-24-032662": 8,
        "sha256-612e20f7341de3f049e163c6": 1,
    }  # fmt: skip
    to_act_on = {f["source_unit"]: f["warnings_to_act_on"] for f in first_run["filings"]}
    lost = {unit: [int(w.split()[3]) for w in lines] for unit, lines in to_act_on.items()}
    assert lost == {
        APPLE: [95, 15], AMAZON: [], "0000012927-24-000010": [91, 2, 2, 8],
        "0001628280-24-032662": [95, 2, 14], "sha256-612e20f7341de3f049e163c6": [],
    }  # fmt: skip
    assert to_act_on[APPLE][1] == (
        "facts not loaded: 15 facts of namespace http://xbrl.sec.gov/ecd/2023 rejected, their "
        "schema not available offline, https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd; add the "
        "schema to a taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE), remove the filing "
        "(delete-source) and load it again"
    )
    # the warnings column counts the manifest's warnings and the facts WARNINGs: Tesla 7 + 1;
    # each cell is the JSON line's value
    tesla = next(line for line in text.splitlines() if line.startswith("0001628280-24-032662 "))
    assert tesla.split()[3:13] == [
        "loaded", "1149", "1045", "1045", "0", "14", "90", "0", "0", "8"
    ]  # fmt: skip
    by_unit = {f["source_unit"]: f for f in first_run["filings"]}
    assert [by_unit["0001628280-24-032662"][k] for k in ROW_COUNTS] == [
        1149, 1045, 1045, 0, 14, 90, 0, 0, 8
    ]  # fmt: skip
    rows = {line.split()[0]: line.split()[12] for line in text.splitlines()[2:7]}
    assert rows == {
        APPLE: "6", AMAZON: "1", "0000012927-24-000010": "10", "0001628280-24-032662": "8",
        "sha256-612e20f7341de3f049e163c6": "1",
    }  # fmt: skip
    # the schemas' WARNINGs are told once for the run, per schema and filing
    assert not [line for line in text.splitlines() if " not loaded: " in line]
    start = text.index("WARNING 4 schemas")
    assert text[start:].splitlines()[:6] == [
        "WARNING 4 schemas not available offline: the facts and arcs of their concepts are "
        "not in the graph",
        f"  https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd: {APPLE} 15 facts, 95 arcs; "
        "0000012927-24-000010 8 facts, 91 arcs; 0001628280-24-032662 14 facts, 95 arcs",
        "  https://xbrl.sec.gov/sic/2023/sic-2023.xsd: 0000012927-24-000010 2 arcs",
        "  https://xbrl.sec.gov/stpr/2023/stpr-2023.xsd: 0000012927-24-000010 2 arcs",
        "  https://xbrl.sec.gov/exch/2023/exch-2023.xsd: 0001628280-24-032662 2 arcs",
        "  to load them: add the schemas to a taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE), "
        f"remove each filing ({first_run['delete_command']} <filing>) and run again; a "
        "filing's manifest names the networks that lost arcs",
    ]
    # nothing else needs acting on: no advice for other WARNINGs
    assert "a filing loaded with a WARNING keeps" not in text
    assert to_act_on[APPLE][0] == (
        "arcs not loaded: 95 arcs of 6 networks link concepts of a schema not available "
        "offline, https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd; 5 of those networks keep no arc "
        "(Network.arcs_not_loaded counts them per network); add the schema to a taxonomy "
        "cache (LEDGERGRAPH_TAXONOMY_CACHE), remove the filing (delete-source) and load it again"
    )
    assert to_act_on["0000012927-24-000010"][1].startswith(
        "arcs not loaded: 2 arcs of 1 network link concepts of a schema not available offline, "
        "https://xbrl.sec.gov/sic/2023/sic-2023.xsd (Network.arcs_not_loaded counts"
    )
    # the schemas' WARNING is the only line for the ecd facts: no 'rejected' line repeats it
    assert not [line for line in text.splitlines() if ": rejected " in line]
    assert (
        "\nwarnings: 23 in the manifests of 5 filings (taxonomy files not available offline, "
        "Arelle's messages; those that need you are marked WARNING above), listed in full in "
        f"{first_run['manifest_path']}; the warnings column counts 3 more, one per filing "
        "and schema above whose facts the filing lost (read from its rejected facts, in no "
        "manifest)\n"
    ) in text
    assert first_run["manifest_path"].endswith("/store/processed/sec/<filing>/manifest.json")


def test_a_package_stating_another_form_than_its_document_is_flagged_on_its_filing(
    tmp_path: Path, capsys
) -> None:
    source = tmp_path / "source"
    package = source / "tsla-10q-2024-06-30"
    shutil.copytree(SAMPLE_SEC / package.name, package)
    sidecar = json.loads((package / "filing.json").read_text())
    (package / "filing.json").write_text(json.dumps(sidecar | {"form": "10-K"}))
    home = tmp_path / "h"

    code, summary = run_cli(
        capsys, "sec", "run", "--source", str(source), "--home", str(home), "--json"
    )

    assert code == 0  # loaded; the warning is for the user to act on
    (tesla,) = summary["filings"]
    mismatch = (
        "form 10-Q in the document (dei:DocumentType), 10-K in the package (filing.json); "
        "the graph's Report says 10-K"
    )
    assert (tesla["form"], tesla["warnings"], tesla["warnings_to_act_on"][0]) == (
        "10-K", 9, mismatch
    )  # fmt: skip
    text = render.sec_summary(summary).splitlines()
    assert text[2].split()[-2] == "9"  # 8 of the manifest and the ecd facts' WARNING
    assert f"0001628280-24-032662: WARNING {mismatch}" in text
    assert (
        "a filing loaded with a WARNING keeps what it loaded: once what the WARNING names "
        "is fixed (its package, a taxonomy cache), remove it (ledgergraph delete-source "
        f"--home {home} 0001628280-24-032662) and run again"
    ) in text
