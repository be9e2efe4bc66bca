"""Secrets Manager rotation of the Graph API key: a fresh random key per rotation.

Secrets Manager calls the rotation function four times per rotation, each time with the
same ``ClientRequestToken`` (the id of the new version, created empty and labelled
AWSPENDING before the first call):

- ``createSecret``: store a new random key as the AWSPENDING version (once per token);
- ``setSecret``: nothing to do, no other system holds a copy to update;
- ``testSecret``: the pending key has the shape every consumer accepts;
- ``finishSecret``: move AWSCURRENT to the new version (AWSPREVIOUS follows by itself).

Every step is idempotent, so Secrets Manager may repeat any of them.

NOTE: the graph node and the replicas read the key when their service starts, and the
functions when their environment is resolved at deploy; until they re-read it, a rotation
locks them out. That is why the stack leaves rotation off unless asked (docs/deploy.md).
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledgergraph.errors import PermanentError
from ledgergraph.logs import get_logger

logger = get_logger("ledgergraph")

KEY_LENGTH = 48
_KEY_SHAPE = re.compile(r"^[A-Za-z0-9]{32,128}$")
CURRENT, PENDING = "AWSCURRENT", "AWSPENDING"
Step = Literal["createSecret", "setSecret", "testSecret", "finishSecret"]


class RotationError(PermanentError):
    """The rotation cannot go on; the message names the secret's step, never its value."""


class RotationRequest(BaseModel):
    """The event Secrets Manager sends the rotation function."""

    model_config = ConfigDict(populate_by_name=True)

    step: Step = Field(alias="Step", description="which of the four calls this is")
    secret_id: str = Field(alias="SecretId", description="ARN of the secret being rotated")
    token: str = Field(alias="ClientRequestToken", description="id of the new version")


def secrets_client() -> Any:
    """A Secrets Manager client of the function's region (built once per process)."""
    import boto3  # imported here: the layer's local paths never need it

    return boto3.client("secretsmanager")


def _stages_of(client: Any, request: RotationRequest) -> list[str]:
    """The labels of the token's version; a token that is not a version is refused."""
    described = client.describe_secret(SecretId=request.secret_id)
    versions = described.get("VersionIdsToStages", {})
    if request.token not in versions:
        raise RotationError(f"{request.step}: version {request.token} is not of this secret")
    return versions[request.token]


def create_key(client: Any, request: RotationRequest) -> bool:
    """Store a new random key as the token's AWSPENDING version; False if it exists."""
    try:
        client.get_secret_value(
            SecretId=request.secret_id, VersionId=request.token, VersionStage=PENDING
        )
        return False
    except client.exceptions.ResourceNotFoundException:
        pass
    key = client.get_random_password(PasswordLength=KEY_LENGTH, ExcludePunctuation=True)
    client.put_secret_value(
        SecretId=request.secret_id,
        ClientRequestToken=request.token,
        SecretString=key["RandomPassword"],
        VersionStages=[PENDING],
    )
    return True


def check_key(client: Any, request: RotationRequest) -> None:
    """The pending key is 32-128 letters and digits: safe in a header and an env file."""
    pending = client.get_secret_value(
        SecretId=request.secret_id, VersionId=request.token, VersionStage=PENDING
    )
    if not _KEY_SHAPE.fullmatch(pending.get("SecretString", "")):
        raise RotationError(f"testSecret: pending version {request.token} is not a usable key")


def finish_rotation(client: Any, request: RotationRequest) -> bool:
    """Make the token's version AWSCURRENT; False if it already is."""
    described = client.describe_secret(SecretId=request.secret_id)
    current = next(
        (v for v, stages in described["VersionIdsToStages"].items() if CURRENT in stages), None
    )
    if current == request.token:
        return False
    client.update_secret_version_stage(
        SecretId=request.secret_id,
        VersionStage=CURRENT,
        MoveToVersionId=request.token,
        RemoveFromVersionId=current,
    )
    return True


def rotate(client: Any, request: RotationRequest) -> dict[str, Any]:
    """Run one rotation step; returns what it did (no secret values)."""
    stages = _stages_of(client, request)
    if CURRENT in stages:
        changed = False  # this version is already the current key: the rotation is over
    elif PENDING not in stages:
        raise RotationError(f"{request.step}: version {request.token} is not pending")
    elif request.step == "createSecret":
        changed = create_key(client, request)
    elif request.step == "testSecret":
        check_key(client, request)
        changed = False
    elif request.step == "finishSecret":
        changed = finish_rotation(client, request)
    else:  # setSecret: the consumers read the secret themselves
        changed = False
    logger.info("rotation step", extra={"step": request.step, "changed": changed})
    return {"step": request.step, "version": request.token, "changed": changed}
