"""``python -m graph_node.engine_worker``: engine work in a child process of the graph node.

A native crash of the engine (SIGSEGV, abort) kills only this process: the node sees the
signal, names the table being copied and keeps serving its graph. Three commands:

- ``build --rows DIR --out FILE --tables T1,T2,...``: a fresh graph file from
  ``DIR/{table}.arrow`` (Arrow IPC files, nodes before relationships), checkpointed.
- ``copy --db FILE --table T --rows FILE.arrow``: COPY one table's rows into a graph file
  the node has closed for the purpose.
- ``check --db FILE``: open a graph file read-only and count every table, for a file the
  node died opening (it is then treated as damaged unless this succeeds).

Progress goes to stdout as one JSON object a line: ``{"event": "start", "table": T}``
before each COPY, ``{"event": "done", "counts": {...}}`` at the end, or ``{"event":
"error", "table": T, "message": ...}`` and exit status 1. The worker dies with the node
(PR_SET_PDEATHSIG), so a killed node never leaves it writing a graph file.
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.util  # noqa: F401  real_ladybug's parameterised execute needs it loaded
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.ipc
import real_ladybug as lb

from graph_node import cypher_build as cb
from graph_node.graph_store import create_schema, engine_options
from graph_node.memory import lift_inherited_limit
from ledgergraph.graph_schema import TABLES

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before prctl took effect
        os._exit(1)


def _emit(**event: Any) -> None:
    print(json.dumps(event), flush=True)


def _read_rows(path: Path) -> pa.Table:
    with pa.memory_map(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _test_crash(table: str, crash_at: str | None) -> None:
    """Tests only: die of a real SIGSEGV where a native engine crash would."""
    if crash_at == table:
        ctypes.string_at(0)


def _copy_tables(
    conn: lb.Connection, rows_dir: Path, tables: list[str], crash_at: str | None
) -> None:
    for name in tables:
        rows = _read_rows(rows_dir / f"{name}.arrow")
        _emit(event="start", table=name, rows=rows.num_rows)
        _test_crash(name, crash_at)
        if rows.num_rows:
            conn.execute(f"COPY `{name}` FROM $rows", {"rows": rows})


def build(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, int]:
    """A fresh graph file holding exactly the given rows; its counts per table."""
    db = lb.Database(str(args.out), **options)
    conn = lb.Connection(db)
    try:
        create_schema(conn)
        _copy_tables(conn, args.rows, args.tables.split(","), args.test_crash_at)
        counts = {n: int(conn.execute(cb.count_all(t)).get_next()[0]) for n, t in TABLES.items()}
        conn.execute("CHECKPOINT")
    finally:
        conn.close()
        db.close()
    return counts


def copy(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, int]:
    """COPY one table's rows into an existing graph file; the table's count after."""
    db = lb.Database(str(args.db), **options)
    conn = lb.Connection(db)
    try:
        _emit(event="start", table=args.table)
        rows = _read_rows(args.rows)
        _test_crash(args.table, args.test_crash_at)
        conn.execute(f"COPY `{args.table}` FROM $rows", {"rows": rows})
        count = int(conn.execute(cb.count_all(TABLES[args.table])).get_next()[0])
    finally:
        conn.close()
        db.close()
    return {args.table: count}


def check(args: argparse.Namespace, options: dict[str, Any]) -> dict[str, int]:
    """Open a graph file and count every table (a file an open died on, or one not closed
    cleanly). With ``--recover`` it is opened for writing, so that the engine replays what
    an interrupted session left (its log, or the shadow pages of a checkpoint a kill cut
    short), which a read-only open refuses to do; closing it then checkpoints it. When
    another process has the file open (a reader: the engine then refuses the lock), it is
    read as it is."""
    try:
        db = lb.Database(str(args.db), **{**options, "read_only": not args.recover})
    except RuntimeError as exc:
        if not args.recover or _LOCKED not in str(exc):
            raise
        db = lb.Database(str(args.db), **{**options, "read_only": True})
    conn = lb.Connection(db)
    try:
        _emit(event="start", table=None)
        return {n: int(conn.execute(cb.count_all(t)).get_next()[0]) for n, t in TABLES.items()}
    finally:
        conn.close()
        db.close()


# How the engine refuses a writable open of a file another process has open.
_LOCKED = "Could not set lock on file"
_COMMANDS = {"build": build, "copy": copy, "check": check}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m graph_node.engine_worker")
    parser.add_argument("--parent-pid", type=int, required=True)
    parser.add_argument("--buffer-pool-mb", type=int)
    parser.add_argument("--max-db-size-mb", type=int)
    parser.add_argument("--test-crash-at", help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build")
    build_cmd.add_argument("--rows", type=Path, required=True)
    build_cmd.add_argument("--out", type=Path, required=True)
    build_cmd.add_argument("--tables", required=True)
    copy_cmd = commands.add_parser("copy")
    copy_cmd.add_argument("--db", type=Path, required=True)
    copy_cmd.add_argument("--table", choices=sorted(TABLES), required=True)
    copy_cmd.add_argument("--rows", type=Path, required=True)
    check_cmd = commands.add_parser("check")
    check_cmd.add_argument("--db", type=Path, required=True)
    check_cmd.add_argument("--recover", action="store_true")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _die_with_parent(args.parent_pid)
    lift_inherited_limit()
    options = engine_options(
        read_only=False, buffer_pool_mb=args.buffer_pool_mb, max_db_size_mb=args.max_db_size_mb
    )
    try:
        counts = _COMMANDS[args.command](args, options)
    except (RuntimeError, OSError, pa.ArrowException) as exc:
        _emit(event="error", message=str(exc)[:2000])
        return 1
    except (ValueError, IndexError, OverflowError, MemoryError) as exc:
        # the engine's C++ exceptions other than runtime_error (a damaged file raises
        # length_error, "basic_string::_M_replace_aux", while it opens)
        _emit(event="error", message=f"{type(exc).__name__}: {exc}"[:2000])
        return 1
    _emit(event="done", counts=counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
