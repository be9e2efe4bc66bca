"""Extraction of the bundled SEC filings into graph Parquet: values, counts, ids, files."""

from __future__ import annotations

import shutil
import socket
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from lxml import etree
from xbrl_samples import GRAPH, SAMPLE_NAMES, SAMPLE_SEC, BatchRun, sample_batch_run

from ledgergraph.filing_package import describe_package
from ledgergraph.graph_schema import TABLES, arrow_schema, get_table
from ledgergraph.manifest import SourceUnitManifest, sha256_of
from ledgergraph.objectstore import LocalObjectStore
from xbrl_task.aspect_rows import AspectRows
from xbrl_task.census import FactCensus, count_document_facts
from xbrl_task.errors import (
    FactsDoNotReconcile,
    FilingNotLoadable,
    NoFacts,
    ProcessorMessage,
    check_load_messages,
)
from xbrl_task.extract import ReportMeta, extract_filing
from xbrl_task.identity import element_id, period_id, standard_family
from xbrl_task.model import (
    ConceptInfo,
    ContextInfo,
    DimensionInfo,
    FactInfo,
    LoadedFiling,
    PeriodInfo,
    QName,
    UnitInfo,
)
from xbrl_task.settings import XbrlTaskSettings
from xbrl_task.values import ValueNotExact, exact_decimal

DIM_ARCROLES = "http://xbrl.org/int/dim/arcrole/"
EEDM_ROLE = "http://fasb.org/us-gaap/role/eedm/ExtensibleEnumerationLists"
ECD_2023 = (
    "concept not defined: namespace http://xbrl.sec.gov/ecd/2023 (schema not in taxonomy "
    "cache: https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd)"
)
# in the document (shared data README) / created by Arelle / ecd facts lost (research)
EXPECTED_COUNTS = {
    "ba-10k-2023-12-31": (2474, 2466, {ECD_2023: 8}),
    "aapl-10k-2023-09-30": (1164, 1149, {ECD_2023: 15}),
    "aeon-10q-2023-09-30": (1132, 1132, {}),
    "tsla-10q-2024-06-30": (1149, 1135, {ECD_2023: 14}),
    "amzn-10k-2022-12-31": (1457, 1457, {}),
}


@pytest.fixture(scope="session")
def run() -> BatchRun:
    return sample_batch_run()


def undimensioned_facts(run: BatchRun, name: str, concept: str, period: str) -> list[dict]:
    """Facts of ``concept`` in ``period`` without dimensions, with their unit."""
    facts = run.table(name, "Fact")
    facts = facts.filter(pc.equal(facts["concept"], concept)).to_pylist()
    periods = {r["from"]: r["to"] for r in run.table(name, "FACT_HAS_PERIOD").to_pylist()}
    units = {r["from"]: r["to"] for r in run.table(name, "FACT_HAS_UNIT").to_pylist()}
    dimensioned = set(run.table(name, "FACT_HAS_DIMENSION")["from"].to_pylist())
    return [
        {**f, "unit": units.get(f["id"])}
        for f in facts
        if periods[f["id"]] == period and f["id"] not in dimensioned
    ]


def test_boeing_revenues_2023_are_exact(run: BatchRun) -> None:
    facts = undimensioned_facts(
        run, "ba-10k-2023-12-31", "us-gaap:Revenues", "2023-01-01..2023-12-31"
    )
    assert len(facts) == 1
    fact = facts[0]
    assert fact["value_decimal"] == Decimal("77794000000")
    assert fact["value_text"] == "77794000000"
    assert (fact["unit"], fact["decimals"], fact["is_nil"]) == (
        "iso4217:USD",
        "-6",
        False,
    )


