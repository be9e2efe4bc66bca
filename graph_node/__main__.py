"""``python -m graph_node serve``: run the graph node's HTTP server until SIGTERM or Ctrl-C.

With ``--port 0`` the node binds a free port itself and, once it is listening, writes the
port number to ``--port-file`` (atomically), so a parent process can find it. On SIGTERM
the server stops taking requests, lets the running ones finish, then checkpoints and closes
every DuckDB and LadybugDB file before the process exits.

Without ``LEDGERGRAPH_API_KEY`` the node makes a key, writes it to
``{home}/graph-node.key`` (mode 0600) and requires it: no endpoint but /status is ever
open. ``--replica`` first downloads and verifies each graph's LATEST snapshot; a snapshot
that fails its manifest, or that the store cannot give (after retrying a transient failure,
``replica.StoreRetry``), stops the boot with exit status 3 and one line on stderr naming
the snapshot, the object and the cause; so does a ``--graph`` that is not a graph id,
naming the rule. Every ``--graph`` is checked, and its LATEST read, before the first
snapshot is downloaded.
"""

from __future__ import annotations

import os

# DuckDB's allocator (its own jemalloc) keeps the address space of memory it freed, for
# itself: after one staging query built a 700 MB value, 1.3 GiB of the node's address-space
# cap (graph_node.memory) stayed taken, and graph queries failed "bad allocation" until a
# restart. Read once, when DuckDB loads (the imports below): this must come first.
os.environ.setdefault("DUCKDB_JE_MALLOC_CONF", "retain:false")

import argparse
import secrets
import signal
import socket
import string
import sys
import tempfile
import threading
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from pydantic import SecretStr

from graph_node.errors import GraphNotFound, SnapshotInvalid, SnapshotUnavailable, StoreRefused
from graph_node.isolation import WorkerOptions
from graph_node.log import logger
from graph_node.memory import ADDRESS_SPACE
from graph_node.replica import ReplicaSnapshot, check_graph_id, fetch_snapshot, read_latest
from graph_node.server import create_app
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from ledgergraph.file_lock import LockHeld, exclusive_lock
from ledgergraph.objectstore import open_store
from ledgergraph.parent_process import die_with_parent

EXIT_SNAPSHOT_INVALID = 3  # any failed replica boot: a snapshot, the store, a graph id
EXIT_HOME_SERVED = 4  # another node serves the home
NODE_LOCK = "graph-node.lock"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m graph_node")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the Graph API")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="TCP port; 0 picks a free one (default 8000)")
    serve.add_argument("--port-file", type=Path, help="write the bound port here once listening")
    serve.add_argument("--home", type=Path, help="data directory (LEDGERGRAPH_HOME)")
    serve.add_argument("--replica", action="store_true", help="read-only replica mode")
    serve.add_argument(
        "--graph", action="append", help="graph a replica serves (repeatable; default sec)"
    )
    return parser


def settings_from(args: argparse.Namespace) -> NodeSettings:
    """Environment settings, with the command line's explicit values on top."""
    overrides: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "home": args.home.resolve() if args.home else None,
        "read_only": True if args.replica else None,
        "replica_graphs": args.graph,
    }
    return NodeSettings(**{k: v for k, v in overrides.items() if v is not None})


