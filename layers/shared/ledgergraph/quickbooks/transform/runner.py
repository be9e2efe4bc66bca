"""Runs the transform's SQL files over one sync run's raw JSON in an in-memory DuckDB.

The SQL files in ``sql/`` run in name order. Before them the runner loads six tables:
``raw_page`` (the run's landed bodies), ``prior_record`` (every record known before the
run, from the state snapshot of the newest earlier run that the graph holds and that was
transformed), ``full_entity`` (entities the run listed in full), ``account_concept_map``
(``account_concepts.csv``), and ``required_field`` and ``owned_field`` (the entity shape
a query page is checked against before it lands: ``listings.py``). After them,
``out_<Table>`` views hold the graph tables, ``record_outcome``/``line_outcome``/
``posting_checked`` the reconciliation.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from ledgergraph.errors import ObjectNotFound
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks import nesting
from ledgergraph.quickbooks.errors import QuickBooksDataError, RawPageMissing
from ledgergraph.quickbooks.listings import OWNED_FIELDS, REQUIRED_FIELDS
from ledgergraph.quickbooks.runs import (
    RawPage,
    SyncRun,
    records_state_key,
    run_manifest_key,
)
from ledgergraph.quickbooks.transform.snapshots import (
    cannot_rebuild,
    keep_restated_tombstones,
    withdrawn_below,
    write_state_snapshot,
)
from ledgergraph.quickbooks.withdrawals import live_run

HERE = Path(__file__).resolve().parent
SQL_DIR = HERE / "sql"
CONCEPT_MAP = HERE / "account_concepts.csv"
MERGE_FILE = "20_current.sql"  # builds current_record; the files after it read it

logger = get_logger("quickbooks")

_PRIOR_COLUMNS = (
    "entity VARCHAR, qbo_id VARCHAR, sync_token VARCHAR, last_updated VARCHAR, "
    "is_deleted BOOLEAN, deleted_by_absence BOOLEAN, rec JSON"
)


def sql_files() -> list[Path]:
    """The transform's statements, in the order they run."""
    return sorted(SQL_DIR.glob("*.sql"))


def load_run(store: ObjectStore, realm_id: str, run_id: str) -> SyncRun:
    """The run's manifest; a run without one did not finish landing and cannot transform."""
    try:
        return SyncRun.model_validate_json(store.get_bytes(run_manifest_key(realm_id, run_id)))
    except ObjectNotFound as exc:
        raise QuickBooksDataError(
            f"sync run {run_id} of realm {realm_id} has no manifest: it did not complete"
        ) from exc


