"""Kill the graph node a local run started, once it holds at a fault point (SIGKILL).

A run started with ``LEDGERGRAPH_FAULT`` set (``graph_node.faults``) holds its node at the
fault point and writes the marker file under the home; the run goes on in a thread here,
the node is killed, and what the run said is returned once it has ended.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from graph_node.faults import MARKER_NAME


def node_children() -> list[int]:
    """The ``graph_node serve`` processes this test process started."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:  # not a process, or gone meanwhile
            continue
        ppid = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("PPid")))
        if ppid == os.getpid() and b"graph_node" in argv and b"serve" in argv:
            found.append(int(entry.name))
    return found


def run_killing_the_node(home: Path, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()`` (a run over ``home``) in a thread; kill its node once it holds at the fault
    point; the run's summary."""
    result: dict[str, Any] = {}
    thread = threading.Thread(target=lambda: result.update(summary=run()))
    thread.start()
    deadline = time.monotonic() + 300
    while not (home / MARKER_NAME).exists():
        assert time.monotonic() < deadline and thread.is_alive(), "fault point never reached"
        time.sleep(0.05)
    for pid in node_children():
        os.kill(pid, signal.SIGKILL)
    thread.join(timeout=300)
    return result["summary"]
