"""``delete-source`` of a QuickBooks sync run: the realm's state follows the graph.

The run is recorded as withdrawing in the home's object store before the graph delete
and as withdrawn after it (``ledgergraph.quickbooks.withdrawals``), so later runs compare
with the newest run the graph still holds, never with the deleted one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from graph_node.errors import GraphNotFound, NodeError, SourceNotFound
from graph_node.settings import NodeSettings
from ledgergraph.errors import GraphNodeRejected
from ledgergraph.objectstore import open_store
from ledgergraph.quickbooks.withdrawals import (
    begin_withdrawal,
    cancel_withdrawal,
    find_sync_run,
    finish_withdrawal,
)


@contextmanager
def withdrawing(home: Path, graph_id: str, source_unit: str) -> Iterator[None]:
    """Around a graph delete of ``source_unit``: withdraw it from its realm's state if it
    is a sync run the home's store transformed for ``graph_id`` (nothing otherwise).

    A failed delete leaves the withdrawal open (``deleting``), which stops the realm's
    next run until the delete is run again, unless the graph never held the unit.
    """
    store = open_store(NodeSettings(home=home).resolved_store_uri())
    realm_id = find_sync_run(store, graph_id, source_unit)
    if realm_id is None:
        yield
        return
    withdrawal = begin_withdrawal(store, realm_id, graph_id, source_unit)
    try:
        yield
    except (NodeError, GraphNodeRejected) as exc:
        if _not_found(exc):  # no such graph, or no file of the unit in it
            cancel_withdrawal(store, withdrawal)
        raise
    finish_withdrawal(store, withdrawal)


def _not_found(error: NodeError | GraphNodeRejected) -> bool:
    """The node in-process or over HTTP said it holds no such graph or unit (404)."""
    if isinstance(error, GraphNodeRejected):
        return error.status == 404
    return isinstance(error, GraphNotFound | SourceNotFound)
