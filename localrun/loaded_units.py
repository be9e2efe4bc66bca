"""What the graph already holds of a local run's source units, and keeping it intact.

A source unit's data is fixed once registered in the graph node's file registry: the node
refuses other content for it until the unit is deleted. A local run asks the registry
(the graph's staging DuckDB, read-only, before its node starts: the run holds the home)
which of its units are loaded, so it can refuse a changed package before writing
anything, and which reports it holds of a registrant (staging's Report rows), so it can
refuse a changed copy of a package without an accession number. A package that is the
same can still give other output when the taxonomy cache or ledgergraph itself changed;
the XBRL task then writes it over the unit's processed files before the node refuses it.
``kept_outputs`` holds a copy of a loaded unit's processed files for the run and puts
them back if the files no longer match the registry, so the object store keeps
describing what the graph holds, and ``kept_load_counts`` reads a refused unit's summary
counts from the kept manifest (``count_kept_loads`` for a package refused before its run).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graph_node.graphs import GRAPH_ID, STAGING_FILE
from graph_node.registry import files_of_unit
from graph_node.settings import NodeSettings
from graph_node.staging_db import REGISTRY_TABLE, StagingDB
from ledgergraph.errors import LedgerGraphError, ObjectNotFound
from ledgergraph.ids import cik10
from ledgergraph.load_state import LoadState, read_load_states
from ledgergraph.logs import get_logger
from ledgergraph.manifest import (
    MANIFEST_NAME,
    SourceUnitManifest,
    manifest_key,
    processed_prefix,
)
from ledgergraph.missing_schemas import missing_schema_warnings
from ledgergraph.objectstore import LocalObjectStore
from localrun.report_identity import HeldReport, report_identity

# NOTE: the statuses whose files make the node refuse other content for their unit
# (graph_node.registry._check_same_content): a failed or deleted file holds nothing.
logger = get_logger("ledgergraph")

LIVE_STATUSES = ("registered", "staged", "materialized")

LoadedUnits = dict[str, dict[str, str]]  # source unit -> {table: checksum} of live files
# the counts of a filing's duplicates, named alike in its summary line and manifest
_DUPLICATE_COUNTS = (
    "duplicates_collapsed", "duplicates_consistent", "duplicates_inconsistent",
    "inconsistent_sets",
)  # fmt: skip

# Files whose rows are in staging's tables; the form falls back to dei:DocumentType as the
# Report row's own form does when the package states none.
_STAGED_STATUSES = ("staged", "materialized")
_HELD_REPORTS = f"""
SELECT r.id, e."from", coalesce(r.form, r.document_type), r.period_of_report,
       r.fiscal_year, r.fiscal_period, r.is_amendment
FROM "Report" r
JOIN {REGISTRY_TABLE} rf ON rf.file_id = r.file_id
JOIN "ENTITY_HAS_REPORT" e ON e."to" = r.id AND e.role = 'registrant'
JOIN {REGISTRY_TABLE} ef ON ef.file_id = e.file_id
WHERE rf.status IN (SELECT unnest($1)) AND ef.status IN (SELECT unnest($1))
  AND e."from" IN (SELECT unnest($2))
