"""Download one filing's XBRL package into the raw store, resumably.

Layout under ``raw/sec/{cik}/{accession}/``: the package files, then ``filing.json`` (what
the XBRL task needs: accession, CIK, form, period, entry point, and EDGAR's registration data
about the filer, which discovery read or this step asks for), then ``download.json``
(files, sizes, sha256, source URLs, completed_at). ``download.json`` is written last, so its
presence means the package is complete and a re-run skips the filing; an interrupted attempt
leaves no ``download.json`` and the next one simply writes every file again (each write is
atomic in the store). Each file goes to the store as it arrives, its sha256 and size taken
on the way, so no file is ever held whole: only the start of each file that may be the
entry point is kept, and an XBRL zip waits in a spooled temporary file (on disk past
``ZIP_SPOOL_BYTES``) while its members are unpacked to the store. Every file must arrive
with the size the folder's ``index.json`` lists (EDGAR gives no checksum there), which
download.json records as ``listed_size``; a file of another size is never stored. A record
from before that check is compared with ``index.json`` on each rerun (one request) and the
filing downloaded again if a file was cut off. ``force`` downloads it regardless.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import IO, Any

from ledgergraph.edgar.client import EdgarClient
from ledgergraph.edgar.errors import (
    EdgarBadResponse,
    EdgarError,
    EdgarTooLarge,
    EdgarUnexpectedHtml,
    FilingPackageError,
)
from ledgergraph.edgar.models import DiscoveredFiling, DownloadOutcome
from ledgergraph.edgar.package import (
    ENTRY_POINT_SNIFF_BYTES,
    XbrlZip,
    dts_names,
    entry_point_candidates,
    inline_candidates,
    instance_candidates,
    is_inline,
    is_instance,
    pick_entry_point,
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
ZIP_SPOOL_BYTES = 8 << 20  # an XBRL zip up to this size stays in memory, a larger one on disk


class Received:
    """The size, sha256 and start (``head_bytes`` of it) of a file, taken as it passes."""

    def __init__(self, head_bytes: int = 0) -> None:
        self.size = 0
        self.kept = True  # False: read and counted, but not stored (not the file sought)
        self._digest = hashlib.sha256()
        self._head = bytearray()
        self._head_bytes = head_bytes

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    @property
    def head(self) -> bytes:
        return bytes(self._head)

    def watch(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """``chunks`` unchanged, each one counted and hashed on its way."""
        for chunk in chunks:
            self.size += len(chunk)
            self._digest.update(chunk)
            if len(self._head) < self._head_bytes:
                self._head += chunk[: self._head_bytes - len(self._head)]
            yield chunk


def _read_head(chunks: Iterator[bytes], size: int) -> list[bytes]:
    """The first chunks of ``chunks``, at least ``size`` bytes of them (fewer: all)."""
    head: list[bytes] = []
    read = 0
    while read < size and (chunk := next(chunks, None)) is not None:
        head.append(chunk)
        read += len(chunk)
    return head


def store_writer(
    store: ObjectStore, key: str, *, keep: Callable[[bytes], bool] | None = None
) -> Callable[[Iterator[bytes]], Received]:
    """A consumer of a body that streams it to ``key`` and says what passed.

    With ``keep``, the body is stored only if ``keep`` accepts its start (the first
    ``ENTRY_POINT_SNIFF_BYTES``); otherwise it is read to its end, counted, not stored.
    """

    def consume(chunks: Iterator[bytes]) -> Received:
        received = Received(ENTRY_POINT_SNIFF_BYTES if keep else 0)
        passing = received.watch(chunks)
        if keep is not None:
            head = _read_head(passing, ENTRY_POINT_SNIFF_BYTES)
            if not keep(b"".join(head)):
                received.kept = False
                for _chunk in passing:
                    pass  # read all the same: it counts against the package limit
                return received
            passing = itertools.chain(head, passing)
        store.put_stream(key, passing)
        return received

    return consume


def spool_writer(spool: IO[bytes]) -> Callable[[Iterator[bytes]], Received]:
    """A consumer of a body that writes it to ``spool`` from its start (a retried request
    writes over what an earlier attempt left)."""

    def consume(chunks: Iterator[bytes]) -> Received:
        received = Received()
        spool.seek(0)
        spool.truncate()
        for chunk in received.watch(chunks):
            spool.write(chunk)
        return received

    return consume


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

    def fetch_to(self, name: str, consume: Callable[[Iterator[bytes]], Received]) -> Received:
        """One file, handed to ``consume`` as it arrives (``store_writer``, ``spool_writer``);
        .htm must be inline XBRL, .zip a zip, anything else XML.

        Raises:
            FilingPackageError: the file would take the download over ``max_bytes``
                (refused before it is asked for when index.json lists its size).
            EdgarIncompleteFile: it arrived with another size than index.json lists.
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
            received: Received = self._call(
                name,
                lambda: self.client.get_stream(
                    url, expect, consume, max_bytes=left, expected_size=listed
                ),
            )
        except EdgarTooLarge as exc:
            raise self._over_limit(name, "EDGAR sent more") from exc
        self.fetched_bytes += received.size
        self.urls[name] = url
        return received

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


