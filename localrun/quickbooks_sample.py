"""The bundled sandbox company, landed as a sync run through the real extract code.

``sample_data/quickbooks/sandbox-company-a`` holds recorded QBO ``query`` responses of an
Intuit sandbox company (see its PROVENANCE.md). ``RecordedCompany`` answers the QBO calls a
sync makes from those files, in-process, with no socket and no token; ``land_sample_run``
hands it to ``extract.sync_realm``, so the run lands exactly like a live one (same keys,
same manifest, same paging). What was not recorded is answered and labelled as such:

- entities without a recording answer an empty ``QueryResponse`` (as QBO does for none);
- no CompanyInfo was recorded: a stand-in body names the company and says it is one;
- no report of this company was recorded: reports answer ``NoReportData``, so the report
  checks are skipped (and the summary says so).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ledgergraph.errors import ObjectNotFound
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.extract import load_sync_state, sync_realm
from ledgergraph.quickbooks.runs import SyncRun, records_state_key
from ledgergraph.quickbooks.settings import QuickBooksSettings
from localrun.template import PROJECT_ROOT

logger = get_logger("quickbooks")

SAMPLE_COMPANY = PROJECT_ROOT / "sample_data" / "quickbooks" / "sandbox-company-a"
SAMPLE_REALM = "9341457021722202"
SAMPLE_LABEL = "bundled sample: recorded sandbox responses, landed without calling QuickBooks"
_QUERY = re.compile(
    r"^SELECT \* FROM (?P<entity>[A-Za-z]+)(?: WHERE .+?)?"
    r" STARTPOSITION (?P<start>\d+) MAXRESULTS (?P<size>\d+)$"
)


def sample_run_id(now: datetime | None = None) -> str:
    """``qbo-sample-20261204T170102123456Z``: the label is in the id, so in every key."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"qbo-sample-{moment:%Y%m%dT%H%M%S%fZ}"


class RecordedCompany(QuickBooksClient):
    """The sandbox company's recorded responses behind the client's ``get``."""

    def __init__(self, folder: Path = SAMPLE_COMPANY, *, realm_id: str = SAMPLE_REALM) -> None:
        # NOTE: no HTTP client and no tokens: every call is answered from ``folder``.
        self.realm_id = realm_id
        self.settings = QuickBooksSettings(api_base="http://127.0.0.1", token_url="")
        self.folder = folder

    def get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        if path == "/query":
            return self._query(params["query"])
        if path.startswith("/reports/"):
            return _no_report(path.removeprefix("/reports/"), params)
        if path.startswith("/companyinfo/"):
            return _company_info(self.realm_id)
        raise ValueError(f"the bundled sample has no recording for {path}")

    def _query(self, text: str) -> dict[str, Any]:
        match = _QUERY.match(text)
        if match is None:
            raise ValueError(f"the bundled sample cannot answer the query {text!r}")
        entity, start, size = match["entity"], int(match["start"]), int(match["size"])
        records, time = _recorded_records(self.folder / f"{entity}.json", entity)
        page = records[start - 1 : start - 1 + size]
        found = {entity: page, "startPosition": start, "maxResults": len(page)} if page else {}
        return {"QueryResponse": found, "time": time}


def _recorded_records(path: Path, entity: str) -> tuple[list[dict[str, Any]], Any]:
    """The records of a recorded query response and its ``time``; an entity without a file
    answers none.

    Raises:
        QuickBooksDataError: the file is not JSON, or not shaped like a QBO query response
            (``{"QueryResponse": {"<entity>": [{...}, ...]}}``), named with its entity type.
    """
    body = _recorded_body(path, entity)
    response = body.get("QueryResponse", {}) if isinstance(body, dict) else None
    records = response.get(entity, []) if isinstance(response, dict) else None
    if records is None:
        found = _json_kind(body if response is None else response)
        where = "the file" if response is None else "QueryResponse"
        raise QuickBooksDataError(
            f"recorded {entity} records in {path}: {where} is {found}, expected an object "
            f'like {{"QueryResponse": {{"{entity}": [...]}}}}'
        )
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise QuickBooksDataError(
            f"recorded {entity} records in {path}: QueryResponse.{entity} is "
            f"{_json_kind(records)}, expected a list of {entity} objects"
        )
    return records, body.get("time")


def _recorded_body(path: Path, entity: str) -> Any:
    """A recorded query response as parsed JSON; an entity without a file answers ``{}``.

    Raises:
        QuickBooksDataError: the file is not JSON, named with its entity type.
    """
    if not path.is_file():
        return {}
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise QuickBooksDataError(
            f"recorded {entity} records in {path} are not valid JSON: {exc}"
        ) from exc


