"""GET /metrics: the Prometheus text exposition of app/metrics.py.

Off (404, as any unknown path) unless NODION_METRICS_TOKEN is set; then only
with `Authorization: Bearer <that token>` (Prometheus's `authorization` scrape
option). Under `serve --workers N` the values of every worker are added up from
the files in PROMETHEUS_MULTIPROC_DIR at scrape time, whichever worker answers.
"""

from __future__ import annotations

import hmac
import os

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from app.metrics import multiprocess
from app.settings import Settings


def _bearer(header: str | None) -> str | None:
    scheme, _, value = (header or "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def exposition() -> bytes:
    if not multiprocess():
        return generate_latest(REGISTRY)
    registry = CollectorRegistry()
    # prometheus_client leaves its multiprocess helpers unannotated
    prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def forget_this_process() -> None:
    """A worker that stops takes its live gauges with it (its counters stay summed)."""
    if multiprocess():
        # unannotated in prometheus_client, as above
        prometheus_multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def metrics_route(settings: Settings) -> Route:
    expected = settings.metrics_token.get_secret_value().encode() if settings.metrics_token else b""

    async def metrics(request: Request) -> Response:
        if not expected:
            return PlainTextResponse("Not Found", status_code=404)
        given = _bearer(request.headers.get("authorization"))
        if given is None or not hmac.compare_digest(given.encode(), expected):
            return PlainTextResponse(
                "Send `Authorization: Bearer <NODION_METRICS_TOKEN>`.",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="nodion-metrics"'},
            )
        return Response(exposition(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])
