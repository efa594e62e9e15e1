"""Limits that hold before any work is done, for anyone (issue 10, case 1 and 6)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from app.http.json_body import MAX_JSON_DEPTH

LIMIT = 262_144  # the default NODION_MAX_BODY_BYTES


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert response.headers["x-request-id"]


async def test_a_body_over_the_limit_is_413_before_it_is_read(client):
    body = json.dumps({"query": "# " + "x" * (5 * LIMIT) + "\n{ __typename }"})

    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert_refused(response, 413, "PAYLOAD_TOO_LARGE")
    assert f"larger than {LIMIT} bytes" in response.json()["errors"][0]["message"]


async def test_a_streamed_body_without_length_is_counted_as_it_arrives(client):
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"query": "# '
        for _ in range(200):  # 200 x 64 KiB = 12.5 MiB if nobody stops it
            sent += 65_536
            yield b"x" * 65_536

    response = await client.post(
        "/graphql", content=chunks(), headers={"Content-Type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert_refused(response, 413, "PAYLOAD_TOO_LARGE")
    assert sent <= LIMIT + 2 * 65_536  # it stopped reading at the limit


async def test_a_body_under_the_limit_is_served(client):
    body = json.dumps({"query": "# " + "x" * (LIMIT - 1000) + "\n{ __typename }"})

    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.json() == {"data": {"__typename": "Query"}}


async def test_the_token_endpoint_is_limited_too(client):
    response = await client.post(
        "/registry/token",
        content=b"grant_type=password&password=" + b"x" * (2 * LIMIT),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert_refused(response, 413, "PAYLOAD_TOO_LARGE")


async def test_oversized_headers_are_431(client):
    response = await client.get("/healthz", headers={"X-Padding": "x" * 20_000})

    assert_refused(response, 431, "HEADERS_TOO_LARGE")


async def test_a_body_that_is_not_utf8_is_400(client):
    response = await client.post(
        "/graphql",
        content=b'{"query": "{ __typename \xff\xfe }"}',
        headers={"Content-Type": "application/json"},
    )

    assert_refused(response, 400, "BAD_REQUEST")
    assert "not UTF-8" in response.json()["errors"][0]["message"]


async def test_deeply_nested_json_is_400(client):
    deep = "[" * 100_000 + "]" * 100_000
    body = '{"query": "query($v: String) { __typename }", "variables": {"v": ' + deep + "}}"

    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert_refused(response, 400, "BAD_REQUEST")
    assert f"deeper than {MAX_JSON_DEPTH}" in response.json()["errors"][0]["message"]


async def test_deeply_nested_variables_in_a_get_are_400(client):
    response = await client.get(
        "/graphql", params={"query": "{ __typename }", "variables": "[" * 2000 + "]" * 2000}
    )

    assert_refused(response, 400, "BAD_REQUEST")


async def test_brackets_inside_strings_are_not_nesting(client):
    response = await client.post(
        "/graphql",
        json={"query": "{ __typename }", "variables": {"text": "[{" * 1000}},
    )

    assert response.json() == {"data": {"__typename": "Query"}}


async def test_invalid_json_is_400(client):
    response = await client.post(
        "/graphql", content=b'{"query": ', headers={"Content-Type": "application/json"}
    )

    assert_refused(response, 400, "BAD_REQUEST")


async def test_an_unterminated_string_is_400_at_once(client):
    """The nesting check once scanned the text with a regular expression that
    backtracked exponentially on an unterminated string: a 27-character one held
    a worker for 8 s. The bound below only turns such a hang into a failure."""
    body = '{"query": "' + "leak0123456789abcdef" * 5000

    response = await asyncio.wait_for(
        client.post("/graphql", content=body, headers={"Content-Type": "application/json"}),
        timeout=60,
    )

    assert_refused(response, 400, "BAD_REQUEST")
    assert "not valid JSON" in response.json()["errors"][0]["message"]
