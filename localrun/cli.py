"""The ``ledgergraph`` command: run the pipelines locally and read the graph.

Every command takes ``--home`` (LEDGERGRAPH_HOME, default ./.ledgergraph) and ``--graph``
(default ``sec``); commands that print data take ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from localrun import render

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", type=Path, default=None, help="data directory")
    parser.add_argument("--graph", default="sec", help="graph id (default: sec)")
    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument(
        "--endpoint",
        default=None,
        help="URL of a running graph node; without it the graph files are read in-process",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ledgergraph", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    sec = commands.add_parser("sec", help="the SEC XBRL pipeline").add_subparsers(
        dest="sec_command", required=True
    )
    run = sec.add_parser("run", help="run the SEC pipeline over local filing packages")
    _common(run)
    run.add_argument("--source", type=Path, required=True, help="folder of filing packages")
    run.add_argument("--batch-size", type=int, default=3, help="filings per XBRL task")

    query = commands.add_parser("query", help="run a read-only Cypher query")
    _common(query)
    query.add_argument("cypher", help="the Cypher statement")
    query.add_argument("--param", action="append", default=[], help="NAME=JSON_VALUE")

    facts = commands.add_parser("facts", help="a concept's facts")
    _common(facts)
    facts.add_argument("--concept", required=True, help="concept qname, e.g. us-gaap:Revenues")
    facts.add_argument("--cik", type=int, default=None, help="only this filer")

    stats = commands.add_parser("stats", help="node and relationship counts per table")
    _common(stats)

    serve = commands.add_parser("serve", help="run the graph node (Graph API)")
    serve.add_argument("--home", type=Path, default=None, help="data directory")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--replica", action="store_true", help="read-only replica mode")
    return parser


def _home(args: argparse.Namespace) -> Path:
    if args.home is not None:
        return args.home.resolve()
    return Path(os.environ.get("LEDGERGRAPH_HOME", ".ledgergraph")).resolve()


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2, default=str) if args.json else text)


def cmd_sec_run(args: argparse.Namespace) -> int:
    from localrun.sec_run import run_sec_from_folder

    summary = run_sec_from_folder(
        args.source, home=_home(args), graph_id=args.graph, batch_size=args.batch_size
    )
    _emit(args, summary, render.sec_summary(summary))
    return EXIT_OK if summary["ok"] else EXIT_FAILURES


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

    with open_reader(home=_home(args), endpoint=args.endpoint, api_key=_api_key()) as reader:
        result = reader.query_cypher(args.graph, args.cypher, _parse_params(args.param))
    _emit(args, result, render.table(result["columns"], result["rows"]))
    return EXIT_OK


def cmd_facts(args: argparse.Namespace) -> int:
    from localrun.graph_access import fetch_facts, open_reader

    with open_reader(home=_home(args), endpoint=args.endpoint, api_key=_api_key()) as reader:
        rows = fetch_facts(reader, args.graph, concept=args.concept, cik=args.cik)
    _emit(args, rows, render.facts(rows))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from localrun.graph_access import open_reader

    with open_reader(home=_home(args), endpoint=args.endpoint, api_key=_api_key()) as reader:
        result = reader.stats(args.graph)
    _emit(args, result, render.stats(result))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from graph_node.__main__ import main as serve_main

    argv = ["serve", "--host", args.host, "--port", str(args.port), "--home", str(_home(args))]
    return serve_main([*argv, *(["--replica"] if args.replica else [])]) or EXIT_OK


def _api_key() -> str | None:
    return os.environ.get("LEDGERGRAPH_GRAPH_API_KEY")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handlers = {
        "query": cmd_query,
        "facts": cmd_facts,
        "stats": cmd_stats,
        "serve": cmd_serve,
    }
    handler = cmd_sec_run if args.command == "sec" else handlers[args.command]
    from ledgergraph.errors import LedgerGraphError

    try:
        return handler(args)
    except LedgerGraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURES


if __name__ == "__main__":
    sys.exit(main())
