"""Downloading the bundled filing packages from the fake EDGAR into a local raw store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_edgar_cases import SEC_PACKAGES, as_discovered, local_client

from ledgergraph.edgar import DiscoveredFiling, download_filing, download_filings
from ledgergraph.edgar.errors import (
    EdgarIncompleteFile,
    EdgarNotFound,
    EdgarUnexpectedHtml,
    FilingPackageError,
)
from ledgergraph.objectstore import LocalObjectStore
from tests.fakes.edgar_server import (
    FakeEdgar,
    Fault,
    Package,
    _index_json,
    bundled_packages,
    html_page_200,
    not_found,
    server_error,
)
from tests.fakes.network_guard import loopback_only

BOEING_10K = "0000012927-24-000010"
TESLA_10Q = "0001628280-24-032662"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def packages() -> list[Package]:
    return bundled_packages(SEC_PACKAGES)


@pytest.fixture
def fake(packages: list[Package]) -> Iterator[FakeEdgar]:
    with FakeEdgar() as server:
        for package in packages:
            server.add_package(package)
        yield server


@pytest.fixture
def store(tmp_path: Path) -> LocalObjectStore:
    return LocalObjectStore(tmp_path / "store")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored_json(store: LocalObjectStore, key: str) -> dict:
    return json.loads(store.get_bytes(key))


def assert_package_matches(store: LocalObjectStore, package: Package) -> dict:
    """Every bundled file is in the store byte for byte, and download.json says so."""
    prefix = f"raw/sec/{package.cik}/{package.accession}/"
    record = stored_json(store, prefix + "download.json")
    assert sorted(f["name"] for f in record["files"]) == sorted(package.files)
    for entry in record["files"]:
        data = package.files[entry["name"]].read_bytes()
        assert store.get_bytes(prefix + entry["name"]) == data
        assert (entry["size"], entry["sha256"]) == (len(data), sha256(data))
    return record


def test_bundled_filings_land_complete_with_checksums_and_sidecars(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    filings = [as_discovered(p) for p in packages]

    outcomes = download_filings(
        filings, client=local_client(fake, paced=False), store=store, workers=8
    )

    assert [o.status for o in outcomes] == ["ok"] * 5
    assert [o.accession for o in outcomes] == [p.accession for p in packages]
    for package, outcome in zip(packages, outcomes, strict=True):
        record = assert_package_matches(store, package)
        sidecar = stored_json(store, outcome.package_prefix + "filing.json")
        assert outcome.entry_point == record["entry_point"] == package.entry_point
        assert (sidecar["accession_number"], sidecar["cik"], sidecar["form"]) == (
            package.accession,
            package.cik,
            package.form,
        )
        assert (sidecar["period"], sidecar["entry_point"]) == (package.period, package.entry_point)
        folder = f"{fake.base_url}/Archives/edgar/data/{package.cik}/{package.plain}/"
        assert all(f["source_url"] == folder + f["name"] for f in record["files"])
        assert record["source"] == "files" and record["completed_at"]
        assert outcome.filing_ref().package_prefix == f"raw/sec/{package.cik}/{package.accession}/"


def test_boeing_10k_has_the_real_extracted_instance(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    boeing = next(p for p in packages if p.accession == BOEING_10K)

    outcome = download_filing(
        as_discovered(boeing), client=local_client(fake, paced=False), store=store
    )

    assert (outcome.status, outcome.entry_point, outcome.files) == ("ok", "ba-20231231_htm.xml", 6)
    assert outcome.bytes == sum(path.stat().st_size for path in boeing.files.values())
    # index.json + instance + xsd + four linkbases + the submissions JSON (not recorded)
    assert outcome.requests == 1 + 6 + 1
    sidecar = stored_json(store, outcome.package_prefix + "filing.json")
    assert sidecar["registration"] is None


def test_a_rerun_skips_complete_filings_without_asking_edgar(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    filings = [as_discovered(p) for p in packages]
    client = local_client(fake, paced=False)
    download_filings(filings, client=client, store=store)
    asked = len(fake.requests)

    again = download_filings(filings, client=client, store=store)

    assert [o.status for o in again] == ["skipped"] * 5
    assert [o.entry_point for o in again] == [p.entry_point for p in packages]
    assert len(fake.requests) == asked


def test_the_xbrl_zip_is_preferred_and_unpacked(
    store: LocalObjectStore, packages: list[Package]
) -> None:
    with FakeEdgar() as fake:
        for package in packages:
            fake.add_package(package, with_zip=True)
        outcomes = download_filings(
            [as_discovered(p) for p in packages],
            client=local_client(fake, paced=False),
            store=store,
        )

    assert [o.status for o in outcomes] == ["ok"] * 5
    # index.json, the zip and the filer's submissions JSON, nothing else
    assert [o.requests for o in outcomes] == [3] * 5
    for package in packages:
        record = assert_package_matches(store, package)
        assert record["source"] == "xbrl-zip"
        assert record["archive"]["name"] == f"{package.accession}-xbrl.zip"
        assert record["entry_point"] == package.entry_point


def test_a_missing_file_fails_that_filing_only_and_names_it(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    fake.script("/ba-20231231_lab.xml$", not_found())
    filings = [as_discovered(p) for p in packages]

    outcomes = {
        o.accession: o
        for o in download_filings(filings, client=local_client(fake, paced=False), store=store)
    }

    boeing = outcomes.pop(BOEING_10K)
    assert (boeing.status, boeing.error_type, boeing.transient) == (
        "failed",
        "EdgarNotFound",
        False,
    )
    assert BOEING_10K in boeing.reason and "ba-20231231_lab.xml" in boeing.reason
    assert {o.status for o in outcomes.values()} == {"ok"}
    assert not store.exists(f"raw/sec/12927/{BOEING_10K}/download.json")

    retried = download_filings(filings, client=local_client(fake, paced=False), store=store)
    assert sorted(o.status for o in retried) == ["ok"] + ["skipped"] * 4
    assert_package_matches(store, next(p for p in packages if p.accession == BOEING_10K))


def test_an_html_page_with_status_200_is_never_stored(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    tesla = next(p for p in packages if p.accession == TESLA_10Q)
    fake.script("/tsla-20240630.xsd$", html_page_200())

    with pytest.raises(EdgarUnexpectedHtml, match=f"{TESLA_10Q}: tsla-20240630.xsd"):
        download_filing(as_discovered(tesla), client=local_client(fake, paced=False), store=store)

    keys = list(store.list_keys("raw/"))
    assert f"raw/sec/1318605/{TESLA_10Q}/download.json" not in keys
    assert all(b"File Unavailable" not in store.get_bytes(key) for key in keys)


def test_an_html_page_in_place_of_the_inline_document_is_refused(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    aeon = next(p for p in packages if p.entry_point.endswith(".htm"))
    filing = as_discovered(aeon).model_copy(update={"primary_document": aeon.entry_point})
    fake.script(f"/{aeon.entry_point}$", html_page_200())

    with pytest.raises(EdgarUnexpectedHtml, match=aeon.entry_point):
        download_filing(filing, client=local_client(fake, paced=False), store=store)

    assert not any(b"File Unavailable" in store.get_bytes(k) for k in store.list_keys("raw/"))
    assert (
        download_filing(filing, client=local_client(fake, paced=False), store=store).status == "ok"
    )


def test_an_interrupted_download_is_redone_and_leftovers_removed(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    tesla = next(p for p in packages if p.accession == TESLA_10Q)
    prefix = f"raw/sec/1318605/{TESLA_10Q}/"
    download_filing(as_discovered(tesla), client=local_client(fake, paced=False), store=store)
    store.delete(prefix + "download.json")  # as if the run died before its last write
    store.put_bytes(prefix + "tsla-20240630_lab.xml", b"half a file")
    store.put_bytes(prefix + "stale-from-an-older-listing.xml", b"<x/>")

    outcome = download_filing(
        as_discovered(tesla), client=local_client(fake, paced=False), store=store
    )

    assert outcome.status == "ok"
    assert_package_matches(store, tesla)
    assert not store.exists(prefix + "stale-from-an-older-listing.xml")


def test_force_downloads_a_complete_filing_again(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    filing = as_discovered(packages[0])
    client = local_client(fake, paced=False)
    download_filing(filing, client=client, store=store)

    assert download_filing(filing, client=client, store=store, force=True).status == "ok"


def test_transient_failures_are_reported_as_transient(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    fake.script(f"{packages[0].plain}/index.json$", *[server_error(502)] * 2)

    [outcome] = download_filings(
        [as_discovered(packages[0])],
        client=local_client(fake, paced=False, max_retries=1),
        store=store,
    )

    assert (outcome.status, outcome.error_type, outcome.transient) == (
        "failed",
        "EdgarServerError",
        True,
    )


def test_datchat_real_listing_asks_for_its_xbrl_zip(
    fake: FakeEdgar, store: LocalObjectStore
) -> None:
    # the recorded index.json of a real 8-K; the recording has none of its files
    datchat = DiscoveredFiling(
        cik=1648960, accession="0001213900-24-004875", form="8-K", filing_date="2024-01-19"
    )

    with pytest.raises(EdgarNotFound, match="0001213900-24-004875: 0001213900-24-004875-xbrl.zip"):
        download_filing(datchat, client=local_client(fake, paced=False), store=store)

    assert fake.paths() == [
        "/Archives/edgar/data/1648960/000121390024004875/index.json",
        "/Archives/edgar/data/1648960/000121390024004875/0001213900-24-004875-xbrl.zip",
    ]
    assert list(store.list_keys("raw/")) == []


def test_a_file_cut_off_in_transit_is_not_kept_and_the_next_run_downloads_it(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    tesla = next(p for p in packages if p.accession == TESLA_10Q)
    whole = tesla.files["tsla-20240630_htm.xml"].read_bytes()
    fake.script("/tsla-20240630_htm.xml$", Fault(200, whole[: len(whole) // 2], "application/xml"))
    client = local_client(fake, paced=False)

    with pytest.raises(EdgarIncompleteFile) as cut:
        download_filing(as_discovered(tesla), client=client, store=store)
    again = download_filing(as_discovered(tesla), client=client, store=store)

    assert str(cut.value) == (
        f"filing {TESLA_10Q}: tsla-20240630_htm.xml: EDGAR sent {len(whole) // 2} bytes, "
        f"its index.json lists {len(whole)}"
    )
    assert again.status == "ok"
    record = assert_package_matches(store, tesla)
    assert {f["name"]: f["listed_size"] for f in record["files"]}["tsla-20240630_htm.xml"] == (
        len(whole)
    )


def test_a_short_file_kept_by_an_older_download_is_downloaded_again(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    """download.json written before sizes were checked: no listed_size, a file cut off."""
    tesla = next(p for p in packages if p.accession == TESLA_10Q)
    prefix = f"raw/sec/1318605/{TESLA_10Q}/"
    client = local_client(fake, paced=False)
    download_filing(as_discovered(tesla), client=client, store=store)
    record = stored_json(store, prefix + "download.json")
    for entry in record["files"]:
        del entry["listed_size"]
    store.put_bytes(prefix + "download.json", json.dumps(record).encode())
    sound = download_filing(as_discovered(tesla), client=client, store=store)
    half = store.get_bytes(prefix + "tsla-20240630_htm.xml")[:1000]
    store.put_bytes(prefix + "tsla-20240630_htm.xml", half)
    for entry in record["files"]:
        if entry["name"] == "tsla-20240630_htm.xml":
            entry.update(size=len(half), sha256=sha256(half))
    store.put_bytes(prefix + "download.json", json.dumps(record).encode())

    redone = download_filing(as_discovered(tesla), client=client, store=store)

    assert (sound.status, sound.requests) == ("skipped", 1)  # index.json, nothing else
    assert redone.status == "ok"
    assert_package_matches(store, tesla)


APPLE_10K = "0000320193-23-000106"
APPLE_INSTANCE = "aapl-20230930_htm.xml"


def apple_with_limit(packages: list[Package]) -> tuple[Package, int]:
    """Apple's 10-K and a package limit its schema and linkbases fit but its instance not."""
    apple = next(p for p in packages if p.accession == APPLE_10K)
    dts = sum(path.stat().st_size for name, path in apple.files.items() if name != APPLE_INSTANCE)
    return apple, dts + apple.files[APPLE_INSTANCE].stat().st_size // 2


