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

import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.extract import sync_realm
from ledgergraph.quickbooks.listings import is_qbo_id, mass_deletion
from ledgergraph.quickbooks.runs import SyncRun
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.transform.runner import newest_snapshot
from ledgergraph.quickbooks.withdrawals import live_sync_state
from localrun.quickbooks_recordings import Recording, read_recordings
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

    def __init__(
        self,
        folder: Path = SAMPLE_COMPANY,
        *,
        realm_id: str = SAMPLE_REALM,
        recordings: dict[str, Recording] | None = None,
    ) -> None:
        # NOTE: no HTTP client and no tokens: every call is answered from ``folder``.
        self.realm_id = realm_id
        self.settings = QuickBooksSettings(api_base="http://127.0.0.1", token_url="")
        self.folder = folder
        self.recordings = read_recordings(folder) if recordings is None else recordings

    def get(
        self, path: str, params: dict[str, str], *, what: str = "", record_depth: int = 0
    ) -> dict[str, Any]:
        # the recordings were read (and values nested too deep cut out) by read_recordings
        if path == "/query":
            return self._query(params["query"])
        if path.startswith("/reports/"):
            return _no_report(path.removeprefix("/reports/"), params)
        if path.startswith("/companyinfo/"):
            return _company_info(self.realm_id)
        raise ValueError(f"the bundled sample has no recording for {path}")

    def _query(self, text: str) -> dict[str, Any]:
        """A page as QBO answers it; an entity without a recording answers none."""
        match = _QUERY.match(text)
        if match is None:
            raise ValueError(f"the bundled sample cannot answer the query {text!r}")
        entity, start, size = match["entity"], int(match["start"]), int(match["size"])
        recording = self.recordings.get(entity)
        records = recording.records if recording else []
        page = records[start - 1 : start - 1 + size]
        found = {entity: page, "startPosition": start, "maxResults": len(page)} if page else {}
        return {"QueryResponse": found, "time": recording.time if recording else None}


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

    Every recording is read and checked before anything lands (``read_recordings``). A
    full run deletes what it does not list, so an ``<Entity>.json`` absent from ``folder``,
    or one listing no records (QBO's ``{"QueryResponse": {}}``), whose entity has records
    known from the previous run would delete them all. That is refused unless
    ``missing_means_empty`` says the empty list is meant (then logged as a warning, naming
    the file and the count).

    Raises:
        QuickBooksDataError: no such folder, a recording not JSON, of the wrong shape or
            with unstorable text, or a file missing or empty whose records are known
            (without ``missing_means_empty``).
    """
    if not folder.is_dir():
        raise QuickBooksDataError(f"no folder of recorded QuickBooks responses at {folder}")
    recordings = read_recordings(folder)
    check_full_listings(store, folder, recordings, missing_means_empty=missing_means_empty)
    run_id = run_id or sample_run_id()
    client = RecordedCompany(folder, recordings=recordings)
    summary = sync_realm(
        client, store, client.settings, run_id=run_id, force_full=True,
        confirm_deletions=missing_means_empty,
    )  # fmt: skip
    run = SyncRun.model_validate_json(store.get_bytes(summary.run_key))
    labelled = run.model_copy(update={"mode_reason": SAMPLE_LABEL})
    store.put_bytes(summary.run_key, labelled.model_dump_json(indent=2).encode("utf-8"))
    return summary.run_id


def check_full_listings(
    store: ObjectStore,
    folder: Path,
    recordings: dict[str, Recording],
    *,
    missing_means_empty: bool,
) -> None:
    """Refuse (or, if the deletions are meant, warn) when a full listing would delete every
    known live record of its entity: its file is missing, lists no records, or shares no Id
    with the records known from the previous run.

    Raises:
        QuickBooksDataError: such a listing, and ``missing_means_empty`` is false.
    """
    known = known_records(store, SAMPLE_REALM)
    named = []
    for entity, ids in sorted(known.items()):
        recording = recordings.get(entity)
        if recording is None:
            named.append(f"no {entity}.json ({len(ids)} {entity} records known)")
            continue
        listed = {r.get("Id") for r in recording.records}
        if not all(is_qbo_id(i) for i in listed):
            continue  # a record without a valid Id may be any known one: none is deleted
        problem = mass_deletion(entity, listed, ids)
        if problem:
            named.append(f"{entity}.json: {problem}")
    if not named:
        return
    if not missing_means_empty:
        raise QuickBooksDataError(
            f"{folder}: {'; '.join(named)}. Loading it would delete those records from the "
            "graph, as a full sync that lists none of them does. Fix the listing, or pass "
            "--missing-means-empty if the records are meant to be deleted"
        )
    logger.warning(
        "recorded listings delete every known record of their entity",
        extra={"folder": str(folder), "listings": named},
    )


def known_records(store: ObjectStore, realm_id: str) -> dict[str, set[str]]:
    """Ids of records not deleted, per entity listed from a file, in the state snapshot of
    the last run the graph holds (rebuilt if a run below it was deleted since); none when
    there is none (nothing to delete)."""
    state = live_sync_state(store, realm_id)
    if state is None:
        return {}
    with tempfile.TemporaryDirectory(prefix="qbo-known-") as tmp:
        found = newest_snapshot(store, realm_id, state.last_run_id, Path(tmp))
        if found is None:
            return {}  # no run before this one was transformed: nothing to delete
        path = found[1]
        table = pq.read_table(path, columns=["entity", "qbo_id", "is_deleted"])
    known: dict[str, set[str]] = {}
    rows = table.to_pydict()
    for entity, qbo_id, deleted in zip(
        rows["entity"], rows["qbo_id"], rows["is_deleted"], strict=True
    ):
        if not deleted and entity != "CompanyInfo":
            known.setdefault(entity, set()).add(qbo_id)
    return known
