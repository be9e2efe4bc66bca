"""Request and response shapes of the Graph API (``docs/graph-api.md``).

The HTTP layer validates requests with these models and the service returns the response
models, so the CLI, which calls the service in-process, sees exactly what HTTP clients see.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Context, Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FileStatus = Literal["registered", "staged", "materialized", "failed", "deleted"]
FileId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="a registry file id")]
MAX_FILES_PER_CALL = 10_000
MAX_TABLES_PER_CALL = 100


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FileSpec(_Model):
    """One graph-shaped Parquet file to register."""

    table: str = Field(max_length=100, description="graph table the file holds rows of")
    uri: str = Field(max_length=2000, description="file:// or s3:// URI inside the store")
    source_unit: str = Field(
        min_length=1,
        max_length=200,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
        description="accession number or sync run id the file came from",
    )
    row_count: int = Field(
        ge=0, lt=2**63, description="rows in the file, as written by the producer"
    )
    checksum: str = Field(
        pattern=r"^sha256:[0-9a-f]{64}$", description="sha256:<hex> of the file's bytes"
    )


class RegisterRequest(_Model):
    files: list[FileSpec] = Field(min_length=1, max_length=MAX_FILES_PER_CALL)


class FileIdsRequest(_Model):
    file_ids: list[FileId] = Field(min_length=1, max_length=MAX_FILES_PER_CALL)


class TableFiles(_Model):
    table: str = Field(max_length=100, description="graph table the files hold rows of")
    file_ids: list[FileId] = Field(min_length=1, max_length=MAX_FILES_PER_CALL)


class TablesRequest(_Model):
    """Several materialize calls in one request, made in the order given."""

    tables: list[TableFiles] = Field(min_length=1, max_length=MAX_TABLES_PER_CALL)


class SqlRequest(_Model):
    sql: str = Field(min_length=1, max_length=100_000)
    parameters: list[Any] = Field(default_factory=list, max_length=1000)


class CypherRequest(_Model):
    cypher: str = Field(min_length=1, max_length=100_000)
    parameters: dict[str, Any] = Field(default_factory=dict)


class RegisteredFile(_Model):
    file_id: str
    table: str
    status: FileStatus
    row_count: int


class StagedFile(_Model):
    file_id: str
    table: str
    rows_in_file: int
    rows_staged: int
    status: FileStatus


class FileState(_Model):
    file_id: str
    status: FileStatus
    rows_updated: int = Field(
        default=0,
        description="of the call's rows_updated, the keys this file's row was SET over "
        "(the newer version, or the definition the graph's node lacked)",
    )


class RegisteredFiles(_Model):
    files: list[RegisteredFile]


class StagedFiles(_Model):
    files: list[StagedFile]


class MaterializeResult(_Model):
    """Counts of one materialize call; rows_offered == rows_added + rows_present +
    rows_superseded, and rows_present == rows_updated + rows_unchanged (upsert tables
    update, and a defined_by table's undefined nodes a call defines: definitions.py)."""

    table: str
    rows_offered: int
    rows_added: int
    rows_present: int = Field(description="offered keys the graph held already")
    rows_superseded: int = Field(
        default=0,
        description="offered rows of records the graph holds a newer version of: not applied",
    )
    rows_updated: int = Field(default=0, description="present keys given their newer content")
    rows_unchanged: int = Field(default=0, description="present keys with the same content")
    relationships_removed: dict[str, int] = Field(
        default_factory=dict,
        description="per table: relationships the nodes' newer versions no longer have",
    )
    nodes_removed: dict[str, int] = Field(
        default_factory=dict, description="per table: nodes no relationship holds any more"
    )
    files: list[FileState]


class StoppedAt(_Model):
    """The call of a several-table request that failed; the tables after it were not tried."""

    table: str
    type: str = Field(description="the error class, as in an error body")
    message: str
    transient: bool = Field(description="whether the same request may succeed later")
    status: int = Field(description="the HTTP status the call alone would have answered")


class TablesResult(_Model):
    """What each call of a several-table request did, in order, up to the one that failed."""

    results: list[MaterializeResult]
    stopped: StoppedAt | None = None


class QueryResult(_Model):
    """A query's rows as JSON values; ``truncated`` when the row limit cut it short."""

    columns: list[str]
    rows: list[list[Any]]
    truncated: bool = False


class GraphStats(_Model):
    nodes: dict[str, int]
    relationships: dict[str, int]
    files: dict[str, int]
    unfinished: dict[str, int] = Field(
        default_factory=dict,
        description="source units with files registered or staged, never materialized: "
        "file count per unit (a load in progress, or one that stopped)",
    )
    interrupted_deletes: dict[str, int] = Field(
        default_factory=dict,
        description="source units whose delete was interrupted (the node killed): file "
        "count per unit; the graph may hold all, part or none of each until a write "
        "(delete-source of the unit, or any other) finishes the delete",
    )


class NodeStatus(_Model):
    status: Literal["ok"]
    role: Literal["writer", "replica"]
    schema_version: str
    graphs: list[str]
    snapshots: dict[str, str] | None = Field(
        default=None, description="a replica's snapshot id per graph"
    )
    damaged: dict[str, str] | None = Field(
        default=None,
        description="graphs whose graph file cannot be opened or read, with the reason; "
        "only a rebuild serves them again",
    )


def to_jsonable(value: Any) -> Any:
    """A query value as JSON: decimals, dates and times as strings, containers recursively."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, Decimal):
        return _plain_decimal(value) if value.is_finite() else str(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [to_jsonable(v) for v in value]
    return str(value)


def _plain_decimal(value: Decimal) -> str:
    """Exact, without the column's padding zeros and never in exponent form.

    ``normalize`` rounds to its context's precision (28 digits by default), which would
    change a DECIMAL(38, x) or INT128 value of more digits: its context holds them all.
    """
    digits = max(len(value.as_tuple().digits), 1)
    return format(value.normalize(Context(prec=digits)), "f")
