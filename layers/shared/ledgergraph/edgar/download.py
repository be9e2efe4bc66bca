"""Download one filing's XBRL package into the raw store, resumably.

Layout under ``raw/sec/{cik}/{accession}/``: the package files, then ``filing.json`` (what
the XBRL task needs: accession, CIK, form, period, entry point, and EDGAR's registration data
about the filer, which discovery read or this step asks for), then ``download.json``
(files, sizes, sha256, source URLs, completed_at). ``download.json`` is written last, so its
presence means the package is complete and a re-run skips the filing; an interrupted attempt
leaves no ``download.json`` and the next one simply writes every file again (each write is
atomic in the store). Every file must arrive with the size the folder's ``index.json``
lists (EDGAR gives no checksum there), which download.json records as ``listed_size``; a
record from before that check is compared with ``index.json`` on each rerun (one request)
and the filing downloaded again if a file was cut off. ``force`` downloads it regardless.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.errors import (
    EdgarBadResponse,
    EdgarError,
    EdgarIncompleteFile,
    EdgarTooLarge,
    EdgarUnexpectedHtml,
    FilingPackageError,
)
from ledgergraph.edgar.models import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.package import (
    dts_names,
    inline_candidates,
    instance_candidates,
    is_inline,
    is_instance,
    pick_entry_point,
    unzip_package,
    xbrl_zip_name,
)
from ledgergraph.edgar.responses import Expect
from ledgergraph.edgar.submissions import fetch_registration
from ledgergraph.edgar.urls import check_file_name, filing_file_path, filing_index_path
from ledgergraph.errors import ObjectNotFound
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore

logger = get_logger("edgar")

DOWNLOAD_RECORD = "download.json"
FILING_SIDECAR = "filing.json"


class FilingFetcher:
    """Fetches files of one filing folder; errors name the accession number and the file.

    Every file fetched counts against ``max_bytes`` (the package limit): a file whose
    ``index.json`` size is over what is left is not requested, and reading one stops once
    it passes what is left.
    """

    def __init__(
        self, client: EdgarClient, filing: DiscoveredFiling, *, max_bytes: int | None = None
    ) -> None:
        self.client = client
        self.filing = filing
        self.max_bytes = client.settings.max_package_bytes if max_bytes is None else max_bytes
        self.fetched_bytes = 0
        self.requests = 0
        self.urls: dict[str, str] = {}
        self.listed_sizes: dict[str, int] = {}  # bytes per file, as index.json lists them
        self._names: list[str] | None = None

    def url(self, name: str) -> str:
        return self.client.www_url(filing_file_path(self.filing.cik, self.filing.accession, name))

    def listing(self) -> list[str]:
        """File names of the filing folder, from its ``index.json`` (asked once)."""
        if self._names is not None:
            return self._names
        url = self.client.www_url(filing_index_path(self.filing.cik, self.filing.accession))
        document = self._call("index.json", lambda: self.client.get_json(url))
        try:
            items = [i for i in document["directory"]["item"] if i.get("type") != "folder.gif"]
            self._names = [item["name"] for item in items]
        except (KeyError, TypeError, AttributeError) as exc:
            raise EdgarBadResponse(
                f"filing {self.filing.accession}: index.json has no directory listing"
            ) from exc
        self.listed_sizes = {
            i["name"]: int(i["size"]) for i in items if str(i.get("size", "")).isdigit()
        }  # EDGAR lists "" for the pages it generates (-index.html)
        return self._names

    def fetch(self, name: str) -> bytes:
        """One file; .htm must be inline XBRL, .zip a zip, anything else XML.

        Raises:
            FilingPackageError: the file would take the download over ``max_bytes``.
        """
        lower = name.lower()
        expect = Expect.ZIP if lower.endswith(".zip") else Expect.XML
        if lower.endswith((".htm", ".html")):
            expect = Expect.INLINE
        url = self.url(check_file_name(name))
        listed = self.listed_sizes.get(name)
        left = self.max_bytes - self.fetched_bytes
        if listed is not None and listed > left:
            raise self._over_limit(name, f"index.json lists {listed} bytes")
        try:
            data = self._call(name, lambda: self.client.get_bytes(url, expect, max_bytes=left))
        except EdgarTooLarge as exc:
            raise self._over_limit(name, "EDGAR sent more") from exc
        self.fetched_bytes += len(data)
        if listed is not None and len(data) != listed:
            raise EdgarIncompleteFile(
                f"filing {self.filing.accession}: {name}: EDGAR sent {len(data)} bytes, "
                f"its index.json lists {listed}"
            )
        self.urls[name] = url
        return data

    def _over_limit(self, name: str, seen: str) -> FilingPackageError:
        return FilingPackageError(
            f"filing {self.filing.accession}: {name}: {seen}, over the {self.max_bytes} bytes "
            f"a package may take (LEDGERGRAPH_EDGAR_MAX_PACKAGE_BYTES; "
            f"{self.fetched_bytes} fetched before it)"
        )

    def _call(self, name: str, request: Callable[[], Any]) -> Any:
        self.requests += 1
        try:
            return request()
        except EdgarError as exc:
            raise _named(exc, f"filing {self.filing.accession}: {name}: {exc}") from exc


def _named(exc: EdgarError, message: str) -> EdgarError:
    """The same error class with a message that names the filing and the file, and the
    original's attributes (a throttle's ``retry_after_s``, a size ``limit``)."""
    try:
        named = type(exc)(message)
    except TypeError:
        return exc
    vars(named).update(vars(exc))
    return named


def fetch_package(
    fetcher: FilingFetcher, names: list[str], *, max_bytes: int
) -> tuple[dict[str, bytes], dict[str, Any] | None]:
    """The package files by name, and a record of the zip when EDGAR had one."""
    label = f"filing {fetcher.filing.accession}"
    zip_name = xbrl_zip_name(names)
    if zip_name is not None:
        data = fetcher.fetch(zip_name)
        archive = {
            "name": zip_name,
            "url": fetcher.urls[zip_name],
            "size": len(data),
            "listed_size": fetcher.listed_sizes.get(zip_name),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
        return unzip_package(data, max_bytes=max_bytes, label=label), archive
    files = {name: fetcher.fetch(name) for name in dts_names(names)}
    for name in instance_candidates(names):
        files[name] = fetcher.fetch(name)
        if is_instance(files[name]):
            return files, None
        del files[name]
    primary = fetcher.filing.primary_document
    for name in inline_candidates(names, primary):
        try:
            data = fetcher.fetch(name)
        except EdgarUnexpectedHtml:
            if name == primary:
                raise
            continue  # guessing without a known primary document: an exhibit, not XBRL
        if is_inline(data):
            files[name] = data
            return files, None
    raise FilingPackageError(f"{label}: EDGAR lists no XBRL instance or inline XBRL document")


def download_filing(
    filing: DiscoveredFiling, *, client: EdgarClient, store: ObjectStore, force: bool = False
) -> DownloadOutcome:
    """Put one filing's XBRL package in the raw store; skips it if already complete.

    Raises:
        EdgarTransientError: EDGAR kept throttling or failing (retry later).
        EdgarPermanentError: a missing file (named with the accession), an HTML page where
            data was expected, or a folder without XBRL.
    """
    prefix = filing.package_prefix
    fetcher = FilingFetcher(client, filing)
    if not force:
        done = read_download_record(store, prefix)
        if done is not None and not _cut_off(done, fetcher):
            return _outcome(filing, "skipped", done, requests=fetcher.requests)
    store.delete(prefix + DOWNLOAD_RECORD)

    names = fetcher.listing()
    files, archive = fetch_package(fetcher, names, max_bytes=client.settings.max_package_bytes)
    entry_point = pick_entry_point(files, filing.primary_document)
    if entry_point is None:
        raise FilingPackageError(f"filing {filing.accession}: the package has no XBRL instance")
    if filing.registration is None:  # found through a daily index: ask EDGAR once
        fetcher.requests += 1
        registration = fetch_registration(client, filing.cik)
        filing = filing.model_copy(update={"registration": registration})

    record = store_package(store, filing, files, fetcher, archive, entry_point)
    outcome = _outcome(filing, "ok", record, requests=fetcher.requests)
    logger.info(
        "filing downloaded",
        extra={
            "accession": filing.accession,
            "cik": filing.cik,
            "files": outcome.files,
            "bytes": outcome.bytes,
        },
    )
    return outcome


def store_package(
    store: ObjectStore,
    filing: DiscoveredFiling,
    files: dict[str, bytes],
    fetcher: FilingFetcher,
    archive: dict[str, Any] | None,
    entry_point: str,
) -> dict[str, Any]:
    """Write the files, drop leftovers of an older attempt, then filing.json, download.json."""
    prefix = filing.package_prefix
    entries = [
        _write_file(store, prefix, name, files[name], archive, fetcher) for name in sorted(files)
    ]
    keep = {prefix + name for name in files} | {prefix + FILING_SIDECAR, prefix + DOWNLOAD_RECORD}
    for key in list(store.list_keys(prefix)):
        if key not in keep:
            store.delete(key)
    store.put_bytes(prefix + FILING_SIDECAR, _json(filing_sidecar(filing, entry_point)))
    record = {
        "accession_number": filing.accession,
        "cik": filing.cik,
        "source": "xbrl-zip" if archive else "files",
        "archive": archive,
        "entry_point": entry_point,
        "files": entries,
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    store.put_bytes(prefix + DOWNLOAD_RECORD, _json(record))
    return record


def _write_file(
    store: ObjectStore,
    prefix: str,
    name: str,
    data: bytes,
    archive: dict[str, Any] | None,
    fetcher: FilingFetcher,
) -> dict[str, Any]:
    """Store one file; its download.json entry (a zip member's URL is the zip's + #name,
    and its size is checked through the zip's)."""
    store.put_bytes(prefix + name, data)
    entry = {
        "name": name,
        "size": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "source_url": f"{archive['url']}#{name}" if archive else fetcher.urls[name],
    }
    if not archive:
        entry["listed_size"] = fetcher.listed_sizes.get(name)
    return entry


def _cut_off(record: dict[str, Any], fetcher: FilingFetcher) -> bool:
    """Whether a completed download holds a file of another size than index.json lists.

    A record written since sizes are checked says so itself; an older one is compared
    with the folder's ``index.json`` (one request, on every rerun: the record stays old).
    """
    entries = [record["archive"]] if record.get("archive") else record.get("files") or []
    if all("listed_size" in e for e in entries):
        listed = {e.get("name"): e["listed_size"] for e in entries}
    else:
        fetcher.listing()
        listed = dict(fetcher.listed_sizes)
    short = [
        e.get("name") for e in entries if listed.get(e.get("name")) not in (None, e.get("size"))
    ]
    if short:
        logger.warning(
            "downloaded file of another size than EDGAR lists, downloading again",
            extra={"accession": fetcher.filing.accession, "files": short},
        )
    return bool(short)


def filing_sidecar(filing: DiscoveredFiling, entry_point: str) -> dict[str, Any]:
    """``filing.json``: the same keys as the bundled packages' sidecars, plus EDGAR's dates."""
    report_date = filing.report_date.isoformat() if filing.report_date else None
    return {
        "accession_number": filing.accession,
        "cik": filing.cik,
        "form": filing.form,
        "period": report_date,
        "entry_point": entry_point,
        "company": filing.company_name,
        "report_date": report_date,
        "filing_date": filing.filing_date.isoformat(),
        "primary_document": filing.primary_document,
        "registration": (
            filing.registration.model_dump(mode="json") if filing.registration else None
        ),
    }


def read_download_record(store: ObjectStore, prefix: str) -> dict[str, Any] | None:
    """The completed download's record, or None when there is none (or it is unreadable)."""
    try:
        record = json.loads(store.get_bytes(prefix + DOWNLOAD_RECORD))
    except ObjectNotFound:
        return None
    except ValueError:
        logger.warning("download record unreadable, downloading again", extra={"prefix": prefix})
        return None
    return record if isinstance(record, dict) and record.get("entry_point") else None


def _outcome(
    filing: DiscoveredFiling, status: str, record: dict[str, Any], *, requests: int
) -> DownloadOutcome:
    files = record.get("files") or []
    return DownloadOutcome(
        cik=filing.cik,
        accession=filing.accession,
        status=status,
        package_prefix=filing.package_prefix,
        form=filing.form,
        entry_point=record.get("entry_point"),
        files=len(files),
        bytes=sum(int(f.get("size", 0)) for f in files),
        requests=requests,
    )


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2, sort_keys=False).encode("utf-8") + b"\n"
