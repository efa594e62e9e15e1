"""POST /registry/v1/events: where the managed registries send their
notifications (configured by `nodion admin registry-config`).

Authenticated by the region's secret in the Authorization header (401 and
nothing stored otherwise). Every envelope that parses is answered 200, also
when none of its events is of use: distribution retries a failed delivery
until it succeeds, so an event we cannot use must not block those after it.
A body that is not an envelope is a 400 (retrying it cannot help either, but
it is not what a registry sends)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.domain import Serving
from app.events import Hooks
from app.http.limits import BodyTooLarge
from app.http.refusals import RequestRefused
from app.registries.events import IMAGE_TAGS_MOVED
from app.registries.images.envelope_json import read_envelope_body
from app.registries.images.event_secret import region_of_secret
from app.registries.images.index import TagMoved, apply_envelope
from app.registries.images.sizes import measure_sizes
from app.security.keys import ServiceKeys
from app.settings import Settings

log = logging.getLogger(__name__)

EVENTS_PATH = "/registry/v1/events"
# An envelope holds what the registry queued while we were away: far larger
# than any GraphQL request (LimitsMiddleware lets this path have this much).
MAX_EVENTS_BODY_BYTES = 10 * 1024 * 1024


def _error(status: int, code: str, message: str) -> JSONResponse:
    headers = (
        {"WWW-Authenticate": 'Bearer realm="nodion-registry-events"'} if status == 401 else None
    )
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


class EventsEndpoint:
    def __init__(self, settings: Settings, keys: ServiceKeys, hooks: Hooks) -> None:
        self.settings = settings
        self.keys = keys
        self.hooks = hooks

    def _region(self, request: Request) -> str | None:
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            return None
        return region_of_secret(self.settings, self.keys.token_pepper, presented.strip())

    async def _body(self, request: Request) -> bytes:
        body = bytearray()
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > MAX_EVENTS_BODY_BYTES:
                raise BodyTooLarge(MAX_EVENTS_BODY_BYTES)
        return bytes(body)

    async def receive(self, request: Request) -> Response:
        received = datetime.now(UTC)  # the latest any of its events can have happened
        region = self._region(request)
        if region is None:
            return _error(
                401, "UNAUTHORIZED", "Send the region's notification secret as a bearer token."
            )
        try:
            # A few hundred events at a time, the worker's other requests
            # between: 10 MB of events is ~0.3 s of parsing and checking.
            envelope = await read_envelope_body(await self._body(request))
        except RequestRefused as refused:
            if refused.status == 413:
                raise
            return _error(400, refused.code, refused.message)
        if envelope is None:
            return _error(
                400, "BAD_REQUEST", 'Expected distribution\'s envelope: {"events": [...]}.'
            )

        async def react(moved: list[TagMoved]) -> None:
            # After each chunk's commit: should a later chunk fail, the retried
            # envelope finds this one's events applied and would not react again.
            try:
                await self.hooks.run(IMAGE_TAGS_MOVED, moved)
            except Exception:  # the events are stored: a retry would find them applied
                log.exception("Reacting to %d pushed tag(s) in %s failed.", len(moved), region)

        applied = await apply_envelope(region, envelope, received, after_chunk=react)
        if applied.outside_namespaces:
            log.info(
                "Dropped %d image event(s) from %s for repositories outside any project namespace.",
                applied.outside_namespaces,
                region,
            )
        pairs = [
            (moved.repository, moved.digest) for moved in applied.moved if not moved.size_known
        ]
        return JSONResponse(
            {
                "stored": applied.stored,
                "duplicates": applied.duplicates,
                "ignored": envelope.ignored,
                "outsideNamespaces": applied.outside_namespaces,
            },
            background=BackgroundTask(measure_sizes, self.settings, self.keys, region, pairs)
            if pairs
            else None,
        )


def routes(serving: Serving) -> list[Route]:
    endpoint = EventsEndpoint(serving.settings, serving.keys, serving.hooks)
    return [Route(EVENTS_PATH, endpoint.receive, methods=["POST"])]
