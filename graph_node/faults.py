"""Test-only fault points: hold a write at a named point so a test can kill the node there.

With ``LEDGERGRAPH_TEST_PAUSE_AT=after-copy:Fact`` the node, on reaching the point
``after-copy`` while materializing ``Fact``, creates the marker file
``{home}/test-pause-reached`` and sleeps, so a crash test waits for the marker and sends
SIGKILL at exactly that point. ``*`` matches any table. Unset (the default), every call is
a no-op. Points: ``after-intent`` (intent recorded, COPY not committed), ``after-copy`` (COPY
committed, registry not updated), ``after-update`` (an upsert's updates and removals
committed too, registry not updated), ``after-graph-delete`` (source unit gone from the
graph, staging untouched).
"""

from __future__ import annotations

import time
from pathlib import Path

from graph_node.log import logger

MARKER_NAME = "test-pause-reached"
_PAUSE_S = 600.0


class FaultPoints:
    """Where the node should stop and wait to be killed; a no-op unless configured."""

    def __init__(self, spec: str | None, *, marker: Path) -> None:
        point, _, table = (spec or "").partition(":")
        self.point = point or None
        self.table = table or "*"
        self.marker = marker

    def reached(self, point: str, table: str) -> None:
        """Pause here if this is the configured point (only ever set by crash tests)."""
        if point != self.point or self.table not in ("*", table):
            return
        logger.warning("test pause point reached", extra={"point": point, "table": table})
        self.marker.parent.mkdir(parents=True, exist_ok=True)
        self.marker.write_text(f"{point}:{table}\n")
        time.sleep(_PAUSE_S)


NO_FAULTS = FaultPoints(None, marker=Path("/nonexistent"))
