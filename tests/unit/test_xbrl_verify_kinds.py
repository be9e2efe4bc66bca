"""``verify`` says what its differences are made of, on AEON's 10-Q with its graph edited.

AEON's bundled 10-Q (inline, 1,132 facts) is loaded by ``sec run``; then, in the graph file
itself, as a load stopped half way leaves it: the 2023-09-30 cash fact
(Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3, 16,177 thousand USD) loses its unit link, the number of
reportable segments (Hidden_tkt26LTuY0ysokdxMUsh9Q) is gone, and the cash with restricted
cash (Tc_VEAvVwGn9kyK4e_acQs0nQ_29_7) says decimals -6 where the document says -3. The fact
without its unit is no longer the document's fact: it is missing once and extra once, so
the differences can outnumber the facts compared unless the line says which is which.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import real_ladybug as lb
from xbrl_samples import SAMPLE_SEC

from localrun.cli import main as cli

CASH = "Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3"
SEGMENTS = "Hidden_tkt26LTuY0ysokdxMUsh9Q"
RESTRICTED = "Tc_VEAvVwGn9kyK4e_acQs0nQ_29_7"
AEON = "sha256-612e20f7341de3f049e163c6"
EDITS = [
    f"MATCH (f:Fact)-[u:FACT_HAS_UNIT]->(:Unit) WHERE f.fact_xml_id = '{CASH}' DELETE u",
    f"MATCH (f:Fact) WHERE f.fact_xml_id = '{SEGMENTS}' DETACH DELETE f",
    f"MATCH (f:Fact) WHERE f.fact_xml_id = '{RESTRICTED}' SET f.decimals = -6",
]
KINDS = "2 missing from the graph, 1 extra in the graph, 1 different"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from localrun.sec_run import run_sec_from_folder

    root = tmp_path_factory.mktemp("verify_kinds")
    shutil.copytree(SAMPLE_SEC / "aeon-10q-2023-09-30", root / "source" / "aeon")
    summary = run_sec_from_folder(root / "source", home=root / "home", graph_id="sec",
                                  batch_size=4)  # fmt: skip
    assert summary["ok"], summary
    database = lb.Database(str(root / "home" / "graphs" / "sec" / "graph.lbug"))
    connection = lb.Connection(database)
    for edit in EDITS:
        connection.execute(edit)
    connection.execute("CHECKPOINT")
    connection.close()
    database.close()
    return root / "home"


def test_json_counts_each_kind_of_difference(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(["verify", "--home", str(home), "--json"])
    report = json.loads(capsys.readouterr().out)
    [check] = report["filings"]

    assert code == 1
    assert (check["report"], check["arelle_facts"], check["graph_facts"]) == (AEON, 1132, 1131)
    assert (check["difference_count"], check["missing_from_graph"], check["extra_in_graph"],
            check["different"]) == (4, 2, 1, 1)  # fmt: skip
    assert (report["compared"], report["differences"]) == (1132, 4)
    kinds = ("missing_from_graph", "extra_in_graph", "different", "errors")
    assert {kind: report[kind] for kind in kinds} == dict(zip(kinds, (2, 1, 1, 0), strict=True))
    assert report["summary"] == f"compared 1132 facts in 1 filings, 4 differences ({KINDS})"


def test_the_filing_line_and_the_summary_line_name_the_kinds(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli(["verify", "--home", str(home)])
    lines = capsys.readouterr().out.strip().splitlines()
    shown = lines[1:5]

    assert code == 1
    assert lines[0].endswith(f"Arelle 1132: 4 differences ({KINDS})")
    assert sorted(line.split(":")[0].strip() for line in shown) == [
        "differs", "only in Arelle's export", "only in Arelle's export", "only in the graph"
    ]  # fmt: skip
    assert lines[-1] == f"compared 1132 facts in 1 filings, 4 differences ({KINDS})"
