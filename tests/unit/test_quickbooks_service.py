"""The functions the Lambda steps call, wired the way AWS wires them (Secrets Manager)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import httpx
import pytest
from moto import mock_aws
from test_quickbooks_cases import (  # noqa: F401 - fixtures
    GRAPH,
    REALM,
    _loopback_only,
    fake_fixture,
    local_settings,
)

from ledgergraph.objectstore import LocalObjectStore
from ledgergraph.quickbooks.errors import QuickBooksPermanentError
from ledgergraph.quickbooks.service import (
    open_token_manager,
    resolve_app_credentials,
    sync_company,
)
from ledgergraph.quickbooks.tokens import SecretsManagerTokenStore, TokenRecord
from ledgergraph.quickbooks.transform.service import transform_run
from tests.fakes.quickbooks_server import FakeQuickBooks


@mock_aws
def test_a_sync_and_transform_wired_like_the_lambdas(fake: FakeQuickBooks, tmp_path: Path) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    app = {"client_id": fake.client_id, "client_secret": fake.client_secret}
    secrets.create_secret(Name="ledgergraph/quickbooks-app", SecretString=json.dumps(app))
    settings = local_settings(
        fake, tmp_path, client_id="", client_secret="", token_store="secretsmanager",
        app_secret_id="ledgergraph/quickbooks-app",
    )  # fmt: skip
    settings = resolve_app_credentials(settings, secrets)
    access, refresh = fake.issue_tokens()
    SecretsManagerTokenStore(secrets, prefix=settings.secret_prefix).save(
        TokenRecord(
            realm_id=REALM,
            access_token=access,
            refresh_token=refresh,
            access_expires_at=time.time() - 1,
        )  # fmt: skip
    )
    store = LocalObjectStore(tmp_path / "store")

    with httpx.Client() as http:
        tokens = open_token_manager(settings, http, secrets_client=secrets)
        synced = sync_company(REALM, settings=settings, store=store, http=http, tokens=tokens)
    transformed = transform_run(store, realm_id=REALM, run_id=synced.run_id, graph_id=GRAPH)

    assert fake.refresh_calls == 1  # the stored token had expired
    assert synced.records["Account"] == 92 and synced.mode == "full"
    assert transformed.rows["LedgerAccount"] == 93 and transformed.rejected == 0
    assert transformed.failed_checks == [  # the recorded BalanceSheet is another company's
        "account_balances", "balanced", "report:BalanceSheet", "trial_balance",
    ]  # fmt: skip
    assert json.loads(json.dumps(synced.model_dump()))  # a small JSON-able step result


@mock_aws
def test_an_app_secret_without_the_client_secret_is_a_permanent_error(
    fake: FakeQuickBooks, tmp_path: Path
) -> None:
    secrets = boto3.client("secretsmanager", region_name="us-east-1")
    secrets.create_secret(Name="app", SecretString=json.dumps({"client_id": "x"}))
    settings = local_settings(fake, tmp_path, app_secret_id="app")

    with pytest.raises(QuickBooksPermanentError, match="client_secret"):
        resolve_app_credentials(settings, secrets)
