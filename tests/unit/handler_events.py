"""The canonical Lambda events in events/ and a Lambda context, for the handler tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from localrun.lambdas import LocalLambdaContext, load_handler

ROOT = Path(__file__).resolve().parents[2]


def event(function: str, scenario: str) -> dict[str, Any]:
    """``events/{function}/{scenario}.json``."""
    return json.loads((ROOT / "events" / function / f"{scenario}.json").read_text())


def context(name: str) -> LocalLambdaContext:
    return LocalLambdaContext(function_name=name, invoked_function_arn=f"arn:local:{name}")


def handler_of(name: str) -> Callable[[dict, Any], dict]:
    """``functions/{name}/app.py``'s handler, loaded as the local runtime loads it (by file
    path, so its module-scope settings see the environment the test set)."""
    return load_handler(ROOT / "functions" / name / "app.py")
