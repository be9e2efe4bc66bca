"""Every state machine file against the template and the interpreter.

``sam validate --lint`` and cfn-lint do not look inside DefinitionUri files, so these tests
are the ASL's linter: JSON, transitions, placeholders both ways, the resources they name,
the permissions each service call needs in the state machine's policies, the roles it
passes, and moto's parser (which catches misspelt fields).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localrun.stepfunctions import LocalStepFunctions
from localrun.template import (
    FUNCTION_TYPE,
    STATE_MACHINE_TYPE,
    STATEMACHINES_DIR,
    function_specs,
    load_template,
    resources_of_type,
    state_machine_spec,
    substitute,
)

ROOT = Path(__file__).resolve().parents[2]
ASL_FILES = sorted(STATEMACHINES_DIR.glob("*.asl.json"))
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")
PASCAL_CASE = re.compile(r"^[A-Z][A-Za-z0-9]+$")
LAMBDA_TRANSIENT = {"TransientError", "Lambda.ServiceException", "Lambda.TooManyRequestsException"}
PLACEHOLDER_TYPES = {
    "FunctionArn": (FUNCTION_TYPE,),
    "ClusterArn": ("AWS::ECS::Cluster",),
    "TaskDefinitionArn": ("AWS::ECS::TaskDefinition",),
    "GroupName": ("AWS::AutoScaling::AutoScalingGroup",),
    "BucketName": ("AWS::S3::Bucket",),
    "SubnetId": ("AWS::EC2::Subnet", "AWS::EC2::Subnet::Id"),
    "SecurityGroupId": ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroup::Id"),
}
SERVICE_TASK = re.compile(r"^arn:aws:states:::(?:aws-sdk:)?([a-z0-9-]+):([A-Za-z0-9]+)")


def asl_ids() -> list[str]:
    return [p.name for p in ASL_FILES]


@pytest.fixture(params=ASL_FILES, ids=asl_ids())
def asl_path(request: pytest.FixtureRequest) -> Path:
    return request.param


def scopes(states: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict, str]]:
    """(path, states, StartAt) of the top level and of every Map and Parallel inside it."""
    for name, state in states.items():
        inner = state.get("ItemProcessor") or state.get("Iterator")
        if inner:
            yield f"{path}{name}", inner["States"], inner["StartAt"]
            yield from scopes(inner["States"], f"{path}{name}/")
        for index, branch in enumerate(state.get("Branches", [])):
            yield f"{path}{name}[{index}]", branch["States"], branch["StartAt"]
            yield from scopes(branch["States"], f"{path}{name}[{index}]/")


def all_scopes(asl: dict[str, Any]) -> list[tuple[str, dict, str]]:
    return [("", asl["States"], asl["StartAt"]), *scopes(asl["States"])]


def targets(state: dict[str, Any]) -> list[str]:
    found = [state[k] for k in ("Next", "Default") if k in state]
    found += [c["Next"] for c in state.get("Choices", []) + state.get("Catch", [])]
    return found


def all_states(asl: dict[str, Any]) -> Iterator[tuple[str, dict]]:
    for _, states, _ in all_scopes(asl):
        yield from states.items()


def test_there_is_a_state_machine_for_every_asl_file_and_back() -> None:
    template = load_template()
    uris = {Path(r["Properties"]["DefinitionUri"]).name for r in machines(template).values()}
    assert uris == {p.name for p in ASL_FILES}


def machines(template: dict[str, Any]) -> dict[str, dict]:
    return resources_of_type(template, STATE_MACHINE_TYPE)


def test_asl_is_json_with_a_comment_and_a_start(asl_path: Path) -> None:
    asl = json.loads(asl_path.read_text())

    assert asl["Comment"]
    assert asl["StartAt"] in asl["States"]


def test_every_transition_lands_on_a_state_of_its_scope(asl_path: Path) -> None:
    asl = json.loads(asl_path.read_text())

    for scope, states, start in all_scopes(asl):
        assert start in states, f"{scope}: StartAt {start}"
        for name, state in states.items():
            missing = [t for t in targets(state) if t not in states]
            assert not missing, f"{scope}/{name} goes to {missing}"
            ends = state.get("End") or state["Type"] in ("Succeed", "Fail", "Choice")
            assert ends or "Next" in state, f"{scope}/{name} neither ends nor goes on"


def test_every_state_is_reachable(asl_path: Path) -> None:
    asl = json.loads(asl_path.read_text())

    for scope, states, start in all_scopes(asl):
        seen, todo = set(), [start]
        while todo:
            name = todo.pop()
            if name not in seen:
                seen.add(name)
                todo += targets(states[name])
        assert seen == set(states), f"{scope}: unreachable {set(states) - seen}"


def test_state_names_are_pascal_case(asl_path: Path) -> None:
    asl = json.loads(asl_path.read_text())

    assert [n for n, _ in all_states(asl) if not PASCAL_CASE.match(n)] == []


def test_placeholders_and_substitutions_match_both_ways(asl_path: Path) -> None:
    spec = state_machine_spec(load_template(), asl_path.name)

    used = set(PLACEHOLDER.findall(asl_path.read_text()))

    assert used == set(spec.substitutions)


def test_substitutions_name_resources_of_the_right_kind(asl_path: Path) -> None:
    template = load_template()
    spec = state_machine_spec(template, asl_path.name)
    names = {**template["Resources"], **template.get("Parameters", {})}

    for key, value in spec.substitutions.items():
        if isinstance(value, str):
            continue
        ref = value.get("Ref") or value["Fn::GetAtt"][0]
        assert ref in names, f"{key} names {ref}, which the template does not have"
        for suffix, kinds in PLACEHOLDER_TYPES.items():
            if key.endswith(suffix):
                assert names[ref]["Type"] in kinds, f"{key} -> {ref}"


def test_lambda_tasks_retry_transient_errors_and_use_lambda_arns(asl_path: Path) -> None:
    asl = json.loads(asl_path.read_text())

    for name, state in all_states(asl):
        if state.get("Resource") != "arn:aws:states:::lambda:invoke":
            continue
        function = state["Arguments"]["FunctionName"]
        assert PLACEHOLDER.fullmatch(function) and function.endswith("FunctionArn}"), name
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
        assert retried >= LAMBDA_TRANSIENT, name
        assert "States.ALL" not in retried, f"{name} retries permanent errors"


def policy_statements(machine: dict[str, Any]) -> list[dict[str, Any]]:
    """The state machine's statements; SAM's LambdaInvokePolicy as the statement it becomes."""
    statements = []
    for policy in machine["Properties"].get("Policies", []):
        if "LambdaInvokePolicy" in policy:
            function = policy["LambdaInvokePolicy"]["FunctionName"]["Ref"]
            statements.append({"Action": "lambda:InvokeFunction", "Resource": function})
        statements += policy.get("Statement", [])
    return statements


def allowed_actions(machine: dict[str, Any]) -> set[str]:
    actions = set()
    for statement in policy_statements(machine):
        listed = statement["Action"]
        actions |= {a.lower() for a in ([listed] if isinstance(listed, str) else listed)}
    return actions


def service_calls(asl: dict[str, Any]) -> set[str]:
    """IAM actions of the ASL's service integrations, ItemReaders and distributed Maps."""
    calls = set()
    for _, state in all_states(asl):
        resources = [state.get("Resource", ""), state.get("ItemReader", {}).get("Resource", "")]
        for service, action in (SERVICE_TASK.match(r).groups() for r in resources if r):
            if (service, action) != ("lambda", "invoke"):
                calls.add(f"{service}:{action}".lower())
        if state.get("ItemProcessor", {}).get("ProcessorConfig", {}).get("Mode") == "DISTRIBUTED":
            calls.add("states:startexecution")
    return calls


