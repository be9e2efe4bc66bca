"""Which documents of a package form the filing, and what its sidecar adds.

EDGAR treats every inline XBRL document of a submission as one inline document set: the
primary document and any exhibit that carries ix facts are loaded together, as one filing
whose contexts and units may be defined in one document and used in another.
"""

from __future__ import annotations

from pathlib import Path

from ledgergraph.filing_package import Registration, is_inline_document, read_sidecar

_INLINE_SUFFIXES = (".htm", ".html", ".xhtml")


def document_set(entry: Path) -> list[Path]:
    """The entry point first, then the package's other inline documents by name."""
    others = sorted(
        p
        for p in entry.parent.iterdir()
        if p != entry and p.suffix.lower() in _INLINE_SUFFIXES and p.is_file()
        and is_inline_document(p)
    )  # fmt: skip
    return [entry, *others]


def sidecar_registration(folder: Path) -> Registration | None:
    """EDGAR's registration data about the filer (SIC...) that the package's sidecar carries.

    Raises:
        FilingError: the ``filing.json`` is unreadable (naming the folder).
    """
    return read_sidecar(folder).filer_registration()
