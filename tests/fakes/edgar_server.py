"""A fake EDGAR: a real HTTP server on 127.0.0.1 serving recorded SEC responses.

It serves ``sample_data/edgar`` in EDGAR's URL layout (submissions JSON, company_tickers.json,
daily / full index files, a recorded filing index) and the bundled filing packages of
``sample_data/sec/<name>/`` under ``/Archives/edgar/data/{cik}/{accession}/`` with a generated
``index.json`` (optionally with an ``-xbrl.zip`` built from the package). Both www.sec.gov and
data.sec.gov are this one server. Faults are scripted per path (or for any path): 429 with
or without Retry-After, the SEC's throttling page with 403, 404, an HTML page with status 200,
5xx, slow answers. Every request is logged with its arrival time on the monotonic clock.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import re
import threading
import time
import zipfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
EDGAR_DATA = REPO / "sample_data" / "edgar"
SEC_PACKAGES = REPO / "sample_data" / "sec"
_LAST_MODIFIED = "2024-01-31 16:05:12"
_DAILY = "/Archives/edgar/daily-index"
_RECORDED = {  # EDGAR path -> recorded file in sample_data/edgar
    "/Archives/edgar/full-index/1993/QTR4/master.idx": "index-files/master.1993QTR4.idx",
    f"{_DAILY}/2018/QTR4/master.20181231.idx": "index-files/master.20181231.excerpt.idx",
    f"{_DAILY}/2020/QTR1/form.20200318.idx": "index-files/form.20200318.idx",
    f"{_DAILY}/2022/QTR4/company.20221003.idx": "index-files/company.20221003.idx",
    # DatChat's 8-K (Jan 2024): a real folder listing with an -xbrl.zip; its files are absent
    "/Archives/edgar/data/1648960/000121390024004875/index.json": (
        "filing-index/1648960-0001213900-24-004875-index.json"
    ),
    "/files/company_tickers.json": "company_tickers.json",
}
_FILING = re.compile(r"/Archives/edgar/data/(?P<cik>\d+)/(?P<acc>\d{18})/(?P<name>[^/]+)")


@dataclass(frozen=True)
class Fault:
    """One scripted answer; ``status=None`` serves the real response after ``delay_s``."""

    status: int | None
    body: bytes = b""
    content_type: str = "text/html"
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    cut_at: int | None = None  # send this many bytes of the body, then drop the connection


def _recorded(name: str) -> bytes:
    return (EDGAR_DATA / "errors" / name).read_bytes()


def throttled_429(retry_after: str | None = None) -> Fault:
    headers = (("Retry-After", retry_after),) if retry_after is not None else ()
    return Fault(429, b"Too Many Requests", "text/plain", headers)


def throttle_page(status: int = 403) -> Fault:
    """The SEC's recorded 'Request Rate Threshold Exceeded' page."""
    return Fault(status, _recorded("rate-exceeded.html"))


def not_found() -> Fault:
    return Fault(404, _recorded("submissions-404-NoSuchKey.xml"), "application/xml")


def html_page_200() -> Fault:
    """An HTML error page (the recorded 'File Unavailable' page) served with status 200."""
    return Fault(200, _recorded("browse-edgar-503-file-unavailable.html"))


def server_error(status: int = 503) -> Fault:
    return Fault(status, _recorded("browse-edgar-503-file-unavailable.html"))


def slow(delay_s: float) -> Fault:
    return Fault(None, delay_s=delay_s)


@dataclass(frozen=True)
class Package:
    """A filing package served under an accession number."""

    name: str
    cik: int
    accession: str
    form: str
    period: str | None
    entry_point: str
    company: str | None
    files: dict[str, Path]

    @property
    def plain(self) -> str:
        return self.accession.replace("-", "")

    @property
    def folder(self) -> str:
        return f"/Archives/edgar/data/{self.cik}/{self.plain}"


