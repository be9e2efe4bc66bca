"""``ledgergraph sec run``: the SEC state machine over local packages or filings on EDGAR."""

from __future__ import annotations

import json
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ledgergraph.batches import Batch, FilingRef
from ledgergraph.edgar import DiscoveryRequest
from ledgergraph.errors import ObjectNotFound
from ledgergraph.manifest import (
    MANIFEST_NAME,
    SourceUnitManifest,
    manifest_key,
    processed_prefix,
)
from ledgergraph.messages import pluralize
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.run_outcomes import batches_key
from ledgergraph.run_summary import (
    count_totals,
    facts_present,
    publish_decision,
    settle_interrupted,
    summary_key,
)
from localrun.edgar_local import lambda_environment
from localrun.loaded_units import (
    LoadedUnits,
    count_kept_loads,
    kept_load_counts,
    kept_outputs,
    read_held_reports,
    read_load_states_locally,
    read_loaded_units,
)
from localrun.pipeline import run_sec_execution, run_sec_pipeline
from localrun.sec_source import RejectedPackage, stage_source_folder

MAX_NODE_RESTARTS = 2  # a node that dies a third time ends the run: interrupted, exit 75


def run_sec_from_folder(
    source: Path,
    *,
    home: Path,
    graph_id: str,
    batch_size: int,
    node_restarts: int = MAX_NODE_RESTARTS,
) -> dict[str, Any]:
    """Run every package under ``source`` through the local SEC pipeline.

    A graph node that dies during the run is started again for the filings it interrupted,
    at most ``node_restarts`` times (``_run_restarting_the_node``).

    Returns the state machine's summary, with folders that were not run (not filing
    packages, folders of one filing with other files, changed packages of filings already
    loaded, or changed copies of reports loaded without an accession number) added as
    failed filings, and repeats of a folder's files as duplicates, so nothing given to the
    run goes unreported, every line in the order of its folder. A refused package's line
    counts the load the graph keeps of its filing (``count_kept_loads``). A loaded
    filing's stored raw package and processed output are never changed by the run.
    """
    started = time.monotonic()
    store = LocalObjectStore(home / "store")
    loaded: LoadedUnits = {}
    command = delete_command(home, graph_id)

    def ask_registry(units: list[str]) -> LoadedUnits:
        loaded.update(read_loaded_units(home, graph_id, units))
        return loaded

    filings, rejected, folders = stage_source_folder(
        store,
        source,
        loaded_of=ask_registry,
        reports_of=lambda ciks: read_held_reports(home, graph_id, ciks),
        delete_command=command,
    )
    summary: dict[str, Any] = {"filings": [], "totals": {}}
    if filings:
        with kept_outputs(store, graph_id, loaded) as restored:
            summary = _run_restarting_the_node(
                filings, home=home, graph_id=graph_id, batch_size=batch_size,
                restarts=node_restarts,
            )  # fmt: skip
        _explain_restored(summary, restored, command, store=store, graph_id=graph_id)
        _settle_locally(summary, home, graph_id)
    for filing in summary["filings"]:
        if filing["source_unit"] in folders:
            filing["folder"] = str(folders[filing["source_unit"]])
    forms = _forms_of(store, graph_id, summary["filings"])
    lines = [_rejected_line(package, forms) for package in rejected]
    refused = [(package.kept_unit, line) for package, line in zip(rejected, lines, strict=True)]
    if count_kept_loads(summary["filings"], refused, store=store, graph_id=graph_id):
        summary["totals"] = count_totals([*summary["filings"], *lines])
    summary["filings"] = _in_folder_order([*summary["filings"], *lines])
    return _finish(summary, store, home=home, graph_id=graph_id, started=started)


def _finish(
    summary: dict[str, Any],
    store: LocalObjectStore,
    *,
    home: Path,
    graph_id: str,
    started: float,
) -> dict[str, Any]:
    """What both run paths end with: the hints naming this home, the counts (reruns and
    folders not run included), the duration, and the summary stored as printed."""
    command = delete_command(home, graph_id)
    summary |= {"delete_command": command, "manifest_path": manifest_path(store, graph_id)}
    summary["publish_command"] = publish_command(home, graph_id)
    _count(summary)
    summary["duration_ms"] = int((time.monotonic() - started) * 1000)
    store_summary(store, summary)
    return summary


