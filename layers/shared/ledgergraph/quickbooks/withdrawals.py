"""Sync runs deleted from their graph, and the run a later one compares against instead.

Each transformed run leaves a snapshot of every record known after it
(``records-{run_id}.parquet``), and the next run merges with the snapshot of the run before
it. Once that run is deleted from the graph (``ledgergraph delete-source``) its snapshot no
longer describes what the graph holds: the graph fell back to the versions of the runs
before it. So a delete records a *withdrawal* under
``state/quickbooks/{realm_id}/withdrawn/{run_id}.json``, and every reader of the state
(the sync choosing CDC or a full listing, the transform's prior records, the sample's
listing check) walks back over withdrawn runs to the newest run the graph still holds.

Crash safety: the withdrawal is written as ``deleting`` before the graph delete and set to
``deleted`` after the graph answered. A crash in between leaves it ``deleting``, and every
reader refuses until ``delete-source`` is run again: the graph delete is idempotent (it
finishes or changes nothing), then the withdrawal is completed. So the graph and the state
a run compares against never disagree silently.

A run transformed on top of the withdrawn one before it was deleted (a run that is not the
realm's last was deleted) left a snapshot that merged the withdrawn run's records, where the
graph holds the versions that run's own files carry (``transform/superseded.py``): its
snapshot is rebuilt over the held runs before a later run compares with it
(``transform/snapshots.py``).
"""

from __future__ import annotations

import shlex
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel

from ledgergraph.errors import ObjectNotFound
from ledgergraph.manifest import SourceUnitManifest, manifest_key
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.runs import (
    SyncRun,
    SyncState,
    run_manifest_key,
    sync_state_key,
)


class Withdrawal(BaseModel):
    """A sync run being deleted, or deleted, from a graph."""

    realm_id: str
    run_id: str
    graph_id: str
    status: Literal["deleting", "deleted"]
    recorded_at: str


def withdrawal_prefix(realm_id: str) -> str:
    return f"state/quickbooks/{realm_id}/withdrawn/"


def withdrawal_key(realm_id: str, run_id: str) -> str:
    return f"{withdrawal_prefix(realm_id)}{run_id}.json"


def find_sync_run(store: ObjectStore, graph_id: str, run_id: str) -> str | None:
    """The realm of ``run_id`` if it is a sync run transformed into ``graph_id``, else None
    (a filing, or a run this store never transformed for that graph)."""
    try:
        raw = store.get_bytes(manifest_key(graph_id, run_id))
    except (ObjectNotFound, ValueError):  # ValueError: not a key this store can hold
        return None
    if SourceUnitManifest.model_validate_json(raw).kind != "quickbooks-sync":
        return None
    realms = {key.split("/")[2] for key in store.list_keys("state/quickbooks/")}
    for realm_id in sorted(realms):
        if store.exists(run_manifest_key(realm_id, run_id)):
            return realm_id
    return None


def begin_withdrawal(store: ObjectStore, realm_id: str, graph_id: str, run_id: str) -> Withdrawal:
    """Record that ``run_id`` is about to leave the graph (``deleting``), before it does."""
    withdrawal = Withdrawal(
        realm_id=realm_id, run_id=run_id, graph_id=graph_id, status="deleting",
        recorded_at=_now(),
    )  # fmt: skip
    _put(store, withdrawal)
    return withdrawal


def finish_withdrawal(store: ObjectStore, withdrawal: Withdrawal) -> None:
    """The graph delete answered: the run is withdrawn for every later reader."""
    _put(store, withdrawal.model_copy(update={"status": "deleted", "recorded_at": _now()}))


def cancel_withdrawal(
    store: ObjectStore, withdrawal: Withdrawal, *, restore: Withdrawal | None = None
) -> None:
    """The graph did not hold the run (nothing was deleted): put back the record the run
    had before (``restore``: a completed withdrawal of an earlier delete), else forget it."""
    if restore is None:
        store.delete(withdrawal_key(withdrawal.realm_id, withdrawal.run_id))
    else:
        _put(store, restore)


def recorded_withdrawal(store: ObjectStore, realm_id: str, run_id: str) -> Withdrawal | None:
    """The withdrawal recorded for ``run_id``, if any."""
    try:
        raw = store.get_bytes(withdrawal_key(realm_id, run_id))
    except ObjectNotFound:
        return None
    return Withdrawal.model_validate_json(raw)


def live_run(store: ObjectStore, realm_id: str, run_id: str | None) -> str | None:
    """``run_id``, or the newest run before it that the graph still holds, whose snapshot
    is the state a later run compares against; None when every run before it was deleted.

    Raises:
        QuickBooksDataError: a delete of one of the realm's runs was interrupted.
    """
    withdrawn = load_withdrawals(store, realm_id)
    seen: set[str] = set()
    while run_id in withdrawn and run_id not in seen:
        seen.add(run_id)
        run_id = _previous_run(store, realm_id, run_id)
    return run_id


def live_sync_state(store: ObjectStore, realm_id: str) -> SyncState | None:
    """The sync state as it stands after withdrawals: the last run the graph holds."""
    try:
        state = SyncState.model_validate_json(store.get_bytes(sync_state_key(realm_id)))
    except ObjectNotFound:
        return None
    run_id = live_run(store, realm_id, state.last_run_id)
    if run_id == state.last_run_id:
        return state
    if run_id is None:
        return None
    run = _manifest(store, realm_id, run_id)
    return SyncState(realm_id=realm_id, last_run_id=run_id, last_started_at=run.started_at)


def load_withdrawals(store: ObjectStore, realm_id: str) -> dict[str, Withdrawal]:
    """The realm's withdrawn runs by id.

    Raises:
        QuickBooksDataError: one is still ``deleting`` (a crash or failure interrupted it).
    """
    found = {}
    for key in store.list_keys(withdrawal_prefix(realm_id)):
        withdrawal = Withdrawal.model_validate_json(store.get_bytes(key))
        if withdrawal.status == "deleting":
            raise QuickBooksDataError(
                f"the delete of sync run {withdrawal.run_id} (realm {realm_id}) from graph "
                f"{withdrawal.graph_id} was interrupted, so the graph and the records a run "
                "compares against may disagree: finish it by deleting the run again "
                f"(`ledgergraph delete-source --graph {shlex.quote(withdrawal.graph_id)} "
                f"{withdrawal.run_id}` with the --home or --endpoint of that graph, or "
                f"DELETE /databases/{withdrawal.graph_id}/sources/{withdrawal.run_id} on its "
                "graph node): it deletes what is left, or nothing"
            )
        found[withdrawal.run_id] = withdrawal
    return found


def earlier_runs(store: ObjectStore, realm_id: str, run_id: str) -> list[str]:
    """The runs ``run_id`` was landed after, newest first, withdrawn ones included."""
    found: list[str] = []
    previous = _previous_run(store, realm_id, run_id)
    while previous is not None and previous not in found:
        found.append(previous)
        previous = _previous_run(store, realm_id, previous)
    return found


def _previous_run(store: ObjectStore, realm_id: str, run_id: str) -> str | None:
    try:
        return _manifest(store, realm_id, run_id).previous_run_id
    except ObjectNotFound:
        return None


def _manifest(store: ObjectStore, realm_id: str, run_id: str) -> SyncRun:
    return SyncRun.model_validate_json(store.get_bytes(run_manifest_key(realm_id, run_id)))


def _put(store: ObjectStore, withdrawal: Withdrawal) -> None:
    key = withdrawal_key(withdrawal.realm_id, withdrawal.run_id)
    store.put_bytes(key, withdrawal.model_dump_json(indent=2).encode("utf-8"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