def write_port_file(path: Path, port: int) -> None:
    """Write ``port`` so a reader sees either no file or the whole number."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".port-")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"{port}\n")
    os.replace(tmp, path)


class _NodeServer(uvicorn.Server):
    """uvicorn, announcing its port once listening and closing the stores on shutdown."""

    def __init__(self, config: uvicorn.Config, service: GraphService, port_file: Path | None):
        super().__init__(config)
        self.service = service
        self.port_file = port_file

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and sockets and self.port_file:
            write_port_file(self.port_file, sockets[0].getsockname()[1])

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        if self.port_file:
            self.port_file.unlink(missing_ok=True)  # nobody should find a stopping node
        await super().shutdown(sockets=sockets)
        self.service.close()


def with_api_key(settings: NodeSettings) -> NodeSettings:
    """The settings with an API key: the configured one (or key file), else the home's key
    file, made and saved now if it holds no key yet; the file is then read again when it
    changes (``api_key.ApiKey``). A restart keeps the key, so clients keep working."""
    if settings.api_key_file is not None or (
        settings.api_key is not None and settings.api_key.get_secret_value()
    ):
        return settings
    path = settings.key_file()
    if path.is_file() and path.read_text(encoding="utf-8").strip():
        return settings.model_copy(update={"api_key_file": path})
    path.parent.mkdir(parents=True, exist_ok=True)
    # letters and digits only: the shape the key rotation (ledgergraph.key_rotation) makes
    key = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(48))
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    logger.warning("api key generated", extra={"key_file": str(path)})
    return settings.model_copy(update={"api_key": SecretStr(key), "api_key_file": path})


def boot_replica(settings: NodeSettings) -> dict[str, ReplicaSnapshot]:
    """Download and verify the LATEST snapshot of every replica graph (GraphNotFound,
    SnapshotInvalid, SnapshotUnavailable or StoreRefused, as ``replica.fetch_latest``).

    Every graph id, then every graph's LATEST and manifest, is checked before the first
    download: a wrong ``--graph`` fails at once, not after the graphs named before it.
    """
    graphs = settings.replica_graphs
    for graph_id in graphs:
        check_graph_id(graph_id)
    store = open_store(settings.resolved_publish_uri())
    manifests = {graph_id: read_latest(store, graph_id) for graph_id in graphs}
    worker = WorkerOptions(
        buffer_pool_mb=settings.buffer_pool_mb, max_db_size_mb=settings.max_db_size_mb
    )
    return {
        graph_id: fetch_snapshot(store, manifest, settings.replica_dir(), worker=worker)
        for graph_id, manifest in manifests.items()
    }


def serve(settings: NodeSettings, *, port_file: Path | None = None) -> int:
    """Serve until told to stop; returns the process exit code."""
    die_with_parent()
    role = "replica" if settings.read_only else "writer"
    try:
        with exclusive_lock(settings.home / NODE_LOCK, f"graph node ({role})"):
            return _serve(settings, port_file)
    except LockHeld as held:
        message = f"home {settings.home} is already served by {held.holder}"
        logger.error("graph node not started", extra={"error": message})
        print(f"graph node not started: {message}", file=sys.stderr)
        return EXIT_HOME_SERVED


def _serve(settings: NodeSettings, port_file: Path | None) -> int:
    settings = with_api_key(settings)
    try:
        snapshots = boot_replica(settings) if settings.read_only else None
    except (GraphNotFound, SnapshotInvalid, SnapshotUnavailable, StoreRefused) as exc:
        reason = " ".join(str(exc).split())  # one line, whatever the store's message held
        logger.error("replica not started", extra={"error": reason})
        print(f"replica not started: {reason}", file=sys.stderr)
        return EXIT_SNAPSHOT_INVALID
    service = GraphService(settings, snapshots=snapshots)
    if not service.read_only:
        service.open_all()  # recovery runs now, and a damaged graph file shows in /status
        service.remove_abandoned_writes()
    ADDRESS_SPACE.apply(settings.memory_limit_mb)
    listener = socket.create_server((settings.host, settings.port))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(service), log_level="warning", access_log=False, lifespan="off"
    )
    logger.info(
        "graph node listening",
        extra={"host": settings.host, "port": port, "home": str(settings.home),
               "role": "replica" if service.read_only else "writer",
               "snapshots": {g: s.snapshot_id for g, s in (snapshots or {}).items()}},
    )  # fmt: skip
    try:
        _NodeServer(config, service, port_file).run(sockets=[listener])
    finally:
        service.close()  # a no-op when the server's shutdown already closed it
        listener.close()
    return 0


def _stop(signum: int, frame: FrameType | None) -> None:
    # uvicorn re-raises the signal it shut down on; exit quietly with status 0 then
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = settings_from(args)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
    return serve(settings, port_file=args.port_file)


if __name__ == "__main__":
    sys.exit(main())
