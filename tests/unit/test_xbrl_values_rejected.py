"""Numeric values the graph cannot hold exactly: copies of bundled filings, edited.

Tesla's 10-Q (classic instance) gets three of its us-gaap:Revenues facts rewritten: a
49-digit amount, the text "abc" and 13 decimal places. AEON's 10-Q (inline) gets scale="60" on its
cash of 2023-09-30 (16,177 thousand), and in another copy "abc" for its cash of
2022-12-31, text its format refuses. Each edited fact must be rejected with a reason
naming it, and the rest of the filing must load with counts that still reconcile.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
import real_ladybug as lb
from xbrl_samples import (
    AEON,
    AEON_DOCUMENT,
    GRAPH,
    SAMPLE_SEC,
    EditedRun,
    edited_copy,
    run_edited,
)

from ledgergraph.graph_schema import get_table
from ledgergraph.manifest import error_key
from xbrl_task.extract import (
    INVALID_UNLISTED,
    MAX_LISTED_VALUES,
    NUMBER_UNREADABLE,
    UNREADABLE_UNLISTED,
    VALUE_INVALID,
    VALUE_REJECTED,
    VALUES_UNLISTED,
    fold_value_reasons,
)
from xbrl_task.values import ValueNotExact, exact_decimal, scaled_text

BIG = "1" * 49
TESLA_EDITS = {  # fact id -> (value as filed, value written instead)
    "f-1085": ("22486000000", BIG),
    "f-1086": ("23418000000", "abc"),
    "f-1087": ("42152000000", "0.0000000000001"),
}
AEON_CASH = "Tc_ROh7cVZSyEK_1tUTRo3RZA_7_3"
AEON_CASH_2022 = "Tc_Vj0ZB-7fPEmuBvNXqmmsvA_7_7"  # 9,746 thousand, format ixt:numdotdecimal
CASH = "us-gaap:CashAndCashEquivalentsAtCarryingValue"
TESLA_IN_DOCUMENT, TESLA_CREATED, AEON_FACTS = 1149, 1135, 1132


def edited_tesla(target: Path) -> Path:
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", target)
    instance = target / "tsla-20240630_htm.xml"
    text = instance.read_text(encoding="utf-8")
    for fact_id, (filed, written) in TESLA_EDITS.items():
        old = f'id="{fact_id}" unitRef="usd">{filed}<'
        assert text.count(old) == 1, fact_id
        text = text.replace(old, f'id="{fact_id}" unitRef="usd">{written}<')
    instance.write_text(text, encoding="utf-8")
    return target


def _aeon_edited(target: Path, old: str, new: str) -> Path:
    """A copy of AEON's package with ``old`` (found once) replaced by ``new``."""
    return edited_copy(AEON, target, AEON_DOCUMENT, old, new)


def edited_aeon(target: Path) -> Path:
    """AEON with scale="60" on its cash of 2023-09-30."""
    old = f'scale="3" id="{AEON_CASH}">16,177<'
    return _aeon_edited(target, old, old.replace('scale="3"', 'scale="60"'))


def aeon_with_text(target: Path) -> Path:
    """AEON with "abc" where its cash of 2022-12-31 is shown: text its format refuses."""
    old = f'id="{AEON_CASH_2022}">9,746<'
    return _aeon_edited(target, old, old.replace("9,746", "abc"))


def aeon_with_bad_scale(target: Path) -> Path:
    """AEON with scale="abc" (no xs:integer) on its cash of 2023-09-30."""
    old = f'scale="3" id="{AEON_CASH}">16,177<'
    return _aeon_edited(target, old, old.replace('scale="3"', 'scale="abc"'))


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"tesla": edited_tesla, "aeon": edited_aeon, "aeon_text": aeon_with_text,
               "aeon_scale": aeon_with_bad_scale}  # fmt: skip
    return run_edited(tmp_path_factory.mktemp("values"), editors, "xbrl_values")


