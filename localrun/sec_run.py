"""``ledgergraph sec run --source DIR``: stage local packages, run the SEC state machine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ledgergraph.objectstore import LocalObjectStore
from localrun.pipeline import run_sec_pipeline
from localrun.sec_source import stage_source_folder


def run_sec_from_folder(
    source: Path, *, home: Path, graph_id: str, batch_size: int
) -> dict[str, Any]:
    """Run every package under ``source`` through the local SEC pipeline.

    Returns the state machine's summary, with folders that were not filing packages added
    as failed filings, so nothing given to the run goes unreported.
    """
    started = time.monotonic()
    store = LocalObjectStore(home / "store")
    filings, rejected = stage_source_folder(store, source)
    if filings:
        summary = run_sec_pipeline(filings, graph_id=graph_id, batch_size=batch_size, home=home)
    else:
        summary = {"filings": [], "loaded": 0, "failed": 0, "ok": True}
    for package in rejected:
        summary["filings"].append(
            {
                "source_unit": package.folder.name,
                "status": "failed",
                "error_type": "FilingError",
                "error": package.reason,
            }
        )
    summary["failed"] = sum(1 for f in summary["filings"] if f["status"] != "loaded")
    summary["loaded"] = len(summary["filings"]) - summary["failed"]
    summary["ok"] = summary["failed"] == 0
    summary["duration_ms"] = int((time.monotonic() - started) * 1000)
    return summary
