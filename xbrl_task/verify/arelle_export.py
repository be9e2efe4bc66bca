"""Arelle's own export of a filing: load it and save it with Arelle's OIM (xBRL-JSON) saver.

Part of the Arelle adapter. Each filing gets a fresh ``arelle.api.Session`` (Arelle loads
plugins only on a session's first run, and a document set needs its IXDS plugin). The SEC
transformation formats are installed as in the worker, so inline facts using them have
values on both sides. Properties are added through the saver's own extension hook:
whether the concept is numeric and the fact's xml:lang, which plain xBRL-JSON leaves out for
some facts; a numeric fact's ``precision`` (xBRL-JSON only has decimals, inferred from it
and none at all for ``precision="0"``); each typed dimension's value canonical for its
type, as the graph keys it (the export writes it as filed); the canonical XML of the
context's non-dimensional segment and scenario content, which the export leaves out (it
has no aspect for it); for enumeration facts, the
members as Arelle read them; whether Arelle found no valid value (its export then writes
none, or an error marker, as if nil); and why the graph rejects the fact's value, read by
the extraction's own rule (``broken_continuation``, ``value_of``, ``value_problem``), so
the check can tell a rejection from a lost fact; the type of a concept whose type's
schema is not loaded, whose value Arelle reads as untyped. A fact of no concept (the DTS does not
define it) is marked as both: without a valid value for Arelle, rejected by the graph.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from arelle import XbrlConst, XmlValidateConst
from arelle.api.Session import Session
from arelle.ModelInstanceObject import ModelFact, ModelInlineFact
from arelle.ModelValue import QName
from arelle.plugin.saveLoadableOIM import saveLoadableOIM
from arelle.RuntimeOptions import RuntimeOptions

from xbrl_task.arelle_context_content import non_dimensional_xml, typed_key
from xbrl_task.arelle_facts import broken_continuation, clamped_moments, period_info, value_of
from xbrl_task.arelle_loader import IXDS_PLUGIN, ixds_entry
from xbrl_task.arelle_plugin import install_sec_transforms
from xbrl_task.extract import TEXT_UNREADABLE, period_rejection, value_problem
from xbrl_task.taxonomy_cache import TaxonomyCache

NUMERIC = "ledgergraph:numeric"
LANGUAGE = "ledgergraph:lang"
QNAMES = "ledgergraph:qnames"
INVALID = "ledgergraph:invalid"
REJECTED = "ledgergraph:rejected"
PRECISION = "ledgergraph:precision"
TYPED = "ledgergraph:typed"
NON_DIMENSIONAL = "ledgergraph:nonDimensional"
FILED_PERIOD = "ledgergraph:filedPeriod"
UNTYPED = "ledgergraph:untyped"
_FLOATING = frozenset({"double", "float"})
_SAVER = "arelleOIMsaver:"  # the code prefix of the xBRL-JSON saver's own messages
_OFFLINE = "[IOerror]"  # a file Arelle could not load (offline: not in the cache)

install_sec_transforms()


class ExportFailed(RuntimeError):
    """Arelle loaded nothing for the filing."""


def export_oim(documents: list[Path], cache: TaxonomyCache) -> dict[str, Any]:
    """The filing's xBRL-JSON as Arelle saves it (facts keyed by id), as a dict."""
    several = len(documents) > 1
    options = RuntimeOptions(
        entrypointFile=ixds_entry(documents) if several else str(documents[0]),
        plugins=IXDS_PLUGIN if several else None,
        workOffline=True,
        cacheDirectory=str(cache.cache_dir),
        packages=[str(p) for p in cache.packages] or None,
        disablePersistentConfig=True,
        keepOpen=True,
        logFile="logToBuffer",
        logLevel="ERROR",
    )
    session = Session()
    try:
        session.run(options)
        models = session.get_models()
        if not models or models[-1].modelDocument is None:
            raise ExportFailed(f"Arelle loaded nothing from {documents[0].name}")
        with tempfile.TemporaryDirectory(prefix="ledgergraph-oim-") as scratch:
            path = Path(scratch) / "export.json"
            try:
                saveLoadableOIM(models[-1], str(path), extensionFactPropertiesMethod=_extras)
            except Exception as exc:  # a document Arelle only half loaded (cut short, say)
                raise ExportFailed(
                    f"Arelle could not export {documents[0].name} ({type(exc).__name__}: "
                    f"{str(exc)[:200]}); its first error: {_first_error(session)}"
                ) from exc
            if not path.is_file():  # the saver refused and said why (xBRL-JSON has no tuple)
                raise ExportFailed(
                    f"Arelle wrote no xBRL-JSON export of {documents[0].name}: "
                    f"{_first_error(session, _SAVER)}"
                )
            return json.loads(path.read_text(encoding="utf-8"))
    finally:
        for model in list(session.get_models()):
            model.modelManager.close(model)
        session.close()


def _first_error(session: Session, prefer: str = "") -> str:
    """The first line Arelle logged (one holding ``prefer`` first), shortened.

    NOTE: a taxonomy file the offline cache lacks is an ``[IOerror]`` line on every load
    of some filings (AEON's us-roles-2022.xsd), harmless and the cause of nothing: such
    lines are counted, never named as the error.
    """
    lines = [line for line in session.get_logs("text").splitlines() if line.strip()]
    causes = [line for line in lines if not line.startswith(_OFFLINE)]
    chosen = next((x for x in causes if prefer and prefer in x), causes[0] if causes else None)
    if chosen is None:
        offline = len(lines)
        return f"none ({offline} taxonomy files not available offline)" if offline else "none"
    return chosen[:300]


