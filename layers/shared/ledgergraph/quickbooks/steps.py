"""What the QuickBooks state machine's SyncCompany and TransformRun functions call.

Every step of one execution works on one run: ``RunRef`` names the realm, the graph and the
run id (the execution's name unless given), so a retried or redriven step finds the work
of its earlier attempt. SyncCompany is idempotent on that id: a run whose manifest has
landed is returned as it is, which is also how an already-landed run (the bundled sample)
goes through the same state machine without calling QuickBooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from pydantic import BaseModel, Field, model_validator

from ledgergraph.graph_client import GRAPH_ID_PATTERN
from ledgergraph.logs import get_logger
from ledgergraph.objectstore import ObjectStore
from ledgergraph.quickbooks.oauth import TokenManager
from ledgergraph.quickbooks.runs import SyncRun, records_state_key, run_manifest_key
from ledgergraph.quickbooks.service import (
    open_token_manager,
    resolve_app_credentials,
    sync_company,
)
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.withdrawals import live_sync_state
from ledgergraph.sec_steps import RUN_ID_PATTERN

logger = get_logger("quickbooks")

REALM_ID_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z_-]{0,40}$"


def default_graph_id(realm_id: str) -> str:
    """``qbo-<realm>``: each company's books are a graph of their own unless told otherwise."""
    return f"qbo-{realm_id.lower()}"


class RunRef(BaseModel):
    """The ids every step of a QuickBooks execution carries."""

    realm_id: str = Field(pattern=REALM_ID_PATTERN, description="QuickBooks company id")
    graph_id: str = Field(default="", description="target graph; default qbo-<realm>")
    run_id: str = Field(pattern=RUN_ID_PATTERN.pattern, description="the sync run's id")
    correlation_id: str | None = None

    @model_validator(mode="after")
    def _graph_of_realm(self) -> RunRef:
        self.graph_id = self.graph_id or default_graph_id(self.realm_id)
        if not GRAPH_ID_PATTERN.fullmatch(self.graph_id):
            raise ValueError(f"invalid graph id {self.graph_id!r}")
        return self


class SyncRequest(RunRef):
    force_full: bool = Field(default=False, description="list every entity, ignore CDC")
    missing_means_empty: bool = Field(
        default=False,
        description="a full listing may delete every known record of its entity",
    )


@dataclass(frozen=True)
class Connection:
    """The Intuit app's settings and the clients a sync needs, built once per process."""

    settings: QuickBooksSettings
    http: httpx.Client
    tokens: TokenManager


def open_connection(settings: QuickBooksSettings, *, secrets_client: Any = None) -> Connection:
    """Credentials resolved (Secrets Manager when the settings say so) and clients built."""
    uses_secrets = settings.token_store == "secretsmanager" or bool(settings.app_secret_id)
    if uses_secrets and secrets_client is None:
        import boto3  # only deployments that keep secrets in AWS need it

        secrets_client = boto3.client("secretsmanager")
    settings = resolve_app_credentials(settings, secrets_client)
    http = httpx.Client(timeout=settings.timeout_s)
    tokens = open_token_manager(settings, http, secrets_client=secrets_client)
    return Connection(settings=settings, http=http, tokens=tokens)


def sync_step(request: SyncRequest, *, store: ObjectStore, connection: Connection) -> dict:
    """Land run ``request.run_id`` of the realm, or return it if it has already landed.

    A full listing replaces CDC when the previous run never reached the transform: its
    changes would otherwise be skipped by every later run.

    Raises:
        QuickBooksTransientError: throttled or unavailable after the client's own retries.
        QuickBooksPermanentError: not connected, needs re-authorisation, request refused.
    """
    landed = landed_run(store, request.realm_id, request.run_id)
    if landed is not None:
        logger.info("quickbooks run already landed", extra={"run_id": request.run_id})
        return _sync_result(request, landed, already_landed=True, warnings=[])

    warnings = []
    force_full = request.force_full
    previous = untransformed_previous_run(store, request.realm_id)
    if previous and not force_full:
        force_full = True
        warnings.append(f"previous run {previous} was never transformed: full resync")
        logger.warning("quickbooks previous run untransformed", extra={"run_id": previous})
    summary = sync_company(
        request.realm_id, settings=connection.settings, store=store, http=connection.http,
        tokens=connection.tokens, run_id=request.run_id, force_full=force_full,
        confirm_deletions=request.missing_means_empty,
    )  # fmt: skip
    run = SyncRun.model_validate_json(store.get_bytes(summary.run_key))
    return _sync_result(request, run, already_landed=False, warnings=warnings)


def landed_run(store: ObjectStore, realm_id: str, run_id: str) -> SyncRun | None:
    """The run's manifest if the run landed completely, else None."""
    key = run_manifest_key(realm_id, run_id)
    if not store.exists(key):
        return None
    return SyncRun.model_validate_json(store.get_bytes(key))


def untransformed_previous_run(store: ObjectStore, realm_id: str) -> str | None:
    """The realm's last landed run the graph holds if the transform never wrote its
    records snapshot."""
    state = live_sync_state(store, realm_id)
    if state is None or store.exists(records_state_key(realm_id, state.last_run_id)):
        return None
    return state.last_run_id


def _sync_result(
    request: SyncRequest, run: SyncRun, *, already_landed: bool, warnings: list[str]
) -> dict[str, Any]:
    """The step's output: ids, mode and record counts, never a document."""
    return request.model_dump(exclude={"force_full", "missing_means_empty"}) | {
        "mode": run.mode,
        "mode_reason": run.mode_reason,
        "previous_run_id": run.previous_run_id,
        "records": run.records_by_entity(),
        "pages": len(run.pages),
        "already_landed": already_landed,
        "warnings": warnings,
        "duration_ms": _duration_ms(run.started_at, run.finished_at),
    }


def _duration_ms(started: str, finished: str) -> int:
    delta = datetime.fromisoformat(finished) - datetime.fromisoformat(started)
    return int(delta.total_seconds() * 1000)
