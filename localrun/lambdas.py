"""Lambda tasks of a local execution, run in this process by the deployed handler functions.

moto's Docker-less Lambda backend only answers canned results; ``install_lambda_dispatch``
routes its ``invoke`` to a ``LambdaDispatcher``, which loads ``functions/<name>/app.py`` by
file path and calls ``lambda_handler(event, context)``. A handler exception comes back the
way the Lambda Python runtime reports it (``FunctionError: Unhandled`` and an
``errorType``/``errorMessage`` body), so ``Retry``/``Catch`` on exception class names work.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import itertools
import json
import sys
import threading
import traceback
import types
import uuid
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from logging import StreamHandler
from pathlib import Path
from typing import IO, Any

from aws_lambda_powertools import Logger
from moto.awslambda_simple.models import LambdaSimpleBackend
from pydantic import ValidationError

from ledgergraph.logs import project_loggers
from ledgergraph.messages import validation_problems
from localrun.aws import ACCOUNT_ID, REGION

Handler = Callable[[Any, Any], Any]

_module_numbers = itertools.count(1)
_dispatcher: LambdaDispatcher | None = None
_original_invoke = LambdaSimpleBackend.invoke


def function_arn(name: str) -> str:
    """The local ARN of a function: its logical id is its name."""
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def function_name_of(name_or_arn: str) -> str:
    """``plan`` from ``plan``, ``arn:...:function:plan`` or ``arn:...:function:plan:$LATEST``."""
    parts = name_or_arn.split(":")
    return parts[6] if len(parts) >= 7 and parts[5] == "function" else name_or_arn


@dataclass
class LocalLambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 512
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


class _CurrentStdout(io.TextIOBase):
    """Writes to whatever ``sys.stdout`` is at the time of the write."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


_CURRENT_STDOUT = _CurrentStdout()


def _follow_stdout(module: types.ModuleType) -> None:
    # A Powertools logger binds sys.stdout once, when its service's first Logger is made;
    # pointing it at the current stdout lets every later run redirect it again. The layer's
    # library loggers (e.g. service "edgar") log from the handler's calls too.
    loggers = [value for value in vars(module).values() if isinstance(value, Logger)]
    for logger in [*loggers, *project_loggers()]:
        if isinstance(logger.registered_handler, StreamHandler):
            logger.registered_handler.setStream(_CURRENT_STDOUT)


def load_handler(app_path: Path) -> Handler:
    """Import ``app_path`` under a fresh module name and return its ``lambda_handler``.

    Each load runs the module again, so settings and clients built at module scope see
    the environment of this run, as a new Lambda container would.
    """
    name = f"ledgergraph_function_{app_path.parent.name}_{next(_module_numbers)}"
    spec = importlib.util.spec_from_file_location(name, app_path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load a handler from {app_path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pydantic resolves the module's annotations through it
    spec.loader.exec_module(module)
    _follow_stdout(module)
    return module.lambda_handler


def error_payload(exc: BaseException, request_id: str) -> dict[str, Any]:
    """The body the Lambda Python runtime returns for an unhandled exception."""
    message = str(exc)
    if isinstance(exc, ValidationError):  # the field and rule, not pydantic's help links
        message = f"invalid {exc.title}: {validation_problems(exc)}"
    return {
        "errorMessage": message,
        "errorType": type(exc).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


@contextlib.contextmanager
def _warnings_to(stream: IO[str]) -> Iterator[None]:
    """Python warnings of a handler go to its log, as they would go to CloudWatch."""
    with warnings.catch_warnings(record=True) as caught:
        yield
    for w in caught:
        stream.write(warnings.formatwarning(w.message, w.category, w.filename, w.lineno))


class LambdaDispatcher:
    """Function name -> handler, loaded on first use; one handler call at a time.

    Handler output to stdout (Powertools log lines and EMF metrics) goes to ``log_stream``,
    as it would go to CloudWatch, so it never mixes with a command's own output.
    """

    def __init__(
        self,
        app_paths: dict[str, Path],
        *,
        handlers: dict[str, Handler] | None = None,
        log_stream: IO[str] | None = None,
    ) -> None:
        self.app_paths = dict(app_paths)
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.log_stream = log_stream or sys.stderr
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def invoke(self, name_or_arn: str, payload: bytes | str | None) -> tuple[bytes, bool]:
        """Run the handler; returns the response body and whether it is a function error."""
        name = function_name_of(name_or_arn)
        event = json.loads(payload) if payload else {}
        context = LocalLambdaContext(function_name=name, invoked_function_arn=function_arn(name))
        with self._lock, contextlib.redirect_stdout(self.log_stream), _warnings_to(self.log_stream):
            self.calls[name] = self.calls.get(name, 0) + 1
            try:
                result = self._handler(name)(event, context)
            except Exception as exc:  # noqa: BLE001 - reported like the Lambda runtime does
                body = error_payload(exc, context.aws_request_id)
                return json.dumps(body).encode(), True
        return json.dumps(result).encode(), False

    def _handler(self, name: str) -> Handler:
        if name not in self.handlers:
            if name not in self.app_paths:
                raise LookupError(f"no local function named {name!r}")
            self.handlers[name] = load_handler(self.app_paths[name])
        return self.handlers[name]


def _dispatching_invoke(
    backend: LambdaSimpleBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> bytes | str | None:
    if _dispatcher is None:
        return _original_invoke(backend, function_name, qualifier, body, headers, response_headers)
    payload, failed = _dispatcher.invoke(function_name, body)
    if failed:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


def install_lambda_dispatch(dispatcher: LambdaDispatcher | None) -> None:
    """Route moto's Docker-less Lambda ``invoke`` to ``dispatcher`` (None: moto's own)."""
    global _dispatcher
    _dispatcher = dispatcher
    LambdaSimpleBackend.invoke = _original_invoke if dispatcher is None else _dispatching_invoke
