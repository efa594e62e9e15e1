"""A request id for every HTTP request: in the X-Request-ID header and every log line."""

from __future__ import annotations

import logging
import secrets
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.log_format import LogFormat, formatter_for

_request_id: ContextVar[str] = ContextVar("request_id", default="-")
HEADER = "x-request-id"
HEADER_RAW = HEADER.encode()


def current_request_id() -> str:
    return _request_id.get()


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", ()),
                    (HEADER_RAW, request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def configure_logging(level: str, log_format: LogFormat = "text") -> None:
    """The root logger's one handler, on stderr. Everything logs through it:
    uvicorn's own loggers too (`nodion serve` gives uvicorn no log config, so
    they propagate here), so a JSON run writes nothing but JSON lines."""
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(formatter_for(log_format))
    for name in ("uvicorn", "uvicorn.error"):
        # Handlers uvicorn may have set up before (an imported default config):
        # records go to the root's handler only, once.
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    # Never uvicorn's access log: it prints query strings (app/http/access_log.py).
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # The database drivers log every statement with its parameters at DEBUG:
    # token digests, ciphertext, emails. Never, whatever the level asked for.
    for noisy in ("tortoise", "aiosqlite", "asyncpg"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
