"""Shared cases of the graph node's end-to-end tests (no tests here).

- ``processed_store()``: the bundled real filings of ``sample_data/sec`` processed once per
  test run by ``python -m xbrl_task`` into an object store folder.
- ``NodeProcess``: a real ``python -m graph_node serve`` on 127.0.0.1 that a test can kill.
- ``load_filing``: the pipeline's loading steps over HTTP (register, stage, materialize
  every table in load order), as the state machine runs them.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from graph_node.faults import MARKER_NAME
from ledgergraph.errors import LedgerGraphError
from ledgergraph.graph_client import GraphClient
from ledgergraph.graph_schema import LOAD_ORDER
from localrun.graph_node_process import serve_command, wait_until_serving

REPO = Path(__file__).resolve().parents[2]
SAMPLE_SEC = REPO / "sample_data" / "sec"
KEY = "integration-key-not-a-secret"
BOEING = "0000012927-24-000010"
AMAZON = "0001018724-23-000004"
APPLE = "0000320193-23-000106"
_LOCK = threading.Lock()


@cache
def processed_store() -> Path:
    """An object store folder holding every bundled filing, processed (once per run)."""
    with _LOCK:
        root = Path(tempfile.mkdtemp(prefix="graph-filings-"))
        atexit.register(shutil.rmtree, root, True)
        packages = [a for p in sorted(SAMPLE_SEC.iterdir()) if p.is_dir()
                    for a in ("--package", str(p))]  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "xbrl_task", *packages, "--out", str(root / "store")],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO,
        )  # fmt: skip
        return root / "store"


def copy_store(target: Path) -> Path:
    """A private copy of the processed store under ``target`` (nodes confine URIs to it)."""
    shutil.copytree(processed_store(), target / "store")
    return target / "store"


def manifest(store: Path, unit: str) -> dict[str, Any]:
    return json.loads((store / "processed" / "sec" / unit / "manifest.json").read_text())


def register_entries(store: Path, unit: str) -> list[dict[str, Any]]:
    """What the pipeline registers for one filing: its non-empty table files."""
    return [
        {"table": t["table"], "uri": (store / t["key"]).resolve().as_uri(),
         "source_unit": unit, "row_count": t["rows"], "checksum": t["checksum"]}
        for t in manifest(store, unit)["tables"] if t["rows"]
    ]  # fmt: skip


def register_and_stage(client: Any, store: Path, unit: str) -> dict[str, str]:
    """Register and stage one filing; its file ids by table."""
    files = client.register_files("sec", register_entries(store, unit))["files"]
    ids = {f["table"]: f["file_id"] for f in files}
    client.stage_files("sec", list(ids.values()))
    return ids


def materialize_all(client: Any, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """Materialize every table of a filing in load order; the answers by table."""
    return {t: client.materialize("sec", t, [ids[t]]) for t in LOAD_ORDER if t in ids}


def materialize_together(client: Any, ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """``materialize_all`` in one request (``POST .../tables/materialize``)."""
    calls = [(t, [ids[t]]) for t in LOAD_ORDER if t in ids]
    answer = client.materialize_tables("sec", calls)
    assert answer["stopped"] is None, answer["stopped"]
    return {r["table"]: r for r in answer["results"]}


def load_filing(
    client: Any, store: Path, unit: str, *, together: bool = False
) -> dict[str, dict[str, Any]]:
    ids = register_and_stage(client, store, unit)
    return (materialize_together if together else materialize_all)(client, ids)


class NodeProcess:
    """``python -m graph_node serve`` on 127.0.0.1 over ``home``, startable and killable."""

    def __init__(self, home: Path, store: Path, **env: str) -> None:
        self.home, self.store, self.env = home, store, env
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, *args: str, **env: str) -> NodeProcess:
        port_file = self.home / f"port-{os.getpid()}"
        port_file.unlink(missing_ok=True)
        environment = {**os.environ, "LEDGERGRAPH_HOME": str(self.home),
                       "LEDGERGRAPH_API_KEY": KEY, "POWERTOOLS_LOG_LEVEL": "WARNING",
                       "LEDGERGRAPH_STORE_URI": self.store.resolve().as_uri(),
                       "LEDGERGRAPH_EVENTS": "jsonl", **self.env, **env}  # fmt: skip
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / "node.log").open("ab")
        self.process = subprocess.Popen(
            [*serve_command(self.home, port_file), *args],
            env=environment, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        log.close()
        self.url = wait_until_serving(self.process, port_file, self.home / "node.log", 120)
        return self

    def client(self, *, timeout_s: float = 300.0) -> GraphClient:
        return GraphClient(self.url, api_key=KEY, timeout_s=timeout_s)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no checkpoint, nothing flushed."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def load_in_background(self, load: Callable[[GraphClient], object]) -> threading.Thread:
        """Run ``load`` with a client on a thread; its failure when the node is killed under
        it is expected."""

        def run() -> None:
            try:
                with self.client() as client:
                    load(client)
            except LedgerGraphError:
                pass

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def kill_at_pause(self, pause_at: str, load: Callable[[GraphClient], object]) -> None:
        """Start with ``LEDGERGRAPH_TEST_PAUSE_AT=pause_at``, run ``load`` until the node
        stops there (it writes its marker file), then SIGKILL it."""
        self.start(LEDGERGRAPH_TEST_PAUSE_AT=pause_at)
        self.load_in_background(load)
        marker, deadline = self.home / MARKER_NAME, time.monotonic() + 300
        while not marker.exists():
            assert time.monotonic() < deadline, f"pause point never reached:\n{self.log_tail()}"
            time.sleep(0.05)
        self.kill()
        marker.unlink()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.kill()

    def log_tail(self, lines: int = 30) -> str:
        text = (self.home / "node.log").read_text(errors="replace")
        return "\n".join(text.splitlines()[-lines:])
