"""create_app(): routes, lifespan (database) and middleware."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from tortoise import Tortoise
from tortoise.exceptions import DBConnectionError

from app import domains, storage
from app.accounts.service import authenticate
from app.events import Hooks
from app.graphql.core.context import Context
from app.graphql.schema import schema
from app.key_check import verify_keys
from app.registries.token_endpoint import TokenEndpoint
from app.request_id import RequestIdMiddleware, configure_logging, current_request_id
from app.security.keys import ServiceKeys, load_keys
from app.security.outbound import Outbound, parse_networks
from app.settings import Settings
from app.web.headers import SecurityHeadersMiddleware
from app.web.routes import graphiql_response, web_routes

log = logging.getLogger(__name__)


class GraphQLApp(GraphQL[Context, None]):
    def __init__(
        self, settings: Settings, keys: ServiceKeys, outbound: Outbound, hooks: Hooks
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self.settings = settings
        self.keys = keys
        self.outbound = outbound
        self.hooks = hooks
        self.project_page_loads = domains.project_page_loads()

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


def outbound_from(settings: Settings) -> Outbound:
    return Outbound(
        parse_networks(settings.allowed_registry_networks),
        timeout=settings.outbound_timeout,
        max_response_bytes=settings.outbound_max_response_bytes,
    )


async def healthz(request: Request) -> JSONResponse:
    """The process is up (touches neither the database nor any secret)."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """The process can serve: the database answers."""
    await Tortoise.get_connection("default").execute_query("SELECT 1")
    return JSONResponse({"status": "ready"})


DATABASE_UNAVAILABLE = (ConnectionError, DBConnectionError)
DATABASE_UNAVAILABLE_MESSAGE = (
    "The database is unavailable; nothing was changed. Try again shortly."
)


async def database_unavailable(request: Request, error: Exception) -> JSONResponse:
    """A clear answer instead of a bare 500 when the database cannot be reached;
    requests that failed this way changed nothing."""
    log.error("Database unavailable (request %s): %r", current_request_id(), type(error))
    return JSONResponse(
        {
            "errors": [
                {
                    "message": DATABASE_UNAVAILABLE_MESSAGE,
                    "extensions": {"code": "SERVICE_UNAVAILABLE"},
                }
            ]
        },
        status_code=503,
        headers={"Retry-After": "5"},
    )


def create_app(
    settings: Settings | None = None,
    keys: ServiceKeys | None = None,
    *,
    outbound: Outbound | None = None,
    manage_database: bool = True,
) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (tests, the CLI);
    `outbound` replaces how third-party registries are reached (tests)."""
    settings = settings or Settings()
    keys = keys or load_keys(settings)
    outbound = outbound or outbound_from(settings)
    graphql_app = GraphQLApp(settings, keys, outbound, domains.hooks())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await storage.connect(settings.resolved_database_url)
        try:
            if manage_database:
                await verify_keys(keys)  # refuse to serve data whose keys are gone
            yield
        finally:
            if manage_database:
                await storage.disconnect()

    app = Starlette(
        routes=[
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            *TokenEndpoint(settings, keys, domains.token_verifiers()).routes(),
            *domains.routes(settings, keys),
            *web_routes(),
        ],
        middleware=[Middleware(RequestIdMiddleware), Middleware(SecurityHeadersMiddleware)],
        exception_handlers={error: database_unavailable for error in DATABASE_UNAVAILABLE},
        lifespan=lifespan,
    )
    return app


def create_served_app() -> Starlette:
    """The app as `nodion serve` runs it in each worker process: configured from
    the environment, logging set up there too (workers do not inherit it)."""
    settings = Settings()
    configure_logging(settings.log_level)
    if settings.log_level.upper() != "DEBUG":
        # As `nodion serve` does: Tortoise logs each closed connection at INFO.
        logging.getLogger("tortoise").setLevel(logging.WARNING)
    return create_app(settings)
