"""The floors `scripts/bench.py` compares the service with: the least each path's job
allows, served by the same uvicorn set-up as `nodion serve` (one worker, same logging).

- `GET /token`: a bare Starlette JSON endpoint whose body has the size of the real
  token response (no authentication, no signature: what the HTTP stack alone costs).
- `POST /projects`: a hand-written Starlette endpoint answering the bench's GraphQL list
  with the same JSON, from the same rows, through the same ORM: the viewer's bearer
  token is looked up as the API does, then one query for the page of projects and
  one for their registries. What GraphQL adds on top is what the ratio shows.

Run by bench.py as `python scripts/bench_floors.py PORT TOKEN_BODY_SIZE` with the
service's environment (same database, same pepper).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app import storage
from app.accounts.service import authenticate
from app.cli.service import uvicorn_options
from app.graphql.core.ids import encode_id
from app.projects.models import Project
from app.registries.models import Registry
from app.request_id import configure_logging
from app.security.keys import load_keys
from app.settings import Settings

PAGE = 50


def registry_json(registry: Registry) -> dict[str, Any]:
    # The fields of bench.PROJECTS_LIST, in its order.
    return {
        "id": encode_id("Registry", registry.id),
        "type": registry.type.value,
        "name": registry.name,
        "hostname": registry.hostname,
        "region": registry.region,
        "isDefault": registry.is_default,
        "hasCredentials": registry.has_credentials,
    }


def floor_app(settings: Settings, token_body_size: int) -> Starlette:
    pepper = load_keys(settings).token_pepper
    padding = "x" * (token_body_size - len('{"token":""}'))

    async def token(request: Request) -> Response:
        return JSONResponse({"token": padding})

    async def projects(request: Request) -> Response:
        viewer = await authenticate(request.headers.get("authorization"), pepper)
        if viewer is None:
            return JSONResponse({"errors": [{"message": "unauthenticated"}]}, status_code=401)
        rows = await Project.filter(members__user_id=viewer.id).order_by("-id").limit(PAGE + 1)
        page = rows[:PAGE]
        grouped: dict[int, list[Registry]] = defaultdict(list)
        for registry in await Registry.filter(project_id__in=[p.id for p in page]).order_by("id"):
            grouped[registry.project_id].append(registry)
        edges = [
            {
                "node": {
                    "id": encode_id("Project", project.id),
                    "name": project.name,
                    "namespace": project.namespace,
                    "registries": [registry_json(r) for r in grouped[project.id]],
                }
            }
            for project in page
        ]
        return JSONResponse({"data": {"projects": {"edges": edges}}})

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await storage.connect(settings.resolved_database_url)
        try:
            yield
        finally:
            await storage.disconnect()

    return Starlette(
        routes=[
            Route("/token", token, methods=["GET"]),
            Route("/projects", projects, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    port, token_body_size = int(sys.argv[1]), int(sys.argv[2])
    settings = Settings()
    configure_logging(settings.log_level)
    # As `nodion serve` runs uvicorn: same event loop, HTTP parser and logging.
    uvicorn.run(
        floor_app(settings, token_body_size),
        host="127.0.0.1",
        port=port,
        **uvicorn_options(settings),
    )


if __name__ == "__main__":
    main()
