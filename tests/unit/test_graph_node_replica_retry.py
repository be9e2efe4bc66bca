"""A replica's boot when the store fails to give an object: a transient failure (a read
error, a connection reset) is retried with a doubling wait, then stops the boot naming the
snapshot, the object and the cause; a lasting refusal is not retried."""

from __future__ import annotations

import errno
import io
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError
from test_graph_node_damaged import publish_both
from test_graph_node_replica_boot import served_facts

import graph_node.__main__ as node_main
from graph_node.errors import SnapshotUnavailable, StoreRefused
from graph_node.replica import StoreRetry, fetch_latest
from graph_node.settings import NodeSettings
from ledgergraph.objectstore import LocalObjectStore, S3ObjectStore

BUCKET = "published-bucket"
RESET = ConnectionClosedError(endpoint_url=f"https://{BUCKET}.s3.amazonaws.com/")


class NoSuchKey(ClientError):
    """What boto3's ``client.exceptions.NoSuchKey`` is: a ClientError of that code."""


class FlakyS3Client:
    """The few calls of a boto3 S3 client a replica makes, over a local folder; a read of
    a key named in ``failures`` raises the next error queued for it (``None``: no more)."""

    class exceptions:  # noqa: N801 - the attribute boto3 clients carry
        NoSuchKey = NoSuchKey

    def __init__(self, root: Path, failures: dict[str, list[Exception]]) -> None:
        self.root = root
        self.failures = failures
        self.reads: Counter[str] = Counter()

    def _read(self, key: str) -> Path:
        self.reads[key] += 1
        queued = self.failures.get(key.rsplit("/", 1)[-1], [])
        if queued:
            raise queued.pop(0)
        path = self.root / key
        if not path.is_file():
            raise NoSuchKey({"Error": {"Code": "NoSuchKey"}}, "GetObject")
        return path

    def get_object(self, *, Bucket: str, Key: str) -> dict[str, Any]:  # noqa: N803
        return {"Body": io.BytesIO(self._read(Key).read_bytes())}

    def download_file(self, bucket: str, key: str, target: str) -> None:
        shutil.copyfile(self._read(key), target)


class Waits:
    """A ``StoreRetry.sleep`` that records the waits instead of sleeping."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A store holding one snapshot of Boeing's and Amazon's hand-made filings, and its id."""
    store, answer = publish_both(tmp_path_factory.mktemp("writer"))
    return store, answer["snapshot_id"]


def s3_store(published: tuple[Path, str], failures: dict[str, list[Exception]]) -> Any:
    return S3ObjectStore(f"s3://{BUCKET}", FlakyS3Client(published[0], failures))


def test_a_connection_reset_on_the_graph_file_is_retried_and_the_snapshot_served(
    published: tuple[Path, str], tmp_path: Path
) -> None:
    store = s3_store(published, {"graph.lbug": [RESET, RESET]})
    waits = Waits()

    snapshot = fetch_latest(store, "sec", tmp_path, retry=StoreRetry(sleep=waits))

    assert snapshot.snapshot_id == published[1]
    assert store.client.reads[f"published/sec/{published[1]}/graph.lbug"] == 3
    assert waits.seconds == [0.5, 1.0]
    assert served_facts(snapshot, tmp_path) == [[5]]


def test_a_store_that_keeps_failing_stops_the_boot_naming_snapshot_object_and_cause(
    published: tuple[Path, str], tmp_path: Path
) -> None:
    store = s3_store(published, {"staging.duckdb": [RESET] * 4})
    waits = Waits()

    with pytest.raises(SnapshotUnavailable) as failed:
        fetch_latest(store, "sec", tmp_path, retry=StoreRetry(sleep=waits))

    snapshot = published[1]
    assert str(failed.value) == (
        f"snapshot {snapshot} of graph sec: reading s3://{BUCKET}/published/sec/{snapshot}/"
        f"staging.duckdb: ConnectionClosedError: {RESET}; failed 4 times"
    )
    assert waits.seconds == [0.5, 1.0, 2.0]
    assert list((tmp_path / "sec").iterdir()) == []  # no .partial folder left


