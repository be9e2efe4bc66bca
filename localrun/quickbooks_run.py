"""``ledgergraph quickbooks sync | load-sample``: the QuickBooks state machine on this machine.

The same ASL as on AWS runs on the local engine with the deployed handlers, beside a graph
node on 127.0.0.1 (``localrun.pipeline.run_with_graph_node``). Locally a realm's tokens live
in ``<home>/quickbooks/tokens.json`` (mode 0600, written by ``quickbooks connect``); the
Intuit app's client id and secret come from ``LEDGERGRAPH_QBO_CLIENT_ID`` and
``LEDGERGRAPH_QBO_CLIENT_SECRET``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ledgergraph.errors import ObjectNotFound
from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.run_report import FINISH
from ledgergraph.quickbooks.runs import new_run_id
from ledgergraph.quickbooks.steps import default_graph_id
from ledgergraph.run_summary import summary_key
from localrun.loaded_units import read_load_states_locally
from localrun.pipeline import run_with_graph_node
from localrun.quickbooks_recordings import unextracted_responses
from localrun.quickbooks_sample import SAMPLE_COMPANY, SAMPLE_REALM, land_sample_run
from localrun.sec_run import delete_command
from localrun.stepfunctions import ExecutionResult

QUICKBOOKS_PIPELINE = "quickbooks_pipeline.asl.json"


def token_path(home: Path) -> Path:
    """Where ``quickbooks connect`` keeps a home's tokens (one 0600 file, every realm)."""
    return home.resolve() / "quickbooks" / "tokens.json"


def quickbooks_environment(
    home: Path, *, api_base: str | None = None, token_url: str | None = None
) -> dict[str, str]:
    """The ``LEDGERGRAPH_QBO_*`` variables of a local run: tokens in the home's file."""
    env = {
        "LEDGERGRAPH_QBO_TOKEN_STORE": "file",
        "LEDGERGRAPH_QBO_TOKEN_PATH": str(token_path(home)),
        "LEDGERGRAPH_QBO_APP_SECRET_ID": "",  # locally the app comes from the environment
    }
    if api_base:
        env["LEDGERGRAPH_QBO_API_BASE"] = api_base
    if token_url:
        env["LEDGERGRAPH_QBO_TOKEN_URL"] = token_url
    return env


def run_quickbooks_pipeline(
    realm_id: str,
    *,
    home: Path,
    graph_id: str | None = None,
    run_id: str | None = None,
    force_full: bool = False,
    missing_means_empty: bool = False,
    environment: dict[str, str] | None = None,
    time_scale: float = 0.0,
    graph_node_command: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Run the QuickBooks state machine once for ``realm_id``; returns the run's summary.

    ``environment`` adds handler variables over ``quickbooks_environment(home)`` (tests
    point the API and token URLs at a fake). A failed execution is not raised: its
    summary (``status: failed``, the step, the error and what to do) is returned.
    """
    home = home.resolve()
    graph_id = graph_id or default_graph_id(realm_id)
    run_id = run_id or new_run_id(realm_id)
    payload = {"realm_id": realm_id, "graph_id": graph_id, "run_id": run_id,
               "force_full": force_full,
               "missing_means_empty": missing_means_empty}  # fmt: skip
    env = quickbooks_environment(home) | (environment or {})
    result = run_with_graph_node(
        QUICKBOOKS_PIPELINE, payload, home=home, execution_name=run_id, environment=env,
        time_scale=time_scale, graph_node_command=graph_node_command,
    )  # fmt: skip
    return summary_of(result, home=home, graph_id=graph_id, run_id=run_id)


def load_sample(
    *,
    home: Path,
    graph_id: str | None = None,
    graph_node_command: Sequence[str] | None = None,
    folder: Path = SAMPLE_COMPANY,
    missing_means_empty: bool = False,
) -> dict[str, Any]:
    """Land the bundled sandbox company (or recordings like it in ``folder``) as a new run
    and load it through the state machine (see ``land_sample_run`` for missing files).
    The summary's ``source_not_loaded`` names the folder's responses of entities the sync
    does not extract."""
    store = LocalObjectStore(home.resolve() / "store")
    run_id = land_sample_run(store, folder=folder, missing_means_empty=missing_means_empty)
    summary = run_quickbooks_pipeline(
        SAMPLE_REALM, home=home, graph_id=graph_id, run_id=run_id,
        graph_node_command=graph_node_command,
    )  # fmt: skip
    return {**summary, "source_not_loaded": unextracted_responses(folder)}


def summary_of(
    result: ExecutionResult, *, home: Path, graph_id: str, run_id: str
) -> dict[str, Any]:
    """The summary the execution wrote (its output, or the failure record), with timings."""
    execution = {"arn": result.arn, "status": result.status, "duration_ms": result.duration_ms,
                 "states": result.time_by_state()}  # fmt: skip
    if result.status == "SUCCEEDED":
        return {**result.output, "execution": execution}
    store = LocalObjectStore(home / "store")
    try:
        summary = json.loads(store.get_bytes(summary_key(graph_id, run_id)))
    except ObjectNotFound:  # the failure record itself could not be written
        summary = {"graph_id": graph_id, "run_id": run_id, "status": "failed", "ok": False,
                   "error_type": result.error, "error": result.cause}  # fmt: skip
    if summary["status"] == "interrupted":
        _settle_locally(summary, home)
    return {**summary, "execution": execution}


def _settle_locally(summary: dict[str, Any], home: Path) -> None:
    """An interrupted run as this home reaches it: the delete command with ``--home``, and,
    where RecordFailure could not ask the node (it had died), what its registry holds of
    the run, read from the staging file once the run's node is gone."""
    graph_id, run_id = summary["graph_id"], summary["run_id"]
    delete = delete_command(home, graph_id)
    summary["finish"] = FINISH.format(delete=delete, run=run_id)
    if summary.get("graph_files") is None:
        states = read_load_states_locally(home, graph_id, [run_id])
        if states is not None:
            summary["graph_files"] = states[run_id].graph_files()
