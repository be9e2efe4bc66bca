"""A fake QuickBooks Online on 127.0.0.1: the QBO API v3 and Intuit's OAuth token endpoint.

It serves the recorded sandbox company (``sample_data/quickbooks``) through the real protocol:

- ``GET /v3/company/{realm}/query``: ``SELECT * FROM X [WHERE Active IN (true, false)]
  STARTPOSITION s MAXRESULTS m`` parsed from the query, the records sliced like QBO does
  (1-based start, an empty ``QueryResponse`` past the end, inactive list records only with the
  WHERE clause, MAXRESULTS above 1000 refused);
- ``GET /v3/company/{realm}/cdc``: the changes a test scripted (deleted records as QBO sends
  them), ``changedSince`` older than 30 days refused;
- ``GET /v3/company/{realm}/reports/{name}``: the recorded BalanceSheet; other reports come
  back empty with ``NoReportData=true`` (none was recorded);
- ``GET /v3/company/{realm}/companyinfo/{realm}``: a CompanyInfo SYNTHESISED here, labelled
  as test data in the body (no CompanyInfo response was recorded);
- ``POST /oauth2/v1/tokens/bearer``: code exchange and refresh with rotation (a used refresh
  token is dead), ``invalid_grant`` for unknown or revoked ones; expired access tokens get 401.

Tests script failures (429 with Retry-After, 5xx) per endpoint, and read every request back.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "quickbooks"
SANDBOX_REALM = "9341457021722202"
LIST_ENTITIES = {"Account", "Customer", "Vendor", "Employee", "Item", "Class", "Department"}
_QUERY = re.compile(
    r"^SELECT \* FROM (?P<entity>\w+)(?: WHERE (?P<where>.+?))?"
    r" STARTPOSITION (?P<start>\d+) MAXRESULTS (?P<size>\d+)$",
    re.IGNORECASE,
)
# What QBO answers a request with an expired or unknown access token.
_EXPIRED_ERROR = {
    "message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
    "detail": "Token expired",
    "code": "3200",
}
_ALL_ACTIVE_STATES = re.compile(r"^Active IN \(true,\s*false\)$", re.IGNORECASE)


@dataclass
class Scripted:
    """A canned answer: status, headers, JSON body (or ``raw`` text sent as it is)."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = field(default_factory=dict)
    raw: str | None = None


_EXPIRED = Scripted(401, {}, {"fault": {"error": [_EXPIRED_ERROR], "type": "AUTHENTICATION"}})


@dataclass
class SeenRequest:
    method: str
    path: str
    params: dict[str, str]
    authorization: str | None


def load_sandbox(folder: Path = SAMPLE / "sandbox-company-a") -> dict[str, list[dict[str, Any]]]:
    """The recorded records per entity, in file order."""
    records: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(folder.glob("[A-Z]*.json")):
        body = json.loads(path.read_text(encoding="utf-8"))
        records[path.stem] = body["QueryResponse"].get(path.stem, [])
    return records


def fault(status: int, message: str, code: str = "4000") -> Scripted:
    """A QBO-shaped error answer."""
    body = {"Fault": {"Error": [{"Message": message, "Detail": message, "code": code}],
                      "type": "ValidationFault"}, "time": _now_text()}  # fmt: skip
    return Scripted(status, {}, body)


def throttled(retry_after: str | None = "2") -> Scripted:
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return Scripted(429, headers, {"Fault": {"Error": [{"Message": "ThrottleExceeded",
                                                         "code": "003001"}]}})  # fmt: skip


