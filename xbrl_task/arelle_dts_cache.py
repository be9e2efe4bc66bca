"""Part of the Arelle adapter: standard taxonomy schemas kept across filings in one worker.

Arelle builds every model from scratch, so each filing re-parses and re-validates its
standard schemas (us-gaap alone is about 40 % of a load). This cache keeps the schema
documents a model loaded from taxonomy URLs (us-gaap, dei, srt, the XBRL base schemas...)
when the model is closed, and hands them to the next model of the same session instead of
loading them again. Adopting a document replays exactly what Arelle's schema discovery
registered for it in the model (concepts, types, attributes, groups, role and arcrole
types, namespace), re-indexes its objects in the new model, and re-reports the messages
its first load produced (a missing imported schema), so a filing's outputs do not depend on
what the worker loaded before.

Only schemas whose whole import closure is schemas from URLs are kept (links embedded in
them, like us-gaap's extensible enumeration lists, come along); anything else is loaded by
Arelle as usual. ``ledgergraph verify`` loads each filing
in a session of its own without this cache, and must find zero differences.

What the adapter reads from a cached schema the same way in every filing (a concept's plain
copy, the schema's imports) is kept with the cache too (``copy_of``, ``per_schema``): a
filing's reading of a standard schema not yet cached is kept when its model closes and the
schema is cached then, so the first filing of a taxonomy year fills it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from arelle import ModelDocument as ArelleDocuments
from arelle import XbrlConst
from arelle import XmlValidateSchema as ArelleSchemaChecks
from arelle.ModelDocumentType import ModelDocumentType
from arelle.ModelXbrl import ModelXbrl
from lxml import etree

from xbrl_task.errors import ProcessorMessage
from xbrl_task.model import ConceptInfo

_REGISTRIES = ("qnameConcepts", "qnameAttributes", "qnameAttributeGroups", "qnameTypes",
               "qnameGroupDefinitions")  # fmt: skip
_LISTS = ("nameConcepts", "roleTypes", "arcroleTypes")
_URL_SCHEMES = ("http://", "https://")
T = TypeVar("T")


@dataclass
class CachedSchema:
    """One schema document with what its discovery registered in the model."""

    document: Any
    urls: list[str]
    objects: list[Any]
    entries: dict[str, dict[Any, Any]]
    listed: dict[str, dict[Any, list[Any]]]
    base_sets: dict[Any, list[Any]]
    closure: list[Any] = field(default_factory=list)
    messages: list[ProcessorMessage] = field(default_factory=list)


class StandardSchemaCache:
    """Schema documents shared by the models of one Arelle session (not thread-safe)."""

    def __init__(self, *, owns: Callable[[ModelXbrl], bool], max_documents: int = 120) -> None:
        self._owns = owns
        self._max = max_documents
        self._by_url: dict[str, CachedSchema] = {}
        self._by_document: dict[int, CachedSchema] = {}
        self.adopted: list[CachedSchema] = []
        # What was read from cached schemas, by (id of the object read: a concept or a
        # schema document, what else it depends on: a prefix, a function); the cached
        # objects stay alive with the cache, so their ids are never reused.
        self._readings: dict[tuple[int, Hashable], Any] = {}
        # the current filing's readings of standard schemas, with the schema document
        # each came from (alive until the model closes), sorted out by ``_keep_readings``
        self._new_readings: dict[tuple[int, Hashable], tuple[Any, Any]] = {}

    def install(self) -> None:
        """Route Arelle's document loading through the cache (once per process)."""
        original = ArelleDocuments.load
        if getattr(original, "ledgergraph_cache", None) is self:
            return

        def load(modelXbrl: ModelXbrl, uri: str, *args: Any, **kwargs: Any) -> Any:
            if self._owns(modelXbrl) and not kwargs.get("isEntry"):
                base = kwargs.get("base", args[0] if args else None)
                url = modelXbrl.modelManager.cntlr.webCache.normalizeUrl(uri, base)
                if url not in modelXbrl.urlDocs and url in self._by_url:
                    return self._adopt(modelXbrl, self._by_url[url])
            return original(modelXbrl, uri, *args, **kwargs)

        load.ledgergraph_cache = self  # type: ignore[attr-defined]
        ArelleDocuments.load = load
        self._skip_standard_schema_checks()

    def _skip_standard_schema_checks(self) -> None:
        """Leave out Arelle's semantic checks of standard schemas in this cache's models.

        NOTE: ``XmlValidateSchema.validate`` only reports errors in a schema's own element
        declarations (a type or substitution group that does not resolve); it sets no value
        of any object. The standard taxonomies come from their publishers and a cached one is
        checked at most once per worker anyway, but that once is ~0.13 s for a us-gaap year.
        Extension schemas (from the filing's package) are still checked.
        """
        original = ArelleSchemaChecks.validate

        def validate(document: Any, *args: Any, **kwargs: Any) -> None:
            model = document.modelXbrl
            if self._owns(model) and document.uri.startswith(_URL_SCHEMES):
                return
            original(document, *args, **kwargs)

        ArelleSchemaChecks.validate = validate

    def start(self) -> None:
        self.adopted = []
        self._new_readings.clear()

    def copy_of(self, concept: Any, prefix: str | None) -> ConceptInfo | None:
        """The plain copy made of a cached standard concept named with ``prefix``, if any."""
        return self._readings.get((id(concept), prefix))

    def keep_copy(self, concept: Any, prefix: str | None, copy: ConceptInfo) -> None:
        """Keep ``copy`` of ``concept`` for later filings if its schema is (or, when this
        model closes, becomes) a cached one. A copy depends only on the concept's
        declaration and the prefix it is named with, not on the filing."""
        self._read(concept, prefix, getattr(concept, "modelDocument", None), copy)

    def per_schema(self, compute: Callable[[Any], T]) -> Callable[[Any], T]:
        """``compute`` of a schema document, kept with the document if it is cached.

        Only for what depends on nothing but the schema document itself.
        """

        def of(document: Any) -> T:
            key = (id(document), compute)
            if key in self._readings:
                return self._readings[key]
            value = compute(document)
            self._read(document, compute, document, value)
            return value

        return of

    def _read(self, read: Any, depends_on: Hashable, document: Any, value: Any) -> None:
        """Note what was read from ``read`` (of schema ``document``), to keep it when the
        model closes if that schema is cached by then."""
        if document is not None and document.uri.startswith(_URL_SCHEMES):
            self._new_readings[(id(read), depends_on)] = (document, value)

    def replayed_messages(self) -> list[ProcessorMessage]:
        """What the adopted schemas' first loads reported (missing imports...)."""
        seen, messages = set(), []
        for cached in self.adopted:
            for message in cached.messages:
                if (message.code, message.text) not in seen:
                    seen.add((message.code, message.text))
                    messages.append(message)
        return messages

    def _adopt(self, model: ModelXbrl, cached: CachedSchema) -> Any:
        for member in cached.closure:
            if member.document.uri not in model.urlDocs:
                _register(model, member)
                self.adopted.append(member)
        return cached.document

    def keep(self, model: ModelXbrl, messages: Iterable[ProcessorMessage]) -> None:
        """Before ``model`` closes: cache its new standard schemas, detach all cached ones.

        A model's new schemas are cached all together or not at all (past the size limit),
        so every cached schema's references are cached too.
        """
        new = [d for d in _cacheable(model) if id(d) not in self._by_document]
        if new and len(self._by_document) + len(new) <= self._max:
            captured = self._capture(model, new, list(messages))
            for cached in captured:
                cached.closure = self._closure_of(cached)
        self._keep_readings()
        self._detach(model)

    def _keep_readings(self) -> None:
        """Keep this filing's readings of the schemas now cached; drop the rest."""
        for key, (document, value) in self._new_readings.items():
            if id(document) in self._by_document:
                self._readings[key] = value
        self._new_readings.clear()

    def _capture(
        self, model: ModelXbrl, documents: list[Any], messages: list[ProcessorMessage]
    ) -> list[CachedSchema]:
        """What discovery registered for each of ``documents``, in one pass over the model.

        NOTE: one pass per registry, objects grouped by their document, rather than one
        pass per document: the model holds a whole us-gaap DTS (~100k objects), and a
        first load of a taxonomy year caches a dozen schemas at once.
        """
        wanted = {id(d): d for d in documents}
        captured = {
            key: CachedSchema(
                document=document,
                urls=[],
                objects=[],
                entries={name: {} for name in _REGISTRIES},
                listed={name: {} for name in _LISTS},
                base_sets={},
                messages=[m for m in messages if any(document.uri in h for h in m.hrefs)],
            )
            for key, document in wanted.items()
        }
        for url, document in model.urlDocs.items():
            if id(document) in wanted:
                captured[id(document)].urls.append(url)
        find, element = captured.get, etree._Element  # ~100,000 objects: no call per object
        for obj in model.modelObjects:  # elements only: relationships are rebuilt per model
            cached = find(id(getattr(obj, "modelDocument", None)))
            if cached is not None and isinstance(obj, element):
                cached.objects.append(obj)
        for name in _REGISTRIES:
            for key, value in getattr(model, name).items():
                cached = captured.get(id(getattr(value, "modelDocument", None)))
                if cached is not None:
                    cached.entries[name][key] = value
        for name in _LISTS:
            _group_listed(getattr(model, name), captured, lambda c, n=name: c.listed[n])
        _group_listed(model.baseSets, captured, lambda c: c.base_sets)  # links in schemas
        for key, cached in captured.items():
            self._by_document[key] = cached
            for url in cached.urls:
                self._by_url[url] = cached
        return list(captured.values())

    def _closure_of(self, cached: CachedSchema) -> list[CachedSchema]:
        """The cached schema and every schema it references, each once."""
        order, stack, seen = [], [cached], set()
        while stack:
            current = stack.pop()
            if id(current) in seen:
                continue
            seen.add(id(current))
            order.append(current)
            for referenced in current.document.referencesDocument:
                stack.append(self._by_document[id(referenced)])
        return order

    def _detach(self, model: ModelXbrl) -> None:
        """Keep the model's close from closing cached documents (it closes what it reaches)."""
        cached = {id(c.document) for c in self._by_document.values()}
        for url in [u for u, d in model.urlDocs.items() if id(d) in cached]:
            del model.urlDocs[url]
        for document in model.urlDocs.values():
            for referenced in [r for r in document.referencesDocument if id(r) in cached]:
                del document.referencesDocument[referenced]
        root = getattr(model, "modelDocument", None)
        if root is not None and id(root) in cached:
            model.modelDocument = None


