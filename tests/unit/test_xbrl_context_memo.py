"""The context memo gives every element the typed values Arelle's own validation gives it.

Each filing is loaded twice in one Arelle session, with the memo and without, and every
element of its instance documents is compared: validity, typed value, s-equal value and
each typed attribute. The memo must also have been used, and must leave errors to Arelle.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from arelle_switched import Load, Switch, entry_of, switched_loads, typed_values
from xbrl_handmade import write_classic
from xbrl_samples import SAMPLE_SEC

import xbrl_task.arelle_loader  # noqa: F401 - installs the SEC transformation formats


@pytest.fixture(scope="module")
def loads() -> Iterator[Load]:
    from xbrl_task.arelle_context_memo import ContextPartMemo

    switch = Switch()
    memo = ContextPartMemo(owns=switch.owns)
    memo.install()
    with switched_loads(switch, memo, count=lambda: memo.reused) as load:
        yield load


@pytest.mark.parametrize("name", ["aapl-10k-2023-09-30", "aeon-10q-2023-09-30"])
def test_every_element_gets_the_same_typed_values_with_the_memo(loads, name: str) -> None:
    package = SAMPLE_SEC / name
    entry = entry_of(package)
    with loads(entry, patched=False) as (model, reused, logs):
        assert reused == 0
        plain = typed_values(model)
        contexts = len(model.contexts)
    with loads(entry, patched=True) as (model, reused, memo_logs):
        assert typed_values(model) == plain
        # most contexts repeat an entity and a period already seen
        assert reused > contexts
    assert memo_logs == logs
    periods = [row for row in plain if row[0].endswith("}startDate")]
    assert periods and all(row[1] >= 4 for row in periods)  # VALID: dates were typed


def test_an_invalid_period_is_reported_once_per_context(loads, tmp_path: Path) -> None:
    package = write_classic(tmp_path)
    entry = package / "tiny-20240930.xml"
    text = entry.read_text().replace(
        "<xbrli:startDate>2024-07-01</xbrli:startDate>",
        "<xbrli:startDate>2024-07-32</xbrli:startDate>",
    )
    entry.write_text(text)
    with loads(entry, patched=False) as (model, _, logs):
        plain = typed_values(model)
    with loads(entry, patched=True) as (model, _, memo_logs):
        assert typed_values(model) == plain
    assert memo_logs == logs
    codes = Counter(code for code, _ in logs)
    # one value error per context with that period (D, Dsub, Dnotes and more)
    assert codes["xmlSchema:valueError"] == text.count("2024-07-32") >= 3
