"""A run that gives Elements the definition an earlier run's filing lacked says so.

The first run loads Apple's 10-K edited to import us-gaap, srt and dei of 2025
(``apple_of_2025_unnumbered``: the bundled taxonomy cache has 2022 to 2024), whose
Elements and ElementDefinitions of 21 axes and members stay undefined. The second run
loads the real 10-K: it adds its own facts, and the 21 nodes of each table, held
undefined, take its definitions, as Apple's Entity and the 3 Taxonomy nodes of the
schemas the copy named but could not load take its rows. No fact is updated, so
the rows add up as before; the updates are told under the table, in the closing line and
in the JSON summary.
"""

from __future__ import annotations

import json

import pytest

from localrun import render
from localrun.cli import main as cli
from localrun.sec_run import run_sec_from_folder
from tests.unit.xbrl_samples import APPLE, SAMPLE_SEC, apple_of_2025_unnumbered

pytestmark = pytest.mark.slow

ACCESSION = "0000320193-23-000106"
UPDATED = {"Entity": 1, "Taxonomy": 3, "Element": 21, "ElementDefinition": 21}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A home whose graph holds the edited 10-K, its 21 axes and members undefined."""
    root = tmp_path_factory.mktemp("later_definition")
    home = root / "home"
    apple_of_2025_unnumbered(root / "undefined" / APPLE)
    first = run_sec_from_folder(root / "undefined", home=home, graph_id="sec", batch_size=1)
    assert first["ok"], first
    [line] = first["filings"]
    assert line["source_unit"].startswith("sha256-")
    assert line["rows_updated"] == {}  # its Entity and Elements were new
    return str(home)


def _run_real_10k(home: str, capsys: pytest.CaptureFixture[str], *json_flag: str) -> str:
    code = cli(["sec", "run", "--source", str(SAMPLE_SEC / APPLE), "--home", home,
                *json_flag])  # fmt: skip
    assert code == 0
    return capsys.readouterr().out


def test_the_summary_counts_the_nodes_a_later_filing_defines(
    home: str, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = json.loads(_run_real_10k(home, capsys, "--json"))

    [line] = summary["filings"]
    assert (line["source_unit"], line["status"]) == (ACCESSION, "loaded")
    assert line["rows_updated"] == UPDATED
    assert summary["totals"]["rows_updated"] == UPDATED
    # the facts are the real 10-K's own, none updated: the row adds up as before
    counts = ("facts_in_document", "facts_loaded", "facts_added", "facts_present",
              "facts_rejected", "duplicates_collapsed")  # fmt: skip
    assert tuple(line[c] for c in counts) == (1164, 1060, 1060, 0, 15, 89)

    text = render.sec_summary(summary).splitlines()
    assert f"{ACCESSION}: updated 1 Entity, 21 Element, 21 ElementDefinition, 3 Taxonomy" in text
    [note] = [t for t in text if t.startswith("updated: ")]
    assert note.endswith(
        "; an Entity takes what the filing loaded last states about its filer; an Element "
        "or ElementDefinition that an earlier filing brought without its definition (its "
        "schema not available offline then) takes the filing's; a Taxonomy an earlier "
        "filing named without loading its schema takes the row of the filing that loads it"
    )
    assert text[-1].endswith(
        "1060 facts offered, 1060 added, 0 already present; "
        "updated 1 Entity, 21 Element, 21 ElementDefinition, 3 Taxonomy"
    )

    # run again: everything present, nothing updated
    again = _run_real_10k(home, capsys).splitlines()
    assert not [t for t in again if "updated" in t]
    assert again[-1].endswith("1060 facts offered, 0 added, 1060 already present")
