"""The access log, instead of uvicorn's: method, path, status, duration, request id;
and the HTTP metrics, which need the same facts.

uvicorn's access log prints the full request line, query string included, and a
query string can hold a secret (`GET /graphql?query=…` with a token literal in it,
`/registry/token?…`). This one never logs the query string, headers or bodies.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import observe_request

log = logging.getLogger("app.access")
MAX_PATH_CHARS = 200
CLIENT_CLOSED_REQUEST = 499


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers when the app fails before responding

        answered = False

        async def recording_send(message: Message) -> None:
            nonlocal status, answered
            if message["type"] == "http.response.start":
                status, answered = message["status"], True
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
            if status == 500 and not answered:
                # Returned without answering: the client left before its request
                # was read (see faults.py). Logged as nginx does: 499.
                status = CLIENT_CLOSED_REQUEST
        finally:
            seconds = time.perf_counter() - started
            # The router put the route it matched into the scope: its template is
            # the label, never the path a client chose.
            route = getattr(scope.get("route"), "path", None)
            observe_request(route, scope["method"], status, seconds)
            if log.isEnabledFor(logging.INFO):  # the line's parts cost even when not logged
                _log_line(scope, status, seconds)


def _log_line(scope: Scope, status: int, seconds: float) -> None:
    client = scope.get("client")
    address = client[0] if client else "-"
    path = scope["path"][:MAX_PATH_CHARS].encode("unicode_escape").decode("ascii")
    duration_ms = round(seconds * 1000, 1)
    log.info(
        '%s "%s %s" %d %.1fms',
        address,
        scope["method"],
        path,
        status,
        duration_ms,
        # Keys of their own in a JSON line (app/log_format.py); the text line has them all.
        extra={
            "client": address,
            "method": scope["method"],
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
        },
    )
