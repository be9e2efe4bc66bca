"""The Graph API over HTTP (``docs/graph-api.md``): a thin FastAPI layer on GraphService.

Routes are plain ``def`` so the blocking engine calls run in the worker thread pool; the two
read query routes and the write routes run theirs there too, watching the client meanwhile
(``run_watched``), so a query whose client hung up is interrupted instead of holding the
graph, and a write whose client hung up stops waiting for the writer lock. Every
request is logged once with its X-Correlation-Id (generated when absent and echoed back),
the API key is checked in one place (constant-time; every path but ``/status`` needs it,
and a node without a configured key refuses them all), and every error leaves as
``{"error": {"type", "message", "transient"}}`` with the status ``errors.http_status`` gives.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any, TypeVar

from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from graph_node.api_key import ApiKey
from graph_node.cancellation import Cancellation
from graph_node.errors import (
    NodeError,
    RequestCancelled,
    RequestTooLarge,
    Unauthorized,
    UnsupportedMediaType,
    client_message,
    http_status,
    is_transient,
)
from graph_node.log import logger
from graph_node.models import (
    CypherRequest,
    FileIdsRequest,
    RegisterRequest,
    SqlRequest,
    TablesRequest,
)
from graph_node.results import out_of_memory
from graph_node.service import GraphService, table_of

CORRELATION_HEADER = "X-Correlation-Id"
API_KEY_HEADER = "X-Api-Key"
_OPEN_PATHS = frozenset({"/status"})
# How often a running read looks at its client's connection: a hang-up is acted on within
# this, plus the engine's own delay in noticing an interrupt.
POLL_S = 0.25
# Error types of the answers the router gives itself (no route, a route without that method)
_ROUTING_ERRORS = {404: "NotFound", 405: "MethodNotAllowed"}

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def error_body(error_type: str, message: str, *, transient: bool) -> dict[str, Any]:
    return {"error": {"type": error_type, "message": message, "transient": transient}}


def create_app(service: GraphService) -> FastAPI:
    """The HTTP app serving ``service``; the caller owns the service and closes it."""
    app = FastAPI(title="ledgergraph graph node", docs_url=None, redoc_url=None)
    _add_middleware(app, service)
    _add_error_handlers(app)
    _add_routes(app, service)
    return app


def _add_middleware(app: FastAPI, service: GraphService) -> None:
    settings = service.settings
    api_key = ApiKey(settings.api_key, path=settings.api_key_file)
    max_bytes = settings.max_request_bytes

    @app.middleware("http")
    async def correlate_and_authorise(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.monotonic()
        correlation_id = request.headers.get(CORRELATION_HEADER) or str(uuid.uuid4())
        logger.thread_safe_append_keys(correlation_id=correlation_id[:200])
        if request.url.path not in _OPEN_PATHS and not _key_matches(request, api_key):
            response = _error_response(Unauthorized("missing or wrong X-Api-Key"))
        elif refused := await _body_refused(request, max_bytes):
            response = _error_response(refused)
        else:
            response = await call_next(request)
        response.headers[CORRELATION_HEADER] = correlation_id[:200]
        logger.info(
            "request handled",
            extra={"method": request.method, "path": request.url.path,
                   "status": response.status_code,
                   "duration_ms": round((time.monotonic() - started) * 1000)},
        )  # fmt: skip
        return response


async def _body_refused(request: Request, max_bytes: int) -> NodeError | None:
    """Why the request's body cannot be taken: not JSON, or larger than ``max_bytes``.

    The body is read here chunk by chunk, so a chunked upload without Content-Length is cut
    off at the limit too; what was read is handed on as the request's body (``_body`` is
    where Starlette's own ``Request.body()`` keeps it for the route to read).
    """
    if request.method not in ("POST", "PUT", "PATCH"):
        return None
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return RequestTooLarge(f"request body of {declared} bytes; the limit is {max_bytes}")
    chunks, size = [], 0
    async for chunk in request.stream():
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            return RequestTooLarge(f"request body over the limit of {max_bytes} bytes")
    request._body = b"".join(chunks)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if size and media_type != "application/json":
        return UnsupportedMediaType(
            f"{request.method} {request.url.path}: send the body as JSON with "
            f"Content-Type: application/json (got {media_type or 'no Content-Type'})"
        )
    return None


def _key_matches(request: Request, api_key: ApiKey) -> bool:
    """Constant-time comparison; no configured key matches nothing (fail closed)."""
    return api_key.matches(request.headers.get(API_KEY_HEADER, ""))


def _error_response(error: Exception) -> JSONResponse:
    status = http_status(error)
    if isinstance(error, NodeError):
        message = client_message(str(error))  # the log has it whole
        body = error_body(type(error).__name__, message, transient=is_transient(error))
    else:
        body = error_body("InternalError", "internal error; see the node's log", transient=False)
    return JSONResponse(body, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NodeError)
    async def node_error(request: Request, error: NodeError) -> JSONResponse:
        level = logger.warning if http_status(error) < 500 else logger.error
        message = "request cancelled" if isinstance(error, RequestCancelled) else "request failed"
        level(message, extra={"error_type": type(error).__name__, "error": str(error)})
        return _error_response(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        if first.get("type") == "json_invalid":  # loc is ("body", offset): say it plainly
            reason = first.get("ctx", {}).get("error", "invalid JSON")
            offset = first.get("loc", ("body", "?"))[-1]
            message = f"invalid request: body is not valid JSON ({reason} at character {offset})"
        else:
            where = ".".join(str(p) for p in first.get("loc", ()))
            message = f"invalid request: {where}: {first.get('msg', 'invalid')}"
        return JSONResponse(error_body("InvalidRequest", message, transient=False), 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400:  # FastAPI's own: a body it could not decode
            message = "invalid request: body is not valid JSON (not UTF-8 text)"
            if isinstance(error.__cause__, RecursionError):  # Python's JSON reader gave up
                message = "invalid request: body is JSON nested too deeply to read"
            return JSONResponse(error_body("InvalidRequest", message, transient=False), 400)
        kind = _ROUTING_ERRORS.get(error.status_code, "HTTPError")
        body = error_body(kind, f"{request.method} {request.url.path}: {error.detail}",
                          transient=False)  # fmt: skip
        return JSONResponse(body, status_code=error.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        logger.exception("request crashed", extra={"error_type": type(error).__name__})
        return _error_response(error)


def _add_routes(app: FastAPI, service: GraphService) -> None:
    def refuse_on_replica(graph_id: str) -> None:
        """A write route's first check: a replica answers 403 whatever the body holds."""
        service.refuse_writes(graph_id)

    # Route dependencies run before the body is read into its model, so a replica refuses
    # a write with ReadOnlyNode rather than with InvalidRequest for a body it would refuse.
    writes = {"dependencies": [Depends(refuse_on_replica)]}

    @app.get("/status")
    def status() -> dict[str, Any]:
        return service.status()

    _add_query_routes(app, service)
    _add_write_routes(app, service, writes)

    @app.get("/databases/{graph_id}/stats")
    def stats(graph_id: str) -> dict[str, Any]:
        return service.stats(graph_id)


