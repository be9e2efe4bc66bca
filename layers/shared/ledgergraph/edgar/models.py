"""What discovery finds and what a download did: the models the pipeline steps exchange."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from ledgergraph.batches import FilingRef, raw_package_prefix
from ledgergraph.edgar.errors import InvalidIdentifier
from ledgergraph.edgar.urls import check_accession, check_cik, plain_accession
from ledgergraph.filing_package import Registration
from ledgergraph.ids import cik10


class DiscoveredFiling(BaseModel):
    """One EDGAR filing found by discovery, before download."""

    cik: int = Field(description="filer CIK as an integer (zero-padded only in URLs)")
    accession: str = Field(description="accession number, dashed: 0000320193-23-000106")
    form: str = Field(description="form type as EDGAR lists it: 10-K, 10-Q, 8-K, 10-K/A ...")
    filing_date: date = Field(description="date EDGAR accepted the filing")
    report_date: date | None = Field(
        default=None, description="period of report (reportDate), when EDGAR lists one"
    )
    primary_document: str | None = Field(
        default=None, description="file name of the primary document, when known"
    )
    is_xbrl: bool | None = Field(default=None, description="filing has XBRL; None = unknown")
    is_inline_xbrl: bool | None = Field(
        default=None, description="primary document is inline XBRL; None = unknown"
    )
    company_name: str | None = Field(default=None, description="filer name as EDGAR lists it")
    registration: Registration | None = Field(
        default=None,
        description="EDGAR's registration data about the filer (SIC...), when discovery read "
        "the submissions JSON; the download step asks EDGAR for it otherwise",
    )

    @field_validator("cik", mode="before")
    @classmethod
    def _cik(cls, value: int | str) -> int:
        try:
            return check_cik(value)
        except InvalidIdentifier as exc:
            raise ValueError(str(exc)) from None

    @field_validator("accession", mode="before")
    @classmethod
    def _accession(cls, value: str) -> str:
        try:
            return check_accession(value)
        except InvalidIdentifier as exc:
            raise ValueError(str(exc)) from None

    @property
    def cik10(self) -> str:
        """The CIK zero-padded to 10 digits, as data.sec.gov wants it."""
        return cik10(self.cik)

    @property
    def accession_plain(self) -> str:
        """The accession number without dashes, as in Archives folder names."""
        return plain_accession(self.accession)

    @property
    def package_prefix(self) -> str:
        """Raw store prefix of this filing's package: ``raw/sec/{cik}/{accession}/``."""
        return raw_package_prefix(self.cik, self.accession)


class DownloadOutcome(BaseModel):
    """What happened to one filing's download; small enough for a state machine payload."""

    cik: int
    accession: str
    status: Literal["ok", "skipped", "failed"] = Field(
        description="ok = downloaded now; skipped = already complete in the store; "
        "failed = see error_type and reason"
    )
    package_prefix: str
    form: str | None = None
    entry_point: str | None = Field(default=None, description="instance or inline document")
    files: int = Field(default=0, description="files in the package")
    bytes: int = Field(default=0, description="total size of the package files")
    requests: int = Field(
        default=0, description="EDGAR documents fetched for this filing (retries not counted)"
    )
    error_type: str | None = Field(default=None, description="error class name when failed")
    transient: bool | None = Field(
        default=None, description="when failed: True if retrying later may succeed"
    )
    reason: str | None = Field(default=None, description="when failed: the error message")

    def filing_ref(self) -> FilingRef:
        """The reference the XBRL step takes; only for ok/skipped outcomes."""
        if self.status == "failed" or self.entry_point is None:
            raise ValueError(f"filing {self.accession} was not downloaded")
        return FilingRef(
            source_unit=self.accession,
            cik=self.cik,
            package_prefix=self.package_prefix,
            entry_point=self.entry_point,
            form=self.form,
        )
