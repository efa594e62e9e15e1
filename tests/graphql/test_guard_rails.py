from __future__ import annotations

import logging

import pytest

from app.api.schema import UNEXPECTED_ERROR
from app.projects import service
from tests.graphql_documents import CREATE_PROJECT


async def test_deep_queries_are_refused(api):
    nested = "registries { project { " * 6 + "id" + " } }" * 6
    body = await api.raw(f"{{ projects {{ edges {{ node {{ {nested} }} }} }} }}")

    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_many_aliases_are_refused(api):
    aliases = " ".join(f"a{n}: viewer {{ id }}" for n in range(40))
    body = await api.raw(f"{{ {aliases} }}")

    assert "aliases" in body["errors"][0]["message"]


async def test_huge_documents_are_refused(api):
    fields = " ".join(["id"] * 6000)
    body = await api.raw(f"{{ viewer {{ {fields} }} }}")

    assert "more than 5000 tokens" in body["errors"][0]["message"]


async def test_bad_cursor_and_page_size_are_clear_errors(api):
    bad_cursor = await api.raw('{ projects(after: "nonsense") { edges { cursor } } }')
    too_big = await api.raw("{ projects(first: 1000) { edges { cursor } } }")

    assert bad_cursor["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`first` must be from 0 to 100" in too_big["errors"][0]["message"]


async def test_unexpected_errors_are_masked_and_logged_with_the_request_id(
    api, client, monkeypatch, caplog
):
    async def broken(*args, **kwargs):
        raise RuntimeError("database exploded near secret-looking-detail")

    monkeypatch.setattr(service, "create_project", broken)
    caplog.set_level(logging.ERROR, logger="app.graphql")

    response = await client.post(
        "/graphql",
        json={"query": CREATE_PROJECT, "variables": {"name": "x"}},
        headers={"Authorization": f"Bearer {api.token}"},
    )

    body = response.json()
    assert body["errors"][0]["message"] == UNEXPECTED_ERROR
    assert "secret-looking-detail" not in response.text
    request_id = response.headers["x-request-id"]
    [record] = [r for r in caplog.records if "Unexpected error" in r.getMessage()]
    assert request_id in record.getMessage()
    # Where it happened and what it was, but not the exception's text (it can hold input).
    assert "RuntimeError at test_guard_rails.py" in record.getMessage()
    assert "secret-looking-detail" not in caplog.text


@pytest.mark.parametrize("bad_id", ["", "!!!", "UHJvamVjdDphYmM="])  # "Project:abc"
async def test_malformed_ids_in_queries_are_just_not_found(api, bad_id):
    data = await api(
        "query($id: ID!) { node(id: $id) { id } project(id: $id) { id } }", {"id": bad_id}
    )

    assert data == {"node": None, "project": None}
