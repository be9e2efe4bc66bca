"""Which report a package without an accession number is, told by its cover page.

Such a package's source unit is the sha256 of its entry point, so a copy of a report with
one value edited gets a unit of its own and would load as a second filing of the same
report. What the cover page states (registrant, form, period of report, fiscal focus,
amendment flag) says whether two packages are the same report, as the accession number
does when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledgergraph.filing_package import PackageInfo
from xbrl_task.cover_page import read_cover_facts


@dataclass(frozen=True)
class ReportIdentity:
    """What tells one report of a registrant from another, without an accession number."""

    cik: int
    form: str
    period_of_report: date
    fiscal_year: int | None = None
    fiscal_period: str | None = None
    is_amendment: bool = False

    def same_report(self, other: ReportIdentity) -> bool:
        """Same registrant, form, period and amendment flag; fiscal focus equal where both
        state it (a filer that leaves it out is not told apart by it)."""
        if (self.cik, self.form, self.period_of_report, self.is_amendment) != (
            other.cik,
            other.form,
            other.period_of_report,
            other.is_amendment,
        ):
            return False
        return _agree(self.fiscal_year, other.fiscal_year) and _agree(
            self.fiscal_period, other.fiscal_period
        )

    def describe(self) -> str:
        """``10-Q of CIK 1837607 for the period ending 2023-09-30, fiscal 2023 Q3``."""
        form = f"{self.form} amendment" if self.is_amendment else self.form
        focus = " ".join(str(v) for v in (self.fiscal_year, self.fiscal_period) if v)
        text = f"{form} of CIK {self.cik} for the period ending {self.period_of_report}"
        return f"{text}, fiscal {focus}" if focus else text


@dataclass(frozen=True)
class HeldReport:
    """A report the graph holds, under its source unit."""

    source_unit: str
    identity: ReportIdentity


def report_identity(
    cik: int,
    form: str | None,
    period_of_report: date | str | None,
    *,
    fiscal_year: int | str | None = None,
    fiscal_period: str | None = None,
    amendment_flag: bool | str | None = None,
) -> ReportIdentity | None:
    """The identity from cover values as stated (text or typed); None without a form or a
    period of report, which a report cannot be told by.

    A form ending in ``/A`` is an amendment whatever the flag says, as on the Report row.
    """
    form = (form or "").strip().upper()
    period = _date(period_of_report)
    if not form or period is None:
        return None
    if isinstance(amendment_flag, str):
        amendment_flag = amendment_flag.strip().lower() in ("true", "1")
    year = str(fiscal_year or "").strip()[:4]
    return ReportIdentity(
        cik=cik,
        form=form,
        period_of_report=period,
        fiscal_year=int(year) if year.isdigit() else None,
        fiscal_period=(fiscal_period or "").strip().upper() or None,
        is_amendment=form.endswith("/A") or bool(amendment_flag),
    )


def package_identity(info: PackageInfo) -> ReportIdentity | None:
    """The package's identity as its entry point's cover page states it.

    Raises:
        FilingError: the entry point is not well-formed XML.
    """
    cover = read_cover_facts(info.entry_path)
    return report_identity(
        info.cik,
        info.form or cover.get("DocumentType"),
        cover.get("DocumentPeriodEndDate"),
        fiscal_year=cover.get("DocumentFiscalYearFocus"),
        fiscal_period=cover.get("DocumentFiscalPeriodFocus"),
        amendment_flag=cover.get("AmendmentFlag"),
    )


def _date(value: date | str | None) -> date | None:
    if isinstance(value, date) or value is None:
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _agree(one: object, other: object) -> bool:
    return one is None or other is None or one == other
