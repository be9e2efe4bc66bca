"""The fake AWS account every local run lives in, and the environment that keeps it local.

boto3 looks for credentials, a region and endpoints in the environment, in ~/.aws and in
the instance metadata service. Inside a local run none of those may be consulted: fake
credentials and a fixed region are set in this process, the config files point at nothing
and the metadata service is switched off, so a call that escaped moto would fail fast
instead of reaching a real endpoint.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account

FAKE_AWS_ENV: dict[str, str] = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "MOTO_ACCOUNT_ID": ACCOUNT_ID,
}

_DROPPED = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL", "AWS_CA_BUNDLE")


@contextmanager
def fake_aws_environment(extra: dict[str, str] | None = None) -> Iterator[None]:
    """Set the fake account (and ``extra``) in ``os.environ``; restore it afterwards."""
    with mock.patch.dict(os.environ, {**FAKE_AWS_ENV, **(extra or {})}):
        for name in _DROPPED:
            os.environ.pop(name, None)
        for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
            os.environ.pop(name)
        yield
