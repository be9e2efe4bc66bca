"""Running engine work in ``graph_node.engine_worker`` child processes, and reading the end.

A worker that dies of a signal is a native engine crash: ``EngineCrashed`` names the table
whose COPY was running (the last ``start`` event) and the signal. The node's own graph is
either untouched (rebuild writes a new file) or reopened by the caller, whose engine
recovery drops the uncommitted COPY (child-process copies).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc

from graph_node.errors import EngineCrashed, EngineFailed
from graph_node.graph_store import GraphStore
from graph_node.log import logger
from ledgergraph.graph_schema import Table


@dataclass(frozen=True)
class WorkerOptions:
    """Engine settings a worker opens graph files with, and the test-only crash table."""

    buffer_pool_mb: int | None = None
    max_db_size_mb: int | None = None
    timeout_s: float = 3600.0
    test_crash_at: str | None = None

    def argv(self) -> list[str]:
        args = ["--parent-pid", str(os.getpid())]
        if self.buffer_pool_mb:
            args += ["--buffer-pool-mb", str(self.buffer_pool_mb)]
        if self.max_db_size_mb:
            args += ["--max-db-size-mb", str(self.max_db_size_mb)]
        if self.test_crash_at:
            args += ["--test-crash-at", self.test_crash_at]
        return args


def write_rows(path: Path, rows: pa.Table) -> None:
    """Rows as an Arrow IPC file a worker memory-maps."""
    with pa.OSFile(str(path), "wb") as sink, pyarrow.ipc.new_file(sink, rows.schema) as writer:
        writer.write_table(rows)


def run_worker(command: list[str], options: WorkerOptions, *, what: str) -> dict[str, Any]:
    """Run one worker command; its ``done`` event, or the error naming the table."""
    argv = [sys.executable, "-m", "graph_node.engine_worker", *options.argv(), *command]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=options.timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise EngineFailed(f"{what}: the engine worker ran past {options.timeout_s} s") from exc
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    table = next((e["table"] for e in reversed(events) if e.get("event") == "start"), None)
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        logger.error("engine worker crashed", extra={"signal": name, "table": table})
        if table is None:  # not copying (checking a file, or before the first COPY)
            raise EngineCrashed(f"{what}: the graph engine crashed ({name})")
        raise EngineCrashed(
            f"{what}: the graph engine crashed ({name}) copying table {table} in a child "
            "process; the node and its live graph are unharmed"
        )
    if done.returncode != 0 or not events or events[-1].get("event") != "done":
        message = events[-1].get("message") if events else done.stderr[-500:]
        raise EngineFailed(f"{what}: table {table}: {message}" if table else f"{what}: {message}")
    return events[-1]


def copy_in_child(options: WorkerOptions, graph: GraphStore, table: Table, rows: pa.Table) -> None:
    """COPY ``rows`` into ``graph`` from a worker, the node's database closed meanwhile."""
    if rows.num_rows == 0:
        return
    with graph.detached() as path:
        rows_file = path.parent / f".copy-{uuid.uuid4().hex}.arrow"
        write_rows(rows_file, rows)
        try:
            run_worker(
                ["copy", "--db", str(path), "--table", table.name, "--rows", str(rows_file)],
                options,
                what=f"copying rows into {table.name}",
            )
        finally:
            rows_file.unlink(missing_ok=True)
