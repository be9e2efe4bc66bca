"""QName values in segment and scenario content compared by namespace, not by prefix.

A copy of Apple's 10-K (classic), edited. Its schema declares aapl:RegionCode, of type
xs:QName, and aapl:Basis, whose ``kind`` attribute is an xs:QName. Six contexts of fiscal
2023 (2022-09-25..2023-09-30) hold them, each with a us-gaap:NetIncomeLoss:

- q-a ``<aapl:RegionCode>aapl:EMEA`` and q-b ``<r:RegionCode>r:EMEA``, ``r`` bound to
  Apple's namespace too: one value (a fact of 1 in each);
- q-c and q-d ``<aapl:RegionCode>z:EMEA``, ``z`` bound to ``urn:one`` in q-c and to
  ``urn:two`` in q-d: two values (a fact of 2 in each);
- q-e ``<aapl:Basis kind="aapl:ProForma"/>`` and q-f ``<r:Basis kind="r:ProForma"/>``:
  one value (a fact of 3 in each).

XBRL compares such content by value (s-equal, x-equal for a QName: namespace and local
name); the canonical XML once kept the prefixes written in the values, so q-a and q-b were
two Contexts and q-c and q-d one.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from xbrl_samples import REPO, SAMPLE_SEC, EditedRun, add_contexts_and_facts, run_edited

from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.verify.arelle_export import NON_DIMENSIONAL, export_oim

APPLE, APPLE_INSTANCE, APPLE_SCHEMA = (
    "aapl-10k-2023-09-30",
    "aapl-20230930_htm.xml",
    "aapl-20230930.xsd",
)
AAPL = "http://www.apple.com/20230930"
ELEMENTS = (
    '<xs:element id="aapl_RegionCode" name="RegionCode" type="xs:QName"/>'
    '<xs:element id="aapl_Basis" name="Basis"><xs:complexType>'
    '<xs:attribute name="kind" type="xs:QName"/></xs:complexType></xs:element>'
)
ENTITY = '<entity><identifier scheme="http://www.sec.gov/CIK">0000320193</identifier>'
FY2023 = "<period><startDate>2022-09-25</startDate><endDate>2023-09-30</endDate></period>"
CONTENT = {
    "q-a": f'<aapl:RegionCode xmlns:aapl="{AAPL}">aapl:EMEA</aapl:RegionCode>',
    "q-b": f'<r:RegionCode xmlns:r="{AAPL}">r:EMEA</r:RegionCode>',
    "q-c": f'<aapl:RegionCode xmlns:aapl="{AAPL}" xmlns:z="urn:one">z:EMEA</aapl:RegionCode>',
    "q-d": f'<aapl:RegionCode xmlns:aapl="{AAPL}" xmlns:z="urn:two">z:EMEA</aapl:RegionCode>',
    "q-e": f'<aapl:Basis xmlns:aapl="{AAPL}" kind="aapl:ProForma"/>',
    "q-f": f'<r:Basis xmlns:r="{AAPL}" kind="r:ProForma"/>',
}
VALUES = {"q-a": 1, "q-b": 1, "q-c": 2, "q-d": 2, "q-e": 3, "q-f": 3}
XBRLI = 'xmlns:xbrli="http://www.xbrl.org/2003/instance"'


def _segment(content: str, *namespaces: str) -> str:
    declared = "".join(f' xmlns:ns{n}="{uri}"' for n, uri in enumerate(namespaces, 1))
    return f"<xbrli:segment{declared} {XBRLI}>{content}</xbrli:segment>"


def apple_with_qnames(target: Path) -> Path:
    """Apple's package with the two elements declared and the six contexts and facts."""
    shutil.copytree(SAMPLE_SEC / APPLE, target)
    schema = target / APPLE_SCHEMA
    text = schema.read_text(encoding="utf-8")
    assert text.count("</xs:schema>") == 1
    schema.write_text(text.replace("</xs:schema>", f"{ELEMENTS}</xs:schema>"), "utf-8")
    contexts = "".join(
        f'<context id="{cid}">{ENTITY}<segment>{content}</segment></entity>{FY2023}</context>'
        for cid, content in CONTENT.items()
    )
    facts = "".join(
        f'<us-gaap:NetIncomeLoss contextRef="{cid}" decimals="0" id="{cid}1" unitRef="usd">'
        f"{value}</us-gaap:NetIncomeLoss>"
        for cid, value in VALUES.items()
    )
    add_contexts_and_facts(target / APPLE_INSTANCE, contexts, facts)
    return target


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    root = tmp_path_factory.mktemp("non_dimensional_qnames")
    return run_edited(root, {"apple": apple_with_qnames}, "xbrl_non_dimensional_qnames")


def _kept(run: EditedRun) -> dict[str, tuple[str, int]]:
    """(Context content, occurrences) of each added fact the graph keeps a row for, by its
    id in the document (a complete duplicate collapses into the first copy's row)."""
    contexts = {c["id"]: c["non_dimensional"] for c in run.rows("apple", "Context")}
    of_fact = {r["from"]: contexts[r["to"]] for r in run.rows("apple", "FACT_HAS_CONTEXT")}
    return {
        xml_id: (of_fact[fact["id"]], fact["occurrences"])
        for xml_id, fact in run.facts("apple").items()
        if xml_id.startswith("q-")
    }


def test_a_qname_value_under_two_prefixes_of_one_namespace_is_one_value(run: EditedRun) -> None:
    assert run.statuses["apple"] == "processed"
    kept = _kept(run)
    assert sorted(kept) == ["q-a1", "q-c1", "q-d1", "q-e1"]  # q-b1, q-f1 collapsed
    emea = _segment("<ns1:RegionCode>ns1:EMEA</ns1:RegionCode>", AAPL)
    assert kept["q-a1"] == (emea, 2)
    pro_forma = _segment('<ns1:Basis kind="ns1:ProForma"></ns1:Basis>', AAPL)
    assert kept["q-e1"] == (pro_forma, 2)


def test_one_prefix_bound_to_two_namespaces_is_two_values(run: EditedRun) -> None:
    kept = _kept(run)
    one = _segment("<ns1:RegionCode>ns2:EMEA</ns1:RegionCode>", AAPL, "urn:one")
    two = _segment("<ns1:RegionCode>ns2:EMEA</ns1:RegionCode>", AAPL, "urn:two")
    assert (kept["q-c1"], kept["q-d1"]) == ((one, 1), (two, 1))
    facts = run.facts("apple")
    assert facts["q-c1"]["duplicate_status"] is facts["q-d1"]["duplicate_status"] is None
    assert facts["q-c1"]["value_decimal"] == facts["q-d1"]["value_decimal"] == Decimal(2)
    assert run.manifest("apple").facts.reconciles()


def test_arelles_export_carries_the_same_canonical_content(tmp_path: Path) -> None:
    folder = apple_with_qnames(tmp_path / "apple")
    cache = prepare_cache([], REPO / "sample_data" / "taxonomies" / "cache")
    try:
        facts = export_oim([folder / APPLE_INSTANCE], cache)["facts"]
    finally:
        cache.close()
    content = {cid: facts[f"{cid}1"][NON_DIMENSIONAL] for cid in CONTENT}
    assert content["q-a"] == content["q-b"] != content["q-c"] != content["q-d"]
    assert content["q-e"] == content["q-f"]
    two = _segment("<ns1:RegionCode>ns2:EMEA</ns1:RegionCode>", AAPL, "urn:two")
    assert content["q-d"] == two  # as the graph keys it