def _extras(fact: ModelFact, oim_fact: dict[str, Any]) -> None:
    _add_typed_keys(fact, oim_fact)
    concept = fact.concept
    # a fraction is a numeric item with a unit (XBRL 2.1), as the graph reads it
    oim_fact[NUMERIC] = bool(concept is not None and (concept.isNumeric or concept.isFraction))
    if fact.isFraction and not fact.isNil:
        # NOTE: the saver writes Arelle's Fraction, which JSON cannot hold (TypeError);
        # xBRL-JSON has no fraction: the text as the graph reads it, numerator/denominator
        oim_fact["value"] = value_of(fact)[0]
    if concept is None:  # Arelle can validate nothing; the graph rejects it for its concept
        oim_fact[INVALID] = True
        oim_fact[REJECTED] = f"concept not defined: {fact.qname} (no such element in the DTS)"
        return
    untyped = _unloaded_type(concept)
    if untyped is not None:
        oim_fact[UNTYPED] = untyped
    if not fact.isNil and fact.decimals is None and fact.precision is not None:
        oim_fact[PRECISION] = fact.precision  # the export gives decimals, none for 0
    if not fact.isNil and getattr(fact, "xValid", None) == XmlValidateConst.INVALID:
        oim_fact[INVALID] = True  # a fact the graph rejects (xbrl_task/README.md, Values)
    rejection = None if fact.isNil else _rejection(fact, numeric=oim_fact[NUMERIC])
    if rejection is not None:
        oim_fact[REJECTED] = rejection
    if not oim_fact[NUMERIC] and fact.xmlLang:
        oim_fact[LANGUAGE] = fact.xmlLang
    value = getattr(fact, "xValue", None)
    values = value if isinstance(value, list) else [value]
    if value is not None and all(isinstance(v, QName) for v in values):
        # an (extensible) enumeration: Arelle's own reading of the members
        oim_fact[QNAMES] = [[v.namespaceURI, v.localName] for v in values]
    _add_filed_period(fact, oim_fact)


def _unloaded_type(concept: Any) -> str | None:
    """The concept's type (``prefix:name``) when no loaded schema defines it, else None.

    NOTE: Arelle then validates the value as anyType, whitespace collapsed (``<div>\\n<p``
    becomes ``<div> <p``), where the graph keeps it as filed: Apple's 2010 10-K, whose
    text block type (us-types 2009) is not in the taxonomy cache.
    """
    qname = concept.typeQname
    if qname is None or qname.namespaceURI == XbrlConst.xsd or concept.type is not None:
        return None
    return str(qname)


def _add_filed_period(fact: ModelFact, oim_fact: dict[str, Any]) -> None:
    """The texts as filed of the period moments Arelle clamped (9999-12-31 it holds a day
    early, and writes so), which the check reads instead; a period no text of which can
    be read rejects the fact, as the extraction does, before anything else."""
    context = fact.context
    filed = clamped_moments(context) if context is not None else None
    if not filed:
        return
    error = period_info(context).error
    if error is not None:
        oim_fact[REJECTED] = period_rejection(context.id, error)
    else:
        oim_fact[FILED_PERIOD] = filed


def _add_typed_keys(fact: ModelFact, oim_fact: dict[str, Any]) -> None:
    """Each typed dimension's value as compared (``typed_key``), by the axis as the export
    names it: the export writes the text as filed, and ``01`` is ``1`` for an integer.
    And the context's non-dimensional content, which xBRL-JSON has no aspect for: the
    saver leaves it out without a word, so the facts of ``<segment><my:Region>`` and of
    the same period without it would look like one fact to the check."""
    context = fact.context
    if context is None:
        return
    content = non_dimensional_xml(context.segNonDimValues, context.scenNonDimValues)
    if content is not None:
        oim_fact[NON_DIMENSIONAL] = content
    keys = {
        str(axis): typed_key(value.typedMember)
        for axis, value in context.qnameDims.items()
        if value.isTyped and value.typedMember is not None and not _nil(value.typedMember)
    }
    if keys:
        oim_fact[TYPED] = keys


def _nil(member: Any) -> bool:
    return member.get("{http://www.w3.org/2001/XMLSchema-instance}nil") in ("true", "1")


def _rejection(fact: ModelFact, *, numeric: bool) -> str | None:
    """Why extraction rejects this fact's value, worded as its reason (without the fact's
    name, which the check's line gives), or None when the graph keeps it."""
    inline = isinstance(fact, ModelInlineFact)
    broken = broken_continuation(fact) if inline else None
    if broken is not None:
        return f"{TEXT_UNREADABLE}: {broken}"
    try:
        value, error = value_of(fact)
    except Exception:  # a classic value Arelle could not give: it is INVALID, nothing more
        return None
    concept = fact.concept
    floating = inline or (concept is not None and concept.baseXsdType in _FLOATING)
    fraction = bool(concept is not None and concept.isFraction)
    problem = value_problem(value, error, numeric=numeric, floating=floating, fraction=fraction)
    return None if problem is None else f"{problem[0]}: {problem[1]}"