def bundled_packages(root: Path = SEC_PACKAGES) -> list[Package]:
    """The packages of ``sample_data/sec`` as their filing.json describes them.

    A package whose accession number is not known (``null``) is served under a made-up one,
    9999999999-23-00000N, N its position.
    """
    packages = []
    folders = sorted(p for p in root.iterdir() if (p / "filing.json").is_file())
    for position, folder in enumerate(folders, start=1):
        meta = json.loads((folder / "filing.json").read_text())
        files = {p.name: p for p in sorted(folder.iterdir()) if p.name != "filing.json"}
        accession = meta.get("accession_number") or f"9999999999-23-{position:06d}"
        packages.append(Package(
            folder.name, int(meta["cik"]), accession, meta["form"], meta.get("period"),
            meta["entry_point"], meta.get("company"), files,
        ))  # fmt: skip
    return packages


@dataclass(frozen=True)
class RequestRecord:
    at: float  # time.monotonic() when the request line was read
    path: str
    status: int
    user_agent: str | None
    accept_encoding: str | None


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    faults: deque[Fault] = field(default_factory=deque)


class FakeEdgar:
    """The fake server; use as a context manager, then point the client at ``base_url``."""

    def __init__(self, *, snapshot: str = "2026-03", rate_limit: float | None = None) -> None:
        self.snapshot = snapshot
        self.rate_limit = rate_limit  # answer like the SEC when a 1 s window has more
        self.requests: list[RequestRecord] = []
        self._packages: dict[str, Package] = {}
        self._zipped: dict[str, bytes] = {}
        self._rules: list[_Rule] = []
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.fake = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeEdgar:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def add_package(self, package: Package, *, with_zip: bool = False) -> Package:
        """Serve ``package`` (under its accession); with_zip also lists an -xbrl.zip."""
        with self._lock:
            self._packages[package.folder] = package
            if with_zip:
                self._zipped[package.folder] = _zip_of(tuple(package.files.items()))
            self._cache.clear()
        return package

    def script(self, path_regex: str, *faults: Fault) -> None:
        """The next requests whose path matches ``path_regex`` get ``faults``, in order."""
        with self._lock:
            self._rules.append(_Rule(re.compile(path_regex), deque(faults)))

    def paths(self) -> list[str]:
        with self._lock:
            return [record.path for record in self.requests]

    def _next_fault(self, path: str) -> Fault | None:
        for rule in self._rules:
            if rule.faults and rule.pattern.search(path):
                return rule.faults.popleft()
        return None

    def _over_rate(self, now: float) -> bool:
        if self.rate_limit is None:
            return False
        recent = sum(1 for record in self.requests if now - record.at < 1.0)
        return recent >= self.rate_limit

    def answer(self, path: str, headers: dict[str, str]) -> tuple[Fault, bytes, bool]:
        """The response for ``path``, its body as sent and whether it is gzipped; logs it."""
        now = time.monotonic()
        with self._lock:
            fault = throttle_page() if self._over_rate(now) else self._next_fault(path)
        real = fault is None or fault.status is None
        chosen = self._memo(path, lambda: self._serve(path)) if real else fault
        agent, encodings = headers.get("user-agent"), headers.get("accept-encoding", "")
        with self._lock:
            self.requests.append(RequestRecord(now, path, chosen.status or 0, agent, encodings))
        if fault is not None and fault.delay_s:
            time.sleep(fault.delay_s)
        compress = "gzip" in encodings and not chosen.content_type.endswith("zip")
        if not compress or len(chosen.body) < 512:
            return chosen, chosen.body, False
        if not real:
            return chosen, gzip.compress(chosen.body), True
        # keyed by the body object: the 200 bench copies of a file share one body
        return chosen, self._memo(f"gzip:{id(chosen.body)}", lambda: _gzip(chosen)), True

    def _memo(self, key: str, make: Callable[[], object]) -> Any:
        """Answers to unfaulted paths never change: compute each once (the bench's 7 MB)."""
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        value = make()
        with self._lock:
            return self._cache.setdefault(key, value)

    def _serve(self, path: str) -> Fault:
        if path in _RECORDED:
            return _file(EDGAR_DATA / _RECORDED[path])
        match = re.fullmatch(r"/submissions/(CIK\d{10}(-submissions-\d{3})?\.json)", path)
        if match:
            file = EDGAR_DATA / "submissions" / self.snapshot / match[1]
            return _file(file) if file.is_file() else not_found()
        match = _FILING.fullmatch(path)
        if match:
            return self._serve_filing(match["cik"], match["acc"], match["name"])
        if path.startswith(("/Archives/edgar/daily-index/", "/Archives/edgar/full-index/")):
            return Fault(403, _recorded("full-index-403-AccessDenied.xml"), "application/xml")
        return not_found()

    def _serve_filing(self, cik: str, plain: str, name: str) -> Fault:
        folder = f"/Archives/edgar/data/{cik}/{plain}"
        package = self._packages.get(folder)
        if package is None:
            return not_found()
        accession = package.accession
        if name == "index.json":
            listing = _index_json(package, self._zipped.get(folder))
            return Fault(200, listing, "application/json")
        if name == f"{accession}-xbrl.zip" and folder in self._zipped:
            return Fault(200, self._zipped[folder], "application/zip")
        if name in package.files:
            return _file(package.files[name])
        if name == f"{accession}.txt":
            return Fault(200, b"<SEC-DOCUMENT>stand-in\n", "text/plain")
        if name.startswith(f"{accession}-index"):
            return Fault(200, b"<html><body>filing index</body></html>")
        return not_found()