def test_apple_revenue_fiscal_2023_is_exact(run: BatchRun) -> None:
    facts = undimensioned_facts(
        run,
        "aapl-10k-2023-09-30",
        "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax",
        "2022-09-25..2023-09-30",
    )
    assert [(f["value_decimal"], f["unit"]) for f in facts] == [
        (Decimal("383285000000"), "iso4217:USD")
    ]


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_fact_counts_reconcile_for_every_bundled_filing(run: BatchRun, name: str) -> None:
    counts = run.manifest(name).facts
    in_document, created, rejected = EXPECTED_COUNTS[name]
    assert counts.reconciles()
    assert counts.in_document == in_document
    assert counts.extracted + counts.duplicates_collapsed == created
    assert counts.rejected == rejected
    assert run.table(name, "Fact").num_rows == counts.extracted
    assert run.table(name, "Report").to_pylist()[0]["fact_count"] == counts.extracted


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_every_table_file_has_exactly_the_graph_schema(run: BatchRun, name: str) -> None:
    manifest = run.manifest(name)
    assert [f.table for f in manifest.tables] == list(TABLES)
    for table_file in manifest.tables:
        path = run.store.path(table_file.key)
        assert pq.read_schema(path).remove_metadata() == arrow_schema(get_table(table_file.table))
        assert pq.read_metadata(path).num_rows == table_file.rows
        assert sha256_of(path) == table_file.checksum


def test_manifest_is_written_after_every_table_file(run: BatchRun) -> None:
    for name in SAMPLE_NAMES:
        manifest = run.manifest(name)
        manifest_path = run.store.path(f"processed/{GRAPH}/{manifest.source_unit}/manifest.json")
        newest_table = max(run.store.path(t.key).stat().st_mtime_ns for t in manifest.tables)
        assert manifest_path.stat().st_mtime_ns >= newest_table
        assert manifest.processor == "arelle-release 2.47.3; ledgergraph xbrl_task 0.1.0"


def test_nil_facts_are_nil_not_zero(run: BatchRun) -> None:
    facts = run.table("ba-10k-2023-12-31", "Fact").to_pylist()
    nils = [f for f in facts if f["is_nil"]]
    assert len(nils) > 50
    assert all(f["value_decimal"] is None and f["value_text"] is None for f in nils)


def test_decimals_are_kept_as_filed_text(run: BatchRun) -> None:
    facts = run.table("amzn-10k-2022-12-31", "Fact").to_pylist()
    decimals = {f["decimals"] for f in facts if f["is_numeric"] and not f["is_nil"]}
    assert {"INF", "-6"} <= decimals
    assert all(f["decimals"] is None for f in facts if not f["is_numeric"])


def test_inline_scale_and_sign_give_the_documents_numbers(run: BatchRun) -> None:
    name = "aeon-10q-2023-09-30"
    by_xml_id = {f["fact_xml_id"]: f for f in run.table(name, "Fact").to_pylist()}
    document = etree.parse(str(SAMPLE_SEC / name / "aeon-20230930x10q.htm"))
    ix = "{http://www.xbrl.org/2013/inlineXBRL}nonFraction"
    checked = 0
    for element in document.getroot().iter(ix):
        fact = by_xml_id.get(element.get("id"))
        if fact is None or element.get("format") not in ("ixt:numdotdecimal", None):
            continue  # a collapsed duplicate, or a transform this test does not redo
        if fact["is_nil"]:
            assert fact["value_decimal"] is None
            continue
        number = Decimal("".join(element.itertext()).replace(",", "").strip())
        number = number.scaleb(int(element.get("scale") or 0))
        assert fact["value_decimal"] == (-number if element.get("sign") == "-" else number)
        checked += 1
    assert checked > 800


def test_sec_transform_formats_give_the_documents_values(run: BatchRun) -> None:
    name = "aeon-10q-2023-09-30"
    by_id = {f["fact_xml_id"]: f for f in run.table(name, "Fact").to_pylist()}
    document = etree.parse(str(SAMPLE_SEC / name / "aeon-20230930x10q.htm"))
    elements = [e for e in document.iter() if (e.get("format") or "").startswith("ixt-sec:")]
    assert len(elements) == 78
    sec = [by_id[e.get("id")] for e in elements if e.get("id") in by_id]  # others collapsed
    assert len(sec) > 70 and all(f["value_text"] is not None for f in sec)
    assert not any("have no value" in w for w in run.manifest(name).warnings)
    shown = {(f["concept"], f["displayed_text"].strip()): f for f in sec}
    # read off the document: "NYSE American", "one" segment, a "1.2" year lease, a checked box
    assert shown[("dei:SecurityExchangeName", "NYSE American")]["value_text"] == "NYSEAMER"
    segments = shown[("us-gaap:NumberOfOperatingSegments", "one")]
    assert segments["value_decimal"] == Decimal(1)
    lease = shown[("us-gaap:LesseeOperatingLeaseRemainingLeaseTerm", "1.2")]
    assert lease["value_text"] == "P1Y2M12D"
    assert shown[("dei:EntityEmergingGrowthCompany", "\u2612")]["value_text"] == "true"
    assert shown[("dei:EntityFilerCategory", "Non-accelerated filer")]["value_text"] == (
        "Non-accelerated Filer"
    )
    assert shown[("us-gaap:IncomeTaxExpenseBenefit", "no")]["value_decimal"] == 0


