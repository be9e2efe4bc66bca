"""Inline XBRL documents that break the Inline XBRL rules: copies of AEON's 10-Q, edited.

AEON's text block Tb_nHbLWiz7J0yHajn7kSJDxA (7,273 characters, continued once) gets a
``continuedAt`` naming no continuation (Arelle reads 6,312 characters of it), or a
continuation that continues at itself (a cycle); another text block is pointed at its
continuation too (one continuation, two facts); and the document is added to the package
twice, under a second name (every context, unit and fact id twice in the document set).
Arelle logs each but the fact ids as an ix11 error and loads the rest.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from xbrl_samples import AEON, GRAPH, SAMPLE_SEC, edited_copy, process_packages

from ledgergraph.manifest import SourceUnitManifest, manifest_key, table_key
from ledgergraph.objectstore import LocalObjectStore
from localrun import render_run_notes
from xbrl_task.extract import TEXT_UNREADABLE

DOCUMENT = "aeon-20230930x10q.htm"
BLOCK = "Tb_nHbLWiz7J0yHajn7kSJDxA"
OTHER_BLOCK = "Tb_meIHcjvmkEmjj71YG1w5JA"
WHERE = (
    "us-gaap:OrganizationConsolidationAndPresentationOfFinancialStatementsDisclosureTextBlock"
    f" (id {BLOCK}, context Duration_1_1_2023_To_9_30_2023_Ebj2XMZXPkeeBZsJQEfMqA)"
)
AEON_FACTS = 1132
ACT = "not valid Inline XBRL (Arelle: {code}, {count}x); fix the package and load it again: "


def _aeon(target: Path, old: str = "", new: str = "") -> Path:
    return edited_copy(AEON, target, DOCUMENT, old, new)


def _added_twice(target: Path) -> Path:
    """AEON's document also under a second name; a comment added to the entry point gives
    the package a source unit of its own (units of packages without an accession number
    are the entry point's digest)."""
    shutil.copytree(SAMPLE_SEC / "aeon-10q-2023-09-30", target)
    shutil.copy(target / DOCUMENT, target / "aeon-20230930x10q-copy.htm")
    document = target / DOCUMENT
    text = document.read_text(encoding="utf-8")
    assert text.count("</html>") == 1
    document.write_text(text.replace("</html>", "<!-- twice -->\n</html>"), "utf-8")
    return target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, SourceUnitManifest]]:
    root = tmp_path_factory.mktemp("inline_errors")
    source = root / "source"
    at = f'continuedAt="{BLOCK}_cont1"'
    continuation = f'<ix:continuation id="{BLOCK}_cont1">'
    packages = {
        "as filed": _aeon(source / "filed"),
        "missing": _aeon(source / "missing", at, at.replace("_cont1", "_contX")),
        "cycle": _aeon(source / "cycle", continuation, continuation.replace(">", f" {at}>")),
        "shared": _aeon(source / "shared", f'continuedAt="{OTHER_BLOCK}_cont1"', at),
        "twice": _added_twice(source / "twice"),
    }
    store = LocalObjectStore(root / "store")
    outcomes = process_packages(packages, store, "xbrl_inline_errors")
    done = {}
    for name, outcome in outcomes.items():
        assert outcome.status == "processed", (name, outcome.error)
        data = store.get_bytes(manifest_key(GRAPH, outcome.source_unit))
        manifest = SourceUnitManifest.model_validate_json(data)
        rows = pq.read_table(store.path(table_key(GRAPH, outcome.source_unit, "Fact")))
        done[name] = (rows.to_pylist(), manifest)
    return done


def _texts(facts: list[dict]) -> dict[str, int]:
    return {f["fact_xml_id"]: len(f["value_text"] or "") for f in facts}


def test_the_filing_as_filed_breaks_no_inline_rule(run: dict) -> None:
    facts, manifest = run["as filed"]
    assert manifest.warnings_to_act_on == []
    assert manifest.facts.rejected == {}
    assert _texts(facts)[BLOCK] == 7273


def test_a_text_whose_continuation_is_missing_is_rejected_naming_both_ids(run: dict) -> None:
    facts, manifest = run["missing"]
    counts = manifest.facts
    assert counts.rejected == {
        f"{TEXT_UNREADABLE}: {WHERE}: continuedAt names {BLOCK}_contX, which is no "
        "ix:continuation of the document set; the text would stop there": 1
    }
    assert counts.reconciles() and counts.in_document == AEON_FACTS
    assert counts.extracted + counts.duplicates_collapsed == AEON_FACTS - 1
    assert BLOCK not in _texts(facts)
    assert _texts(facts)[OTHER_BLOCK] == 1407  # the other text blocks are read whole


