"""Numbers as XML Schema spells them: the tester's copies of bundled filings, recreated.

Tesla's 10-Q (classic) gets 16398E6 for its cash (f-31, an xs:decimal: no exponent) and
Arabic-Indic digits for a revenue (f-1085). AEON's 10-Q (inline) gets three numbers
without a format: Arabic-Indic digits, full-width digits and "1_000". Python's Decimal
reads every one of them; each must be rejected as "not a number", like a classic "abc".
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from xbrl_samples import GRAPH, REPO, SAMPLE_SEC, process_packages

from ledgergraph.manifest import SourceUnitManifest, manifest_key, table_key
from ledgergraph.objectstore import LocalObjectStore
from xbrl_task.extract import NUMBER_UNREADABLE
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.values import NotANumber, exact_decimal, filed_number, scaled_text
from xbrl_task.verify.arelle_export import INVALID, REJECTED, export_oim
from xbrl_task.verify.compare import compare_facts
from xbrl_task.verify.oim import both_rejected, oim_facts

ARABIC_REVENUE = "\u0662\u0662\u0664\u0668\u0666000000"  # 22486000000
AEON_EDITS = {  # fact id -> (displayed, written instead); the format is taken away
    "Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3": ("16,177", "\u0661\u0666\u0661\u0667\u0667"),
    "Tc_Vj0ZB-7fPEmuBvNXqmmsvA_7_7": ("9,746", "\uff19\uff17\uff14\uff16"),
    "Tc_cbK_aurZ-EmeIoztoMT0bw_11_3": ("323", "1_000"),
}
FORMAT = 'format="ixt:numdotdecimal" '


def _tesla(target: Path) -> Path:
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", target)
    instance = target / "tsla-20240630_htm.xml"
    text = instance.read_text(encoding="utf-8")
    for fact_id, filed, written in (
        ("f-31", "16398000000", "16398E6"),
        ("f-1085", "22486000000", ARABIC_REVENUE),
    ):
        old = f'id="{fact_id}" unitRef="usd">{filed}<'
        assert text.count(old) == 1, fact_id
        text = text.replace(old, f'id="{fact_id}" unitRef="usd">{written}<')
    instance.write_text(text, encoding="utf-8")
    return target


def _aeon(target: Path) -> Path:
    shutil.copytree(SAMPLE_SEC / "aeon-10q-2023-09-30", target)
    document = target / "aeon-20230930x10q.htm"
    text = document.read_text(encoding="utf-8")
    for fact_id, (shown, written) in AEON_EDITS.items():
        start = text.index(f'id="{fact_id}">{shown}<')
        tag = text.rindex("<ix:nonFraction", 0, start)
        element = text[tag : start + len(f'id="{fact_id}">{shown}<')]
        assert element.count(FORMAT) == 1, fact_id
        edited = element.replace(FORMAT, "").replace(f">{shown}<", f">{written}<")
        text = text[:tag] + edited + text[tag + len(element) :]
    document.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def manifests(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple]:
    root = tmp_path_factory.mktemp("lexical")
    packages = {"tesla": _tesla(root / "src" / "tesla"), "aeon": _aeon(root / "src" / "aeon")}
    store = LocalObjectStore(root / "store")
    outcomes = process_packages(packages, store, "xbrl_lexical")
    result = {}
    for name, outcome in outcomes.items():
        assert outcome.status == "processed", name
        data = store.get_bytes(manifest_key(GRAPH, outcome.source_unit))
        rows = pq.read_table(store.path(table_key(GRAPH, outcome.source_unit, "Fact")))
        facts = {f["fact_xml_id"]: f for f in rows.to_pylist()}
        result[name] = (SourceUnitManifest.model_validate_json(data), facts, packages[name])
    return result


def _export(package: Path) -> dict:
    """Arelle's export of the package, as the check makes it."""
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        documents = sorted(package.glob("*.htm")) or [package / "tsla-20240630_htm.xml"]
        return export_oim(documents, cache)
    finally:
        cache.close()


