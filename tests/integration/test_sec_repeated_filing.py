"""Two packages of one filing in one run, and a changed package of a loaded filing.

Real copies of Amazon's FY2022 10-K: ``a2`` has one value of its instance edited
(36410000000 to 136410000000), so it gives the same accession number with other files.
Given beside the original in one run, neither is loaded and the rest of the run goes on;
given once the original is loaded, it is refused and its row counts the load the graph
keeps (1341 facts), not a load of its own.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from localrun import render
from localrun.cli import main as cli

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
AMAZON = "0001018724-23-000004"
TESLA = "0001628280-24-032662"
INSTANCE = "amzn-20221231_htm.xml"
# Amazon's row once loaded: in filing, offered, added, present, rejected, dupes,
# consistent, inconsistent, warnings
COUNTS = ("facts_in_document", "facts_loaded", "facts_added", "facts_present",
          "facts_rejected", "duplicates_collapsed", "duplicates_consistent",
          "duplicates_inconsistent", "warnings")  # fmt: skip

pytestmark = pytest.mark.slow


def _amazon(folder: Path, *, edited: bool = False) -> Path:
    """A copy of Amazon's package in ``folder``, one fact's value edited if asked."""
    shutil.copytree(SAMPLE_SEC / "amzn-10k-2022-12-31", folder)
    if edited:
        instance = folder / INSTANCE
        text = instance.read_text(encoding="utf-8")
        assert text.count(">36410000000<") == 1
        instance.write_text(text.replace(">36410000000<", ">136410000000<"), encoding="utf-8")
    return folder


def _run(capsys: pytest.CaptureFixture[str], source: Path, home: Path) -> tuple[int, Any]:
    code = cli(["sec", "run", "--source", str(source), "--home", str(home), "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home whose graph holds Amazon's original package."""
    root = tmp_path_factory.mktemp("amazon")
    code = cli(["sec", "run", "--source", str(_amazon(root / "source" / "a1")),
                "--home", str(root / "home")])  # fmt: skip
    assert code == 0
    return root / "home"


def test_two_packages_of_one_filing_with_other_files_both_fail_and_the_rest_loads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, home = tmp_path / "source", tmp_path / "home"
    first, second = _amazon(source / "a1"), _amazon(source / "a2", edited=True)
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", source / "tsla")

    code, summary = _run(capsys, source, home)

    assert (code, summary["loaded"], summary["failed"], summary["duplicates"]) == (1, 1, 2, 0)
    *amazon, tesla = summary["filings"]  # in folder order: a1, a2, tsla
    assert (tesla["source_unit"], tesla["status"], tesla["facts_added"]) == (TESLA, "loaded", 1045)
    assert [(f["source_unit"], f["folder"], f["status"], f["error_type"]) for f in amazon] == [
        (AMAZON, str(first), "failed", "PackageConflict"),
        (AMAZON, str(second), "failed", "PackageConflict"),
    ]
    assert amazon[1]["error"] == (
        f"folders a2 and a1 both give filing {AMAZON}, with other files ({INSTANCE} "
        "differs); no folder of it was run and nothing was written. Leave only the "
        "package to load in the source folder, then run again"
    )
    assert not (home / "store" / "raw" / "sec" / "1018724").exists()
    assert not any(k in f for f in amazon for k in COUNTS)  # nothing of them counted
    text = render.sec_summary(summary).splitlines()
    # not run: nothing offered, added, present or rejected, so the cells are blank
    assert text[2].split() == [AMAZON, "1018724", "10-K", "failed", "(PackageConflict)", "0.00"]
    assert text[2] == text[3]
    assert text[4].split()[:4] == [TESLA, "1318605", "10-Q", "loaded"]
    assert f"{AMAZON} ({second}): FAILED PackageConflict: {amazon[1]['error']}" in text
    assert text[-1].startswith("1 filing loaded, 2 failed in ")
    assert text[-1].endswith("; 1045 facts offered, 1045 added, 0 already present")