def _json_kind(value: Any) -> str:
    """``a list``, ``a string ("oops")``: what a JSON value is, for an error message."""
    if isinstance(value, list):
        mixed = [v for v in value if not isinstance(v, dict)]
        return f"a list holding {_json_kind(mixed[0])}" if mixed else "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return f"a string ({json.dumps(value[:40])})"
    return "null" if value is None else f"{type(value).__name__} {json.dumps(value)}"


def _no_report(name: str, params: dict[str, str]) -> dict[str, Any]:
    header = {
        "ReportName": name,
        "StartPeriod": params.get("start_date"),
        "EndPeriod": params.get("end_date"),
        "Option": [{"Name": "NoReportData", "Value": "true"}],
        "ledgergraphNote": "no report of the bundled sample company was recorded",
    }
    return {"Header": header, "Columns": {"Column": []}, "Rows": {}}


def _company_info(realm_id: str) -> dict[str, Any]:
    info = {
        "Id": "1",
        "SyncToken": "0",
        "CompanyName": "Sandbox Company_US (bundled sample)",
        "Country": "US",
        "ledgergraphNote": f"stand-in: no CompanyInfo of realm {realm_id} was recorded",
    }
    return {"CompanyInfo": info}


def land_sample_run(
    store: ObjectStore,
    *,
    run_id: str | None = None,
    folder: Path = SAMPLE_COMPANY,
    missing_means_empty: bool = False,
) -> str:
    """Land the bundled company (or recordings like it in ``folder``) as a full sync run.

    Returns the run id. Every call is a new run (``qbo-sample-...``): loading the sample
    again adds nothing to the graph, since its rows are already there.

    A full run deletes what it does not list, so an ``<Entity>.json`` absent from
    ``folder`` whose entity has records known from the previous run would delete them all.
    That is refused unless ``missing_means_empty`` says the empty list is meant (then
    logged as a warning, naming the file and the count).

    Raises:
        QuickBooksDataError: no such folder, a recording not JSON or of the wrong shape,
            or a file missing whose records are known (without ``missing_means_empty``).
    """
    if not folder.is_dir():
        raise QuickBooksDataError(f"no folder of recorded QuickBooks responses at {folder}")
    check_missing_files(store, folder, missing_means_empty=missing_means_empty)
    run_id = run_id or sample_run_id()
    client = RecordedCompany(folder)
    summary = sync_realm(client, store, client.settings, run_id=run_id, force_full=True)
    run = SyncRun.model_validate_json(store.get_bytes(summary.run_key))
    labelled = run.model_copy(update={"mode_reason": SAMPLE_LABEL})
    store.put_bytes(summary.run_key, labelled.model_dump_json(indent=2).encode("utf-8"))
    return summary.run_id


def check_missing_files(store: ObjectStore, folder: Path, *, missing_means_empty: bool) -> None:
    """Refuse (or, if the empty list is meant, warn) when a file is missing whose entity
    has records known from the previous run: the full run would delete every one of them.

    Raises:
        QuickBooksDataError: such a file is missing and ``missing_means_empty`` is false.
    """
    known = known_records(store, SAMPLE_REALM)
    missing = {e: n for e, n in known.items() if not (folder / f"{e}.json").is_file()}
    if not missing:
        return
    named = ", ".join(f"{e}.json ({n} {e} records)" for e, n in sorted(missing.items()))
    if not missing_means_empty:
        raise QuickBooksDataError(
            f"{folder} has no {named}: loading it would delete those records from the "
            "graph, as a full sync that lists none does. Add the file(s), or pass "
            "--missing-means-empty if the records are meant to be deleted"
        )
    logger.warning(
        "recorded entity files missing, their records will be deleted",
        extra={"folder": str(folder), "missing": missing},
    )


def known_records(store: ObjectStore, realm_id: str) -> dict[str, int]:
    """Records not deleted, per entity listed from a file, in the last transformed run's
    state snapshot; none when no run of the realm was transformed (nothing to delete)."""
    state = load_sync_state(store, realm_id)
    if state is None:
        return {}
    try:
        data = store.get_bytes(records_state_key(realm_id, state.last_run_id))
    except ObjectNotFound:
        return {}  # NOTE: a full run without its predecessor's snapshot deletes nothing
    table = pq.read_table(pa.BufferReader(data), columns=["entity", "is_deleted"])
    counts: dict[str, int] = {}
    rows = table.to_pydict()
    for entity, deleted in zip(rows["entity"], rows["is_deleted"], strict=True):
        if not deleted and entity != "CompanyInfo":
            counts[entity] = counts.get(entity, 0) + 1
    return counts