def test_classic_exponent_and_foreign_digits_are_not_numbers(manifests: dict) -> None:
    manifest, facts, _ = manifests["tesla"]
    rejected = manifest.facts.rejected
    cash = "us-gaap:CashAndCashEquivalentsAtCarryingValue (id f-31, context c-4)"
    revenue = "us-gaap:Revenues (id f-1085, context c-304)"
    assert rejected[f"{NUMBER_UNREADABLE}: {cash}: not a number: '16398E6'"] == 1
    assert rejected[f"{NUMBER_UNREADABLE}: {revenue}: not a number: {ARABIC_REVENUE!r}"] == 1
    assert manifest.facts.reconciles() and manifest.facts.rejected_total == 14 + 2
    assert "f-31" not in facts and "f-1085" not in facts
    assert facts["f-1086"]["value_decimal"] == Decimal("23418000000")


def test_inline_numbers_without_a_format_are_checked_as_classic_ones(manifests: dict) -> None:
    manifest, facts, _ = manifests["aeon"]
    reasons = {r for r in manifest.facts.rejected if r.startswith(NUMBER_UNREADABLE)}
    for fact_id, (_, written) in AEON_EDITS.items():
        (reason,) = [r for r in reasons if f"(id {fact_id}," in r]
        assert reason.endswith(f": not a number: {written!r}"), reason
        assert fact_id not in facts
    assert manifest.facts.reconciles() and manifest.facts.rejected_total == 3


def test_only_floating_types_take_an_exponent_and_only_ascii_digits_count() -> None:
    assert exact_decimal("16398E6", floating=True) == Decimal("16398000000")
    assert filed_number(" \t-1.50\n", floating=False) == "-1.50"
    for text in ("16398E6", "1_000", "\u0661\u0666", "\uff19", "1.0\u00a0", "+", ".", "0x10"):
        with pytest.raises(NotANumber, match="not a number"):
            exact_decimal(text)
    with pytest.raises(NotANumber, match="not a number: '1_0E3'"):
        exact_decimal("1_0E3", floating=True)
    with pytest.raises(NotANumber, match="scale '\uff13' is not an integer"):
        scaled_text("16", "\uff13", negative=False)
    assert scaled_text("16.5", "3", negative=True) == "-16500"


def test_verify_leaves_out_what_arelle_and_the_graph_both_reject(manifests: dict) -> None:
    manifest, _, package = manifests["tesla"]
    export = _export(package)
    for fact_id, text in (("f-31", "16398E6"), ("f-1085", ARABIC_REVENUE)):
        fact = export["facts"][fact_id]
        assert fact[INVALID] is True  # Arelle: no valid value
        assert fact[REJECTED] == f"{NUMBER_UNREADABLE}: not a number: {text!r}"
    assert both_rejected(export) == 2  # said on the filing's line, not compared
    theirs = list(oim_facts(export))
    # what is left is what the graph holds, occurrence for occurrence: 0 differences
    assert not [f for f in theirs if f.rejected]
    assert len(theirs) == manifest.facts.extracted + manifest.facts.duplicates_collapsed


def test_verify_says_why_the_graph_rejected_what_arelle_keeps(manifests: dict) -> None:
    _, facts, package = manifests["aeon"]
    export = _export(package)
    theirs = list(oim_facts(export))
    for fact_id in AEON_EDITS:
        assert INVALID not in export["facts"][fact_id]  # Arelle's Decimal reads it
        assert fact_id not in facts
    rejected = {f.value: f.rejected for f in theirs if f.rejected}
    assert rejected == {
        "16177000": f"{NUMBER_UNREADABLE}: not a number: '\u0661\u0666\u0661\u0667\u0667'",
        "9746000": f"{NUMBER_UNREADABLE}: not a number: '\uff19\uff17\uff14\uff16'",
        "1000000": f"{NUMBER_UNREADABLE}: not a number: '1_000'",
    }
    # a graph holding every other fact differs from Arelle by these three, each saying why
    differences = compare_facts([f for f in theirs if not f.rejected], theirs)
    lines = {d.describe() for d in differences}
    assert (
        "only in Arelle's export: us-gaap:OperatingLeaseRightOfUseAsset 2023-09-30 "
        "[iso4217:USD] = 1000000 decimals=-3; rejected: number not readable: not a number: "
        "'1_000'"
    ) in lines
    assert len(lines) == 3 and all("; rejected: number not readable: " in x for x in lines)