def open_session(
    run: SyncRun, store: ObjectStore, workdir: Path, *, through: str | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the run loaded and every SQL file executed (up to and
    including the file named ``through``, if given)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET VARIABLE realm_id = ?", [run.realm_id])
    con.execute("SET VARIABLE run_id = ?", [run.run_id])
    # what a record cut too deep to read is marked with, and at which depth (nesting.py)
    con.execute("SET VARIABLE max_record_nesting = ?", [nesting.MAX_RECORD_NESTING])
    con.execute("SET VARIABLE too_deep_key = ?", [nesting.TOO_DEEP_KEY])
    _load_raw_pages(con, run, store)
    _load_prior_records(con, run, store, workdir)
    con.register(
        "full_entity_arrow", pa.table({"entity": pa.array(run.full_entities, pa.string())})
    )
    con.execute("CREATE TABLE full_entity AS SELECT entity FROM full_entity_arrow")
    con.execute(
        "CREATE TABLE account_concept_map AS SELECT * FROM read_csv(?, header = true, "
        "all_varchar = true)",
        [str(CONCEPT_MAP)],
    )
    _load_entity_fields(con)
    for path in sql_files():
        if through is not None and path.name > through:
            break
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise QuickBooksDataError(
                f"transform step {path.name} failed for run {run.run_id}: {exc}"
            ) from exc
    return con


def _load_entity_fields(con: duckdb.DuckDBPyConnection) -> None:
    """``required_field`` (entity, field) and ``owned_field`` (field, entity): the fields
    every record of an entity carries and those only some entities carry, from
    ``listings.py``, so that CDC records are held to the shape query pages are."""
    required = [(e, f) for e, fields in REQUIRED_FIELDS.items() for f in fields]
    owned = [(f, e) for f, owners in OWNED_FIELDS.items() for e in sorted(owners)]
    con.execute("CREATE TABLE required_field (entity VARCHAR, field VARCHAR)")
    con.executemany("INSERT INTO required_field VALUES (?, ?)", required)
    con.execute("CREATE TABLE owned_field (field VARCHAR, entity VARCHAR)")
    con.executemany("INSERT INTO owned_field VALUES (?, ?)", owned)


# Per entity listed in full: live records known before the run, how many the listing
# leaves out (deleted by absence), how many records it holds, and its pages.
_ABSENCE_DELETIONS = """
SELECT p.entity, count(*) AS known,
    count(*) FILTER (WHERE c.is_deleted AND c.deleted_by_absence) AS inferred,
    (SELECT count(*) FROM incoming AS i WHERE i.entity = p.entity AND i.origin = 'query')
        AS listed,
    (SELECT string_agg(raw_key, ', ' ORDER BY number) FROM raw_page AS r
     WHERE r.kind = 'query' AND r.entity = p.entity) AS pages
FROM prior_record AS p
JOIN current_record AS c ON c.entity = p.entity AND c.qbo_id = p.qbo_id
WHERE NOT p.is_deleted AND p.entity IN (SELECT entity FROM full_entity)
GROUP BY p.entity
ORDER BY p.entity
"""


def check_absence_deletions(con: duckdb.DuckDBPyConnection, run: SyncRun) -> None:
    """Refuse a full listing that would mark every known live record of its entity deleted
    (it lists none of them: another entity's records, a foreign or truncated answer), or
    that would mark some deleted and ended on an empty page after a full one (a page
    answered ``{"QueryResponse": {}}`` where records were due cannot be told from the end
    of the listing, and QuickBooks counts no records in a list entity's pages), unless the
    run says such deletions are meant (``SyncRun.deletions_confirmed``).

    Raises:
        QuickBooksDataError: naming the entity, its pages and the counts; nothing is written.
    """
    refused = []
    for entity, known, inferred, listed, pages in con.execute(_ABSENCE_DELETIONS).fetchall():
        if known and inferred == known:
            refused.append(
                f"the {entity} listing ({listed} records in {pages or 'no page'}) lists none "
                f"of the {known} known {entity} records, so all would be marked deleted"
            )
        elif inferred and (empty := _empty_last_page(run, entity)) is not None:
            refused.append(
                f"the {entity} listing ({listed} records) ended with an empty page "
                f"{empty.number} ({empty.key}) right after a full one, and {inferred} of the "
                f"{known} known {entity} records are not in it: QuickBooks may have "
                "answered that page incompletely, so they would be marked deleted"
            )
    if not refused:
        return
    if not run.deletions_confirmed:
        raise QuickBooksDataError(
            f"run {run.run_id} of realm {run.realm_id}: {'; '.join(refused)}. Nothing was "
            "transformed. Sync in full again; if QuickBooks really holds none of them "
            "(or, after an empty page, only the records listed), with --missing-means-empty"
        )
    logger.warning(
        "full listing deletes every known record of its entity, as confirmed",
        extra={"run_id": run.run_id, "listings": refused},
    )


def _empty_last_page(run: SyncRun, entity: str) -> RawPage | None:
    """The last page of ``entity``'s listing if it is empty and follows a full page (the
    client asks for another page only after a full one), else None."""
    pages = sorted((p for p in run.pages if p.kind == "query" and p.entity == entity),
                   key=lambda p: p.number)  # fmt: skip
    if len(pages) >= 2 and pages[-1].records == 0:
        return pages[-1]
    return None


def _load_raw_pages(con: duckdb.DuckDBPyConnection, run: SyncRun, store: ObjectStore) -> None:
    pages = [p for p in run.pages if p.kind in ("query", "cdc", "companyinfo")]
    bodies = [_raw_body(store, run, p.key) for p in pages]
    table = pa.table(
        {
            "kind": pa.array([p.kind for p in pages], pa.string()),
            "entity": pa.array([p.entity for p in pages], pa.string()),
            "number": pa.array([p.number for p in pages], pa.int64()),
            "raw_key": pa.array([p.key for p in pages], pa.string()),
            "body": pa.array(bodies, pa.string()),
        }
    )
    con.register("raw_page_arrow", table)
    con.execute(
        "CREATE TABLE raw_page AS SELECT kind, entity, number, raw_key, "
        "CAST(body AS JSON) AS body FROM raw_page_arrow"
    )
    con.unregister("raw_page_arrow")


def _raw_body(store: ObjectStore, run: SyncRun, key: str) -> str:
    """A landed page's body; RawPageMissing naming the run and the key if it is gone."""
    try:
        return store.get_bytes(key).decode("utf-8")
    except ObjectNotFound as exc:
        raise RawPageMissing(
            f"sync run {run.run_id} (realm {run.realm_id}) cannot be transformed: its raw "
            f"page {key} is gone from the object store",
            key=key,
        ) from exc


def _load_prior_records(
    con: duckdb.DuckDBPyConnection, run: SyncRun, store: ObjectStore, workdir: Path
) -> None:
    """Records known before the run: the snapshot of the newest earlier run that the graph
    still holds and that was transformed (``_prior_run``), as the runs it holds make it."""
    con.execute(f"CREATE TABLE prior_record ({_PRIOR_COLUMNS})")
    if run.previous_run_id is None:
        return
    found = _prior_run(run, store, workdir)
    if found is None:
        return
    _, path = found
    columns = {row[0] for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)",
                                             [str(path)]).fetchall()}  # fmt: skip
    # NOTE: snapshots written before inferred deletions were told apart lack the column
    absent = "deleted_by_absence" if "deleted_by_absence" in columns else "false"
    con.execute(
        "INSERT INTO prior_record SELECT entity, qbo_id, sync_token, last_updated, is_deleted, "
        f"coalesce({absent}, false), CAST(rec AS JSON) FROM read_parquet(?)",
        [str(path)],
    )