_TYPES = {".json": "application/json", ".xml": "application/xml", ".xsd": "application/xml",
          ".htm": "text/html", ".html": "text/html", ".idx": "text/plain"}  # fmt: skip


@functools.lru_cache(maxsize=256)
def _file(path: Path) -> Fault:
    return Fault(200, path.read_bytes(), _TYPES.get(path.suffix, "application/octet-stream"))


def _gzip(answer: Fault) -> bytes:
    return gzip.compress(answer.body, compresslevel=1)


@functools.lru_cache(maxsize=64)
def _zip_of(files: tuple[tuple[str, Path], ...]) -> bytes:
    """The -xbrl.zip of a bundled package (built once per package)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, path in files:
            archive.write(path, name)
    return buffer.getvalue()


def _index_json(package: Package, zipped: bytes | None) -> bytes:
    """A folder listing shaped like EDGAR's ``index.json``."""
    names = [
        (f"{package.accession}-index-headers.html", ""),
        (f"{package.accession}-index.html", ""),
        (f"{package.accession}.txt", ""),
    ]
    if zipped is not None:
        names.append((f"{package.accession}-xbrl.zip", str(len(zipped))))
    names += [(name, str(path.stat().st_size)) for name, path in package.files.items()]
    items = [
        {
            "last-modified": _LAST_MODIFIED,
            "name": name,
            "size": size,
            "type": "compressed.gif" if name.endswith(".zip") else "text.gif",
        }
        for name, size in names
    ]
    directory = {
        "item": items,
        "name": package.folder,
        "parent-dir": f"/Archives/edgar/data/{package.cik}",
    }
    return json.dumps({"directory": directory}, indent=2).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeEdgar/1"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        fake: FakeEdgar = self.server.fake  # type: ignore[attr-defined]
        headers = {name.lower(): value for name, value in self.headers.items()}
        answer, body, gzipped = fake.answer(self.path.split("?", 1)[0], headers)
        try:
            self.send_response(answer.status or 200)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(body)))
            if gzipped:
                self.send_header("Content-Encoding", "gzip")
            for name, value in answer.headers:
                self.send_header(name, value)
            self.end_headers()
            if answer.cut_at is not None:  # Content-Length announced the whole body
                self.wfile.write(body[: answer.cut_at])
                self.close_connection = True
                return
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a scripted slow answer)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return