def test_report_rows_come_from_dei(run: BatchRun) -> None:
    report = run.table("tsla-10q-2024-06-30", "Report").to_pylist()[0]
    assert report["id"] == report["accession_number"] == "0001628280-24-032662"
    assert (report["form"], report["fiscal_year"], report["fiscal_period"]) == (
        "10-Q",
        2024,
        "Q2",
    )
    assert str(report["period_of_report"]) == "2024-06-30"
    aeon = run.table("aeon-10q-2023-09-30", "Report").to_pylist()[0]
    assert aeon["accession_number"] is None and aeon["id"].startswith("sha256-")
    assert aeon["is_inline"] is True
    entity = run.table("ba-10k-2023-12-31", "Entity").to_pylist()
    assert [(e["id"], e["cik"], e["name"]) for e in entity] == [("0000012927", 12927, "BOEING CO")]


def test_boeing_10k_states_its_filer_on_entity_has_report(run: BatchRun) -> None:
    (filed,) = run.table("ba-10k-2023-12-31", "ENTITY_HAS_REPORT").to_pylist()

    # dei facts f-3, f-7, f-8, f-16, f-17, f-22 and f-34 of ba-20231231_htm.xml
    assert (filed["from"], filed["role"], filed["name"]) == (
        "0000012927",
        "registrant",
        "BOEING CO",
    )
    assert (filed["state_of_incorporation"], filed["fiscal_year_end"]) == ("DE", "--12-31")
    assert (filed["filer_category"], filed["ein"]) == ("Large Accelerated Filer", "91-0425694")
    assert (filed["trading_symbols"], filed["exchanges"]) == ("BA", "NYSE")
    # the bundled package has no EDGAR registration data, so no SIC
    assert filed["sic"] is None


def test_boeing_10k_states_its_filer_on_entity_too(run: BatchRun) -> None:
    (entity,) = run.table("ba-10k-2023-12-31", "Entity").to_pylist()

    # the same dei facts as its ENTITY_HAS_REPORT, with the report they come from
    assert (entity["state_of_incorporation"], entity["fiscal_year_end"]) == ("DE", "--12-31")
    assert (entity["filer_category"], entity["ein"]) == ("Large Accelerated Filer", "91-0425694")
    assert (entity["trading_symbols"], entity["exchanges"], entity["sic"]) == ("BA", "NYSE", None)
    assert entity["stated_in"] == "0000012927-24-000010"
    assert str(entity["stated_as_of"]) == "2023-12-31"


def test_a_trading_symbol_with_a_space_stays_one_symbol(run: BatchRun) -> None:
    (filed,) = run.table("aeon-10q-2023-09-30", "ENTITY_HAS_REPORT").to_pylist()

    # AEON's common stock and its warrants ("AEON WS"), both on NYSE American
    assert (filed["trading_symbols"], filed["exchanges"]) == ("AEON|AEON WS", "NYSEAMER")


def test_shared_node_ids_are_canonical(run: BatchRun) -> None:
    periods = set(run.table("ba-10k-2023-12-31", "Period")["id"].to_pylist())
    assert {"2023-12-31", "2023-01-01..2023-12-31"} <= periods
    assert not any(p.endswith("2024-01-01") for p in periods)
    elements = run.table("aapl-10k-2023-09-30", "Element").to_pylist()
    ids = {e["id"] for e in elements}
    assert "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax" in ids
    extension = next(e for e in elements if not e["is_standard"])
    assert extension["id"].startswith("aapl:") and "@" in extension["id"]
    units = set(run.table("aapl-10k-2023-09-30", "Unit")["id"].to_pylist())
    assert {"iso4217:USD", "xbrli:shares", "iso4217:USD/xbrli:shares"} <= units
    dimensions = run.table("aapl-10k-2023-09-30", "Dimension")["id"].to_pylist()
    assert "srt:ProductOrServiceAxis=us-gaap:ProductMember" in dimensions


