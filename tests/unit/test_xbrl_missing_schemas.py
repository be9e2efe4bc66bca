"""A filing whose standard schemas the taxonomy cache lacks: what it loses is counted and said.

Apple's 10-K is edited into a filing of a year the bundled cache does not hold: its schema
and linkbases refer to us-gaap, srt and dei of 2025 (the cache has 2022 to 2024). With its
own aapl: facts removed too, no fact is left to load: the filing fails ``NoFacts``, and its
error record, its line of the run summary and the line the CLI prints count every fact
under the schema it misses, naming that schema's URL.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from xbrl_samples import GRAPH, SAMPLE_SEC, EditedRun, apple_of_2025, run_edited

from ledgergraph.batches import FilingRef
from ledgergraph.manifest import SourceUnitError, error_key
from ledgergraph.missing_schemas import FACTS_NOT_LOADED
from ledgergraph.run_summary import summarize_filing
from ledgergraph.sec_steps import collect_filing
from localrun import render

APPLE = "aapl-10k-2023-09-30"
INSTANCE = "aapl-20230930_htm.xml"
AAPL = "http://www.apple.com/20230930"


def _of_2025_without_aapl_facts(target: Path) -> Path:
    """The same, its aapl: facts removed: no fact of it has a concept the cache defines."""
    apple_of_2025(target)
    instance = target / INSTANCE
    document = etree.parse(str(instance))
    for fact in document.getroot().findall(f"{{{AAPL}}}*"):
        fact.getparent().remove(fact)
    document.write(str(instance), xml_declaration=True, encoding="UTF-8")
    return target


def _facts_by_namespace(instance: Path) -> Counter[str]:
    """The facts of a classic instance per namespace (every fact of Apple's is an item
    child of its root), read with lxml alone."""
    root = etree.parse(str(instance)).getroot()
    skip = {"http://www.xbrl.org/2003/instance", "http://www.xbrl.org/2003/linkbase"}
    return Counter(
        etree.QName(e).namespace
        for e in root
        if isinstance(e.tag, str) and etree.QName(e).namespace not in skip
    )


@pytest.fixture(scope="module")
def no_facts(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"apple": _of_2025_without_aapl_facts}
    return run_edited(tmp_path_factory.mktemp("no_facts"), editors, "xbrl_missing_schemas")


def _lost_per_schema() -> dict[str, int]:
    """Apple's us-gaap, dei and ecd facts, each under the URL of the schema the edited
    copy imports its namespace from (ecd's 2023 schema is not in the bundled cache)."""
    counted = _facts_by_namespace(SAMPLE_SEC / APPLE / INSTANCE)
    urls = {
        "http://fasb.org/us-gaap/2023": "https://xbrl.fasb.org/us-gaap/2025/elts/us-gaap-2025.xsd",
        "http://xbrl.sec.gov/dei/2023": "https://xbrl.sec.gov/dei/2025/dei-2025.xsd",
        "http://xbrl.sec.gov/ecd/2023": "https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd",
    }
    return {
        f"concept not defined: namespace {ns} (schema not in taxonomy cache: {url})": counted[ns]
        for ns, url in urls.items()
    }


def test_no_fact_left_fails_naming_each_missing_schema_with_its_facts(
    no_facts: EditedRun,
) -> None:
    lost = _lost_per_schema()
    assert sorted(lost.values()) == [15, 65, 1006]
    assert no_facts.statuses == {"apple": "failed"}
    unit = no_facts.units["apple"]
    record = SourceUnitError.model_validate_json(no_facts.store.get_bytes(error_key(GRAPH, unit)))
    assert (record.error_type, record.facts_in_document) == ("NoFacts", 1086)
    assert record.rejected_reasons == lost
    assert record.message.endswith(
        "no fact could be extracted (1086 in document), all rejected: "
        + "; ".join(f"{n} {reason}" for reason, n in sorted(lost.items()))
        + "; add the schemas to a taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE) and run again"
    )


def test_the_summary_and_the_cli_count_the_facts_of_no_facts_under_their_reasons(
    no_facts: EditedRun,
) -> None:
    unit = no_facts.units["apple"]
    ref = FilingRef(source_unit=unit, cik=320193, package_prefix=f"raw/sec/320193/{unit}/",
                    entry_point=INSTANCE, form="10-K")  # fmt: skip
    line = summarize_filing(collect_filing(no_facts.store, GRAPH, ref), None, None)
    lost = _lost_per_schema()
    assert (line["status"], line["error_type"]) == ("failed", "NoFacts")
    assert (line["facts_in_document"], line["facts_rejected"]) == (1086, 1086)
    assert line["rejected_reasons"] == lost  # none under "filing failed (NoFacts)"
    summary = {"filings": [line], "loaded": 0, "failed": 1, "duration_ms": 0}
    (failed,) = [t for t in render.sec_summary(summary).splitlines() if "FAILED" in t]
    assert failed.startswith(f"{unit}: FAILED NoFacts: filing {unit} ({INSTANCE}): ")
    for reason, n in lost.items():
        assert failed.count(f"{n} {reason}") == 1  # the error names it; not said twice


@pytest.fixture(scope="module")
def most_rejected(tmp_path_factory: pytest.TempPathFactory) -> EditedRun:
    editors = {"apple": apple_of_2025}
    return run_edited(tmp_path_factory.mktemp("most_rejected"), editors, "xbrl_missing_schemas")


def test_a_filing_loaded_without_the_facts_of_missing_schemas_is_a_warning_to_act_on(
    most_rejected: EditedRun,
) -> None:
    unit = most_rejected.units["apple"]
    ref = FilingRef(source_unit=unit, cik=320193, package_prefix=f"raw/sec/320193/{unit}/",
                    entry_point=INSTANCE, form="10-K")  # fmt: skip
    outcome = collect_filing(most_rejected.store, GRAPH, ref)
    offered = outcome["facts_extracted"]
    load = {"status": "loaded", "facts_loaded": offered, "facts_added": offered}
    line = summarize_filing(outcome, load, None)
    lost = _lost_per_schema()
    assert (line["status"], line["facts_rejected"], line["rejected_reasons"]) == (
        "loaded", 1086, lost
    )  # fmt: skip
    aapl = _facts_by_namespace(SAMPLE_SEC / APPLE / INSTANCE)[AAPL]
    assert (aapl, offered + outcome["duplicates_collapsed"]) == (78, 78)  # aapl: facts only
    schemas = [w for w in line["warnings_to_act_on"] if w.startswith(FACTS_NOT_LOADED)]
    assert schemas == [
        f"{FACTS_NOT_LOADED}: {n} facts of namespace {ns} rejected, their schema not "
        f"available offline, {url}; add the schema to a taxonomy cache "
        "(LEDGERGRAPH_TAXONOMY_CACHE), remove the filing (delete-source) and load it again"
        for (ns, url), n in ((_namespace_and_url(r), n) for r, n in sorted(lost.items()))
    ]
    summary = {"filings": [line], "loaded": 1, "failed": 0, "duration_ms": 0,
               "delete_command": "ledgergraph delete-source --home H"}  # fmt: skip
    text = render.sec_summary(summary).splitlines()
    # one WARNING for the run: per schema, the facts (1006 + 65 + 15 = 1086 rejected) and
    # the arcs (the manifest's arcs warnings) it kept out of the graph
    start = text.index("WARNING 4 schemas not available offline: the facts and arcs of "
                       "their concepts are not in the graph")  # fmt: skip
    assert text[start + 1 : start + 6] == [
        f"  https://xbrl.fasb.org/srt/2025/elts/srt-2025.xsd: {unit} 74 arcs",
        f"  https://xbrl.fasb.org/us-gaap/2025/elts/us-gaap-2025.xsd: {unit} 1006 facts, 1085 arcs",
        f"  https://xbrl.sec.gov/dei/2025/dei-2025.xsd: {unit} 65 facts, 80 arcs",
        f"  https://xbrl.sec.gov/ecd/2023/ecd-2023.xsd: {unit} 15 facts, 95 arcs",
        "  to load them: add the schemas to a taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE), "
        f"remove the filing (ledgergraph delete-source --home H {unit}) and run again; a "
        "filing's manifest names the networks that lost arcs",
    ]
    assert sorted(lost.values()) == [15, 65, 1006]


def _namespace_and_url(reason: str) -> tuple[str, str]:
    """The namespace and the schema URL a missing-schema rejection reason names."""
    namespace = reason.split("namespace ", 1)[1].split(" ", 1)[0]
    return namespace, reason.rsplit(": ", 1)[1].rstrip(")")
