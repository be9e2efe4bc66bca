"""The check over a whole graph: each Report, its package in the raw store, one verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ledgergraph.batches import raw_package_prefix
from ledgergraph.errors import LedgerGraphError
from ledgergraph.manifest import read_fact_rejections
from xbrl_task.errors import ExportUnreadable, ReportNotInGraph
from xbrl_task.taxonomy_cache import TaxonomyCache
from xbrl_task.verify.compare import DIFFERENT, ONLY_ARELLE, ONLY_GRAPH, compare_facts
from xbrl_task.verify.facts import NIL, ComparableFact, collapse_whitespace
from xbrl_task.verify.graph_side import (
    GraphReport,
    Reader,
    count_fact_nodes,
    graph_facts,
    graph_reports,
)

SHOWN_PER_FILING = 20
UNTYPED_NOTE = "compared as untyped: their type's schema is not loaded"


@dataclass
class FilingCheck:
    """One filing's verdict; ``error`` when it could not be compared at all, ``not_checked``
    (the reason) when its documents are not here to compare with, which says nothing
    about the graph (a graph node's raw store that this machine does not have).

    The document's facts are compared as occurrences: ``graph_facts`` counts each Fact node
    as often as the document had it, ``arelle_facts`` each fact of Arelle's export.
    ``graph_fact_nodes`` counts the Fact nodes themselves, complete duplicates (same
    concept, context, unit, value, decimals, language) collapsed into one, as ``stats``
    and ``facts`` count them. ``arelle_exported`` says whether Arelle's export was read:
    until it is, ``arelle_facts`` is 0 and counts nothing.

    Each difference is one of three kinds: a fact of the export the graph lacks
    (``missing_from_graph``), a fact of the graph the export lacks (``extra_in_graph``), or
    a pair with the same aspects and another value, decimals or language (``different``).
    Only the extra ones are not among ``arelle_facts``, so a graph whose facts lost an
    aspect (a load stopped before their units were linked) can differ more often than
    there are facts: each such fact is missing once and extra once.
    """

    report: str
    graph_facts: int = 0
    arelle_facts: int = 0
    arelle_exported: bool = False
    graph_fact_nodes: int = 0
    differences: list[str] = field(default_factory=list)
    difference_count: int = 0
    missing_from_graph: int = 0
    extra_in_graph: int = 0
    different: int = 0
    error: str | None = None
    not_checked: str | None = None
    # facts of Arelle's export with no valid value that the graph rejects too: not compared
    both_rejected: int = 0
    # facts of Arelle's export whose concept's type is in no loaded schema, which Arelle
    # reads as untyped (whitespace collapsed): compared with the graph's value read so
    untyped: int = 0
    untyped_types: list[str] = field(default_factory=list)
    # the document's facts (the filing's census, on its Report) and those of them not in
    # Arelle's export, so compared by nobody: Arelle makes no fact of an element no loaded
    # schema defines. ``rejected_reasons``: the extraction's rejections by reason, from the
    # filing's manifest; None when the manifest is not in this home's store
    facts_in_document: int | None = None
    not_compared: int = 0
    rejected_reasons: dict[str, int] | None = None


@dataclass
class VerifyReport:
    filings: list[FilingCheck]

    @property
    def compared(self) -> int:
        """Fact occurrences in Arelle's export of the documents: the ``N`` of the summary."""
        return sum(f.arelle_facts for f in self.filings)

    @property
    def fact_nodes(self) -> int:
        """The compared reports' Fact nodes, complete duplicates collapsed."""
        return sum(f.graph_fact_nodes for f in self.filings if not f.not_checked)

    @property
    def untyped(self) -> int:
        """Facts compared as untyped: their concept's type is in no loaded schema."""
        return sum(f.untyped for f in self.filings)

    @property
    def not_compared(self) -> int:
        """Facts of the documents in no export, so not compared (each filing says why)."""
        return sum(f.not_compared for f in self.filings)

    @property
    def differences(self) -> int:
        """Every fact difference, and one for each filing that could not be compared."""
        return sum(f.difference_count + (1 if f.error else 0) for f in self.filings)

    @property
    def kinds(self) -> dict[str, int]:
        """``differences`` by kind (``FilingCheck``); ``errors``: filings in error."""
        return {
            "missing_from_graph": sum(f.missing_from_graph for f in self.filings),
            "extra_in_graph": sum(f.extra_in_graph for f in self.filings),
            "different": sum(f.different for f in self.filings),
            "errors": sum(1 for f in self.filings if f.error),
        }

    @property
    def not_checked(self) -> list[FilingCheck]:
        """Filings whose documents were not there to compare: neither agreeing nor not."""
        return [f for f in self.filings if f.not_checked]

    def summary(self) -> str:
        checked = len(self.filings) - len(self.not_checked)
        line = f"compared {self.compared} facts in {checked} filings, "
        line += f"{self.differences} differences"
        if self.differences:
            line += f" ({describe_kinds(**self.kinds)})"
        if self.untyped:
            line += f"; {self.untyped} {UNTYPED_NOTE}"
        if self.not_compared:
            line += (
                f"; {self.not_compared} facts of the documents not compared (not in Arelle's "
                "export; each filing's line says why)"
            )
        if self.not_checked:
            line += (
                f"; {len(self.not_checked)} filings not checked (their documents are not in "
                "this home's raw store)"
            )
        return line

    def to_json(self) -> dict:
        return {
            "compared": self.compared,
            "untyped": self.untyped,
            "not_compared": self.not_compared,
            "fact_nodes": self.fact_nodes,
            "filings": [asdict(f) for f in self.filings],
            "differences": self.differences,
            **self.kinds,
            "not_checked": [
                {"report": f.report, "reason": f.not_checked} for f in self.not_checked
            ],
            "summary": self.summary(),
        }


def describe_kinds(
    *, missing_from_graph: int, extra_in_graph: int, different: int, errors: int = 0
) -> str:
    """``2 missing from the graph, 1 extra in the graph, 0 different[, 1 filings in
    error]``: what a count of differences is made of."""
    text = (
        f"{missing_from_graph} missing from the graph, {extra_in_graph} extra in the graph, "
        f"{different} different"
    )
    return text + (f", {errors} filings in error" if errors else "")


def verify_graph(
    reader: Reader,
    graph_id: str,
    *,
    store_root: Path,
    cache: TaxonomyCache,
    only: list[str] | None = None,
) -> VerifyReport:
    """Compare every Report of ``graph_id`` (or those in ``only``) with Arelle's export.

    A filing that cannot be compared gets its error on its own check; the others are
    still compared.

    Raises:
        ReportNotInGraph: an id of ``only`` is not a Report of the graph.
    """
    reports = graph_reports(reader, graph_id)
    if only:
        known = {report.id for report in reports}
        unknown = [report_id for report_id in dict.fromkeys(only) if report_id not in known]
        if unknown:
            raise ReportNotInGraph(
                f"not a report of graph {graph_id}: {', '.join(unknown)} (it has "
                f"{len(known)} reports, by accession number or sha256- source unit)"
            )
        reports = [report for report in reports if report.id in only]
    checks = [
        _checked(reader, graph_id, report, store_root=store_root, cache=cache) for report in reports
    ]
    return VerifyReport(checks)


def _checked(
    reader: Reader, graph_id: str, report: GraphReport, *, store_root: Path, cache: TaxonomyCache
) -> FilingCheck:
    """``check_filing``, with anything unforeseen about this filing kept on its check."""
    try:
        return check_filing(reader, graph_id, report, store_root=store_root, cache=cache)
    except LedgerGraphError:
        raise  # the graph or the node failed, not this filing: every check would fail
    except Exception as exc:  # Arelle on a damaged package; one filing must not stop the rest
        return FilingCheck(report.id, error=f"unexpected {type(exc).__name__}: {exc}")


def check_filing(
    reader: Reader, graph_id: str, report: GraphReport, *, store_root: Path, cache: TaxonomyCache
) -> FilingCheck:
    from xbrl_task.verify.arelle_export import ExportFailed, export_oim  # Arelle: ~0.4 s
    from xbrl_task.verify.oim import both_rejected, oim_facts

    check = FilingCheck(report.id)
    ours = list(graph_facts(reader, graph_id, report.id))
    check.graph_facts = len(ours)
    check.graph_fact_nodes = count_fact_nodes(reader, graph_id, report.id)
    folder = _package_folder(store_root, report)
    if report.cik is None:  # a filing half loaded: its ENTITY_HAS_REPORT not in the graph
        check.error = "the report has no registrant entity in the graph"
        if folder is None:
            return check  # else still compared: the differences say what else is missing
    documents = [folder / name for name in report.documents]
    missing = [d.name for d in documents if not d.is_file()]
    if missing:
        check.not_checked = (
            f"package document(s) not in the raw store: {', '.join(missing)} ({folder})"
        )
        return check
    try:
        export = export_oim(documents, cache)
        theirs = list(oim_facts(export))
    except (ExportFailed, ExportUnreadable) as exc:
        check.error = f"{check.error}; {exc}" if check.error else str(exc)
        return check
    check.both_rejected = both_rejected(export)
    check.facts_in_document = report.in_document
    if report.in_document is not None:
        check.not_compared = max(0, report.in_document - len(theirs) - check.both_rejected)
    check.rejected_reasons = read_fact_rejections(store_root, graph_id, report.id)
    untyped = {fact.concept: fact.untyped for fact in theirs if fact.untyped}
    if untyped:
        ours = [_as_untyped(fact) if fact.concept in untyped else fact for fact in ours]
        check.untyped = sum(1 for fact in theirs if fact.untyped)
        check.untyped_types = sorted(set(untyped.values()))
    differences = compare_facts(ours, theirs)
    check.arelle_facts = len(theirs)
    check.arelle_exported = True
    check.difference_count = len(differences)
    check.missing_from_graph = sum(1 for d in differences if d.kind == ONLY_ARELLE)
    check.extra_in_graph = sum(1 for d in differences if d.kind == ONLY_GRAPH)
    check.different = sum(1 for d in differences if d.kind == DIFFERENT)
    check.differences = [d.describe() for d in differences[:SHOWN_PER_FILING]]
    return check


def _as_untyped(fact: ComparableFact) -> ComparableFact:
    """The graph's fact as Arelle reads a value of a type it has not loaded (anyType):
    whitespace collapsed. The graph keeps the value as filed, which is right; Arelle's
    reading is all the check can compare it with."""
    if fact.unit is not None or fact.value == NIL:
        return fact
    return replace(fact, value=collapse_whitespace(fact.value))


def _package_folder(store_root: Path, report: GraphReport) -> Path | None:
    """The report's package folder in the raw store, ``raw/sec/{cik}/{source unit}/``.

    Without the registrant's CIK in the graph (a filing half loaded) the folder is the one
    of that source unit under any CIK, if exactly one is there; else None.
    """
    if report.cik is not None:
        return store_root / raw_package_prefix(report.cik, report.id)
    companies = store_root / "raw" / "sec"
    if not companies.is_dir():
        return None
    found = [c / report.id for c in companies.iterdir() if (c / report.id).is_dir()]
    return found[0] if len(found) == 1 else None
