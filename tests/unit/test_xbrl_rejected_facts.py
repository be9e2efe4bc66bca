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


def _facts(home: Path, concept: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``facts --concept concept --cik 320193`` on the copy's home: exit status, stderr."""
    from localrun.cli import main as cli
    from localrun.errors import UnknownConcept

    try:
        code = cli(["facts", "--home", str(home), "--concept", concept, "--cik", "320193"])
    except UnknownConcept as exc:  # main() lets it out; the console entry prints "error: "
        code, error = 1, f"error: {exc}\n"
    else:
        error = ""
    return code, capsys.readouterr().err + error


def test_facts_names_the_rejected_namespace_a_concept_may_be_in(
    loaded: tuple[Path, FilingCheck], capsys: pytest.CaptureFixture[str]
) -> None:
    home, check = loaded
    code, error = _facts(home, f"us-gaap:{MOVED}", capsys)
    filing = f"aapl-20230930_htm.xml ({check.report})"
    assert code == 0
    assert error.splitlines()[-1] == (
        f"{MOVED_FACTS} facts of namespace {US_GAAP_2009} in {filing} were rejected: schema "
        f"not in taxonomy cache: {US_GAAP_2009_SCHEMA}; us-gaap:{MOVED} may be among them "
        "(rejected facts are counted per namespace, not per concept)"
    )


def test_facts_of_a_concept_the_graph_lacks_name_the_rejections_too(
    loaded: tuple[Path, FilingCheck], capsys: pytest.CaptureFixture[str]
) -> None:
    home, check = loaded
    # us-gaap 2023 has no SalesRevenueNet (removed in 2018): the graph holds no such concept
    code, error = _facts(home, "us-gaap:SalesRevenueNet", capsys)
    assert code == 1
    assert error.splitlines()[-2:] == [
        "error: graph sec holds no concept 'us-gaap:SalesRevenueNet'",
        f"{MOVED_FACTS} facts of namespace {US_GAAP_2009} in aapl-20230930_htm.xml "
        f"({check.report}) were rejected: schema not in taxonomy cache: "
        f"{US_GAAP_2009_SCHEMA}; us-gaap:SalesRevenueNet may be among them (rejected facts "
        "are counted per namespace, not per concept)",
    ]
    # a name without its prefix may be of any namespace: every missing schema is named
    code, error = _facts(home, "SalesRevenueNet", capsys)
    assert code == 1
    assert error.splitlines()[-1] == (
        f"aapl-20230930_htm.xml ({check.report}) rejected {NOT_COMPARED} facts for missing "
        f"schemas ({US_GAAP_2009_SCHEMA}, https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd); "
        "SalesRevenueNet may be among them"
    )