def test_a_lasting_refusal_is_not_retried(published: tuple[Path, str], tmp_path: Path) -> None:
    denied = ClientError({"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}, "Get")
    store = s3_store(published, {"graph.lbug": [denied]})
    waits = Waits()

    with pytest.raises(StoreRefused) as refused:
        fetch_latest(store, "sec", tmp_path, retry=StoreRetry(sleep=waits))

    key = f"published/sec/{published[1]}/graph.lbug"
    assert str(refused.value) == (
        f"snapshot {published[1]} of graph sec: reading s3://{BUCKET}/{key}: ClientError: "
        "An error occurred (AccessDenied) when calling the Get operation: Access Denied; "
        "not retried"
    )
    assert store.client.reads[key] == 1 and waits.seconds == []


class BrokenLatestStore(LocalObjectStore):
    """A file:// store whose LATEST cannot be read the first ``failures`` times (EIO)."""

    def __init__(self, root: Path, failures: int) -> None:
        super().__init__(root)
        self.failures = failures

    def get_bytes(self, key: str) -> bytes:
        if key.endswith("/LATEST") and self.failures:
            self.failures -= 1
            raise OSError(errno.EIO, "Input/output error", str(self.path(key)))
        return super().get_bytes(key)


def test_a_read_error_on_latest_of_a_file_store_is_retried(
    published: tuple[Path, str], tmp_path: Path
) -> None:
    store = BrokenLatestStore(published[0], failures=1)
    waits = Waits()

    snapshot = fetch_latest(store, "sec", tmp_path, retry=StoreRetry(sleep=waits))

    assert (snapshot.snapshot_id, waits.seconds) == (published[1], [0.5])


def test_serve_replica_exits_3_with_one_line_after_waiting_out_the_retries(
    published: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The default retry really waits (0.5 + 1 + 2 s) before the boot gives up."""
    store = BrokenLatestStore(published[0], failures=4)
    monkeypatch.setattr(node_main, "open_store", lambda uri: store)
    settings = NodeSettings(home=tmp_path, read_only=True, events="none")

    started = time.monotonic()
    code = node_main._serve(settings, None)
    waited = time.monotonic() - started

    latest = store.path("published/sec/LATEST")
    assert code == node_main.EXIT_SNAPSHOT_INVALID == 3
    # the last line; before it, the node's JSON log lines when a test before sent them here
    *logged, last = capsys.readouterr().err.splitlines()
    assert last == (
        f"replica not started: LATEST of graph sec: reading {latest.as_uri()}: OSError: "
        f"[Errno 5] Input/output error: '{latest}'; failed 4 times"
    )
    assert all(line.startswith('{"level":') for line in logged)
    assert 3.5 <= waited < 10
    assert not (tmp_path / "replica" / "sec").exists()


@pytest.mark.parametrize("graph_id", ["SEC/../x", "sec/../sec", "Sec"])
def test_a_replica_graph_that_is_no_graph_id_exits_3_naming_the_rule(
    published: tuple[Path, str],
    graph_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Refused before any key is made of it, even one that would lead to a real snapshot,
    and before the good graph named first is downloaded."""
    store = LocalObjectStore(published[0])
    monkeypatch.setattr(node_main, "open_store", lambda uri: store)
    settings = NodeSettings(
        home=tmp_path, read_only=True, events="none", replica_graphs=["sec", graph_id]
    )

    code = node_main._serve(settings, None)

    assert code == node_main.EXIT_SNAPSHOT_INVALID == 3
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"replica not started: invalid graph id {graph_id!r} for a replica to serve "
        "(--graph, LEDGERGRAPH_REPLICA_GRAPHS): must match ^[a-z][a-z0-9_-]{0,62}$"
    )
    assert not (tmp_path / "replica").exists()  # sec, the good graph, was not downloaded
