"""The Arelle adapter: load one filing offline and hand back plain values (``model.py``).

Only the ``arelle_*`` modules touch Arelle; this one runs the loads. One ``ArelleLoader``
lives as long as the worker process and keeps one ``arelle.api.Session``: the controller, web
cache, disclosure system and Arelle's imports are set up once and reused for every filing.
Arelle keeps no DTS between models; the loader's ``StandardSchemaCache`` hands the standard
schemas one filing loaded to the next ones (unless turned off), and each filing parses only
its own documents. Each model is closed as soon as its values are copied out, so memory
stays flat over a batch.

An inline document set of several documents needs Arelle's ``inlineXbrlDocumentSet``
plugin, and plugins only load on a session's first run (see ``arelle_plugin``); such a
filing is loaded in a short-lived session of its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from arelle.api.Session import Session
from arelle.ModelDocumentType import ModelDocumentType
from arelle.ModelValue import QName as ArelleQName
from arelle.ModelXbrl import ModelXbrl
from arelle.RuntimeOptions import RuntimeOptions
from arelle.UrlUtil import IXDS_DOC_SEPARATOR, IXDS_SURROGATE

from xbrl_task.arelle_context_memo import ContextPartMemo
from xbrl_task.arelle_context_validation import ContextValidation
from xbrl_task.arelle_dts import copy_dts, schema_imports, schema_locations
from xbrl_task.arelle_dts_cache import StandardSchemaCache
from xbrl_task.arelle_facts import FactCopier, document_order, tuple_members
from xbrl_task.arelle_footnotes import FootnoteIndex
from xbrl_task.arelle_item_validation import ItemFactValidation
from xbrl_task.arelle_plugin import install_sec_transforms
from xbrl_task.errors import ProcessorMessage, check_load_messages, translate_exception
from xbrl_task.inline_display import referenced_hidden_ids
from xbrl_task.model import LoadedFiling, QName
from xbrl_task.taxonomy_cache import TaxonomyCache

IXDS_PLUGIN = "inlineXbrlDocumentSet"
_FILE = re.compile(r"file: (\S+)")

install_sec_transforms()


class ArelleLoader:
    """Loads filings one after the other in one Arelle session, always offline."""

    def __init__(self, cache: TaxonomyCache, *, reuse_standard_schemas: bool = True) -> None:
        """``reuse_standard_schemas``: hand the standard schemas one filing loaded to the
        next filings of the session (``StandardSchemaCache``); outputs are the same without.
        """
        self.cache = cache
        self._session = Session()
        self._in_main_session = False
        self._schemas: StandardSchemaCache | None = None
        if reuse_standard_schemas:
            self._schemas = StandardSchemaCache(owns=lambda _model: self._in_main_session)
            self._schemas.install()
        self._contexts = ContextPartMemo(owns=lambda _model: self._in_main_session)
        self._contexts.install()
        self._items = ItemFactValidation(owns=lambda _model: self._in_main_session)
        self._items.install()
        self._plain_contexts = ContextValidation(owns=lambda _model: self._in_main_session)
        self._plain_contexts.install()

    @property
    def reuses_standard_schemas(self) -> bool:
        return self._schemas is not None

    def load(
        self,
        entry_point: Path,
        *,
        unit: str,
        concepts: Iterable[QName] = (),
        documents: Sequence[Path] = (),
        free_model: bool = True,
    ) -> LoadedFiling:
        """Load ``entry_point`` and copy out its facts and DTS; the Arelle model is closed after.

        ``documents`` (entry point first) are the inline documents of a document set loaded
        together as one filing; empty or one document means a single entry point.
        ``concepts`` are looked up in the DTS even when Arelle made no fact of them, so the
        caller can tell an undefined concept from a fact Arelle dropped for another reason.
        ``free_model=False`` drops the model from the session without closing it, for the
        last filing of a process that ends right after: closing it costs 0.03-0.1 s of CPU
        and frees memory nobody will use. A document set's model is always closed.

        Raises:
            FilingNotLoadable: the filing is missing, malformed or crashed Arelle.
        """
        if len(documents) > 1:
            session = Session()
            try:
                return self._load_in(session, documents, unit, concepts)
            finally:
                session.close()
                self._session.clear_logs()  # Arelle's logger fed both sessions
        return self._load_in(
            self._session,
            [entry_point],
            unit,
            concepts,
            free_model=free_model,
        )

    def close(self) -> None:
        _close_models(self._session, self._schemas, [])
        self._session.close()
        self.cache.close()

    def _load_in(
        self,
        session: Session,
        documents: Sequence[Path],
        unit: str,
        concepts: Iterable[QName],
        *,
        free_model: bool = True,
    ) -> LoadedFiling:
        entry = documents[0]
        schemas = self._schemas if session is self._session else None
        try:
            self._in_main_session = session is self._session
            if schemas is not None:
                schemas.start()
            self._contexts.start()
            self._items.start()
            self._plain_contexts.start()
            session.run(self._options(documents))
        except Exception as exc:
            # Arelle raises anything from deep inside; whatever it is, it is this filing's
            _close_models(session, schemas, [])
            raise translate_exception(exc, unit=unit, entry_point=entry.name) from exc
        finally:
            self._in_main_session = False
            self._contexts.start()  # drop the model's typed values with the model
            self._items.start()
            self._plain_contexts.start()
        messages = [self._with_urls(m) for m in _drain_messages(session)]
        if schemas is not None:
            messages += schemas.replayed_messages()
        models = session.get_models()
        model = models[-1] if models else None
        try:
            loaded = model is not None and model.modelDocument is not None
            check_load_messages(messages, unit=unit, entry_point=entry.name, loaded=loaded)
            return copy_filing(model, documents, messages, concepts, standard=schemas)
        finally:
            if free_model:
                _close_models(session, schemas, messages)
            else:
                _drop_models(session)

    def _options(self, documents: Sequence[Path]) -> RuntimeOptions:
        several = len(documents) > 1
        return RuntimeOptions(
            entrypointFile=ixds_entry(documents) if several else str(documents[0]),
            plugins=IXDS_PLUGIN if several else None,
            workOffline=True,
            cacheDirectory=str(self.cache.cache_dir),
            packages=[str(p) for p in self.cache.packages] or None,
            disablePersistentConfig=True,
            keepOpen=True,
            logFile="logToBuffer",
            logLevel="INFO",
        )

    def _with_urls(self, message: ProcessorMessage) -> ProcessorMessage:
        """A missing taxonomy file named by its URL rather than by its path in the cache."""
        match = _FILE.search(message.text) if message.code == "IOerror" else None
        url = self.cache.url_of(match.group(1)) if match else None
        if url is None:
            return message
        return replace(message, text=message.text.replace(match.group(1), url))


def ixds_entry(documents: Sequence[Path]) -> str:
    """Arelle's entry point naming an inline document set: a surrogate, then each document."""
    folder = documents[0].resolve().parent
    paths = [str(folder / IXDS_SURROGATE).removesuffix(IXDS_DOC_SEPARATOR)]
    return IXDS_DOC_SEPARATOR.join([*paths, *(str(d.resolve()) for d in documents)])


