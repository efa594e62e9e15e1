"""A request refused before any work: status, code and a message that says what to fix."""

from __future__ import annotations

import json

from starlette.types import Send


class RequestRefused(Exception):
    """Raised anywhere below the fault middleware; it answers with this status."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


async def send_json_error(
    send: Send,
    status: int,
    code: str,
    message: str,
    headers: dict[str, str] | None = None,
    extensions: dict[str, object] | None = None,
) -> None:
    """The GraphQL error shape, so every client reads one format for every refusal."""
    error = {"message": message, "extensions": extensions or {"code": code}}
    body = json.dumps({"errors": [error]}).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        *((name.lower().encode(), value.encode()) for name, value in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})
