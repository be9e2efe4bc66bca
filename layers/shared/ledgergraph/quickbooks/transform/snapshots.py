"""State snapshots: every record known after a run, which the next run compares against.

A run's snapshot (``records-{run_id}.parquet``) merges the run with the snapshot of the
newest earlier run the graph held when it was transformed. Beside it, its *basis*
(``records-{run_id}.json``) names the runs already deleted from the graph then. A run
deleted later, below a run transformed on top of it, leaves that snapshot stale: it keeps
the deleted run's versions where the run listed older ones (superseded there), while the
graph holds the versions the run's own files carry. Such a snapshot is rebuilt before it
is compared with (``runner.held_snapshot``): the run's records merged again over the
snapshot of the runs still held, keeping the tombstones the run's files restated, as the
graph does. The rebuilt snapshot replaces the stale one, so each is rebuilt once.
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import duckdb

from ledgergraph.errors import ObjectNotFound
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.errors import QuickBooksDataError
from ledgergraph.quickbooks.runs import SyncRun, records_basis_key, records_state_key
from ledgergraph.quickbooks.withdrawals import Withdrawal, earlier_runs, load_withdrawals


def write_state_snapshot(
    con: duckdb.DuckDBPyConnection, run: SyncRun, store: ObjectStore, workdir: Path
) -> Path:
    """Every record known after the run, for the next run's merge, and its basis (the
    realm's runs deleted from the graph so far); returns the snapshot's local copy."""
    withdrawn = sorted(load_withdrawals(store, run.realm_id))
    path = workdir / f"records-{run.run_id}.parquet"
    con.execute(
        "COPY (SELECT entity, qbo_id, sync_token, last_updated, is_deleted, "
        "deleted_by_absence, CAST(rec AS VARCHAR) AS rec FROM current_record "
        "ORDER BY entity, qbo_id) "
        f"TO '{_quoted_path(path)}' (FORMAT parquet)"
    )
    store.put_file(records_state_key(run.realm_id, run.run_id), path)
    basis = json.dumps({"withdrawn": withdrawn}, indent=2).encode("utf-8")
    store.put_bytes(records_basis_key(run.realm_id, run.run_id), basis)
    return path


def withdrawn_below(store: ObjectStore, realm_id: str, run_id: str) -> list[Withdrawal]:
    """The runs ``run_id`` was landed after that left the graph since its snapshot was
    written, newest first: the snapshot is stale when there is one (a snapshot without a
    basis predates them: any withdrawn earlier run counts)."""
    withdrawn = load_withdrawals(store, realm_id)
    try:
        basis = json.loads(store.get_bytes(records_basis_key(realm_id, run_id)))
    except ObjectNotFound:
        basis = {"withdrawn": []}
    since = set(withdrawn) - set(basis["withdrawn"])
    if not since:
        return []
    return [withdrawn[r] for r in earlier_runs(store, realm_id, run_id) if r in since]


def cannot_rebuild(run: SyncRun, below: list[Withdrawal], key: str) -> QuickBooksDataError:
    """The error for a stale snapshot that cannot be rebuilt: ``key``, a raw page of its
    run, is gone. It names the run, the key and the two ways on."""
    graph = below[0].graph_id
    runs = ", ".join(w.run_id for w in below)
    deleted = f"runs {runs} below it were" if len(below) > 1 else f"run {runs} below it was"
    delete = f"ledgergraph delete-source --graph {shlex.quote(graph)} {shlex.quote(run.run_id)}"
    return QuickBooksDataError(
        f"the records snapshot of sync run {run.run_id} (realm {run.realm_id}) must be "
        f"rebuilt, since {deleted} deleted from graph {graph}, but its raw page {key} is gone "
        "from the object store. Put that page back and run the command again, or delete "
        f"run {run.run_id} from the graph as well (`{delete}`): later runs then compare "
        "with the newest earlier run the graph holds"
    )


# The stale snapshot's tombstones of records the run did not list: the run's files restated
# each (or inferred it from its full listing), so the graph holds them deleted whatever the
# runs below say.
_RESTATED_TOMBSTONES = """
CREATE OR REPLACE TEMP TABLE restated AS
SELECT entity, qbo_id, sync_token, last_updated, is_deleted, deleted_by_absence,
    CAST(rec AS JSON) AS rec, true AS changed, true AS tombstone_restated
FROM read_parquet(?) AS s
WHERE is_deleted AND NOT EXISTS (
    SELECT 1 FROM listed_record AS l WHERE l.entity = s.entity AND l.qbo_id = s.qbo_id);
DELETE FROM current_record AS c
WHERE EXISTS (SELECT 1 FROM restated AS r WHERE r.entity = c.entity AND r.qbo_id = c.qbo_id);
INSERT INTO current_record BY NAME SELECT * FROM restated;
"""


def keep_restated_tombstones(con: duckdb.DuckDBPyConnection, stale: Path) -> None:
    """Put the tombstones of the ``stale`` snapshot that the run's files carry back into a
    ``current_record`` merged again over the runs still held."""
    statements = [s for s in _RESTATED_TOMBSTONES.split(";") if s.strip()]
    con.execute(statements[0], [str(stale)])
    for statement in statements[1:]:
        con.execute(statement)


def _quoted_path(path: Path) -> str:
    """COPY ... TO takes no parameter; the path is ours (a temp dir), quotes are doubled."""
    return str(path).replace("'", "''")
