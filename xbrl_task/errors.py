"""Errors of the XBRL task, and the one place where Arelle's complaints become them.

``PermanentError`` subclasses are about one filing: the worker records them as the filing's
``error.json`` and goes on. ``TransientError`` subclasses and configuration errors stop the
process with a non-zero exit, so the state machine retries or reports the whole task.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath

from ledgergraph.errors import (
    FilingError,
    LedgerGraphError,
    PermanentError,
    TransientError,
)


class XbrlTaskError(LedgerGraphError):
    """Root of the errors the XBRL task raises on purpose."""


class XbrlTaskTransientError(XbrlTaskError, TransientError):
    """The object store or the machine failed us; retrying the task may succeed."""


class XbrlTaskConfigError(XbrlTaskError, PermanentError):
    """The task's settings are unusable (missing batch key, taxonomy cache path...)."""


class FilingRejected(XbrlTaskError, FilingError):
    """One filing cannot be turned into graph rows; the batch goes on without it."""


class FilingNotLoadable(FilingRejected):
    """Arelle could not read the filing: missing entry point, malformed XML.

    ``missing_file`` names a file the documents refer to (a linkbase, a schema) that is
    not in the package, when that is why.
    """

    def __init__(self, message: str, *, missing_file: str | None = None) -> None:
        super().__init__(message)
        self.missing_file = missing_file


class RegistrantNotInDocument(FilingRejected):
    """The package's registrant CIK is the entity of no fact of its document."""


class FactsDoNotReconcile(FilingRejected):
    """Facts in the document != extracted + collapsed + rejected: something was lost."""


class NoFacts(FilingRejected):
    """The document holds no fact the graph could take; ``rejected_reasons`` counts its
    facts per reason (a concept whose schema is not in the taxonomy cache ...), so the
    failure record says what to fix."""

    def __init__(self, message: str, rejected_reasons: dict[str, int] | None = None) -> None:
        super().__init__(message)
        self.rejected_reasons = dict(rejected_reasons or {})


class VerifyError(XbrlTaskError, PermanentError):
    """The fidelity check (``ledgergraph verify``) cannot compare what it was asked to."""


class ReportNotInGraph(VerifyError):
    """A report the check was asked for by id is not a Report of the graph."""


class ExportUnreadable(VerifyError):
    """Arelle's export of one filing holds a fact the check cannot place (no entity...)."""


@dataclass(frozen=True)
class ProcessorMessage:
    """One message Arelle logged while loading (code, level, text, documents it names)."""

    code: str
    level: str
    text: str
    hrefs: tuple[str, ...] = ()


# Arelle's spelling of "this file is not (well-formed) XML"; it logs them and then loads
# whatever lxml could recover, so they must fail the filing rather than shorten it quietly.
_SYNTAX_CODES = ("xmlSchema:syntax", "xmlSyntax:", "xmlDeclarationError", "lxml.SCHEMA")
_FATAL_LEVELS = ("critical", "fatal")
# lxml's schema validation of a parsed document (SCHEMAV_*, e.g. scale="abc"), which Arelle
# words "XML file syntax error" too: the file is well-formed, an element or attribute invalid
_INVALID_CODE = "lxml.SCHEMAV"
_INVALID_TEXT = re.compile(
    r"XML file syntax error (?P<problem>.*), line (?P<line>\d+), path '(?P<path>[^']*)'"
)


def check_load_messages(
    messages: Iterable[ProcessorMessage], *, unit: str, entry_point: str, loaded: bool
) -> None:
    """Raise the filing's error when Arelle's messages show the load is not trustworthy.

    Args:
        messages: what Arelle logged for this load.
        unit: source unit (accession number or sha256-...), named in every message.
        entry_point: file name of the instance or inline document.
        loaded: whether Arelle produced a model document at all.

    Raises:
        FilingNotLoadable: entry point missing or unreadable, or any package file malformed.
        XbrlTaskConfigError: a configured taxonomy package zip cannot be used.
    """
    messages = list(messages)
    for message in messages:
        if message.code == "arelle:packageLoadingError":  # the same for every filing
            raise XbrlTaskConfigError(f"taxonomy package not usable: {message.text}")
        if message.code.startswith(_INVALID_CODE):
            raise not_schema_valid(unit, _file_of(message, entry_point), message.text)
        if message.code.startswith(_SYNTAX_CODES):
            raise not_well_formed(unit, _file_of(message, entry_point), message.text)
        missing = _missing_local_file(message)
        if missing is not None:
            message = f"filing {unit}: package file {missing} is missing"
            raise FilingNotLoadable(message, missing_file=missing)
        unreadable = _unreadable_local_file(message)
        if unreadable is not None:
            name, why = unreadable
            raise FilingNotLoadable(f"filing {unit}: package file {name} cannot be read: {why}")
        if message.level in _FATAL_LEVELS or "exception" in message.code.lower():
            raise FilingNotLoadable(
                f"filing {unit}: Arelle failed on {entry_point}: {message.text}"
            )
    if not loaded:
        why = next((m.text for m in messages if m.level == "error"), "no document was loaded")
        raise FilingNotLoadable(f"filing {unit}: cannot load {entry_point}: {why}")


