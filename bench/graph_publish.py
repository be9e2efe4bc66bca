"""Benchmark: publishing a snapshot of the bundled graph, and booting a replica from it.

The five bundled real filings are loaded into an in-process graph node; then ``publish``
is timed (checkpoint and file copies under the writer lock, verification, upload to a
local object store, LATEST, the event), then a real ``python -m graph_node serve
--replica`` process is timed from its start until ``/status`` answers (download, checksum
and count verification, opening the graph), and the download-and-verify step alone.

    python bench/graph_publish.py [--work DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from _filings import originals, register_entries  # noqa: E402

from graph_node.replica import fetch_latest  # noqa: E402
from graph_node.service import GraphService  # noqa: E402
from graph_node.settings import NodeSettings  # noqa: E402
from ledgergraph.graph_schema import LOAD_ORDER  # noqa: E402
from ledgergraph.objectstore import LocalObjectStore  # noqa: E402
from localrun.graph_node_process import serve_command, wait_until_serving  # noqa: E402

GRAPH = "sec"


def load_bundled(service: GraphService, store: Path) -> int:
    """The bundled filings, loaded as the pipeline loads them; how many."""
    bundled = originals(store)
    for manifest in bundled:
        files = service.register_files(GRAPH, register_entries(manifest))["files"]
        ids = {f["table"]: f["file_id"] for f in files}
        service.stage_files(GRAPH, list(ids.values()))
        for table in LOAD_ORDER:
            if table in ids:
                service.materialize(GRAPH, table, [ids[table]])
    return len(bundled)


def boot_replica(home: Path, store: Path) -> float:
    """Seconds from starting a replica process until /status answers."""
    port_file = home / "port"
    env = {**os.environ, "LEDGERGRAPH_HOME": str(home), "LEDGERGRAPH_API_KEY": "bench",
           "LEDGERGRAPH_STORE_URI": store.as_uri()}  # fmt: skip
    started = time.perf_counter()
    with (home / "replica.log").open("ab") as log:
        process = subprocess.Popen(
            [*serve_command(home, port_file), "--replica"], env=env, stdout=log,
            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    try:
        wait_until_serving(process, port_file, home / "replica.log", 300)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, help="keeps the processed filings between runs")
    parser.add_argument("--repeat", type=int, default=3, help="publishes and boots to time")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-publish-") as temp:
        store = (args.work or Path(temp)) / "store"
        node = GraphService(NodeSettings(home=Path(temp) / "node", store_uri=store.as_uri(),
                                         events="none"))  # fmt: skip
        try:
            filings = load_bundled(node, store)
            publishes = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                answer = node.publish(GRAPH)
                publishes.append(time.perf_counter() - started)
        finally:
            node.close()
        manifest = LocalObjectStore(store).path(answer["manifest_key"])
        sizes = {p.name: p.stat().st_size for p in manifest.parent.iterdir()}
        fetches, boots = [], []
        for run in range(args.repeat):
            started = time.perf_counter()
            fetch_latest(LocalObjectStore(store), GRAPH, Path(temp) / f"fetch-{run}")
            fetches.append(time.perf_counter() - started)
            home = Path(temp) / f"replica-{run}"
            home.mkdir()
            boots.append(boot_replica(home, store))

    rows = sum(answer["tables"].values())
    print(f"graph_publish: {filings} bundled filings, {rows} nodes and relationships; "
          f"graph.lbug {sizes['graph.lbug'] / 1e6:.1f} MB, "
          f"staging.duckdb {sizes['staging.duckdb'] / 1e6:.1f} MB")  # fmt: skip
    for label, times in (("publish (lock, copy, verify, upload, LATEST)", publishes),
                         ("replica download and verify, in-process", fetches),
                         ("replica process boot until /status answers", boots)):  # fmt: skip
        print(f"  {label}: median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
