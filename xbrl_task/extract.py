"""A loaded filing becomes graph rows, a Report node and fact counts that reconcile.

Every fact element of the document ends up in exactly one place: a Fact row, a complete
duplicate folded into one, or a rejection counted with its reason. If the three do not add
up to the document's own count (``census.py``), the filing fails instead of losing facts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

from ledgergraph.filing_package import Registration
from ledgergraph.ids import cik10
from ledgergraph.manifest import SCHEMA_NOT_CACHED, FactCounts
from xbrl_task.census import FactCensus
from xbrl_task.dei_warnings import dei_warnings, is_cover_fact
from xbrl_task.dts_rows import add_dts_rows, unresolved_arc_warnings
from xbrl_task.duplicates import flag_duplicates, inconsistent_warnings
from xbrl_task.errors import (
    FactsDoNotReconcile,
    NoFacts,
    ProcessorMessage,
    RegistrantNotInDocument,
)
from xbrl_task.fact_rows import FactRowBuilder
from xbrl_task.inline_display import unmatched_reference_warnings
from xbrl_task.inline_warnings import inline_rule_warnings, is_inline_rule
from xbrl_task.model import FactInfo, LoadedFiling, QName
from xbrl_task.non_dimensional import non_dimensional_warnings
from xbrl_task.report_rows import ReportFacts, add_report, coregistrant_ciks
from xbrl_task.rows import Row
from xbrl_task.tuples import tuple_warnings
from xbrl_task.values import NotANumber, ValueNotExact, exact_decimal, shown

SEC_CIK_SCHEME = "http://www.sec.gov/CIK"
VALUE_REJECTED = "value not storable as DECIMAL(38, 12)"
# a numeric fact whose text (after its format) is no number, or that its format refused
NUMBER_UNREADABLE = "number not readable"
VALUE_INVALID = "value not valid for its type"
# an inline text whose continuation chain breaks (arelle_facts.broken_continuation)
TEXT_UNREADABLE = "text not readable in full"
# a context's period Arelle clamped and whose text is no date either (per context)
PERIOD_UNREADABLE = "period not readable"
# reasons that name one fact each, and so are listed only up to MAX_LISTED_VALUES
_PER_FACT = (VALUE_REJECTED, NUMBER_UNREADABLE, VALUE_INVALID, TEXT_UNREADABLE)
MAX_LISTED_VALUES = 20
_UNLISTED = "more values, each named in the manifest's warnings"
VALUES_UNLISTED = f"{VALUE_REJECTED}: {_UNLISTED}"
UNREADABLE_UNLISTED = f"{NUMBER_UNREADABLE}: {_UNLISTED}"
INVALID_UNLISTED = f"{VALUE_INVALID}: {_UNLISTED}"
_MAX_MESSAGE = 240
# Arelle names schema particles by their index in the model ("ModelSequence[740, ..."),
# which depends on what the worker loaded before: left out, so warnings are reproducible.
_OBJECT_INDEX = re.compile(r"\[\d+, (?=\S+ line \d)")


@dataclass(frozen=True)
class ReportMeta:
    """What the package says about the filing, before its facts are read."""

    source_unit: str
    accession_number: str | None
    cik: int
    entry_point: str
    is_inline: bool
    processor: str
    form_hint: str | None = None
    documents: tuple[str, ...] = ()
    registration: Registration | None = None


@dataclass
class Extraction:
    tables: dict[str, pa.Table]
    counts: FactCounts
    report: Row
    warnings: list[str]
    warnings_to_act_on: list[str]


def extract_filing(filing: LoadedFiling, census: FactCensus, meta: ReportMeta) -> Extraction:
    """Rows of every graph table for one filing, with reconciled fact counts.

    Raises:
        FactsDoNotReconcile: a fact of the document is neither extracted nor rejected.
        NoFacts: nothing usable in the document.
    """
    builder = FactRowBuilder(
        meta.source_unit, filing.concepts, coregistrants=coregistrant_ciks(filing.facts)
    )
    rejected: Counter[str] = Counter()
    cover: list[tuple[FactInfo, str]] = []  # rejected dei facts the Report is built from
    for fact in filing.facts:
        if fact.is_tuple:  # no context, no node; its items are facts (tuples.py warns)
            continue
        reason = rejection_reason(fact, filing)
        if reason is None:
            builder.add(fact)
            continue
        rejected[reason] += 1
        if is_cover_fact(fact):
            cover.append((fact, reason))
    rejected.update(uncreated_facts(census, filing))
    rejected, unlisted = fold_value_reasons(rejected)
    duplicates = flag_duplicates(builder.rows.rows("Fact"), builder.aspects)
    counts = FactCounts(
        in_document=census.total,
        extracted=builder.fact_rows,
        duplicates_collapsed=builder.collapsed,
        duplicates_consistent=duplicates.consistent_facts,
        duplicates_inconsistent=duplicates.inconsistent_facts,
        inconsistent_sets=len(duplicates.inconsistent),
        rejected=rejected,
    )
    check_counts(counts, census, filing, meta)
    check_registrant(builder, meta)
    refused_arcs = add_dts_rows(builder, filing.dts, meta.source_unit)
    report, cover_warnings = add_report(builder, report_facts(meta, counts, filing))
    to_act_on = [*form_warnings(report, meta), *dei_warnings(cover, report), *cover_warnings]
    to_act_on += inline_rule_warnings(filing.messages, census.repeated_ids)
    to_act_on += refused_arcs
    to_act_on += tuple_warnings(filing.facts)
    to_act_on += unmatched_reference_warnings(filing.hidden_references, filing.facts)
    to_act_on += inconsistent_warnings(duplicates, builder.parents)
    held = filing.non_dimensional_contexts
    to_act_on += non_dimensional_warnings(builder.non_dimensional, held)
    to_act_on += unresolved_arc_warnings(filing.dts)  # the package is not to blame: last
    warnings = [*to_act_on, *unlisted, *message_warnings(filing.messages)]
    return Extraction(builder.rows.to_arrow(), counts, report, warnings, to_act_on)


def report_facts(meta: ReportMeta, counts: FactCounts, filing: LoadedFiling) -> ReportFacts:
    return ReportFacts(
        source_unit=meta.source_unit,
        accession_number=meta.accession_number,
        registrant_cik=meta.cik,
        form_hint=meta.form_hint,
        registration=meta.registration,
        is_inline=meta.is_inline,
        entry_point=meta.entry_point,
        documents=filing.documents or meta.documents,
        processor=meta.processor,
        in_document=counts.in_document,
        collapsed=counts.duplicates_collapsed,
        rejected=counts.rejected_total,
    )


def rejection_reason(fact: FactInfo, filing: LoadedFiling) -> str | None:
    """Why a fact Arelle created cannot become a Fact row, or None when it can."""
    if fact.concept is None:
        return undefined_concept_reason(fact.qname, filing)
    context = fact.context
    if context is None:
        return f"context not found: {fact.context_id}"
    if context.period.error is not None:
        return period_rejection(context.id, context.period.error)
    if context.scheme != SEC_CIK_SCHEME or not context.identifier.isdigit():
        return f"entity identifier is not a CIK: {context.scheme} {context.identifier}"
    if fact.concept.is_numeric and fact.unit is None:
        return f"unit not found: {fact.unit_id}"
    return value_rejection(fact) if not fact.is_nil else None


def period_rejection(context_id: str, error: str) -> str:
    """The reason for the facts of a context whose period cannot be read (Arelle holds a
    day that does not exist, ``2023-02-30``, as 9999-12-31: ``identity.is_clamped``)."""
    return f"{PERIOD_UNREADABLE}: context {context_id}: {error}"


def value_rejection(fact: FactInfo) -> str | None:
    """Why a fact's value cannot be read or stored exactly, naming the fact; None if it can.

    One rule for inline and classic facts: a number that is not one or does not fit
    DECIMAL(38, 12), a value whose inline format refuses the displayed text or is
    implemented by no registry, a non-numeric value not valid for the concept's type, an
    inline text whose continuation chain breaks.
    """
    if fact.text_error is not None:
        return f"{TEXT_UNREADABLE}: {_where(fact)}: {fact.text_error}"
    concept = fact.concept
    numeric = concept is not None and concept.is_numeric
    # an inline number's value was computed from a text checked as filed (values.fact_number)
    floating = fact.inline is not None or (concept is not None and concept.is_floating)
    fraction = concept is not None and concept.is_fraction
    problem = value_problem(
        fact.value, fact.value_error, numeric=numeric, floating=floating, fraction=fraction
    )
    if problem is None:
        return None
    prefix, detail = problem
    return f"{prefix}: {_where(fact)}: {detail}"


def _where(fact: FactInfo) -> str:
    """The fact as a rejection names it: concept, id and context."""
    return f"{fact.qname} (id {fact.xml_id or 'none'}, context {fact.context_id})"


def value_problem(
    value: str | None,
    error: str | None,
    *,
    numeric: bool,
    floating: bool,
    fraction: bool = False,
) -> tuple[str, str] | None:
    """The reason prefix and detail for a value the graph rejects, or None if it keeps it.

    Args:
        value: the (not nil) fact's text after inline transforms, scale and sign; of a
            fraction, ``numerator/denominator`` as filed.
        error: why the value could not be read at all (``arelle_facts.value_of``).
        floating: an exponent is allowed (``values.filed_number``).
        fraction: of an ``xbrli:fractionItemType`` concept (``ix:fraction`` inline).
    """
    if error is not None:
        return (NUMBER_UNREADABLE if numeric else VALUE_INVALID), error
    if fraction:
        # NOTE: 1/3 has no exact decimal, and a Fact holds one number, so no fraction is
        # kept, not even one that has (1/4): a fraction concept's facts stay alike
        return VALUE_REJECTED, (
            f"the fraction {shown(value or '')} (numerator/denominator, "
            "xbrli:fractionItemType) is not kept: a fraction may have no exact decimal (1/3), "
            "so the graph keeps none"
        )
    if not numeric:
        return None
    try:
        exact_decimal(value or "", floating=floating)
    except NotANumber as exc:
        return NUMBER_UNREADABLE, str(exc)
    except ValueNotExact as exc:
        return VALUE_REJECTED, str(exc)
    return None


def fold_value_reasons(rejected: Counter[str]) -> tuple[dict[str, int], list[str]]:
    """Rejections per reason, those naming single values beyond the first few folded into one.

    Every value reason names its fact, so there can be as many as facts; the counts travel
    in Step Functions payloads (256 KiB), so only ``MAX_LISTED_VALUES`` are listed there
    (numbers and other values together) and the rest are counted under one reason per
    prefix and returned as lines for the manifest's warnings.
    """
    folded: Counter[str] = Counter()
    unlisted: list[str] = []
    listed = 0
    for reason, count in rejected.items():
        prefix = next((p for p in _PER_FACT if reason.startswith(f"{p}: ")), None)
        per_fact = prefix is not None
        if per_fact and listed >= MAX_LISTED_VALUES:
            folded[f"{prefix}: {_UNLISTED}"] += count
            unlisted.append(reason)
            continue
        listed += per_fact
        folded[reason] += count
    return dict(sorted(folded.items())), unlisted


def undefined_concept_reason(qname: QName, filing: LoadedFiling) -> str:
    namespace = qname.namespace
    if namespace in filing.known_namespaces:
        return f"concept not defined: {qname} (no such element in namespace {namespace})"
    location = filing.schema_locations.get(namespace)
    if location is None:
        return f"concept not defined: namespace {namespace} (no schema imports it)"
    where = (
        SCHEMA_NOT_CACHED
        if location.startswith(("http://", "https://"))
        else "schema file missing from the package"
    )
    return f"concept not defined: namespace {namespace} ({where}: {location})"


def uncreated_facts(census: FactCensus, filing: LoadedFiling) -> Counter[str]:
    """Document facts Arelle made no fact of, because their concept is not defined."""
    created = Counter(f.qname for f in filing.facts if not f.is_tuple)
    reasons: Counter[str] = Counter()
    for qname, in_document in census.per_concept.items():
        missing = in_document - created.get(qname, 0)
        if missing > 0 and qname not in filing.concepts:
            reasons[undefined_concept_reason(qname, filing)] += missing
    return reasons


def check_counts(
    counts: FactCounts, census: FactCensus, filing: LoadedFiling, meta: ReportMeta
) -> None:
    where = f"filing {meta.source_unit} ({meta.entry_point})"
    if not counts.reconciles():
        created = Counter(f.qname for f in filing.facts if not f.is_tuple)
        diffs = [
            f"{q}: {census.per_concept.get(q, 0)} in document, {created.get(q, 0)} loaded"
            for q in sorted(set(census.per_concept) | set(created), key=str)
            if census.per_concept.get(q, 0) != created.get(q, 0) and q in filing.concepts
        ]
        raise FactsDoNotReconcile(
            f"{where}: facts do not reconcile: {counts.in_document} in document != "
            f"{counts.extracted} extracted + {counts.duplicates_collapsed} collapsed + "
            f"{counts.rejected_total} rejected; {'; '.join(diffs[:5]) or 'no per-concept gap'}"
        )
    if counts.extracted == 0:
        reasons = "; ".join(f"{n} {reason}" for reason, n in sorted(counts.rejected.items()))
        hint = (
            "; add the schemas to a taxonomy cache (LEDGERGRAPH_TAXONOMY_CACHE) and run again"
            if any(SCHEMA_NOT_CACHED in reason for reason in counts.rejected)
            else ""
        )
        raise NoFacts(
            f"{where}: no fact could be extracted ({counts.in_document} in document)"
            + (f", all rejected: {reasons}{hint}" if reasons else ""),
            dict(counts.rejected),
        )


def check_registrant(builder: FactRowBuilder, meta: ReportMeta) -> None:
    """The registrant the package names (filing.json, EDGAR) must be an entity of the facts:
    the Report hangs off it, and the facts off the entities their contexts name."""
    if cik10(meta.cik) in builder.entities:
        return
    ciks = ", ".join(str(cik) for cik in sorted(e["cik"] for e in builder.entities.values()))
    raise RegistrantNotInDocument(
        f"filing {meta.source_unit} ({meta.entry_point}): the package names registrant CIK "
        f"{meta.cik}, but no fact of the document is about it (its facts are about CIK "
        f"{ciks or 'none'}); check the CIK in filing.json"
    )


def form_warnings(report: Row, meta: ReportMeta) -> list[str]:
    """The form the document states, when it is not the one the package announced: the
    user must act on it (its Report keeps the package's form)."""
    stated = report["document_type"]
    if meta.form_hint and stated and meta.form_hint != stated:
        return [
            f"form {stated} in the document (dei:DocumentType), {meta.form_hint} in the "
            f"package (filing.json); the graph's Report says {meta.form_hint}"
        ]
    return []


def message_warnings(messages: list[ProcessorMessage]) -> list[str]:
    """Arelle's errors and warnings, one line per missing file or per message code; the
    broken Inline XBRL rules are left to the warnings to act on (``inline_warnings``)."""
    missing = sorted({m for m in (_missing_file(x) for x in messages) if m})
    lines = [f"taxonomy file not available offline: {url}" for url in missing]
    codes = Counter(m.code for m in messages if m.code != "IOerror" and not is_inline_rule(m))
    for code, count in sorted(codes.items()):
        first = _OBJECT_INDEX.sub("[", next(m.text for m in messages if m.code == code))
        lines.append(f"{code} x{count}: {first[:_MAX_MESSAGE]}")
    return lines


def _missing_file(message: ProcessorMessage) -> str | None:
    if message.code != "IOerror":
        return None
    match = re.search(r"file: (\S+)", message.text)
    return match.group(1) if match else message.text[:_MAX_MESSAGE]