def _add_write_routes(app: FastAPI, service: GraphService, writes: dict[str, Any]) -> None:
    """The write routes: each stops waiting for the graph's writer lock once its client has
    hung up (``run_watched``); a write that holds the lock runs to its end."""

    @app.post("/databases/{graph_id}/files", **writes)
    async def register_files(
        graph_id: str, body: RegisterRequest, request: Request
    ) -> dict[str, Any]:
        work = partial(service.register_files, graph_id, body.files)
        return await run_watched(request, _as_watched(work), what="register files")

    @app.post("/databases/{graph_id}/tables", **writes)
    async def stage_files(graph_id: str, body: FileIdsRequest, request: Request) -> dict[str, Any]:
        work = partial(service.stage_files, graph_id, body.file_ids)
        return await run_watched(request, _as_watched(work), what="stage files")

    @app.post("/databases/{graph_id}/tables/materialize", **writes)
    async def materialize_tables(
        graph_id: str, body: TablesRequest, request: Request
    ) -> dict[str, Any]:
        work = partial(service.materialize_tables, graph_id, body.tables)
        return await run_watched(request, _as_watched(work), what="materialize tables")

    @app.post("/databases/{graph_id}/tables/{table}/materialize", **writes)
    async def materialize(graph_id: str, table: str, request: Request) -> dict[str, Any]:
        table_of(table)  # a table not in the schema is 404 whatever the body holds
        body = await _body_as(request, FileIdsRequest)
        work = partial(service.materialize, graph_id, table, body.file_ids)
        return await run_watched(request, _as_watched(work), what=f"materialize {table[:64]}")

    @app.delete("/databases/{graph_id}/sources/{source_unit}", **writes)
    async def delete_source(graph_id: str, source_unit: str, request: Request) -> dict[str, Any]:
        work = partial(service.delete_source, graph_id, source_unit)
        return await run_watched(request, _as_watched(work), what="delete source")

    @app.post("/databases/{graph_id}/rebuild", **writes)
    async def rebuild(graph_id: str, request: Request) -> dict[str, Any]:
        work = partial(service.rebuild, graph_id)
        return await run_watched(request, _as_watched(work), what="rebuild")

    @app.post("/databases/{graph_id}/publish", **writes)
    async def publish(graph_id: str, request: Request) -> dict[str, Any]:
        work = partial(service.publish, graph_id)
        return await run_watched(request, _as_watched(work), what="publish")