def _register(model: ModelXbrl, cached: CachedSchema) -> None:
    """Replay a schema's discovery in ``model``: what Arelle registered, and its objects."""
    document = cached.document
    document.modelXbrl = model
    for url in cached.urls:
        model.urlDocs[url] = document
    namespace = getattr(document, "targetNamespace", None)
    if namespace:
        model.namespaceDocs[namespace].append(document)
        model.hasXDT = model.hasXDT or namespace == XbrlConst.xbrldt
    for index, obj in enumerate(cached.objects, len(model.modelObjects)):
        obj.objectIndex = index
    model.modelObjects.extend(cached.objects)
    for name, entries in cached.entries.items():
        getattr(model, name).update(entries)
    for name, lists in cached.listed.items():
        registry = getattr(model, name)
        for key, values in lists.items():
            registry[key].extend(values)
    for key, links in cached.base_sets.items():
        model.baseSets[key].extend(links)
        for link in links:
            link.initRelationships()  # relationships belong to a model: rebuilt here


def _cacheable(model: ModelXbrl) -> list[Any]:
    """Schemas from taxonomy URLs whose references are all such schemas (no linkbases)."""
    candidates = {
        id(doc): doc
        for doc in model.urlDocs.values()
        if doc.type == ModelDocumentType.SCHEMA and doc.uri.startswith(_URL_SCHEMES)
        and doc is not model.modelDocument
    }  # fmt: skip
    changed = True
    while changed:  # drop schemas that reference anything not cacheable
        changed = False
        for key, doc in list(candidates.items()):
            if any(id(ref) not in candidates for ref in doc.referencesDocument):
                del candidates[key]
                changed = True
    return list(candidates.values())


def _group_listed(
    registry: dict[Any, list[Any]],
    captured: dict[int, CachedSchema],
    target: Callable[[CachedSchema], dict[Any, list[Any]]],
) -> None:
    """Each registry list's members, grouped under the cached schema that defines them."""
    for key, values in registry.items():
        for value in values:
            cached = captured.get(id(getattr(value, "modelDocument", None)))
            if cached is not None:
                target(cached).setdefault(key, []).append(value)
