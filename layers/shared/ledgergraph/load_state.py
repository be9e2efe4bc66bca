"""What the graph node's file registry says is in the graph of filings whose load stopped.

A load interrupted by the node (unavailable, restarted, crashed) or by a transient error
may have materialized some of a filing's tables and left the others staged: each table's
call is all or nothing, the filing as a whole is not. Only the registry knows how far each
filing got; ``read_load_states`` asks it, and says "unknown" rather than guess when the
node cannot answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from ledgergraph.errors import LedgerGraphError, PermanentError
from ledgergraph.logs import get_logger

logger = get_logger("ledgergraph")

# The error names the state machine retries (its Retry lists) and Step Functions' own
# timeout: a filing that failed with one of them failed for the load, not for its data.
INTERRUPTIONS = frozenset({
    "TransientError", "GraphNodeUnavailable", "States.Timeout", "States.HeartbeatTimeout",
    "Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
})  # fmt: skip
UNITS_PER_QUERY = 1000  # at most 3 rows per unit: far below the node's row limit
_STATE_SQL = (
    "SELECT source_unit, status, count(*) AS files, "
    "sum(CASE WHEN table_name = 'Fact' THEN rows_added END) AS facts_added, "
    "sum(CASE WHEN table_name = 'Fact' THEN rows_present END) AS facts_present "
    "FROM file_registry WHERE source_unit IN (SELECT unnest(?)) "
    "AND status IN ('registered', 'staged', 'materialized') GROUP BY source_unit, status"
)


class StagingReader(Protocol):
    """The one call needed: ``GraphClient`` or an in-process ``GraphService``."""

    def query_staging(
        self, graph_id: str, sql: str, parameters: list[Any] | None = None
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class LoadState:
    """A filing's live files in the registry: materialized (in the graph) or not yet.

    ``facts_added`` and ``facts_present`` are its Fact file's credits, None until that
    file is materialized.
    """

    materialized: int = 0
    unmaterialized: int = 0
    facts_added: int | None = None
    facts_present: int | None = None

    def graph_files(self) -> dict[str, int]:
        """The files as a run summary records them (``graph_files``)."""
        return {"materialized": self.materialized, "unmaterialized": self.unmaterialized}

    @property
    def half_loaded(self) -> bool:
        """Some tables in the graph, others only registered or staged."""
        return self.materialized > 0 and self.unmaterialized > 0


def is_interruption(error_type: str | None) -> bool:
    """True for an error of the load itself (node gone, timeout), not of the filing."""
    return error_type in INTERRUPTIONS


def read_load_states(
    reader: StagingReader | None, graph_id: str, units: list[str]
) -> dict[str, LoadState] | None:
    """Each unit's ``LoadState`` (units the registry does not know get an empty one).

    Returns None when there is no reader or the node does not answer: what is in the
    graph is then unknown. Never raises for the node's failure (it is logged).
    """
    if reader is None or not units:
        return None if reader is None else {}
    states: dict[str, dict[str, Any]] = {unit: {} for unit in units}
    try:
        for start in range(0, len(units), UNITS_PER_QUERY):
            chunk = units[start : start + UNITS_PER_QUERY]
            answer = reader.query_staging(graph_id, _STATE_SQL, [chunk])
            if answer.get("truncated"):
                raise PermanentError(f"registry answer truncated for {len(chunk)} units")
            for row in answer["rows"]:
                _add_row(states, dict(zip(answer["columns"], row, strict=True)))
    except LedgerGraphError as exc:
        logger.warning("load state unknown", extra={"units": len(units), "error": str(exc)})
        return None
    return {unit: LoadState(**fields) for unit, fields in states.items()}


def _add_row(states: dict[str, dict[str, Any]], row: dict[str, Any]) -> None:
    fields = states[row["source_unit"]]
    files = int(row["files"])
    if row["status"] != "materialized":
        fields["unmaterialized"] = fields.get("unmaterialized", 0) + files
        return
    fields["materialized"] = files
    if row["facts_added"] is not None:
        fields["facts_added"] = int(row["facts_added"])
        fields["facts_present"] = int(row["facts_present"] or 0)
