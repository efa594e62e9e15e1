"""Every failure that escapes a route gets a JSON answer with X-Request-ID.

Sits inside RequestIdMiddleware, so even a crash carries the id the user quotes;
Starlette's own last-resort handler sits outside it and answers a bare 500.
"""

from __future__ import annotations

import logging

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.refusals import RequestRefused, send_json_error
from app.metrics import record_database_unavailable
from app.outage import (
    RETRY_AFTER_SECONDS,
    UNAVAILABLE_CODE,
    is_database_unavailable,
    unavailable_message,
)
from app.safe_logging import error_summary

log = logging.getLogger(__name__)
UNEXPECTED_MESSAGE = "Unexpected error. Quote the X-Request-ID response header when reporting it."


class FaultsMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except ClientDisconnect:
            # Gone before its request was read: no one to answer, and no fault.
            log.info("The client closed the connection before sending its whole request")
        except Exception as error:
            if started:  # too late for another answer; the server closes the connection
                raise
            await self._answer(error, send)

    async def _answer(self, error: Exception, send: Send) -> None:
        if isinstance(error, RequestRefused):
            await send_json_error(send, error.status, error.code, error.message)
        elif is_database_unavailable(error):
            record_database_unavailable()
            log.warning("Database unavailable: %s", error_summary(error))
            message, extensions = unavailable_message(error)
            await send_json_error(
                send,
                503,
                UNAVAILABLE_CODE,
                message,
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
                extensions,
            )
        else:
            log.error("Unexpected error: %s", error_summary(error, with_stack=True))
            await send_json_error(send, 500, "INTERNAL_SERVER_ERROR", UNEXPECTED_MESSAGE)
