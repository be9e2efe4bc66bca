"""Which files of a filing one run materializes, kept across the retries of its step.

A filing's load record says how many facts *this run* added. The node's registry keeps
each file's ``rows_added`` and ``materialize_seq``, but not which run's call it was: a file
materialized by an earlier attempt of the same MaterializeBatch step (one that stopped at
a later table on a transient error, then was retried) looks exactly like a file an earlier
run loaded. So before its first materialize call, a run writes down the filing's files
the registry still holds as ``staged``: those are the ones this run puts in the graph,
whichever attempt does it. Every later attempt reads that claim back instead of taking a
new one, and a new run (another run id) finds the files ``materialized`` and claims none.

The claim is written before any call is made, so an attempt that dies before writing it
made no call either. Stored at ``work/{graph}/{run}/loading/{source_unit}.json``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from ledgergraph.objectstore import ObjectStore
from ledgergraph.run_outcomes import SOURCE_UNIT_PATTERN, run_prefix


class LoadClaim(BaseModel):
    """The files of one filing that were not in the graph when the run came to load it."""

    source_unit: str = Field(pattern=SOURCE_UNIT_PATTERN.pattern)
    file_ids: list[str] = Field(description="registry ids of the files the run loads")


def claim_key(graph_id: str, run_id: str, source_unit: str) -> str:
    """``work/{graph_id}/{run_id}/loading/{source_unit}.json``."""
    return f"{run_prefix(graph_id, run_id)}loading/{source_unit}.json"


def claim_files(
    store: ObjectStore, graph_id: str, run_id: str, staged: dict[str, list[str]]
) -> dict[str, set[str]]:
    """Per filing, the file ids this run loads: the claim an earlier attempt of the run
    wrote, else ``staged`` (the files the registry holds as staged now), written down.

    Args:
        staged: source unit -> ids of its files whose registry status is ``staged``.
    """
    claimed: dict[str, set[str]] = {}
    for unit, file_ids in staged.items():
        key = claim_key(graph_id, run_id, unit)
        if store.exists(key):
            claim = LoadClaim.model_validate_json(store.get_bytes(key))
        else:
            claim = LoadClaim(source_unit=unit, file_ids=sorted(file_ids))
            store.put_bytes(key, claim.model_dump_json().encode())
        claimed[unit] = set(claim.file_ids)
    return claimed
