"""RotateApiKey with its canonical events, against moto's Secrets Manager.

moto's RotateSecret labels the new version AWSPENDING as AWS does, then fails to invoke the
rotation function (it cannot run ours); each test calls the handler for the steps instead,
in the order Secrets Manager does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ledgergraph.key_rotation import RotationError
from localrun.aws import fake_aws_environment
from localrun.lambdas import LocalLambdaContext, load_handler

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")
OLD_KEY = "k" * 48


def step_event(step: str, secret_arn: str) -> dict[str, Any]:
    event = json.loads((ROOT / "events" / "rotate_api_key" / f"{step}.json").read_text())
    return event | {"SecretId": secret_arn}


def context() -> LocalLambdaContext:
    return LocalLambdaContext(function_name="rotate", invoked_function_arn="arn:local:rotate")


@pytest.fixture
def secrets() -> Iterator[Any]:
    with fake_aws_environment(), mock_aws():
        yield boto3.client("secretsmanager")


@pytest.fixture
def secret(secrets) -> str:
    arn = secrets.create_secret(Name="ledgergraph/graph-api-key", SecretString=OLD_KEY)["ARN"]
    token = step_event("createSecret", arn)["ClientRequestToken"]
    with pytest.raises(secrets.exceptions.ResourceNotFoundException):
        secrets.rotate_secret(
            SecretId=arn,
            ClientRequestToken=token,
            RotationLambdaARN="arn:aws:lambda:us-east-1:123456789012:function:RotateApiKey",
            RotationRules={"AutomaticallyAfterDays": 30},
        )
    return arn


@pytest.fixture
def rotate(secrets) -> Callable[[dict, Any], dict]:
    return load_handler(ROOT / "functions" / "rotate_api_key" / "app.py")


def current_key(secrets, arn: str, stage: str = "AWSCURRENT") -> str:
    return secrets.get_secret_value(SecretId=arn, VersionStage=stage)["SecretString"]


def test_the_four_steps_make_a_new_random_key_current(secrets, secret, rotate) -> None:
    results = [rotate(step_event(step, secret), context()) for step in STEPS]

    new_key = current_key(secrets, secret)
    assert [r["changed"] for r in results] == [True, False, False, True]
    assert new_key != OLD_KEY and len(new_key) == 48 and new_key.isalnum()
    assert current_key(secrets, secret, "AWSPREVIOUS") == OLD_KEY


def test_every_step_can_be_repeated(secrets, secret, rotate) -> None:
    rotate(step_event("createSecret", secret), context())
    pending = current_key(secrets, secret, "AWSPENDING")

    again = [rotate(step_event(step, secret), context()) for step in STEPS + STEPS]

    assert current_key(secrets, secret) == pending
    assert [r["changed"] for r in again] == [False, False, False, True] + [False] * 4


def test_a_token_that_is_not_a_version_of_the_secret_is_refused(secret, rotate) -> None:
    event = step_event("createSecret", secret) | {"ClientRequestToken": "not-a-version"}

    with pytest.raises(RotationError, match="not-a-version is not of this secret"):
        rotate(event, context())


def test_a_pending_value_that_is_not_a_usable_key_fails_the_test_step(
    secrets, secret, rotate
) -> None:
    token = step_event("testSecret", secret)["ClientRequestToken"]
    secrets.put_secret_value(
        SecretId=secret,
        ClientRequestToken=token,
        SecretString="short; with punctuation",
        VersionStages=["AWSPENDING"],
    )

    with pytest.raises(RotationError, match="is not a usable key"):
        rotate(step_event("testSecret", secret), context())
    assert current_key(secrets, secret) == OLD_KEY
