"""The plain context path gives every element the typed values Arelle's own validation gives.

Each filing is loaded twice in one Arelle session, with the path and without, and every
element of its instance is compared: validity, typed value, s-equal value and each typed
attribute, in order. The path must have taken the filing's plain contexts, must report a bad
dimension member exactly as Arelle does, and must stay out of the way of any other Arelle.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from arelle_switched import Load, Switch, entry_of, entry_of_copy, switched_loads, typed_values
from xbrl_samples import SAMPLE_SEC

import xbrl_task.arelle_loader  # noqa: F401 - installs the SEC transformation formats

APPLE = SAMPLE_SEC / "aapl-10k-2023-09-30"
# the class of stock members of Apple's dimensional contexts (common stock in eight)
CLASS_OF_STOCK = '<xbrldi:explicitMember dimension="us-gaap:StatementClassOfStockAxis">{}<'
COMMON_STOCK = ">us-gaap:CommonStockMember</xbrldi:explicitMember>"
NOTES_2024 = CLASS_OF_STOCK.format("aapl:A1.375NotesDue2024Member")
NOTES_2025 = CLASS_OF_STOCK.format("aapl:A0.000Notesdue2025Member")


@pytest.fixture(scope="module")
def loads() -> Iterator[Load]:
    from xbrl_task.arelle_context_validation import ContextValidation

    switch = Switch()
    contexts = ContextValidation(owns=switch.owns)
    assert contexts.install()  # the pinned Arelle
    with switched_loads(switch, contexts, count=lambda: contexts.validated) as load:
        yield load


# Boeing's 731 contexts are all plain; AEON's inline contexts come from ix:resources
@pytest.mark.parametrize(
    ("name", "plain_contexts"), [("ba-10k-2023-12-31", 731), ("aeon-10q-2023-09-30", 374)]
)
def test_every_element_gets_the_same_typed_values_on_the_context_path(
    loads, name: str, plain_contexts: int
) -> None:
    entry = entry_of(SAMPLE_SEC / name)
    with loads(entry, patched=False) as (model, validated, logs):
        assert validated == 0
        plain = typed_values(model)
    with loads(entry, patched=True) as (model, validated, fast_logs):
        assert typed_values(model) == plain
        assert validated == len(model.contexts) == plain_contexts
    assert fast_logs == logs


def test_typed_members_are_left_to_arelle(loads) -> None:
    entry = entry_of(APPLE)
    with loads(entry, patched=False) as (model, _, logs):
        plain = typed_values(model)
    with loads(entry, patched=True) as (model, validated, fast_logs):
        assert typed_values(model) == plain
        typed = [c for c in model.contexts.values() if c.qnameDims and any(
            d.isTyped for d in c.qnameDims.values())]  # fmt: skip
        assert len(model.contexts) == 205 and len(typed) == 4
        assert validated == 205 - 4
    assert fast_logs == logs


def test_bad_dimension_members_in_a_copy_of_apples_10k_are_reported_as_arelle_reports_them(
    loads, tmp_path: Path
) -> None:
    from arelle.XmlValidateConst import INVALID

    entry = entry_of_copy(APPLE, tmp_path)
    text = entry.read_text()
    assert text.count(COMMON_STOCK) == 8 and text.count(NOTES_2024) == text.count(NOTES_2025) == 1
    # an undeclared prefix in eight contexts, a member that is no QName, a bad dimension
    text = text.replace(COMMON_STOCK, COMMON_STOCK.replace(">us-gaap:", ">usgaap:"))
    text = text.replace(NOTES_2024, NOTES_2024.replace("aapl:A1.375NotesDue2024Member", "1.375"))
    entry.write_text(text.replace(NOTES_2025, NOTES_2025.replace('="us-gaap:', '="nope:')))

    with loads(entry, patched=False) as (model, _, logs):
        plain = typed_values(model)
    with loads(entry, patched=True) as (model, validated, fast_logs):
        assert typed_values(model) == plain
        assert validated == 201  # the bad contexts too: their leaves went to Arelle
        members = [m for c in model.contexts.values() for m in c.iterdescendants()
                   if getattr(m, "localName", None) == "explicitMember"]  # fmt: skip
        bad = [m for m in members if m.xValid == INVALID]
        assert sorted(m.sValue for m in bad) == ["1.375"] + ["usgaap:CommonStockMember"] * 8
        dimension = next(m for m in members if m.text == "aapl:A0.000Notesdue2025Member")
        assert dimension.xAttributes["dimension"].xValid == INVALID
    assert fast_logs == logs
    errors = [text for code, text in logs if code == "xmlSchema:valueError"]
    assert len(errors) == 10
    member = "[xmlSchema:valueError] Element xbrldi:explicitMember"
    assert errors[:3] == [
        f"{member} type QName value error: usgaap:CommonStockMember, "
        "prefix 'usgaap' is not defined in namespace map. - aapl-20230930_htm.xml 30",
        f"{member} type QName value error: 1.375, pattern mismatch - aapl-20230930_htm.xml 42",
        f"{member} attribute dimension type QName value error: nope:StatementClassOfStockAxis, "
        "prefix 'nope' is not defined in namespace map. - aapl-20230930_htm.xml 54",
    ]


def test_another_arelle_version_keeps_arelles_own_validation(monkeypatch) -> None:
    from arelle import XmlValidate, XmlValidateParticles

    from xbrl_task import arelle_context_validation
    from xbrl_task.arelle_context_validation import ContextValidation

    before = (XmlValidate.validate, XmlValidateParticles.validate)
    monkeypatch.setattr(arelle_context_validation, "ARELLE_VERSION", "2.48.0")
    assert not ContextValidation(owns=lambda _model: True).install()
    assert (XmlValidate.validate, XmlValidateParticles.validate) == before
