"""The stack's three buckets behind one store URI, against moto's S3.

template.yaml gives every process ``s3://<processed>?raw=<raw>&published=<published>``;
``ledgergraph.objectstore`` sends each key to the bucket of its first segment, so the key
layout of DESIGN section 4 holds in one bucket, three buckets or a folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ledgergraph.errors import ObjectNotFound
from ledgergraph.objectstore import S3ObjectStore, open_store, split_uri
from localrun.aws import fake_aws_environment
from localrun.template import load_template

NAMES = {
    "RawBucket": "lg-raw",
    "ProcessedBucket": "lg-processed",
    "PublishedBucket": "lg-published",
}
KEYS = {
    "raw/sec/12927/0000012927-24-000010/ba-20231231_htm.xml": "lg-raw",
    "processed/sec/0000012927-24-000010/Fact.parquet": "lg-processed",
    "work/sec/run-20261205T063000Z-5f2a9c/batch-0000.json": "lg-processed",
    "published/sec/LATEST": "lg-published",
}


def stack_store_uri() -> str:
    """The template's LEDGERGRAPH_STORE_URI with this test's bucket names."""
    value = load_template()["Globals"]["Function"]["Environment"]["Variables"]
    uri = value["LEDGERGRAPH_STORE_URI"]["Fn::Sub"]
    for logical_id, name in NAMES.items():
        uri = uri.replace("${" + logical_id + "}", name)
    return uri


@pytest.fixture
def s3() -> Iterator[Any]:
    with fake_aws_environment(), mock_aws():
        client = boto3.client("s3")
        for name in NAMES.values():
            client.create_bucket(Bucket=name)
        yield client


def bucket_keys(s3: Any, bucket: str) -> list[str]:
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_each_key_lands_in_the_bucket_of_its_first_segment(s3) -> None:
    store = open_store(stack_store_uri(), s3_client=s3)

    for key in KEYS:
        store.put_bytes(key, key.encode())

    for key, bucket in KEYS.items():
        assert key in bucket_keys(s3, bucket)
        assert store.uri(key) == f"s3://{bucket}/{key}"
        assert store.get_bytes(key) == key.encode()
        assert store.exists(key)
    assert sorted(store.list_keys("")) == sorted(KEYS)
    assert list(store.list_keys("published/")) == ["published/sec/LATEST"]


def test_a_prefix_applies_in_every_bucket(s3) -> None:
    store = open_store("s3://lg-processed/lg?raw=lg-raw", s3_client=s3)

    store.put_bytes("raw/sec/1/a.xml", b"a")
    store.put_bytes("work/sec/r/b.json", b"b")

    assert bucket_keys(s3, "lg-raw") == ["lg/raw/sec/1/a.xml"]
    assert bucket_keys(s3, "lg-processed") == ["lg/work/sec/r/b.json"]
    assert sorted(store.list_keys("")) == ["raw/sec/1/a.xml", "work/sec/r/b.json"]


def test_registered_file_uris_stay_inside_the_base_store(s3) -> None:
    store = open_store(stack_store_uri(), s3_client=s3)
    uri = store.put_bytes("processed/sec/0000012927-24-000010/Fact.parquet", b"x")

    assert isinstance(store, S3ObjectStore) and store.base_uri == "s3://lg-processed"
    assert split_uri(uri, {store.base_uri: store}) == (
        store,
        "processed/sec/0000012927-24-000010/Fact.parquet",
    )
    with pytest.raises(ObjectNotFound, match="s3://lg-published/published/sec/LATEST"):
        store.get_bytes("published/sec/LATEST")


@pytest.mark.parametrize(
    "uri",
    ["s3://b?raw=Bad_Bucket", "s3://b?Raw=bucket-a", "s3://b?raw", "s3://b?raw=a&x"],
)
def test_a_malformed_bucket_route_is_refused(uri: str) -> None:
    with pytest.raises(ValueError):
        open_store(uri, s3_client=object())
