"""Which documents of a package form the filing, and what its sidecar adds.

EDGAR treats every inline XBRL document of a submission as one inline document set: the
primary document and any exhibit that carries ix facts are loaded together, as one filing
whose contexts and units may be defined in one document and used in another.
"""

from __future__ import annotations

from pathlib import Path

from ledgergraph.filing_package import Registration, is_inline_document, read_sidecar

_INLINE_SUFFIXES = (".htm", ".html", ".xhtml")
# NOTE: ledgergraph.edgar.download.DOWNLOAD_RECORD, named here so that the task does not
# import the EDGAR client: the download step writes it last, once the package is complete
_DOWNLOAD_RECORD = "download.json"


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


def refetch_hint(folder: Path) -> str:
    """How to fetch again a package the EDGAR download stored as complete that lacks a
    file its documents need; empty for a package that did not come from EDGAR.

    The download checks every file against the folder's ``index.json``, so a file EDGAR
    did not list there was never fetched, and the package still counts as complete: a
    rerun skips it even once EDGAR lists the file, until a forced download.
    """
    if not (folder / _DOWNLOAD_RECORD).is_file():
        return ""
    sidecar = read_sidecar(folder)
    accession, cik, form, day = (
        sidecar.accession_number, sidecar.cik, sidecar.form, sidecar.filing_date
    )  # fmt: skip
    if cik and form and day:
        command = (
            f"`ledgergraph sec download --force --cik {cik} --forms {form} --from {day} "
            f"--to {day}` (with your --home; it selects filing {accession})"
        )
    else:
        command = f"`ledgergraph sec download --force` with selectors that pick {accession}"
    return (
        "; its package came from EDGAR, whose index.json did not list that file, and it "
        f"counts as complete ({_DOWNLOAD_RECORD}), so a rerun does not fetch it again: "
        f"once EDGAR lists the file, run {command}, then run again (on AWS: delete "
        f"raw/sec/{cik}/{accession}/{_DOWNLOAD_RECORD} from the raw bucket, then run again)"
    )
