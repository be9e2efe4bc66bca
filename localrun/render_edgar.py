"""Plain-text rendering of ``sec discover`` and ``sec download`` results."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ledgergraph.edgar import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.discovery import DiscoveryResult
from ledgergraph.edgar.submissions import RejectedRow
from ledgergraph.messages import pluralize
from localrun.render import table


def discovered_table(
    filings: Sequence[DiscoveredFiling], *, rejected: Sequence[RejectedRow] = ()
) -> str:
    """One line per filing found, oldest first, the count per form, then each row of
    EDGAR's listings that was rejected, with its reason."""
    columns = ["filed", "form", "cik", "accession", "period", "company", "primary document"]
    rows = [
        [
            f.filing_date,
            f.form,
            f.cik,
            f.accession,
            f.report_date,
            f.company_name,
            f.primary_document,
        ]
        for f in filings
    ]
    forms = Counter(f.form for f in filings)
    counts = ", ".join(f"{n} {form}" for form, n in sorted(forms.items()))
    text = table(columns, rows) + (f"\n{counts}" if counts else "")
    if rejected:
        lines = [f"{pluralize(len(rejected), 'row')} of EDGAR's listings rejected:"]
        text += "\n" + "\n".join(lines + [f"  {row.describe()}" for row in rejected])
    return text


def discovery_text(result: DiscoveryResult) -> str:
    """``discovered_table``, then each daily index line rejected and how the lines read
    add up (lines read = filings found + lines rejected + header lines), or, when EDGAR
    had no daily index for the days asked, that it had none."""
    text = discovered_table(result.filings, rejected=result.rejected)
    if result.index_days is None:
        return text
    if not result.indexes_read:
        since, until = (day.isoformat() for day in result.index_days)
        return text + (
            f"\ndaily indexes: none for {since}..{until} (none on weekends and holidays, nor "
            f"for a day EDGAR has not published yet); {len(result.filings)} selected"
        )
    rejected = result.rejected_lines
    if rejected:
        lines = [f"{pluralize(len(rejected), 'line')} of EDGAR's daily indexes rejected:"]
        text += "\n" + "\n".join(lines + [f"  {line.describe()}" for line in rejected])
    return text + (
        f"\ndaily indexes: {pluralize(result.lines_read, 'line')} read = "
        f"{pluralize(result.found, 'filing')} found + "
        f"{pluralize(len(rejected), 'line')} rejected + "
        f"{pluralize(result.header_lines, 'header line')}; {len(result.filings)} selected"
    )


def _size(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n / 1024:.0f} KiB"


def outcome_table(outcomes: Sequence[DownloadOutcome]) -> str:
    """One line per filing: status, files and size; failures with their reason after."""
    columns = ["accession", "cik", "form", "status", "files", "size", "entry point"]
    rows = [
        [o.accession, o.cik, o.form, o.status, o.files, _size(o.bytes), o.entry_point]
        for o in outcomes
    ]
    lines = [table(columns, rows), ""]
    failed = [o for o in outcomes if o.status == "failed"]
    lines += [f"{o.accession}: FAILED {o.error_type}: {o.reason}" for o in failed]
    statuses = Counter(o.status for o in outcomes)
    lines.append(", ".join(f"{statuses[s]} {s}" for s in ("ok", "skipped", "failed")))
    transient = sum(1 for o in failed if o.transient)
    if transient:
        lines.append(
            f"{transient} failed for a transient reason (EDGAR throttling or unavailable): "
            "run the same command again later; complete filings are skipped"
        )
    return "\n".join(lines)