ORDER BY r.id"""


def read_loaded_units(home: Path, graph_id: str, units: Sequence[str]) -> LoadedUnits:
    """The units of ``units`` with live files in the graph's registry, and their files.

    Nothing is loaded in a graph that does not exist yet. Raises the node's errors
    (EngineUnavailable while another process holds the staging file for writing).
    """
    path = _staging_path(home, graph_id)
    if not units or path is None:
        return {}
    db = StagingDB(path, read_only=True)
    loaded: LoadedUnits = {}
    try:
        with db.cursor(what="reading the file registry") as cur:
            for unit in units:
                records = files_of_unit(cur, unit)
                live = [r for r in records if r.status in LIVE_STATUSES]
                if live:
                    loaded[unit] = {r.table_name: r.checksum for r in live}
    finally:
        db.close()
    return loaded


def read_held_reports(home: Path, graph_id: str, ciks: Set[int]) -> list[HeldReport]:
    """The reports the graph holds of these registrants, from staging's Report rows.

    A report counts while its Report and registrant ENTITY_HAS_REPORT files are staged or
    materialized (a file only registered has no rows in staging yet). Raises the node's
    errors, as ``read_loaded_units`` does.
    """
    path = _staging_path(home, graph_id)
    if not ciks or path is None:
        return []
    db = StagingDB(path, read_only=True)
    try:
        with db.cursor(what="reading the Report rows") as cur:
            rows = cur.execute(
                _HELD_REPORTS, [list(_STAGED_STATUSES), [cik10(c) for c in ciks]]
            ).fetchall()
    finally:
        db.close()
    held = (_held_report(row) for row in rows)
    return [report for report in held if report is not None]


def _held_report(row: tuple[Any, ...]) -> HeldReport | None:
    unit, cik, form, period, year, fiscal_period, amendment = row
    identity = report_identity(
        int(cik),
        form,
        period,
        fiscal_year=year,
        fiscal_period=fiscal_period,
        amendment_flag=amendment,
    )
    return None if identity is None else HeldReport(unit, identity)


def _staging_path(home: Path, graph_id: str) -> Path | None:
    """The graph's staging file, None while the graph does not exist."""
    if not GRAPH_ID.match(graph_id):
        return None  # the node refuses the run's graph id itself, naming it
    path = NodeSettings(home=home).graphs_dir() / graph_id / STAGING_FILE
    return path if path.is_file() else None


@contextmanager
def kept_outputs(
    store: LocalObjectStore, graph_id: str, loaded: Mapping[str, Mapping[str, str]]
) -> Iterator[set[str]]:
    """Keep the processed files of the ``loaded`` units as they are before the block.

    Yields the set that, after the block, names the units whose files were put back (the
    run wrote output the registry does not hold). The copy is hard links where the file
    system allows (the store replaces files, it never writes into one), in a temporary
    folder beside the store.
    """
    restored: set[str] = set()
    home = store.root.parent
    with tempfile.TemporaryDirectory(prefix=".kept-outputs-", dir=home) as tmp:
        held = {unit: _hold(store, graph_id, unit, Path(tmp) / unit) for unit in loaded}
        try:
            yield restored
        finally:
            for unit, folder in held.items():
                if not _matches_registry(store, graph_id, unit, loaded[unit]):
                    _put_back(store, graph_id, unit, folder)
                    restored.add(unit)


