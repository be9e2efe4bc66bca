"""``verify`` on a graph of edited copies of AEON's 10-Q (inline), built by the local pipeline.

Three copies, each with one edit: its cash of 2023-09-30 (Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3,
16,177 thousand) renamed to a concept us-gaap does not define; the same fact with
``precision="0"`` instead of ``decimals="-3"`` (valid XBRL 2.1: nothing is known of its
accuracy); a text block whose ``continuedAt`` names no continuation. The first two must
compare without a difference; the third is one difference saying why the graph rejected
what Arelle keeps cut short.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from xbrl_samples import SAMPLE_SEC, load_and_verify

from xbrl_task.extract import TEXT_UNREADABLE
from xbrl_task.verify.run import FilingCheck

CASH = (
    'decimals="-3" format="ixt:numdotdecimal" '
    'name="us-gaap:CashAndCashEquivalentsAtCarryingValue" scale="3" '
    'id="Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3"'
)
BLOCK = "Tb_nHbLWiz7J0yHajn7kSJDxA"
EDITS = {
    "concept": (CASH, CASH.replace("CarryingValue", "CarryingValueX")),
    "precision": (CASH, CASH.replace('decimals="-3"', 'precision="0"')),
    "continuation": (f'continuedAt="{BLOCK}_cont1"', f'continuedAt="{BLOCK}_contX"'),
}
AEON_FACTS = 1132
Checks = dict[str, FilingCheck]


def _aeon(target: Path, old: str, new: str) -> Path:
    shutil.copytree(SAMPLE_SEC / "aeon-10q-2023-09-30", target)
    document = target / "aeon-20230930x10q.htm"
    text = document.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    document.write_text(text.replace(old, new), encoding="utf-8")
    return target


def _verified(root: Path, name: str) -> FilingCheck:
    """The edited copy ``name`` loaded into a graph of its own and checked: copies of one
    report without an accession number cannot share a graph."""
    source = root / name / "source"
    _aeon(source / "aeon", *EDITS[name])
    return load_and_verify(source, root / name / "home")


@pytest.fixture(scope="module")
def checks(tmp_path_factory: pytest.TempPathFactory) -> Checks:
    root = tmp_path_factory.mktemp("verify_edited")
    return {name: _verified(root, name) for name in EDITS}


def test_a_fact_of_an_undefined_concept_is_rejected_on_both_sides(
    checks: Checks,
) -> None:
    check = checks["concept"]
    assert check.error is None
    assert (check.difference_count, check.both_rejected) == (0, 1)
    # the rest of the filing is compared, occurrence for occurrence
    assert check.graph_facts == check.arelle_facts == AEON_FACTS - 1


def test_a_precision_of_zero_is_compared_as_a_precision(checks: Checks) -> None:
    check = checks["precision"]
    assert check.error is None and check.differences == []
    assert check.graph_facts == check.arelle_facts == AEON_FACTS


def test_a_text_cut_short_is_one_difference_saying_why_the_graph_rejected_it(
    checks: Checks,
) -> None:
    check = checks["continuation"]
    assert (check.graph_facts, check.arelle_facts) == (AEON_FACTS - 1, AEON_FACTS)
    [line] = check.differences
    assert line.startswith(
        "only in Arelle's export: us-gaap:OrganizationConsolidationAndPresentationOf"
        "FinancialStatementsDisclosureTextBlock 2023-01-01..2023-09-30 = "
    )
    assert line.endswith(
        f"; rejected: {TEXT_UNREADABLE}: continuedAt names {BLOCK}_contX, which is no "
        "ix:continuation of the document set; the text would stop there"
    )
