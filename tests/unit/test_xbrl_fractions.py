"""Fractions (``xbrli:fractionItemType``, ``ix:fraction``): rejected by name, counted.

A copy of AEON's 10-Q (inline), edited: its schema gets aeon:TestFraction, a duration
concept of xbrli:fractionItemType; its continued text block (Tb_nHbLWiz7J0yHajn7kSJDxA)
gets an ``ix:fraction`` of 1/3 (x-frac) and a nil one (x-frac-nil), both in its
nine-month context and unit pure. A fraction is a numeric item with a unit (XBRL 2.1),
but 1/3 is no exact decimal: the graph stored it as the text ``1/3``, not numeric, without
its unit and without a word, and ``verify`` then failed on Arelle's export blaming a
taxonomy file the offline cache lacks, which every load of AEON's filing logs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from xbrl_samples import (
    AEON,
    AEON_DOCUMENT,
    REPO,
    EditedRun,
    edited_copy,
    load_and_verify,
    run_edited,
)

from xbrl_task.extract import VALUE_REJECTED
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify import arelle_export
from xbrl_task.verify.arelle_export import ExportFailed, export_oim

CONTEXT = "Duration_1_1_2023_To_9_30_2023_Ebj2XMZXPkeeBZsJQEfMqA"
PURE = "Unit_Standard_pure_9c4NjS3hKUS_hSoZsyOtbg"
CONTINUATION = '<ix:continuation id="Tb_nHbLWiz7J0yHajn7kSJDxA_cont1">'
FRACTIONS = (
    f'<p>A third: <ix:fraction name="aeon:TestFraction" contextRef="{CONTEXT}" '
    f'unitRef="{PURE}" id="x-frac"><ix:numerator format="ixt:numdotdecimal">1</ix:numerator>'
    '/<ix:denominator format="ixt:numdotdecimal">3</ix:denominator></ix:fraction>; none: '
    f'<ix:fraction name="aeon:TestFraction" contextRef="{CONTEXT}" unitRef="{PURE}" '
    'id="x-frac-nil" xsi:nil="true"/></p>'
)
ELEMENT = (
    '<xsd:element id="aeon_TestFraction" name="TestFraction" nillable="true" '
    'substitutionGroup="xbrli:item" type="xbrli:fractionItemType" xbrli:periodType="duration"/>'
)
REASON = (
    f"{VALUE_REJECTED}: aeon:TestFraction (id x-frac, context {CONTEXT}): the fraction '1/3' "
    "(numerator/denominator, xbrli:fractionItemType) is not kept: a fraction may have no "
    "exact decimal (1/3), so the graph keeps none"
)


def aeon_fractions(target: Path) -> Path:
    edited_copy(AEON, target, AEON_DOCUMENT, CONTINUATION, CONTINUATION + FRACTIONS)
    schema = target / "aeon-20230930.xsd"
    text = schema.read_text(encoding="utf-8")
    assert text.count("</xsd:schema>") == 1
    schema.write_text(text.replace("</xsd:schema>", f"{ELEMENT}</xsd:schema>"), "utf-8")
    return target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    return run_edited(tmp_path_factory.mktemp("fractions"), {"aeon": aeon_fractions}, "fractions")


def test_a_fraction_is_rejected_naming_fact_concept_and_value(run: EditedRun) -> None:
    assert run.statuses["aeon"] == "processed"
    manifest = run.manifest("aeon")
    assert manifest.facts.rejected[REASON] == 1
    assert manifest.facts.reconciles()
    assert "x-frac" not in run.facts("aeon")


def test_a_nil_fraction_is_a_numeric_nil_fact_with_its_unit(run: EditedRun) -> None:
    fact = run.facts("aeon")["x-frac-nil"]
    assert (fact["is_numeric"], fact["is_nil"], fact["value_decimal"]) == (True, True, None)
    assert (fact["value_text"], fact["unit_ref"]) == (None, PURE)
    units = [r["to"] for r in run.rows("aeon", "FACT_HAS_UNIT") if r["from"] == fact["id"]]
    assert units == ["xbrli:pure"]


def test_verify_names_the_rejected_fraction_as_its_one_difference(tmp_path: Path) -> None:
    aeon_fractions(tmp_path / "source" / "aeon")
    check = load_and_verify(tmp_path / "source", tmp_path / "home")
    assert check.error is None
    assert check.graph_facts == check.arelle_facts - 1
    assert check.differences == [
        "only in Arelle's export: aeon:TestFraction@e05ed54b 2023-01-01..2023-09-30 "
        "[xbrli:pure] = 1/3; rejected: value not storable as DECIMAL(38, 12): the fraction "
        "'1/3' (numerator/denominator, xbrli:fractionItemType) is not kept: a fraction may "
        "have no exact decimal (1/3), so the graph keeps none"
    ]


def test_an_export_that_fails_names_the_saver_error_not_a_missing_taxonomy_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the saver's own failure as it was on this filing: json.dumps of Arelle's Fraction
    def fail(*args: object, **kwargs: object) -> None:
        raise TypeError("Object of type Fraction is not JSON serializable")

    monkeypatch.setattr(arelle_export, "saveLoadableOIM", fail)
    folder = aeon_fractions(tmp_path / "aeon")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        with pytest.raises(ExportFailed) as failed:
            export_oim([folder / AEON_DOCUMENT], cache)
    finally:
        cache.close()
    assert str(failed.value) == (
        f"Arelle could not export {AEON_DOCUMENT} (TypeError: Object of type Fraction is not "
        "JSON serializable); its first error: none (1 taxonomy files not available offline)"
    )
