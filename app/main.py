"""create_app(): routes, lifespan (database) and middleware."""

from __future__ import annotations

import gc
import importlib.metadata
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import domains, storage
from app.api.schema import build_schema
from app.api.view import GraphQLApp
from app.db_changes import ChangeWatch, watch_for
from app.domain import Running
from app.http.access_log import AccessLogMiddleware
from app.http.faults import FaultsMiddleware
from app.http.limits import LimitsMiddleware
from app.http.metrics_route import forget_this_process, metrics_route
from app.key_check import verify_keys
from app.metrics import record_database_unavailable, set_build_info
from app.outage import RETRY_AFTER_SECONDS, is_database_unavailable, unavailable_message
from app.periodic import background_work
from app.readiness import check_database_ready
from app.request_id import RequestIdMiddleware, configure_logging
from app.safe_logging import error_summary
from app.security.keys import ServiceKeys, load_keys
from app.security.outbound import Outbound
from app.settings import Settings
from app.web.headers import SecurityHeadersMiddleware
from app.web.routes import web_routes

log = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    """The process is up (touches neither the database nor any secret)."""
    return JSONResponse({"status": "ok"})


def readyz_route(settings: Settings) -> Route:
    async def readyz(request: Request) -> JSONResponse:
        """The process can serve: the database answers and takes writes. Not
        ready says why, for the operator reading the probe's answer (anything
        else escaping is a bug, answered 500 by FaultsMiddleware)."""
        try:
            await check_database_ready(settings.resolved_database_url)
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            record_database_unavailable()
            log.warning("Not ready: %s", error_summary(error))
            return JSONResponse(
                {"status": "not ready", "reason": unavailable_message(error)[0]},
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return JSONResponse({"status": "ready"})

    return Route("/readyz", readyz, methods=["GET"])


def create_app(
    settings: Settings | None = None,
    keys: ServiceKeys | None = None,
    *,
    outbound: Outbound | None = None,
    manage_database: bool = True,
    watch: ChangeWatch | None = None,
) -> Starlette:
    """`manage_database=False` leaves connecting to the caller (tests, the CLI);
    `outbound` replaces how third-party registries are reached (tests); `watch`,
    how database changes are noticed (tests)."""
    settings = domains.settings(settings)
    keys = keys or load_keys(settings)
    outbound = outbound or Outbound.from_settings(settings)
    hooks = domains.hooks()
    graphql_app = GraphQLApp(
        build_schema(settings.graphql_fast_path),
        settings,
        keys,
        outbound,
        hooks,
        domains.project_page_loads(),
    )
    # What tells the token endpoint that a verified login may be kept (started by
    # the lifespan: an app run without it keeps nothing).
    watch = watch or watch_for(settings.resolved_database_url)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if manage_database:
            await storage.connect(settings.resolved_database_url)
        try:
            if manage_database:
                await verify_keys(keys)  # refuse to serve data whose keys are gone
            await watch.start()
            try:
                # The domains' background work, on the database this app manages.
                running = Running(settings, keys, hooks) if manage_database else None
                async with background_work(domains.DOMAINS, running):
                    yield
            finally:
                await watch.stop()
        finally:
            if manage_database:
                await storage.disconnect()
            forget_this_process()

    set_build_info(_version(), settings.resolved_database_url)
    app = Starlette(
        routes=[
            # First: the router tries routes in order, and the domains' routes
            # begin with the registries' token endpoint, which answers every
            # `docker pull` (each route tried before it costs every pull).
            *domains.routes(settings, keys, watch, outbound=outbound),
            Route("/graphql", graphql_app, methods=["GET", "POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            readyz_route(settings),
            metrics_route(settings),
            *web_routes(),
        ],
        # Outermost first: the request id is set before anything logs; the access
        # log sees the final status; faults turn any escaping error (an outage,
        # a refusal by the limits) into a JSON answer carrying the request id.
        middleware=[
            Middleware(RequestIdMiddleware),
            Middleware(SecurityHeadersMiddleware),
            Middleware(AccessLogMiddleware),
            Middleware(FaultsMiddleware),
            Middleware(
                LimitsMiddleware,
                max_body_bytes=settings.max_body_bytes,
                max_header_bytes=settings.max_header_bytes,
                body_limits=domains.body_limits(),
            ),
        ],
        lifespan=lifespan,
    )
    return app


def _version() -> str:
    try:
        return importlib.metadata.version("nodion-registries")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without installing
        return "unknown"


def create_served_app() -> Starlette:
    """The app as `nodion serve` runs it in each worker process: configured from
    the environment, logging set up there too (workers do not inherit it)."""
    settings = domains.settings()
    configure_logging(settings.log_level, settings.log_format)
    if settings.log_level.upper() != "DEBUG":
        # As `nodion serve` does: Tortoise logs each closed connection at INFO.
        logging.getLogger("tortoise").setLevel(logging.WARNING)
    app = create_app(settings)
    # The schema, the routes and every module live as long as the process: moved
    # out of the collector's reach, they are not scanned again by every full
    # collection while requests are being served (docs/bench-notes.md).
    gc.collect()
    gc.freeze()
    return app
