"""``verify`` on a copy of Amazon's 10-K whose text block type's schema cannot be loaded.

Amazon's own ``amzn:OperatingandFinanceLeaseLiabilityReconciliationTableTextBlock`` is
typed ``dtr-types:textBlockItemType``; the copy types it ``us-types:textBlockItemType`` of
us-types 2009, which the bundled taxonomy cache does not hold, as Apple's 2010 10-K types
its text blocks. Arelle then validates the value as anyType, whitespace collapsed
("Finance   Leases" becomes "Finance Leases"), where the graph keeps it as filed: the
check compares the two as Arelle reads an untyped value, and says how many it compared so.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from xbrl_samples import SAMPLE_SEC, load_and_verify

from xbrl_task.verify.compare import DIFFERENT, compare_facts
from xbrl_task.verify.facts import ComparableFact, collapse_whitespace
from xbrl_task.verify.run import FilingCheck

AMAZON = "amzn-10k-2022-12-31"
SCHEMA = "amzn-20221231.xsd"
BLOCK = "OperatingandFinanceLeaseLiabilityReconciliationTableTextBlock"
US_TYPES = "http://xbrl.us/us-types/2009-01-31"
US_TYPES_SCHEMA = "http://taxonomies.xbrl.us/us-gaap/2009/elts/us-types-2009-01-31.xsd"
AMAZON_FACTS = 1457  # fact occurrences of the bundled 10-K, as verify counts them


def _untyped_copy(target: Path) -> Path:
    """Amazon's package with its text block typed by a schema no cache holds."""
    shutil.copytree(SAMPLE_SEC / AMAZON, target)
    schema = target / SCHEMA
    text = schema.read_text(encoding="utf-8")
    typed = f'name="{BLOCK}" nillable="true" xbrli:periodType="duration" '
    old = f'{typed}substitutionGroup="xbrli:item" type="dtr-types:textBlockItemType"'
    assert text.count(old) == 1
    text = text.replace(old, old.replace("dtr-types:", "us-types:"))
    root = 'xmlns:xbrldt="http://xbrl.org/2005/xbrldt"'
    text = text.replace(root, f'{root} xmlns:us-types="{US_TYPES}"', 1)
    first_import = "  <xs:import "
    text = text.replace(
        first_import,
        f'  <xs:import namespace="{US_TYPES}" schemaLocation="{US_TYPES_SCHEMA}"/>\n'
        + first_import,
        1,
    )
    schema.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def check(tmp_path_factory: pytest.TempPathFactory) -> FilingCheck:
    root = tmp_path_factory.mktemp("verify_untyped")
    _untyped_copy(root / "source" / "amzn")
    return load_and_verify(root / "source", root / "home")


def test_a_text_of_an_unloaded_type_compares_as_arelle_reads_it(check: FilingCheck) -> None:
    assert check.error is None
    assert (check.difference_count, check.differences) == (0, [])
    assert (check.untyped, check.untyped_types) == (1, ["us-types:textBlockItemType"])
    assert check.graph_facts == check.arelle_facts == AMAZON_FACTS


def _block_as_filed() -> str:
    document = (SAMPLE_SEC / AMAZON / "amzn-20221231_htm.xml").read_text(encoding="utf-8")
    found = re.search(rf"<amzn:{BLOCK}[^>]*>([^<]*)</amzn:{BLOCK}>", document)
    assert found is not None
    return found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_a_difference_in_a_long_value_is_shown_where_it_is() -> None:
    filed = _block_as_filed()
    block = ComparableFact(
        f"amzn:{BLOCK}", "0001018724", "2022-01-01..2022-12-31", None, (), filed, None
    )
    collapsed = ComparableFact(**{**block.__dict__, "value": collapse_whitespace(filed)})
    [difference] = compare_facts([block], [collapsed])
    assert difference.kind == DIFFERENT
    where = filed.index("Finance   Leases") + len("Finance ")  # its second space
    line = difference.describe()
    assert line.startswith(f"differs at value character {where + 1}: graph amzn:{BLOCK} ")
    # each side from 20 characters before the first that differs, one line, escaped
    assert f"= ...{filed[where - 20 : where + 40]}... | Arelle" in line
    assert f"= ...{collapsed.value[where - 20 : where + 40]}..." in line


def test_the_differences_not_shown_are_counted() -> None:
    from localrun.cli_verify import render
    from xbrl_task.verify.run import SHOWN_PER_FILING, VerifyReport

    # Apple's 2010 10-K before untyped values were compared as such: 31 text blocks
    shown = [f"differs at value character 6: block {n}" for n in range(SHOWN_PER_FILING)]
    check = FilingCheck(
        "sha256-1d95799c7ae2f31a86ca3dc2", graph_facts=424, arelle_facts=424,
        arelle_exported=True, graph_fact_nodes=424, differences=shown, difference_count=31,
        different=31,
    )  # fmt: skip
    lines = render(VerifyReport([check])).splitlines()
    assert lines[SHOWN_PER_FILING] == "    differs at value character 6: block 19"
    assert lines[SHOWN_PER_FILING + 1] == "    ... and 11 more"