# Where a malformed file's location is said, each time again: lxml adds ", line L, column C"
# to libxml2's text, Python's SyntaxError adds " (file, line L)", Arelle writes
# "[code] <error>, <file>, line L, column C - <refs>" (or "Unrecoverable error: <lxml's
# text>, <file>"), and libxml2 itself names a line in some texts ("in tag X line L").
_ARELLE_PREFIX = re.compile(r"^(?:\[[^\]]*\] )?(?:Unrecoverable error: )?")
_ARELLE_LOCATED = re.compile(
    r"^(?P<problem>.*), (?P<file>[^,\s]+), line (?P<line>\d+), column (?P<column>\d+)"
)
_LXML_LOCATED = re.compile(
    r"^(?P<problem>.*?), line (?P<line>\d+), column (?P<column>\d+)"
    r"(?: \((?P<file>[^,()]+), line \d+\))?"
)


def not_well_formed(unit: str, file: str, text: str) -> FilingNotLoadable:
    """The filing's error for a malformed file, its location said once.

    Args:
        unit: source unit named in the message.
        file: the file, when ``text`` does not name it.
        text: lxml's error text, or the text of Arelle's syntax message.
    """
    text = _ARELLE_PREFIX.sub("", text)
    located = _ARELLE_LOCATED.match(text) or _LXML_LOCATED.match(text)
    if located is None:
        return FilingNotLoadable(f"filing {unit}: {file} is not well-formed XML: {text}")
    line, column = located["line"], located["column"]
    problem = re.sub(rf" line {line}\b", "", located["problem"])  # that line, said once
    name = PurePath(located["file"]).name if located["file"] else file
    where = f"{name} is not well-formed XML at line {line}, column {column}"
    return FilingNotLoadable(f"filing {unit}: {where}: {problem}")


def not_schema_valid(unit: str, file: str, text: str) -> FilingNotLoadable:
    """The filing's error for a well-formed file whose markup its schema refuses (the
    Inline XBRL schema for ``ix:`` elements and attributes), naming line, element path and
    the invalid value as lxml states it."""
    found = _INVALID_TEXT.search(text)
    if found is None:
        return FilingNotLoadable(f"filing {unit}: {file} is well-formed XML but not valid "
                                 f"against its schema: {text}")  # fmt: skip
    where = f"at line {found['line']} ({found['path'] or 'path unknown'})"
    return FilingNotLoadable(
        f"filing {unit}: {file} is well-formed XML but not valid against its schema {where}: "
        f"{found['problem']}"
    )


def translate_exception(exc: Exception, *, unit: str, entry_point: str) -> FilingRejected:
    """An exception raised inside Arelle while loading one filing, as that filing's error."""
    return FilingNotLoadable(
        f"filing {unit}: Arelle raised {type(exc).__name__} on {entry_point}: {exc}"
    )


def _missing_local_file(message: ProcessorMessage) -> str | None:
    """The package file an IOerror names; taxonomy URLs (http, https) are not the package's."""
    if message.code != "IOerror":
        return None
    match = re.search(r"file: (\S+)", message.text)
    if match is None or match.group(1).startswith(("http://", "https://")):
        return None
    return PurePath(match.group(1)).name


def _unreadable_local_file(message: ProcessorMessage) -> tuple[str, str] | None:
    """The package file and reason of an IOerror like ``[IOerror] a.xsd: file error: 'utf-8'
    codec ... - a_htm.xml 15`` (a file there but not text Arelle can read; the trailing part
    names the document that referred to it); taxonomy URLs are not the package's."""
    if message.code != "IOerror":
        return None
    match = re.match(r"(?:\[\S+\] )?(\S+): file error: (.*?)(?: - \S+ \d+)?$", message.text, re.S)
    if match is None or match.group(1).startswith(("http://", "https://")):
        return None
    return PurePath(match.group(1)).name, match.group(2).strip()


def _file_of(message: ProcessorMessage, default: str) -> str:
    return next((h.split("#")[0] for h in message.hrefs if h), default)


@contextmanager
def store_errors(action: str, unit: str) -> Iterator[None]:
    """Turn object store failures (OSError, botocore) into ``XbrlTaskTransientError``."""
    try:
        yield
    except LedgerGraphError:
        raise
    except Exception as exc:
        if isinstance(exc, OSError) or type(exc).__module__.startswith(("botocore", "boto3")):
            raise XbrlTaskTransientError(
                f"object store failed to {action} for {unit}: {type(exc).__name__}: {exc}"
            ) from exc
        raise
