"""Publishes that overlap, and publishes the store refuses: every snapshot that is answered
for validates, and a refusal says its cause in the answer and is not retried."""

from __future__ import annotations

import errno
import json
import threading
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient
from moto import mock_aws
from test_graph_node_cases import BOEING_10K, boeing_facts, load_case_filing

from graph_node.errors import EngineUnavailable, StoreRefused, http_status, is_transient
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from graph_node.snapshots import SnapshotManifest, store_failure, verify_snapshot
from ledgergraph.objectstore import LocalObjectStore, S3ObjectStore
from localrun.aws import fake_aws_environment

KEY = "publish-test-key"


def publish_at_once(node: GraphService, times: int) -> list[dict[str, Any] | Exception]:
    """``times`` publishes of graph sec started together, each in its own thread."""
    start = threading.Barrier(times)
    outcomes: list[dict[str, Any] | Exception] = [RuntimeError("did not finish")] * times

    def publish(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = node.publish("sec")
        except Exception as exc:  # noqa: BLE001  the test asserts on what each one got
            outcomes[index] = exc

    threads = [threading.Thread(target=publish, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    return outcomes


def test_four_publishes_at_once_all_succeed_and_every_snapshot_validates(
    tmp_path: Path,
) -> None:
    node = GraphService(NodeSettings(home=tmp_path, keep_snapshots=4, events="none"))
    try:
        load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
        outcomes = publish_at_once(node, 4)
    finally:
        node.close()
    store = LocalObjectStore(tmp_path / "store")
    latest = json.loads(store.get_bytes("published/sec/LATEST"))

    assert all(isinstance(o, dict) for o in outcomes), outcomes
    ids = sorted(o["snapshot_id"] for o in outcomes)
    assert len(set(ids)) == 4
    assert latest["snapshot_id"] == ids[-1]  # LATEST never moves back to an older one
    for answer in outcomes:
        manifest = SnapshotManifest.model_validate_json(store.get_bytes(answer["manifest_key"]))
        verify_snapshot(store.path(f"published/sec/{answer['snapshot_id']}"), manifest)
        assert manifest.tables["Fact"] == 3 and manifest.source_units == [BOEING_10K]
    assert not (tmp_path / "graphs" / "sec" / "publish").exists()  # each removed its work


@pytest.fixture
def refusing_store(tmp_path: Path) -> GraphService:
    """A node over Boeing's filing whose publish store has a file where ``published/`` goes."""
    node = GraphService(NodeSettings(home=tmp_path, api_key=KEY, events="none"))
    load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
    (tmp_path / "store" / "published").write_text("not a folder")
    return node


def test_a_publish_the_store_refuses_names_the_cause_and_is_not_transient(
    refusing_store: GraphService, tmp_path: Path
) -> None:
    try:
        with pytest.raises(StoreRefused) as refused:
            refusing_store.publish("sec")
        answer = TestClient(create_app(refusing_store)).post(
            "/databases/sec/publish", headers={"X-Api-Key": KEY}
        )
    finally:
        refusing_store.close()

    cause = (
        "publishing graph sec: NotADirectoryError: [Errno 20] Not a directory: "
        f"'{tmp_path / 'store' / 'published' / 'sec'}/"  # the new snapshot's folder follows
    )
    assert str(refused.value).startswith(cause)
    assert (http_status(refused.value), is_transient(refused.value)) == (500, False)
    error = answer.json()["error"]
    assert (answer.status_code, error["type"], error["transient"]) == (500, "StoreRefused", False)
    assert error["message"].startswith(cause)
    assert not (tmp_path / "graphs" / "sec" / "publish").exists()


def test_a_full_disk_is_worth_a_retry_and_a_refused_permission_is_not() -> None:
    full = OSError(errno.ENOSPC, "No space left on device", "/srv/graphs/sec/publish/x")
    denied = PermissionError(errno.EACCES, "Permission denied", "/srv/store/published/sec")

    retried = store_failure(full, what="publishing graph sec")
    refused = store_failure(denied, what="publishing graph sec")

    assert isinstance(retried, EngineUnavailable) and is_transient(retried)
    assert str(retried) == (
        "publishing graph sec: OSError: [Errno 28] No space left on device: "
        "'/srv/graphs/sec/publish/x'"
    )
    assert isinstance(refused, StoreRefused) and not is_transient(refused)
    assert str(refused) == (
        "publishing graph sec: PermissionError: [Errno 13] Permission denied: "
        "'/srv/store/published/sec'"
    )


def test_a_publish_to_a_bucket_that_is_not_there_is_refused_naming_it(tmp_path: Path) -> None:
    with fake_aws_environment(), mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        bucket = S3ObjectStore("s3://published-bucket-that-is-not-there", client)
        node = GraphService(NodeSettings(home=tmp_path, events="none"), publish_store=bucket)
        try:
            load_case_filing(node, tmp_path / "store", BOEING_10K, boeing_facts())
            with pytest.raises(StoreRefused) as refused:
                node.publish("sec")
        finally:
            node.close()

    message = str(refused.value)
    assert message.startswith("publishing graph sec: S3UploadFailedError: Failed to upload ")
    assert "to published-bucket-that-is-not-there/published/sec/" in message
    assert "(NoSuchBucket)" in message
    assert not (tmp_path / "graphs" / "sec" / "publish").exists()


def test_s3_throttling_is_worth_a_retry() -> None:
    throttled = ClientError(
        {"Error": {"Code": "SlowDown", "Message": "Please reduce your request rate."}},
        "PutObject",
    )

    failure = store_failure(throttled, what="publishing graph sec")

    assert isinstance(failure, EngineUnavailable)
    assert str(failure) == (
        "publishing graph sec: ClientError: An error occurred (SlowDown) when calling the "
        "PutObject operation: Please reduce your request rate."
    )
    assert store_failure(ValueError("not a store failure"), what="publishing") is None
