"""Benchmark: what opening a graph costs a CLI command, with and without a child check.

A graph file that does not match the record of its last clean close is read by an engine
worker before the command opens it in-process (damage can kill the engine natively). This
times ``ledgergraph stats`` as its own process over the bundled graph, with the record
(opened at once) and without it (checked in a child first), the child check alone, and
the two ways of telling a file is unchanged: the record's ``stat`` comparison and, for
scale, a CRC-32 of the whole file; and, for a writer, its open and the part of it that
compares every table's count with staging's key ledgers (an older graph file put back).
CPU time is the process's and its children's (user + system), which load on a shared
machine disturbs less than wall time.

    python bench/graph_open.py [--home DIR] [--repeat 3]

``--home`` times an existing home (``make demo`` leaves one in ./.ledgergraph) instead of
loading the bundled filings into a temporary one; its record is removed and written again.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

from graph_publish import GRAPH, load_bundled  # noqa: E402

from graph_node.clean_close import CLEAN_SUFFIX, closed_cleanly  # noqa: E402
from graph_node.isolation import WorkerOptions, run_worker  # noqa: E402
from graph_node.recovery import ledger_mismatches  # noqa: E402
from graph_node.service import GraphService  # noqa: E402
from graph_node.settings import NodeSettings  # noqa: E402


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds (this process and its children) of one call."""
    wall, cpu = time.perf_counter(), _cpu()
    action()
    return time.perf_counter() - wall, _cpu() - cpu


def cli_stats(home: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "localrun.cli", "stats", "--home", str(home), "--json"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def crc32_of(path: Path) -> int:
    crc = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            crc = zlib.crc32(block, crc)
    return crc


def bundled_home(folder: Path) -> Path:
    """The bundled filings loaded into a new home, closed cleanly."""
    store = folder / "store"
    node = GraphService(NodeSettings(home=folder, store_uri=store.as_uri(), events="none"))
    try:
        load_bundled(node, store)
    finally:
        node.close()
    return folder


def report(label: str, runs: list[tuple[float, float]], per: int = 1) -> None:
    """Median wall and CPU milliseconds of ``runs``, each of ``per`` repetitions."""
    ms = 1000 / per
    walls = ", ".join(_ms(w * ms) for w, _ in runs)
    wall, cpu = (statistics.median(r[i] for r in runs) * ms for i in (0, 1))
    print(f"  {label}: median wall {_ms(wall)} ms, CPU {_ms(cpu)} ms (walls {walls})")


def _ms(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, help="an existing home to time (no node on it)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-open-") as temp:
        home = args.home.resolve() if args.home else bundled_home(Path(temp) / "home")
        graph_file = home / "graphs" / GRAPH / "graph.lbug"
        record = Path(f"{graph_file}{CLEAN_SUFFIX}")
        cli_stats(home)  # records a home an older version closed; warms the page cache
        recorded, checked, check_alone = [], [], []
        check = ["check", "--db", str(graph_file)]
        for _ in range(args.repeat):
            recorded.append(timed(lambda: cli_stats(home)))
            record.unlink()  # the next reader checks the file in a child, then records it
            checked.append(timed(lambda: cli_stats(home)))
            check_alone.append(timed(lambda: run_worker(check, WorkerOptions(), what="bench")))
        opens, ledger_checks = writer_opens(home, args.repeat)
        stat_runs = [timed(lambda: _compare_many(graph_file)) for _ in range(args.repeat)]
        crc_runs = [timed(lambda: crc32_of(graph_file)) for _ in range(args.repeat)]
        size_mb = graph_file.stat().st_size / 1e6

    print(f"graph_open: graph.lbug {size_mb:.1f} MB ({home if args.home else 'bundled'})")
    report("ledgergraph stats, file matches its clean-close record", recorded)
    report("ledgergraph stats, no record: child check first", checked)
    report("child check alone (engine worker opens and counts every table)", check_alone)
    report(f"record comparison, per open (x{_COMPARISONS} timed)", stat_runs, _COMPARISONS)
    report("CRC-32 of the whole graph file (the alternative not taken)", crc_runs)
    report("writer open in-process (settle, count every table, ledger check)", opens)
    report("  of which the ledger check (graph counts already known)", ledger_checks)
    return 0


_COMPARISONS = 1000


def writer_opens(home: Path, repeat: int) -> tuple[list, list]:
    """Timings of a writer's open of the graph, and of its ledger check alone."""
    opens, checks = [], []
    for _ in range(repeat):
        node = GraphService(NodeSettings(home=home, events="none"))
        try:
            opens.append(timed(partial(node.graph, GRAPH)))
            graph = node.graph(GRAPH)
            checks.append(timed(partial(ledger_mismatches, graph.staging, graph.store)))
        finally:
            node.close()
    return opens, checks


def _compare_many(graph_file: Path) -> None:
    for _ in range(_COMPARISONS):
        closed_cleanly(graph_file)


if __name__ == "__main__":
    sys.exit(main())
