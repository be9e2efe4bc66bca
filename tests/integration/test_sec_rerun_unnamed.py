"""A report loaded without an accession number: a changed copy of it is refused.

One graph holds AEON Biopharma's real Q3 2023 10-Q, whose package names no accession
number, so its source unit is the sha256 of its entry point. A copy with one fact edited
has another unit; it is refused as the same report before anything is written, the same
package again adds nothing, and another registrant's package without an accession number
in the same run loads.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from localrun.cli import main as cli
from localrun.sec_run import run_sec_from_folder
from tests.fakes.sec_packages import aeon_package

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
AEON = "aeon-10q-2023-09-30"
AEON_UNIT = "sha256-612e20f7341de3f049e163c6"
AEON_FACTS = 970

pytestmark = pytest.mark.slow


def _aeon_source(root: Path, *, cash: str | None = None) -> Path:
    """A source folder with a copy of AEON's package (its cash at 2023-09-30 maybe edited)."""
    aeon_package(root, cash=cash)
    return root


def _tree(folder: Path) -> dict[str, int]:
    """Relative path -> size of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): p.stat().st_size
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _stats(capsys: pytest.CaptureFixture[str], home: Path) -> dict[str, dict[str, int]]:
    code = cli(["stats", "--home", str(home), "--json"])
    stats = json.loads(capsys.readouterr().out)
    assert code == 0
    return {"nodes": stats["nodes"], "relationships": stats["relationships"]}


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("unnamed")
    home = root / "home"
    summary = run_sec_from_folder(_aeon_source(root / "source"), home=home, graph_id="sec",
                                  batch_size=3)  # fmt: skip
    assert summary["ok"], summary
    [line] = summary["filings"]
    assert (line["source_unit"], line["facts_added"]) == (AEON_UNIT, AEON_FACTS)
    return home


def test_a_changed_copy_of_a_loaded_report_is_refused_and_nothing_changes(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = _stats(capsys, home)
    store = _tree(home / "store" / "raw") | _tree(home / "store" / "processed")
    source = _aeon_source(tmp_path / "source", cash="16,178")

    summary = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=3)

    assert (summary["ok"], summary["loaded"], summary["failed"]) == (False, 0, 1)
    [line] = summary["filings"]
    assert line["source_unit"].startswith("sha256-") and line["source_unit"] != AEON_UNIT
    assert (line["folder"], line["error_type"]) == (str(source / AEON), "PackageConflict")
    assert (line["cik"], line["form"]) == (1837607, "10-Q")  # from its cover page
    assert line["error"].startswith(
        f"package folder {AEON}: the graph already holds this report (10-Q of CIK 1837607 "
        f"for the period ending 2023-09-30, fiscal 2023 Q3) as {AEON_UNIT}"
    )
    assert f"ledgergraph delete-source --home {home} {AEON_UNIT}, then run" in line["error"]
    # nothing of the copy offered; its row counts the load the graph keeps of the report
    assert line["earlier_load_kept"]
    assert (line["facts_loaded"], line["facts_added"], line["facts_present"]) == (
        0, 0, AEON_FACTS
    )  # fmt: skip
    assert summary["totals"]["facts_present"] == AEON_FACTS
    assert _stats(capsys, home) == stats
    assert stats["nodes"]["Report"] == 1 and stats["nodes"]["Fact"] == AEON_FACTS
    assert _tree(home / "store" / "raw") | _tree(home / "store" / "processed") == store


def test_the_same_package_again_adds_nothing(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = _stats(capsys, home)

    summary = run_sec_from_folder(
        _aeon_source(tmp_path / "source"), home=home, graph_id="sec", batch_size=3
    )

    assert summary["ok"] and summary["loaded"] == 1, summary
    [line] = summary["filings"]
    assert (line["source_unit"], line["facts_added"]) == (AEON_UNIT, 0)
    assert line["facts_loaded"] == AEON_FACTS
    assert _stats(capsys, home) == stats


def test_another_registrants_package_without_accession_loads_beside_the_refusal(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    source = _aeon_source(tmp_path / "source", cash="16,178")
    tesla = source / "tsla-10q-2024-06-30"
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", tesla)
    (tesla / "filing.json").unlink()  # no accession number: known by its content

    summary = run_sec_from_folder(source, home=copy, graph_id="sec", batch_size=3)

    assert (summary["loaded"], summary["failed"]) == (1, 1), summary
    lines = {line["folder"]: line for line in summary["filings"]}
    assert lines[str(source / AEON)]["error_type"] == "PackageConflict"
    loaded = lines[str(tesla)]
    assert loaded["status"] == "loaded" and loaded["source_unit"].startswith("sha256-")
    code = cli(["query", "--home", str(copy), "--json",
                "MATCH (r:Report) RETURN r.id, r.form ORDER BY r.id"])  # fmt: skip
    answer = json.loads(capsys.readouterr().out)
    assert code == 0
    assert sorted(map(tuple, answer["rows"])) == sorted(
        [(AEON_UNIT, "10-Q"), (loaded["source_unit"], "10-Q")]
    )
