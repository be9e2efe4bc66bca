"""Where the XBRL batch's CPU goes: start-up, then each step of each filing, by pass.

    python bench/xbrl_phases.py [--rounds 3]

One process works the bundled filings as ``python -m xbrl_task`` does (one warm loader, the
C heap set up the same way, reuse off), first as the batch meets them (the first filing of
each taxonomy year parses its standard schemas), then ``--rounds`` more passes, warm like
(c) in bench/xbrl_processing.py. Each step is timed in thread CPU by wrapping the function
the worker calls; a step's time excludes the timed steps inside it, and "other" is the
rest of the filing (the worker's own glue, freezing, logging). Start-up is the process's
CPU before the first filing: the interpreter and imports, then Arelle's import and session.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLE_SEC = REPO / "sample_data" / "sec"
# (module, attribute, step): what the worker calls, as the calling module names it
STEPS = (
    ("xbrl_task.processing", "inputs_digest", "inputs digest"),
    ("xbrl_task.processing", "count_document_set", "census (lxml)"),
    ("arelle.api.Session", "Session.run", "Arelle load"),
    ("xbrl_task.arelle_loader", "copy_filing", "copy facts"),
    ("xbrl_task.arelle_loader", "copy_dts", "copy DTS (relationship sets)"),
    ("xbrl_task.arelle_loader", "_close_models", "close models (+ schema capture)"),
    ("xbrl_task.processing", "extract_filing", "extraction (other)"),
    ("xbrl_task.fact_rows", "FactRowBuilder.add", "fact rows"),
    ("xbrl_task.fact_rows", "plain_text", "text blocks as plain text"),
    ("xbrl_task.extract", "add_dts_rows", "DTS rows"),
    ("xbrl_task.rows", "GraphRows.to_arrow", "Arrow tables"),
    ("xbrl_task.outputs", "_parquet", "Parquet encoding"),
    ("ledgergraph.objectstore", "LocalObjectStore.put_bytes", "store writes"),
    ("xbrl_task.processing", "write_manifest", "manifest"),
    ("gc", "collect", "gc.collect"),
)


class StepTimes:
    """Thread CPU per step, each step's own (timed steps inside it are not counted)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._inner: list[float] = []

    def wrap(self, owner: Any, name: str, step: str) -> None:
        function = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.thread_time()
            self._inner.append(0.0)
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                self.seconds[step] += spent - self._inner.pop()
                if self._inner:
                    self._inner[-1] += spent

        setattr(owner, name, timed)

    def take(self) -> dict[str, float]:
        taken, self.seconds = dict(self.seconds), defaultdict(float)
        return taken


def install(times: StepTimes) -> None:
    import importlib

    for module_name, attribute, step in STEPS:
        owner: Any = importlib.import_module(module_name)
        *path, name = attribute.split(".")
        for part in path:
            owner = getattr(owner, part)
        times.wrap(owner, name, step)


def run_pass(process: Callable[[Path], object], times: StepTimes) -> dict[str, float]:
    """One pass over the bundled filings: each step's CPU, and "other" and the total."""
    started = time.thread_time()
    for folder in sorted(p for p in SAMPLE_SEC.iterdir() if p.is_dir()):
        outcome = process(folder)
        assert getattr(outcome, "status", None) == "processed", outcome
    total = time.thread_time() - started
    steps = times.take()
    steps["other"] = total - sum(steps.values())
    steps["total"] = total
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="warm passes after the first")
    args = parser.parse_args()
    from xbrl_task.allocator import keep_freed_memory

    keep_freed_memory()
    imports = _process_cpu()
    from ledgergraph.objectstore import LocalObjectStore
    from xbrl_task.__main__ import logger, open_loader, process_folder
    from xbrl_task.processing import FilingProcessor
    from xbrl_task.settings import XbrlTaskSettings

    ours = _process_cpu()
    loader = open_loader([], XbrlTaskSettings())
    arelle = _process_cpu()
    times = StepTimes()
    install(times)
    logger.setLevel("ERROR")
    with tempfile.TemporaryDirectory(prefix="ledgergraph-bench-") as scratch:
        store = LocalObjectStore(Path(scratch))
        processor = FilingProcessor(loader, store, "sec", logger, reuse_outputs=False)
        passes = [run_pass(lambda f: process_folder(processor, f), times)]
        passes += [
            run_pass(lambda f: process_folder(processor, f), times) for _ in range(args.rounds)
        ]
        loader.close()
    print(f"start-up CPU: interpreter {imports:.3f} s, our imports (pyarrow, pydantic...) "
          f"{ours - imports:.3f} s, Arelle's import and session {arelle - ours:.3f} s")  # fmt: skip
    warm = passes[1:]
    print(f"{'step (thread CPU, s, 5 filings)':<34} {'first pass':>10} {'warm (min)':>10}")
    for step in sorted(passes[0], key=lambda s: (s == "total", s == "other", -passes[0][s])):
        best = min(p.get(step, 0.0) for p in warm) if warm else float("nan")
        print(f"{step:<34} {passes[0][step]:>10.3f} {best:>10.3f}")
    return 0


def _process_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    sys.path[:0] = [str(REPO), str(REPO / "layers" / "shared")]
    sys.exit(main())
