"""The files of a batch as the node's file registry holds them, and the checks of a
materialize call's counts against them (MaterializeBatch, ``batch_loading``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledgergraph.errors import FilingError, PermanentError
from ledgergraph.graph_client import GraphClient

# One registry query per this many filings keeps each answer far below the node's row limit
# (LEDGERGRAPH_MAX_RESULT_ROWS, 10,000 by default; an SEC filing has at most ~40 files).
UNITS_PER_QUERY = 100
_REGISTRY_SQL = (
    "SELECT source_unit, table_name, file_id, row_count, status, rows_added, rows_present "
    "FROM file_registry WHERE source_unit IN (SELECT unnest(?)) "
    "AND status IN ('staged', 'materialized')"
)


@dataclass(frozen=True)
class BatchFile:
    """A registry row of one staged file of the batch."""

    source_unit: str
    table: str
    file_id: str
    rows: int
    status: str
    rows_added: int | None
    rows_present: int | None


Files = dict[str, dict[str, BatchFile]]  # source unit -> table -> file


def read_batch_files(
    client: GraphClient, graph_id: str, units: list[str], *, correlation_id: str | None
) -> Files:
    """The staged and materialized files of ``units``, from the node's file registry."""
    files: Files = {unit: {} for unit in units}
    for start in range(0, len(units), UNITS_PER_QUERY):
        chunk = units[start : start + UNITS_PER_QUERY]
        answer = client.query_staging(
            graph_id, _REGISTRY_SQL, [chunk], correlation_id=correlation_id
        )
        if answer.get("truncated"):
            raise PermanentError(f"registry answer truncated for {len(chunk)} filings")
        columns = answer["columns"]
        for row in answer["rows"]:
            values = dict(zip(columns, row, strict=True))
            file = BatchFile(
                source_unit=values["source_unit"], table=values["table_name"],
                file_id=values["file_id"], rows=int(values["row_count"]),
                status=values["status"], rows_added=values["rows_added"],
                rows_present=values["rows_present"],
            )  # fmt: skip
            by_table = files[file.source_unit]
            if file.table in by_table:
                raise PermanentError(f"{file.source_unit}: two live {file.table} files")
            by_table[file.table] = file
    return files


def check_answer(table: str, answer: dict[str, Any], files: list[BatchFile]) -> int:
    """The rows the call added, once its counts are checked against the files offered.

    Raises:
        FilingError: offered != added + present, present != updated + unchanged, or more
            keys offered than the files hold rows, or fewer than the largest file holds.
    """
    offered, added = answer["rows_offered"], answer["rows_added"]
    present = answer["rows_present"]
    updated = int(answer.get("rows_updated", 0))
    unchanged = int(answer.get("rows_unchanged", present))
    rows = sum(f.rows for f in files)
    fits = max(f.rows for f in files) <= offered <= rows  # shared keys count once
    if offered != added + present or present != updated + unchanged or not fits:
        units = ", ".join(f.source_unit for f in files)
        raise FilingError(
            f"{units}: {table} offered {offered} rows of {rows}, added {added}, already "
            f"present {present} (updated {updated}, unchanged {unchanged})"
        )
    return added
