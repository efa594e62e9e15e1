from __future__ import annotations

import pytest

from app.projects.models import Project
from tests.conftest import Api
from tests.graphql_documents import CREATE_PROJECT


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer nat_wrong", "Basic YWxpY2U6cHc=", "Bearer ", "Bearer nat_" + "A" * 49],
)
async def test_requests_without_a_valid_token_are_unauthenticated(client, api, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for query in ("{ viewer { email } }", "{ projects { edges { node { id } } } }"):
        response = await client.post("/graphql", json={"query": query}, headers=headers)

        body = response.json()
        assert body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        # A missing token is asked for; a token that was sent is said to be rejected.
        expected = "Authorization: Bearer" if authorization is None else "was not accepted"
        assert expected in body["errors"][0]["message"]


async def test_mutations_without_a_token_change_nothing(anonymous):
    body = await anonymous.raw(CREATE_PROJECT, {"name": "Sneaky"})

    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await Project.all().count() == 0


async def test_introspection_works_without_a_token(anonymous):
    data = await anonymous("{ __schema { queryType { name } mutationType { name } } }")

    assert data["__schema"] == {
        "queryType": {"name": "Query"},
        "mutationType": {"name": "Mutation"},
    }


async def test_viewer_is_the_token_owner(api: Api):
    data = await api("{ viewer { email } }")

    assert data["viewer"]["email"] == "alice@example.com"


async def test_graphiql_and_healthz_are_served(client):
    graphiql = await client.get("/graphql", headers={"Accept": "text/html"})
    health = await client.get("/healthz")

    assert graphiql.status_code == 200 and "graphiql" in graphiql.text.lower()
    assert health.json() == {"status": "ok"}
    assert len(health.headers["x-request-id"]) == 16
