"""One rule for values that cannot be read, inline and classic (``xbrl_handmade_unreadable``).

A number its format cannot read is rejected like a classic number that is not one; a
non-numeric value its format cannot read, or that is no value of its concept's type, is
rejected too. Each reason names concept, fact id, context and the text (and the format);
the readable facts beside them keep their values and the counts reconcile.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from xbrl_handmade_unreadable import write_unreadable
from xbrl_samples import REPO, HandmadeRun, process_packages

from ledgergraph.objectstore import LocalObjectStore
from xbrl_task.extract import NUMBER_UNREADABLE, VALUE_INVALID
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import INVALID, REJECTED, export_oim
from xbrl_task.verify.facts import NIL, NOT_VALID
from xbrl_task.verify.oim import oim_facts

NUMBER = f"{NUMBER_UNREADABLE}: tiny:"
OTHER = f"{VALUE_INVALID}: tiny:"
NOT_BOOLEAN = "not a valid xbrli:booleanItemType"
BUNDLED_CACHE = REPO / "sample_data" / "taxonomies" / "cache"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> HandmadeRun:
    root = tmp_path_factory.mktemp("unreadable")
    packages = write_unreadable(root / "source")
    store = LocalObjectStore(root / "store")
    outcomes = process_packages(packages, store, "xbrl_unreadable")
    units = {name: o.source_unit for name, o in outcomes.items()}
    statuses = {name: o.status for name, o in outcomes.items()}
    return HandmadeRun(root, store, packages, units, statuses)


def _rejected(run: HandmadeRun, name: str) -> dict[str, int]:
    return run.manifest(name).facts.rejected


def test_inline_numbers_their_format_cannot_read_are_rejected_naming_format_and_text(
    run: HandmadeRun,
) -> None:
    rejected = _rejected(run, "inline")
    assert {r: n for r, n in rejected.items() if r.startswith(NUMBER)} == {
        f"{NUMBER}Revenue (id n-refused, context YTD): format ixt:num-dot-decimal refused "
        "the displayed text 'about 3,000'": 1,
        f"{NUMBER}Assets (id n-unknown, context I): no registry implements format "
        "ixt-sec:numwordsfr (displayed text 'douze mille')": 1,
        # no format: the same reason as for the classic "abc" below
        f"{NUMBER}Assets (id n-plain, context Dregion): not a number: 'n/a'": 1,
        f"{NUMBER}Assets (id n-inf, context I): format ixt-sec:numinf read the displayed "
        "text 'unlimited' as 'INF': not a finite number: 'INF'": 1,
    }


def test_inline_values_their_format_cannot_read_are_rejected_naming_format_and_text(
    run: HandmadeRun,
) -> None:
    rejected = _rejected(run, "inline")
    assert {r: n for r, n in rejected.items() if r.startswith(OTHER)} == {
        f"{OTHER}IsFlag (id t-refused, context D): format ixt-sec:boolballotbox refused the "
        "displayed text 'yes'": 1,
        f"{OTHER}Description (id t-unknown, context D): no registry implements format "
        "ixt-x:romannumerals (displayed text 'CV')": 1,
        f"{OTHER}IsFlag (id t-plain, context YTD): 'maybe' is {NOT_BOOLEAN}": 1,
        f"{OTHER}IsFlag (id t-mismatch, context Dnotes): format ixt-sec:duryear read the "
        f"displayed text '2.5' as 'P2Y6M', {NOT_BOOLEAN}": 1,
    }


def test_classic_values_not_of_their_type_are_rejected_like_inline_ones(
    run: HandmadeRun,
) -> None:
    assert _rejected(run, "classic") == {
        f"{NUMBER}Revenue (id c-abc, context YTD): not a number: 'abc'": 1,
        f"{NUMBER}Revenue (id c-exp, context Dregion): not a number: '16398E6'": 1,
        f"{OTHER}IsFlag (id c-flag, context YTD): 'maybe' is {NOT_BOOLEAN}": 1,
        f"{OTHER}UsefulLife (id c-life, context D): 'three years' is not a valid "
        "xbrli:durationItemType": 1,
    }


def test_the_readable_facts_keep_their_values_and_the_counts_reconcile(
    run: HandmadeRun,
) -> None:
    assert run.statuses == {"inline": "processed", "classic": "processed"}
    for name, in_document, extracted in (("inline", 13, 5), ("classic", 11, 7)):
        counts = run.manifest(name).facts
        assert (counts.in_document, counts.extracted) == (in_document, extracted), name
        assert counts.reconciles() and counts.rejected_total == in_document - extracted
    inline, classic = run.facts("inline"), run.facts("classic")
    assert inline["n-ok"]["value_decimal"] == Decimal("1250000")
    assert inline["t-ok"]["value_text"] == "P2Y6M"
    assert classic["c-ok"]["value_decimal"] == Decimal("1250000")
    assert classic["c-ratio"]["value_decimal"] == Decimal("1500")  # xs:double: 1.5E3
    assert (classic["c-flag-ok"]["value_text"], classic["c-desc"]["value_text"]) == (
        "true",
        "Anything is a string",
    )
    # no Fact row is left without a value it should have had
    for facts in (inline, classic):
        assert all(f["value_text"] is not None for f in facts.values() if not f["is_nil"])


def test_verify_leaves_out_the_facts_both_sides_reject_and_reads_none_as_nil(
    run: HandmadeRun,
) -> None:
    """Arelle's export keeps the facts the graph rejects, with no valid value; the graph's
    own rule, applied to Arelle's facts, rejects each of them, for the reason the manifest
    gives, so the check leaves them out (nothing to compare) instead of a difference."""
    cache = prepare_cache([], BUNDLED_CACHE)
    try:
        for name in ("inline", "classic"):
            (entry,) = run.packages[name].glob("tiny-20240930.*")
            export = export_oim([entry], cache)
            invalid = [f for f in export["facts"].values() if f.get(INVALID)]
            assert invalid and all(f.get(REJECTED) for f in invalid), name
            reasons = {f[REJECTED].split(": ", 1)[1] for f in invalid}
            manifest = {r.split("): ", 1)[1] for r in _rejected(run, name)}
            assert reasons == manifest, name
            theirs = list(oim_facts(export))
            assert len(theirs) == run.manifest(name).facts.extracted
            assert all(f.value not in (NIL, NOT_VALID) and not f.rejected for f in theirs)
    finally:
        cache.close()
