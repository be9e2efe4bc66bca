"""Downloads stream each file to the store as it arrives: nothing of a file that fails is
stored, no file is held whole, and an S3 store (moto's) gets the folder store's layout."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import boto3
import httpx
import pytest
from moto import mock_aws
from test_edgar_cases import SEC_PACKAGES, as_discovered, local_client

from ledgergraph.edgar import download_filing
from ledgergraph.edgar.errors import EdgarIncompleteFile, FilingPackageError
from ledgergraph.objectstore import LocalObjectStore, S3ObjectStore
from localrun.aws import fake_aws_environment
from tests.fakes.edgar_server import FakeEdgar, Fault, Package, bundled_packages
from tests.fakes.network_guard import loopback_only

TESLA_10Q = "0001628280-24-032662"
TESLA_INSTANCE = "tsla-20240630_htm.xml"
APPLE_10K = "0000320193-23-000106"
APPLE_INSTANCE = "aapl-20230930_htm.xml"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture
def packages() -> list[Package]:
    return bundled_packages(SEC_PACKAGES)


def package(packages: list[Package], accession: str) -> Package:
    return next(p for p in packages if p.accession == accession)


def test_a_file_cut_off_in_transit_is_never_written_to_the_store(
    tmp_path: Path, packages: list[Package]
) -> None:
    tesla = package(packages, TESLA_10Q)
    whole = tesla.files[TESLA_INSTANCE].read_bytes()
    store = LocalObjectStore(tmp_path / "store")
    prefix = f"raw/sec/1318605/{TESLA_10Q}/"

    with FakeEdgar() as fake:
        fake.add_package(tesla)
        fake.script(f"/{TESLA_INSTANCE}$", Fault(200, whole[:1000], "application/xml"))
        with pytest.raises(EdgarIncompleteFile, match=f"{TESLA_INSTANCE}: EDGAR sent 1000 bytes"):
            download_filing(as_discovered(tesla), client=local_client(fake), store=store)

    keys = list(store.list_keys(prefix))
    assert prefix + TESLA_INSTANCE not in keys and prefix + "download.json" not in keys
    assert prefix + "tsla-20240630.xsd" in keys  # the files before it stay, for no record
    assert list(store.partial_keys(prefix)) == []


def test_a_zip_over_the_package_limit_as_it_unpacks_stores_no_member(
    tmp_path: Path, packages: list[Package]
) -> None:
    tesla = package(packages, TESLA_10Q)
    unpacked = sum(path.stat().st_size for path in tesla.files.values())
    store = LocalObjectStore(tmp_path / "store")

    with FakeEdgar() as fake:
        fake.add_package(tesla, with_zip=True)
        client = local_client(fake, max_package_bytes=unpacked - 1)
        with pytest.raises(FilingPackageError, match=f"unpacks to over {unpacked - 1} bytes"):
            download_filing(as_discovered(tesla), client=client, store=store)

    assert list(store.list_keys("raw/")) == []


@pytest.mark.parametrize("zipped", [False, True], ids=["files", "zip"])
def test_packages_stream_into_s3_with_the_folder_stores_keys(
    tmp_path: Path, packages: list[Package], zipped: bool
) -> None:
    local = LocalObjectStore(tmp_path / "store")
    with fake_aws_environment(), mock_aws(), FakeEdgar() as fake:
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="lg-processed")
        s3.create_bucket(Bucket="lg-raw")
        remote = S3ObjectStore("s3://lg-processed?raw=lg-raw", s3)
        for each in packages:
            fake.add_package(each, with_zip=zipped)
            for store in (local, remote):
                download_filing(as_discovered(each), client=local_client(fake), store=store)

        remote_keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lg-raw")["Contents"]]
        assert remote_keys == list(local.list_keys("raw/"))
        for key in remote_keys:
            if not key.endswith(("download.json", "filing.json")):  # times of day differ
                assert remote.get_bytes(key) == local.get_bytes(key)
        record = json.loads(remote.get_bytes(f"raw/sec/320193/{APPLE_10K}/download.json"))

    assert len(remote_keys) == 5 * 8  # 6 files of a package, filing.json, download.json
    apple = {entry["name"]: entry for entry in record["files"]}[APPLE_INSTANCE]
    data = package(packages, APPLE_10K).files[APPLE_INSTANCE].read_bytes()
    assert (apple["size"], apple["sha256"]) == (1432663, hashlib.sha256(data).hexdigest())
    assert record["entry_point"] == APPLE_INSTANCE


def grown(instance: Path, folder: Path, size: int) -> Path:
    """Apple's real instance grown to ``size`` bytes by a comment after its document element
    that repeats its own text (so the fake's gzip compresses it as it does the real one)."""
    data = instance.read_bytes()
    text = data.replace(b"--", b"- ")
    filler = (text * (size // len(text) + 1))[: size - len(data) - 9]
    path = folder / instance.name
    path.write_bytes(data + b"\n<!--" + filler + b"-->\n")
    return path


def test_a_large_instance_is_never_held_whole(tmp_path: Path, packages: list[Package]) -> None:
    apple = package(packages, APPLE_10K)
    size = 48 << 20
    files = {**apple.files, APPLE_INSTANCE: grown(apple.files[APPLE_INSTANCE], tmp_path, size)}
    store = LocalObjectStore(tmp_path / "store")

    with FakeEdgar() as fake:
        fake.add_package(dataclasses.replace(apple, files=files))
        client = local_client(fake, paced=False)
        url = fake.base_url + f"{apple.folder}/{APPLE_INSTANCE}"
        httpx.get(url, headers={"Accept-Encoding": "gzip"})  # the fake's own copies, first
        tracemalloc.start()
        try:
            outcome = download_filing(as_discovered(apple), client=client, store=store)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    stored = store.get_bytes(f"raw/sec/320193/{APPLE_10K}/{APPLE_INSTANCE}")
    assert (outcome.status, outcome.entry_point, len(stored)) == ("ok", APPLE_INSTANCE, size)
    assert stored == files[APPLE_INSTANCE].read_bytes()
    # a few pieces of 1 MiB (its start for the entry point, gzip decoding): 8 MB measured;
    # the download that held the package held it twice, over 2 * size
    assert peak < size // 4
