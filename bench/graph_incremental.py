"""Benchmark: adding one filing to a graph of 1 filing vs a graph of 100 filings.

The graphs are built from the five bundled real filings (processed once by the XBRL task)
and synthetic copies of them: each copy is a real filing under a made-up source unit, with
its Report and Fact ids re-derived deterministically (bench/_filings.py), so it brings its
own report and facts and shares the real Entity, Element, Period, Unit and Dimension nodes.

One graph node service per graph, in this process. The small graph holds one filing; the
sample filings added are further copies of that same filing's company, so in both graphs
the shared nodes they bring (elements, labels, networks, periods ...) are already present
and only the graph's size differs. After one warm-up filing each, the samples are added to
both graphs in turn (register, stage, materialize every table, as the pipeline does),
alternating so machine load hits both alike. The figure is the median time of an add;
target: ratio (100 / 1) <= 1.2.

    python bench/graph_incremental.py [--base 100] [--samples 7] [--work DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from _filings import manifests_for, originals, register_entries  # noqa: E402

from graph_node.service import GraphService  # noqa: E402
from graph_node.settings import NodeSettings  # noqa: E402
from ledgergraph.graph_schema import LOAD_ORDER  # noqa: E402

GRAPH = "sec"


def load(service: GraphService, batch: list[dict[str, Any]]) -> float:
    """Register, stage and materialize the filings of ``batch``; seconds taken."""
    started = time.perf_counter()
    ids: dict[str, list[str]] = {}
    for manifest in batch:
        for entry in service.register_files(GRAPH, register_entries(manifest))["files"]:
            ids.setdefault(entry["table"], []).append(entry["file_id"])
    service.stage_files(GRAPH, [i for table_ids in ids.values() for i in table_ids])
    for table in LOAD_ORDER:
        if table in ids:
            service.materialize(GRAPH, table, ids[table])
    return time.perf_counter() - started


def open_graph(home: Path, store: Path) -> GraphService:
    return GraphService(NodeSettings(home=home, store_uri=store.as_uri(), events="none"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=100, help="filings in the large graph")
    parser.add_argument("--samples", type=int, default=7, help="filings added to each graph")
    parser.add_argument("--work", type=Path, help="keeps the processed filings between runs")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-incremental-") as temp:
        store = (args.work or Path(temp)) / "store"
        companies = len(originals(store))
        filings = manifests_for(store, args.base + (args.samples + 1) * companies)
        # every companies-th copy is of the same filing as filings[0]
        same = filings[args.base :: companies]
        small_base, warm_up, samples = filings[:1], same[:1], same[1 : args.samples + 1]
        large_base = filings[: args.base]

        small, large = open_graph(Path(temp) / "g1", store), open_graph(Path(temp) / "g100", store)
        try:
            built = load(large, large_base)
            facts = large.stats(GRAPH)["nodes"]["Fact"]
            load(small, small_base)
            for service in (small, large):
                load(service, warm_up)
            times: dict[str, list[float]] = {"1": [], str(args.base): []}
            for sample in samples:
                times["1"].append(load(small, [sample]))
                times[str(args.base)].append(load(large, [sample]))
        finally:
            small.close()
            large.close()

    one, many = statistics.median(times["1"]), statistics.median(times[str(args.base)])
    print(f"graph_incremental: large graph of {args.base} filings ({facts} facts) built "
          f"in {built:.1f} s")  # fmt: skip
    print(f"  add one filing to a graph of 1:   median {one * 1000:.0f} ms "
          f"(samples {', '.join(f'{t * 1000:.0f}' for t in times['1'])})")  # fmt: skip
    print(f"  add one filing to a graph of {args.base}: median {many * 1000:.0f} ms "
          f"(samples {', '.join(f'{t * 1000:.0f}' for t in times[str(args.base)])})")  # fmt: skip
    ratio = many / one
    print(f"  ratio {ratio:.2f} (target <= 1.2: {'met' if ratio <= 1.2 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
