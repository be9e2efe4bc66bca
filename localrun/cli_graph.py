"""``ledgergraph query | facts | stats | serve | publish | delete-source | rebuild``.

Reading, serving and maintaining a graph. Commands that change a graph talk to a running
node with ``--endpoint`` (its key from LEDGERGRAPH_GRAPH_API_KEY, else the key file a
local node writes in the data directory), and otherwise open the graph's files in-process
as its writer (no node may be running on them then).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, NoReturn, Protocol

from localrun import render, render_graph
from localrun.cli_common import (
    API_KEY_VARIABLE,
    EXIT_OK,
    add_common,
    api_key,
    cik_number,
    emit,
    home_of,
)


def register(commands: argparse._SubParsersAction) -> None:
    query = commands.add_parser("query", help="run a read-only Cypher query")
    add_common(query)
    query.add_argument("cypher", help="the Cypher statement")
    query.add_argument(
        "--param",
        action="append",
        default=[],
        help='NAME=VALUE, read as JSON when it is JSON (12, true, "text"), else as text; '
        "integers must fit INT64, other numbers a DOUBLE as written: give a wider or more "
        'precise one quoted (n="1234...") and CAST it',
    )
    query.set_defaults(handler=cmd_query)

    facts = commands.add_parser(
        "facts",
        help="a concept's facts: period (its Period id), value, unit, duplicate status, "
        "dimensions and non-dimensional context content",
    )
    add_common(facts)
    facts.add_argument(
        "--concept",
        required=True,
        help="concept id, e.g. us-gaap:Revenues; a bare local name (Revenues) is taken when "
        "exactly one concept of that name has facts; a name that matches none exactly reads "
        "the one it matches ignoring case",
    )
    facts.add_argument("--cik", type=cik_number, default=None, help="only this filer")
    facts.set_defaults(handler=cmd_facts)

    stats = commands.add_parser("stats", help="node and relationship counts per table")
    add_common(stats)
    stats.set_defaults(handler=cmd_stats)

    serve = commands.add_parser(
        "serve",
        help="run the graph node (Graph API)",
        epilog=_node_settings_text,
        formatter_class=_LazyEpilog,
    )
    serve.add_argument("--home", type=Path, default=None, help="data directory")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=8000, help="TCP port (default 8000; 0 picks a free one)"
    )
    serve.add_argument("--replica", action="store_true", help="read-only replica mode")
    serve.add_argument(
        "--graph",
        action="append",
        default=None,
        help="graph a replica serves (repeatable; a writer serves every graph of its home)",
    )
    serve.set_defaults(handler=cmd_serve)

    publish = commands.add_parser("publish", help="publish a verified snapshot of a graph")
    add_common(publish)
    publish.set_defaults(handler=cmd_publish)

    delete = commands.add_parser(
        "delete-source", help="remove a source unit (filing, sync run) from a graph"
    )
    add_common(delete)
    delete.add_argument("source_unit", help="accession number or sync run id")
    delete.set_defaults(handler=cmd_delete_source)

    rebuild = commands.add_parser("rebuild", help="rebuild a graph from its staging data")
    add_common(rebuild)
    rebuild.set_defaults(handler=cmd_rebuild)


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    """``NAME=VALUE`` pairs as query parameters: JSON when the value is JSON, else the text.

    A number with a fraction or an exponent is read exactly and given to the engine as a
    DOUBLE only when a DOUBLE keeps it as written (both ways to the engine, in-process and
    through a node's JSON, bind it so); anything else is refused naming the parameter.
    """
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param wants NAME=VALUE, got {pair!r}")
        try:
            parsed = json.loads(value, parse_float=Decimal, parse_constant=Decimal)
        except ValueError:  # not JSON: the text itself (report=0000012927-24-000010)
            parsed = value
        params[name] = _as_bound(parsed, name, f"${name}")
    return params


def _as_bound(value: Any, name: str, where: str) -> Any:
    """``value`` with each Decimal turned into the float that keeps it; ValueError naming
    ``where`` (``$x``, ``$ids[2]``, ``$m.total``) for one no DOUBLE keeps."""
    if isinstance(value, list):
        return [_as_bound(item, name, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, dict):
        return {key: _as_bound(item, name, f"{where}.{key}") for key, item in value.items()}
    if not isinstance(value, Decimal):
        return value
    start = f"--param {name}: {where} is {value}"
    if not value.is_finite():
        raise ValueError(f"{start}; only finite numbers are taken")
    double = float(value)
    if math.isinf(double):
        raise ValueError(f"{start}, beyond the graph engine's DOUBLE range (about 1.8e308)")
    if Decimal(repr(double)) == value:
        return double
    _refuse_inexact(start, value, double, where=where)


def _refuse_inexact(start: str, value: Decimal, double: float, *, where: str) -> NoReturn:
    """ValueError for a number a DOUBLE would change, with the exact way to give it."""
    text = f"{start}: as a DOUBLE it would be {double!r}"
    scale = max(0, -value.as_tuple().exponent)
    if len(value.as_tuple().digits) > 38 or scale > 38:
        raise ValueError(f"{text}, and it has more digits than the engine's DECIMAL (38) holds")
    decimal = f"DECIMAL(38, {scale})"
    if where.endswith("]"):  # a list mixing strings and numbers does not bind
        items = where[: where.rindex("[")]
        raise ValueError(
            f"{text}; give {items}'s elements all as strings and convert them in the query, "
            f"e.g. list_transform({items}, v -> CAST(v AS {decimal}))"
        )
    raise ValueError(f'{text}; give it as a string ("{value}") and CAST({where} AS {decimal})')


def cmd_query(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader

    params = _parse_params(args.param)  # bad input refused before the graph is opened
    home = home_of(args)
    with open_reader(home=home, endpoint=args.endpoint, api_key=node_api_key(home)) as reader:
        result = reader.query_cypher(args.graph, args.cypher, params)
    emit(args, result, render.table(result["columns"], result["rows"]))
    if result.get("truncated") and not args.json:  # --json says truncated: true itself
        print(
            f"showing the first {len(result['rows']):,} rows; the query returned more (page "
            "with SKIP and LIMIT, or raise the node's LEDGERGRAPH_MAX_RESULT_ROWS)",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_facts(args: argparse.Namespace) -> int:
    from localrun.errors import UnknownConcept
    from localrun.graph_access import (
        fetch_facts,
        open_reader,
        refuse_graph_without_sec_data,
        resolve_concept,
    )

    home = home_of(args)
    reach = reach_of(args, home)
    with open_reader(home=home, endpoint=args.endpoint, api_key=node_api_key(home)) as reader:
        warn_of_unfinished(reader, args, home)
        try:
            concept = resolve_concept(reader, args.graph, args.concept, args.cik)
        except UnknownConcept as exc:  # a ledger graph can hold the Element, never its facts
            refuse_graph_without_sec_data(reader, args.graph, reach=reach)
            hints = _rejection_hints(reader, args, home, args.concept)
            if not hints:
                raise
            raise UnknownConcept("\n".join([str(exc), *hints])) from exc
        if concept != args.concept:  # on stderr: --json output stays the rows alone
            print(f"{args.concept}: facts of {concept}", file=sys.stderr)
        rows = fetch_facts(reader, args.graph, concept=concept, cik=args.cik)
        if not rows:
            refuse_graph_without_sec_data(reader, args.graph, reach=reach)
            whose = f" for CIK {args.cik}" if args.cik is not None else ""
            # on stderr, as above; an empty answer is an answer (exit 0), where a bare name
            # that names no concept with facts cannot be answered at all (UnknownConcept)
            print(f"no facts of {concept}{whose} in graph {args.graph}", file=sys.stderr)
            for line in _rejection_hints(reader, args, home, concept):
                print(line, file=sys.stderr)
    emit(args, rows, render_graph.facts(rows))
    return EXIT_OK


def _rejection_hints(reader: Any, args: argparse.Namespace, home: Path, concept: str) -> list[str]:
    """Why ``concept``'s facts may be absent: the rejected facts of the filings (of
    --cik) by their manifests, read from this home's store unless --endpoint names a node
    elsewhere."""
    from localrun.rejections import rejection_hints

    store = None if args.endpoint else home / "store"
    return rejection_hints(reader, args.graph, concept=concept, cik=args.cik, store_root=store)


def warn_of_unfinished(reader: Any, args: argparse.Namespace, home: Path) -> None:
    """A WARNING on stderr (--json output stays the rows alone) per source unit the graph
    may hold only part of: a delete interrupted, files staged but not materialized."""
    found = reader.stats(args.graph)
    delete = delete_command_of(args, home)
    for line in render_graph.reading_warnings(found, delete_command=delete):
        print(line, file=sys.stderr)


def reach_of(args: argparse.Namespace, home: Path) -> str:
    """The options that reach the same graph again: ``--endpoint URL`` or ``--home DIR``."""
    if args.endpoint:
        return f"--endpoint {shlex.quote(args.endpoint)}"
    return f"--home {shlex.quote(str(home))}"


def cmd_stats(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader

    home = home_of(args)
    with open_reader(home=home, endpoint=args.endpoint, api_key=node_api_key(home)) as reader:
        result = reader.stats(args.graph)
    emit(args, result, render_graph.stats(result, delete_command=delete_command_of(args, home)))
    return EXIT_OK


def delete_command_of(args: argparse.Namespace, home: Path) -> str:
    """``ledgergraph delete-source`` reaching the same graph, the source unit left off."""
    delete = f"ledgergraph delete-source --home {shlex.quote(str(home))} --graph {args.graph}"
    if args.endpoint:  # the files are the node's: in-process the command would wait for them
        delete += f" --endpoint {shlex.quote(args.endpoint)}"
    return delete


class _LazyEpilog(argparse.RawDescriptionHelpFormatter):
    """Text given as a function is made only when help is printed (the node's settings
    import pydantic-settings: 0.15 s no other command should pay to build its parser)."""

    def add_text(self, text: Any) -> None:
        super().add_text(text() if callable(text) else text)


def _node_settings_text() -> str:
    """The node's environment settings, one line each, from NodeSettings' own fields."""
    from graph_node.settings import NodeSettings

    lines = ["settings read from the environment (graph_node/settings.py):"]
    for name, field in NodeSettings.model_fields.items():
        if not name.startswith("test_"):
            first = (field.description or "").split(". ")[0].rstrip(".")
            text = f"LEDGERGRAPH_{name.upper()}: {first}"
            lines += textwrap.wrap(text, 96, initial_indent="  ", subsequent_indent="      ")
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    from graph_node.__main__ import main as serve_main
    from ledgergraph.errors import PermanentError

    if args.graph and not args.replica:
        raise PermanentError(
            "--graph names the graphs a replica serves (with --replica); a writer serves "
            "every graph of its home"
        )

    argv = ["serve", "--host", args.host, "--port", str(args.port), "--home", str(home_of(args))]
    argv += ["--replica"] if args.replica else []
    argv += [a for graph in args.graph or [] for a in ("--graph", graph)]
    return serve_main(argv) or EXIT_OK


class GraphWriter(Protocol):
    def publish(self, graph_id: str) -> dict[str, Any]: ...
    def delete_source(self, graph_id: str, source_unit: str) -> dict[str, Any]: ...
    def rebuild(self, graph_id: str) -> dict[str, Any]: ...


def node_api_key(home: Path) -> str | None:
    """LEDGERGRAPH_GRAPH_API_KEY, else the key a local node generated under ``home``."""
    from graph_node.settings import NodeSettings

    key_file = NodeSettings(home=home).key_file()
    if api_key() or not key_file.is_file():
        return api_key()
    return key_file.read_text().strip() or None


def key_hint(endpoint: str, home: Path) -> str:
    """What to do when the node at ``endpoint`` refused the key this CLI sent (or none)."""
    from graph_node.settings import NodeSettings

    key_file = NodeSettings(home=home).key_file()
    if api_key():
        sent = f"the key in {API_KEY_VARIABLE} was refused"
    elif node_api_key(home):
        sent = f"the key in {key_file} was refused"
    else:
        sent = f"no key was sent ({API_KEY_VARIABLE} is not set, no {key_file})"
    return (
        f"The graph node at {endpoint} wants its API key: {sent}. Set {API_KEY_VARIABLE} "
        "to the node's key, or give --home the data directory of a node started with "
        "`ledgergraph serve` (its key is in graph-node.key there)"
    )


@contextmanager
def open_writer(*, home: Path, endpoint: str | None) -> Iterator[GraphWriter]:
    """The node at ``endpoint``, or the graph files under ``home`` opened in-process."""
    if endpoint:
        from ledgergraph.graph_client import GraphClient

        with GraphClient(endpoint, api_key=node_api_key(home)) as client:
            yield client
        return

    from localrun.graph_access import local_node

    with local_node(home, read_only=False) as service:
        yield service


def cmd_publish(args: argparse.Namespace) -> int:
    with open_writer(home=home_of(args), endpoint=args.endpoint) as writer:
        result = writer.publish(args.graph)
    text = f"snapshot {result['snapshot_id']} published ({result['manifest_key']})\n"
    emit(args, result, text + _counts_table(result["tables"]))
    return EXIT_OK


def cmd_delete_source(args: argparse.Namespace) -> int:
    # the node records a QuickBooks run's withdrawal in its own store (graph_node.withdrawal)
    from graph_node.errors import NodeError
    from ledgergraph.errors import GraphNodeRejected, GraphNodeUnavailable
    from localrun import source_hints

    home, graph, unit = home_of(args), args.graph, args.source_unit
    try:
        with open_writer(home=home, endpoint=args.endpoint) as writer:
            result = writer.delete_source(graph, unit)
    except GraphNodeUnavailable as exc:
        raise GraphNodeUnavailable(f"{exc}{source_hints.unfinished(graph, unit)}") from exc
    except (NodeError, GraphNodeRejected) as exc:
        if not source_hints.not_found(exc):
            raise
        command = source_hints.delete_command(unit, home=home, endpoint=args.endpoint)
        if not (hint := source_hints.elsewhere(home, graph, unit, command)):
            raise
        if isinstance(exc, GraphNodeRejected):
            raise GraphNodeRejected(f"{exc}{hint}", status=exc.status) from exc
        raise type(exc)(f"{exc}{hint}") from exc
    emit(args, result, render_graph.deleted_source(result))
    return EXIT_OK


def cmd_rebuild(args: argparse.Namespace) -> int:
    with open_writer(home=home_of(args), endpoint=args.endpoint) as writer:
        result = writer.rebuild(args.graph)
    text = f"graph {args.graph} rebuilt in {result['duration_ms']} ms\n"
    if result.get("damaged_file"):
        text += f"the damaged graph file was kept as {result['damaged_file']}\n"
    emit(args, result, text + _counts_table(result["tables"]))
    return EXIT_OK


def _counts_table(counts: dict[str, int]) -> str:
    rows = [[table, count] for table, count in counts.items() if count]
    return render.table(["table", "rows"], rows)
