"""The /graphql endpoint: strawberry's ASGI view with the service's context and
the answers the service owes its clients when something goes wrong."""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from app.accounts.service import authenticate
from app.api.schema import UNEXPECTED_ERROR
from app.events import Hooks
from app.graphql.core import outcome
from app.graphql.core.context import Context
from app.graphql.core.loaders import BatchLoad
from app.http.json_body import parse_json_body
from app.http.refusals import RequestRefused
from app.metrics import record_graphql
from app.outage import UNAVAILABLE_CODE, is_database_unavailable
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound
from app.settings import Settings
from app.web.routes import graphiql_response

COMMITTED_BUT_UNAVAILABLE = (
    "Your change was saved, but the database became unavailable before this part of "
    "the answer could be read. Do not repeat the change; read the object again shortly."
)


def _committed_but_unavailable(error: GraphQLError) -> GraphQLError:
    return GraphQLError(
        COMMITTED_BUT_UNAVAILABLE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": UNAVAILABLE_CODE, "committed": True},
    )


# The JSON body as get_context parsed it (bytes, value), for decode_json to reuse:
# both run in the request's task, get_context first.
_body_read_early: ContextVar[tuple[bytes, Any] | None] = ContextVar("body_read_early", default=None)


async def _operation_name_given(request: Request) -> bool:
    """Whether the request names the operation to run (`operationName`). strawberry
    runs the first operation of a document when none is named; OperationGuards
    refuses that for a document with several (the GraphQL spec's rule), so it must
    know what the client sent, which only the request says."""
    if request.method == "GET":
        return request.query_params.get("operationName") is not None
    if "json" not in request.headers.get("content-type", ""):
        return False
    body = await request.body()  # Starlette keeps it: strawberry reads the same bytes
    try:
        data = parse_json_body(body)
    except RequestRefused:
        _body_read_early.set(None)
        return False  # decode_json refuses it again, as before
    _body_read_early.set((body, data))
    return isinstance(data, dict) and data.get("operationName") is not None


_FIRST_OPERATION_NAME = re.compile(r"^\s*(?:query|mutation)\s+([_A-Za-z][_0-9A-Za-z]*)")


def _operation_name(request: Request) -> str | None:
    """The operation's name for the metrics: `operationName`, else the name of
    the document's first operation (a bounded label: see app/metrics.py)."""
    if request.method == "GET":
        data: Any = dict(request.query_params)
    else:
        early = _body_read_early.get()
        data = early[1] if early is not None else None
    if not isinstance(data, dict):
        return None
    name = data.get("operationName")
    if isinstance(name, str):
        return name
    query = data.get("query")
    match = _FIRST_OPERATION_NAME.match(query[:300]) if isinstance(query, str) else None
    return match.group(1) if match else None


def _metric_outcome(result: ExecutionResult, current: outcome.Outcome | None) -> str:
    errors = result.errors or []
    if any(is_database_unavailable(e.original_error) for e in errors):
        return "unavailable"
    if any(e.message == UNEXPECTED_ERROR for e in errors):  # a bug, masked for the client
        return "unexpected"
    if errors:
        return "invalid"  # refused before or while running: validation, cost, permissions
    return "typed_error" if current is not None and current.typed_error else "ok"


class GraphQLApp(GraphQL[Context, None]):
    def __init__(
        self,
        schema: Any,
        settings: Settings,
        keys: ServiceKeys,
        outbound: Outbound,
        hooks: Hooks,
        project_page_loads: Mapping[str, BatchLoad[Any, Any]],
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.settings = settings
        self.keys = keys
        self.outbound = outbound
        self.hooks = hooks
        self.project_page_loads = project_page_loads

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]  # strawberry declares Request | WebSocket
        viewer = await authenticate(request.headers.get("authorization"), self.keys.token_pepper)
        current = outcome.begin(operation_name_given=await _operation_name_given(request))
        current.operation_name = _operation_name(request)
        context = Context(
            request=request,
            response=response,
            settings=self.settings,
            keys=self.keys,
            # The registry checks of one request share one time budget.
            outbound=self.outbound.sharing_one_budget(),
            hooks=self.hooks,
            viewer=viewer,
            project_page_loads=self.project_page_loads,
        )
        # Freed once the result is processed (see process_result).
        current.release = context.loaders.release
        return context

    async def render_graphql_ide(self, request: Request) -> Response:
        return graphiql_response(self.settings)

    def decode_json(self, data: str | bytes) -> object:
        early = _body_read_early.get()
        if early is not None and early[0] is data:
            return early[1]  # get_context parsed this very body already
        return parse_json_body(data)

    def encode_json(self, data: object) -> bytes:
        # orjson: an order of magnitude faster than the standard library on the
        # dashboard's list (docs/bench-notes.md). The result holds only serialized
        # GraphQL values (str keys, 32-bit ints), which orjson encodes as json does,
        # except that it writes non-ASCII characters as UTF-8 instead of \u escapes.
        return orjson.dumps(data)

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A database outage is a 503 (raised to the fault middleware), unless a
        mutation already committed: then the client must learn that it succeeded,
        or it retries and creates the thing twice."""
        current = outcome.current()
        if current is not None and current.release is not None:
            # graphql-core's execution context is a reference cycle (it keeps bound
            # methods of itself) and holds the context: without this, every row the
            # request loaded would wait for the cyclic garbage collector.
            current.release()
        errors = result.errors or []
        unavailable = [e for e in errors if is_database_unavailable(e.original_error)]
        record_graphql(
            current.operation_name if current else None, _metric_outcome(result, current)
        )
        if unavailable:
            if current is None or not current.committed_mutation:
                raise unavailable[0].original_error  # type: ignore[misc]  # not None: the filter above
            result.errors = [
                _committed_but_unavailable(e) if e in unavailable else e for e in errors
            ]
        return await super().process_result(request, result)
