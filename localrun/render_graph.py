"""Plain-text output of the commands that read the graph or change it by hand: ``facts``,
``stats`` and the warnings reading commands give, and ``delete-source``."""

from __future__ import annotations

import re
from typing import Any

from ledgergraph.graph_schema import LOAD_ORDER
from ledgergraph.messages import pluralize
from localrun.render import table


def facts(rows: list[dict[str, Any]]) -> str:
    """``facts``: one line per Fact. ``period`` is the Period id, so a timed or zoned
    moment shows (``2024-06-30T12:00:00Z``), not its day alone; ``duplicate`` is the
    fact's duplicate_status; ``non-dimensional`` the context's segment or scenario content
    that is no dimension member, without which a fact of no dimension is company-wide."""
    columns = [
        "cik", "report", "form", "period", "value", "unit", "decimals", "duplicate",
        "dimensions", "non-dimensional",
    ]  # fmt: skip
    body = []
    for r in rows:
        value = "nil" if r["is_nil"] else (r["value_decimal"] or r["value_text"])
        body.append(
            [
                r["cik"],
                r["report"],
                r["form"],
                r["period"],
                value,
                r["unit"],
                r["decimals"],
                r["duplicate_status"],
                ", ".join(r["dimensions"]),
                non_dimensional_text(r["non_dimensional"]),
            ]
        )
    return table(columns, body)


# Context.non_dimensional as xbrl_task.arelle_context_content writes it: a segment, then a
# scenario, each declaring every namespace of its content (C14N) on itself
_CONTENT = re.compile(
    r'<xbrli:(segment|scenario)((?: xmlns:[\w.-]+="[^"]*")*)>(.*?)</xbrli:\1>', re.DOTALL
)
_DECLARATION = re.compile(r' xmlns:([\w.-]+)="([^"]*)"')


def non_dimensional_text(xml: str | None) -> str | None:
    """``Context.non_dimensional`` shortened for a table: each container's content with
    the namespaces its ``nsN`` prefixes stand for, ``segment <ns1:Region>EMEA</ns1:Region>
    (ns1 urn:x)``; the XML as stored when it is not of that shape."""
    if xml is None:
        return None
    parts, end = [], 0
    for match in _CONTENT.finditer(xml):
        if match.start() != end:
            return xml
        container, declarations, content = match.groups()
        prefixes = _DECLARATION.findall(declarations)
        named = [f"{prefix} {uri}" for prefix, uri in prefixes if prefix != "xbrli"]
        parts.append(f"{container} {content}" + (f" ({', '.join(named)})" if named else ""))
        end = match.end()
    return "; ".join(parts) if parts and end == len(xml) else xml


def _unit_argument(units: dict[str, int]) -> str:
    """The one unit to name in a command, or a placeholder for several."""
    return next(iter(units)) if len(units) == 1 else "<source unit>"


def stats(result: dict[str, Any], *, delete_command: str = "ledgergraph delete-source") -> str:
    """Counts per table and file status; then the source units whose files were never
    materialized, with ``delete_command`` (``... --graph G``) that removes them."""
    rows = [["node", name, n] for name, n in result["nodes"].items()]
    rows += [["relationship", name, n] for name, n in result["relationships"].items()]
    rows += [["files", status, n] for status, n in result.get("files", {}).items()]
    text = table(["kind", "table", "count"], rows)
    unfinished = result.get("unfinished") or {}
    deletes = interrupted_delete_warnings(
        result.get("interrupted_deletes") or {}, delete_command=delete_command
    )
    if deletes:
        text += "\n\n" + "\n".join(deletes)  # a blank line after the table
    if not unfinished:
        return text
    lines = [
        "",
        "files registered or staged but never materialized, in "
        f"{pluralize(len(unfinished), 'source unit')}: a load still running, or one that "
        "stopped (killed, failed)",
        *(f"  {unit}: {pluralize(n, 'file')}" for unit, n in unfinished.items()),
        f"if no load is running, remove them with: {delete_command} {_unit_argument(unfinished)}",
    ]
    return text + "\n" + "\n".join(lines)  # a blank line after the table


def unfinished_warnings(unfinished: dict[str, int], *, delete_command: str) -> list[str]:
    """A WARNING per source unit with files registered or staged, never materialized:
    the graph may hold part of it (a load interrupted, or still running)."""
    return [
        f"WARNING {unit}: {pluralize(n, 'file')} staged but not materialized, so it may be half "
        "loaded (a load interrupted, or one still running); finish it by running the load "
        "again (the same `sec run`: it adds only what is missing), or remove it with: "
        f"{delete_command} {unit}"
        for unit, n in unfinished.items()
    ]


def interrupted_delete_warnings(deletes: dict[str, int], *, delete_command: str) -> list[str]:
    """A WARNING per source unit whose delete was killed before it finished: the graph
    may have lost all or part of it while the file registry still counts it loaded."""
    return [
        f"WARNING {unit}: a delete of it was interrupted (the node killed) and is not "
        f"finished: the graph may hold all, part or none of it, while the file registry "
        f"still counts its {pluralize(n, 'file')} as they were; finish the delete with: "
        f"{delete_command} {unit}"
        for unit, n in deletes.items()
    ]


def reading_warnings(stats_result: dict[str, Any], *, delete_command: str) -> list[str]:
    """What a reading command warns of from ``stats``: deletes interrupted, then source
    units staged but not materialized."""
    deletes = stats_result.get("interrupted_deletes") or {}
    unfinished = stats_result.get("unfinished") or {}
    return [
        *interrupted_delete_warnings(deletes, delete_command=delete_command),
        *unfinished_warnings(unfinished, delete_command=delete_command),
    ]


DELETE_COUNTS = ("removed", "rewritten", "unchanged", "restored", "kept", "untouched")


def deleted_source(result: dict[str, Any]) -> str:
    """``delete-source``: per table the rows removed, rewritten with another unit's row,
    unchanged (another unit's identical row takes over), restored (rows the unit's newer
    versions had taken out), nodes kept, and keys left untouched (another unit's row was
    the graph's already), as --json."""
    counts = {kind: result.get(kind) or {} for kind in DELETE_COUNTS}
    found = {name for named in counts.values() for name in named}
    names = [n for n in LOAD_ORDER if n in found] + sorted(found - set(LOAD_ORDER))
    rows = [[name, *(counts[kind].get(name, 0) for kind in DELETE_COUNTS)] for name in names]
    files = pluralize(result["files"], "file")
    head = f"{result['source_unit']}: {files} deleted\n"
    if result.get("finished_interrupted"):  # this call found the unit gone already
        head = (
            f"{result['source_unit']}: finished its interrupted delete (the node was killed "
            f"during it): {files} deleted, what that delete did below\n"
        )
    if gone := result.get("already_deleted"):
        return _already_deleted(result["source_unit"], gone)
    return head + table(["table", *DELETE_COUNTS], rows)


def _already_deleted(unit: str, gone: dict[str, Any]) -> str:
    """A delete that found every file of the unit deleted before it: when and by what."""
    when = f" at {gone['deleted_at']}" if gone.get("deleted_at") else ""
    by = f" by {gone['by']}" if gone.get("by") else ""
    return (
        f"{unit}: already deleted, nothing changed: its {pluralize(gone['files'], 'file')} "
        f"{'was' if gone['files'] == 1 else 'were'} deleted{when}{by}\n"
    )
