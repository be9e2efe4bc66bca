"""The Entity node's details: what the filing states about the filer, and EDGAR's SIC code.

A filing states most of what identifies its filer on the cover page (dei): name, state of
incorporation, fiscal year end, filer category, EIN, the classes of securities. It never
states the SIC code; EDGAR's registration data does, and the download step carries it in the
package's ``filing.json``. Each column has one source: the dei element, or (SIC) EDGAR. The
rest of EDGAR's registration data stays in ``filing.json``: mixing it into the dei columns
would leave a reader unable to tell which source a value came from.

Entity is a shared node that the graph adds once, so these are the values of the filing that
introduced the entity; every filing's own statements stay on its ENTITY_HAS_REPORT row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ledgergraph.filing_package import Registration
from xbrl_task.rows import Row

# Entity column -> the dei element that states it.
STATED = {
    "name": "dei:EntityRegistrantName",
    "filer_category": "dei:EntityFilerCategory",
    "state_of_incorporation": "dei:EntityIncorporationStateCountryCode",
    "fiscal_year_end": "dei:CurrentFiscalYearEndDate",
    "ein": "dei:EntityTaxIdentificationNumber",
}


def describe_entity(
    row: Row,
    stated: Mapping[str, str],
    securities: Iterable[Row],
    *,
    registration: Registration | None,
) -> None:
    """Fill ``row`` (an Entity row) from the cover page ``stated`` and ``registration``.

    ``stated`` maps the keys of ``STATED`` to the entity's own cover-page values (for a
    co-registrant, the facts under its legal entity member); ``securities`` are the Security
    rows the filing lists for the entity; ``registration`` is EDGAR's data about the
    entity, if the package has it (only ever for the registrant).
    """
    for column in STATED:
        row[column] = stated.get(column) or None
    row["trading_symbols"] = joined(s["trading_symbol"] for s in securities)
    if registration is not None:
        row["sic"] = registration.sic
        row["sic_description"] = registration.sic_description


def joined(values: Iterable[str | None]) -> str | None:
    """Distinct values, sorted, joined by ``|``; None when there is none.

    NOTE: not by spaces: a trading symbol may hold one (AEON's warrants trade as "AEON WS").
    """
    unique = sorted({v.strip() for v in values if v and v.strip()})
    return "|".join(unique) or None
