"""The Arelle adapter: load one filing offline and hand back plain values (``model.py``).

This is the only module that touches Arelle. One ``ArelleLoader`` lives as long as the worker
process and keeps one ``arelle.api.Session``: the controller, web cache, disclosure system
and Arelle's imports are set up once and reused for every filing. Arelle keeps no DTS cache
between models, so each filing still parses its taxonomies; each model is closed as soon as
its values are copied out, so memory stays flat over a batch.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from arelle import XmlValidateConst
from arelle.api.Session import Session
from arelle.ModelDocumentType import ModelDocumentType
from arelle.ModelDtsObject import ModelConcept
from arelle.ModelInstanceObject import (
    ModelContext,
    ModelDimensionValue,
    ModelFact,
    ModelUnit,
)
from arelle.ModelValue import QName as ArelleQName
from arelle.ModelValue import dateunionDate
from arelle.ModelXbrl import ModelXbrl
from arelle.RuntimeOptions import RuntimeOptions

from xbrl_task.errors import ProcessorMessage, check_load_messages, translate_exception
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
from xbrl_task.taxonomy_cache import TaxonomyCache

_XS_IMPORT = "{http://www.w3.org/2001/XMLSchema}import"


class ArelleLoader:
    """Loads filings one after the other in one Arelle session, always offline."""

    def __init__(self, cache: TaxonomyCache) -> None:
        self.cache = cache
        self._session = Session()

    def load(self, entry_point: Path, *, unit: str, concepts: Iterable[QName] = ()) -> LoadedFiling:
        """Load ``entry_point`` and copy out its facts; the Arelle model is closed after.

        ``concepts`` are looked up in the DTS even when Arelle made no fact of them, so the
        caller can tell an undefined concept from a fact Arelle dropped for another reason.

        Raises:
            FilingNotLoadable: the filing is missing, malformed or crashed Arelle.
        """
        try:
            self._session.run(self._options(entry_point))
        except Exception as exc:
            # Arelle raises anything from deep inside; whatever it is, it is this filing's
            self._close_models()
            raise translate_exception(exc, unit=unit, entry_point=entry_point.name) from exc
        messages = self._drain_messages()
        models = self._session.get_models()
        model = models[-1] if models else None
        try:
            loaded = model is not None and model.modelDocument is not None
            check_load_messages(messages, unit=unit, entry_point=entry_point.name, loaded=loaded)
            return _copy_filing(model, entry_point, messages, concepts)
        finally:
            self._close_models()

    def close(self) -> None:
        self._close_models()
        self._session.close()
        self.cache.close()

    def _options(self, entry_point: Path) -> RuntimeOptions:
        return RuntimeOptions(
            entrypointFile=str(entry_point),
            workOffline=True,
            cacheDirectory=str(self.cache.cache_dir),
            packages=[str(p) for p in self.cache.packages] or None,
            disablePersistentConfig=True,
            keepOpen=True,
            logFile="logToBuffer",
            logLevel="INFO",
        )

    def _drain_messages(self) -> list[ProcessorMessage]:
        log = json.loads(self._session.get_logs("json", clear_logs=True) or '{"log": []}')
        return [
            ProcessorMessage(
                code=entry.get("code", ""),
                level=entry.get("level", ""),
                text=entry.get("message", {}).get("text", ""),
                hrefs=tuple(ref.get("href", "") for ref in entry.get("refs", [])),
            )
            for entry in log.get("log", [])
            if entry.get("level") != "info"
        ]

    def _close_models(self) -> None:
        for model in list(self._session.get_models()):
            model.modelManager.close(model)


def _copy_filing(
    model: ModelXbrl,
    entry_point: Path,
    messages: list[ProcessorMessage],
    wanted: Iterable[QName],
) -> LoadedFiling:
    copier = _Copier()
    facts = [copier.fact(f) for f in _document_order(model.facts)]
    for qname in wanted:
        arelle_qname = ArelleQName(qname.prefix, qname.namespace, qname.local_name)
        copier.concept(arelle_qname, model.qnameConcepts.get(arelle_qname))
    return LoadedFiling(
        entry_point=entry_point,
        is_inline=model.modelDocument.type in ModelDocumentType.INLINEXBRLTYPES,
        facts=facts,
        concepts=copier.concepts,
        # namespaceDocs is a defaultdict: a failed import leaves an empty entry behind
        known_namespaces=frozenset(ns for ns, docs in model.namespaceDocs.items() if docs),
        schema_locations=_schema_locations(model),
        messages=messages,
    )


def _document_order(facts: list[ModelFact]) -> Iterator[ModelFact]:
    """Facts in document order, tuple members after their tuple.

    NOTE: ``factsInInstance`` is a set ordered by object address; iterating it would make
    which of two complete duplicates is kept differ from run to run.
    """
    for fact in facts:
        yield fact
        if fact.isTuple:
            yield from _document_order(fact.modelTupleFacts)


def _schema_locations(model: ModelXbrl) -> dict[str, str]:
    """namespace -> schemaLocation of every xs:import in the loaded schemas (found or not)."""
    locations: dict[str, str] = {}
    for document in model.urlDocs.values():
        root = document.xmlRootElement
        if root is None or document.type != ModelDocumentType.SCHEMA:
            continue
        for element in root.iterchildren(_XS_IMPORT):
            namespace, location = element.get("namespace"), element.get("schemaLocation")
            if namespace and location:
                locations.setdefault(namespace, location)
    return locations


class _Copier:
    """Copies Arelle objects into plain values, once per context, unit and concept."""

    def __init__(self) -> None:
        self.concepts: dict[QName, ConceptInfo] = {}
        self._contexts: dict[str, ContextInfo] = {}
        self._units: dict[str, UnitInfo] = {}

    def fact(self, fact: ModelFact) -> FactInfo:
        concept = self.concept(fact.qname, fact.concept)
        value, transform_error = _value_of(fact)
        raw = _raw_text(fact) if transform_error else None
        return FactInfo(
            qname=_qname(fact.qname),
            concept=concept,
            context=self.context(fact.context),
            unit=self.unit(fact.unit),
            value=value,
            is_nil=fact.isNil,
            decimals=fact.decimals,
            precision=fact.precision,
            language=None if concept is not None and concept.is_numeric else fact.xmlLang,
            xml_id=fact.id,
            context_id=fact.contextID,
            unit_id=fact.unitID,
            is_tuple=fact.isTuple,
            transform_error=transform_error,
            raw_value=raw,
        )

    def concept(
        self, qname: ArelleQName | None, concept: ModelConcept | None
    ) -> ConceptInfo | None:
        if qname is None or concept is None:
            return None
        key = _qname(qname)
        if key not in self.concepts:
            self.concepts[key] = ConceptInfo(
                qname=key,
                data_type=_optional_qname(concept.typeQname),
                substitution_group=_optional_qname(concept.substitutionGroupQname),
                period_type=concept.periodType,
                balance=concept.balance,
                is_abstract=bool(concept.isAbstract),
                is_nillable=concept.nillable in ("true", "1"),
                is_numeric=bool(concept.isNumeric),
            )
        return self.concepts[key]

    def context(self, context: ModelContext | None) -> ContextInfo | None:
        if context is None:
            return None
        if context.id not in self._contexts:
            scheme, identifier = context.entityIdentifier
            dimensions = tuple(self._dimension(v) for v in context.qnameDims.values())
            self._contexts[context.id] = ContextInfo(
                context.id, scheme, identifier.strip(), _period(context), dimensions
            )
        return self._contexts[context.id]

    def unit(self, unit: ModelUnit | None) -> UnitInfo | None:
        if unit is None:
            return None
        if unit.id not in self._units:
            numerators, denominators = unit.measures
            self._units[unit.id] = UnitInfo(
                unit.id,
                tuple(_qname(m) for m in numerators),
                tuple(_qname(m) for m in denominators),
            )
        return self._units[unit.id]

    def _dimension(self, value: ModelDimensionValue) -> DimensionInfo:
        axis = value.dimensionQname
        self.concept(axis, value.dimension)
        if value.isExplicit:
            self.concept(value.memberQname, value.member)
            member = _qname(value.memberQname) if value.memberQname is not None else None
            return DimensionInfo(_qname(axis), member, None, value.contextElement)
        typed = value.typedMember
        text = typed.stringValue.strip() if typed is not None else None
        return DimensionInfo(_qname(axis), None, text, value.contextElement)


def _value_of(fact: ModelFact) -> tuple[str | None, str | None]:
    """The fact's text after inline transforms, or (None, why) when Arelle could not get it."""
    if fact.isNil:
        return None, None
    if fact.isFraction:
        numerator, denominator = fact.fractionValue
        return f"{numerator.strip()}/{denominator.strip()}", None
    try:
        value = fact.value
    except Exception as exc:
        # an inline transform or number Arelle rejected: keep no value rather than guess
        return None, f"{_format_of(fact)}: {exc}"
    if getattr(fact, "xValid", None) == XmlValidateConst.INVALID and _format_of(fact):
        # NOTE: arelle-release lacks the SEC transforms (ixt-sec, in the EDGAR plugin); the
        # "value" it returns then is an error marker, not the filed value.
        return None, f"{_format_of(fact)}: transform not applied by arelle-release"
    return value, None


def _raw_text(fact: ModelFact) -> str | None:
    try:
        return fact.rawValue
    except Exception:  # the raw text only keeps distinct untransformed facts apart
        return None


def _format_of(fact: ModelFact) -> str | None:
    fmt = getattr(fact, "format", None)
    return str(fmt) if fmt is not None else None


def _period(context: ModelContext) -> PeriodInfo:
    # Arelle keeps date-only ends as the next midnight (exclusive); dateunionDate with
    # subtractOneDay turns them back into the inclusive calendar day that was filed.
    if context.isForeverPeriod:
        return PeriodInfo("forever")
    if context.isInstantPeriod:
        return PeriodInfo(
            "instant", None, dateunionDate(context.instantDatetime, subtractOneDay=True)
        )
    start = dateunionDate(context.startDatetime)
    return PeriodInfo("duration", start, dateunionDate(context.endDatetime, subtractOneDay=True))


def _qname(qname: ArelleQName) -> QName:
    return QName(qname.namespaceURI or "", qname.localName, qname.prefix or None)


def _optional_qname(qname: ArelleQName | None) -> QName | None:
    return _qname(qname) if qname is not None else None
