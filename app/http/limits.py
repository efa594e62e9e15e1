"""Size limits checked before any work is done for a request, signed in or not.

A pure ASGI middleware: it refuses a declared Content-Length over the limit at
once, and counts the bytes of a streamed body (chunked, or a lying length) as
they arrive, so no route ever holds more than the limit in memory.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.http.refusals import RequestRefused


class BodyTooLarge(RequestRefused):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {limit} bytes."
        )


class LimitsMiddleware:
    """`body_limits`: paths whose bodies may be larger (or must be smaller) than
    `max_body_bytes`, e.g. a registry's notification envelope."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        max_header_bytes: int,
        body_limits: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes
        self.body_limits = dict(body_limits or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header_bytes = len(scope.get("raw_path") or b"") + len(scope.get("query_string", b""))
        declared = b""
        for name, value in scope["headers"]:  # one pass: this runs for every request
            header_bytes += len(name) + len(value) + 4
            if name == b"content-length":
                declared = value
        if header_bytes > self.max_header_bytes:
            raise RequestRefused(
                431,
                "HEADERS_TOO_LARGE",
                f"The request line and headers are larger than {self.max_header_bytes} bytes.",
            )
        limit = self.body_limits.get(scope["path"], self.max_body_bytes)
        # A malformed length never gets here: the HTTP parser refuses it.
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit)
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)