class PackageFiles:
    """The files of a package stored so far: their download.json entries, and the start
    of each one that may be the entry point."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}
        self.heads: dict[str, bytes] = {}

    def add(self, name: str, received: Received, source_url: str, **extra: Any) -> None:
        self.entries[name] = {
            "name": name,
            "size": received.size,
            "sha256": received.sha256,
            "source_url": source_url,
            **extra,
        }
        self.heads[name] = received.head


def fetch_package(
    fetcher: FilingFetcher, names: list[str], *, store: ObjectStore, max_bytes: int
) -> tuple[PackageFiles, dict[str, Any] | None]:
    """Store the package files as they arrive; what was stored, and a record of the zip
    when EDGAR had one."""
    zip_name = xbrl_zip_name(names)
    if zip_name is not None:
        return fetch_zip_package(fetcher, zip_name, store=store, max_bytes=max_bytes)
    prefix = fetcher.filing.package_prefix
    files = PackageFiles()

    def store_file(name: str, keep: Callable[[bytes], bool] | None = None) -> bool:
        received = fetcher.fetch_to(name, store_writer(store, prefix + name, keep=keep))
        if received.kept:
            listed = fetcher.listed_sizes.get(name)
            files.add(name, received, fetcher.urls[name], listed_size=listed)
        return received.kept

    for name in dts_names(names):
        store_file(name)
    if any(store_file(name, is_instance) for name in instance_candidates(names)):
        return files, None
    primary = fetcher.filing.primary_document
    for name in inline_candidates(names, primary):
        try:
            if store_file(name, is_inline):
                return files, None
        except EdgarUnexpectedHtml:
            if name == primary:
                raise
            # guessing without a known primary document: an exhibit, not XBRL
    label = f"filing {fetcher.filing.accession}"
    raise FilingPackageError(f"{label}: EDGAR lists no XBRL instance or inline XBRL document")


def fetch_zip_package(
    fetcher: FilingFetcher, zip_name: str, *, store: ObjectStore, max_bytes: int
) -> tuple[PackageFiles, dict[str, Any]]:
    """The XBRL zip into a spooled temporary file, then each member to the store."""
    filing = fetcher.filing
    files = PackageFiles()
    with tempfile.SpooledTemporaryFile(max_size=ZIP_SPOOL_BYTES) as spool:
        received = fetcher.fetch_to(zip_name, spool_writer(spool))
        archive = {
            "name": zip_name,
            "url": fetcher.urls[zip_name],
            "size": received.size,
            "listed_size": fetcher.listed_sizes.get(zip_name),
            "sha256": received.sha256,
        }
        spool.seek(0)
        label = f"filing {filing.accession}"
        with XbrlZip(spool, max_bytes=max_bytes, label=label) as members:
            sniffed = entry_point_candidates(members.names, filing.primary_document)
            for name in sorted(members.names):
                member = Received(ENTRY_POINT_SNIFF_BYTES if name in sniffed else 0)
                store.put_stream(filing.package_prefix + name, member.watch(members.chunks(name)))
                files.add(name, member, f"{archive['url']}#{name}")
    return files, archive


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
    max_bytes = client.settings.max_package_bytes
    files, archive = fetch_package(fetcher, names, store=store, max_bytes=max_bytes)
    entry_point = pick_entry_point(files.heads, filing.primary_document)
    if entry_point is None:
        raise FilingPackageError(f"filing {filing.accession}: the package has no XBRL instance")
    if filing.registration is None:  # found through a daily index: ask EDGAR once
        fetcher.requests += 1
        registration = fetch_registration(client, filing.cik)
        filing = filing.model_copy(update={"registration": registration})

    record = store_package(store, filing, files, archive, entry_point)
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
    files: PackageFiles,
    archive: dict[str, Any] | None,
    entry_point: str,
) -> dict[str, Any]:
    """Drop leftovers of an older attempt beside the files stored, then write filing.json
    and, last, download.json."""
    prefix = filing.package_prefix
    keep = {prefix + name for name in files.entries}
    keep |= {prefix + FILING_SIDECAR, prefix + DOWNLOAD_RECORD}
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
        "files": [files.entries[name] for name in sorted(files.entries)],
        "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    store.put_bytes(prefix + DOWNLOAD_RECORD, _json(record))
    return record


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