def _prior_run(run: SyncRun, store: ObjectStore, workdir: Path) -> tuple[str, Path] | None:
    """The run whose snapshot ``run`` merges with, and a local copy of that snapshot: its
    previous run, or the newest one before it that the graph holds (deleted runs skipped)
    and, for a full run, that was transformed (None: no run before it left a snapshot).

    A run refused or stopped before TransformRun wrote nothing to the graph, so the graph
    still holds what the run before it left: a full run compares with that one, else its
    listing would delete nothing by absence and its snapshot would forget every tombstone.

    Raises:
        QuickBooksDataError: a CDC run whose previous run was deleted from the graph or was
            never transformed (its changes start where that run left off).
    """
    previous = run.previous_run_id
    prior_run_id = live_run(store, run.realm_id, previous)
    if prior_run_id != previous:
        logger.warning(
            "quickbooks previous run deleted from the graph",
            extra={"run_id": run.run_id, "previous_run_id": previous,
                   "compared_with": prior_run_id},
        )  # fmt: skip
        if prior_run_id is None and run.mode == "cdc":
            raise QuickBooksDataError(
                f"run {run.run_id} holds the changes since run {previous}, which was "
                "deleted from the graph, and no earlier run's state describes the graph: "
                "sync in full (`ledgergraph quickbooks sync --full`)"
            )
    if prior_run_id is None:
        return None
    if run.mode == "full":
        return newest_snapshot(store, run.realm_id, prior_run_id, workdir)
    path = held_snapshot(store, run.realm_id, prior_run_id, workdir)
    if path is None:
        raise QuickBooksDataError(
            f"run {run.run_id} needs the state of run {prior_run_id}, which has not "
            "been transformed: transform that run first"
        )
    return prior_run_id, path


def newest_snapshot(
    store: ObjectStore, realm_id: str, run_id: str, workdir: Path
) -> tuple[str, Path] | None:
    """The newest run from ``run_id`` back that the graph holds and that left a records
    snapshot, with a local copy of it (``held_snapshot``); None: no such run.

    Runs never transformed (refused at TransformRun, or stopped before it) are passed over
    as deleted runs are: they put nothing in the graph, which holds what the run before
    them left.
    """
    current: str | None = live_run(store, realm_id, run_id)
    seen: set[str] = set()
    while current is not None and current not in seen:
        seen.add(current)
        path = held_snapshot(store, realm_id, current, workdir)
        if path is not None:
            if current != run_id:
                logger.warning(
                    "quickbooks run compared with an earlier transformed run",
                    extra={"realm_id": realm_id, "run_id": run_id, "compared_with": current},
                )
            return current, path
        current = live_run(store, realm_id, _previous_run_of(store, realm_id, current))
    return None


def _previous_run_of(store: ObjectStore, realm_id: str, run_id: str) -> str | None:
    """The run ``run_id`` was landed after; None: none, or ``run_id`` has no manifest."""
    try:
        return load_run(store, realm_id, run_id).previous_run_id
    except QuickBooksDataError:
        return None


def held_snapshot(store: ObjectStore, realm_id: str, run_id: str, workdir: Path) -> Path | None:
    """A local copy of run ``run_id``'s state snapshot, rebuilt (and stored again) first if
    a run below it has left the graph since (``snapshots.py``); None: it has none.

    Raises:
        QuickBooksDataError: the stale snapshot's run cannot be transformed again (a raw
            page of it gone: the message names the run, the key and what to do).
    """
    try:
        data = store.get_bytes(records_state_key(realm_id, run_id))
    except ObjectNotFound:
        return None
    path = workdir / f"held-records-{run_id}.parquet"
    path.write_bytes(data)
    deleted_below = withdrawn_below(store, realm_id, run_id)
    if not deleted_below:
        return path
    run = load_run(store, realm_id, run_id)
    folder = workdir / f"rebuild-{run_id}"
    folder.mkdir()
    try:
        con = open_session(run, store, folder, through=MERGE_FILE)
    except RawPageMissing as exc:
        raise cannot_rebuild(run, deleted_below, exc.key) from exc
    try:
        keep_restated_tombstones(con, path)
        rebuilt = write_state_snapshot(con, run, store, folder)
    finally:
        con.close()
    logger.info("quickbooks records snapshot rebuilt", extra={"run_id": run_id})
    return rebuilt