def test_a_missing_continuation_is_a_warning_to_act_on(run: dict) -> None:
    _, manifest = run["missing"]
    code = "ix11.11.1.2:continuationMissing"
    assert manifest.warnings_to_act_on == [
        ACT.format(code=code, count=1)
        + f"Inline XBRL continuation {BLOCK}_contX not found - aeon-20230930x10q.htm 18",
        ACT.format(code="ix11.4.1.2:continuationNotReferenced", count=1)
        + f"ix:continuation {BLOCK}_cont1 is not referenced by a, ix:footnote, "
        "ix:nonNumeric or other ix:continuation element. - aeon-20230930x10q.htm 19",
    ]
    assert manifest.warnings[:2] == manifest.warnings_to_act_on


def test_a_continuation_cycle_rejects_its_text_and_is_a_warning_to_act_on(run: dict) -> None:
    facts, manifest = run["cycle"]
    assert manifest.facts.rejected == {
        f"{TEXT_UNREADABLE}: {WHERE}: continuedAt names {BLOCK}_cont1 again, a cycle; "
        "the text has no end": 1
    }
    assert manifest.facts.reconciles() and BLOCK not in _texts(facts)
    codes = [w.split("(Arelle: ")[1].split(",")[0] for w in manifest.warnings_to_act_on]
    assert codes == ["ix11.4.1.2:continuationCycle", "ix11.4.1.2:continuationReferences"]


def test_a_continuation_two_facts_claim_is_a_warning_to_act_on(run: dict) -> None:
    facts, manifest = run["shared"]
    # both chains end, so both texts are kept; which fact the filer meant is not clear
    assert manifest.facts.rejected == {}
    assert _texts(facts)[BLOCK] == 7273
    assert manifest.warnings_to_act_on[0] == (
        ACT.format(code="ix11.4.1.2:continuationReferences", count=1)
        + f"continuedAt {BLOCK}_cont1 has 2 references on ix:nonNumeric elements, only "
        "one reference allowed. - aeon-20230930x10q.htm 18, 19"
    )
    assert "ix11.4.1.2:continuationNotReferenced" in manifest.warnings_to_act_on[1]


def test_a_document_added_twice_and_its_fact_ids_are_warnings_to_act_on(run: dict) -> None:
    _, manifest = run["twice"]
    counts, filed = manifest.facts, run["as filed"][1].facts
    assert counts.in_document == 2 * AEON_FACTS and counts.reconciles()
    # every fact of the copy is a complete duplicate of the original's
    assert counts.extracted == filed.extracted
    assert counts.duplicates_collapsed == filed.duplicates_collapsed + AEON_FACTS
    resources, continuations, fact_ids = manifest.warnings_to_act_on
    assert resources.startswith(
        ACT.format(code="ix11.14.1.2:resourceIdDuplication", count=768)
        + "Inline XBRL ix:resources descendant id "
    )
    references = ACT.format(code="ix11.4.1.2:continuationReferences", count=17)
    assert continuations.startswith(references)
    # every fact id of the set twice: Arelle says nothing of it unless asked to validate
    assert fact_ids == (
        f"not valid Inline XBRL (a fact id in several documents of the set, {AEON_FACTS}x); "
        "fix the package and load it again: fact id Hidden_B3Z03A7B80WgsryDQuZ-VQ in "
        "aeon-20230930x10q.htm, aeon-20230930x10q-copy.htm"
    )


def test_the_run_summary_says_the_filing_needs_the_user(run: dict) -> None:
    _, manifest = run["missing"]
    filing = {
        "source_unit": manifest.source_unit,
        "status": "loaded",
        "warnings": len(manifest.warnings),
        "rejected_reasons": dict(manifest.facts.rejected),
        "warnings_to_act_on": manifest.warnings_to_act_on,
    }
    line, again = render_run_notes.warning_notes({"filings": [filing], "manifest_path": "m.json"})
    assert "those that need you are marked WARNING above" in line
    assert again.startswith("a filing loaded with a WARNING keeps what it loaded")
