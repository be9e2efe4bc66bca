"""The Report node and what the filing's cover page (dei) states about each filer.

The registrant is the CIK the package names. A combined filing's co-registrants report
their own dei:EntityCentralIndexKey under a dei:LegalEntityAxis member; those CIKs become
entities of their own, and facts under their member are attributed to them. Each entity
gets an ENTITY_HAS_REPORT relationship carrying its cover-page statements, its Entity row
the same statements (the latest filing loaded wins in the graph), and every class of
securities (trading symbol, exchange, title) becomes a Security node.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledgergraph.filing_package import Registration
from ledgergraph.ids import cik10
from xbrl_task.cover_values import DOCUMENT_TYPE, CoverChoice, required_period
from xbrl_task.fact_rows import DeiFact, FactRowBuilder
from xbrl_task.model import FactInfo, QName
from xbrl_task.rows import Row

_LEGAL_ENTITY_AXIS = "LegalEntityAxis"
_COVER = {
    "name": "dei:EntityRegistrantName",
    "filer_category": "dei:EntityFilerCategory",
    "state_of_incorporation": "dei:EntityIncorporationStateCountryCode",
    "fiscal_year_end": "dei:CurrentFiscalYearEndDate",
    "ein": "dei:EntityTaxIdentificationNumber",
}
# dei concept -> the Report column it fills (DocumentType the form too, if none is given)
_REPORT_DEI = {
    DOCUMENT_TYPE: "document_type",
    "dei:AmendmentFlag": "is_amendment",
    "dei:AmendmentDescription": "amendment_description",
    "dei:DocumentPeriodEndDate": "period_of_report",
    "dei:DocumentFiscalYearFocus": "fiscal_year",
    "dei:DocumentFiscalPeriodFocus": "fiscal_period",
}
_SECURITY = {
    "dei:TradingSymbol": "trading_symbol",
    "dei:SecurityExchangeName": "exchange",
    "dei:Security12bTitle": "title",
}


@dataclass(frozen=True)
class ReportFacts:
    """What the package says besides the documents, and the fact counts to record."""

    source_unit: str
    accession_number: str | None
    registrant_cik: int
    form_hint: str | None
    registration: Registration | None
    is_inline: bool
    entry_point: str
    documents: tuple[str, ...]
    processor: str
    in_document: int
    collapsed: int
    rejected: int


_CIK = re.compile(r"[0-9]{1,10}")  # ASCII digits; EDGAR's CIKs have at most 10


def coregistrant_ciks(facts: Iterable[FactInfo]) -> dict[QName, int]:
    """dei:LegalEntityAxis member -> the CIK its cover page states (co-registrants)."""
    found: dict[QName, int] = {}
    for fact in facts:
        if fact.qname.local_name != "EntityCentralIndexKey" or fact.context is None:
            continue
        dims = fact.context.dimensions
        value = (fact.value or "").strip()
        if len(dims) != 1 or dims[0].member is None or not _CIK.fullmatch(value):
            continue
        if dims[0].axis.local_name == _LEGAL_ENTITY_AXIS:
            found.setdefault(dims[0].member, int(value))
    return found


def add_report(builder: FactRowBuilder, meta: ReportFacts) -> tuple[Row, list[str]]:
    """Add Report, ENTITY_HAS_REPORT, Security rows and entity details.

    Each entity's row gets the same details as its ENTITY_HAS_REPORT, with this report as
    ``stated_in``: the graph keeps the latest loaded filing's row (Entity is upserted).

    Returns:
        The Report row, and the warnings to act on about its cover values: facts of a
        concept that disagree (``cover_values``), a form and amendment flag that do.
    """
    choice = CoverChoice(required_period(builder.dei, cik10(meta.registrant_cik)))
    covers = _cover_statements(builder, choice)
    registrant = covers.get(cik10(meta.registrant_cik), {})
    report = _report_row(builder, meta, registrant, choice)
    builder.rows.add("Report", report)
    members = _legal_entity_members(builder)
    for entity, row in builder.entities.items():
        stated = covers.get(entity, {})
        role = "registrant" if entity == cik10(meta.registrant_cik) else "co-registrant"
        securities = _add_securities(builder, entity, meta.source_unit, choice)
        details = {
            **{k: stated.get(k) for k in _COVER},
            # EDGAR's registration data in the package is about the CIK it is filed under
            "sic": meta.registration.sic if meta.registration and role == "registrant" else None,
            "trading_symbols": _joined(s["trading_symbol"] for s in securities),
            "exchanges": _joined(s["exchange"] for s in securities),
        }
        row.update(details, stated_in=meta.source_unit, stated_as_of=report["period_of_report"])
        builder.rows.relate(
            "ENTITY_HAS_REPORT",
            entity,
            meta.source_unit,
            role=role,
            **details,
            legal_entity_member=members.get(entity),
        )
    return report, choice.warnings


def _report_row(
    builder: FactRowBuilder, meta: ReportFacts, cover: dict[str, str], choice: CoverChoice
) -> Row:
    dei = _report_values(builder, cik10(meta.registrant_cik), choice)
    return {
        "id": meta.source_unit,
        "accession_number": meta.accession_number,
        "form": meta.form_hint or dei.get(DOCUMENT_TYPE),
        "document_type": dei.get(DOCUMENT_TYPE),
        "is_amendment": _is_amendment(meta.form_hint, dei, choice.warnings),
        "amendment_description": dei.get("dei:AmendmentDescription"),
        "period_of_report": _date(dei.get("dei:DocumentPeriodEndDate")),
        "fiscal_year": _year(dei.get("dei:DocumentFiscalYearFocus")),
        "fiscal_period": dei.get("dei:DocumentFiscalPeriodFocus"),
        "fiscal_year_end": cover.get("fiscal_year_end"),
        "is_inline": meta.is_inline,
        "entry_point": meta.entry_point,
        "documents": " ".join(meta.documents or (meta.entry_point,)),
        "fact_count": builder.fact_rows,
        "facts_in_document": meta.in_document,
        "duplicates_collapsed": meta.collapsed,
        "facts_rejected": meta.rejected,
        "processor": meta.processor,
    }


def _is_amendment(form_hint: str | None, dei: dict[str, str], warnings: list[str]) -> bool | None:
    """True for a form ending in /A (the package's or the document's) whatever
    dei:AmendmentFlag says; else the flag; else False with a form, None without one.
    A flag that disagrees with the form adds a warning to act on."""
    flag = _boolean(dei.get("dei:AmendmentFlag"))
    forms = (
        (form_hint, "in the package (filing.json)"),
        (dei.get(DOCUMENT_TYPE), "in the document (dei:DocumentType)"),
    )
    amended = next(((f, where) for f, where in forms if f and f.endswith("/A")), None)
    if amended is not None:
        if flag is False:
            form, where = amended
            warnings.append(
                f"form {form} {where} but dei:AmendmentFlag false in the document; "
                "Report.is_amendment is true, a form ending in /A being an amendment; "
                "fix the package and load it again"
            )
        return True
    form, where = next(((f, w) for f, w in forms if f), (None, ""))
    if flag and form:
        warnings.append(
            f"dei:AmendmentFlag true in the document but form {form} {where}; "
            "Report.is_amendment is true, as the flag says; check the package"
        )
    return flag if flag is not None else (False if form else None)


def _report_values(builder: FactRowBuilder, entity: str, choice: CoverChoice) -> dict[str, str]:
    """The dei values of ``entity`` without dimensions the Report is built from."""
    stated: dict[str, list[DeiFact]] = {}
    for fact in builder.dei:
        if fact.entity == entity and not fact.dims and fact.element in _REPORT_DEI:
            stated.setdefault(fact.element, []).append(fact)
    values: dict[str, str] = {}
    for element, column in _REPORT_DEI.items():
        value = choice.choose(stated.get(element, []), f"Report.{column}")
        if value is not None:
            values[element] = value
    return values


def _cover_statements(builder: FactRowBuilder, choice: CoverChoice) -> dict[str, dict[str, str]]:
    """Per entity, its cover-page values (no dimension other than its legal entity member)."""
    stated: dict[tuple[str, str], list[DeiFact]] = {}
    wanted = {element: key for key, element in _COVER.items()}
    for fact in builder.dei:
        key = wanted.get(fact.element)
        if key is not None and all(_is_legal_entity(d) for d in fact.dims):
            stated.setdefault((fact.entity, key), []).append(fact)
    covers: dict[str, dict[str, str]] = {}
    for (entity, key), facts in stated.items():
        value = choice.choose(facts, f"Entity.{key}")
        if value is not None:
            covers.setdefault(entity, {})[key] = value
    return covers


def _legal_entity_members(builder: FactRowBuilder) -> dict[str, str]:
    members: dict[str, str] = {}
    for fact in builder.dei:
        dims = fact.dims
        if (
            fact.element == "dei:EntityCentralIndexKey"
            and len(dims) == 1
            and _is_legal_entity(dims[0])
        ):
            members.setdefault(fact.entity, dims[0].split("=", 1)[1])
    return members


def _add_securities(
    builder: FactRowBuilder, entity: str, report_id: str, choice: CoverChoice
) -> list[Row]:
    """One Security per class the entity's cover page lists (grouped by context dims).

    A class stating two values of one column (two trading symbols) gets the value as
    Report and Entity columns do (``cover_values``): none wins by document order, and
    each disagreement is a warning to act on naming the class and the values.
    """
    classes: dict[tuple[str, ...], dict[str, list[DeiFact]]] = {}
    for fact in builder.dei:
        column = _SECURITY.get(fact.element)
        if fact.entity == entity and column is not None:
            key = tuple(d for d in fact.dims if not _is_legal_entity(d))
            classes.setdefault(key, {}).setdefault(column, []).append(fact)
    securities = []
    for dims, facts in classes.items():
        named = f"(class {' '.join(dims) or 'without dimensions'})"
        stated = {
            column: value
            for column, stated_facts in facts.items()
            if (value := choice.choose(stated_facts, f"Security.{column} {named}")) is not None
        }
        symbol, exchange = stated.get("trading_symbol"), stated.get("exchange")
        row = {
            "id": _security_id(entity, symbol, exchange, stated.get("title"), dims),
            "cik": int(entity),
            "trading_symbol": symbol,
            "exchange": exchange,
            "title": stated.get("title"),
        }
        builder.rows.add("Security", row)
        builder.rows.relate("ENTITY_HAS_SECURITY", entity, row["id"])
        builder.rows.relate("REPORT_LISTS_SECURITY", report_id, row["id"], title=row["title"])
        securities.append(row)
    return securities


def _security_id(
    entity: str, symbol: str | None, exchange: str | None, title: str | None, dims: tuple[str, ...]
) -> str:
    """``cik10/symbol/exchange``; a class without a symbol (notes listed with no ticker,
    ``dei:NoTradingSymbolFlag``) adds its title, or else its class member, so that each
    class listed stays a Security of its own (Apple lists nine note issues on NASDAQ)."""
    listed = f"{entity}/{symbol or '-'}/{exchange or '-'}"
    if symbol:
        return listed
    named = " ".join(title.split()) if title else "|".join(sorted(dims))
    return f"{listed}/{named}" if named else listed


def _is_legal_entity(dimension_id: str) -> bool:
    return dimension_id.split("=", 1)[0].endswith(_LEGAL_ENTITY_AXIS)


def _joined(values: Iterable[str | None]) -> str | None:
    """Distinct values, sorted, joined by ``|``: a symbol may hold a space ("AEON WS")."""
    unique = sorted({v.strip() for v in values if v and v.strip()})
    return "|".join(unique) or None


def _boolean(text: str | None) -> bool | None:
    return None if text is None else text.strip().lower() in ("true", "1")


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text else None
    except ValueError:
        return None


def _year(text: str | None) -> int | None:
    stripped = (text or "").strip()
    return int(stripped[:4]) if stripped[:4].isdigit() else None