def store_summary(store: LocalObjectStore, summary: dict[str, Any]) -> None:
    """Replace the run's ``summary.json`` (SummarizeRun's, one execution's view) with the
    command's own summary, the one its text and ``--json`` show: the reruns of a
    restarted node merged in, folders not run, what the staging file said of an
    interrupted filing. Each rerun's own summary stays under its run id (``reruns``).
    A run given no filing to run has no run id, and nothing is stored."""
    if summary.get("run_id"):
        key = summary_key(summary["graph_id"], summary["run_id"])
        store.put_bytes(key, json.dumps(summary, indent=2).encode())


FormOf = Callable[[str], str | None]  # a source unit's form, None when unknown


def _run_restarting_the_node(
    filings: list[FilingRef], *, home: Path, graph_id: str, batch_size: int, restarts: int
) -> dict[str, Any]:
    """``run_sec_pipeline`` over ``filings``, then ``_restart_interrupted``."""
    deaths: list[str] = []
    summary = run_sec_pipeline(
        filings, graph_id=graph_id, batch_size=batch_size, home=home, node_deaths=deaths
    )
    return _restart_interrupted(
        summary, deaths, filings, home=home, graph_id=graph_id, batch_size=batch_size,
        restarts=restarts,
    )  # fmt: skip


def _restart_interrupted(
    summary: dict[str, Any],
    deaths: list[str],
    filings: list[FilingRef],
    *,
    home: Path,
    graph_id: str,
    batch_size: int,
    restarts: int,
    graph_node_command: Sequence[str] | None = None,
    task_command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """If the node a run started ended during it (``deaths``: it died, or a signal the run
    did not get stopped it), run the filings it interrupted again with a new node, at most
    ``restarts`` times. Each restart (and a death not restarted) is a ``node_restarts``
    line, each rerun a ``reruns`` entry; each rerun filing's line is the rerun's, with what
    the runs before added (``_merge_rerun``).
    """
    notes: list[str] = []
    while deaths and (stopped := _interrupted_units(summary)):
        _settle_locally(summary, home, graph_id)  # the node is gone: staging read here
        if len(notes) == restarts:
            if restarts:
                notes.append(
                    f"{deaths[-1]} during the run; not restarted after {restarts} restarts"
                )
            break
        notes.append(
            f"{deaths[-1]} during the run; restarted it ({len(notes) + 1} of {restarts}) for "
            f"the {pluralize(len(stopped), 'interrupted filing')}"
        )
        deaths.clear()
        again = run_sec_pipeline(
            [filing for filing in filings if filing.source_unit in stopped],
            graph_id=graph_id, batch_size=batch_size, home=home, node_deaths=deaths,
            graph_node_command=graph_node_command, task_command=task_command,
        )  # fmt: skip
        _merge_rerun(summary, again)
        summary.setdefault("reruns", []).append(
            {"run_id": again["run_id"], "execution": again["execution"]}
        )
    if notes:
        summary["node_restarts"] = notes
    return summary


def _planned_filings(store: LocalObjectStore, graph_id: str, run_id: str) -> list[FilingRef]:
    """Every filing a run planned, from its batches (the plan, ``batches.json``, names
    each batch's key): a run from EDGAR names the filings it downloaded only there."""
    plan = json.loads(store.get_bytes(batches_key(graph_id, run_id)))
    batches = [Batch.model_validate_json(store.get_bytes(b["batch_key"])) for b in plan]
    return [filing for batch in batches for filing in batch.filings]


def _interrupted_units(summary: dict[str, Any]) -> set[str]:
    return {f["source_unit"] for f in summary["filings"] if f["status"] == "interrupted"}


def _merge_rerun(summary: dict[str, Any], again: dict[str, Any]) -> None:
    """Each filing of the rerun ``again`` takes its line in ``summary``: the rerun offers
    the whole filing again and adds only what the graph lacked, so the facts added (and
    the time taken) of both are summed, as one uninterrupted run would count them."""
    index = {line["source_unit"]: n for n, line in enumerate(summary["filings"])}
    for line in again["filings"]:
        before = summary["filings"][index[line["source_unit"]]]
        for name in ("facts_added", "processing_ms", "loading_ms"):
            if line.get(name) is not None and before.get(name) is not None:
                line[name] += before[name]
        line["facts_present"] = facts_present(line)
        summary["filings"][index[line["source_unit"]]] = line
    summary["totals"] = count_totals(summary["filings"])


def _in_folder_order(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every line of the run, filings run and folders not run alike, in the order of their
    folders under ``--source`` (sorted by name, as they were found); a line without a
    folder keeps its place after them."""
    return sorted(lines, key=lambda line: (
        "folder" not in line, Path(line.get("folder") or "")
    ))  # fmt: skip


def _rejected_line(package: RejectedPackage, forms: FormOf) -> dict[str, Any]:
    """The summary line of a folder not run; the package's CIK and form where known.

    A package without filing.json states no form: its document's is the one processed
    for the same filing (this run's line, else the loaded unit's stored manifest).
    """
    info = package.package
    form = None if info is None else info.form or forms(info.source_unit)
    return {
        "source_unit": package.source_unit or package.folder.name,
        "folder": str(package.folder),
        "cik": None if info is None else info.cik,
        "form": form,
        "status": package.status,
        "error_type": package.error_type,
        "error": package.reason,
    }


def _forms_of(store: LocalObjectStore, graph_id: str, lines: list[dict[str, Any]]) -> FormOf:
    """The form of a source unit: on its line of this run, else in its stored manifest."""
    run = {line["source_unit"]: line.get("form") for line in lines}

    def form_of(unit: str) -> str | None:
        if run.get(unit):
            return run[unit]
        try:
            manifest = store.get_bytes(manifest_key(graph_id, unit))
            return SourceUnitManifest.model_validate_json(manifest).form
        except (ObjectNotFound, ValueError):  # none, or unreadable: the form is unknown
            return None

    return form_of


def manifest_path(store: LocalObjectStore, graph_id: str) -> str:
    """Where a filing's manifest (its warnings in full) lies, ``<filing>`` left to fill."""
    return str(store.root / processed_prefix(graph_id, "<filing>") / MANIFEST_NAME)


def delete_command(home: Path, graph_id: str) -> str:
    """The command that removes a source unit from this run's graph, unit left off."""
    command = f"ledgergraph delete-source --home {shlex.quote(str(home))}"
    return command if graph_id == "sec" else f"{command} --graph {graph_id}"


def publish_command(home: Path, graph_id: str) -> str:
    """The command that publishes a snapshot of this run's graph."""
    command = f"ledgergraph publish --home {shlex.quote(str(home))}"
    return command if graph_id == "sec" else f"{command} --graph {graph_id}"


def _explain_restored(
    summary: dict[str, Any],
    restored: set[str],
    command: str,
    *,
    store: LocalObjectStore,
    graph_id: str,
) -> None:
    """Say, on a loaded filing's failure, that its new output was set aside and why.

    Such a filing is still in the graph as an earlier run loaded it, so its line counts
    that load, as its kept manifest says (``kept_load_counts``): its facts as present,
    with what that load rejected and collapsed. This run offered and added none of its
    facts, and rejected none of them: the graph node refused them for the filing's sake
    (a source unit's data is fixed once loaded), not for theirs.
    """
    changed = False
    for filing in summary["filings"]:
        unit = filing["source_unit"]
        if unit not in restored or filing["status"] == "loaded":
            continue
        filing["error"] = (
            f"{filing.get('error') or 'failed'}. Its stored output was kept: "
            "this run's output differs from the loaded one (the taxonomy cache or "
            f"ledgergraph changed). To load the new output: {command} {unit}, "
            "then run again"
        )
        if filing["status"] == "failed":
            filing |= kept_load_counts(store, graph_id, unit)
            changed = True
    if changed:
        summary["totals"] = count_totals(summary["filings"])


def _settle_locally(summary: dict[str, Any], home: Path, graph_id: str) -> None:
    """What the registry holds of each interrupted filing SummarizeRun could not ask the
    node about (it had died): read from the staging file once the run's node is gone."""
    units = [f["source_unit"] for f in summary["filings"]
             if f["status"] == "interrupted" and f.get("graph_files") is None]  # fmt: skip
    if not units:
        return
    settle_interrupted(summary["filings"], read_load_states_locally(home, graph_id, units))
    summary["totals"] = count_totals(summary["filings"])


def _count(summary: dict[str, Any]) -> None:
    """Top-level and total counts over every filing line, rejected folders included."""
    lines = summary["filings"]
    loaded = sum(1 for f in lines if f["status"] == "loaded")
    duplicates = sum(1 for f in lines if f["status"] == "duplicate")
    stopped = sum(1 for f in lines if f["status"] == "interrupted")
    failed = len(lines) - loaded - duplicates - stopped
    counts = {"loaded": loaded, "interrupted": stopped, "failed": failed}
    summary.update(counts, duplicates=duplicates, ok=failed == stopped == 0)
    totals = summary.setdefault("totals", {})
    totals.update(counts, filings=len(lines), duplicates=duplicates)
    summary.update(publish_decision(totals))  # the reruns' loads count
    if summary["publish"]:
        # On AWS a run's success sets off PublishSnapshot; a local run writes no event, so
        # nothing follows it (a skipped one keeps its note: PublishSnapshot reads it).
        summary["publish_note"] = (
            f"not published: a local run publishes no snapshot; {summary['publish_command']} "
            "publishes one"
        )


def run_sec_from_edgar(
    request: DiscoveryRequest,
    *,
    home: Path,
    graph_id: str,
    batch_size: int,
    edgar: Mapping[str, Any],
    download_concurrency: int = 1,
    time_scale: float = 1.0,
    graph_node_command: Sequence[str] | None = None,
    task_command: Sequence[str] | None = None,
    node_restarts: int = MAX_NODE_RESTARTS,
) -> dict[str, Any]:
    """Run the SEC state machine from a discovery request: discover, download, load.

    ``edgar`` holds settings fields given as flags. One process plays every download
    Lambda here, so the default concurrency of 1 gives it the whole rate budget.
    ``time_scale`` 1 waits out the Retry intervals (EDGAR throttling) for real. A graph
    node that dies during the run is restarted for the filings it interrupted, as in
    ``run_sec_from_folder``: they are in the raw store by then, so the reruns start from
    there (no second discovery or download), with the run's own graph node command.

    Raises:
        EdgarConfigurationError: no usable User-Agent, before anything starts.
        ExecutionFailed: the execution failed (e.g. discovery named an unknown ticker).
    """
    started = time.monotonic()
    environment = lambda_environment(edgar)
    payload = {
        "graph_id": graph_id,
        "batch_size": batch_size,
        "discover": request.model_dump(mode="json"),
        "download_concurrency": download_concurrency,
    }
    deaths: list[str] = []
    summary = run_sec_execution(
        payload,
        home=home,
        time_scale=time_scale,
        graph_node_command=graph_node_command,
        task_command=task_command,
        environment=environment,
        node_deaths=deaths,
    )
    store = LocalObjectStore(home / "store")
    if deaths and _interrupted_units(summary):  # downloaded by now: rerun from the store
        summary = _restart_interrupted(
            summary, deaths, _planned_filings(store, graph_id, summary["run_id"]),
            home=home, graph_id=graph_id, batch_size=batch_size, restarts=node_restarts,
            graph_node_command=graph_node_command, task_command=task_command,
        )  # fmt: skip
    _settle_locally(summary, home, graph_id)
    return _finish(summary, store, home=home, graph_id=graph_id, started=started)
