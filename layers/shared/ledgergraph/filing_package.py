"""What a local SEC filing package folder holds: entry point, format, CIK and source unit.

A package is one folder with the instance (or inline) document, the extension schema and its
linkbases, and optionally a ``filing.json`` sidecar that states what the documents cannot
(accession number, form, EDGAR's registration data about the filer). Nothing here loads the
DTS: a few lxml scans of the first bytes of a file are enough, so describing a package costs
milliseconds.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from pathlib import Path

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ledgergraph.errors import FilingError
from ledgergraph.ids import dashed_accession
from ledgergraph.messages import validation_problems

SIDECAR_NAME = "filing.json"
SEC_CIK_SCHEME = "http://www.sec.gov/CIK"

_XBRLI = "http://www.xbrl.org/2003/instance"
_INSTANCE_ROOT = f"{{{_XBRLI}}}xbrl"
_IDENTIFIER = f"{{{_XBRLI}}}identifier"
_IX_NAMESPACES = (
    b"http://www.xbrl.org/2013/inlineXBRL",
    b"http://www.xbrl.org/2008/inlineXBRL",
)
# The ix namespace is declared on the <html> root, well inside the first bytes of the file.
_SNIFF_BYTES = 64 * 1024


class Registration(BaseModel):
    """What EDGAR's registration data (the submissions JSON) says about a filer.

    Filings do not state the SIC code; EDGAR does, as of when it was asked (``retrieved_at``),
    not as of the filing. Values are in the filings' own formats where the two differ: the
    EIN as ``12-3456789`` and the fiscal year end as ``--MM-DD``.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    source: str = Field(default="edgar-submissions", description="where the values come from")
    retrieved_at: datetime | None = Field(default=None, description="when EDGAR was asked")
    name: str | None = Field(default=None, description="EDGAR's conformed company name")
    sic: str | None = Field(default=None, description="standard industrial classification")
    sic_description: str | None = None
    state_of_incorporation: str | None = None
    fiscal_year_end: str | None = Field(default=None, description="--MM-DD")
    filer_category: str | None = Field(default=None, description="EDGAR's category text")
    ein: str | None = Field(default=None, description="employer identification number")
    entity_type: str | None = Field(default=None, description="operating, other ...")
    tickers: tuple[str, ...] = ()
    exchanges: tuple[str, ...] = ()


class FilingSidecar(BaseModel):
    """The optional ``filing.json`` next to the documents; every field may be unknown."""

    model_config = ConfigDict(extra="ignore")

    accession_number: str | None = None
    cik: int | None = None
    form: str | None = None
    period: str | None = None
    entry_point: str | None = None
    company: str | None = None
    filing_date: str | None = Field(
        default=None, description="the day EDGAR accepted the filing, added by the download step"
    )
    sic: str | None = Field(default=None, description="SIC code stated by hand, if any")
    registration: Registration | None = Field(
        default=None, description="EDGAR's registration data, added by the download step"
    )

    def filer_registration(self) -> Registration | None:
        """The registration data; a hand-stated ``sic`` fills in when EDGAR gave none."""
        if not self.sic or (self.registration is not None and self.registration.sic):
            return self.registration
        base = self.registration or Registration(source="filing.json")
        return base.model_copy(update={"sic": self.sic.strip()})


class PackageInfo(BaseModel):
    """A described filing package; ``source_unit`` names its outputs in the object store."""

    model_config = ConfigDict(frozen=True)

    folder: Path
    entry_point: str = Field(description="file name of the instance or inline document")
    is_inline: bool
    cik: int
    accession_number: str | None = Field(description="dashed accession number, if known")
    source_unit: str = Field(description="dashed accession, else sha256-<24 hex> of the entry")
    form: str | None = None
    company: str | None = None
    files: tuple[str, ...] = Field(description="every file of the folder, sidecar included")

    @property
    def entry_path(self) -> Path:
        return self.folder / self.entry_point


