"""Reading a notification envelope's JSON a few hundred events at a time.

An envelope is what a registry queued while we were away: up to 10 MB, tens of
thousands of events. `json.loads` of that holds the interpreter for 0.1-0.3 s
in one C call (a worker thread does not help: it keeps the GIL throughout), and
every other request of this worker waits. Here the top-level object is walked
by hand and each element of its `events` array is decoded on its own with the
json module's C scanner (`raw_decode`), the caller's event loop running its
other tasks every `EVENTS_PER_TURN` events. Anything that is not an object is
left to `parse_json_body`, as before: only an envelope is large.

The checks are `parse_json_body`'s: UTF-8, valid JSON (a trailing comma,
trailing data or an unterminated array are refused as json.loads refuses them),
nesting at most MAX_JSON_DEPTH deep. A key given twice counts once, the last,
as json.loads does."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from app.http.json_body import MAX_JSON_DEPTH, json_depth, parse_json_body
from app.http.refusals import RequestRefused
from app.registries.images.notifications import Envelope, read_envelope, read_events_into

EVENTS_PER_TURN = 500
WHITESPACE = re.compile(r"[ \t\n\r]*")  # json's own; a single class cannot backtrack
_DECODER = json.JSONDecoder()


def _invalid() -> RequestRefused:
    return RequestRefused(400, "BAD_REQUEST", "The request body is not valid JSON.")


def _too_deep() -> RequestRefused:
    return RequestRefused(
        400, "BAD_REQUEST", f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels."
    )


class _Cursor:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def skip(self) -> str:
        """Skip whitespace; the next character ("" at the end)."""
        self.pos = WHITESPACE.match(self.text, self.pos).end()  # type: ignore[union-attr]  # * matches
        return self.text[self.pos : self.pos + 1]

    def expect(self, character: str) -> None:
        if self.skip() != character:
            raise _invalid()
        self.pos += 1

    def value(self, depth: int) -> Any:
        """The JSON value here, nested at `depth` (its own level not counted)."""
        self.skip()
        try:
            value, self.pos = _DECODER.raw_decode(self.text, self.pos)
        except RecursionError:
            raise _too_deep() from None
        except ValueError:
            raise _invalid() from None
        if depth + json_depth(value) > MAX_JSON_DEPTH:
            raise _too_deep()
        return value


async def read_envelope_body(body: bytes) -> Envelope | None:
    """The envelope in `body` (None: JSON, but not an envelope), as
    `read_envelope(parse_json_body(body))` reads it, in turns (see above). Each
    turn's events are read into the envelope and their JSON dropped: a 10 MB
    body held as Python objects at once made a full garbage collection of the
    worker's heap (0.1 s) likely."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestRefused(400, "BAD_REQUEST", "The request body is not UTF-8.") from None
    cursor = _Cursor(text)
    if cursor.skip() != "{":
        return read_envelope(parse_json_body(text))
    cursor.pos += 1
    envelope: Envelope | None = None
    if cursor.skip() == "}":
        cursor.pos += 1
    else:
        while True:
            if cursor.skip() != '"':
                raise _invalid()
            key = cursor.value(1)
            cursor.expect(":")
            if key != "events":
                cursor.value(1)
            elif cursor.skip() == "[":
                envelope = await _events(cursor)  # a key given twice: the last counts
            else:
                cursor.value(1)
                envelope = None
            following = cursor.skip()
            cursor.pos += 1
            if following == "}":
                break
            if following != ",":
                raise _invalid()
    if cursor.skip() != "":
        raise _invalid()  # data after the object
    return envelope


async def _events(cursor: _Cursor) -> Envelope:
    cursor.pos += 1  # the "["
    envelope = Envelope()
    if cursor.skip() == "]":
        cursor.pos += 1
        return envelope
    turn: list[Any] = []
    while True:
        turn.append(cursor.value(2))  # in the envelope object, in the array
        following = cursor.skip()
        cursor.pos += 1
        if following not in ("]", ","):
            raise _invalid()
        if following == "]" or len(turn) == EVENTS_PER_TURN:
            read_events_into(envelope, turn)
            turn = []
            if following == "]":
                return envelope
            await asyncio.sleep(0)  # the worker's other requests go first
