"""The QBO API v3 client of one realm: query with paging, CDC, reports, CompanyInfo.

Every call is retried here for what one process can wait out: 429 (honouring Retry-After) and
5xx with exponential backoff, and one 401 answered by a single token refresh. Anything left
is translated once, in ``_raise_for``: transient errors for the state machine to retry later,
permanent ones naming the realm and the request. Response bodies are never logged.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from ledgergraph.logs import get_logger
from ledgergraph.messages import pluralize
from ledgergraph.quickbooks.errors import (
    QuickBooksDataError,
    QuickBooksRequestRejected,
    QuickBooksThrottled,
    QuickBooksUnavailable,
)
from ledgergraph.quickbooks.nesting import CDC_RECORD_DEPTH, QUERY_RECORD_DEPTH, cut_too_deep
from ledgergraph.quickbooks.oauth import TokenManager
from ledgergraph.quickbooks.settings import QuickBooksSettings

logger = get_logger("quickbooks")

_ENTITY_NAME = re.compile(r"^[A-Z][A-Za-z]{1,40}$")


@dataclass(frozen=True)
class QueryPage:
    """One page of a query: its number (1-based), its body as returned, its record count."""

    number: int
    body: dict[str, Any]
    records: int


class QuickBooksClient:
    """Calls one realm's QBO API v3 through an httpx client built by the caller."""

    def __init__(
        self,
        realm_id: str,
        *,
        http: httpx.Client,
        tokens: TokenManager,
        settings: QuickBooksSettings,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.realm_id = realm_id
        self.http = http
        self.tokens = tokens
        self.settings = settings
        self.sleep = sleep
        self.base = f"{settings.api_base.rstrip('/')}/v3/company/{realm_id}"

    def query_pages(self, entity: str, *, where: str = "") -> Iterator[QueryPage]:
        """Every page of ``SELECT * FROM entity``: a full page asks for the next one.

        The last page is the first one with fewer records than MAXRESULTS, possibly none,
        so a count that is a multiple of the page size still ends with an (empty) page.

        Raises:
            QuickBooksUnavailable: the listing ended with fewer records than a page of it
                counted (``totalCount``, which QuickBooks gives for transactions): a page
                answered incompletely, not records deleted.
            QuickBooksDataError: a full page holds no record the pages before it did not:
                the answers ignore STARTPOSITION, and the listing would never end.
        """
        size = self.settings.page_size
        start, number, listed, counted = 1, 1, 0, 0
        seen: set[Any] = set()
        while True:
            text = _query_text(entity, where, start, size)
            what = f"page {number} (STARTPOSITION {start}) of the {entity} listing"
            body = self.get("/query", {"query": text}, what=what, record_depth=QUERY_RECORD_DEPTH)
            records = _page_records(body, entity, f"{what} of realm {self.realm_id}")
            if records == size:
                _check_progress(body["QueryResponse"][entity], seen, f"{what} of realm "
                                f"{self.realm_id}")  # fmt: skip
            listed += records
            counted = max(counted, _total_count(body))
            if records < size and listed < counted:
                raise QuickBooksUnavailable(
                    f"QuickBooks answered page {number} (STARTPOSITION {start}) of the "
                    f"{entity} listing of realm {self.realm_id} with {records} records, "
                    f"ending it at {listed} where it counted {counted}: an incomplete "
                    "answer, not deleted records; sync again"
                )
            yield QueryPage(number, body, records)
            if records < size:
                return
            start, number = start + size, number + 1

    def cdc(self, entities: list[str], changed_since: str) -> dict[str, Any]:
        """Change Data Capture since ``changed_since`` (ISO 8601, at most 30 days back).

        Raises:
            QuickBooksDataError: the body is not shaped like a CDC response (``cdc_problem``),
                naming the request and the part that is wrong.
        """
        for entity in entities:
            _check_entity(entity)
        params = {"entities": ",".join(entities), "changedSince": changed_since}
        what = f"the change data capture request (/cdc, changedSince {changed_since})"
        body = self.get("/cdc", params, what=what, record_depth=CDC_RECORD_DEPTH)
        problem = cdc_problem(body)
        if problem is not None:
            raise QuickBooksDataError(
                f"QuickBooks answered {what} of realm {self.realm_id} with {problem}: not a "
                "CDC response QuickBooks gives; the run stops before its manifest, so none "
                "of it is transformed"
            )
        return body

    def report(self, name: str, params: dict[str, str]) -> dict[str, Any]:
        """A report (ProfitAndLoss, BalanceSheet, TrialBalance ...) as returned."""
        return self.get(f"/reports/{_check_entity(name)}", params)

    def company_info(self) -> dict[str, Any]:
        """The CompanyInfo read response (``{"CompanyInfo": {...}, "time": ...}``)."""
        return self.get(f"/companyinfo/{self.realm_id}", {})

    def get(
        self, path: str, params: dict[str, str], *, what: str = "", record_depth: int = 0
    ) -> dict[str, Any]:
        """GET a data endpoint; retries 429, 5xx and a 200 whose body is not JSON (an HTML
        page, a cut-off answer) as it retries 5xx, refreshes once on 401. ``what`` names the
        request in errors (``page 2 (STARTPOSITION 1001) of the Invoice listing``). An answer
        holding records (``record_depth``: how deep they sit, ``nesting.py``) has values
        nested deeper than any record QuickBooks sends cut out and marked, so the transform
        rejects their records alone.

        Raises:
            QuickBooksUnavailable: still 5xx, or still no JSON, after the retries.
            QuickBooksDataError: the body is JSON but not an object.
        """
        query = {**params, "minorversion": str(self.settings.minor_version)}
        token = self.tokens.access_token(self.realm_id)
        refreshed = False
        attempt = 0
        while True:
            response = self._send(path, query, token)
            if response.status_code == 401 and not refreshed:
                token = self.tokens.refresh(self.realm_id, stale_token=token)
                refreshed = True
                continue
            retry = attempt < self.settings.max_retries
            if _retryable(response) and retry:
                self._wait(response, attempt, path)
                attempt += 1
                continue
            if response.status_code != 200:
                _raise_for(response, self.realm_id, path)
            text = response.text
            if record_depth:
                text = cut_too_deep(text, record_depth=record_depth)
            try:
                body = exact_json(text)
            except RecursionError as exc:
                # json.loads and the walks after it recurse per level: Python's stack holds
                # a few hundred, and QuickBooks nests far fewer (MAX_SECTION_DEPTH)
                raise QuickBooksDataError(
                    f"QuickBooks answered {what or path} for realm {self.realm_id} with JSON "
                    f"nested too deep to read ({len(response.content)} bytes): not an answer "
                    "QuickBooks gives; the run stops before its manifest"
                ) from exc
            except ValueError as exc:  # JSONDecodeError
                if retry:
                    self._wait(response, attempt, path)
                    attempt += 1
                    continue
                raise QuickBooksUnavailable(
                    f"QuickBooks answered {what or path} for realm {self.realm_id} with a "
                    f"body that is not JSON ({_not_json(response, exc)}), "
                    f"{pluralize(attempt + 1, 'time')}: an incomplete or foreign answer; "
                    "sync again"
                ) from exc
            return self._checked(body, path, what)

    def _send(self, path: str, query: dict[str, str], token: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        try:
            return self.http.get(
                self.base + path, params=query, headers=headers, timeout=self.settings.timeout_s
            )
        except httpx.TransportError as exc:
            raise QuickBooksUnavailable(
                f"QuickBooks unreachable for realm {self.realm_id} ({path})"
            ) from exc

    def _wait(self, response: httpx.Response, attempt: int, path: str) -> None:
        delay = _retry_after(response)
        if delay is None:
            delay = self.settings.backoff_base_s * (2**attempt)
        delay = min(delay, self.settings.backoff_max_s)
        logger.warning(
            "quickbooks call retried",
            extra={
                "realm_id": self.realm_id,
                "path": path,
                "status": response.status_code,
                "attempt": attempt + 1,
                "delay_s": delay,
            },
        )
        self.sleep(delay)

    def _checked(self, body: Any, path: str, what: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise QuickBooksDataError(
                f"QuickBooks answered {what or path} for realm {self.realm_id} with a JSON "
                f"{json_type(body)}, not an object: not a response QuickBooks gives"
            )
        if "Fault" in body:  # QBO can report a failed query with 200 and a Fault body
            raise QuickBooksRequestRejected(
                f"QuickBooks rejected {path} for realm {self.realm_id}: {_fault_text(body)}"
            )
        return body


def _total_count(body: dict[str, Any]) -> int:
    """The ``totalCount`` a query page states (0 when it states none, or not a number)."""
    value = body.get("QueryResponse", {}).get("totalCount")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _page_records(body: dict[str, Any], entity: str, what: str) -> int:
    """How many records a query page holds, once its shape is checked: ``QueryResponse``
    an object, its ``entity`` entry (absent when none was found) a list of objects.

    Raises:
        QuickBooksDataError: naming the page and what was wrong with it.
    """
    if "QueryResponse" not in body:
        problem = "no QueryResponse"
    elif not isinstance(response := body["QueryResponse"], dict):
        problem = f"QueryResponse a JSON {json_type(response)}, not an object"
    elif not isinstance(records := response.get(entity, []), list):
        problem = f"{entity} a JSON {json_type(records)}, not a list of records"
    else:
        odd = [i for i, r in enumerate(records, start=1) if not isinstance(r, dict)]
        if not odd:
            return len(records)
        problem = (
            f"{entity} record {odd[0]} (counted from 1) a JSON {json_type(records[odd[0] - 1])}"
            f", not an object ({pluralize(len(odd), 'such record')})"
        )
    raise QuickBooksDataError(
        f"QuickBooks answered {what} with {problem}: not a query response QuickBooks gives; "
        "the run stops before its manifest, so none of it is transformed"
    )


def cdc_problem(body: dict[str, Any]) -> str | None:
    """What in a CDC body is not shaped as QuickBooks sends it, or None.

    QuickBooks answers ``{"CDCResponse": [{"QueryResponse": [{"Invoice": [...], ...}, ...]}]}``:
    a list of responses, each a list of parts, each part an object whose PascalCase keys
    (entity names) hold lists of records (deleted ones as ``{"status": "Deleted", "Id": ...}``
    stubs). Anything else would be read as "nothing changed" or fail the sync; a record
    without a usable Id is left to the transform, which rejects that record alone.
    """
    if "CDCResponse" not in body:
        return "no CDCResponse"
    responses = body["CDCResponse"]
    if not isinstance(responses, list):
        return f"CDCResponse a JSON {json_type(responses)}, not a list"
    for i, response in enumerate(responses):
        where = f"CDCResponse[{i}]"
        if not isinstance(response, dict):
            return f"{where} a JSON {json_type(response)}, not an object"
        parts = response.get("QueryResponse")
        if not isinstance(parts, list):
            return f"{where}.QueryResponse a JSON {json_type(parts)}, not a list"
        for j, part in enumerate(parts):
            problem = _cdc_part_problem(part, f"{where}.QueryResponse[{j}]")
            if problem is not None:
                return problem
    return None


def _cdc_part_problem(part: Any, where: str) -> str | None:
    if not isinstance(part, dict):
        return f"{where} a JSON {json_type(part)}, not an object"
    for name, records in part.items():
        if not _ENTITY_NAME.match(name):  # startPosition, maxResults, totalCount
            continue
        if not isinstance(records, list):
            return f"{where}.{name} a JSON {json_type(records)}, not a list of records"
        odd = [n for n, r in enumerate(records, start=1) if not isinstance(r, dict)]
        if odd:
            return (
                f"{name} record {odd[0]} (counted from 1) of {where} a JSON "
                f"{json_type(records[odd[0] - 1])}, not an object "
                f"({pluralize(len(odd), 'such record')})"
            )
    return None


def _check_progress(records: list[dict[str, Any]], seen: set[Any], what: str) -> None:
    """Add a full page's record Ids to ``seen``; QuickBooksDataError if none is new.

    A server that ignores STARTPOSITION answers every page with the first one: each full
    page would ask for the next, for ever (a tester's fake wrote 39,983 raw pages in 90 s).
    """
    ids = {record.get("Id") for record in records}
    if ids <= seen:
        raise QuickBooksDataError(
            f"QuickBooks answered {what} with only records earlier pages held (Ids "
            f"{', '.join(sorted(str(i) for i in ids)[:5])} ...): the answers ignore "
            "STARTPOSITION, so the listing would never end; the run stops before its manifest"
        )
    seen |= ids


def json_type(value: Any) -> str:
    """JSON's name for the type of a parsed value (``null``, ``string``, ``array`` ...)."""
    names = {type(None): "null", bool: "boolean", str: "string", list: "array",
             dict: "object", int: "number", float: "number"}  # fmt: skip
    return names.get(type(value), "number" if isinstance(value, (int, float)) else "value")


def _not_json(response: httpx.Response, exc: ValueError) -> str:
    """What came instead of JSON, without the body: its type, length and the parse error."""
    kind = response.headers.get("Content-Type", "no Content-Type")
    return f"{kind}, {len(response.content)} bytes: {exc}"


def _query_text(entity: str, where: str, start: int, size: int) -> str:
    clause = f" WHERE {where}" if where else ""
    return f"SELECT * FROM {_check_entity(entity)}{clause} STARTPOSITION {start} MAXRESULTS {size}"


def _check_entity(name: str) -> str:
    """Entity and report names go into URLs and queries: only plain names pass."""
    if not _ENTITY_NAME.match(name):
        raise ValueError(f"not a QuickBooks entity or report name: {name!r}")
    return name


def _retryable(response: httpx.Response) -> bool:
    return response.status_code == 429 or response.status_code >= 500


def _retry_after(response: httpx.Response) -> float | None:
    """Retry-After in seconds (QBO sends seconds; an HTTP date is not expected)."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _raise_for(response: httpx.Response, realm_id: str, path: str) -> None:
    status = response.status_code
    where = f"realm {realm_id} ({path})"
    if status == 429:
        raise QuickBooksThrottled(f"QuickBooks still throttling after retries: {where}")
    if status >= 500:
        raise QuickBooksUnavailable(f"QuickBooks answered {status}: {where}")
    try:
        detail = _fault_text(response.json())
    except ValueError:
        detail = "no JSON body"
    raise QuickBooksRequestRejected(f"QuickBooks answered {status} for {where}: {detail}")


def _fault_text(body: dict[str, Any]) -> str:
    """The codes and messages of a QBO Fault body, without anything else from the body."""
    errors = body.get("Fault", {}).get("Error", [])
    parts = [f"{e.get('code', '?')} {e.get('Message', '')}".strip() for e in errors]
    return "; ".join(parts) or "no Fault detail"


def exact_json(text: str) -> Any:
    """Parsed JSON whose numbers mean what was sent: a fraction a binary double cannot hold
    exactly (``275.00000000000000000001``), or NaN/Infinity, becomes a string of its text.

    Landed as such, the transform's value checks see the digits QuickBooks sent and reject
    the record naming them, where a double would have rounded them without a word.
    """
    return _exact(json.loads(text, parse_float=Decimal, parse_constant=str))


def _exact(value: Any) -> Any:
    if isinstance(value, Decimal):
        as_float = float(value)
        return as_float if Decimal(repr(as_float)) == value else str(value)
    if isinstance(value, dict):
        return {key: _exact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_exact(item) for item in value]
    return value
