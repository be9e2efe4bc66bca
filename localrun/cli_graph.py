"""``ledgergraph query | facts | stats | serve``: reading and serving a graph."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from localrun import render
from localrun.cli_common import EXIT_OK, add_common, api_key, emit, home_of


def register(commands: argparse._SubParsersAction) -> None:
    query = commands.add_parser("query", help="run a read-only Cypher query")
    add_common(query)
    query.add_argument("cypher", help="the Cypher statement")
    query.add_argument("--param", action="append", default=[], help="NAME=JSON_VALUE")
    query.set_defaults(handler=cmd_query)

    facts = commands.add_parser("facts", help="a concept's facts")
    add_common(facts)
    facts.add_argument("--concept", required=True, help="concept qname, e.g. us-gaap:Revenues")
    facts.add_argument("--cik", type=int, default=None, help="only this filer")
    facts.set_defaults(handler=cmd_facts)

    stats = commands.add_parser("stats", help="node and relationship counts per table")
    add_common(stats)
    stats.set_defaults(handler=cmd_stats)

    serve = commands.add_parser("serve", help="run the graph node (Graph API)")
    serve.add_argument("--home", type=Path, default=None, help="data directory")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--replica", action="store_true", help="read-only replica mode")
    serve.set_defaults(handler=cmd_serve)


def _parse_params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--param wants NAME=JSON_VALUE, got {pair!r}")
        params[name] = json.loads(value)
    return params


def cmd_query(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader

    with open_reader(home=home_of(args), endpoint=args.endpoint, api_key=api_key()) as reader:
        result = reader.query_cypher(args.graph, args.cypher, _parse_params(args.param))
    emit(args, result, render.table(result["columns"], result["rows"]))
    return EXIT_OK


def cmd_facts(args: argparse.Namespace) -> int:
    from localrun.graph_access import fetch_facts, open_reader

    with open_reader(home=home_of(args), endpoint=args.endpoint, api_key=api_key()) as reader:
        rows = fetch_facts(reader, args.graph, concept=args.concept, cik=args.cik)
    emit(args, rows, render.facts(rows))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader

    with open_reader(home=home_of(args), endpoint=args.endpoint, api_key=api_key()) as reader:
        result = reader.stats(args.graph)
    emit(args, result, render.stats(result))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from graph_node.__main__ import main as serve_main

    argv = ["serve", "--host", args.host, "--port", str(args.port), "--home", str(home_of(args))]
    return serve_main([*argv, *(["--replica"] if args.replica else [])]) or EXIT_OK
