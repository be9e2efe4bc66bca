"""XBRL processing benchmark: Arelle's own load against our full processing of a filing.

    python bench/xbrl_processing.py [--rounds 3] [--memory-filings 50]

For every bundled filing (the five of ``sample_data/sec``; the two of ``sample_data/sec_more``
are not part of the set, so figures stay comparable with earlier runs), in one run:
  (a) a fresh Arelle command-line process loading the filing (process wall time);
  (b) Arelle's load alone inside a warm process (``Session.run``);
  (c) our full processing in a long-running worker: census, load, extraction, Parquet,
      manifest (``FilingProcessor.process``), measured in the same process as (b), the two
      alternating filing by filing so machine load hits both alike;
plus one worker process (``python -m xbrl_task``) running every bundled filing as a batch,
once per round right after that round's (a) processes, and a worker processing
``--memory-filings`` filings in a row, printing RSS after each.
Targets: (c) <= 1.1 x (b); batch <= 0.6 x the sum of (a). Times are min / median wall
seconds; "c/b cpu" compares the CPU time of the working thread, and the batch is also
compared with (a) in CPU time (user + system of the processes): other processes on a shared
machine disturb CPU time less than wall time. ``LEDGERGRAPH_REUSE_STANDARD_TAXONOMIES=false``
in the environment measures (c), the batch and the memory run without the standard schema
cache. The project's modules are compiled to bytecode first, as ``pip install .`` leaves
them in the task's image: a checkout run with ``PYTHONDONTWRITEBYTECODE=1`` would compile
them again in every worker process (0.04-0.05 s here), which (a), Arelle from
site-packages, never does.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SEC = REPO / "sample_data" / "sec"
CACHE = REPO / "sample_data" / "taxonomies" / "cache"
NAMES = sorted(p.name for p in SAMPLE_SEC.iterdir() if p.is_dir())
_PAGE = os.sysconf("SC_PAGE_SIZE")


def entry_of(name: str) -> Path:
    return (
        SAMPLE_SEC
        / name
        / json.loads((SAMPLE_SEC / name / "filing.json").read_text())["entry_point"]
    )


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE / 2**20


class PeakSampler:
    """Highest RSS seen while the block runs (sampled every 5 ms on a thread)."""

    def __enter__(self) -> PeakSampler:
        self.peak, self._stop = rss_mb(), threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_mb())


def cold_arelle(name: str) -> tuple[float, float, float]:
    """(a): wall seconds, CPU seconds and peak RSS (MB) of a fresh Arelle command-line process."""
    command = [
        sys.executable, "-m", "arelle.CntlrCmdLine", "--file", str(entry_of(name)),
        "--workOffline", "--cacheDirectory", str(CACHE), "--disablePersistentConfig",
        "--logLevel", "error",
    ]  # fmt: skip
    wall, cpu, usage = _timed_process(command)
    return wall, cpu, usage.ru_maxrss / 1024


def _timed_process(command: list[str]) -> tuple[float, float, resource.struct_rusage]:
    """Wall and CPU (user + system) seconds of a child process; fails if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise RuntimeError(f"{command[2]} exited {os.waitstatus_to_exitcode(status)}")
    return wall, usage.ru_utime + usage.ru_stime, usage


def child_warm(rounds: int) -> dict:
    """(b) and (c) in one warm process, alternating; the first round is a warm-up."""
    from arelle.api.Session import Session
    from arelle.RuntimeOptions import RuntimeOptions

    session = Session()
    processor, jobs, cleanup = _processor()
    keys = ("b", "c", "b_cpu", "c_cpu", "peak")
    times: dict[str, dict[str, list[float]]] = {n: {k: [] for k in keys} for n in NAMES}
    try:
        for round_no in range(rounds + 1):
            for name in NAMES:
                options = RuntimeOptions(
                    entrypointFile=str(entry_of(name)), workOffline=True,
                    cacheDirectory=str(CACHE), disablePersistentConfig=True, keepOpen=True,
                    logFile="logToBuffer", logLevel="INFO",
                )  # fmt: skip
                started, cpu = time.perf_counter(), time.thread_time()
                session.run(options)
                load, load_cpu = time.perf_counter() - started, time.thread_time() - cpu
                session.get_logs("json", clear_logs=True)
                for model in list(session.get_models()):
                    model.modelManager.close(model)
                with PeakSampler() as sampler:
                    started, cpu = time.perf_counter(), time.thread_time()
                    outcome = processor.process(jobs[name])
                    ours, ours_cpu = time.perf_counter() - started, time.thread_time() - cpu
                assert outcome.status == "processed", outcome
                if round_no:
                    times[name]["b"].append(load)
                    times[name]["c"].append(ours)
                    times[name]["peak"].append(sampler.peak)
                    times[name]["b_cpu"].append(load_cpu)
                    times[name]["c_cpu"].append(ours_cpu)
    finally:
        cleanup()
        session.close()
    return times


def child_memory(count: int) -> list[float]:
    """RSS (MB) after each of ``count`` filings processed in a row by one worker.

    The C heap is set up as ``python -m xbrl_task`` sets it (``keep_freed_memory``).
    """
    from xbrl_task.allocator import keep_freed_memory

    keep_freed_memory()
    processor, jobs, cleanup = _processor()
    series = []
    try:
        for index in range(count):
            outcome = processor.process(jobs[NAMES[index % len(NAMES)]])
            assert outcome.status == "processed", outcome
            series.append(round(rss_mb(), 1))
    finally:
        cleanup()
    return series


