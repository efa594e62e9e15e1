"""Introspection in production: signed-in callers only."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.security.keys import ServiceKeys
from app.settings import Settings

INTROSPECTION = "{ __schema { queryType { name } } }"
TYPE_QUERY = '{ __type(name: "Registry") { name } }'


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url, environment="production")


@pytest.mark.parametrize("document", [INTROSPECTION, TYPE_QUERY])
async def test_production_refuses_anonymous_introspection(api, anonymous, document: str):
    # Signed in first, so a cached validation result of that request exists.
    signed_in = await api(document)
    refused = await anonymous.raw(document)

    assert signed_in
    assert refused.get("data") is None
    assert "introspection" in refused["errors"][0]["message"].lower()


async def test_production_anonymous_typename_is_still_fine(anonymous):
    # Only schema introspection is refused; __typename is part of every result.
    body = await anonymous.raw("{ __typename }")
    assert body == {"data": {"__typename": "Query"}}


async def test_development_allows_anonymous_introspection(tmp_path: Path, keys: ServiceKeys):
    app = create_app(Settings(data_dir=tmp_path), keys, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.post("/graphql", json={"query": INTROSPECTION})

    assert response.json() == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
