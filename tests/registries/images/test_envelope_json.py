"""The envelope reader that lets the event loop breathe (app/registries/images/
envelope_json.py) reads exactly what `read_envelope(parse_json_body(body))`
reads, and refuses exactly what it refuses, with the same words."""

from __future__ import annotations

import json

import pytest

from app.http.json_body import parse_json_body
from app.http.refusals import RequestRefused
from app.registries.images import envelope_json
from app.registries.images.envelope_json import read_envelope_body
from app.registries.images.notifications import Envelope, read_envelope
from tests.registries.images.events import delete, digest_of, envelope, pull, push

EVENT = json.dumps(push("shop/web", "v1", digest_of("a"), event_id="e1"))
OTHER = json.dumps(delete("shop/web", digest_of("b")))
BODIES = [
    json.dumps(envelope()),
    json.dumps(envelope(json.loads(EVENT), json.loads(OTHER), pull("shop/web", "v1", "x"))),
    f' \n{{ "source": {{"a": [1, 2]}} , "events" : [ {EVENT} , {OTHER} ] }} \n',
    f'{{"events": [{EVENT}], "events": [{OTHER}]}}',  # the last counts, as in json.loads
    f'{{"events": [{EVENT}], "events": 3}}',
    '{"events": {}}',
    '{"other": []}',
    "{}",
    "[]",
    "3",
    '"events"',
    f'{{"events": [{EVENT},]}}',  # a trailing comma
    f'{{"events": [{EVENT}]}} x',  # data after the object
    f'{{"events": [{EVENT}]',  # unterminated
    f'{{"events": [{EVENT}',
    '{"events": [1 2]}',
    '{"events" [1]}',
    "{events: [1]}",
    '{"events": [1], }',
    "",
    "   ",
    '{"events": [' + "[" * 40 + "]" * 40 + "]}",  # deeper than 32 levels
    '{"events": [' + "[" * 29 + "]" * 29 + "]}",  # 31 levels: fine
    '{"events": [' + "[" * 30 + "]" * 30 + "]}",  # 32 levels: fine
    '{"events": [' + "[" * 31 + "]" * 31 + "]}",  # 33 levels: too deep
    '{"events": [' + "[" * 100_000 + "]" * 100_000 + "]}",  # past the recursion limit
    '{"a": ' + "[" * 31 + "]" * 31 + ', "events": []}',
    '{"events": [NaN, Infinity]}',
]


def reference(body: bytes) -> Envelope | tuple[int, str] | None:
    try:
        return read_envelope(parse_json_body(body))
    except RequestRefused as refused:
        return refused.status, refused.message


async def incremental(body: bytes) -> Envelope | tuple[int, str] | None:
    try:
        return await read_envelope_body(body)
    except RequestRefused as refused:
        return refused.status, refused.message


@pytest.mark.parametrize("text", BODIES)
async def test_it_reads_and_refuses_what_json_loads_does(text, monkeypatch):
    monkeypatch.setattr(envelope_json, "EVENTS_PER_TURN", 1)  # a turn between any two
    body = text.encode()
    assert await incremental(body) == reference(body)


async def test_a_body_that_is_not_utf8_is_refused_alike():
    body = b'{"events": ["\xff"]}'
    assert await incremental(body) == reference(body) == (400, "The request body is not UTF-8.")
