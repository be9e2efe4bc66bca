"""template.yaml as a whole: the linters, then what DESIGN section 2 asks of the stack.

``sam validate --lint`` and cfn-lint run when the SAM CLI's tool venv exists
(``scripts/install-sam.sh``), offline through ``scripts/sam.sh``; the other tests read the
template as data.
"""

from __future__ import annotations

import json
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest

from localrun.template import FUNCTION_TYPE, load_template, resources_of_type

ROOT = Path(__file__).resolve().parents[2]
SAM_VENV = ROOT / ".venv-sam"
STORE_URI = "s3://${ProcessedBucket}?raw=${RawBucket}&published=${PublishedBucket}"
BUCKETS = ("RawBucket", "ProcessedBucket", "PublishedBucket")

needs_sam = pytest.mark.skipif(
    not (SAM_VENV / "bin" / "sam").is_file(),
    reason="no SAM CLI in .venv-sam: run scripts/install-sam.sh",
)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def resource(template: dict[str, Any], name: str) -> dict[str, Any]:
    return template["Resources"][name]["Properties"]


def sam(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "sam.sh"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@needs_sam
def test_sam_validate_lint_accepts_the_template() -> None:
    done = sam("validate", "--lint")

    assert done.returncode == 0, done.stdout + done.stderr
    assert "is a valid SAM Template" in done.stdout


@needs_sam
def test_cfn_lint_finds_nothing_not_even_informational() -> None:
    done = sam("cfn-lint", "--include-checks", "I", "--", "template.yaml")

    assert (done.returncode, done.stdout) == (0, ""), done.stdout + done.stderr


def test_every_bucket_is_encrypted_private_and_has_lifecycle_rules(template) -> None:
    for name in BUCKETS:
        bucket = resource(template, name)
        encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256", name
        assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}, name
        rules = bucket["LifecycleConfiguration"]["Rules"]
        assert any("AbortIncompleteMultipartUpload" in r for r in rules), name
        policy = resource(template, f"{name}Policy")["PolicyDocument"]["Statement"][0]
        assert policy["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}, name


def test_only_the_published_bucket_is_versioned_and_old_versions_expire(template) -> None:
    versioned = [n for n in BUCKETS if "VersioningConfiguration" in resource(template, n)]
    rules = resource(template, "PublishedBucket")["LifecycleConfiguration"]["Rules"]

    assert versioned == ["PublishedBucket"]
    assert {"NoncurrentDays": 30} in [r.get("NoncurrentVersionExpiration") for r in rules]


def test_work_files_expire_and_data_outlives_the_stack(template) -> None:
    rules = resource(template, "ProcessedBucket")["LifecycleConfiguration"]["Rules"]
    work = next(r for r in rules if r.get("Prefix") == "work/")

    assert work["ExpirationInDays"] == 30
    for name in BUCKETS:
        assert template["Resources"][name]["DeletionPolicy"] == "Retain"
    assert template["Resources"]["GraphDataVolume"]["DeletionPolicy"] == "Snapshot"


def test_one_store_uri_names_the_three_buckets_everywhere(template) -> None:
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    container = resource(template, "XbrlTaskDefinition")["ContainerDefinitions"][0]
    task_env = {e["Name"]: e["Value"] for e in container["Environment"]}
    node_data = json.dumps(resource(template, "GraphNodeLaunchTemplate"))

    assert env["LEDGERGRAPH_STORE_URI"] == {"Fn::Sub": STORE_URI}
    assert task_env["LEDGERGRAPH_STORE_URI"] == {"Fn::Sub": STORE_URI}
    assert template["Outputs"]["StoreUri"]["Value"] == {"Fn::Sub": STORE_URI}
    assert f"LEDGERGRAPH_STORE_URI={STORE_URI}" in node_data


def test_functions_are_python_312_with_powertools_and_active_tracing(template) -> None:
    function = template["Globals"]["Function"]
    env = function["Environment"]["Variables"]

    assert (function["Runtime"], function["Tracing"]) == ("python3.12", "Active")
    assert env["POWERTOOLS_SERVICE_NAME"] == env["POWERTOOLS_METRICS_NAMESPACE"] == "ledgergraph"
    assert env["LEDGERGRAPH_HOME"].startswith("/tmp/")
    assert function["LoggingConfig"] == {"LogGroup": {"Ref": "FunctionLogGroup"}}


def s3_statements(props: dict[str, Any]) -> list[dict[str, Any]]:
    statements = [s for p in props.get("Policies", []) for s in p.get("Statement", [])]
    return [s for s in statements if "s3:" in json.dumps(s["Action"])]


def test_function_policies_name_their_prefixes_not_whole_buckets(template) -> None:
    for name, function in resources_of_type(template, FUNCTION_TYPE).items():
        props = function["Properties"]
        managed = [next(iter(p)) for p in props.get("Policies", []) if "Statement" not in p]
        assert not [m for m in managed if m.startswith("S3")], f"{name}: {managed}"
        for statement in s3_statements(props):
            resources = json.dumps(statement["Resource"])
            assert '"*"' not in resources, name
            if statement["Action"] != "s3:ListBucket":
                assert '/*"' in resources and "Arn}/" in resources, f"{name}: {resources}"


def test_only_functions_that_call_the_graph_node_run_in_the_vpc(template) -> None:
    for name, function in resources_of_type(template, FUNCTION_TYPE).items():
        props = function["Properties"]
        calls_node = "LEDGERGRAPH_GRAPH_API_URL" in json.dumps(props.get("Environment", {}))
        assert ("VpcConfig" in props) == calls_node, name
        if calls_node:
            groups = props["VpcConfig"]["SecurityGroupIds"]
            assert groups == [{"Ref": "FunctionSecurityGroup"}], name


def test_the_graph_api_admits_only_the_functions_security_group(template) -> None:
    [ingress] = resource(template, "GraphNodeSecurityGroup")["SecurityGroupIngress"]

    assert (ingress["FromPort"], ingress["ToPort"]) == (8000, 8000)
    assert ingress["SourceSecurityGroupId"] == {"Ref": "FunctionSecurityGroup"}
    assert "CidrIp" not in ingress


def test_the_graph_node_is_one_instance_beside_its_volume_and_address(template) -> None:
    group = resource(template, "GraphNodeGroup")
    volume = resource(template, "GraphDataVolume")
    user_data = json.dumps(resource(template, "GraphNodeLaunchTemplate"))

    assert group["VPCZoneIdentifier"] == [{"Ref": "PrivateSubnetA"}]
    assert group["MinSize"] == group["MaxSize"] == {"Ref": "GraphNodeCount"}
    assert volume["AvailabilityZone"] == {"Fn::GetAtt": ["PrivateSubnetA", "AvailabilityZone"]}
    assert (volume["VolumeType"], volume["Encrypted"]) == ("gp3", True)
    for step in ("attach-volume", "attach-network-interface", "-m graph_node serve"):
        assert step in user_data, step
    assert "LEDGERGRAPH_EVENTS=none" in user_data  # PublishSnapshot announces, not the node


def test_the_node_and_the_replicas_keep_snapshots_in_the_published_bucket(template) -> None:
    for name in ("GraphNodeLaunchTemplate", "ReplicaLaunchTemplate"):
        script = user_data(template, name)

        assert 'LEDGERGRAPH_PUBLISH_STORE_URI=s3://${PublishedBucket}"' in script, name


def user_data(template: dict[str, Any], launch_template: str) -> str:
    """The boot script of a launch template, before CloudFormation substitutes it."""
    data = resource(template, launch_template)["LaunchTemplateData"]["UserData"]
    return data["Fn::Base64"]["Fn::Sub"][0]


def test_replicas_scale_on_cpu_behind_an_internal_load_balancer(template) -> None:
    group = resource(template, "ReplicaGroup")
    target = resource(template, "ReplicaTargetGroup")
    scaling = resource(template, "ReplicaCpuScaling")["TargetTrackingConfiguration"]
    parameters = template["Parameters"]

    assert resource(template, "ReplicaLoadBalancer")["Scheme"] == "internal"
    assert (target["Port"], target["HealthCheckPath"]) == (8001, "/status")
    assert resource(template, "ReplicaListener")["Port"] == 8001
    assert (parameters["ReplicaMinSize"]["Default"], parameters["ReplicaMaxSize"]["Default"]) == (
        2,
        10,
    )
    assert group["HealthCheckType"] == "ELB"
    assert scaling["PredefinedMetricSpecification"]["PredefinedMetricType"] == (
        "ASGAverageCPUUtilization"
    )
    assert "serve --replica" in json.dumps(resource(template, "ReplicaLaunchTemplate"))


def test_every_state_machine_logs_and_traces(template) -> None:
    for name, machine in resources_of_type(template, "AWS::Serverless::StateMachine").items():
        props = machine["Properties"]
        destination = props["Logging"]["Destinations"][0]["CloudWatchLogsLogGroup"]
        assert props["Tracing"] == {"Enabled": True}, name
        assert destination["LogGroupArn"] == {"Fn::GetAtt": ["StateMachineLogGroup", "Arn"]}
        assert props["Logging"]["IncludeExecutionData"] is False, name


def test_the_nightly_sec_run_is_off_unless_a_parameter_turns_it_on(template) -> None:
    events = resource(template, "SecPipelineStateMachine")["Events"]
    nightly = events["NightlySec"]["Properties"]

    assert events["NightlySec"]["Type"] == "ScheduleV2"
    assert nightly["State"] == {"Fn::If": ["NightlySecOn", "ENABLED", "DISABLED"]}
    assert template["Parameters"]["NightlySecEnabled"]["Default"] == "false"
    assert template["Conditions"]["NightlySecOn"] == {
        "Fn::Equals": [{"Ref": "NightlySecEnabled"}, "true"]
    }


def test_snapshot_published_starts_the_refresh_with_the_events_detail(template) -> None:
    rule = resource(template, "ReplicaRefreshStateMachine")["Events"]["SnapshotPublished"]

    assert rule["Type"] == "EventBridgeRule"
    assert rule["Properties"] == {
        "Pattern": {"source": ["ledgergraph"], "detail-type": ["SnapshotPublished"]},
        "InputPath": "$.detail",
    }


def test_the_graph_api_key_is_generated_and_its_rotation_is_wired(template) -> None:
    secret = resource(template, "GraphApiKeySecret")
    rotation = template["Resources"]["GraphApiKeyRotation"]
    permission = resource(template, "RotateApiKeyPermission")

    assert secret["GenerateSecretString"]["ExcludePunctuation"] is True
    assert rotation["Condition"] == "RotateGraphApiKey"
    assert rotation["Properties"]["RotationLambdaARN"] == {
        "Fn::GetAtt": ["RotateApiKeyFunction", "Arn"]
    }
    assert permission["Principal"] == "secretsmanager.amazonaws.com"
    for name in ("EdgarUserAgentSecret", "QuickBooksAppSecret"):
        assert template["Resources"][name]["Type"] == "AWS::SecretsManager::Secret"


def test_the_outputs_name_what_the_cli_and_tests_need(template) -> None:
    wanted = {
        "SecPipelineStateMachineArn",
        "PublishSnapshotStateMachineArn",
        "ReplicaRefreshStateMachineArn",
        "RawBucketName",
        "ProcessedBucketName",
        "PublishedBucketName",
        "StoreUri",
        "ReplicasEndpoint",
        "GraphApiUrl",
        "ReplicaGroupName",
    }

    assert wanted <= set(template["Outputs"])


def test_samconfig_gives_every_parameter_without_a_default(template) -> None:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    required = {n for n, p in template["Parameters"].items() if "Default" not in p}

    for env in ("default", "prod"):
        given = config[env]["deploy"]["parameters"]["parameter_overrides"]
        assert required <= {g.split("=", 1)[0] for g in given}, env