def copy_filing(
    model: ModelXbrl,
    documents: Sequence[Path],
    messages: list[ProcessorMessage],
    wanted: Iterable[QName],
    *,
    standard: StandardSchemaCache | None = None,
) -> LoadedFiling:
    """Everything the extractor needs, as plain values, from a loaded model.

    ``standard``: the schema cache the model was loaded with, which keeps what is read
    from its schemas (concepts' copies, imports) for the next filings.
    """
    is_inline = model.modelDocument.type in ModelDocumentType.INLINEXBRLTYPES
    roots = getattr(model, "ixdsHtmlElements", []) if is_inline else []
    references = referenced_hidden_ids(roots)
    copier = FactCopier(FootnoteIndex(model), displayed_hidden=references, standard=standard)
    ordered = list(document_order(model.facts))
    members = tuple_members(ordered)
    facts = [copier.fact(f, in_tuple=members.get(id(f))) for f in ordered]
    for qname in wanted:
        arelle_qname = ArelleQName(qname.prefix, qname.namespace, qname.local_name)
        copier.concept(arelle_qname, model.qnameConcepts.get(arelle_qname))
    # once: it walks every schema's top-level elements (a cached schema's once per worker)
    imports_of = standard.per_schema(schema_imports) if standard is not None else None
    locations = schema_locations(model, imports_of)
    dts = copy_dts(model, copier, locations, messages)
    return LoadedFiling(
        entry_point=documents[0],
        is_inline=is_inline,
        facts=facts,
        concepts=copier.concepts,
        # namespaceDocs is a defaultdict: a failed import leaves an empty entry behind
        known_namespaces=frozenset(ns for ns, docs in model.namespaceDocs.items() if docs),
        schema_locations=locations,
        messages=messages,
        dts=dts,
        documents=tuple(d.name for d in documents),
        hidden_references=references,
        non_dimensional_contexts=tuple(copier.non_dimensional_contexts(model.contexts.values())),
    )


def _drain_messages(session: Session) -> list[ProcessorMessage]:
    log = json.loads(session.get_logs("json", clear_logs=True) or '{"log": []}')
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


def _close_models(
    session: Session, schemas: StandardSchemaCache | None, messages: list[ProcessorMessage]
) -> None:
    """Close every model of the session, without ``ModelManager.close``'s ``gc.collect()``.

    NOTE: that full collection costs 0.1-0.2 s per filing and frees nothing the automatic
    collector would not: ``ModelXbrl.close`` breaks the model's structures, and RSS stays
    flat over a batch without it (see bench/xbrl_processing.py).
    """
    for model in list(session.get_models()):
        if schemas is not None:
            schemas.keep(model, messages)  # cached schemas must survive the close
        _unlist(model)
        model.close()


def _drop_models(session: Session) -> None:
    """Take every model out of the session unclosed, so no later close walks it.

    NOTE: the cached schemas the model adopted stay in it; they are still correct for a
    later model, which adopts them again (``StandardSchemaCache``), and the model's new
    standard schemas are simply not cached.
    """
    for model in list(session.get_models()):
        _unlist(model)


def _unlist(model: ModelXbrl) -> None:
    manager = model.modelManager
    while model in manager.loadedModelXbrls:
        manager.loadedModelXbrls.remove(model)
    if manager.modelXbrl is model:
        manager.modelXbrl = manager.loadedModelXbrls[0] if manager.loadedModelXbrls else None