def test_every_service_call_is_allowed_by_the_state_machines_policies(asl_path: Path) -> None:
    template = load_template()
    spec = state_machine_spec(template, asl_path.name)
    machine = template["Resources"][spec.name]

    missing = service_calls(json.loads(asl_path.read_text())) - allowed_actions(machine)

    assert not missing, f"{spec.name} may not call {sorted(missing)}"


def test_every_function_a_state_machine_invokes_has_an_invoke_policy(asl_path: Path) -> None:
    template = load_template()
    spec = state_machine_spec(template, asl_path.name)
    statements = policy_statements(template["Resources"][spec.name])
    invokable = {s["Resource"] for s in statements if s["Action"] == "lambda:InvokeFunction"}

    named = {
        value["Fn::GetAtt"][0]
        for key, value in spec.substitutions.items()
        if key.endswith("FunctionArn")
    }

    assert named <= invokable, f"{spec.name} cannot invoke {sorted(named - invokable)}"


def test_every_role_a_task_runs_with_exists_and_may_be_passed(asl_path: Path) -> None:
    template = load_template()
    spec = state_machine_spec(template, asl_path.name)
    statements = policy_statements(template["Resources"][spec.name])
    passable = [s["Resource"] for s in statements if s["Action"] == "iam:PassRole"]
    passable = [r for resources in passable for r in resources]

    for key, value in spec.substitutions.items():
        if not key.endswith("TaskDefinitionArn"):
            continue
        task = template["Resources"][value["Ref"]]["Properties"]
        for role_key in ("ExecutionRoleArn", "TaskRoleArn"):
            role = task[role_key]["Fn::GetAtt"][0]
            assert template["Resources"][role]["Type"] == "AWS::IAM::Role", role
            assert {"Fn::GetAtt": [role, "Arn"]} in passable, f"{spec.name} cannot pass {role}"


