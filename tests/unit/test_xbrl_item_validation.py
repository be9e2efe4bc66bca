"""The item fact path gives every element the typed values Arelle's own validation gives it.

Each filing is loaded twice in one Arelle session, with the path and without, and every
element of its instance is compared: validity, typed value, s-equal value and each typed
attribute, in order. The path must have been used for most facts, must report an invalid
value exactly as Arelle does, and must stay out of the way of any other Arelle version.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from arelle_switched import Load, Switch, entry_of, entry_of_copy, switched_loads, typed_values
from xbrl_samples import SAMPLE_SEC

import xbrl_task.arelle_loader  # noqa: F401 - installs the SEC transformation formats

APPLE = SAMPLE_SEC / "aapl-10k-2023-09-30"
# Apple's net sales for fiscal 2023, the first of three facts of it in the instance
NET_SALES = (
    "<us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax "
    'contextRef="c-1" decimals="-6" id="f-{id}" unitRef="usd">383285000000<'
)


@pytest.fixture(scope="module")
def loads() -> Iterator[Load]:
    from xbrl_task.arelle_item_validation import ItemFactValidation

    switch = Switch()
    items = ItemFactValidation(owns=switch.owns)
    assert items.install()  # the pinned Arelle
    with switched_loads(switch, items, count=lambda: items.validated) as load:
        yield load


@pytest.mark.parametrize("name", ["aapl-10k-2023-09-30", "tsla-10q-2024-06-30"])
def test_every_element_gets_the_same_typed_values_on_the_short_path(loads, name: str) -> None:
    entry = entry_of(SAMPLE_SEC / name)
    with loads(entry, patched=False) as (model, validated, logs):
        assert validated == 0
        plain = typed_values(model)
        facts = len(model.facts)
    with loads(entry, patched=True) as (model, validated, fast_logs):
        assert typed_values(model) == plain
        # nil facts and enumerations are left to Arelle; the rest take the path
        assert facts * 0.9 < validated <= facts
    assert fast_logs == logs


def test_an_invalid_amount_in_a_copy_of_apples_10k_is_reported_as_arelle_reports_it(
    loads, tmp_path: Path
) -> None:
    from arelle.XmlValidateConst import INVALID

    entry = entry_of_copy(APPLE, tmp_path)
    text = entry.read_text()
    first, second = NET_SALES.format(id=69), NET_SALES.format(id=385)
    assert text.count(first) == text.count(second) == 1
    text = text.replace(first, first.replace(">383285000000<", ">12x<"))
    entry.write_text(text.replace(second, second.replace('"-6"', '"six"')))

    with loads(entry, patched=False) as (model, _, logs):
        plain = typed_values(model)
    with loads(entry, patched=True) as (model, validated, fast_logs):
        assert typed_values(model) == plain
        assert validated > 1000
        facts = {f.id: f for f in model.facts}
        amount, decimals = facts["f-69"], facts["f-385"].xAttributes["decimals"]
        assert (amount.xValid, amount.xValue, amount.sValue) == (INVALID, None, "12x")
        assert (decimals.xValid, decimals.xValue, decimals.sValue) == (INVALID, None, "six")
    assert fast_logs == logs
    errors = [(code, text) for code, text in logs if "12x" in text or "six" in text]
    element = "Element us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"
    assert errors == [
        ("xmlSchema:valueError",
         f"[xmlSchema:valueError] {element} type decimal value error: 12x, "
         "lexical pattern mismatch - aapl-20230930_htm.xml 2564"),
        ("xmlSchema:valueError",
         f"[xmlSchema:valueError] {element} attribute decimals type XBRLI_DECIMALSUNION "
         "value error: six, invalid literal for int() with base 10: 'six' "
         "- aapl-20230930_htm.xml 2936"),
    ]  # fmt: skip


def test_another_arelle_version_keeps_arelles_own_validation(monkeypatch) -> None:
    from arelle import XmlValidate, XmlValidateParticles

    from xbrl_task import arelle_item_validation
    from xbrl_task.arelle_item_validation import ItemFactValidation

    before = (XmlValidate.validate, XmlValidateParticles.validate)
    monkeypatch.setattr(arelle_item_validation, "ARELLE_VERSION", "2.48.0")
    assert not ItemFactValidation(owns=lambda _model: True).install()
    assert (XmlValidate.validate, XmlValidateParticles.validate) == before
