"""Rejected cover-page facts are warnings to act on; folded rejections are counted as such.

A copy of AEON's 10-Q (inline), as the tester edited it: "Septober 31, 2023" for
dei:DocumentPeriodEndDate (its format refuses it) and 00018376 for
dei:EntityCentralIndexKey (no valid CIK), plus "abc" for twenty of its numbers, so that
more value reasons than are listed go to the manifest's warnings.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from xbrl_samples import GRAPH, SAMPLE_SEC, process_packages

from ledgergraph.manifest import SourceUnitManifest, manifest_key
from ledgergraph.objectstore import LocalObjectStore
from localrun import render_run_notes
from xbrl_task.extract import MAX_LISTED_VALUES, NUMBER_UNREADABLE, UNREADABLE_UNLISTED

PERIOD_END = "September&#160;30, 2023</b>"
CIK = 'id="Tc_VY1xYx7k9U2UvS2XEluquw_1_1">0001837607<'
NUMBER = re.compile(r'(format="ixt:numdotdecimal"[^>]*>)([0-9][0-9,]*)(</ix:nonFraction>)')
NUMBERS_EDITED = 20


def _aeon(target: Path) -> Path:
    shutil.copytree(SAMPLE_SEC / "aeon-10q-2023-09-30", target)
    document = target / "aeon-20230930x10q.htm"
    text = document.read_text(encoding="utf-8")
    assert text.count(PERIOD_END) == 1 and text.count(CIK) == 1
    text = text.replace(PERIOD_END, "Septober 31, 2023</b>")
    text = text.replace(CIK, CIK.replace("0001837607", "00018376"))
    text, edited = NUMBER.subn(r"\1abc\3", text, count=NUMBERS_EDITED)
    assert edited == NUMBERS_EDITED
    document.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> SourceUnitManifest:
    root = tmp_path_factory.mktemp("dei")
    store = LocalObjectStore(root / "store")
    (outcome,) = process_packages({"aeon": _aeon(root / "aeon")}, store, "xbrl_dei").values()
    assert outcome.status == "processed"
    data = store.get_bytes(manifest_key(GRAPH, outcome.source_unit))
    return SourceUnitManifest.model_validate_json(data)


def test_a_rejected_period_end_date_is_a_warning_to_act_on(manifest: SourceUnitManifest) -> None:
    cik, period = manifest.warnings_to_act_on  # in document order
    context = "context Duration_1_1_2023_To_9_30_2023_Ebj2XMZXPkeeBZsJQEfMqA"
    assert period == (
        "cover-page fact dei:DocumentPeriodEndDate rejected, the Report's period_of_report "
        "is left empty; fix the package and load it again: value not valid for its type: "
        f"dei:DocumentPeriodEndDate (id Narr_F6za72dbT0Gy7clvq9_mVQ, {context}): format "
        "ixt:datemonthdayyearen refused the displayed text 'Septober 31, 2023'"
    )
    assert cik == (
        "cover-page fact dei:EntityCentralIndexKey rejected, left unstated: its CIK as the "
        "cover page states it (a co-registrant under dei:LegalEntityAxis is then not "
        "recognised); fix the package and load it again: value not valid for its type: "
        f"dei:EntityCentralIndexKey (id Tc_VY1xYx7k9U2UvS2XEluquw_1_1, {context}): "
        "'00018376' is not a valid dei:centralIndexKeyItemType"
    )
    assert manifest.warnings[:2] == manifest.warnings_to_act_on


def test_the_summary_counts_folded_rejections_apart_from_arelle_messages(
    manifest: SourceUnitManifest,
) -> None:
    counts = manifest.facts
    assert counts.reconciles() and counts.rejected_total == NUMBERS_EDITED + 2
    assert counts.rejected[UNREADABLE_UNLISTED] == NUMBERS_EDITED + 2 - MAX_LISTED_VALUES
    unlisted = [w for w in manifest.warnings if w.startswith(f"{NUMBER_UNREADABLE}: ")]
    assert len(unlisted) == 2
    filing = {
        "source_unit": manifest.source_unit,
        "status": "loaded",
        "warnings": len(manifest.warnings),
        "rejected_reasons": dict(counts.rejected),
        "warnings_to_act_on": manifest.warnings_to_act_on,
    }
    (line, _) = render_run_notes.warning_notes({"filings": [filing], "manifest_path": "m.json"})
    assert line == (
        f"warnings: {len(manifest.warnings)} in the manifest of 1 filing (2 name a rejected "
        "fact each, past the reasons listed above; the rest: taxonomy files not available "
        "offline, Arelle's messages; those that need you are marked WARNING above), listed "
        "in full in m.json"
    )
