"""The deployed stack on a real AWS account: what ``sam deploy`` made, read back.

Opt in with ``LEDGERGRAPH_AWS_STACK=<stack name>`` and credentials in the environment
(``AWS_PROFILE`` or ``AWS_ACCESS_KEY_ID``); without both every test is skipped. The tests
only read: they start no execution and change no resource.

NOTE: the suite's loopback guard (tests/conftest.py) refuses every host but 127.0.0.1, so
these tests also need the guard to let ``aws``-marked tests through.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

STACK = os.environ.get("LEDGERGRAPH_AWS_STACK")
HAS_CREDENTIALS = bool(os.environ.get("AWS_PROFILE") or os.environ.get("AWS_ACCESS_KEY_ID"))

pytestmark = [
    pytest.mark.aws,
    pytest.mark.skipif(
        not (STACK and HAS_CREDENTIALS),
        reason="needs LEDGERGRAPH_AWS_STACK and AWS credentials in the environment",
    ),
]


@pytest.fixture(scope="module")
def outputs() -> dict[str, str]:
    import boto3

    stack = boto3.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def client(service: str) -> Any:
    import boto3

    return boto3.client(service)


def test_every_state_machine_is_deployed_without_placeholders(outputs) -> None:
    sfn = client("stepfunctions")
    for key in ("SecPipeline", "PublishSnapshot", "ReplicaRefresh"):
        arn = outputs[f"{key}StateMachineArn"]
        described = sfn.describe_state_machine(stateMachineArn=arn)

        assert "${" not in described["definition"], key
        assert described["tracingConfiguration"]["enabled"] is True, key


def test_the_buckets_are_private_and_only_published_is_versioned(outputs) -> None:
    s3 = client("s3")
    for key in ("RawBucketName", "ProcessedBucketName", "PublishedBucketName"):
        block = s3.get_public_access_block(Bucket=outputs[key])
        versioning = s3.get_bucket_versioning(Bucket=outputs[key]).get("Status")

        assert all(block["PublicAccessBlockConfiguration"].values()), key
        assert (versioning == "Enabled") == (key == "PublishedBucketName"), key


def test_the_replica_group_is_behind_the_load_balancer(outputs) -> None:
    groups = client("autoscaling").describe_auto_scaling_groups(
        AutoScalingGroupNames=[outputs["ReplicaGroupName"]]
    )["AutoScalingGroups"]

    assert groups[0]["TargetGroupARNs"]
    assert groups[0]["MinSize"] >= 0
    assert outputs["ReplicasEndpoint"].endswith(":8001")
