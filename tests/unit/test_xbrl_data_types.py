"""An Element's data type: named the same every year, its namespace kept apart, exact.

``data_type`` names a type like an Element (``dtr-types:domainItemType`` whatever the DTR
year), so ``data_type_namespace`` must say which namespace the filer's schema meant: read
here from each bundled extension schema with lxml, its prefix resolved as XML does.
"""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree
from xbrl_samples import SAMPLE_NAMES, SAMPLE_SEC, BatchRun, sample_batch_run

XS = "{http://www.w3.org/2001/XMLSchema}"
DTR_2020, DTR_2022 = (
    "http://www.xbrl.org/dtr/type/2020-01-21",
    "http://www.xbrl.org/dtr/type/2022-03-31",
)
APPLE = "aapl-10k-2023-09-30"


@pytest.fixture(scope="module")
def bundled() -> BatchRun:
    return sample_batch_run()


def filed_types(package: str) -> dict[str, tuple[str, str]]:
    """local name -> (type namespace, type local name) of each element the package's
    schema declares, the type's prefix resolved with the schema's own bindings."""
    (path,) = (SAMPLE_SEC / package).glob("*.xsd")
    found = {}
    for element in etree.parse(str(path)).getroot().iterchildren(f"{XS}element"):
        prefix, local = element.get("type").split(":")
        found[element.get("name")] = (element.nsmap[prefix], local)
    return found


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_each_extension_concepts_type_namespace_is_the_one_its_schema_binds(
    bundled: BatchRun, name: str
) -> None:
    filed = filed_types(name)
    elements = [e for e in bundled.table(name, "Element").to_pylist()
                if not e["is_standard"] and e["local_name"] in filed]  # fmt: skip
    assert len(elements) == len(filed)
    for element in elements:
        namespace, local = filed[element["local_name"]]
        assert element["data_type_namespace"] == namespace, element["id"]
        assert element["data_type"].split(":")[1] == local


def test_apples_mac_member_is_a_domain_item_of_the_2020_dtr(bundled: BatchRun) -> None:
    (mac,) = [e for e in bundled.table(APPLE, "Element").to_pylist()
              if e["qname"] == "aapl:MacMember"]  # fmt: skip
    assert (mac["data_type"], mac["data_type_namespace"]) == ("dtr-types:domainItemType", DTR_2020)
    (definition,) = [d for d in bundled.table(APPLE, "ElementDefinition").to_pylist()
                     if d["element"] == mac["id"]]  # fmt: skip
    assert definition["data_type_namespace"] == DTR_2020
    # one readable name, two DTR years: Apple's own members are of both, us-gaap's of 2022
    domains = Counter(
        (e["is_standard"], e["data_type_namespace"])
        for e in bundled.table(APPLE, "Element").to_pylist()
        if e["data_type"] == "dtr-types:domainItemType"
    )
    assert domains == {(False, DTR_2020): 30, (False, DTR_2022): 3, (True, DTR_2022): 565}


def filed_imports(package: str) -> set[str]:
    """The namespaces the package's schema imports (xs:import), read with lxml."""
    (path,) = (SAMPLE_SEC / package).glob("*.xsd")
    root = etree.parse(str(path)).getroot()
    return {i.get("namespace") for i in root.iterchildren(f"{XS}import")}


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_the_data_type_registries_a_filing_uses_are_its_taxonomies(
    bundled: BatchRun, name: str
) -> None:
    taxonomies = {t["id"]: t for t in bundled.table(name, "Taxonomy").to_pylist()}
    used = {r["to"] for r in bundled.table(name, "REPORT_USES_TAXONOMY").to_pylist()}
    types = {e["data_type_namespace"] for e in bundled.table(name, "Element").to_pylist()}
    registries = {ns for ns in filed_imports(name) | types
                  if ns and ns.startswith("http://www.xbrl.org/dtr/type/")}  # fmt: skip
    assert registries and registries <= used
    for namespace in registries:
        row = taxonomies[namespace]
        assert (row["family"], row["is_standard"], row["is_loaded"]) == ("dtr-types", True, True)
        assert row["version"] == namespace.rsplit("/", 1)[1]
    assert all(not ns.startswith("http://www.xbrl.org/2003/") for ns in used)  # specs are not


def test_apple_uses_both_years_of_the_data_type_registry(bundled: BatchRun) -> None:
    used = {r["to"] for r in bundled.table(APPLE, "REPORT_USES_TAXONOMY").to_pylist()}
    assert {ns for ns in used if "/dtr/" in ns} == {DTR_2020, DTR_2022}
    (types_2020,) = [t for t in bundled.table(APPLE, "Taxonomy").to_pylist() if t["id"] == DTR_2020]
    assert types_2020["schema_location"] == "https://www.xbrl.org/dtr/type/2020-01-21/types.xsd"
