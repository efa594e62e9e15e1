"""The /graphql endpoint: strawberry's ASGI view with the service's context and
the answers the service owes its clients when something goes wrong."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from app.accounts.service import authenticate
from app.events import Hooks
from app.graphql.core import outcome
from app.graphql.core.context import Context
from app.graphql.core.loaders import BatchLoad
from app.http.json_body import parse_json_body
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

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        viewer = await authenticate(request.headers.get("authorization"), self.keys.token_pepper)
        return Context(
            request=request,
            response=response,
            settings=self.settings,
            keys=self.keys,
            outbound=self.outbound,
            hooks=self.hooks,
            viewer=viewer,
            project_page_loads=self.project_page_loads,
        )

    async def render_graphql_ide(self, request: Request) -> Response:  # type: ignore[override]
        return graphiql_response(self.settings)

    def decode_json(self, data: str | bytes) -> object:
        return parse_json_body(data)

    def encode_json(self, data: object) -> bytes:
        # A list of 50 projects is about 23 kB of JSON: the standard library took
        # ~150 µs to encode it, orjson ~12 µs. The result holds only serialized
        # GraphQL values (str keys, 32-bit ints), which orjson encodes as json does,
        # except that it writes non-ASCII characters as UTF-8 instead of \u escapes.
        return orjson.dumps(data)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        request_data = kwargs["request_data"]
        outcome.begin(operation_name_given=request_data.operation_name is not None)
        try:
            return await super().execute_single(*args, **kwargs)
        finally:
            kwargs["context"].loaders.release()

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        """A database outage is a 503 (raised to the fault middleware), unless a
        mutation already committed: then the client must learn that it succeeded,
        or it retries and creates the thing twice."""
        errors = result.errors or []
        unavailable = [e for e in errors if is_database_unavailable(e.original_error)]
        if unavailable:
            current = outcome.current()
            if current is None or not current.committed_mutation:
                raise unavailable[0].original_error  # type: ignore[misc]
            result.errors = [
                _committed_but_unavailable(e) if e in unavailable else e for e in errors
            ]
        return await super().process_result(request, result)
