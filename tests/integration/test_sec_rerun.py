"""Running a filing already in the graph again: nothing stored is lost or half-written.

One graph holds Apple's real FY2023 10-K. A changed package under the same accession
number is refused before anything is written, and ``verify`` still finds the graph equal
to the raw package; ``delete-source`` then makes room for it. Output a rerun writes for a
loaded filing that the graph node then refuses is put back as it was, and the filing's line
says what the graph holds of it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from ledgergraph.manifest import SourceUnitManifest, error_key, manifest_key
from ledgergraph.objectstore import LocalObjectStore
from localrun import render
from localrun.cli import main as cli
from localrun.loaded_units import kept_outputs, read_loaded_units
from localrun.sec_run import run_sec_from_folder

SAMPLE_SEC = Path(__file__).resolve().parents[2] / "sample_data" / "sec"
APPLE = "0000320193-23-000106"
FY2023 = ("2022-09-25", "2023-09-30")
REVENUE = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"

pytestmark = pytest.mark.slow


def _apple_source(root: Path, *, revenue: str | None = None) -> Path:
    """A source folder with a copy of Apple's package (FY2023 revenue maybe changed)."""
    package = root / "aapl-10k-2023-09-30"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", package)
    if revenue is not None:
        instance = package / "aapl-20230930_htm.xml"
        text = instance.read_text(encoding="utf-8")
        assert text.count(">383285000000<") == 3  # the three facts in context c-1
        text = text.replace(">383285000000<", f">{revenue}<")
        instance.write_text(text, encoding="utf-8")
    return root


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _stored(home: Path) -> dict[str, dict[str, str]]:
    store = home / "store"
    return {
        "raw": _digests(store / "raw" / "sec" / "320193" / APPLE),
        "processed": _digests(store / "processed" / "sec" / APPLE),
    }


