"""Routes of the browser side: the dashboard, static assets and the GraphiQL page."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp

from app.operations import document, operation_names
from app.settings import Settings
from app.web.headers import GRAPHIQL_POLICY
from app.web.pages import HERE, STATIC, page

GRAPHIQL_OFF = {
    "message": "GraphiQL is turned off on this server (NODION_GRAPHIQL). "
    "Send GraphQL requests with POST to this URL."
}


def graphiql_response(settings: Settings) -> Response:
    """What GET /graphql answers a browser: the IDE, or 404 with a hint when off."""
    if not settings.graphiql_enabled:
        return JSONResponse(GRAPHIQL_OFF, status_code=404)
    response = page("graphiql.html")
    response.headers["Content-Security-Policy"] = GRAPHIQL_POLICY
    return response


async def dashboard(request: Request) -> Response:
    return page("dashboard.html")


@cache
def operations_json() -> tuple[bytes, str]:
    """Every client operation by name, with its fragments (the dashboard's
    documents, from the files the CLI and the tests read too), and its ETag."""
    body = json.dumps({name: document(name) for name in operation_names()}).encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


async def operations(request: Request) -> Response:
    body, etag = operations_json()
    # Revalidated like the dashboard's modules (a cheap 304), so a release
    # never pairs new modules with cached old operations.
    headers = {"Cache-Control": "no-cache", "ETag": etag}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def to_dashboard(request: Request) -> Response:
    return RedirectResponse("/dashboard", status_code=307)


def compressed(directory: Path) -> ASGIApp:
    """Static files, gzipped for clients that accept it (GraphiQL's bundle is
    3.5 MB unminified; about a fifth of that on the wire)."""
    return GZipMiddleware(StaticFiles(directory=directory), minimum_size=1024)


def web_routes() -> list[BaseRoute]:
    return [
        Route("/", to_dashboard, methods=["GET"]),
        Route("/dashboard", dashboard, methods=["GET"]),
        Route("/dashboard/operations.json", operations, methods=["GET"]),
        Mount("/dashboard/assets", compressed(HERE / "dashboard"), name="dashboard"),
        Mount("/static", compressed(STATIC), name="static"),
    ]