class FakeQuickBooks:
    """The server and the knobs tests turn. Use as a context manager."""

    def __init__(
        self,
        *,
        realm_id: str = SANDBOX_REALM,
        client_id: str = "test-client-id",
        client_secret: str = "test-client-secret",
        records: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.realm_id = realm_id
        self.client_id, self.client_secret = client_id, client_secret
        self.records = records if records is not None else load_sandbox()
        self.reports = {"BalanceSheet": json.loads((SAMPLE / "reports" / "BalanceSheet.json")
                                                   .read_text(encoding="utf-8"))}  # fmt: skip
        self.cdc_changes: dict[str, list[dict[str, Any]]] = {}
        self.access_tokens: dict[str, float] = {}
        self.refresh_tokens: set[str] = set()
        self.codes: set[str] = set()
        self.token_delay_s = 0.0
        self.refresh_calls = 0
        self.requests: list[SeenRequest] = []
        self._scripts: dict[str, deque[Scripted]] = {}
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/tokens/bearer"

    def __enter__(self) -> FakeQuickBooks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- knobs -------------------------------------------------------------------------

    def issue_tokens(self, *, access_ttl_s: float = 3600) -> tuple[str, str]:
        """A fresh (access, refresh) pair, as a completed OAuth connection would hold."""
        access, refresh = "at-" + secrets.token_hex(8), "rt-" + secrets.token_hex(8)
        with self.lock:
            self.access_tokens[access] = time.time() + access_ttl_s
            self.refresh_tokens.add(refresh)
        return access, refresh

    def issue_code(self) -> str:
        code = "code-" + secrets.token_hex(6)
        with self.lock:
            self.codes.add(code)
        return code

    def expire_access_tokens(self) -> None:
        """Every access token issued so far answers 401 from now on."""
        with self.lock:
            self.access_tokens.clear()

    def revoke_refresh_tokens(self) -> None:
        """Every refresh token is refused with invalid_grant (user disconnected the app)."""
        with self.lock:
            self.refresh_tokens.clear()

    def script(self, endpoint: str, *answers: Scripted) -> None:
        """Answers to give, in order, before serving ``endpoint`` normally again.

        ``endpoint``: query, cdc, reports, companyinfo or token.
        """
        with self.lock:
            self._scripts.setdefault(endpoint, deque()).extend(answers)

    def seen(self, path_part: str) -> list[SeenRequest]:
        with self.lock:
            return [r for r in self.requests if path_part in r.path]

    def queries(self) -> list[str]:
        """The query texts received, in order."""
        return [r.params["query"] for r in self.seen("/query")]

    # --- behaviour (called by the handler) ---------------------------------------------

    def next_scripted(self, endpoint: str) -> Scripted | None:
        with self.lock:
            queue = self._scripts.get(endpoint)
            return queue.popleft() if queue else None

    def authorised(self, header: str | None) -> bool:
        token = header.removeprefix("Bearer ") if header else ""
        with self.lock:
            return self.access_tokens.get(token, 0) > time.time()

    def answer_query(self, text: str) -> Scripted:
        match = _QUERY.match(text.strip())
        if not match:
            return fault(400, f"QueryParserError: {text}", "4000")
        entity, where = match["entity"], match["where"]
        start, size = int(match["start"]), int(match["size"])
        if size > 1000:
            return fault(400, "MAXRESULTS above 1000", "4001")
        rows = list(self.records.get(entity, []))
        if where and not _ALL_ACTIVE_STATES.match(where):
            return fault(400, f"unsupported WHERE in fake: {where}", "4000")
        if entity in LIST_ENTITIES and not where:
            rows = [r for r in rows if r.get("Active", True)]
        page = rows[start - 1 : start - 1 + size]
        response: dict[str, Any] = {}
        if page:
            response = {entity: page, "startPosition": start, "maxResults": len(page)}
        return Scripted(200, {}, {"QueryResponse": response, "time": _now_text()})

    def answer_cdc(self, entities: str, changed_since: str) -> Scripted:
        try:
            since = datetime.fromisoformat(changed_since)
        except ValueError:
            return fault(400, f"bad changedSince {changed_since}", "4000")
        if datetime.now(UTC) - since > timedelta(days=30):
            return fault(400, "changedSince is more than 30 days in the past", "4000")
        parts = []
        for entity in entities.split(","):
            changed = self.cdc_changes.get(entity, [])
            part = {entity: changed, "startPosition": 1, "maxResults": len(changed),
                    "totalCount": len(changed)} if changed else {}  # fmt: skip
            parts.append(part)
        body = {"CDCResponse": [{"QueryResponse": parts}], "time": _now_text()}
        return Scripted(200, {}, body)

    def answer_report(self, name: str, params: dict[str, str]) -> Scripted:
        if name in self.reports:
            return Scripted(200, {}, self.reports[name])
        header = {"Time": _now_text(), "ReportName": name, "StartPeriod": params.get("start_date"),
                  "EndPeriod": params.get("end_date"), "Currency": "USD",
                  "Option": [{"Name": "NoReportData", "Value": "true"}]}  # fmt: skip
        return Scripted(200, {}, {"Header": header, "Columns": {"Column": []}, "Rows": {}})

    def answer_company_info(self) -> Scripted:
        info = {
            "CompanyName": "Sandbox Company_US (TEST DATA synthesised by the fake server)",
            "LegalName": "Sandbox Company_US (TEST DATA)", "Country": "US",
            "FiscalYearStartMonth": "January", "Id": "1", "SyncToken": "0",
            "domain": "QBO", "sparse": False,
            "ledgergraphNote": "synthesised by tests/fakes/quickbooks_server.py, not recorded",
        }  # fmt: skip
        return Scripted(200, {}, {"CompanyInfo": info, "time": _now_text()})

    def answer_token(self, form: dict[str, str], authorization: str | None) -> Scripted:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if authorization != f"Basic {expected}":
            return Scripted(401, {}, {"error": "invalid_client"})
        grant = form.get("grant_type")
        with self.lock:
            if grant == "refresh_token":
                self.refresh_calls += 1
                known = form.get("refresh_token") in self.refresh_tokens
                self.refresh_tokens.discard(form.get("refresh_token", ""))
            elif grant == "authorization_code":
                known = form.get("code") in self.codes
                self.codes.discard(form.get("code", ""))
            else:
                return Scripted(400, {}, {"error": "unsupported_grant_type"})
        time.sleep(self.token_delay_s)  # widens the window in which concurrent refreshes race
        if not known:
            return Scripted(400, {}, {"error": "invalid_grant"})
        access, refresh = self.issue_tokens()
        return Scripted(200, {}, {"access_token": access, "refresh_token": refresh,
                                  "token_type": "bearer", "expires_in": 3600,
                                  "x_refresh_token_expires_in": 8726400})  # fmt: skip


class _Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    @property
    def fake(self) -> FakeQuickBooks:
        return self.server.fake  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
        self._record("POST", url.path, {})
        if url.path != "/oauth2/v1/tokens/bearer":
            return self._send(Scripted(404, {}, {"error": "not_found"}))
        scripted = self.fake.next_scripted("token")
        self._send(scripted or self.fake.answer_token(form, self.headers.get("Authorization")))

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        url = urlparse(self.path)
        params = {k: v[0] for k, v in parse_qs(url.query).items()}
        self._record("GET", url.path, params)
        prefix = f"/v3/company/{self.fake.realm_id}/"
        if not url.path.startswith(prefix):
            return self._send(fault(403, "realm not served here", "3100"))
        if not self.fake.authorised(self.headers.get("Authorization")):
            return self._send(_EXPIRED)
        self._send(self._answer(url.path.removeprefix(prefix), params))

    def _answer(self, rest: str, params: dict[str, str]) -> Scripted:
        endpoint = rest.split("/")[0]
        scripted = self.fake.next_scripted(endpoint)
        if scripted:
            return scripted
        if endpoint == "query":
            return self.fake.answer_query(params.get("query", ""))
        if endpoint == "cdc":
            return self.fake.answer_cdc(params.get("entities", ""), params.get("changedSince", ""))
        if endpoint == "reports":
            return self.fake.answer_report(rest.split("/")[-1], params)
        if endpoint == "companyinfo":
            return self.fake.answer_company_info()
        return fault(404, f"no such endpoint {rest}", "610")

    def _record(self, method: str, path: str, params: dict[str, str]) -> None:
        seen = SeenRequest(method, path, params, self.headers.get("Authorization"))
        with self.fake.lock:
            self.fake.requests.append(seen)

    def _send(self, answer: Scripted) -> None:
        raw = answer.raw if answer.raw is not None else json.dumps(answer.body)
        data = raw.encode("utf-8")
        headers = {"Content-Type": "application/json", **answer.headers}
        self.send_response(answer.status)
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="milliseconds")