def test_values_that_do_not_fit_are_rejected_each_naming_its_fact(run: EditedRun) -> None:
    assert run.statuses["tesla"] == "processed"
    rejected = run.manifest("tesla").facts.rejected
    where = "us-gaap:Revenues (id {}, context {})"
    assert (
        rejected[
            f"{VALUE_REJECTED}: {where.format('f-1085', 'c-304')}: "
            f"more than 26 integer digits: '{BIG}'"
        ]
        == 1
    )
    assert (
        rejected[f"{NUMBER_UNREADABLE}: {where.format('f-1086', 'c-305')}: not a number: 'abc'"]
        == 1
    )
    assert (
        rejected[
            f"{VALUE_REJECTED}: {where.format('f-1087', 'c-306')}: "
            "more than 12 decimal places: '0.0000000000001'"
        ]
        == 1
    )


def test_the_rest_of_the_edited_filing_loads_and_reconciles(run: EditedRun) -> None:
    counts = run.manifest("tesla").facts
    assert counts.reconciles() and counts.in_document == TESLA_IN_DOCUMENT
    assert counts.rejected_total == 14 + 3  # the ecd facts as in the bundled filing
    assert counts.extracted + counts.duplicates_collapsed == TESLA_CREATED - 3
    facts = run.facts("tesla")
    assert not set(TESLA_EDITS) & set(facts)
    assert facts["f-1088"]["value_decimal"] == Decimal("45218000000")
    assert all(f["value_decimal"] is not None for f in facts.values() if f["is_numeric"]
               and not f["is_nil"])  # fmt: skip


def test_an_inline_scale_too_large_rejects_that_fact_alone(run: EditedRun) -> None:
    assert run.statuses["aeon"] == "processed"
    counts = run.manifest("aeon").facts
    (reason,) = counts.rejected
    assert reason.startswith(f"{VALUE_REJECTED}: {CASH} (id {AEON_CASH}, context As_Of_9_30")
    assert reason.endswith(f"more than 26 integer digits: '16177{'0' * 60}'")
    assert counts.reconciles() and counts.rejected_total == 1
    assert counts.extracted + counts.duplicates_collapsed == AEON_FACTS - 1
    assert AEON_CASH not in run.facts("aeon")


def test_value_reasons_beyond_the_first_few_are_folded_into_one_count() -> None:
    per_fact = {f"{VALUE_REJECTED}: fact {i}": 1 for i in range(MAX_LISTED_VALUES + 5)}
    other = "context not found: c-9"
    folded, unlisted = fold_value_reasons(Counter({**per_fact, other: 2}))
    assert folded[VALUES_UNLISTED] == 5 and folded[other] == 2
    assert len(folded) == MAX_LISTED_VALUES + 2
    assert unlisted == [f"{VALUE_REJECTED}: fact {i}" for i in range(20, 25)]
    assert sum(folded.values()) == MAX_LISTED_VALUES + 5 + 2


def test_numbers_and_other_values_share_the_listed_reasons_and_fold_apart() -> None:
    numbers = {f"{VALUE_REJECTED}: number {i}": 1 for i in range(15)}
    others = {f"{VALUE_INVALID}: boolean {i}": 1 for i in range(10)}
    folded, unlisted = fold_value_reasons(Counter({**numbers, **others}))
    assert len(folded) == MAX_LISTED_VALUES + 1  # 15 numbers, 5 others, one folded count
    assert folded[INVALID_UNLISTED] == 5 and VALUES_UNLISTED not in folded
    assert unlisted == [f"{VALUE_INVALID}: boolean {i}" for i in range(5, 10)]


def test_unreadable_numbers_fold_under_their_own_prefix() -> None:
    texts = {f"{NUMBER_UNREADABLE}: text {i}": 1 for i in range(MAX_LISTED_VALUES + 2)}
    folded, unlisted = fold_value_reasons(Counter(texts))
    assert folded[UNREADABLE_UNLISTED] == 2 and VALUES_UNLISTED not in folded
    assert unlisted == [f"{NUMBER_UNREADABLE}: text {i}" for i in (20, 21)]


