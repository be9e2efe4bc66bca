"""The staging file a replica serves: its verified snapshot copy without the writer's URIs.

``file_registry.uri`` holds where the writer read each file: its object store's bucket and
keys, or for a local store a path on the writer's machine (its user's home, say). A
replica's readers query staging to see what the graph holds, never to fetch files (a
replica reads no file it registered), so they get nothing from those locations, and the
node tells a caller nothing else about where it keeps files (stack traces and the settings
that name paths are refused or left out too). DuckDB has no column privileges, and a check
of the SQL could not see every way to read a column (a whole row as a struct, ``*``,
``PIVOT``, a filter on it, a renamed column), so the values are taken out of the data
instead: at each open the replica copies the verified ``staging.duckdb`` (which keeps the
bytes its manifest describes, checked again when the snapshot is reused) and replaces, in
the copy, every URI and every URI a failed file's ``error`` quotes with ``HIDDEN``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from graph_node.errors import EngineFailed
from graph_node.staging_db import LOCKED_DOWN, REGISTRY_TABLE

SERVED_NAME = "staging.served.duckdb"
HIDDEN = "(the writer's URI: not shown by a replica)"
# A URI as an error message quotes one: a scheme, then everything up to a space or a quote.
_QUOTED_URI = r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"]+"


def served_copy(verified: Path) -> Path:
    """A new copy of ``verified`` beside it, URIs replaced by ``HIDDEN``; the copy's path.

    Raises:
        EngineFailed: DuckDB or the disk refused the copy (the replica does not serve).
    """
    served = verified.with_name(SERVED_NAME)
    try:
        for leftover in (served, Path(f"{served}.wal")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(verified, served)
        con = duckdb.connect(str(served), config=dict(LOCKED_DOWN))
        try:
            con.execute(
                f"UPDATE {REGISTRY_TABLE} SET uri = ?, "
                "error = regexp_replace(replace(error, uri, ?), ?, ?, 'g')",
                [HIDDEN, HIDDEN, _QUOTED_URI, HIDDEN],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
    except (OSError, duckdb.Error) as exc:
        raise EngineFailed(
            f"a replica's staging copy {served} could not be written from {verified}: {exc}"
        ) from exc
    return served