def test_asl_parses_in_the_local_interpreter(asl_path: Path) -> None:
    spec = state_machine_spec(load_template(), asl_path.name)
    values = {
        key: f"arn:aws:lambda:us-east-1:123456789012:function:{key}" for key in spec.substitutions
    }
    definition = substitute(asl_path.read_text(), values)

    with LocalStepFunctions() as engine:
        arn = engine.create_state_machine(asl_path.stem.replace(".asl", ""), definition)

    assert arn.endswith(asl_path.stem.replace(".asl", ""))


def test_the_interpreter_rejects_a_misspelt_field() -> None:
    asl = {"StartAt": "Go", "States": {"Go": {"Type": "Pass", "End": True, "Nxet": "Go"}}}

    with LocalStepFunctions() as engine, pytest.raises(Exception, match="Nxet|Invalid"):
        engine.create_state_machine("misspelt", asl)


def test_every_function_has_a_thin_handler_and_canonical_events() -> None:
    for name, spec in function_specs(load_template()).items():
        source = spec.app_path.read_text()
        tree = ast.parse(source)
        handler = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
        assert [f.name for f in handler] == ["lambda_handler"], name
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not imported & {"boto3", "httpx", "duckdb"}, name
        assert len(source.splitlines()) <= 60, name
        folder = ROOT / "events" / spec.app_path.parent.name
        assert list(folder.glob("*.json")), f"{name} has no events in {folder}"


def test_template_builds_the_layer_and_functions_for_python_312() -> None:
    template = load_template()
    layer = template["Resources"]["SharedLayer"]

    assert template["Globals"]["Function"]["Runtime"] == "python3.12"
    # The layer is built by its Makefile (pip for python3.12 wheels, then trimmed).
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    content = ROOT / layer["Properties"]["ContentUri"]
    makefile = (content / "Makefile").read_text(encoding="utf-8")
    assert "build-SharedLayer:" in makefile and "--python-version 3.12" in makefile
    assert (content / "requirements.txt").is_file()
    for resource in resources_of_type(template, FUNCTION_TYPE).values():
        assert (ROOT / resource["Properties"]["CodeUri"] / "app.py").is_file()
