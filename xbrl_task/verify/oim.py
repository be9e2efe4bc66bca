"""Arelle's xBRL-JSON export read as comparable facts (see ``facts``).

xBRL-JSON writes periods as datetimes with exclusive ends (a year is
``2023-01-01T00:00:00/2024-01-01T00:00:00``); they become the inclusive calendar days the
graph keys periods by, a time of day other than midnight kept. Its units are
``ns-prefix:measure`` expressions, ``xbrli:pure`` left out; its dimension values are member
QNames or typed values as filed (the typed ones compared by the key ``arelle_export`` adds).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from ledgergraph.ids import cik10
from xbrl_task.errors import ExportUnreadable
from xbrl_task.identity import (
    element_id,
    filed_moment,
    is_clamped,
    measures_text,
    period_id,
    split_moment,
)
from xbrl_task.model import PeriodInfo, QName
from xbrl_task.verify.arelle_export import (
    FILED_PERIOD,
    INVALID,
    LANGUAGE,
    NON_DIMENSIONAL,
    NUMERIC,
    PRECISION,
    QNAMES,
    REJECTED,
    TYPED,
    UNTYPED,
)
from xbrl_task.verify.facts import (
    NIL,
    NOT_VALID,
    ComparableFact,
    members_key,
    number_key,
    precision_key,
)

_CORE = ("concept", "entity", "period", "unit", "language", "noteId")
_PURE = "xbrli:pure"


def oim_facts(report: dict[str, Any]) -> Iterator[ComparableFact]:
    """Every fact of the export (footnote pseudo-facts left out), but those both sides
    reject: no valid value for Arelle, a rejected value for the graph (nothing to compare).

    A fact of a concept the DTS does not define is one of those: Arelle exports it without
    a concept, the graph rejects it (``arelle_export`` marks it), as it rejects the facts of
    a namespace no schema defines, which Arelle does not even make.

    Raises:
        ExportUnreadable: a fact has no entity, as Arelle exports a fact whose contextRef
            names no context.
    """
    namespaces = report["documentInfo"]["namespaces"]
    for fact_id, fact in report["facts"].items():
        aspects = fact["dimensions"]
        if aspects.get("concept") == "xbrl:note" or (fact.get(INVALID) and fact.get(REJECTED)):
            continue
        missing = [name for name in ("concept", "entity") if name not in aspects]
        if missing:
            raise ExportUnreadable(
                f"fact {fact_id} ({aspects.get('concept', 'no concept')}) has no "
                f"{' and no '.join(missing)} in Arelle's export (a contextRef naming no "
                "context?)"
            )
        yield _comparable(fact, aspects, namespaces)


def both_rejected(report: dict[str, Any]) -> int:
    """Facts ``oim_facts`` leaves out: no valid value for Arelle, rejected by the graph."""
    return sum(1 for f in report["facts"].values() if f.get(INVALID) and f.get(REJECTED))


def _comparable(fact: dict, aspects: dict, namespaces: dict[str, str]) -> ComparableFact:
    numeric = bool(fact.get(NUMERIC))
    value = fact.get("value")
    if fact.get(QNAMES):
        value = members_key(fact[QNAMES])
    precision = fact.get(PRECISION)
    # a precision is compared as filed, not as the decimals the export infers from it
    decimals = None if precision is not None else fact.get("decimals")
    return ComparableFact(
        concept=_element(aspects["concept"], namespaces),
        entity=cik10(aspects["entity"].split(":", 1)[1]),
        period=period_of(aspects.get("period"), fact.get(FILED_PERIOD) or {}),
        unit=_unit(aspects.get("unit") or _PURE, namespaces) if numeric else None,
        dimensions=tuple(sorted(_dimensions(aspects, fact.get(TYPED) or {}, namespaces))),
        value=_value(fact, value, numeric=numeric),
        decimals=None if decimals is None else str(decimals),
        language=fact.get(LANGUAGE),
        precision=None if precision is None else precision_key(str(precision)),
        rejected=fact.get(REJECTED) or "",
        non_dimensional=fact.get(NON_DIMENSIONAL) or "",
        untyped=fact.get(UNTYPED) or "",
    )


def _value(fact: dict, value: str | None, *, numeric: bool) -> str:
    if fact.get(INVALID):
        return NOT_VALID  # what Arelle exports instead is not a value (None, an error marker)
    if value is None:
        return NIL
    return number_key(value) if numeric else value


def period_of(text: str | None, filed: dict[str, str] | None = None) -> str:
    """The graph's period id of an xBRL-JSON period (inclusive end dates; a time of day
    other than midnight kept, as ``identity.split_moment`` keeps it).

    ``filed`` holds the texts as filed (``arelle_export`` adds them) of the moments Arelle
    clamped and so exported a day early (an end ``9999-12-31`` as ``9999-12-31T00:00:00``):
    those are read from that text, as the extraction reads them.

    Raises:
        ExportUnreadable: a text as filed for a moment the export does not hold clamped.
    """
    filed = filed or {}
    if text is None:
        return "forever"
    start, _, end = text.rpartition("/")
    if not start:
        day, clock = _moment(end, filed.get("instant"), end=True)
        return period_id(PeriodInfo("instant", None, day, end_time=clock))
    end_day, end_time = _moment(end, filed.get("endDate"), end=True)
    start_day, start_time = _moment(start, filed.get("startDate"), end=False)
    return period_id(PeriodInfo("duration", start_day, end_day, start_time, end_time))


def _moment(exported: str, filed: str | None, *, end: bool) -> tuple[date, time | None]:
    moment = datetime.fromisoformat(exported)
    if filed is None:
        return split_moment(moment, end=end)
    if not is_clamped(moment):
        raise ExportUnreadable(f"a period moment filed {filed!r} exported as {exported}")
    return filed_moment(filed, end=end)


def _qname(prefixed: str, namespaces: dict[str, str]) -> QName:
    prefix, _, local = prefixed.partition(":")
    return QName(namespaces[prefix], local, prefix)


def _element(prefixed: str, namespaces: dict[str, str]) -> str:
    return element_id(_qname(prefixed, namespaces))


def _unit(text: str, namespaces: dict[str, str]) -> str:
    numerator, _, denominator = text.partition("/")

    def measures(part: str) -> str:
        return measures_text(_qname(m, namespaces) for m in part.strip("()").split("*"))

    return f"{measures(numerator)}/{measures(denominator)}" if denominator else measures(numerator)


def _dimensions(
    aspects: dict, typed: dict[str, str], namespaces: dict[str, str]
) -> Iterator[tuple[str, str]]:
    """(axis id, ``member id`` or ``#typed key``) of every dimension; a typed value by the
    key ``arelle_export`` added (its canonical form), the export's own being as filed."""
    for key, value in aspects.items():
        if key in _CORE or ":" not in key:
            continue
        axis = _element(key, namespaces)
        prefix, _, local = (value or "").partition(":")
        if key in typed:
            yield axis, f"#{typed[key]}"
        elif value and prefix in namespaces and local and " " not in value:
            yield axis, _element(value, namespaces)
        else:
            yield axis, f"#{(value or '').strip()}"
