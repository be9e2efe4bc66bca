"""The Entity node's details: what the filing states about the filer, then what EDGAR says.

A filing states most of what identifies its filer on the cover page (dei): name, state of
incorporation, fiscal year end, filer category, EIN, the classes of securities. It never
states the SIC code; EDGAR's registration data does, and the download step carries it in the
package's ``filing.json``. The filing's statement wins where both say something, EDGAR's
fills the rest, and ``sources`` records which it was for every column with a value.

Entity is a shared node that the graph adds once, so these are the values of the filing that
introduced the entity; every filing's own statements stay on its ENTITY_HAS_REPORT row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ledgergraph.filing_package import EDGAR_SOURCE, Registration
from xbrl_task.rows import Row

# Entity column -> the dei element that states it.
STATED = {
    "name": "dei:EntityRegistrantName",
    "filer_category": "dei:EntityFilerCategory",
    "state_of_incorporation": "dei:EntityIncorporationStateCountryCode",
    "fiscal_year_end": "dei:CurrentFiscalYearEndDate",
    "ein": "dei:EntityTaxIdentificationNumber",
}
# Entity column -> (Registration field, the submissions JSON key it was read from).
_REGISTERED = {
    "name": ("name", "name"),
    "sic": ("sic", "sic"),
    "sic_description": ("sic_description", "sicDescription"),
    "state_of_incorporation": ("state_of_incorporation", "stateOfIncorporation"),
    "fiscal_year_end": ("fiscal_year_end", "fiscalYearEnd"),
    "filer_category": ("filer_category", "category"),
    "ein": ("ein", "ein"),
    "trading_symbols": ("tickers", "tickers"),
    "exchanges": ("exchanges", "exchanges"),
}


def describe_entity(
    row: Row,
    stated: Mapping[str, str],
    securities: Iterable[Row],
    *,
    registration: Registration | None,
    report_id: str,
) -> None:
    """Fill ``row`` (an Entity row) from the cover page ``stated``, then ``registration``.

    ``stated`` maps the keys of ``STATED`` to the entity's own cover-page values (for a
    co-registrant, the facts under its legal entity member); ``securities`` are the Security
    rows the filing lists for the entity.
    """
    sources: dict[str, str] = {}

    def put(column: str, value: str | None, source: str) -> None:
        if value and column not in sources:
            row[column] = value
            sources[column] = source

    for column, element in STATED.items():
        put(column, stated.get(column), element)
    listed = list(securities)
    put("trading_symbols", joined(s["trading_symbol"] for s in listed), "dei:TradingSymbol")
    put("exchanges", joined(s["exchange"] for s in listed), "dei:SecurityExchangeName")
    if registration is not None:
        # EDGAR's keys, or the sidecar's own when a package states its SIC by hand
        edgar = registration.source == EDGAR_SOURCE
        for column, (field, key) in _REGISTERED.items():
            value = getattr(registration, field)
            text = joined(value) if isinstance(value, tuple) else value
            put(column, text, f"edgar:{key}" if edgar else f"{registration.source}:{field}")
        if edgar and any(source.startswith("edgar:") for source in sources.values()):
            row["registration_retrieved_at"] = registration.retrieved_at
    row["introduced_by"] = report_id
    row["sources"] = json.dumps(sources, sort_keys=True) if sources else None


def joined(values: Iterable[str | None]) -> str | None:
    """Distinct values, sorted, joined by ``|``; None when there is none.

    NOTE: not by spaces: a trading symbol may hold one (AEON's warrants trade as "AEON WS").
    """
    unique = sorted({v.strip() for v in values if v and v.strip()})
    return "|".join(unique) or None