def _cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object]:
    code = cli([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def _revenue(capsys: pytest.CaptureFixture[str], home: Path) -> list[str]:
    """Apple's FY2023 revenue values in the graph (undimensioned, whole year)."""
    code, rows = _cli_json(
        capsys, "facts", "--home", str(home), "--concept", REVENUE, "--cik", "320193"
    )
    assert code == 0
    return [
        r["value_decimal"]
        for r in rows
        if (r["start_date"], r["end_date"]) == FY2023 and not r["dimensions"]
    ]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rerun")
    source = _apple_source(root / "source")
    home = root / "home"
    summary = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=3)
    assert summary["ok"], summary
    return home


def test_a_changed_package_of_a_loaded_filing_is_refused_and_nothing_changes(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _stored(home)
    source = _apple_source(tmp_path / "source", revenue="383285000001")

    summary = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=3)

    assert (summary["ok"], summary["loaded"], summary["failed"]) == (False, 0, 1)
    [line] = summary["filings"]
    assert (line["source_unit"], line["error_type"]) == (APPLE, "PackageConflict")
    assert (line["cik"], line["form"]) == (320193, "10-K")
    assert "(changed aapl-20230930_htm.xml)" in line["error"]
    assert f"ledgergraph delete-source --home {home} {APPLE}" in line["error"]
    assert _stored(home) == before
    code, report = _cli_json(capsys, "verify", "--home", str(home))
    [check] = report["filings"]
    assert (code, check["report"], check["difference_count"]) == (0, APPLE, 0)
    assert check["graph_facts"] == check["arelle_facts"] == 1149
    assert _revenue(capsys, home) == ["383285000000"]  # the three facts are one fact


def test_output_a_rerun_writes_for_a_loaded_filing_is_put_back(home: Path) -> None:
    store = LocalObjectStore(home / "store")
    loaded = read_loaded_units(home, "sec", [APPLE, "0000012927-24-000010"])
    assert list(loaded) == [APPLE] and len(loaded[APPLE]) == 37
    before = _stored(home)["processed"]
    stored_manifest = store.get_bytes(manifest_key("sec", APPLE))
    manifest = SourceUnitManifest.model_validate_json(stored_manifest)
    fact_key = next(t.key for t in manifest.tables if t.table == "Fact")
    report_bytes = store.get_bytes(fact_key.replace("Fact", "Report"))

    with kept_outputs(store, "sec", loaded) as restored:  # the same output written again
        store.put_bytes(fact_key, store.get_bytes(fact_key))
        store.put_bytes(manifest_key("sec", APPLE), stored_manifest)
    assert restored == set() and _stored(home)["processed"] == before

    # other output, as a changed taxonomy cache gives
    with kept_outputs(store, "sec", loaded) as restored:
        store.put_bytes(fact_key, report_bytes)
        new_checksum = "sha256:" + hashlib.sha256(report_bytes).hexdigest()
        changed = [
            t.model_copy(update={"checksum": new_checksum}) if t.table == "Fact" else t
            for t in manifest.tables
        ]
        rewritten = manifest.model_copy(update={"tables": changed})
        store.put_bytes(manifest_key("sec", APPLE), rewritten.model_dump_json().encode())
    assert restored == {APPLE} and _stored(home)["processed"] == before

    with kept_outputs(store, "sec", loaded) as restored:  # the filing failed to process
        store.delete(manifest_key("sec", APPLE))
        store.put_bytes(error_key("sec", APPLE), b'{"error": "FilingNotLoadable"}')
    assert restored == {APPLE} and _stored(home)["processed"] == before
    assert not list(home.glob(".kept-outputs-*"))


def test_after_delete_source_the_changed_package_loads(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "home"
    shutil.copytree(home, copy)
    source = _apple_source(tmp_path / "source", revenue="383285000001")

    code, deleted = _cli_json(capsys, "delete-source", "--home", str(copy), APPLE)
    summary = run_sec_from_folder(source, home=copy, graph_id="sec", batch_size=3)

    assert (code, deleted["files"]) == (0, 37)
    assert summary["ok"] and summary["loaded"] == 1, summary
    assert _stored(copy)["raw"] == _digests(source / "aapl-10k-2023-09-30")
    assert _revenue(capsys, copy) == ["383285000001"]
    code, report = _cli_json(capsys, "verify", "--home", str(copy))
    assert (code, report["differences"]) == (0, 0)


DEI = ("https://xbrl.sec.gov/dei/2023/dei-2023.xsd", "https://xbrl.sec.gov/dei/2025/dei-2025.xsd")


def _apple_of_dei_2025(root: Path) -> Path:
    """A source folder with a copy of Apple's package whose schema and linkbases refer to
    dei's schema of 2025, which the bundled cache lacks (it has 2022 to 2024)."""
    package = root / "aapl-10k-2023-09-30"
    shutil.copytree(SAMPLE_SEC / package.name, package)
    for path in package.glob("aapl-20230930*"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(*DEI), encoding="utf-8")
    return root


def test_a_filing_loaded_without_a_schema_warns_and_a_rerun_refused_keeps_its_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, home = _apple_of_dei_2025(tmp_path / "source"), tmp_path / "home"
    monkeypatch.delenv("LEDGERGRAPH_TAXONOMY_CACHE", raising=False)
    first = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=3)
    [line] = first["filings"]
    assert (line["status"], line["rejected_reasons"]) == ("loaded", {
        "concept not defined: namespace http://xbrl.sec.gov/dei/2023 (schema not in taxonomy "
        f"cache: {DEI[1]})": 65,
        "concept not defined: namespace http://xbrl.sec.gov/ecd/2023 (schema not in taxonomy "
        "cache: https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd)": 15,
    })  # fmt: skip
    text = render.sec_summary(first)
    assert f"  {DEI[1]}: {APPLE} 65 facts, " in text
    # one filing, in the singular
    assert text.splitlines()[-1].startswith("1 filing loaded, 0 failed in ")
    assert "warnings: 7 in the manifest of 1 filing (" in text
    assert (
        f"remove the filing (ledgergraph delete-source --home {home} {APPLE}) and run again"
    ) in text

    # the schema given (dei's of 2023 standing in for 2025's), without delete-source first
    cache = tmp_path / "cache" / "https" / "xbrl.sec.gov" / "dei" / "2025"
    cache.mkdir(parents=True)
    bundled = SAMPLE_SEC.parent / "taxonomies" / "cache" / "https" / "xbrl.sec.gov" / "dei"
    shutil.copy(bundled / "2023" / "dei-2023.xsd", cache / "dei-2025.xsd")
    monkeypatch.setenv("LEDGERGRAPH_TAXONOMY_CACHE", str(tmp_path / "cache"))
    again = run_sec_from_folder(source, home=home, graph_id="sec", batch_size=3)

    [refused] = again["filings"]
    assert (again["ok"], refused["status"], refused["error_type"]) == (
        False, "failed", "GraphNodeRejected"
    )  # fmt: skip
    assert "409 FileConflict" in refused["error"]
    # the line counts the load the graph keeps, as the table does: its facts present, what
    # it rejected (the 80 facts of the dei and ecd schemas the first run lacked), collapsed
    # and warned of; this run offered and added none
    counts = ("facts_in_document", "facts_loaded", "facts_added", "facts_present",
              "facts_rejected", "duplicates_collapsed", "duplicates_consistent",
              "duplicates_inconsistent", "warnings")  # fmt: skip
    assert [line[k] for k in counts] == [1164, 995, 995, 0, 80, 89, 4, 0, 9]
    assert [refused[k] for k in counts] == [1164, 0, 0, 995, 80, 89, 4, 0, 9]
    assert refused["earlier_load_kept"]
    assert refused["rejected_reasons"] == line["rejected_reasons"]
    assert refused["warnings_to_act_on"] == line["warnings_to_act_on"]  # the graph's load
    assert 1164 == 995 + 80 + 89  # in document = present + rejected + dupes
    totals = again["totals"]
    assert [totals[k] for k in counts] == [refused[k] for k in counts]
    text = render.sec_summary(again).splitlines()
    row = next(t for t in text if t.startswith(f"{APPLE} "))
    cells = [str(refused[k]) for k in counts if k != "facts_loaded"]
    assert row.split()[3:15] == ["failed", "(already", "loaded)", "1164", "0", *cells[1:]]
    # the closing line's present is the column's: the kept load's facts, told apart
    assert text[-1].endswith(
        "; 0 facts offered, 0 added, 995 already present (0 offered this run, 995 kept "
        "from an earlier run's load of 1 refused filing)"
    )
    assert text[-1].startswith("0 filings loaded, 1 failed in ")
    (failed,) = [t for t in text if "FAILED" in t]
    assert (
        f"FAILED, already in the graph from an earlier run: {line['facts_loaded']} facts" in failed
        and f"delete-source --home {home} {APPLE}, then run again" in failed
    )
    assert "facts rejected" not in failed
