"""Temporary files of killed local object store writes: kept while their writer lives,
removed by a writer node's sweep once it is gone (real processes, real locks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from graph_node.service import ABANDONED_WRITE_AGE_S, GraphService
from graph_node.settings import NodeSettings
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.runs import new_run_id, raw_page_key, sync_state_key
from localrun.graph_node_process import graph_node_process, node_log_path

REALM = "9341457021722202"  # the bundled Intuit sandbox company
INVOICES = Path(__file__).parents[2] / "sample_data/quickbooks/sandbox-company-a/Invoice.json"

# Writes the key, then stops before the rename and waits, as a writer cut short would.
_WRITER = """
import sys, time
from pathlib import Path
import ledgergraph.objectstore as objectstore

def stall(source, target):
    print("written", flush=True)
    time.sleep(600)

objectstore.os.replace = stall
store = objectstore.LocalObjectStore(Path(sys.argv[1]))
store.put_bytes(sys.argv[2], Path(sys.argv[3]).read_bytes())
"""


def _stalled_writer(store: Path, key: str, source: Path) -> subprocess.Popen[str]:
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(store), key, str(source)],
        stdout=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    assert writer.stdout is not None and writer.stdout.readline() == "written\n"
    return writer


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_killed_write_is_removed_once_its_writer_is_gone_never_before(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    key = raw_page_key(REALM, "Invoice", new_run_id(REALM), 1)
    node = GraphService(NodeSettings(home=tmp_path, events="none"))
    writer = _stalled_writer(store.root, key, INVOICES)
    try:
        (leftover,) = store.path(key).parent.glob(".tmp-*")
        _age(leftover, ABANDONED_WRITE_AGE_S + 60)
        while_writing = node.remove_abandoned_writes()  # old, but its writer holds it
        size = leftover.stat().st_size
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    too_young = leftover.with_name(".tmp-killed-a-minute-ago")
    too_young.write_bytes(INVOICES.read_bytes())
    _age(too_young, 60)
    swept = node.remove_abandoned_writes()

    assert writer.returncode == -signal.SIGKILL
    assert while_writing == [] and size == INVOICES.stat().st_size
    assert swept == [store.uri(leftover.relative_to(store.root).as_posix())]
    assert not leftover.exists() and too_young.exists()
    assert not store.exists(key) and list(store.list_keys("raw/")) == []


def test_a_writer_node_sweeps_its_store_at_boot(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    key = raw_page_key(REALM, "Invoice", new_run_id(REALM), 1)
    writer = _stalled_writer(store.root, key, INVOICES)
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    (leftover,) = store.path(key).parent.glob(".tmp-*")
    _age(leftover, ABANDONED_WRITE_AGE_S + 60)

    with graph_node_process(home=tmp_path):
        log = node_log_path(tmp_path).read_text()

    assert not leftover.exists()
    assert "abandoned writes removed" in log and leftover.name in log


def test_a_replica_removes_nothing_from_the_store_it_reads(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path / "store")
    store.put_bytes(sync_state_key(REALM), b"{}")
    leftover = store.path(sync_state_key(REALM)).with_name(".tmp-killed")
    leftover.write_bytes(b"{")
    _age(leftover, ABANDONED_WRITE_AGE_S + 60)
    replica = GraphService(NodeSettings(home=tmp_path, read_only=True, events="none"))

    assert replica.remove_abandoned_writes() == []
    assert leftover.exists()