def describe_package(folder: Path) -> PackageInfo:
    """Describe the filing package in ``folder`` without loading its DTS.

    Raises:
        FilingError: naming the folder, when it holds no usable entry point or CIK.
    """
    if not folder.is_dir():
        raise FilingError(f"filing package {folder} is not a folder")
    sidecar = read_sidecar(folder)
    files = tuple(sorted(p.name for p in folder.iterdir() if p.is_file()))
    entry = find_entry_point(folder, files, sidecar)
    entry_path = folder / entry
    is_inline = is_inline_document(entry_path)
    cik = sidecar.cik if sidecar.cik is not None else scan_cik(entry_path)
    if cik is None:
        raise FilingError(f"filing package {folder}: no CIK in {SIDECAR_NAME} or in {entry}")
    accession = _accession_of(folder, sidecar)
    return PackageInfo(
        folder=folder,
        entry_point=entry,
        is_inline=is_inline,
        cik=cik,
        accession_number=accession,
        source_unit=accession or content_source_unit(entry_path),
        form=sidecar.form,
        company=sidecar.company,
        files=files,
    )


def read_sidecar(folder: Path) -> FilingSidecar:
    """The folder's ``filing.json``, or an empty sidecar when there is none."""
    path = folder / SIDECAR_NAME
    if not path.is_file():
        return FilingSidecar()
    try:
        return FilingSidecar.model_validate(json.loads(path.read_bytes()))
    except ValidationError as exc:
        problems = validation_problems(exc)
        raise FilingError(f"filing package {folder}: {SIDECAR_NAME}: {problems}") from exc
    except ValueError as exc:
        raise FilingError(f"filing package {folder}: unreadable {SIDECAR_NAME}: {exc}") from exc


def find_entry_point(folder: Path, files: tuple[str, ...], sidecar: FilingSidecar) -> str:
    """The sidecar's entry point, else the single ``*_htm.xml``, inline ``.htm`` or instance."""
    if sidecar.entry_point:
        named = sidecar.entry_point
        if Path(named).name != named:
            raise FilingError(
                f"filing package {folder}: entry point {named!r} named in {SIDECAR_NAME} "
                "is not a file name: it must be one of the package folder's own files"
            )
        if named not in files:
            raise FilingError(
                f"filing package {folder}: entry point {named} named in {SIDECAR_NAME} "
                "is not in the folder"
            )
        return named
    for kind, candidates in (
        ("extracted instance (*_htm.xml)", [f for f in files if f.endswith("_htm.xml")]),
        ("inline document", [f for f in files if _is_html(f) and _is_inline(folder / f)]),
        (
            "instance",
            [f for f in files if f.endswith(".xml") and _is_instance(folder / f)],
        ),
    ):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise FilingError(
                f"filing package {folder}: several candidates for the {kind}: "
                f"{', '.join(candidates)}; name the entry point in {SIDECAR_NAME}"
            )
    raise FilingError(f"filing package {folder}: no XBRL instance or inline XBRL document")


def scan_cik(path: Path) -> int | None:
    """The first ``xbrli:identifier`` with the SEC CIK scheme, read with a streaming parse."""
    try:
        for _, element in etree.iterparse(str(path), events=("end",), tag=_IDENTIFIER):
            if element.get("scheme", "").strip() == SEC_CIK_SCHEME:
                text = (element.text or "").strip()
                return int(text) if text.isdigit() else None
    except etree.XMLSyntaxError as exc:
        raise FilingError(f"{path}: not well-formed XML: {exc}") from exc
    return None


def content_source_unit(path: Path) -> str:
    """``sha256-<24 hex>`` of the entry point's bytes: the source unit without an accession."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256-{digest.hexdigest()[:24]}"


def is_inline_document(path: Path) -> bool:
    """True for an ``.htm``/``.html`` file that declares the inline XBRL namespace."""
    return _is_html(path.name) and path.is_file() and _is_inline(path)


def _accession_of(folder: Path, sidecar: FilingSidecar) -> str | None:
    if not sidecar.accession_number:
        return None
    try:
        return dashed_accession(sidecar.accession_number)
    except ValueError as exc:
        raise FilingError(f"filing package {folder}: {exc}") from exc


def _is_html(name: str) -> bool:
    return name.lower().endswith((".htm", ".html"))


def _is_inline(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    return any(ns in head for ns in _IX_NAMESPACES)


def _is_instance(path: Path) -> bool:
    try:
        for _, element in etree.iterparse(str(path), events=("start",)):
            return element.tag == _INSTANCE_ROOT
    except etree.XMLSyntaxError:
        return False
    return False
