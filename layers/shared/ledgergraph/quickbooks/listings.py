"""Whether a full listing looks like its entity's, and whether its deletions are believable.

A full listing deletes every known record it lacks, so a listing that is not what it says
(another entity's records under this entity's name, a truncated or foreign answer) would
erase an entity's books. Two checks guard against that, in both the recorded sample and a
live sync:

- ``listing_misfits``: every record carries the fields its entity always has in QuickBooks
  (an Invoice its CustomerRef, a Bill its VendorRef ...) and none of the header fields only
  another entity has (a VendorRef or APAccountRef on an Invoice);
- ``mass_deletion``: a listing that shares no Id with the known live records, and so would
  mark every one of them deleted, is refused unless the deletions are confirmed.

The fields come from the bundled sandbox company: each is on every record of its entity
there, and QuickBooks requires it when a record is created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable
from typing import Any

from ledgergraph.messages import pluralize
from ledgergraph.quickbooks.nesting import MAX_RECORD_NESTING, TOO_DEEP_KEY

# Header fields every record of the entity has (deleted CDC stubs aside): the party or
# account a document is about, a list record's name. Lines are not among them: a record
# that lost its lines is one the ledger handles (its lines leave the graph).
# NOTE: an Account without AccountType is kept too, without a concept (see quickbooks.md).
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "Account": ("Name",),
    "Customer": ("DisplayName",),
    "Vendor": ("DisplayName",),
    "Item": ("Name",),
    "Invoice": ("CustomerRef",),
    "CreditMemo": ("CustomerRef",),
    "Payment": ("CustomerRef",),
    "Bill": ("VendorRef",),
    "BillPayment": ("VendorRef",),
    "Purchase": ("AccountRef",),
    "Deposit": ("DepositToAccountRef",),
}

# Header fields that only these entities carry: one on any other entity's record says the
# record is not of the listed entity.
OWNED_FIELDS: dict[str, frozenset[str]] = {
    "VendorRef": frozenset({"Bill", "BillPayment", "VendorCredit", "PurchaseOrder"}),
    "APAccountRef": frozenset({"Bill", "BillPayment", "VendorCredit"}),
    "CustomerRef": frozenset(
        {"Invoice", "CreditMemo", "Payment", "SalesReceipt", "RefundReceipt", "Estimate"}
    ),
    "AccountType": frozenset({"Account"}),
    "PayType": frozenset({"BillPayment"}),
    "PaymentType": frozenset({"Purchase"}),
}

_MISFITS_SHOWN = 3
# Every Id of the sandbox company is digits; the transform rejects any other (10_records.sql).
_QBO_ID = re.compile(r"[0-9]+")


# References the transform follows, and so what each must be when present: an object whose
# "value" (the Id it names) is text. The same lists as the transform's per-record check
# (``transform/sql/15_values.sql``, ``shape``): in the record, and in a line's detail object
# (``Line[0].SalesItemLineDetail.ItemRef``).
REFERENCE_FIELDS = (
    "CustomerRef", "VendorRef", "EntityRef", "ClassRef", "DepartmentRef", "CurrencyRef",
    "AccountRef", "APAccountRef", "ARAccountRef", "DepositToAccountRef", "FromAccountRef",
    "ToAccountRef", "ParentRef", "IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef",
)  # fmt: skip
# References inside a header detail object: the account a bill payment is paid from, the
# account a deposit's cash back goes to.
NESTED_REFERENCE_FIELDS = (
    ("CheckPayment", "BankAccountRef", "a payment detail"),
    ("CreditCardPayment", "CCAccountRef", "a payment detail"),
    ("CashBack", "AccountRef", "a cash back"),
)
LINE_REFERENCE_FIELDS = (
    "AccountRef", "ClassRef", "DepartmentRef", "DiscountAccountRef", "ItemAccountRef", "ItemRef",
)  # fmt: skip
_DETAIL_NAME = re.compile(r"[A-Za-z]+")
_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true or false",
               int: "a number", float: "a number", type(None): "null"}  # fmt: skip


def shape_problem(record: dict[str, Any]) -> str | None:
    """What in ``record`` is not shaped as QuickBooks sends it (``Line`` not a list, a line
    or its detail not an object, a DetailType not a plain name, a header or line reference
    not an object or without a text ``value``, a ``LinkedTxn`` not a list of links), or
    None. The transform rejects such a record; a recorded listing is refused for it before
    anything lands."""
    too_deep = _cut_field(record)
    if too_deep is not None:
        return (
            f"{too_deep} is nested more than {MAX_RECORD_NESTING} levels deep (no record "
            "QuickBooks sends is): not read"
        )
    lines = record.get("Line")
    if lines is not None and not isinstance(lines, list):
        return f"Line is {_json_type(lines)}, not a list of lines"
    for n, line in enumerate(lines or []):
        problem = _line_problem(line, f"Line[{n}]")
        if problem is not None:
            return problem
    return (
        _links_problem(record, "")
        or _references_problem(record, REFERENCE_FIELDS, "")
        or _nested_references_problem(record)
    )


def _nested_references_problem(record: dict[str, Any]) -> str | None:
    for holder, field, words in NESTED_REFERENCE_FIELDS:
        detail = record.get(holder)
        if detail is not None and not isinstance(detail, dict):
            return f"{holder} is {_json_type(detail)}, not {words} (an object)"
        problem = _references_problem(detail or {}, (field,), f"{holder}.")
        if problem is not None:
            return problem
    return None


def _cut_field(record: dict[str, Any]) -> str | None:
    """The field of ``record`` that held a value nested too deep to read, cut out of it
    when it was read (``nesting.cut_too_deep``), or None."""
    pending: list[object] = [record]
    while pending:  # not recursive: the marker sits some 32 levels down
        value = pending.pop()
        if isinstance(value, dict):
            if list(value) == [TOO_DEEP_KEY]:
                return str(value[TOO_DEEP_KEY] or "a field")
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return None


def _line_problem(line: object, where: str) -> str | None:
    """A line (bundle lines inside a GroupLineDetail too), its detail and references."""
    if not isinstance(line, dict):
        return f"{where} is {_json_type(line)}, not a line (an object)"
    bundle = line.get("GroupLineDetail")
    nested = bundle.get("Line") if isinstance(bundle, dict) else None
    if nested is not None and not isinstance(nested, list):
        return f"{where}.GroupLineDetail.Line is {_json_type(nested)}, not a list of lines"
    for n, inner in enumerate(nested or []):
        problem = _line_problem(inner, f"{where}.GroupLineDetail.Line[{n}]")
        if problem is not None:
            return problem
    problem = _links_problem(line, f"{where}.")
    if problem is not None:
        return problem
    kind = line.get("DetailType")
    if kind is None:
        return None
    if not isinstance(kind, str) or not _DETAIL_NAME.fullmatch(kind):
        return f"{where}.DetailType {json.dumps(kind)} is not a line kind (a name of letters)"
    detail = line.get(kind)
    if detail is not None and not isinstance(detail, dict):
        return f"{where}.{kind} is {_json_type(detail)}, not a line detail (an object)"
    return _references_problem(detail or {}, LINE_REFERENCE_FIELDS, f"{where}.{kind}.")


def _links_problem(holder: dict[str, Any], where: str) -> str | None:
    """A record's or line's ``LinkedTxn``: a list (the transform unnests it) of links that
    each name a transaction by TxnType and TxnId."""
    links = holder.get("LinkedTxn")
    if links is not None and not isinstance(links, list):
        return f"{where}LinkedTxn is {_json_type(links)}, not a list of linked transactions"
    for n, link in enumerate(links or []):
        if not _names_a_transaction(link):
            return (
                f"{where}LinkedTxn[{n}] {json.dumps(link)} is not a link to a transaction "
                "(an object with a TxnType and a TxnId of digits)"
            )
    return None


def _names_a_transaction(link: object) -> bool:
    if not isinstance(link, dict):
        return False
    kind, qbo_id = link.get("TxnType"), link.get("TxnId")
    return isinstance(kind, str) and _DETAIL_NAME.fullmatch(kind) is not None and is_qbo_id(qbo_id)


def _references_problem(holder: dict[str, Any], fields: tuple[str, ...], where: str) -> str | None:
    for field in fields:
        value = holder.get(field)
        if value is not None and not isinstance(value, dict):
            return f"{where}{field} is {_json_type(value)}, not a reference (an object)"
        if value is not None and not isinstance(value.get("value"), str):
            return f"{where}{field} is a reference without a value (an Id as text)"
    return None


def _json_type(value: object) -> str:
    return _JSON_TYPES.get(type(value), "a number")


def is_qbo_id(value: object) -> bool:
    """Whether ``value`` is shaped like a QuickBooks Id (``"130"``; not ``" 130 "``)."""
    return isinstance(value, str) and _QBO_ID.fullmatch(value) is not None


def record_misfit(entity: str, record: dict[str, Any]) -> str | None:
    """What in ``record`` does not fit ``entity`` (a field missing or foreign), or None."""
    missing = [f for f in REQUIRED_FIELDS.get(entity, ()) if record.get(f) is None]
    foreign = [f for f, owners in OWNED_FIELDS.items() if f in record and entity not in owners]
    problems = []
    if missing:
        problems.append(f"no {', '.join(missing)}")
    if foreign:
        problems.append(f"{', '.join(foreign)}, which no {entity} has")
    return " and ".join(problems) or None


def listing_misfits(
    entity: str, records: Iterable[dict[str, Any]], *, first_position: int = 0
) -> list[str]:
    """Records that do not look like ``entity``'s, as ``record 3 (Id "130"): no CustomerRef``.

    Deleted stubs (``"status": "Deleted"``) carry only an Id and are not checked.
    """
    found = []
    for position, record in enumerate(records, start=first_position):
        if record.get("status") == "Deleted":
            continue
        problem = record_misfit(entity, record)
        if problem:
            found.append(f"record {position} (Id {id_label(record)}): {problem}")
    return found


def describe_misfits(misfits: list[str]) -> str:
    """The first few misfits and how many more, for one error message."""
    shown = "; ".join(misfits[:_MISFITS_SHOWN])
    more = len(misfits) - _MISFITS_SHOWN
    return shown + (f"; and {more} more" if more > 0 else "")


def mass_deletion(
    entity: str, listed_ids: Collection[str], known_ids: Collection[str]
) -> str | None:
    """Why a full listing of ``entity`` would delete every known live record, or None.

    ``known_ids`` are the records not deleted before the run. None when nothing is known
    or at least one known record is listed again.
    """
    if not known_ids or set(listed_ids) & set(known_ids):
        return None
    if not listed_ids:
        return f"it lists no {entity} records: all {len(known_ids)} known would be deleted"
    share = "shares" if len(listed_ids) == 1 else "share"
    return (
        f"its {pluralize(len(listed_ids), f'{entity} record')} {share} no Id with the "
        f"{len(known_ids)} known: every known {entity} would be marked deleted"
    )


def id_label(record: dict[str, Any]) -> str:
    """The record's Id as a message quotes it (``"130"``), or ``missing``."""
    qbo_id = record.get("Id")
    return json.dumps(qbo_id) if qbo_id is not None else "missing"
