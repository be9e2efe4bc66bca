"""Entry point: ``python -m xbrl_task`` (the Fargate task) or the local CLI over folders.

Task mode reads ``LEDGERGRAPH_*`` settings and processes the batch at
``LEDGERGRAPH_BATCH_KEY``. ``--package DIR [--package DIR ...] --out DIR`` processes local
package folders into an object store folder and prints a JSON summary on stdout (logs go to
stderr then). Exit codes: 0 the work was done, even if some filings failed (their
``error.json`` says why); 1 object store or batch trouble; 2 bad settings or arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ledgergraph.errors import FilingError, TransientError
from ledgergraph.filing_package import describe_package
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import LocalObjectStore, open_store
from ledgergraph.parent_process import die_with_parent
from xbrl_task.allocator import keep_freed_memory
from xbrl_task.collector import long_lived
from xbrl_task.errors import XbrlTaskConfigError
from xbrl_task.processing import FilingJob, FilingOutcome, FilingProcessor
from xbrl_task.settings import XbrlTaskSettings
from xbrl_task.taxonomy_cache import prepare_cache
from xbrl_task.worker import read_batch, run_batch

if TYPE_CHECKING:
    from xbrl_task.arelle_loader import ArelleLoader

EXIT_OK, EXIT_INFRASTRUCTURE, EXIT_CONFIG = 0, 1, 2
logger = get_logger("xbrl_task")


def main(argv: list[str] | None = None, *, exits_after: bool = False) -> int:
    """Run the task or the CLI; ``exits_after``: the process ends as soon as this returns.

    Such a process leaves its last filing's Arelle model for the exit to drop rather than
    freeing it (``FilingProcessor.process``).
    """
    die_with_parent()  # a local run's task stops with the run
    args = parse_args(argv)
    try:
        settings = XbrlTaskSettings()
        if args.package:
            return run_cli(args, settings, free_last=not exits_after)
        return run_task(settings, free_last=not exits_after)
    except (XbrlTaskConfigError, ValidationError) as exc:
        logger.error("task misconfigured", extra={"error": str(exc)})
        return EXIT_CONFIG
    except TransientError as exc:
        logger.error("task stopped", extra={"error": str(exc)})
        return EXIT_INFRASTRUCTURE


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m xbrl_task", description=__doc__)
    parser.add_argument("--package", type=Path, action="append", help="filing package folder")
    parser.add_argument("--out", type=Path, help="object store folder for the outputs")
    parser.add_argument("--graph", default=None, help="graph id (default: settings, sec)")
    parser.add_argument(
        "--taxonomy-cache",
        type=Path,
        action="append",
        help="extra cache folder or package zip",
    )
    args = parser.parse_args(argv)
    if args.package and args.out is None:
        parser.error("--package needs --out")
    return args


def run_task(settings: XbrlTaskSettings, *, free_last: bool = True) -> int:
    """Process the configured batch; exit 0 once every filing has a manifest or error."""
    if settings.correlation_id:
        logger.set_correlation_id(settings.correlation_id)
    store = open_store(settings.resolved_store_uri())
    batch = read_batch(store, settings.batch_key)
    if batch.graph_id != settings.graph_id:
        logger.warning(
            "batch graph differs from settings",
            extra={"batch_graph": batch.graph_id, "settings_graph": settings.graph_id},
        )
    loader = open_loader(settings.taxonomy_cache, settings)
    try:
        run_batch(batch, store=store, loader=loader, logger=logger, free_last=free_last)
    finally:
        loader.close()
    return EXIT_OK


def run_cli(
    args: argparse.Namespace,
    settings: XbrlTaskSettings,
    *,
    free_last: bool = True,
) -> int:
    """Process local package folders in one warm loader; print one JSON line per filing."""
    logger.registered_handler.setStream(sys.stderr)  # stdout carries the summary
    store = LocalObjectStore(args.out)
    loader = open_loader(args.taxonomy_cache or settings.taxonomy_cache, settings)
    processor = FilingProcessor(loader, store, args.graph or settings.graph_id, logger)
    last = len(args.package) - 1
    try:
        for index, folder in enumerate(args.package):
            free = free_last or index < last
            outcome = process_folder(processor, folder, free_after=free)
            print(json.dumps(summary_of(outcome)), flush=True)
    finally:
        loader.close()
    return EXIT_OK


def process_folder(
    processor: FilingProcessor, folder: Path, *, free_after: bool = True
) -> FilingOutcome:
    """Describe and process one package folder; an undescribable folder is a failure."""
    try:
        info = describe_package(folder)
    except FilingError as exc:
        logger.error("package not usable", extra={"folder": str(folder), "error": str(exc)})
        return FilingOutcome(folder.name, "failed", "", 0, error=str(exc))
    job = FilingJob(
        source_unit=info.source_unit,
        cik=info.cik,
        folder=info.folder,
        entry_point=info.entry_point,
        accession_number=info.accession_number,
        form=info.form,
    )
    return processor.process(job, free_after=free_after)


def open_loader(extra: list[Path], settings: XbrlTaskSettings) -> ArelleLoader:
    """The process's one Arelle loader over the configured taxonomy caches."""
    cache = prepare_cache(list(extra), settings.bundled_taxonomy_cache)
    with long_lived():
        from xbrl_task.arelle_loader import ArelleLoader  # Arelle's import costs ~0.5 s

        return ArelleLoader(cache, reuse_standard_schemas=settings.reuse_standard_taxonomies)


def summary_of(outcome: FilingOutcome) -> dict[str, object]:
    data = asdict(outcome)
    data["facts"] = outcome.facts.model_dump() if outcome.facts else None
    return data


if __name__ == "__main__":
    keep_freed_memory()  # the process's own choice: a library caller keeps its heap as is
    exit_code = main(exits_after=True)
    # NOTE: every output is written and every file closed by now; the interpreter's own
    # teardown would free Arelle's modules and caches object by object (0.3-0.5 s), which
    # a finished task has no use for.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
