"""The two extra real filings of ``sample_data/sec_more`` through the local pipeline.

Corsair's FY2024 10-K carries its linkbases inside the extension schema (no _pre, _cal,
_def or _lab file), a layout none of the five bundled filings has; Global Arena's Q3 2024
10-Q is a shell-size filer's. Both use the 2024 taxonomies. They load once per module into
one graph, and ``verify`` runs once over it; every expected value below was read from the
filing's own XML (instance, or the linkbases embedded in ``crsr-20241231.xsd``).
"""

from __future__ import annotations

import json
from contextlib import redirect_stdout
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest

from localrun.cli import main as cli

SAMPLE_MORE = Path(__file__).resolve().parents[2] / "sample_data" / "sec_more"
# neither package records its accession number: the reports are named by their content
CORSAIR = "sha256-cd1b52a95f716f69a6e7f426"
GLOBAL_ARENA = "sha256-37b2579c8e70db8a8e4c0d0a"
ECD_ROLES = "http://xbrl.sec.gov/ecd/role/"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("more") / "home"


@pytest.fixture(scope="module")
def run(home: Path) -> dict:
    from localrun.sec_run import run_sec_from_folder

    return run_sec_from_folder(SAMPLE_MORE, home=home, graph_id="sec", batch_size=2)


@pytest.fixture(scope="module")
def verdict(run: dict, home: Path) -> tuple[int, dict]:
    out = StringIO()
    with redirect_stdout(out):
        code = cli(["verify", "--home", str(home), "--json"])
    return code, json.loads(out.getvalue())


def query(capsys: pytest.CaptureFixture[str], home: Path, cypher: str, **params: object):
    """The rows of a Cypher query, run through the CLI a user runs."""
    argv = ["query", "--home", str(home), "--json", cypher]
    for name, value in params.items():
        argv += ["--param", f"{name}={json.dumps(value)}"]
    code = cli(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)["rows"]


def test_both_filings_load_and_every_fact_is_accounted_for(run: dict) -> None:
    assert run["ok"], run
    counts = {
        f["source_unit"]: (
            f["status"], f["cik"], f["form"], f["facts_in_document"], f["facts_loaded"],
            f["duplicates_collapsed"], f["facts_rejected"],
        )
        for f in run["filings"]
    }  # fmt: skip

    # Corsair: 1346 = 1220 + 112 + 14, the 14 ecd facts (no ecd 2024 schema offline)
    assert counts == {
        CORSAIR: ("loaded", 1743759, "10-K", 1346, 1220, 112, 14),
        GLOBAL_ARENA: ("loaded", 1138724, "10-Q", 899, 868, 31, 0),
    }


def test_corsair_fy2024_revenue_is_exact_in_its_context(run: dict, home: Path, capsys) -> None:
    rows = query(
        capsys, home,
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_PERIOD]->(p:Period) "
        "WHERE r.id = $report AND f.concept = $concept AND f.context_id = $context "
        "RETURN f.value_decimal, f.decimals, f.unit_ref, f.occurrences, p.start_date, "
        "p.end_date",
        report=CORSAIR,
        concept="us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
        context="C_8b3be59c-524d-4cd3-a2eb-8399c8559853",
    )  # fmt: skip

    # <us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax decimals="-3"
    # unitRef="U_USD">1316379000</...>, four times in the instance: one Fact node
    ((value, decimals, unit, occurrences, start, end),) = rows
    assert Decimal(value) == Decimal("1316379000")
    assert (decimals, unit, occurrences) == ("-3", "U_USD", 4)
    assert (start, end) == ("2024-01-01", "2024-12-31")


def test_corsair_networks_come_from_the_linkbases_embedded_in_its_schema(
    run: dict, home: Path, capsys
) -> None:
    networks = query(
        capsys, home,
        "MATCH (r:Report)-[:REPORT_HAS_NETWORK]->(n:Network) WHERE r.id = $report "
        "RETURN n.role_uri, n.arcs_not_loaded ORDER BY n.role_uri",
        report=CORSAIR,
    )  # fmt: skip
    arcs = query(
        capsys, home,
        "MATCH (r:Report)-[:REPORT_HAS_NETWORK]->(n:Network)-[:NETWORK_HAS_ARC]->(a:Arc) "
        "WHERE r.id = $report AND a.link_kind = 'presentation' "
        "RETURN count(a), count(DISTINCT n)",
        report=CORSAIR,
    )  # fmt: skip

    # crsr-20241231.xsd embeds 107 roles (101 presentation, 22 calculation, 43 definition
    # links); the official SRT 2024 schema brings its extensible enumeration role
    assert len(networks) == 108
    # the schema's 1171 presentation arcs, less the 6 linking ecd concepts, in 100 of its
    # 101 presentation roles: the insider trading one links ecd concepts only
    assert arcs == [[1165, 100]]
    assert [row for row in networks if row[1]] == [
        [f"{ECD_ROLES}IndividualsOnly", 2],
        [f"{ECD_ROLES}InsiderTradingArrangements", 6],
        [f"{ECD_ROLES}TradingArrangementsOnly", 2],
    ]