def test_the_package_limit_counts_the_instance_listed_in_index_json(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    apple, limit = apple_with_limit(packages)
    client = local_client(fake, paced=False, max_package_bytes=limit)

    with pytest.raises(FilingPackageError) as raised:
        download_filing(as_discovered(apple), client=client, store=store)

    assert str(raised.value).startswith(
        f"filing {APPLE_10K}: {APPLE_INSTANCE}: index.json lists 1432663 bytes, "
        f"over the {limit} bytes a package may take"
    )
    assert not any(path.endswith(APPLE_INSTANCE) for path in fake.paths())  # never asked
    assert list(store.list_keys(apple_prefix(apple, "download.json"))) == []


def test_the_package_limit_counts_the_bytes_received_when_index_json_lists_no_size(
    fake: FakeEdgar, store: LocalObjectStore, packages: list[Package]
) -> None:
    apple, limit = apple_with_limit(packages)
    listing = json.loads(_index_json(apple, None))
    for item in listing["directory"]["item"]:
        if item["name"] == APPLE_INSTANCE:
            item["size"] = ""
    fake.script(r"/index\.json$", Fault(200, json.dumps(listing).encode(), "application/json"))
    client = local_client(fake, paced=False, max_package_bytes=limit)

    with pytest.raises(FilingPackageError) as raised:
        download_filing(as_discovered(apple), client=client, store=store)

    assert str(raised.value).startswith(
        f"filing {APPLE_10K}: {APPLE_INSTANCE}: EDGAR sent more, over the {limit} bytes"
    )
    assert fake.paths()[-1].endswith(APPLE_INSTANCE)


def apple_prefix(apple: Package, name: str) -> str:
    return f"raw/sec/{apple.cik}/{apple.accession}/{name}"