def _processor():  # noqa: ANN202 - (processor, jobs, cleanup)
    from ledgergraph.filing_package import describe_package
    from ledgergraph.logs import get_logger
    from ledgergraph.objectstore import LocalObjectStore
    from xbrl_task.__main__ import open_loader
    from xbrl_task.processing import FilingJob, FilingProcessor
    from xbrl_task.settings import XbrlTaskSettings

    scratch = tempfile.TemporaryDirectory(prefix="ledgergraph-bench-")
    logger = get_logger("bench")
    logger.setLevel("ERROR")
    loader = open_loader([], XbrlTaskSettings())
    store = LocalObjectStore(Path(scratch.name))
    processor = FilingProcessor(loader, store, "sec", logger, reuse_outputs=False)
    jobs = {}
    for name in NAMES:
        info = describe_package(SAMPLE_SEC / name)
        jobs[name] = FilingJob(info.source_unit, info.cik, info.folder, info.entry_point,
                               info.accession_number, info.form)  # fmt: skip

    def cleanup() -> None:
        loader.close()
        scratch.cleanup()

    return processor, jobs, cleanup


def batch_worker() -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m xbrl_task`` process running every filing."""
    with tempfile.TemporaryDirectory(prefix="ledgergraph-bench-batch-") as out:
        command = [sys.executable, "-m", "xbrl_task", "--out", out]
        for name in NAMES:
            command += ["--package", str(SAMPLE_SEC / name)]
        wall, cpu, _ = _timed_process(command)
        return wall, cpu


def run_child(kind: str, argument: int) -> object:
    command = [sys.executable, __file__, "--child", kind, "--rounds", str(argument)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _mm(values: list[float]) -> str:
    return f"{min(values):.3f} / {statistics.median(values):.3f}"


def compile_project() -> None:
    """Write the ``__pycache__`` bytecode of every package the worker imports from the
    checkout, as the image's install does."""
    for package in ("xbrl_task", "graph_node", "localrun", "layers/shared/ledgergraph"):
        compileall.compile_dir(REPO / package, quiet=1)


def report(rounds: int, memory_filings: int) -> None:
    compile_project()
    print(f"XBRL processing benchmark, {rounds} rounds, {len(NAMES)} filings (min / median s)")
    cold: dict[str, list[tuple[float, float, float]]] = {n: [] for n in NAMES}
    batches = []
    for _ in range(rounds):  # batch and (a) side by side, so machine load hits both alike
        for name in NAMES:
            cold[name].append(cold_arelle(name))
        batches.append(batch_worker())
    warm = run_child("warm", rounds)
    batch = statistics.median(wall for wall, _ in batches)
    batch_cpu = min(cpu for _, cpu in batches)
    print(f"{'filing':<22} {'(a) cold CLI':>15} {'(b) warm load':>15} {'(c) ours':>15} "
          f"{'c/b min':>7} {'c/b med':>7} {'c/b cpu':>7} {'peak MB a / c':>14}")  # fmt: skip
    for name in NAMES:
        a = [t for t, _, _ in cold[name]]
        b, c = warm[name]["b"], warm[name]["c"]
        ratio_min = min(c) / min(b)
        ratio_med = statistics.median(c) / statistics.median(b)
        ratio_cpu = min(warm[name]["c_cpu"]) / min(warm[name]["b_cpu"])
        peaks = f"{max(m for _, _, m in cold[name]):.0f} / {max(warm[name]['peak']):.0f}"
        print(f"{name:<22} {_mm(a):>15} {_mm(b):>15} {_mm(c):>15} "
              f"{ratio_min:>7.2f} {ratio_med:>7.2f} {ratio_cpu:>7.2f} {peaks:>14}")  # fmt: skip
    cold_sum = sum(statistics.median(t for t, _, _ in cold[n]) for n in NAMES)
    cold_cpu = sum(min(c for _, c, _ in cold[n]) for n in NAMES)
    print(f"batch of {len(NAMES)} in one worker: median {batch:.2f} s; sum of (a) medians "
          f"{cold_sum:.2f} s; ratio {batch / cold_sum:.2f} (target <= 0.60)")  # fmt: skip
    print(f"  same in CPU time: batch minimum {batch_cpu:.2f} s; sum of (a) minima "
          f"{cold_cpu:.2f} s; ratio {batch_cpu / cold_cpu:.2f}")  # fmt: skip
    b_all = sum(statistics.median(warm[n]["b"]) for n in NAMES)
    c_all = sum(statistics.median(warm[n]["c"]) for n in NAMES)
    b_cpu = sum(min(warm[n]["b_cpu"]) for n in NAMES)
    c_cpu = sum(min(warm[n]["c_cpu"]) for n in NAMES)
    print(f"all filings: (c) / (b) = {c_all / b_all:.2f} wall medians, {c_cpu / b_cpu:.2f} "
          "CPU minima (target <= 1.10)")  # fmt: skip
    if memory_filings >= 2:
        report_memory(run_child("memory", memory_filings))


def report_memory(series: list[float]) -> None:
    print(f"RSS after each of {len(series)} filings in one worker (MB): {series}")
    half = len(series) // 2
    print(f"RSS first half max {max(series[:half]):.0f} MB, second half max "
          f"{max(series[half:]):.0f} MB")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per measure")
    parser.add_argument(
        "--memory-filings", type=int, default=50, help="filings in a row (0: no memory run)"
    )
    parser.add_argument("--child", choices=("warm", "memory"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "warm":
        print(json.dumps(child_warm(args.rounds)))
    elif args.child == "memory":
        print(json.dumps(child_memory(args.rounds)))
    else:
        report(args.rounds, args.memory_filings)
    return 0


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "layers" / "shared")]
    sys.exit(main())
