"""Which files of a filing folder make its XBRL package, and which one is the entry point.

EDGAR folders hold far more than XBRL (exhibits, images, R pages, the full submission text).
The package is either the ``*-xbrl.zip`` EDGAR builds, or, without one, the instance plus
its DTS: the extension schema (``.xsd``) and linkbases (``_cal/_def/_lab/_pre/_ref.xml``).
The instance is, in order of preference, EDGAR's extraction of an inline filing
(``*_htm.xml``), a classic ``.xml`` instance, or the inline XBRL document itself.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterable

from lxml import etree

from ledgergraph.edgar.errors import FilingPackageError, InvalidIdentifier
from ledgergraph.edgar.responses import declares_inline_xbrl
from ledgergraph.edgar.urls import check_file_name

INSTANCE_TAG = "{http://www.xbrl.org/2003/instance}xbrl"
XHTML_TAG = "{http://www.w3.org/1999/xhtml}html"
LINKBASE_SUFFIXES = ("_cal.xml", "_def.xml", "_lab.xml", "_pre.xml", "_ref.xml")
EXTRACTED_SUFFIX = "_htm.xml"
_NOT_INSTANCES = re.compile(r"(filingsummary|metalinks|r\d+|primary_doc)\.xml", re.IGNORECASE)
_NOT_INLINE = re.compile(r"(.*-index(-headers)?|r\d+)\.html?", re.IGNORECASE)


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


def root_tag(data: bytes) -> str | None:
    """The qualified tag of the document element, without reading the rest or any DTD."""
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
    """The file the XBRL task should load, by the preference in the module docstring."""
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
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise FilingPackageError(f"{label}: the XBRL zip is not a valid archive") from exc
    with archive:
        members = [info for info in archive.infolist() if not info.is_dir()]
        if sum(info.file_size for info in members) > max_bytes:
            raise FilingPackageError(f"{label}: the XBRL zip unpacks to over {max_bytes} bytes")
        files: dict[str, bytes] = {}
        for info in members:
            try:
                name = check_file_name(info.filename)
            except InvalidIdentifier as exc:
                raise FilingPackageError(f"{label}: XBRL zip member {exc}") from exc
            try:
                files[name] = archive.read(info)
            except (zipfile.BadZipFile, zlib.error, OSError) as exc:
                raise FilingPackageError(f"{label}: XBRL zip member {name} is corrupt") from exc
    return files
