"""xbrldt:closed and xbrldt:usable on Arc nodes: as filed, their default only where XBRL
Dimensions 1.0 gives them a meaning, null elsewhere when not filed.

None of the bundled filings files ``usable``, and each files ``closed="true"`` on its all
arcs alone (``contextElement="segment"``): read with lxml below, so the test sees what the
linkbases hold.
"""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree
from xbrl_samples import SAMPLE_NAMES, SAMPLE_SEC, BatchRun, sample_batch_run

XBRLDT = "{http://xbrl.org/2005/xbrldt}"
FILED = {("all", "true", None, "segment"), ("hypercube-dimension", None, None, None),
         ("dimension-default", None, None, None), ("dimension-domain", None, None, None),
         ("domain-member", None, None, None)}  # fmt: skip


@pytest.fixture(scope="module")
def bundled() -> BatchRun:
    return sample_batch_run()


def filed_flags(package: str) -> set[tuple[str, str | None, str | None, str | None]]:
    """(arcrole, closed, usable, contextElement) as filed on the package's definition arcs."""
    (path,) = (SAMPLE_SEC / package).glob("*_def.xml")
    arcs = etree.parse(str(path)).getroot().iter("{http://www.xbrl.org/2003/linkbase}definitionArc")
    return {(arc.get("{http://www.w3.org/1999/xlink}arcrole").rsplit("/", 1)[1],
             *(arc.get(f"{XBRLDT}{name}") for name in ("closed", "usable", "contextElement")))
            for arc in arcs}  # fmt: skip


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_closed_and_usable_are_null_where_not_filed_and_without_meaning(
    bundled: BatchRun, name: str
) -> None:
    assert filed_flags(name) == FILED
    arcs = [a for a in bundled.table(name, "Arc").to_pylist() if a["link_kind"] == "definition"]
    flags = {(a["arcrole"].rsplit("/", 1)[1], a["closed"], a["usable"], a["context_element"])
             for a in arcs}  # fmt: skip
    assert flags == {
        ("all", True, None, "segment"),
        ("hypercube-dimension", None, None, None),
        ("dimension-default", None, None, None),
        ("dimension-domain", None, True, None),  # not filed: XBRL Dimensions' default
        ("domain-member", None, True, None),
    }


def test_apples_definition_arcs_by_their_flags(bundled: BatchRun) -> None:
    """Apple's own and the us-gaap definition networks its DTS holds (586 domain-member
    arcs of fasb.org roles): only the hypercube's arcs are closed, no arc filed usable."""
    arcs = bundled.table("aapl-10k-2023-09-30", "Arc").to_pylist()
    counted = Counter((a["arcrole"].rsplit("/", 1)[1], a["closed"], a["usable"])
                      for a in arcs if a["link_kind"] == "definition")  # fmt: skip
    assert counted == {
        ("all", True, None): 23,
        ("hypercube-dimension", None, None): 34,
        ("dimension-default", None, None): 33,
        ("dimension-domain", None, True): 33,
        ("domain-member", None, True): 841,
    }