def test_a_changed_package_of_a_loaded_filing_counts_the_load_the_graph_keeps(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = _amazon(tmp_path / "source" / "a2", edited=True)

    code, summary = _run(capsys, tmp_path / "source", home)

    assert (code, summary["loaded"], summary["failed"]) == (1, 0, 1)
    [line] = summary["filings"]
    assert (line["status"], line["error_type"], line["folder"]) == (
        "failed", "PackageConflict", str(changed)
    )  # fmt: skip
    assert line["earlier_load_kept"] and "earlier_load_counted_on" not in line
    # nothing of this package offered or added; the graph keeps the first load's facts
    assert [line[k] for k in COUNTS] == [1457, 0, 0, 1341, 0, 116, 26, 0, 1]
    assert [summary["totals"][k] for k in COUNTS] == [line[k] for k in COUNTS]
    text = render.sec_summary(summary).splitlines()
    assert text[2].split() == [
        AMAZON, "1018724", "10-K", "failed", "(already", "loaded)",
        "1457", "0", "0", "1341", "0", "116", "26", "0", "1", "0.00",
    ]  # fmt: skip
    [failed] = [t for t in text if "FAILED" in t]
    assert failed.startswith(
        f"{AMAZON} ({changed}): FAILED, already in the graph from an earlier run: 1341 facts "
        "(present; the row counts that load), none of this run's rejected; PackageConflict: "
        f"filing {AMAZON} is already loaded from another package (changed {INSTANCE}); "
        "nothing was changed."
    )
    assert text[-1].startswith("0 filings loaded, 1 failed in ")
    assert text[-1].endswith(
        "; 0 facts offered, 0 added, 1341 already present (0 offered this run, 1341 kept "
        "from an earlier run's load of 1 refused filing)"
    )


def test_beside_the_loaded_package_a_changed_one_is_refused_and_counted_once(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "source"
    first, changed = _amazon(source / "a1"), _amazon(source / "a2", edited=True)

    code, summary = _run(capsys, source, home)

    assert (code, summary["loaded"], summary["failed"]) == (1, 1, 1)
    loaded, refused = summary["filings"]
    assert (loaded["folder"], loaded["status"]) == (str(first), "loaded")
    assert [loaded[k] for k in COUNTS] == [1457, 1341, 0, 1341, 0, 116, 26, 0, 1]
    assert (refused["folder"], refused["error_type"]) == (str(changed), "PackageConflict")
    assert refused["earlier_load_counted_on"] == str(first)
    assert (refused["facts_loaded"], refused["facts_added"], refused.get("facts_present")) == (
        0, 0, None
    )  # fmt: skip
    assert [summary["totals"][k] for k in COUNTS] == [loaded[k] for k in COUNTS]
    text = render.sec_summary(summary).splitlines()
    assert text[3].split() == [
        AMAZON, "1018724", "10-K", "failed", "(already", "loaded)", "0", "0", "0.00"
    ]  # fmt: skip
    assert (
        f"{AMAZON} ({changed}): FAILED, already in the graph from an earlier run: its facts "
        f"(present; counted on the row of {first}), none of this run's rejected; "
        "PackageConflict: "
    ) in "\n".join(text)
    assert text[-1].endswith("; 1341 facts offered, 0 added, 1341 already present")


def test_a_later_download_of_a_loaded_filing_runs_and_the_stored_one_is_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # two downloads of one filing differ in their download record (its time) alone
    home, first_run = tmp_path / "home", tmp_path / "run1"
    _record(_amazon(first_run / "a1"), "2024-01-02T03:04:05+00:00")
    assert _run(capsys, first_run, home)[0] == 0
    source = tmp_path / "run2"
    later = _amazon(source / "a0")
    _record(later, "2024-02-03T04:05:06+00:00")
    stored = shutil.copytree(first_run / "a1", source / "a1")

    code, summary = _run(capsys, source, home)

    # the folder equal to the stored package runs, adding nothing; the other repeats it
    assert (code, summary["loaded"], summary["failed"], summary["duplicates"]) == (0, 1, 0, 1)
    duplicate, loaded = summary["filings"]  # in folder order: a0, a1
    assert (loaded["folder"], loaded["status"]) == (str(stored), "loaded")
    assert [loaded[k] for k in COUNTS] == [1457, 1341, 0, 1341, 0, 116, 26, 0, 1]
    assert (duplicate["folder"], duplicate["status"]) == (str(later), "duplicate")
    assert duplicate["error"] == (
        f"same filing ({AMAZON}) and the same files as folder a1; not loaded twice"
    )

    shutil.rmtree(source / "a1")  # next run: the later download alone
    code, summary = _run(capsys, source, home)

    assert (code, summary["loaded"], summary["failed"]) == (0, 1, 0)
    [line] = summary["filings"]
    assert (line["folder"], line["facts_added"], line["facts_present"]) == (str(later), 0, 1341)
    raw = home / "store" / "raw" / "sec" / "1018724" / AMAZON / "download.json"
    assert raw.read_bytes() == (first_run / "a1" / "download.json").read_bytes()  # as loaded


def _record(folder: Path, completed_at: str) -> None:
    """A download record of Amazon's filing in ``folder``, as the EDGAR download writes."""
    record = {"accession_number": AMAZON, "cik": 1018724, "source": "files",
              "entry_point": INSTANCE, "completed_at": completed_at}  # fmt: skip
    (folder / "download.json").write_text(json.dumps(record), encoding="utf-8")
