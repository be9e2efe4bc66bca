"""What ``delete-source`` adds to a node's answer: where else a unit is, what to run next.

A QuickBooks sync run lives in its realm's graph (``qbo-<realm>``), not in the default
``sec``: the node only knows the graph it was asked about, the home knows the others.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from graph_node.errors import GraphNotFound, NodeError, SourceNotFound
from graph_node.settings import NodeSettings
from ledgergraph.errors import GraphNodeRejected
from ledgergraph.manifest import manifest_key
from ledgergraph.objectstore import ObjectStore, open_store
from ledgergraph.quickbooks.runs import realm_in_run_id
from ledgergraph.quickbooks.steps import default_graph_id
from localrun.quickbooks_sample import SAMPLE_REALM


def elsewhere(home: Path, graph_id: str, source_unit: str, command: str) -> str:
    """A sentence naming the home's other graphs the unit was processed for (or, for an
    id shaped like a sync run, its realm's graph) and the command for it; '' if none."""
    store = open_store(NodeSettings(home=home).resolved_store_uri())
    graphs_dir = NodeSettings(home=home).graphs_dir()
    others = sorted(
        p.name
        for p in (graphs_dir.iterdir() if graphs_dir.is_dir() else [])
        if p.name != graph_id and _processed_for(store, p.name, source_unit)
    )
    realm = realm_in_run_id(source_unit)  # new_run_id's, or sample_run_id's "sample"
    if others:
        where = ", ".join(repr(g) for g in others)
        kind = " (a QuickBooks sync run)" if realm else ""
        return f"; this home processed it{kind} for graph {where}: {command} --graph {others[0]}"
    if realm:
        realm_graph = default_graph_id(SAMPLE_REALM if realm == "sample" else realm)
        if realm_graph != graph_id:
            return (
                f"; it looks like a QuickBooks sync run, which loads into its realm's graph "
                f"unless told otherwise: {command} --graph {realm_graph}"
            )
    return ""


def not_found(error: NodeError | GraphNodeRejected) -> bool:
    """The node in-process or over HTTP said it holds no such graph or unit (404)."""
    if isinstance(error, GraphNodeRejected):
        return error.status == 404
    return isinstance(error, GraphNotFound | SourceNotFound)


def unfinished(graph_id: str, source_unit: str) -> str:
    """What a delete cut short by an unreachable or timed-out node leaves, and the fix."""
    return (
        f"; the delete of {source_unit!r} from graph {graph_id!r} may be left unfinished "
        "(the node can have stopped midway, or still be at it); run the same command again "
        "once the node answers: it finishes the delete, and does nothing more if it was done"
    )


def delete_command(source_unit: str, *, home: Path, endpoint: str | None) -> str:
    """``ledgergraph delete-source UNIT --home H [--endpoint URL]``, without --graph."""
    words = ["ledgergraph", "delete-source", source_unit, "--home", str(home)]
    words += ["--endpoint", endpoint] if endpoint else []
    return shlex.join(words)


def _processed_for(store: ObjectStore, graph_id: str, source_unit: str) -> bool:
    try:
        return store.exists(manifest_key(graph_id, source_unit))
    except ValueError:  # not a key the store can hold (an id with a path in it)
        return False
