"""Which files of a filing folder make its XBRL package, and which one is the entry point.

EDGAR folders hold far more than XBRL (exhibits, images, R pages, the full submission text).
The package is either the ``*-xbrl.zip`` EDGAR builds, or, without one, the instance plus
its DTS: the extension schema (``.xsd``) and linkbases (``_cal/_def/_lab/_pre/_ref.xml``).
The instance is, in order of preference, EDGAR's extraction of an inline filing
(``*_htm.xml``), a classic ``.xml`` instance, or the inline XBRL document itself; which one
it is can be told from the start of each candidate (``ENTRY_POINT_SNIFF_BYTES``), so a
download keeps no more than that of a file.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Self

from lxml import etree

from ledgergraph.edgar.errors import FilingPackageError, InvalidIdentifier
from ledgergraph.edgar.responses import SNIFF_HEAD_BYTES, declares_inline_xbrl
from ledgergraph.edgar.urls import check_file_name

INSTANCE_TAG = "{http://www.xbrl.org/2003/instance}xbrl"
XHTML_TAG = "{http://www.w3.org/1999/xhtml}html"
LINKBASE_SUFFIXES = ("_cal.xml", "_def.xml", "_lab.xml", "_pre.xml", "_ref.xml")
EXTRACTED_SUFFIX = "_htm.xml"
_NOT_INSTANCES = re.compile(r"(filingsummary|metalinks|r\d+|primary_doc)\.xml", re.IGNORECASE)
_NOT_INLINE = re.compile(r"(.*-index(-headers)?|r\d+)\.html?", re.IGNORECASE)
# is_instance and is_inline read no further than this: the inline XBRL namespace is looked
# for in the first MiB, and the root element starts well before it.
# NOTE: a document whose prolog (comments, DTD) ran past it would not be recognised.
ENTRY_POINT_SNIFF_BYTES = SNIFF_HEAD_BYTES
_MEMBER_CHUNK = 1 << 20  # what one read of a zip member produces at most


def xbrl_zip_name(names: Iterable[str]) -> str | None:
    """The ``*-xbrl.zip`` EDGAR built for the filing, if it lists one."""
    return next((name for name in names if name.lower().endswith("-xbrl.zip")), None)


def dts_names(names: Iterable[str]) -> list[str]:
    """The extension schemas and linkbases among ``names``."""
    return [n for n in names if n.lower().endswith((".xsd", *LINKBASE_SUFFIXES))]


def instance_candidates(names: Iterable[str]) -> list[str]:
    """Files that may be an XBRL instance: EDGAR's extractions if any, else other .xml."""
    names = list(names)
    extracted = [n for n in names if n.lower().endswith(EXTRACTED_SUFFIX)]
    if extracted:
        return extracted
    return [
        n
        for n in names
        if n.lower().endswith(".xml")
        and not n.lower().endswith(LINKBASE_SUFFIXES)
        and not _NOT_INSTANCES.fullmatch(n)
    ]


def inline_candidates(names: Iterable[str], primary_document: str | None) -> list[str]:
    """Files that may be the inline XBRL document; only the primary one when it is known."""
    names = list(names)
    if primary_document in names:
        return [primary_document]
    return [
        n for n in names if n.lower().endswith((".htm", ".html")) and not _NOT_INLINE.fullmatch(n)
    ]


def entry_point_candidates(names: Iterable[str], primary_document: str | None) -> set[str]:
    """The files ``pick_entry_point`` may look into: only their start is needed."""
    names = list(names)
    return {*instance_candidates(names), *inline_candidates(names, primary_document)}


def root_tag(data: bytes) -> str | None:
    """The qualified tag of the document element, without reading the rest or any DTD
    (so the start of a document, up to its root element's start tag, is enough)."""
    try:
        events = etree.iterparse(
            io.BytesIO(data), events=("start",), resolve_entities=False, no_network=True
        )
        for _event, element in events:
            return element.tag
    except etree.XMLSyntaxError:
        return None
    return None


def is_instance(data: bytes) -> bool:
    """True for an XBRL 2.1 instance document (root ``xbrli:xbrl``)."""
    return root_tag(data) == INSTANCE_TAG


def is_inline(data: bytes) -> bool:
    """True for an inline XBRL document (XHTML declaring the inline XBRL namespace)."""
    return declares_inline_xbrl(data) and root_tag(data) == XHTML_TAG


def pick_entry_point(files: dict[str, bytes], primary_document: str | None = None) -> str | None:
    """The file the XBRL task should load, by the preference in the module docstring.

    ``files`` maps every file of the package to its content, or to its first
    ``ENTRY_POINT_SNIFF_BYTES`` at least (the others' content is never read:
    ``entry_point_candidates`` names the files whose start is needed).
    """
    names = sorted(files)
    for name in instance_candidates(names):
        if is_instance(files[name]):
            return name
    for name in inline_candidates(names, primary_document):
        if is_inline(files[name]):
            return name
    return None


def unzip_package(data: bytes, *, max_bytes: int, label: str) -> dict[str, bytes]:
    """The files of an XBRL zip, refusing folders, unsafe names and oversize content."""
    with XbrlZip(io.BytesIO(data), max_bytes=max_bytes, label=label) as archive:
        return {name: b"".join(archive.chunks(name)) for name in archive.names}


class XbrlZip:
    """An XBRL zip read member by member, in chunks, from a file: no member held whole.

    Opening it refuses an archive that is none, a member name that is unsafe (checked for
    every member before any is read) and members that unpack to over ``max_bytes`` in all
    as their headers state them; reading counts what they really unpack to against the
    same limit. Errors are FilingPackageError naming ``label`` (the filing).
    """

    def __init__(self, file: IO[bytes], *, max_bytes: int, label: str) -> None:
        self.label = label
        self.max_bytes = max_bytes
        self.unpacked = 0
        try:
            self._archive = zipfile.ZipFile(file)
        except zipfile.BadZipFile as exc:
            raise FilingPackageError(f"{label}: the XBRL zip is not a valid archive") from exc
        try:
            self._members = self._checked_members()
        except FilingPackageError:
            self._archive.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._archive.close()

    @property
    def names(self) -> list[str]:
        """Member names in archive order (a name given twice: its last member)."""
        return list(self._members)

    def _checked_members(self) -> dict[str, zipfile.ZipInfo]:
        members = [info for info in self._archive.infolist() if not info.is_dir()]
        if sum(info.file_size for info in members) > self.max_bytes:
            raise self._too_big()
        checked: dict[str, zipfile.ZipInfo] = {}
        for info in members:
            try:
                checked[check_file_name(info.filename)] = info
            except InvalidIdentifier as exc:
                raise FilingPackageError(f"{self.label}: XBRL zip member {exc}") from exc
        return checked

    def chunks(self, name: str) -> Iterator[bytes]:
        """The unpacked content of member ``name``, a piece at a time."""
        try:
            with self._archive.open(self._members[name]) as member:
                while chunk := member.read(_MEMBER_CHUNK):
                    self.unpacked += len(chunk)
                    if self.unpacked > self.max_bytes:
                        raise self._too_big()
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, OSError) as exc:
            raise FilingPackageError(f"{self.label}: XBRL zip member {name} is corrupt") from exc

    def _too_big(self) -> FilingPackageError:
        return FilingPackageError(
            f"{self.label}: the XBRL zip unpacks to over {self.max_bytes} bytes"
        )