def test_corsair_labels_are_read_from_the_embedded_label_link(
    run: dict, home: Path, capsys
) -> None:
    def labels(concept: str) -> list[list[str]]:
        return query(
            capsys, home,
            "MATCH (e:Element)-[:ELEMENT_HAS_LABEL]->(l:Label) "
            "WHERE l.accession_number = $report AND e.id = $concept "
            "RETURN l.role, l.lang, l.text ORDER BY l.role",
            report=CORSAIR, concept=concept,
        )  # fmt: skip

    role = "http://www.xbrl.org/2003/role/"
    total = sum(
        row[0]
        for row in query(
            capsys, home,
            "MATCH (l:Label) WHERE l.accession_number = $report RETURN count(l)",
            report=CORSAIR,
        )
    )  # fmt: skip

    assert total == 2033  # every link:label of the embedded label link
    assert labels("us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax") == [
        [f"{role}label", "en-US", "Revenue from Contract with Customer, Excluding Assessed Tax"],
        [f"{role}terseLabel", "en-US", "Net revenue"],
        [f"{role}verboseLabel", "en-US", "Total net revenue"],
    ]
    # the filing gives NetIncomeLoss no standard label, and the cache has no FASB labels
    assert labels("us-gaap:NetIncomeLoss") == [
        [f"{role}totalLabel", "en-US", "Net loss attributable to Corsair Gaming, Inc."],
        [f"{role}verboseLabel", "en-US", "Net loss attributable to Corsair Gaming, Inc."],
    ]


def test_global_arena_entity_and_report_are_as_stated(run: dict, home: Path, capsys) -> None:
    rows = query(
        capsys, home,
        "MATCH (e:Entity)-[:ENTITY_HAS_REPORT]->(r:Report) WHERE r.id = $report "
        "RETURN e.id, e.name, e.filer_category, r.form, r.period_of_report, "
        "r.fiscal_year, r.fiscal_period",
        report=GLOBAL_ARENA,
    )  # fmt: skip

    # dei:EntityRegistrantName as filed, in capitals (filing.json's company is not read)
    assert rows == [
        [
            "0001138724", "GLOBAL ARENA HOLDING, INC.", "Non-accelerated Filer", "10-Q",
            "2024-09-30", 2024, "Q3",
        ]
    ]  # fmt: skip


def test_global_arena_balance_sheet_at_the_quarter_end(run: dict, home: Path, capsys) -> None:
    rows = query(
        capsys, home,
        "MATCH (r:Report)-[:REPORT_HAS_FACT]->(f:Fact)-[:FACT_HAS_CONTEXT]->(c:Context) "
        "WHERE r.id = $report AND f.context_id = 'C_20240930' AND c.dimension_count = 0 "
        "AND f.concept IN ['us-gaap:Assets', 'us-gaap:StockholdersEquity', "
        "'us-gaap:CashAndCashEquivalentsAtCarryingValue'] "
        "RETURN f.concept, f.value_decimal, f.decimals ORDER BY f.concept",
        report=GLOBAL_ARENA,
    )  # fmt: skip

    assert [(c, Decimal(v), d) for c, v, d in rows] == [
        ("us-gaap:Assets", Decimal("744276"), "0"),
        ("us-gaap:CashAndCashEquivalentsAtCarryingValue", Decimal("8138"), "0"),
        ("us-gaap:StockholdersEquity", Decimal("-9632773"), "0"),
    ]


def test_both_filings_match_arelles_own_export(verdict: tuple[int, dict]) -> None:
    code, report = verdict
    checks = {c["report"]: c for c in report["filings"]}

    assert code == 0
    assert sorted(checks) == sorted([CORSAIR, GLOBAL_ARENA])
    for check in checks.values():
        assert check["error"] is None, check
        assert check["difference_count"] == 0, check["differences"]
    # occurrences: Corsair's 1220 facts + 112 duplicates; its 14 ecd facts on neither side
    assert (checks[CORSAIR]["graph_facts"], checks[CORSAIR]["arelle_facts"]) == (1332, 1332)
    assert (checks[GLOBAL_ARENA]["graph_facts"], checks[GLOBAL_ARENA]["arelle_facts"]) == (
        899,
        899,
    )
    assert report["differences"] == 0
