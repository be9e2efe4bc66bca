"""The Report node and what the filing's cover page (dei) states about each filer.

The registrant is the CIK the package names. A combined filing's co-registrants report
their own dei:EntityCentralIndexKey under a dei:LegalEntityAxis member; those CIKs become
entities of their own, and facts under their member are attributed to them. Each entity
gets an ENTITY_HAS_REPORT relationship carrying its cover-page statements, its Entity row
the same statements (the latest filing loaded wins in the graph), and every class of
securities (trading symbol, exchange, title) becomes a Security node.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ledgergraph.filing_package import Registration
from ledgergraph.ids import cik10
from xbrl_task.fact_rows import FactRowBuilder
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


def coregistrant_ciks(facts: Iterable[FactInfo]) -> dict[QName, int]:
    """dei:LegalEntityAxis member -> the CIK its cover page states (co-registrants)."""
    found: dict[QName, int] = {}
    for fact in facts:
        if fact.qname.local_name != "EntityCentralIndexKey" or fact.context is None:
            continue
        dims = fact.context.dimensions
        value = (fact.value or "").strip()
        if len(dims) != 1 or dims[0].member is None or not value.isdigit():
            continue
        if dims[0].axis.local_name == _LEGAL_ENTITY_AXIS:
            found.setdefault(dims[0].member, int(value))
    return found


def add_report(builder: FactRowBuilder, meta: ReportFacts) -> Row:
    """Add Report, ENTITY_HAS_REPORT, Security rows and entity details; returns the Report row.

    Each entity's row gets the same details as its ENTITY_HAS_REPORT, with this report as
    ``stated_in``: the graph keeps the latest loaded filing's row (Entity is upserted).
    """
    covers = _cover_statements(builder)
    registrant = covers.get(cik10(meta.registrant_cik), {})
    report = _report_row(builder, meta, registrant)
    builder.rows.add("Report", report)
    members = _legal_entity_members(builder)
    for entity, row in builder.entities.items():
        stated = covers.get(entity, {})
        role = "registrant" if entity == cik10(meta.registrant_cik) else "co-registrant"
        securities = _add_securities(builder, entity, meta.source_unit)
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
    return report


def _report_row(builder: FactRowBuilder, meta: ReportFacts, cover: dict[str, str]) -> Row:
    dei = _first_values(builder, cik10(meta.registrant_cik))
    form = meta.form_hint or dei.get("dei:DocumentType")
    flag = _boolean(dei.get("dei:AmendmentFlag"))
    return {
        "id": meta.source_unit,
        "accession_number": meta.accession_number,
        "form": form,
        "document_type": dei.get("dei:DocumentType"),
        "is_amendment": flag if flag is not None else (form.endswith("/A") if form else None),
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


def _first_values(builder: FactRowBuilder, entity: str) -> dict[str, str]:
    """dei values of ``entity`` without dimensions, first in document order."""
    values: dict[str, str] = {}
    for ent, element, dims, text in builder.dei:
        if ent == entity and not dims:
            values.setdefault(element, text.strip())
    return values


def _cover_statements(builder: FactRowBuilder) -> dict[str, dict[str, str]]:
    """Per entity, its cover-page values (no dimension other than its legal entity member)."""
    covers: dict[str, dict[str, str]] = {}
    wanted = {element: key for key, element in _COVER.items()}
    for entity, element, dims, text in builder.dei:
        key = wanted.get(element)
        if key is not None and all(_is_legal_entity(d) for d in dims):
            covers.setdefault(entity, {}).setdefault(key, text.strip())
    return covers


def _legal_entity_members(builder: FactRowBuilder) -> dict[str, str]:
    members: dict[str, str] = {}
    for entity, element, dims, _ in builder.dei:
        if element == "dei:EntityCentralIndexKey" and len(dims) == 1 and _is_legal_entity(dims[0]):
            members.setdefault(entity, dims[0].split("=", 1)[1])
    return members


def _add_securities(builder: FactRowBuilder, entity: str, report_id: str) -> list[Row]:
    """One Security per class the entity's cover page lists (grouped by context dims)."""
    classes: dict[tuple[str, ...], dict[str, str]] = {}
    for ent, element, dims, text in builder.dei:
        column = _SECURITY.get(element)
        if ent == entity and column is not None:
            key = tuple(d for d in dims if not _is_legal_entity(d))
            classes.setdefault(key, {}).setdefault(column, text.strip())
    securities = []
    for stated in classes.values():
        symbol, exchange = stated.get("trading_symbol"), stated.get("exchange")
        row = {
            "id": f"{entity}/{symbol or '-'}/{exchange or '-'}",
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
