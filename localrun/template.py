"""What the local runtime reads from ``template.yaml``: functions, state machines, the task.

The local engine takes the same DefinitionSubstitutions keys as the stack, so renaming a
``${...}`` placeholder on one side only fails locally as it would on deploy.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from localrun.lambdas import function_arn

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"
STATEMACHINES_DIR = PROJECT_ROOT / "statemachines"

FUNCTION_TYPE = "AWS::Serverless::Function"
STATE_MACHINE_TYPE = "AWS::Serverless::StateMachine"


class _CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that reads ``!Ref``, ``!GetAtt``, ``!Sub`` ... as their long forms."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CloudFormationLoader.add_multi_constructor("!", _construct_tag)


@lru_cache(maxsize=4)
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data, short-form tags expanded."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CloudFormationLoader)  # noqa: S506 - safe subclass


def resources_of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v.get("Type") == kind}


@dataclass(frozen=True)
class FunctionSpec:
    """A Lambda function of the stack: logical id and the file holding its handler."""

    name: str
    app_path: Path
    handler: str


def function_specs(template: dict[str, Any], root: Path = PROJECT_ROOT) -> dict[str, FunctionSpec]:
    """Every Serverless function by logical id, with its handler module's path."""
    default = template.get("Globals", {}).get("Function", {}).get("Handler", "app.lambda_handler")
    specs = {}
    for name, resource in resources_of_type(template, FUNCTION_TYPE).items():
        props = resource.get("Properties", {})
        handler = props.get("Handler", default)
        module = handler.rsplit(".", 1)[0]
        specs[name] = FunctionSpec(name, root / props["CodeUri"] / f"{module}.py", handler)
    return specs


@dataclass(frozen=True)
class StateMachineSpec:
    """A state machine of the stack: its ASL file and its DefinitionSubstitutions."""

    name: str
    definition_path: Path
    substitutions: dict[str, Any]


def state_machine_spec(
    template: dict[str, Any], asl_name: str, root: Path = PROJECT_ROOT
) -> StateMachineSpec:
    """The state machine whose DefinitionUri is ``statemachines/<asl_name>``."""
    for name, resource in resources_of_type(template, STATE_MACHINE_TYPE).items():
        props = resource.get("Properties", {})
        uri = props.get("DefinitionUri", "")
        if Path(uri).name == asl_name:
            return StateMachineSpec(
                name, root / uri, dict(props.get("DefinitionSubstitutions", {}))
            )
    raise LookupError(f"no state machine in template.yaml has DefinitionUri .../{asl_name}")


def substitute(definition: str, values: dict[str, str]) -> str:
    """Replace every ``${Key}`` of the ASL text; a key without a value is an error."""
    for key, value in values.items():
        definition = definition.replace("${" + key + "}", value)
    if "${" in definition:
        start = definition.index("${")
        left = definition[start : definition.index("}", start) + 1]
        raise KeyError(f"placeholder {left} has no DefinitionSubstitutions value")
    return definition


def resolve_locally(
    template: dict[str, Any], substitutions: dict[str, Any], locals_by_ref: dict[str, str]
) -> dict[str, str]:
    """Local values of DefinitionSubstitutions.

    ``locals_by_ref`` maps a logical id (``XbrlCluster``) or parameter name (``SubnetId``) to
    its local value; a function's ``!GetAtt F.Arn`` becomes its local ARN. Anything else
    (an unknown resource, ``!Sub``, ``!Join``) is an error naming the key.
    """
    functions = resources_of_type(template, FUNCTION_TYPE)
    values = {}
    for key, value in substitutions.items():
        if isinstance(value, str | int | float):
            values[key] = str(value)
            continue
        ref = value.get("Ref") or (value.get("Fn::GetAtt") or [None])[0]
        if ref in functions:
            values[key] = function_arn(ref)
        elif ref in locals_by_ref:
            values[key] = locals_by_ref[ref]
        else:
            raise KeyError(f"DefinitionSubstitutions {key}: no local value for {value}")
    return values