async def _body_as(request: Request, model: type[M]) -> M:
    """The request's JSON body as ``model``, refused with the errors FastAPI raises for a
    declared body (so the same handlers answer them); for a route whose path is checked
    first, since FastAPI reads a declared body before anything else of the route runs."""
    raw = await request.body()
    if not raw:
        missing = {"type": "missing", "loc": ("body",), "msg": "Field required", "input": None}
        raise RequestValidationError([missing])
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        error = {"type": "json_invalid", "loc": ("body", exc.pos), "msg": "JSON decode error",
                 "input": {}, "ctx": {"error": exc.msg}}  # fmt: skip
        raise RequestValidationError([error], body=exc.doc) from exc
    except (UnicodeDecodeError, RecursionError) as exc:
        raise StarletteHTTPException(400, "There was an error parsing the body") from exc
    try:
        return model.model_validate(value, from_attributes=True)
    except ValidationError as exc:
        errors = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]
        raise RequestValidationError(errors, body=value) from exc


def _as_watched(call: Callable[..., T]) -> Callable[[Cancellation], T]:
    """``call`` taking the request's cancellation as its ``cancellation`` keyword."""
    return lambda cancellation: call(cancellation=cancellation)


def _add_query_routes(app: FastAPI, service: GraphService) -> None:
    """The two read query routes: interrupted when their client hangs up (``run_watched``),
    their answers serialised in the worker thread (``_json_answer``)."""

    @app.post("/databases/{graph_id}/tables/query")
    async def query_staging(graph_id: str, body: SqlRequest, request: Request) -> Response:
        def work(cancellation: Cancellation) -> Response:
            call = partial(service.query_staging, graph_id, body.sql, body.parameters)
            return _json_answer(partial(call, cancellation=cancellation), what="staging query")

        return await run_watched(request, work, what="staging query")

    @app.post("/databases/{graph_id}/query")
    async def query_cypher(graph_id: str, body: CypherRequest, request: Request) -> Response:
        def work(cancellation: Cancellation) -> Response:
            call = partial(service.query_cypher, graph_id, body.cypher, body.parameters)
            return _json_answer(partial(call, cancellation=cancellation), what="Cypher query")

        return await run_watched(request, work, what="Cypher query")


def _json_answer(query: Callable[[], dict[str, Any]], *, what: str) -> Response:
    """The answer of ``query`` as a JSON response, serialised in the worker thread.

    An answer is up to LEDGERGRAPH_MAX_RESULT_MB of JSON: serialised here it keeps the event
    loop free meanwhile, and running out of memory on the way is the query's QueryFailed
    (400: the same query fails the same way again). FastAPI's serialiser (pydantic-core, in
    the event loop) turned a MemoryError into a panic answered as a plain-text 500, and Rust
    aborts the whole process when a buffer cannot grow, as a node serving 1.2 GB answers
    did ("memory allocation of 2200001188 bytes failed").
    """
    try:
        text = json.dumps(query(), ensure_ascii=False, separators=(",", ":"))
        return Response(text.encode(), media_type="application/json")
    except MemoryError as exc:
        raise out_of_memory(what) from exc


async def run_watched(
    request: Request, work: Callable[[Cancellation], T], *, what: str, poll_s: float = POLL_S
) -> T:
    """``work(cancellation)`` in the worker thread pool, cancelled if the client hangs up.

    Once the client has gone the engine is interrupted, and again every ``poll_s`` until
    ``work`` returns (raising ``QueryCancelled``, or ``RequestCancelled`` for a write still
    waiting for its lock, so the request is logged as cancelled).
    """
    cancellation = Cancellation(what=what)
    task = asyncio.ensure_future(run_in_threadpool(work, cancellation))
    gone = asyncio.ensure_future(_client_gone(request))
    try:
        await asyncio.wait({task, gone}, return_when=asyncio.FIRST_COMPLETED)
        while not task.done():
            cancellation.cancel()
            await asyncio.wait({task}, timeout=poll_s)
    except asyncio.CancelledError:
        cancellation.cancel()  # the server gave up on the request: stop the engine too
        raise
    finally:
        gone.cancel()
    return task.result()


async def _client_gone(request: Request) -> None:
    """Return once the server reports the client's connection closed.

    NOTE: ``Request.is_disconnected`` never sees it behind Starlette's BaseHTTPMiddleware
    (its look is cancelled at once, and the middleware's receive swallows the message), so
    this waits on the receive channel itself, where the body is already read.
    """
    while (await request.receive())["type"] != "http.disconnect":
        pass
