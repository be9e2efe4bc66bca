"""The graph node as a local process on 127.0.0.1, for as long as a run needs it.

The node is told our pid (LEDGERGRAPH_PARENT_PID) and stops when we die, however we die,
so a killed run never leaves a node holding its home's files.

``python -m graph_node serve --port 0 --port-file PATH`` picks a free port and writes it to
PATH once it listens; we wait for that and for ``/status`` to answer, yield the base URL,
and stop the process with SIGTERM (SIGKILL only if it does not go within the grace time).
A node that exits before it serves is reported with this start's own log lines (the log
file is shared by every run over the home) and, when it died of a signal, what to do.
A run that needs a graph the node found damaged stops before it starts, naming the fix.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from graph_node.errors import GraphDamaged, StagingDamaged
from graph_node.staging_db import staging_fix
from localrun.errors import GraphNodeStartError

HOST = "127.0.0.1"
_POLL_S = 0.05


def node_log_path(home: Path) -> Path:
    """The graph node's log file under ``home``, shared by every node that works on it."""
    return home / "logs" / "graph-node.log"


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


def _log_tail(log_path: Path, lines: int = 20, *, offset: int = 0) -> str:
    """The last ``lines`` lines written to ``log_path`` after byte ``offset``."""
    try:
        with log_path.open("rb") as log:
            log.seek(offset)
            text = log.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _log_size(log_path: Path) -> int:
    try:
        return log_path.stat().st_size
    except FileNotFoundError:
        return 0


def _exit_message(returncode: int, home: Path | None) -> str:
    """Why the node exited, and for a native crash what to do about it."""
    message = _ending(returncode)
    if returncode >= 0:
        return message
    message += " (a native crash of the graph engine)"
    opening = sorted(home.glob("graphs/*/graph.lbug.opening")) if home else []
    if opening:
        graph_file = opening[0].with_suffix("")
        message += (
            f" opening graph file {graph_file}; the next start checks that file in a child "
            "process and reports it if it is damaged; `ledgergraph rebuild --home "
            f"{home} --graph {graph_file.parent.name}` rebuilds it from staging"
        )
    return message


def _ending(returncode: int) -> str:
    """How the node process ended, in words: ``graph node died of SIGKILL``.

    The node exits 0 only when a SIGINT or SIGTERM shut it down cleanly (``graph_node
    serve``), e.g. a Ctrl-C meant for a run started in the background, which ignores SIGINT
    itself: that node was stopped, not crashed.
    """
    if returncode == 0:
        return "graph node stopped (exit status 0: a SIGINT or SIGTERM shut it down)"
    if returncode > 0:
        return f"graph node exited with status {returncode}"
    try:
        return f"graph node died of {signal.Signals(-returncode).name}"
    except ValueError:
        return f"graph node died of signal {-returncode}"


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
    process: subprocess.Popen,
    port_file: Path,
    log_path: Path,
    timeout_s: float,
    *,
    log_offset: int = 0,
    home: Path | None = None,
) -> str:
    """Poll for the port file, then for /status; returns the base URL.

    ``log_offset`` is where this start's lines begin in ``log_path``; ``home`` lets a
    native crash name the graph file the node died opening.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = _log_tail(log_path, offset=log_offset)
            message = _exit_message(process.returncode, home)
            raise GraphNodeStartError(f"{message}; its log:\n{tail}" if tail else message)
        port = _read_port(port_file)
        if port and _status_ok(f"http://{HOST}:{port}"):
            return f"http://{HOST}:{port}"
        time.sleep(_POLL_S)
    tail = _log_tail(log_path, offset=log_offset)
    raise GraphNodeStartError(f"graph node not serving after {timeout_s} s:\n{tail}")


def refuse_damaged(url: str, graph_ids: Sequence[str], home: Path) -> None:
    """GraphDamaged, naming the file and the fix, if the node found one of these damaged."""
    damaged = httpx.get(f"{url}/status", timeout=10.0, trust_env=False).json().get("damaged")
    for graph_id in graph_ids:
        if damaged and damaged.get(graph_id, "").startswith("staging file "):
            staging = home / "graphs" / graph_id / "staging.duckdb"
            reason = damaged[graph_id]
            raise StagingDamaged(f"{reason}; {staging_fix(staging)}", reason=reason)
        if damaged and graph_id in damaged:
            graph_file = home / "graphs" / graph_id / "graph.lbug"
            raise GraphDamaged(
                f"graph {graph_id!r}: graph file {graph_file} is damaged ({damaged[graph_id]}); "
                f"rebuild it from staging with `ledgergraph rebuild --home {home} --graph "
                f"{graph_id}`, then run again"
            )


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
    graph_ids: Sequence[str] = (),
    deaths: list[str] | None = None,
) -> Iterator[str]:
    """Run a graph node over ``home`` and yield its URL (``http://127.0.0.1:PORT``).

    ``command`` replaces the entry point (tests use a stub); it gets the same arguments
    after the program name is swapped, so it must accept ``--port-file``. GraphDamaged
    stops the run at once if the node found one of ``graph_ids`` damaged. A node that
    ends while it serves (killed, crashed, or stopped by a signal the run did not get) has
    how appended to ``deaths``.
    """
    home.mkdir(parents=True, exist_ok=True)
    log_path = log_path or node_log_path(home)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env |= {"LEDGERGRAPH_HOME": str(home), "LEDGERGRAPH_PARENT_PID": str(os.getpid())}
    env |= {"LEDGERGRAPH_API_KEY": api_key} if api_key else {}
    env |= {"LEDGERGRAPH_STORE_URI": store_uri} if store_uri else {}
    # The port file is read once the node listens; its folder goes then, so a run killed
    # later (SIGKILL: no clean-up of its own) leaves nothing in the temporary directory.
    with tempfile.TemporaryDirectory(prefix="graph-node-") as folder:
        port_file = Path(folder) / "port"
        argv = serve_command(home, port_file)
        if command is not None:
            argv = [*command, *argv[3:]]
        log_offset = _log_size(log_path)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            url = wait_until_serving(
                process, port_file, log_path, startup_timeout_s, log_offset=log_offset, home=home
            )
        except BaseException:
            stop(process)
            raise
    try:
        refuse_damaged(url, graph_ids, home)
        yield url
        if deaths is not None and process.poll() is not None:
            deaths.append(_ending(process.returncode))
    finally:
        stop(process)
