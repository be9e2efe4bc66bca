"""Hand-made minimal filings for the XBRL rules the bundled real filings do not exercise.

A tiny taxonomy (``tiny``, importing the real dei 2023 schema from the bundled cache) with
labels in two languages, references, presentation, a calculation network using the
Calculations 1.1 arcrole, and dimensional definition arcs (all, notAll, typed axis). Two
filings of the fictional CIK 1234567 use it:

- ``tiny-classic``: an XBRL 2.1 instance with duplicates of every kind, a footnote, a
  scenario, a typed dimension, a co-registrant (dei:LegalEntityAxis), an amendment flag;
  its sidecar carries EDGAR-style registration data (``REGISTRATION``) about the registrant;
- ``tiny-inline``: an inline document set of two documents with hidden facts, nested facts,
  continuations and exclusions, scale and sign, SEC transforms and an ix footnote;
- ``tiny-empty``: a classic instance with contexts and units but not one fact;
- ``tiny-formats``: one inline document with the SEC formats no real filing here uses, text
  a format refuses and formats nobody implements (``xbrl_handmade_formats``).
- ``tiny-unreadable-inline`` and ``tiny-unreadable-classic``: values that cannot be read,
  numbers and others, inline and classic, beside readable ones (``xbrl_handmade_unreadable``).

Everything is written by code so every value a test asserts is visible right here.
"""

from __future__ import annotations

import json
from pathlib import Path

from xbrl_handmade_docs import (
    TINY_CAL,
    TINY_DEF,
    TINY_LAB,
    TINY_PRE,
    TINY_REF,
    TINY_SCHEMA,
)
from xbrl_handmade_formats import INLINE_FORMATS
from xbrl_handmade_instances import (
    CLASSIC_INSTANCE,
    CONTEXTS,
    INLINE_EXHIBIT,
    INLINE_MAIN,
    UNITS,
)

TINY_CIK = 1234567
SUBSIDIARY_CIK = 7654321
TINY_NS = "http://example.com/tiny/2024"
TAXONOMY_FILES = {
    "tiny-2024.xsd": TINY_SCHEMA,
    "tiny-2024_lab.xml": TINY_LAB,
    "tiny-2024_ref.xml": TINY_REF,
    "tiny-2024_pre.xml": TINY_PRE,
    "tiny-2024_cal.xml": TINY_CAL,
    "tiny-2024_def.xml": TINY_DEF,
}


# What the download step writes into filing.json from EDGAR's submissions JSON; it differs
# from the cover page on purpose (category wording, a later fiscal year end, tickers).
REGISTRATION = {
    "source": "edgar-submissions",
    "retrieved_at": "2026-03-02T10:00:00Z",
    "name": "TINY HOLDINGS INC",
    "sic": "7372",
    "sic_description": "Services-Prepackaged Software",
    "state_of_incorporation": "DE",
    "fiscal_year_end": "--06-30",
    "filer_category": "Non-accelerated filer",
    "ein": "12-3456789",
    "entity_type": "operating",
    "tickers": ["TINY"],
    "exchanges": ["Nasdaq"],
}


def write_package(
    folder: Path,
    documents: dict[str, str],
    *,
    entry: str,
    form: str,
    registration: dict | None = None,
    accession: str | None = None,
) -> Path:
    """A package folder: taxonomy files, ``documents`` and a ``filing.json`` sidecar."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {**TAXONOMY_FILES, **documents}.items():
        (folder / name).write_text(text, encoding="utf-8")
    sidecar = {"cik": TINY_CIK, "form": form, "entry_point": entry, "company": "Tiny"}
    if registration is not None:
        sidecar["registration"] = registration
    if accession is not None:
        sidecar["accession_number"] = accession
    (folder / "filing.json").write_text(json.dumps(sidecar), encoding="utf-8")
    return folder


def write_classic(root: Path, *, amended: bool = False) -> Path:
    """The classic instance; ``amended`` turns it into a 10-Q/A restating one fact."""
    instance = CLASSIC_INSTANCE
    if amended:
        instance = instance.replace(
            '<dei:AmendmentFlag contextRef="D">false</dei:AmendmentFlag>',
            '<dei:AmendmentFlag contextRef="D">true</dei:AmendmentFlag>\n'
            '<dei:AmendmentDescription contextRef="D">Restates revenue</dei:AmendmentDescription>',
        )
        instance = instance.replace(">10-Q</dei:DocumentType>", ">10-Q/A</dei:DocumentType>")
        instance = instance.replace(">1000</tiny:Revenue>", ">1100</tiny:Revenue>")
        instance = instance.replace(">1000.00</tiny:Revenue>", ">1100.00</tiny:Revenue>")
    name = "tiny-amended" if amended else "tiny-classic"
    return write_package(
        root / name,
        {"tiny-20240930.xml": instance},
        entry="tiny-20240930.xml",
        form="10-Q/A" if amended else "10-Q",
        registration=None if amended else REGISTRATION,
    )


def write_inline(root: Path) -> Path:
    """The inline document set: a main document and an exhibit with facts of its own.

    Its cover states the classic instance's report (same registrant, form and period), so
    it carries an accession number of its own to load beside it as another filing.
    """
    return write_package(
        root / "tiny-inline",
        {"tiny-20240930.htm": INLINE_MAIN, "tiny-20240930ex99.htm": INLINE_EXHIBIT},
        entry="tiny-20240930.htm",
        form="10-Q",
        accession="0001234567-24-000003",
    )


def write_formats(root: Path) -> Path:
    """The inline document of SEC formats, refused text and unknown formats."""
    return write_package(
        root / "tiny-formats",
        {"tiny-20240930.htm": INLINE_FORMATS},
        entry="tiny-20240930.htm",
        form="10-Q",
    )


def write_empty(root: Path) -> Path:
    """A well-formed classic instance of the tiny taxonomy that states no fact at all."""
    head, _ = CLASSIC_INSTANCE.split("<xbrli:context", 1)
    return write_package(
        root / "tiny-empty",
        {"tiny-20240930.xml": f"{head}{CONTEXTS}\n{UNITS}\n</xbrli:xbrl>\n"},
        entry="tiny-20240930.xml",
        form="10-Q",
    )