def _hold(store: LocalObjectStore, graph_id: str, unit: str, folder: Path) -> Path:
    prefix = processed_prefix(graph_id, unit)
    for key in store.list_keys(prefix):
        target = folder / key.removeprefix(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(store.path(key), target)
    return folder


def _matches_registry(
    store: LocalObjectStore, graph_id: str, unit: str, live: Mapping[str, str]
) -> bool:
    """Whether the unit's manifest names the registry's file of each live table."""
    try:
        manifest = SourceUnitManifest.model_validate_json(
            store.path(manifest_key(graph_id, unit)).read_bytes()
        )
    except (OSError, ValueError):
        return False
    stored = {t.table: t.checksum for t in manifest.tables}
    return all(stored.get(table) == checksum for table, checksum in live.items())


def _put_back(store: LocalObjectStore, graph_id: str, unit: str, folder: Path) -> None:
    """Make the unit's processed folder hold exactly the held files again."""
    prefix = processed_prefix(graph_id, unit)
    held = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    for key in list(store.list_keys(prefix)):
        if key.removeprefix(prefix) not in held:
            store.delete(key)
    for name, path in sorted(held.items(), key=lambda item: item[0] == MANIFEST_NAME):
        store.put_file(prefix + name, path)  # the manifest last: it means "complete"


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


class _StagingFile:
    """``query_staging`` on a staging file opened read-only, for ``read_load_states``."""

    def __init__(self, db: StagingDB, settings: NodeSettings) -> None:
        self.db, self.settings = db, settings

    def query_staging(
        self, graph_id: str, sql: str, parameters: list[Any] | None = None
    ) -> dict[str, Any]:
        result = self.db.read_query(
            sql, list(parameters or []), timeout_s=self.settings.query_timeout_s,
            max_rows=self.settings.max_result_rows,
            max_bytes=self.settings.max_result_bytes(),
        )  # fmt: skip
        return result.model_dump()


def kept_load_counts(store: LocalObjectStore, graph_id: str, unit: str) -> dict[str, Any]:
    """The counts of a refused filing's line, those of the load an earlier run made of it
    (``earlier_load_kept``), as its kept manifest says, so the line adds up: in document =
    present + rejected + collapsed. Its warnings are that load's, counted as any line's
    (the manifest's, plus one per schema missing that cost facts). The counts are None
    when the manifest cannot be read."""
    fields: dict[str, Any] = {"earlier_load_kept": True, "facts_present": None,
                              "facts_rejected": None, "rejected_reasons": {}}  # fmt: skip
    fields |= dict.fromkeys(_DUPLICATE_COUNTS)
    try:
        manifest = SourceUnitManifest.model_validate_json(
            store.get_bytes(manifest_key(graph_id, unit))
        )
    except (ObjectNotFound, ValueError):
        return fields
    missing: list[str] = []
    if manifest.facts is not None:
        counts = manifest.facts
        missing = missing_schema_warnings(dict(counts.rejected))
        fields |= counts.model_dump(include=set(_DUPLICATE_COUNTS)) | {
            "facts_in_document": counts.in_document,
            "facts_present": counts.extracted,
            "facts_rejected": counts.rejected_total,
            "rejected_reasons": dict(counts.rejected),
        }
    return fields | {
        "warnings": len(manifest.warnings) + len(missing),
        "warnings_to_act_on": [*manifest.warnings_to_act_on, *missing],
    }


def count_kept_loads(
    run_lines: Sequence[dict[str, Any]],
    refused: Sequence[tuple[str | None, dict[str, Any]]],
    *,
    store: LocalObjectStore,
    graph_id: str,
) -> bool:
    """Make the line of each package refused in favour of a load the graph keeps (the
    loaded unit paired with the line) say so (``earlier_load_kept``) and count that load
    as a refused rerun's line does (``kept_load_counts``): nothing of the package was
    loaded, and the graph holds that load's facts.

    One line counts a load, so no total counts a fact twice: a line this run made of the
    unit (a folder of it was run), else the first refused one; each other line names the
    folder of that one (``earlier_load_counted_on``). Returns whether a line took counts.
    """
    counted = {line["source_unit"]: line.get("folder") for line in run_lines}
    took = False
    for unit, line in refused:
        if unit is None:
            continue
        line |= {"facts_loaded": 0, "facts_added": 0}  # nothing of the package was run
        if unit in counted:
            line |= {"earlier_load_kept": True, "earlier_load_counted_on": counted[unit]}
            continue
        line |= kept_load_counts(store, graph_id, unit)
        counted[unit], took = line.get("folder"), True
    return took


def read_load_states_locally(
    home: Path, graph_id: str, units: Sequence[str]
) -> dict[str, LoadState] | None:
    """``read_load_states`` from the graph's staging file once no node holds it (the run's
    node stopped, or died). A graph never created holds nothing; None if unreadable."""
    path = _staging_path(home, graph_id)
    if path is None:
        return {unit: LoadState() for unit in units}
    try:
        db = StagingDB(path, read_only=True)
    except LedgerGraphError as exc:  # held by another process, or damaged
        logger.warning("load state unknown", extra={"path": str(path), "error": str(exc)})
        return None
    try:
        reader = _StagingFile(db, NodeSettings(home=home))
        return read_load_states(reader, graph_id, list(units))
    finally:
        db.close()