def test_the_widest_values_accepted_fit_the_fact_table_column(tmp_path: Path) -> None:
    column = next(c for c in get_table("Fact").columns if c.name == "value_decimal")
    assert column.engine_type == "DECIMAL(38, 12)"
    widest = ["9" * 26 + "." + "9" * 12, "-" + "9" * 26 + "." + "9" * 12, "0.000000000001"]
    values = [exact_decimal(text) for text in widest]
    for text in ("1" + "0" * 26, "0.0000000000001", "1" * 49, "1e999999999"):
        with pytest.raises(ValueNotExact):
            exact_decimal(text)

    database = lb.Database(str(tmp_path / "g.lbug"))
    connection = lb.Connection(database)
    connection.execute(f"CREATE NODE TABLE F(id INT64, v {column.engine_type}, PRIMARY KEY(id))")
    rows = pa.table({"id": [0, 1, 2], "v": pa.array(values, type=column.arrow_type)})
    connection.execute("COPY F FROM $rows", {"rows": rows})
    result = connection.execute(
        "MATCH (f:F) RETURN CAST(abs(f.v) AS STRING), f.v < 0 ORDER BY f.id"
    )
    read = [result.get_next() for _ in range(3)]
    assert read == [[widest[0], False], [widest[0], True], ["0.000000000001", False]]


def test_a_huge_inline_scale_is_written_as_an_exponent_and_rejected() -> None:
    assert scaled_text("16177", "60", negative=False) == "16177" + "0" * 60
    assert scaled_text("16177", "999999999", negative=True) == "-1.6177E+1000000003"
    assert scaled_text("0", "999999999", negative=False) == "0"
    with pytest.raises(ValueNotExact, match="more than 26 integer digits: '-1.6177E"):
        exact_decimal("-1.6177E+1000000003", floating=True)  # an inline value's check
    with pytest.raises(ValueNotExact, match="not a number"):  # a filed xs:decimal's
        exact_decimal("-1.6177E+1000000003")


def test_inline_text_its_format_refuses_rejects_that_fact_like_a_classic_one(
    run: EditedRun,
) -> None:
    assert run.statuses["aeon_text"] == "processed"  # not the whole filing failed
    counts = run.manifest("aeon_text").facts
    assert counts.rejected == {
        f"{NUMBER_UNREADABLE}: {CASH} (id {AEON_CASH_2022}, context "
        "As_Of_12_31_2022_pLWfwtPg1E2WA9FU2Cs7eg): format ixt:numdotdecimal refused the "
        "displayed text 'abc'": 1
    }
    assert counts.reconciles() and counts.extracted + counts.duplicates_collapsed == AEON_FACTS - 1
    facts = run.facts("aeon_text")
    assert AEON_CASH_2022 not in facts
    assert facts[AEON_CASH]["value_decimal"] == Decimal("16177000")  # the other year stays


def test_a_scale_that_is_no_integer_fails_naming_the_attribute_not_the_xml(
    run: EditedRun,
) -> None:
    assert run.statuses["aeon_scale"] == "failed"
    error = json.loads(run.store.get_bytes(error_key(GRAPH, run.units["aeon_scale"])))
    assert error["error_type"] == "FilingNotLoadable"
    # counted before Arelle refused the document: the run summary rejects all 1132
    assert error["facts_in_document"] == AEON_FACTS
    assert error["message"] == (
        f"filing {run.units['aeon_scale']}: aeon-20230930x10q.htm is well-formed XML but not "
        "valid against its schema at line 13 (body/div[11]/div[2]/table/tr[8]/td[4]/p/"
        "ix:nonFraction): Element '{http://www.xbrl.org/2013/inlineXBRL}nonFraction', "
        "attribute 'scale': 'abc' is not a valid value of the atomic type 'xs:integer'."
    )
