"""An inline number whose content is itself negative is refused, with or without sign="-".

Inline XBRL 1.1 gives ``ix:nonFraction`` non-negative content: without a format an
ixt:nonNegativeDecimalType, and every ixt number format yields one; ``sign="-"`` is the
only way to state a negative number. Arelle reads "-0.04" under ``sign="-"`` as 0.04 (the
sign flipped twice) and "-0.08" without it as -0.08. A copy of AEON's 10-Q (inline) makes
two of its diluted losses per share, hidden and without a format, so: the first keeps
``sign="-"`` and gets "-0.04", the second loses its ``sign`` and gets "-0.08".
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from xbrl_samples import AEON, AEON_DOCUMENT, GRAPH, REPO, SAMPLE_SEC, process_packages

from ledgergraph.manifest import SourceUnitManifest, manifest_key, table_key
from ledgergraph.objectstore import LocalObjectStore
from xbrl_task.extract import NUMBER_UNREADABLE
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.values import NotANumber, scaled_text
from xbrl_task.verify.arelle_export import REJECTED, export_oim
from xbrl_task.verify.compare import compare_facts
from xbrl_task.verify.oim import oim_facts

EPS = "us-gaap:EarningsPerShareDiluted"
SIGNED = "Hidden_U882MLf-yUKuU3yt3pb0oA"  # Q3 2023 (to July 21), sign="-" 0.04
UNSIGNED = "Hidden_USzJOYlRbUmSmoPA01Mp-w"  # Q3 2022, sign="-" 0.08
SIGNED_CONTEXT = "Duration_7_1_2023_To_7_21_2023_kUh07S8n-kWcG2yk_muiOQ"
UNSIGNED_CONTEXT = "Duration_7_1_2022_To_9_30_2022_1e7vCwpqs0qzlsuvyssVLw"
WHY = 'an inline number is written without a sign and made negative only by sign="-"'


def _aeon(target: Path) -> Path:
    shutil.copytree(SAMPLE_SEC / AEON, target)
    document = target / AEON_DOCUMENT
    text = document.read_text(encoding="utf-8")
    edits = (
        (f'id="{SIGNED}">0.04<', f'id="{SIGNED}">-0.04<'),
        (
            f'sign="-" contextRef="{UNSIGNED_CONTEXT}" decimals="2" name="{EPS}" '
            f'id="{UNSIGNED}">0.08<',
            f'contextRef="{UNSIGNED_CONTEXT}" decimals="2" name="{EPS}" id="{UNSIGNED}">-0.08<',
        ),
    )
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    document.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    root = tmp_path_factory.mktemp("negative")
    packages = {"filed": SAMPLE_SEC / AEON, "edited": _aeon(root / "src" / "aeon")}
    store = LocalObjectStore(root / "store")
    outcomes = process_packages(packages, store, "xbrl_negative")
    result = {}
    for name, outcome in outcomes.items():
        assert outcome.status == "processed", name
        manifest = store.get_bytes(manifest_key(GRAPH, outcome.source_unit))
        rows = pq.read_table(store.path(table_key(GRAPH, outcome.source_unit, "Fact")))
        facts = {f["fact_xml_id"]: f for f in rows.to_pylist()}
        result[name] = (SourceUnitManifest.model_validate_json(manifest), facts)
    return result, packages["edited"]


def test_negative_content_is_refused_naming_the_fact(outputs: tuple) -> None:
    result, _ = outputs
    _, filed = result["filed"]
    assert filed[SIGNED]["value_decimal"] == Decimal("-0.04")
    assert filed[UNSIGNED]["value_decimal"] == Decimal("-0.08")
    manifest, facts = result["edited"]
    assert manifest.facts.rejected == {
        f"{NUMBER_UNREADABLE}: {EPS} (id {SIGNED}, context {SIGNED_CONTEXT}): "
        f"negative content '-0.04': {WHY}": 1,
        f"{NUMBER_UNREADABLE}: {EPS} (id {UNSIGNED}, context {UNSIGNED_CONTEXT}): "
        f"negative content '-0.08': {WHY}": 1,
    }
    assert SIGNED not in facts and UNSIGNED not in facts
    assert manifest.facts.reconciles()
    # each stood for itself and a copy in the body, which is now the Fact, once
    counts = result["filed"][0].facts
    assert manifest.facts.extracted == counts.extracted
    assert manifest.facts.duplicates_collapsed == counts.duplicates_collapsed - 2
    kept = {
        f["context_id"]: (f["value_decimal"], f["occurrences"])
        for f in facts.values()
        if f["concept"] == EPS and f["context_id"] in (SIGNED_CONTEXT, UNSIGNED_CONTEXT)
    }
    assert kept == {
        SIGNED_CONTEXT: (Decimal("-0.04"), filed[SIGNED]["occurrences"] - 1),
        UNSIGNED_CONTEXT: (Decimal("-0.08"), filed[UNSIGNED]["occurrences"] - 1),
    }


def test_verify_says_the_graph_refused_what_arelle_reads(outputs: tuple) -> None:
    _, package = outputs
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        export = export_oim([package / AEON_DOCUMENT], cache)
    finally:
        cache.close()
    # Arelle keeps both: the first with its sign flipped back to positive
    assert export["facts"][SIGNED]["value"] == "0.04"
    assert export["facts"][UNSIGNED]["value"] == "-0.08"
    assert export["facts"][SIGNED][REJECTED].endswith(f"negative content '-0.04': {WHY}")
    theirs = list(oim_facts(export))
    differences = compare_facts([f for f in theirs if not f.rejected], theirs)
    unit = "[iso4217:USD/xbrli:shares]"
    assert sorted(d.describe() for d in differences) == [
        f"only in Arelle's export: {EPS} 2022-07-01..2022-09-30 {unit} = -0.08 decimals=2; "
        f"rejected: {NUMBER_UNREADABLE}: negative content '-0.08': {WHY}",
        f"only in Arelle's export: {EPS} 2023-07-01..2023-07-21 {unit} = 0.04 decimals=2; "
        f"rejected: {NUMBER_UNREADABLE}: negative content '-0.04': {WHY}",
    ]


def test_only_the_sign_attribute_makes_a_number_negative() -> None:
    assert scaled_text("0.04", None, negative=True) == "-0.04"
    assert scaled_text("-0", "3", negative=True) == "0"  # -0 is 0, not negative
    assert scaled_text("+5", None, negative=False) == "5"
    for text, negative in (("-5", True), ("-5", False), (" -1.5\n", True)):
        with pytest.raises(NotANumber, match=f"negative content '{text.strip()}'"):
            scaled_text(text, None, negative=negative)
