"""The graph node as a local process on 127.0.0.1, for as long as a run needs it.

The node is told our pid (LEDGERGRAPH_PARENT_PID) and stops when we die, however we die,
so a killed run never leaves a node holding its home's files.

``python -m graph_node serve --port 0 --port-file PATH`` picks a free port and writes it to
PATH once it listens; we wait for that and for ``/status`` to answer, yield the base URL,
and stop the process with SIGTERM (SIGKILL only if it does not go within the grace time).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from localrun.errors import GraphNodeStartError

HOST = "127.0.0.1"
_POLL_S = 0.05


def serve_command(home: Path, port_file: Path) -> list[str]:
    """The node's own entry point, bound to loopback on a port it picks."""
    return [
        sys.executable,
        "-m",
        "graph_node",
        "serve",
        "--host",
        HOST,
        "--port",
        "0",
        "--port-file",
        str(port_file),
        "--home",
        str(home),
    ]


def _log_tail(log_path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _read_port(port_file: Path) -> int | None:
    try:
        text = port_file.read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _status_ok(url: str) -> bool:
    try:
        return httpx.get(f"{url}/status", timeout=2.0, trust_env=False).status_code == 200
    except httpx.HTTPError:
        return False


def wait_until_serving(
    process: subprocess.Popen, port_file: Path, log_path: Path, timeout_s: float
) -> str:
    """Poll for the port file, then for /status; returns the base URL."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise GraphNodeStartError(
                f"graph node exited with {process.returncode}:\n{_log_tail(log_path)}"
            )
        port = _read_port(port_file)
        if port and _status_ok(f"http://{HOST}:{port}"):
            return f"http://{HOST}:{port}"
        time.sleep(_POLL_S)
    raise GraphNodeStartError(f"graph node not serving after {timeout_s} s:\n{_log_tail(log_path)}")


def stop(process: subprocess.Popen, *, grace_s: float = 15.0) -> None:
    """SIGTERM, wait, then SIGKILL if it is still there."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=grace_s)


@contextmanager
def graph_node_process(
    *,
    home: Path,
    api_key: str | None = None,
    store_uri: str | None = None,
    log_path: Path | None = None,
    command: Sequence[str] | None = None,
    startup_timeout_s: float = 60.0,
) -> Iterator[str]:
    """Run a graph node over ``home`` and yield its URL (``http://127.0.0.1:PORT``).

    ``command`` replaces the entry point (tests use a stub); it gets the same arguments
    after the program name is swapped, so it must accept ``--port-file``.
    """
    home.mkdir(parents=True, exist_ok=True)
    log_path = log_path or home / "logs" / "graph-node.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env |= {"LEDGERGRAPH_HOME": str(home), "LEDGERGRAPH_PARENT_PID": str(os.getpid())}
    env |= {"LEDGERGRAPH_API_KEY": api_key} if api_key else {}
    env |= {"LEDGERGRAPH_STORE_URI": store_uri} if store_uri else {}
    with tempfile.TemporaryDirectory(prefix="graph-node-") as folder:
        port_file = Path(folder) / "port"
        argv = serve_command(home, port_file)
        if command is not None:
            argv = [*command, *argv[3:]]
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            yield wait_until_serving(process, port_file, log_path, startup_timeout_s)
        finally:
            stop(process)
