"""Streamed writes (``put_stream``): atomic on the folder store and on S3 (moto's), as
``put_bytes`` is, and nothing left behind by a stream that fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ledgergraph.objectstore import STREAM_PART_BYTES, LocalObjectStore, S3ObjectStore
from localrun.aws import fake_aws_environment

APPLE_INSTANCE = (
    Path(__file__).parents[2] / "sample_data/sec/aapl-10k-2023-09-30/aapl-20230930_htm.xml"
)
KEY = "raw/sec/320193/0000320193-23-000106/aapl-20230930_htm.xml"
BUCKET = "lg-raw"


class CutOff(Exception):
    """What a download cut off in transit raises in the middle of its chunks."""


def pieces(data: bytes, size: int = 64 << 10) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def cut_off(data: bytes, after: int) -> Iterator[bytes]:
    yield from pieces(data[:after])
    raise CutOff


@pytest.fixture
def instance() -> bytes:
    return APPLE_INSTANCE.read_bytes()


@pytest.fixture
def s3() -> Iterator[Any]:
    with fake_aws_environment(), mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_a_streamed_write_lands_whole_in_the_folder_store(tmp_path: Path, instance) -> None:
    store = LocalObjectStore(tmp_path)

    uri = store.put_stream(KEY, pieces(instance))

    assert uri == store.uri(KEY) and store.get_bytes(KEY) == instance
    assert len(instance) == 1432663 and list(store.partial_keys("raw/")) == []


def test_a_stream_cut_off_leaves_the_folder_store_as_it_was(tmp_path: Path, instance) -> None:
    store = LocalObjectStore(tmp_path)
    store.put_bytes(KEY, b"an older attempt's copy")

    with pytest.raises(CutOff):
        store.put_stream(KEY, cut_off(instance, len(instance) // 2))
    with pytest.raises(CutOff):
        store.put_stream(KEY + ".new", cut_off(instance, 1000))

    assert store.get_bytes(KEY) == b"an older attempt's copy"
    assert list(store.list_keys("raw/")) == [KEY]
    assert list(store.partial_keys("raw/")) == []  # no temporary file waits for a sweep


def test_a_small_stream_is_one_put_on_s3(s3, instance) -> None:
    store = S3ObjectStore(f"s3://{BUCKET}", s3)

    assert store.put_stream(KEY, pieces(instance)) == f"s3://{BUCKET}/{KEY}"

    assert store.get_bytes(KEY) == instance
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_a_large_stream_is_a_multipart_upload_on_s3(s3, instance) -> None:
    store = S3ObjectStore(f"s3://{BUCKET}", s3)
    data = instance * 8  # 11.5 MB: one part of 8 MiB, then the rest

    store.put_stream(KEY, pieces(data))

    head = s3.head_object(Bucket=BUCKET, Key=KEY)
    assert head["ContentLength"] == 11461304 and head["ETag"].endswith('-2"')  # two parts
    assert len(data) > STREAM_PART_BYTES and store.get_bytes(KEY) == data


@pytest.mark.parametrize("after", [1000, 9 << 20])  # before a part is sent, then after one
def test_a_stream_cut_off_leaves_nothing_on_s3(s3, instance, after: int) -> None:
    store = S3ObjectStore(f"s3://{BUCKET}", s3)

    with pytest.raises(CutOff):
        store.put_stream(KEY, cut_off(instance * 8, after))

    assert not store.exists(KEY)
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []  # aborted