def test_outputs_are_the_same_when_processed_again_offline(
    run: BatchRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the batch, tsla and amzn came after a filing of their taxonomy year, so their
    # standard schemas were reused; here each is the first of its year: every table of both
    # runs must be equal, row for row.
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the XBRL task tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    names = ("tsla-10q-2024-06-30", "amzn-10k-2022-12-31")
    store = LocalObjectStore(tmp_path)
    _process_in_one_worker([SAMPLE_SEC / n for n in names], store, XbrlTaskSettings())
    _assert_outputs_equal_the_batchs(run, store, names)


def test_with_standard_schema_reuse_off_the_outputs_are_the_batchs(
    run: BatchRun, tmp_path: Path
) -> None:
    # In the batch, tsla adopted the 2023 schemas that aapl's load left in the worker's
    # cache; with the setting off, tsla's load parses them again after aapl's.
    names = ("aapl-10k-2023-09-30", "tsla-10q-2024-06-30")
    store = LocalObjectStore(tmp_path)
    settings = XbrlTaskSettings(reuse_standard_taxonomies=False)
    assert not _process_in_one_worker([SAMPLE_SEC / n for n in names], store, settings)
    _assert_outputs_equal_the_batchs(run, store, names)


def test_a_standard_concepts_copy_is_made_once_per_worker_as_a_fresh_load_makes_it() -> None:
    # aapl's load fills the schema cache with us-gaap 2023 and keeps the plain copies it
    # made of its concepts; tsla's load, in the same worker, takes them from there.
    from xbrl_task.__main__ import open_loader

    def load(loader, name: str) -> LoadedFiling:  # noqa: ANN001 - an ArelleLoader
        info = describe_package(SAMPLE_SEC / name)
        return loader.load(info.entry_path, unit=name)

    cash = QName("http://fasb.org/us-gaap/2023", "CashAndCashEquivalentsAtCarryingValue")
    worker = open_loader([], XbrlTaskSettings())
    fresh = open_loader([], XbrlTaskSettings(reuse_standard_taxonomies=False))
    try:
        apple = load(worker, "aapl-10k-2023-09-30")
        tesla = load(worker, "tsla-10q-2024-06-30")
        tesla_fresh = load(fresh, "tsla-10q-2024-06-30")
    finally:
        worker.close()
        fresh.close()

    assert tesla.concepts[cash] is apple.concepts[cash]  # the kept copy, not a new one
    assert tesla.concepts[cash] == tesla_fresh.concepts[cash]
    assert tesla.concepts[cash].qname.prefix == "us-gaap"
    assert tesla.concepts[cash].data_type == QName(
        "http://www.xbrl.org/2003/instance", "monetaryItemType"
    )
    assert tesla.concepts == tesla_fresh.concepts
    assert tesla.schema_locations == tesla_fresh.schema_locations
    assert tesla.dts.extension_concepts == tesla_fresh.dts.extension_concepts


def test_a_filers_arcs_in_a_standard_role_combine_with_the_adopted_schemas_as_with_fresh(
    run: BatchRun, tmp_path: Path
) -> None:
    # us-gaap 2023 embeds a definition link (role eedm) whose 580 arcs are in every
    # filing's graph. Tesla's linkbase, edited: prohibits one of them and adds one. Loaded
    # after Apple's, with us-gaap adopted from the cache, as when loaded without the cache.
    package = _tesla_with_arcs_in_the_eedm_role(tmp_path / "tsla-edited")
    outputs = {}
    for reuse, names in ((True, ("aapl-10k-2023-09-30",)), (False, ())):
        store = LocalObjectStore(tmp_path / f"reuse-{reuse}")
        settings = XbrlTaskSettings(reuse_standard_taxonomies=reuse)
        folders = [SAMPLE_SEC / n for n in names] + [package]
        assert _process_in_one_worker(folders, store, settings) is reuse
        unit = run.units["tsla-10q-2024-06-30"]
        outputs[reuse] = {
            table: pq.read_table(store.path(f"processed/{GRAPH}/{unit}/{table}.parquet"))
            for table in ("Network", "Arc")
        }

    assert outputs[True]["Arc"].equals(outputs[False]["Arc"])
    before = _eedm_arcs(
        run.table("tsla-10q-2024-06-30", "Network"), run.table("tsla-10q-2024-06-30", "Arc")
    )
    after = _eedm_arcs(outputs[True]["Network"], outputs[True]["Arc"])
    revenues = ("us-gaap:IncomeStatementAbstract", "us-gaap:Revenues")
    added = ("us-gaap:IncomeStatementAbstract", "us-gaap:ResearchAndDevelopmentExpense")
    assert len(before) == len(after) == 580
    assert revenues in before and revenues not in after
    assert added in after and added not in before


def _eedm_arcs(networks: pa.Table, arcs: pa.Table) -> set[tuple[str, str]]:
    """The (from, to) elements of the arcs in the eedm role's network."""
    (eedm,) = [n["id"] for n in networks.to_pylist() if n["role_uri"] == EEDM_ROLE]
    rows = [a for a in arcs.to_pylist() if a["network"] == eedm]
    return {(a["from_element"], a["to_element"]) for a in rows}


def _tesla_with_arcs_in_the_eedm_role(target: Path) -> Path:
    shutil.copytree(SAMPLE_SEC / "tsla-10q-2024-06-30", target)
    linkbase = target / "tsla-20240630_def.xml"
    gaap = "https://xbrl.fasb.org/us-gaap/2023/elts/us-gaap-2023.xsd#us-gaap_"
    loc = '<link:loc xlink:type="locator" xlink:href="{}{}" xlink:label="{}"/>'
    arc = (
        f'<link:definitionArc xlink:type="arc" xlink:arcrole="{DIM_ARCROLES}domain-member" '
        'xlink:from="isa" xlink:to="{}" order="{}"{}/>'
    )
    link = "".join([
        f'<link:roleRef roleURI="{EEDM_ROLE}" xlink:type="simple" '
        'xlink:href="https://xbrl.fasb.org/us-gaap/2023/elts/us-roles-2023.xsd#eedm"/>',
        f'<link:definitionLink xlink:type="extended" xlink:role="{EEDM_ROLE}">',
        loc.format(gaap, "IncomeStatementAbstract", "isa"),
        loc.format(gaap, "Revenues", "rev"),
        loc.format(gaap, "ResearchAndDevelopmentExpense", "other"),
        arc.format("rev", "10", ' use="prohibited" priority="1"'),
        arc.format("other", "5", ""),
        "</link:definitionLink></link:linkbase>",
    ])  # fmt: skip
    text = linkbase.read_text(encoding="utf-8")
    linkbase.write_text(text.replace("</link:linkbase>", link), encoding="utf-8")
    return target


def _process_in_one_worker(
    folders: list[Path], store: LocalObjectStore, settings: XbrlTaskSettings
) -> bool:
    """Process package folders in one loader, in order; whether it reused standard schemas."""
    from xbrl_task.__main__ import open_loader, process_folder
    from xbrl_task.processing import FilingProcessor

    loader = open_loader([], settings)
    try:
        processor = FilingProcessor(loader, store, GRAPH, logger=_quiet_logger())
        for folder in folders:
            assert process_folder(processor, folder).status == "processed", folder
    finally:
        loader.close()
    return loader.reuses_standard_schemas


def _assert_outputs_equal_the_batchs(
    run: BatchRun, store: LocalObjectStore, names: tuple[str, ...]
) -> None:
    """Every table of each filing equals the batch's row for row, and so do the warnings."""
    for name in names:
        unit = run.units[name]
        for table in TABLES:
            again = pq.read_table(store.path(f"processed/{GRAPH}/{unit}/{table}.parquet"))
            assert again.equals(run.table(name, table)), (name, table)
        assert (
            run.manifest(name).warnings
            == SourceUnitManifest.model_validate_json(
                store.get_bytes(f"processed/{GRAPH}/{unit}/manifest.json")
            ).warnings
        )


def test_a_filing_processed_again_from_the_same_inputs_reuses_its_output(
    tmp_path: Path,
) -> None:
    from xbrl_task.__main__ import open_loader, process_folder
    from xbrl_task.processing import FilingProcessor
    from xbrl_task.settings import XbrlTaskSettings

    package = tmp_path / "aapl"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", package)
    store = LocalObjectStore(tmp_path / "store")
    loader = open_loader([], XbrlTaskSettings())
    loads = []
    real_load = loader.load
    loader.load = lambda *a, **k: loads.append(a) or real_load(*a, **k)
    try:
        processor = FilingProcessor(loader, store, GRAPH, logger=_quiet_logger())
        first = process_folder(processor, package)
        manifest_bytes = store.get_bytes(first.key)
        again = process_folder(processor, package)
        reused_bytes = store.get_bytes(again.key)
        with (package / "aapl-20230930_htm.xml").open("a") as instance:
            instance.write("\n")  # one byte more: the package is not the same any more
        changed = process_folder(processor, package)
    finally:
        loader.close()

    assert (first.status, again.status, changed.status) == ("processed",) * 3
    assert again.facts == first.facts and first.facts.in_document == 1164
    assert reused_bytes == manifest_bytes  # the stored output was left as it was
    assert len(loads) == 2  # the first and the changed package, not the unchanged one
    inputs = SourceUnitManifest.model_validate_json(store.get_bytes(changed.key)).inputs
    assert inputs != SourceUnitManifest.model_validate_json(manifest_bytes).inputs


def test_a_package_naming_another_registrant_fails_naming_both_ciks(tmp_path: Path) -> None:
    import json

    from xbrl_task.__main__ import open_loader, process_folder
    from xbrl_task.processing import FilingProcessor
    from xbrl_task.settings import XbrlTaskSettings

    package = tmp_path / "aapl"
    shutil.copytree(SAMPLE_SEC / "aapl-10k-2023-09-30", package)
    sidecar = json.loads((package / "filing.json").read_text())
    (package / "filing.json").write_text(json.dumps(sidecar | {"cik": 12927}))
    store = LocalObjectStore(tmp_path / "store")
    loader = open_loader([], XbrlTaskSettings())
    try:
        processor = FilingProcessor(loader, store, GRAPH, logger=_quiet_logger())
        outcome = process_folder(processor, package)
    finally:
        loader.close()

    assert outcome.status == "failed"
    assert outcome.error == (
        "filing 0000320193-23-000106 (aapl-20230930_htm.xml): the package names registrant "
        "CIK 12927, but no fact of the document is about it (its facts are about CIK "
        "320193); check the CIK in filing.json"
    )
    assert not list(store.root.glob("processed/**/manifest.json"))


def _quiet_logger():  # noqa: ANN202 - Powertools logger
    from ledgergraph.logs import get_logger

    logger = get_logger("xbrl_task_test")
    logger.setLevel("ERROR")
    return logger


def test_a_document_that_is_not_well_formed_is_a_filing_error(tmp_path: Path) -> None:
    broken = tmp_path / "x_htm.xml"
    source = SAMPLE_SEC / "aapl-10k-2023-09-30" / "aapl-20230930_htm.xml"
    broken.write_bytes(source.read_bytes()[:5000])
    with pytest.raises(FilingNotLoadable) as refused:
        count_document_facts(broken, is_inline=False, unit="unit-1")
    # the line libxml2 names is where the unclosed tag opened: another line, kept
    assert str(refused.value) == (
        "filing unit-1: x_htm.xml is not well-formed XML at line 130, column 13: "
        "Premature end of data in tag period line 129"
    )


def test_a_malformed_document_names_its_location_once(tmp_path: Path) -> None:
    broken = tmp_path / "aapl-20230930_htm.xml"
    source = SAMPLE_SEC / "aapl-10k-2023-09-30" / "aapl-20230930_htm.xml"
    broken.write_bytes(source.read_bytes()[:200_000])  # ends inside the tag it opened

    with pytest.raises(FilingNotLoadable) as refused:
        count_document_facts(broken, is_inline=False, unit="0000320193-23-000106")

    assert str(refused.value) == (
        "filing 0000320193-23-000106: aapl-20230930_htm.xml is not well-formed XML at "
        "line 2914, column 14246: Premature end of data in tag "
        "RevenueFromContractWithCustomerTextBlock"
    )


# What Arelle 2.47.3 logs for Apple's label linkbase cut at 30000 bytes (the parser it
# recovers with, then the unrecoverable shape); the first reference is the schema that
# refers to the linkbase, not the malformed file.
ARELLE_SYNTAX = [
    ("[xmlSchema:syntax] Couldn't find end of Start Tag loc line 106, aapl-20230930_lab.xml, "
     "line 106, column 35 - ../aapl-20230930_lab.xml , aapl-20230930.xsd 20"),
    ("[xmlSchema:syntax] Unrecoverable error: Couldn't find end of Start Tag loc line 106, "
     "line 106, column 35 (aapl-20230930_lab.xml, line 106), aapl-20230930_lab.xml - "
     "aapl-20230930.xsd 20"),
]  # fmt: skip


@pytest.mark.parametrize("text", ARELLE_SYNTAX, ids=["recovered", "unrecoverable"])
def test_arelle_syntax_messages_name_the_malformed_file_and_its_location_once(
    text: str,
) -> None:
    hrefs = ("aapl-20230930.xsd#element(/1/12/1/1)", "../aapl-20230930_lab.xml")
    message = ProcessorMessage("xmlSchema:syntax", "error", text, hrefs)

    with pytest.raises(FilingNotLoadable) as refused:
        check_load_messages([message], unit="u", entry_point="a_htm.xml", loaded=True)

    assert str(refused.value) == (
        "filing u: aapl-20230930_lab.xml is not well-formed XML at line 106, column 35: "
        "Couldn't find end of Start Tag loc"
    )


def test_arelle_syntax_messages_fail_the_filing() -> None:
    message = ProcessorMessage("xmlSchema:syntax", "error", "Premature end", ("a_lab.xml",))
    with pytest.raises(FilingNotLoadable, match="unit-2: a_lab.xml is not well-formed"):
        check_load_messages([message], unit="unit-2", entry_point="a_htm.xml", loaded=True)
    gone = ProcessorMessage("IOerror", "error", "Could not load file. file: /p/a_lab.xml - a.xsd 3")
    with pytest.raises(FilingNotLoadable, match="unit-2: package file a_lab.xml is missing"):
        check_load_messages([gone], unit="unit-2", entry_point="a_htm.xml", loaded=True)
    # what Arelle 2.47.3 logs for amzn-20221231.xsd overwritten with random bytes
    garbage = ProcessorMessage(
        "IOerror", "error", "[IOerror] amzn-20221231.xsd: file error: 'utf-8' codec can't "
        "decode bytes in position 4-5: invalid continuation byte - amzn-20221231_htm.xml 15",
    )  # fmt: skip
    unreadable = (r"unit-2: package file amzn-20221231.xsd cannot be read: 'utf-8' codec "
                  r"can't decode bytes in position 4-5: invalid continuation byte$")  # fmt: skip
    with pytest.raises(FilingNotLoadable, match=unreadable):
        check_load_messages([garbage], unit="unit-2", entry_point="a_htm.xml", loaded=True)
    taxonomy = ProcessorMessage("IOerror", "error", "file: https://xbrl.sec.gov/ecd/2023/e.xsd")
    check_load_messages([taxonomy], unit="unit-2", entry_point="a_htm.xml", loaded=True)
    with pytest.raises(FilingNotLoadable, match="cannot load a_htm.xml"):
        check_load_messages([], unit="unit-2", entry_point="a_htm.xml", loaded=False)


def test_standard_namespaces_of_any_year_share_a_family() -> None:
    assert standard_family("http://fasb.org/us-gaap/2022") == "us-gaap"
    assert standard_family("http://fasb.org/us-gaap/2024") == "us-gaap"
    assert standard_family("http://xbrl.us/us-gaap/2009-01-31") == "us-gaap"
    assert standard_family("http://xbrl.sec.gov/ecd/2023") == "ecd"
    assert standard_family("http://xbrl.sec.gov/dei/2011-01-31") == "dei"
    assert standard_family("http://www.boeing.com/20231231") is None
    revenue = QName("http://fasb.org/us-gaap/2022", "Revenues", "gaap")
    assert element_id(revenue) == "us-gaap:Revenues"


def test_period_ids_use_inclusive_end_dates() -> None:
    from datetime import date

    duration = PeriodInfo("duration", date(2023, 1, 1), date(2023, 12, 31))
    assert period_id(duration) == "2023-01-01..2023-12-31"
    assert period_id(PeriodInfo("instant", None, date(2023, 12, 31))) == "2023-12-31"
    assert period_id(PeriodInfo("forever")) == "forever"


def test_exact_decimals_never_round() -> None:
    assert exact_decimal(" 0.125 ") == Decimal("0.125")
    assert exact_decimal("-383285000000") == Decimal("-383285000000")
    for text in ("INF", "NaN", "1_000", "0.1234567890123", "1" * 27, "three"):
        with pytest.raises(ValueNotExact):
            exact_decimal(text)


def test_census_counts_inline_facts_by_name() -> None:
    info = describe_package(SAMPLE_SEC / "aeon-10q-2023-09-30")
    census = count_document_facts(info.entry_path, is_inline=True, unit=info.source_unit)
    assert census.total == sum(census.per_concept.values()) == 1132
    assert census.per_concept[QName("http://xbrl.sec.gov/dei/2022", "DocumentType")] == 1


REVENUES = QName("http://fasb.org/us-gaap/2023", "Revenues", "us-gaap")
META = ReportMeta("0000000001-24-000001", "0000000001-24-000001", 1, "x_htm.xml", False, "p")


def small_filing(values: list[str]) -> LoadedFiling:
    """A hand-made filing: one Revenues fact per value, same context and unit."""
    from datetime import date

    concept = ConceptInfo(REVENUES, None, None, "duration", "credit", False, True, True)
    period = PeriodInfo("duration", date(2023, 1, 1), date(2023, 12, 31))
    context = ContextInfo("c1", "http://www.sec.gov/CIK", "0000000001", period, ())
    usd = UnitInfo("usd", (QName("http://www.xbrl.org/2003/iso4217", "USD", "iso4217"),), ())
    facts = [
        FactInfo(REVENUES, concept, context, usd, v, False, "-6", None, None, f"f{i}", "c1", "usd")
        for i, v in enumerate(values)
    ]
    return LoadedFiling(Path("x_htm.xml"), False, facts, {REVENUES: concept}, frozenset(), {})


def test_complete_duplicates_collapse_and_numbers_compare_by_value() -> None:
    filing = small_filing(["1000", "1000.00", "2000"])
    result = extract_filing(filing, FactCensus(3, Counter({REVENUES: 3})), META)
    assert (result.counts.extracted, result.counts.duplicates_collapsed) == (2, 1)
    kept = result.tables["Fact"].to_pylist()
    assert [(f["fact_xml_id"], f["value_text"]) for f in kept] == [("f0", "1000"), ("f2", "2000")]


def test_a_fact_lost_without_reason_fails_the_reconciliation() -> None:
    filing = small_filing(["1000"])
    with pytest.raises(FactsDoNotReconcile, match="2 in document != 1 extracted"):
        extract_filing(filing, FactCensus(2, Counter({REVENUES: 2})), META)


def test_a_filing_without_facts_is_an_error() -> None:
    with pytest.raises(NoFacts, match="0000000001-24-000001"):
        extract_filing(small_filing([]), FactCensus(0, Counter()), META)


def test_a_shared_element_reads_the_family_prefix_not_the_filing_s() -> None:
    # the Element node is shared by every filer: one binding us-gaap to "gaap" must not
    # decide how the node reads for the others
    gaap = QName("http://fasb.org/us-gaap/2023", "Revenues", "gaap")
    concept = ConceptInfo(gaap, None, None, "duration", "credit", False, True, True)
    builder = AspectRows({gaap: concept})
    extension = QName("http://www.tesla.com/20240630", "Foo", "tsla")
    builder.element(gaap), builder.element(extension)
    rows = builder.rows.rows("Element")
    assert [(r["id"], r["qname"]) for r in rows] == [
        ("us-gaap:Revenues", "us-gaap:Revenues"),
        (element_id(extension), "tsla:Foo"),
    ]


def test_only_a_cik_as_edgar_writes_it_makes_a_co_registrant() -> None:
    from types import SimpleNamespace

    from xbrl_task.report_rows import coregistrant_ciks

    axis = QName("http://xbrl.sec.gov/dei/2023", "LegalEntityAxis", "dei")

    def stated(member: str, value: str) -> SimpleNamespace:
        qname = QName("http://xbrl.sec.gov/dei/2023", "EntityCentralIndexKey", "dei")
        dimension = DimensionInfo(
            axis, QName("http://x.example/2023", member, "x"), None, "segment"
        )
        context = SimpleNamespace(dimensions=(dimension,))
        return SimpleNamespace(qname=qname, context=context, value=value)

    found = coregistrant_ciks(
        [stated("Sub", " 0007654321 "), stated("Long", "1" * 23), stated("Wide", "١٢٣")]
    )
    # 23 digits would overflow Entity.cik (INT64) and fail the filing; Arabic-Indic digits
    # are no CIK either: neither member is a co-registrant
    assert {m.local_name: cik for m, cik in found.items()} == {"Sub": 7654321}
