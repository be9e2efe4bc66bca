"""Recorded QBO query responses (``<Entity>.json``), read and checked before a run lands.

A full run deletes every known record its listing lacks, so a recording that is not what
it claims (``{}``, another entity's response copied over, another entity's records under
this entity's key, text a store cannot write) would silently delete an entity's records.
Every file is therefore read and checked up front, before the first raw page lands: a bad
one stops the command naming the file, what was found and, for a record, its position and
Id. Nothing half-landed is left behind.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from ledgergraph.messages import pluralize
from ledgergraph.quickbooks.client import exact_json
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.listings import (
    describe_misfits,
    id_label,
    listing_misfits,
    shape_problem,
)
from ledgergraph.quickbooks.nesting import QUERY_RECORD_DEPTH, cut_too_deep
from ledgergraph.quickbooks.runs import SYNC_ENTITIES

# What QBO puts beside the records in a query response's QueryResponse.
_PAGING_KEYS = frozenset({"startPosition", "maxResults", "totalCount"})


@dataclass(frozen=True)
class Recording:
    """One entity's recorded records (a full listing) and the response's ``time``."""

    entity: str
    path: Path
    records: list[dict[str, Any]]
    time: Any


def read_recordings(folder: Path) -> dict[str, Recording]:
    """Every ``<Entity>.json`` of a synced entity in ``folder``, checked; absent files are
    left out (the caller decides what a missing listing means).

    Every other ``*.json`` entry must be a recorded response of an entity the sync does
    not extract (``Estimate.json``: not loaded, see ``unextracted_responses``) or a note
    whose name starts with ``_`` (``_manifest.json``); files of other types are not
    responses and are passed over.

    Raises:
        QuickBooksDataError: the folder holds no response of a synced entity; an entry
            is misnamed, unknown, a folder or unreadable; a file is not JSON, not shaped
            like a query response for its entity, holds a string that cannot be written
            as UTF-8, or records that lack a field their entity always has or carry one
            only another entity has.
    """
    check_entries(folder)
    recordings = {}
    for entity in SYNC_ENTITIES:
        path = folder / f"{entity}.json"
        if path.is_file():
            recordings[entity] = read_recording(path, entity)
    return recordings


def check_entries(folder: Path) -> None:
    """Refuse a folder with no response of a synced entity, or with a ``*.json`` entry
    that would not be loaded by mistake, naming each (see ``read_recordings``)."""
    problems = [p for p in map(_entry_problem, _json_entries(folder)) if p]
    expected = ", ".join(f"{entity}.json" for entity in SYNC_ENTITIES)
    if problems:
        raise QuickBooksDataError(
            f"{folder}: {'; '.join(problems)}. Nothing was loaded: a full listing without "
            f"them would load none of their records. Expected names: {expected}"
        )
    if not any((folder / f"{entity}.json").is_file() for entity in SYNC_ENTITIES):
        raise QuickBooksDataError(
            f"{folder} holds no recorded QuickBooks query response{_subfolders(folder)}: "
            f"expected one or more of {expected}"
        )


def unextracted_responses(folder: Path) -> list[str]:
    """What ``folder`` holds that is not loaded: responses of entities the sync does not
    extract, e.g. ``Estimate.json (19 Estimate records): the sync does not extract
    Estimate``."""
    found = []
    for entry in _json_entries(folder):
        if entry.stem not in SYNC_ENTITIES and _entry_problem(entry) is None:
            records = _held(entry)[entry.stem]
            found.append(
                f"{entry.name} ({len(records)} {entry.stem} records): the sync does not "
                f"extract {entry.stem}"
            )
    return found


def _json_entries(folder: Path) -> list[Path]:
    """The ``*.json`` entries (any case) that could be meant as responses: not notes."""
    return sorted(
        entry for entry in folder.iterdir()
        if entry.suffix.lower() == ".json" and not entry.name.startswith(("_", "."))
    )  # fmt: skip


def _entry_problem(entry: Path) -> str | None:
    """Why ``entry`` would not be loaded by mistake; None for a synced entity's file (read
    and checked later) or a response of an entity the sync does not extract."""
    if entry.is_dir():
        return f"{entry.name} is a folder, not a recorded response"
    if entry.stem in SYNC_ENTITIES:
        return None if entry.is_file() else f"{entry.name} is not a readable file"
    try:
        held = _held(entry)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return f"{entry.name} cannot be read as a recorded response ({exc})"
    synced = sorted(set(held) & set(SYNC_ENTITIES))
    if synced:
        return f"{entry.name} holds {', '.join(synced)} records: name it {synced[0]}.json"
    if set(held) == {entry.stem} and entry.stem[:1].isupper():
        return None  # an entity QuickBooks has and the sync does not extract (Estimate)
    named = [e for e in SYNC_ENTITIES if e.lower() == entry.stem.lower()]
    near = named or get_close_matches(entry.stem, SYNC_ENTITIES, n=1)
    hint = f" (did you mean {near[0]}.json?)" if near else ""
    return f"{entry.name} is not the response of an entity the sync extracts{hint}"


def _held(entry: Path) -> dict[str, list]:
    """The record lists in a response's QueryResponse by key; empty for any other JSON.

    Raises:
        OSError, UnicodeDecodeError, ValueError: the file cannot be read as JSON.
    """
    body = json.loads(entry.read_text(encoding="utf-8"))
    response = body.get("QueryResponse") if isinstance(body, dict) else None
    if not isinstance(response, dict):
        return {}
    return {k: v for k, v in response.items() if k not in _PAGING_KEYS and isinstance(v, list)}


def _subfolders(folder: Path) -> str:
    """`` (its folder sandbox-company-a holds some: pass that one)``, or nothing."""
    held = [
        entry.name for entry in sorted(folder.iterdir())
        if entry.is_dir() and any((entry / f"{e}.json").is_file() for e in SYNC_ENTITIES)
    ]  # fmt: skip
    if not held:
        return ""
    return f" (its folder {', '.join(held)} holds some: pass that one as --source)"


def read_recording(path: Path, entity: str) -> Recording:
    """The records of one recorded query response (see ``read_recordings`` for errors)."""
    body = _parse(path, entity)
    records = _records_of(body, path, entity)
    for position, record in enumerate(records):
        _check_text(record, f"QueryResponse.{entity}[{position}]", path, entity, record)
    misfits = listing_misfits(entity, records, first_position=1)
    if misfits:
        raise QuickBooksDataError(
            f"recorded {entity} records in {path} do not look like {entity} records "
            f"(counted from 1): {describe_misfits(misfits)}"
        )
    misshapen = [
        f"record {position} (Id {id_label(record)}): {problem}"
        for position, record in enumerate(records, start=1)
        if (problem := shape_problem(record)) is not None
    ]
    if misshapen:
        raise QuickBooksDataError(
            f"recorded {entity} records in {path} are not shaped as QuickBooks sends them "
            f"(counted from 1): {describe_misfits(misshapen)}"
        )
    return Recording(entity=entity, path=path, records=records, time=body.get("time"))


def _parse(path: Path, entity: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
        return exact_json(cut_too_deep(text, record_depth=QUERY_RECORD_DEPTH))
    except OSError as exc:  # no permission, a broken link ...
        raise QuickBooksDataError(
            f"recorded {entity} records in {path} cannot be read: {exc}"
        ) from exc
    except json.JSONDecodeError as exc:
        raise QuickBooksDataError(
            f"recorded {entity} records in {path} are not valid JSON: {exc}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise QuickBooksDataError(
            f"recorded {entity} records in {path} are not UTF-8 text: {exc}"
        ) from exc


def _records_of(body: Any, path: Path, entity: str) -> list[dict[str, Any]]:
    """QueryResponse.<entity>, or [] for QBO's answer to a query with no results
    (``{"QueryResponse": {}}``); any other shape is refused, saying what it is."""

    def refuse(problem: str) -> QuickBooksDataError:
        return QuickBooksDataError(f"recorded {entity} records in {path}: {problem}")

    expected = f'expected an object like {{"QueryResponse": {{"{entity}": [...]}}}}'
    if not isinstance(body, dict):
        raise refuse(f"the file is {_json_kind(body)}, {expected}")
    if "QueryResponse" not in body:
        keys = ", ".join(sorted(body)) or "none"
        raise refuse(f"the file has no QueryResponse (its keys: {keys}), {expected}")
    response = body["QueryResponse"]
    if not isinstance(response, dict):
        raise refuse(f"QueryResponse is {_json_kind(response)}, {expected}")
    others = sorted(set(response) - _PAGING_KEYS - {entity})
    if others:
        held = ", ".join(f"{k} ({_json_kind(response[k])})" for k in others)
        raise refuse(f"QueryResponse holds {held}, not only {entity}: {expected}")
    records = response.get(entity, [])
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise refuse(
            f"QueryResponse.{entity} is {_json_kind(records)}, expected a list of {entity} objects"
        )
    return records


def _check_text(value: Any, where: str, path: Path, entity: str, record: dict) -> None:
    """Refuse a string (or key) UTF-8 cannot encode, e.g. a lone surrogate ``\\ud800``."""
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, f"{where} key", path, entity, record)
            _check_text(item, f"{where}.{key}", path, entity, record)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _check_text(item, f"{where}[{n}]", path, entity, record)
    elif isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise QuickBooksDataError(
                f"recorded {entity} records in {path}: {where} (Id "
                f"{id_label(record)}) holds {value[exc.start]!r} at character {exc.start}, "
                "which is not Unicode text (a lone surrogate) and cannot be stored"
            ) from exc


def _json_kind(value: Any) -> str:
    """``a list``, ``a string ("oops")``: what a JSON value is, for an error message."""
    if isinstance(value, list):
        mixed = [v for v in value if not isinstance(v, dict)]
        if mixed:
            return f"a list holding {_json_kind(mixed[0])}"
        return f"a list of {pluralize(len(value), 'object')}" if value else "an empty list"
    if isinstance(value, dict):
        return "an object" if value else "an empty object"
    if isinstance(value, str):
        return f"a string ({json.dumps(value[:40])})"
    return "null" if value is None else f"{type(value).__name__} {json.dumps(value)}"
