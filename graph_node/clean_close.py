"""The record of a graph file's last clean close, so opening it needs no child-process check.

real_ladybug 0.15.3 dies of SIGSEGV, taking the whole process with it, when it opens some
damaged files (garbage in the middle of a file): only a child process can try such a file
safely, and that costs about 0.7 s of CPU on the demo graph, more than a ``stats``. So a
writer that closed a file cleanly (checkpointed, no error) writes ``graph.lbug.clean``:
the size and modification time of the file and of its write-ahead log. A file that still
matches its record is the file that was closed and opens in-process at once (a ``stat``,
well under a millisecond); anything else (no record, a crash since, a file written or
copied over by something else) is checked in a child process first.

Opening a file read-write changes its modification time even when nothing is written, so
a writer forgets the record when it opens the file and writes it again when it closes;
reading opens change nothing, and a reader records a file a child process just checked.
NOTE: damage that keeps a file's size and modification time (``touch -r``, bit rot) is not
seen by the record; the ``.opening`` mark (graphs.py) catches the next in-process open.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from graph_node.log import logger

CLEAN_SUFFIX = ".clean"


def fingerprint(graph_file: Path) -> dict[str, int | None]:
    """Size and modification time (ns) of the graph file and of its ``.wal``."""
    found: dict[str, int | None] = {}
    for name, path in (("file", graph_file), ("wal", Path(f"{graph_file}.wal"))):
        try:
            stat = path.stat()
        except FileNotFoundError:
            found[f"{name}_size"] = found[f"{name}_mtime_ns"] = None
            continue
        found[f"{name}_size"], found[f"{name}_mtime_ns"] = stat.st_size, stat.st_mtime_ns
    return found


def closed_cleanly(graph_file: Path) -> bool:
    """Whether ``graph_file`` (and its log) are as they were when last recorded."""
    try:
        recorded = json.loads(Path(f"{graph_file}{CLEAN_SUFFIX}").read_text())
    except (OSError, ValueError):
        return False
    return recorded == fingerprint(graph_file)


def record_clean_close(graph_file: Path) -> None:
    """Record the file as it is now: it was closed cleanly or a child process read it.

    A home that cannot be written (a read-only copy) keeps no record: every open of it
    is then checked in a child process first.
    """
    record = Path(f"{graph_file}{CLEAN_SUFFIX}")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=graph_file.parent, prefix=".clean-")
        os.fchmod(fd, 0o644)  # readable like the graph file beside it
        with os.fdopen(fd, "w") as handle:
            json.dump(fingerprint(graph_file), handle)
        os.replace(tmp, record)
    except OSError as exc:
        logger.warning("clean close not recorded", extra={"file": str(record), "error": str(exc)})
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def forget_clean_close(graph_file: Path) -> None:
    """Drop the record: the file is about to be opened for writing."""
    Path(f"{graph_file}{CLEAN_SUFFIX}").unlink(missing_ok=True)
