"""Benchmark: loading a batch of filings filing by filing vs one materialize call per table.

Both modes run the pipeline's own loading code (``ledgergraph.loading``,
``ledgergraph.batch_loading``) over HTTP against a real graph node process, each round on
a fresh graph:

- ``per-filing``: register, stage and materialize each filing, table by table (the SEC
  pipeline before MaterializeBatch: one call per table per filing);
- ``batch``: register and stage each filing, then ``materialize_batch`` (one call per table
  for the whole batch, per-filing outcomes read back from the registry).

The batches are the five bundled real filings and synthetic copies of them
(bench/_filings.py). Rounds alternate the modes so machine load hits both alike. Figures:
median wall time of the load and median CPU time of the graph node process over it
(the node's own /proc counters), the materialize calls made, and the graph's per-table
counts, which must be the same in both modes.

    python bench/sec_batch_load.py [--sizes 5,20] [--rounds 2] [--work DIR]
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

from _filings import manifests_for, originals  # noqa: E402

from ledgergraph.batch_loading import (  # noqa: E402
    MaterializeBatchRequest,
    StagedFiling,
    materialize_batch,
)
from ledgergraph.graph_client import GraphClient  # noqa: E402
from ledgergraph.loading import (  # noqa: E402
    LoadRequest,
    materialize_filing,
    register_files,
    stage_files,
)
from ledgergraph.objectstore import LocalObjectStore  # noqa: E402
from localrun.graph_node_process import graph_node_process  # noqa: E402

GRAPH = "sec"
KEY = "bench-key-not-a-secret"
TICKS = os.sysconf("SC_CLK_TCK")


def node_cpu_s() -> float:
    """User + system CPU seconds of this process's children (the graph node)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def stage(store: LocalObjectStore, client: GraphClient, unit: str) -> LoadRequest:
    request = LoadRequest(graph_id=GRAPH, source_unit=unit)
    files = register_files(store, client, request)["files"]
    request = LoadRequest(graph_id=GRAPH, source_unit=unit, files=files)
    stage_files(client, request)
    return request


def load_per_filing(store: LocalObjectStore, client: GraphClient, units: list[str]) -> int:
    calls = 0
    for unit in units:
        request = stage(store, client, unit)
        calls += len(materialize_filing(client, request)["tables"])
    return calls


def load_batch(store: LocalObjectStore, client: GraphClient, units: list[str]) -> int:
    staged = [
        StagedFiling(source_unit=u, status="staged", files=len(stage(store, client, u).files))
        for u in units
    ]
    request = MaterializeBatchRequest(graph_id=GRAPH, run_id="bench", filings=staged)
    result = materialize_batch(store, client, request)
    assert result["loaded"] == len(units), result
    return result["calls"]


MODES = {"per-filing": load_per_filing, "batch": load_batch}


def run_round(mode: str, store: Path, units: list[str], home: Path) -> dict[str, Any]:
    with graph_node_process(home=home, api_key=KEY, store_uri=store.as_uri()) as url:
        client = GraphClient(url, api_key=KEY)
        cpu, started = node_cpu_s(), time.perf_counter()
        calls = MODES[mode](LocalObjectStore(store), client, units)
        wall, cpu = time.perf_counter() - started, node_cpu_s() - cpu
        stats = client.stats(GRAPH)
        client.close()
    counts = {**stats["nodes"], **stats["relationships"]}
    return {"wall": wall, "cpu": cpu, "calls": calls, "counts": counts}


def bench_size(store: Path, size: int, rounds: int, temp: Path) -> None:
    bundled = originals(store)
    manifests = bundled if size == len(bundled) else manifests_for(store, size)
    units = [m["source_unit"] for m in manifests]
    facts = sum(t["rows"] for m in manifests for t in m["tables"] if t["table"] == "Fact")
    results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
    for n in range(rounds):
        for mode in MODES if n % 2 == 0 else reversed(MODES):
            home = temp / f"{size}-{mode}-{n}"
            results[mode].append(run_round(mode, store, units, home))
    counts = {mode: r[0]["counts"] for mode, r in results.items()}
    same = counts["per-filing"] == counts["batch"]
    print(f"sec_batch_load: {size} filings ({facts} facts), {rounds} rounds per mode")
    for mode, runs in results.items():
        wall = statistics.median(r["wall"] for r in runs)
        cpu = statistics.median(r["cpu"] for r in runs)
        samples = ", ".join(f"{r['wall']:.1f}/{r['cpu']:.1f}" for r in runs)
        print(f"  {mode:>10}: {runs[0]['calls']:4d} materialize calls, median wall {wall:.2f} s, "
              f"node CPU {cpu:.2f} s (wall/CPU per round: {samples})")  # fmt: skip
    ratio = {
        k: statistics.median(r[k] for r in results["batch"])
        / statistics.median(r[k] for r in results["per-filing"])
        for k in ("wall", "cpu")
    }
    print(f"  batch / per-filing: wall {ratio['wall']:.2f}, node CPU {ratio['cpu']:.2f}; "
          f"graph counts {'identical' if same else 'DIFFER'}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,20", help="filings per batch, comma-separated")
    parser.add_argument("--rounds", type=int, default=2, help="loads per mode and size")
    parser.add_argument("--work", type=Path, help="keeps the processed filings between runs")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="bench-batch-load-") as temp:
        store = (args.work or Path(temp)) / "store"
        for size in (int(s) for s in args.sizes.split(",")):
            bench_size(store.resolve(), size, args.rounds, Path(temp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
