"""Which documents of a package form the filing, and what its sidecar adds.

EDGAR treats every inline XBRL document of a submission as one inline document set: the
primary document and any exhibit that carries ix facts are loaded together, as one filing
whose contexts and units may be defined in one document and used in another.
"""

from __future__ import annotations

import json
from pathlib import Path

from ledgergraph.filing_package import SIDECAR_NAME, is_inline_document

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


def sidecar_sic(folder: Path) -> str | None:
    """The SIC code a package's ``filing.json`` states (EDGAR's submissions data has it)."""
    path = folder / SIDECAR_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return None
    sic = data.get("sic") if isinstance(data, dict) else None
    return str(sic).strip() or None if sic is not None else None
