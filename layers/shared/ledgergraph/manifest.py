"""The manifest of one processed source unit, and the object store keys around it.

A manifest is written after every table file of its source unit, so its presence means the
unit's Parquet is complete. It carries the counts that later stages reconcile against.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from pydantic import BaseModel, Field

MANIFEST_NAME = "manifest.json"
ERROR_NAME = "error.json"
# the words of a rejection reason (FactCounts.rejected) for the facts of a concept whose
# schema the taxonomy cache lacks: the XBRL task writes them, the run summary warns of them
SCHEMA_NOT_CACHED = "schema not in taxonomy cache"


def processed_prefix(graph_id: str, source_unit: str) -> str:
    """``processed/{graph_id}/{source_unit}/``."""
    return f"processed/{graph_id}/{source_unit}/"


def table_key(graph_id: str, source_unit: str, table: str) -> str:
    return f"{processed_prefix(graph_id, source_unit)}{table}.parquet"


def manifest_key(graph_id: str, source_unit: str) -> str:
    return f"{processed_prefix(graph_id, source_unit)}{MANIFEST_NAME}"


def error_key(graph_id: str, source_unit: str) -> str:
    """Where a worker records why a source unit failed (instead of a manifest)."""
    return f"{processed_prefix(graph_id, source_unit)}{ERROR_NAME}"


def sha256_of(path: Path) -> str:
    """``sha256:<hex>`` of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return f"sha256:{digest.hexdigest()}"


def sha256_of_bytes(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``, the same format as ``sha256_of``."""
    return f"sha256:{hashlib.sha256(data).hexdigest()}"


class TableFile(BaseModel):
    """One graph table's Parquet file of a source unit."""

    table: str
    key: str = Field(description="object store key of the Parquet file")
    uri: str = Field(description="object store URI of the Parquet file")
    rows: int
    checksum: str = Field(description="sha256:<hex> of the file's bytes")


class FactCounts(BaseModel):
    """How the facts of a filing reconcile: in_document = extracted + collapsed + rejected."""

    in_document: int = Field(description="fact elements in the instance or inline document")
    extracted: int = Field(description="Fact rows written")
    duplicates_collapsed: int = Field(
        default=0, description="complete duplicates folded into one Fact row"
    )
    duplicates_consistent: int = Field(
        default=0,
        description="Fact rows (of ``extracted``) in sets of consistent duplicates: same "
        "aspects, values their accuracy allows; each kept, flagged on the Fact",
    )
    duplicates_inconsistent: int = Field(
        default=0,
        description="Fact rows (of ``extracted``) in sets of inconsistent duplicates: same "
        "aspects, values that contradict; each kept and flagged, none chosen",
    )
    inconsistent_sets: int = Field(
        default=0,
        description="sets of inconsistent duplicates; each is a warning to act on",
    )
    rejected: dict[str, int] = Field(
        default_factory=dict, description="facts not extracted, counted per reason"
    )

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def reconciles(self) -> bool:
        total = self.extracted + self.duplicates_collapsed + self.rejected_total
        return self.in_document == total


class SourceUnitManifest(BaseModel):
    """Written last, at ``processed/{graph_id}/{source_unit}/manifest.json``."""

    graph_id: str
    source_unit: str = Field(description="accession number, or sha256-<24 hex> when unknown")
    kind: str = Field(description="sec-filing, quickbooks-sync, plaid-sync")
    tables: list[TableFile]
    facts: FactCounts | None = None
    cik: int | None = None
    entry_point: str | None = None
    form: str | None = Field(
        default=None,
        description="the form of the Report row: the package's own (filing.json), else "
        "dei:DocumentType; None for other kinds and for manifests written before it was kept",
    )
    processor: str = Field(description="names and versions of what produced the files")
    duration_ms: int
    warnings: list[str] = Field(
        default_factory=list, description="processor messages worth a reader's eye"
    )
    warnings_to_act_on: list[str] = Field(
        default_factory=list,
        description="those of ``warnings`` that need the user: the package states another "
        "form than the document (dei:DocumentType), or a cover-page (dei) fact the Report "
        "or Entity is built from was rejected",
    )
    created_at: str
    inputs: str | None = Field(
        default=None,
        description="digest of what the files were made from (package, code, taxonomy "
        "cache); a later run with the same digest reuses them",
    )


def read_fact_rejections(
    store_root: Path, graph_id: str, source_unit: str
) -> dict[str, int] | None:
    """The facts a source unit's extraction rejected, counted per reason, from its manifest
    in a local object store rooted at ``store_root``; None without a manifest there (a graph
    node's store that this machine does not have), {} for a unit without facts."""
    path = store_root / manifest_key(graph_id, source_unit)
    if not path.is_file():
        return None
    manifest = SourceUnitManifest.model_validate_json(path.read_bytes())
    return dict(manifest.facts.rejected) if manifest.facts is not None else {}


class SourceUnitError(BaseModel):
    """Written instead of a manifest when a source unit fails permanently."""

    graph_id: str
    source_unit: str
    error_type: str
    message: str
    created_at: str
    facts_in_document: int | None = Field(
        default=None,
        description="fact elements the documents hold, when counted before the failure",
    )
    rejected_reasons: dict[str, int] = Field(
        default_factory=dict,
        description="facts rejected per reason before the failure, when they were counted "
        "(a filing with no fact left: each of its facts, under why)",
    )
