"""What ``verify`` says of the facts nobody compared, on a copy of Apple's 10-K made to
miss a schema.

The copy files its 15 ``us-gaap:NetIncomeLoss`` facts in the namespace of us-gaap 2009,
imported from a schema the bundled taxonomy cache does not hold, as Apple's 2010 10-K
files all its facts. Arelle makes no fact of an element no loaded schema defines, so
neither side holds those 15, nor the filing's own 15 ecd facts (the bundled cache has no
ecd schema): the check says how many facts of the document it did not compare and why
the extraction rejected them (the filing's manifest).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from xbrl_samples import SAMPLE_SEC, load_and_verify

from localrun.cli_verify import render
from xbrl_task.verify.run import FilingCheck, VerifyReport

APPLE = "aapl-10k-2023-09-30"
US_GAAP_2009 = "http://xbrl.us/us-gaap/2009-01-31"
US_GAAP_2009_SCHEMA = "http://taxonomies.xbrl.us/us-gaap/2009/elts/us-gaap-2009-01-31.xsd"
MOVED = "NetIncomeLoss"
MOVED_FACTS = 15  # us-gaap:NetIncomeLoss facts of Apple's 2023 instance
REASON = (
    f"concept not defined: namespace {US_GAAP_2009} (schema not in taxonomy cache: "
    f"{US_GAAP_2009_SCHEMA})"
)
ECD_FACTS = 15  # ecd:Trd... facts of Apple's 2023 instance: no ecd schema in the cache
ECD_REASON = (
    "concept not defined: namespace http://xbrl.sec.gov/ecd/2023 (schema not in taxonomy "
    "cache: https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd)"
)
NOT_COMPARED = ECD_FACTS + MOVED_FACTS


def apple_missing_a_schema(target: Path) -> Path:
    """Apple's package with its net income facts in a namespace whose schema is missing."""
    shutil.copytree(SAMPLE_SEC / APPLE, target)
    schema = target / "aapl-20230930.xsd"
    text = schema.read_text(encoding="utf-8")
    first_import = "  <xs:import "
    text = text.replace(
        first_import,
        f'  <xs:import namespace="{US_GAAP_2009}" schemaLocation="{US_GAAP_2009_SCHEMA}"/>\n'
        + first_import,
        1,
    )
    schema.write_text(text, encoding="utf-8")
    instance = target / "aapl-20230930_htm.xml"
    text = instance.read_text(encoding="utf-8")
    assert text.count(f"<us-gaap:{MOVED} ") == MOVED_FACTS
    text = text.replace(f"<us-gaap:{MOVED} ", f"<usgaap09:{MOVED} ")
    text = text.replace(f"</us-gaap:{MOVED}>", f"</usgaap09:{MOVED}>")
    text = text.replace("<xbrl\n", f'<xbrl\n  xmlns:usgaap09="{US_GAAP_2009}"\n', 1)
    instance.write_text(text, encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, FilingCheck]:
    """The copy's home (a graph of the one filing) and verify's check of it."""
    root = tmp_path_factory.mktemp("rejected_facts")
    apple_missing_a_schema(root / "source" / "aapl")
    return root / "home", load_and_verify(root / "source", root / "home")


def test_verify_says_how_many_facts_it_did_not_compare_and_why(
    loaded: tuple[Path, FilingCheck],
) -> None:
    _, check = loaded
    assert (check.error, check.difference_count) == (None, 0)
    assert check.not_compared == NOT_COMPARED
    assert check.facts_in_document == check.arelle_facts + NOT_COMPARED
    assert check.rejected_reasons == {ECD_REASON: ECD_FACTS, REASON: MOVED_FACTS}
    report = VerifyReport([check])
    assert report.to_json()["not_compared"] == NOT_COMPARED
    lines = render(report).splitlines()
    assert lines[1] == (
        f"    not compared: {NOT_COMPARED} of the document's {check.facts_in_document} facts,"
        " not in Arelle's export (Arelle makes no fact of an element no loaded schema "
        f"defines); the extraction rejected {NOT_COMPARED} (manifest): "
        f"{ECD_REASON}: {ECD_FACTS}; {REASON}: {MOVED_FACTS}"
    )
    assert lines[-1].endswith(
        f"; {NOT_COMPARED} facts of the documents not compared (not in Arelle's export; "
        "each filing's line says why)"
    )

