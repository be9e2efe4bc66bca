"""The last check before rows reach the engine: nothing LadybugDB could choke on gets in.

Staging validated every file already; this checks the very Arrow table handed to COPY, after
deduplication and filtering, because that is what the engine sees: the exact column types
(the engine casts silently otherwise), valid UTF-8 and offsets (stored without complaint,
then every read of the row fails), no null in a non-null column, dates and times in years
0001 to 9999 (real_ladybug 0.15.3 stores any, then dies of SIGSEGV reading back one outside
them: DuckDB's infinity, a BC year, year 10000), and each key once. Keys
already in the graph never get here (materialize anti-joins the key ledger): real_ladybug
0.15.3 reports such a collision cleanly, the ladybug 0.22 line dies of SIGSEGV on it (see
shared/research/engine-probes.md).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from graph_node.errors import CopyRefused
from ledgergraph.graph_schema import Table, all_columns, arrow_schema
from ledgergraph.messages import pluralize

_MAX_NAMED = 5
# What the engine reads back, counted from 1970-01-01 as Arrow holds it: 0001-01-01 to
# 9999-12-31 in days (DATE), to 9999-12-31T23:59:59.999999Z in microseconds (TIMESTAMP).
ENGINE_RANGE = {
    "DATE": (pa.int32(), -719_162, 2_932_896, "day"),
    "TIMESTAMP": (pa.int64(), -62_135_596_800_000_000, 253_402_300_799_999_999, "microsecond"),
}
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "+00:00", "Z", "utc", "Etc/UCT", "UCT"})


def conform(table: Table, rows: pa.Table) -> pa.Table:
    """``rows`` with the table's exact Arrow types where they differ only in a UTC name.

    DuckDB hands TIMESTAMPTZ to Arrow with the session time zone's name (``Etc/UTC``);
    the instant is the same, so the column is relabelled rather than refused.
    """
    expected = arrow_schema(table)
    if rows.schema.types == expected.types or rows.schema.names != expected.names:
        return rows
    for found, wanted in zip(rows.schema.types, expected.types, strict=True):
        if found != wanted and not _same_instant_type(found, wanted):
            return rows
    return rows.cast(expected)


def _same_instant_type(found: pa.DataType, wanted: pa.DataType) -> bool:
    return (
        pa.types.is_timestamp(found)
        and pa.types.is_timestamp(wanted)
        and found.unit == wanted.unit
        and found.tz in _UTC_NAMES
        and wanted.tz in _UTC_NAMES
    )


def check_copy_rows(table: Table, rows: pa.Table) -> None:
    """Raise CopyRefused naming ``table`` unless ``rows`` is safe to COPY into it."""
    expected = arrow_schema(table)
    if rows.schema.names != expected.names or rows.schema.types != expected.types:
        raise CopyRefused(
            f"{table.name}: rows for COPY have columns {_describe(rows.schema)}, "
            f"the table takes {_describe(expected)}"
        )
    try:
        rows.validate(full=True)
    except pa.ArrowInvalid as exc:
        raise CopyRefused(f"{table.name}: rows for COPY hold invalid values ({exc})") from exc
    for column in all_columns(table):
        if not column.nullable and rows.column(column.name).null_count:
            raise CopyRefused(f"{table.name}: null in non-null column {column.name!r}")
    check_engine_range(table, rows)
    _check_unique(table, rows)


def check_engine_range(table: Table, rows: pa.Table) -> None:
    """Raise CopyRefused naming ``table``, keys and columns of rows (of the table's Arrow
    schema) holding a date or time the engine cannot read back: for rows COPY adds and for
    rows an upsert SETs alike."""
    named, found = [], 0
    for column in all_columns(table):
        if column.type not in ENGINE_RANGE:
            continue
        raw_type, first, last, unit = ENGINE_RANGE[column.type]
        raw = rows.column(column.name).cast(raw_type)
        outside = pc.or_(pc.less(raw, first), pc.greater(raw, last))
        bad = rows.select(list(table.key)).append_column("raw", raw).filter(outside)
        found += bad.num_rows
        for row in bad.slice(0, _MAX_NAMED - len(named)).to_pylist():
            raw_value = row.pop("raw")
            keys = ", ".join(f"{k}={v!r}" for k, v in row.items())
            named.append(f"{keys}: {column.name} is {unit} {raw_value} from 1970-01-01")
    if found:
        raise CopyRefused(
            f"{table.name}: {pluralize(found, 'value')} outside the years 0001 to 9999 the "
            f"engine reads back: {'; '.join(named)}"
        )


def _check_unique(table: Table, rows: pa.Table) -> None:
    key = list(table.key)
    if unique_column(rows, key):
        return  # the common case, told without grouping
    counts = rows.select(key).group_by(key, use_threads=False).aggregate([([], "count_all")])
    repeated = counts.filter(pc.greater(counts["count_all"], 1))
    if repeated.num_rows:
        named = [", ".join(f"{k}={row[k]!r}" for k in key)
                 for row in repeated.slice(0, _MAX_NAMED).to_pylist()]  # fmt: skip
        raise CopyRefused(
            f"{table.name}: {pluralize(repeated.num_rows, 'key')} more than once: "
            f"{'; '.join(named)}"
        )


def unique_column(rows: pa.Table, columns: list[str]) -> bool:
    """Whether one of ``columns`` alone holds no value twice and no null, which makes the
    rows' values of ``columns`` together distinct (a fact's relationships: its id)."""
    return any(
        rows.column(c).null_count == 0
        and pc.count_distinct(rows.column(c)).as_py() == rows.num_rows
        for c in columns
    )


def _describe(schema: pa.Schema) -> str:
    return ", ".join(f"{f.name} {f.type}" for f in schema)
