"""A delete of a QuickBooks sync run withdraws the run from its realm's sync state.

Each sync run is compared against the run before it (its records snapshot, the CDC
cursor). Once a run leaves the graph, later runs must compare against the newest run the
graph still holds, so the node records the run as withdrawn in the object store it reads
registered files from (``ledgergraph.quickbooks.withdrawals``): ``deleting`` before the
graph delete, ``deleted`` after it. Doing it here, not in a client, makes every delete
(``ledgergraph delete-source`` with or without ``--endpoint``, a Graph API call, the
pipeline on AWS) record it in the store the pipeline reads. Other source units (filings)
are deleted without a record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from graph_node.errors import GraphNotFound, SourceNotFound
from graph_node.snapshots import store_failure
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.withdrawals import (
    begin_withdrawal,
    cancel_withdrawal,
    find_sync_run,
    finish_withdrawal,
    recorded_withdrawal,
)


@contextmanager
def withdrawing(store: ObjectStore, graph_id: str, source_unit: str) -> Iterator[None]:
    """Around the graph delete of ``source_unit``: withdraw it from its realm's sync state
    if ``store`` holds it as a sync run transformed for ``graph_id`` (nothing otherwise).

    A failed delete leaves the withdrawal ``deleting``, which stops the realm's next run
    until the delete is made again, unless the node holds no such graph or unit (404):
    then the record is as it was before the call (a completed withdrawal stays).

    Raises:
        StoreRefused, EngineUnavailable: the store failed to give or take the record.
    """
    what = f"recording the withdrawal of {source_unit} from graph {graph_id}"
    with _store_errors(what):
        realm_id = find_sync_run(store, graph_id, source_unit)
        before = realm_id and recorded_withdrawal(store, realm_id, source_unit)
        withdrawal = realm_id and begin_withdrawal(store, realm_id, graph_id, source_unit)
    if not withdrawal:
        yield
        return
    try:
        yield
    except (GraphNotFound, SourceNotFound):
        with _store_errors(what):
            cancel_withdrawal(store, withdrawal, restore=before or None)
        raise
    with _store_errors(what):
        finish_withdrawal(store, withdrawal)


@contextmanager
def _store_errors(what: str) -> Iterator[None]:
    """A disk or object store failure inside, raised as the node's error naming ``what``
    (StoreRefused when retrying cannot help, else EngineUnavailable)."""
    try:
        yield
    except Exception as exc:  # classified below; anything else is raised as it is
        failure = store_failure(exc, what=what)
        if failure is None:
            raise
        raise failure from exc
