"""Warnings to act on for rejected cover-page (dei) facts the Report or Entity is built from.

A rejected fact is counted with its reason like any other, but a dei fact such as
DocumentPeriodEndDate leaves a column of the Report empty (or takes a statement off the
Entity) with nothing in the row to say so: the user has to fix the package and load it
again, so the manifest marks it as a warning to act on.
"""

from __future__ import annotations

from xbrl_task.identity import element_id
from xbrl_task.model import FactInfo
from xbrl_task.rows import Row

# dei concept -> the Report column it fills (checked empty before warning)
_REPORT = {
    "dei:DocumentType": "document_type",
    "dei:DocumentPeriodEndDate": "period_of_report",
    "dei:DocumentFiscalYearFocus": "fiscal_year",
    "dei:DocumentFiscalPeriodFocus": "fiscal_period",
    "dei:AmendmentFlag": "is_amendment",
    "dei:AmendmentDescription": "amendment_description",
    "dei:CurrentFiscalYearEndDate": "fiscal_year_end",
}
# dei concept -> what of its entity goes unstated (the Entity and ENTITY_HAS_REPORT rows)
_ENTITY = {
    "dei:EntityCentralIndexKey": "its CIK as the cover page states it (a co-registrant "
    "under dei:LegalEntityAxis is then not recognised)",
    "dei:EntityRegistrantName": "Entity.name",
    "dei:EntityFilerCategory": "Entity.filer_category",
    "dei:EntityIncorporationStateCountryCode": "Entity.state_of_incorporation",
    "dei:EntityTaxIdentificationNumber": "Entity.ein",
    "dei:TradingSymbol": "Security.trading_symbol",
    "dei:SecurityExchangeName": "Security.exchange",
    "dei:Security12bTitle": "Security.title",
}


def is_cover_fact(fact: FactInfo) -> bool:
    """A dei fact the Report or an Entity is built from."""
    element = element_id(fact.qname)
    return element in _REPORT or element in _ENTITY


def dei_warnings(rejected: list[tuple[FactInfo, str]], report: Row) -> list[str]:
    """One line per rejected cover fact whose value the graph is left without.

    A Report column another fact of the same concept filled is no loss and gets no line.
    """
    lines = []
    for fact, reason in rejected:
        element = element_id(fact.qname)
        column = _REPORT.get(element)
        if column is not None:
            if report.get(column) is not None:
                continue
            left = f"the Report's {column} is left empty"
        else:
            left = f"left unstated: {_ENTITY[element]}"
        # the reason names the fact (id, context) unless it is about the context or unit
        named = "" if f"(id {fact.xml_id or 'none'}," in reason else f" (id {fact.xml_id})"
        lines.append(f"cover-page fact {element}{named} rejected, {left}; fix the package "
                     f"and load it again: {reason}")  # fmt: skip
    return lines
