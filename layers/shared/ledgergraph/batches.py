"""What travels between the SEC state machine's steps: filing references and batches.

Step Functions payloads carry keys and counts, never documents: a batch is written to the
object store and the XBRL task is handed its key.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class FilingRef(BaseModel):
    """A filing package already in the raw store."""

    source_unit: str = Field(
        description="accession number (dashed), or sha256-<first 24 hex digits of the entry "
        "point's sha256> when the package does not name its accession"
    )
    cik: int = Field(description="filer CIK as an integer")
    package_prefix: str = Field(
        description="object store key prefix of the package: raw/sec/{cik}/{source_unit}/"
    )
    entry_point: str = Field(description="file name of the instance or inline document")
    form: str | None = Field(default=None, description="form type, when known before loading")


class Batch(BaseModel):
    """Filings one XBRL task processes in one worker process."""

    graph_id: str
    run_id: str
    index: int
    filings: list[FilingRef]


def batch_key(graph_id: str, run_id: str, index: int) -> str:
    """``work/{graph_id}/{run_id}/batch-{index:04d}.json``."""
    return f"work/{graph_id}/{run_id}/batch-{index:04d}.json"


def raw_package_prefix(cik: int, source_unit: str) -> str:
    """``raw/sec/{cik}/{source_unit}/``."""
    return f"raw/sec/{cik}/{source_unit}/"
