"""Shared set-up of the QuickBooks tests: the fake server, settings, a connected realm.

Every test using these helpers runs inside the loopback guard: the library's default URLs
are Intuit's, and a test that forgot to point it at the fake must fail, not call out.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.client import QuickBooksClient
from ledgergraph.quickbooks.extract import SyncSummary, sync_realm
from ledgergraph.quickbooks.oauth import TokenManager
from ledgergraph.quickbooks.settings import QuickBooksSettings
from ledgergraph.quickbooks.tokens import FileTokenStore, TokenRecord, TokenStore
from ledgergraph.quickbooks.transform.service import TransformSummary, transform_run

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # NOTE: makes tests.fakes importable under pytest's rootdir
    sys.path.insert(0, str(REPO))

from tests.fakes.network_guard import loopback_only  # noqa: E402
from tests.fakes.quickbooks_server import SANDBOX_REALM, FakeQuickBooks, load_sandbox  # noqa: E402

REALM = SANDBOX_REALM
GRAPH = "ledger"


@pytest.fixture(autouse=True)
def _loopback_only() -> Iterator[None]:
    with loopback_only():
        yield


@pytest.fixture(name="fake")
def fake_fixture() -> Iterator[FakeQuickBooks]:
    with FakeQuickBooks() as server:
        yield server


def local_settings(fake: FakeQuickBooks, tmp_path: Path, **overrides: object) -> QuickBooksSettings:
    """Settings aimed at the fake on 127.0.0.1, with backoff small enough for tests."""
    values: dict[str, object] = {
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "api_base": fake.base_url,
        "token_url": fake.token_url,
        "authorize_url": f"{fake.base_url}/connect/oauth2",
        "token_path": tmp_path / "tokens" / "tokens.json",
        "backoff_base_s": 0.5,
        "max_retries": 3,
    }
    values.update(overrides)
    return QuickBooksSettings(**values)


def token_manager(
    settings: QuickBooksSettings, http: httpx.Client, store: TokenStore | None = None
) -> TokenManager:
    return TokenManager(
        store=store or FileTokenStore(settings.token_path),
        http=http,
        token_url=settings.token_url,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        leeway_s=settings.token_leeway_s,
    )


def connect_realm(fake: FakeQuickBooks, store: TokenStore, *, expired: bool = False) -> TokenRecord:
    """Store tokens the fake accepts, as if the realm went through OAuth."""
    access, refresh = fake.issue_tokens()
    record = TokenRecord(
        realm_id=REALM,
        access_token=access,
        refresh_token=refresh,
        access_expires_at=0.0 if expired else time.time() + 3600,
    )
    store.save(record)
    return record


@dataclass
class Harness:
    """A connected realm: settings, token manager, client, object store, recorded sleeps."""

    fake: FakeQuickBooks
    settings: QuickBooksSettings
    http: httpx.Client
    tokens: TokenManager
    client: QuickBooksClient
    store: LocalObjectStore
    sleeps: list[float]

    def sync(self, **kwargs: object) -> SyncSummary:
        return sync_realm(self.client, self.store, self.settings, **kwargs)

    def transform(self, run_id: str) -> TransformSummary:
        return transform_run(self.store, realm_id=REALM, run_id=run_id, graph_id=GRAPH)

    def reconciliation(self, run_id: str) -> dict[str, Any]:
        """The transform's reconciliation of ``run_id`` (records in, out, rejected...)."""
        details = self.store.get_bytes(f"processed/{GRAPH}/{run_id}/reconciliation.json")
        return json.loads(details)["reconciliation"]

    def rejected(self, run_id: str) -> dict[str, dict[str, int]]:
        """The run's rejected records, per entity that has any: {reason: count}."""
        records = self.reconciliation(run_id)["records"]
        return {entity: counts["rejected"] for entity, counts in records.items()
                if counts["rejected"]}  # fmt: skip

    def record_counts(self, run_id: str) -> dict[str, tuple[int, int, int]]:
        """Per entity of the run: (records in, written, rejected); nothing else is left when
        nothing was superseded, listed twice or informational."""
        records = self.reconciliation(run_id)["records"]
        return {entity: (c["records_in"], c["out"], sum(c["rejected"].values()))
                for entity, c in records.items()}  # fmt: skip

    def parquet(self, run_id: str, table: str) -> duckdb.DuckDBPyRelation:
        path = self.store.path(f"processed/{GRAPH}/{run_id}/{table}.parquet")
        return duckdb.read_parquet(str(path))

    def rows(self, run_id: str, table: str, where: str = "true") -> list[dict[str, object]]:
        path = self.store.path(f"processed/{GRAPH}/{run_id}/{table}.parquet")
        con = duckdb.connect()
        result = con.execute(
            f"SELECT * FROM read_parquet(?) WHERE {where} ORDER BY ALL", [str(path)]
        )
        names = [d[0] for d in result.description]
        return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


@pytest.fixture(name="harness")
def harness_fixture(fake: FakeQuickBooks, tmp_path: Path) -> Iterator[Harness]:
    yield from make_harness(fake, tmp_path)


def make_harness(fake: FakeQuickBooks, tmp_path: Path, **overrides: object) -> Iterator[Harness]:
    settings = local_settings(fake, tmp_path, **overrides)
    sleeps: list[float] = []
    with httpx.Client(timeout=10) as http:
        tokens = token_manager(settings, http)
        connect_realm(fake, tokens.store)
        client = QuickBooksClient(
            REALM, http=http, tokens=tokens, settings=settings, sleep=sleeps.append
        )
        store = LocalObjectStore(tmp_path / "store")
        yield Harness(fake, settings, http, tokens, client, store, sleeps)


def edited_sandbox(entity: str, qbo_id: str, edit: dict[str, object]) -> dict[str, list]:
    """A copy of the sandbox records with one record's fields replaced (for failure cases)."""
    records = load_sandbox()
    copy = json.loads(json.dumps(records))
    for record in copy[entity]:
        if record["Id"] == qbo_id:
            record.update(edit)
            return copy
    raise KeyError(f"{entity} {qbo_id} not in the sandbox data")
