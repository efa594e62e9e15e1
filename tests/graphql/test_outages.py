"""A PostgreSQL connection that dies mid-request is answered 503
SERVICE_UNAVAILABLE with X-Request-ID, wherever the query was (issue 10, case 3).

Real faults, no mocks: an admin connection locks the table the request needs,
waits until the request's query is blocked on it, then terminates the service's
backends with pg_terminate_backend (the server says "terminating connection due
to administrator command": asyncpg's AdminShutdownError / ConnectionDoesNotExistError).
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest

from app.api.schema import UNEXPECTED_ERROR
from tests.graphql_documents import GENERATE_CREDENTIALS, create_project, default_registry

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def terminated_while_blocked(
    database_url: str, table: str, request: Awaitable[httpx.Response]
) -> httpx.Response:
    """Run `request` while `table` is locked; once a query of it waits for the
    lock, kill every connection the service has open."""
    admin = await asyncpg.connect(database_url)
    name = urlsplit(database_url).path.lstrip("/")
    try:
        async with admin.transaction():
            await admin.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
            pending = asyncio.ensure_future(request)
            for _ in range(200):
                waiting = await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                    "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
                    name,
                )
                if waiting:
                    break
                await asyncio.sleep(0.02)
            assert waiting, f"the request never waited for {table}"
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = $1 AND pid <> pg_backend_pid()",
                name,
            )
        return await asyncio.wait_for(pending, 20)
    finally:
        await admin.close()


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert UNEXPECTED_ERROR not in response.text
    assert len(response.headers["x-request-id"]) == 16
    assert response.headers["retry-after"] == "5"


def graphql(api, query: str) -> Awaitable[httpx.Response]:
    return api.http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {api.token}"}
    )


async def test_in_a_resolver(api, database):
    await create_project(api)

    response = await terminated_while_blocked(
        database, "projects", graphql(api, "{ projects { edges { node { id } } } }")
    )

    assert_unavailable(response)


async def test_in_a_dataloader(api, database):
    await create_project(api)

    response = await terminated_while_blocked(
        database,
        "registries",
        graphql(api, "{ projects { edges { node { registries { id } } } } }"),
    )

    assert_unavailable(response)


async def test_in_a_mutation(api, database):
    project = await create_project(api)

    response = await terminated_while_blocked(
        database,
        "project_members",
        graphql(
            api,
            "mutation { removeProjectMember(input: {projectId: "
            + json.dumps(project["id"])
            + ', email: "x@example.com"}) { __typename } }',
        ),
    )

    assert_unavailable(response)


async def test_in_authentication(api, database):
    response = await terminated_while_blocked(
        database, "api_tokens", graphql(api, "{ viewer { email } }")
    )

    assert_unavailable(response)


async def test_at_the_token_endpoint(api, client, database):
    registry_id = default_registry(await create_project(api))["id"]
    generated = await api(GENERATE_CREDENTIALS, {"id": registry_id})
    credentials = generated["generateCredentials"]["credentials"]
    basic = base64.b64encode(f"{credentials['username']}:{credentials['token']}".encode())

    response = await terminated_while_blocked(
        database,
        "registries",
        client.get(
            "/registry/token",
            params={"service": credentials["hostname"], "scope": "repository:shop/app:pull"},
            headers={"Authorization": f"Basic {basic.decode()}"},
        ),
    )

    assert_unavailable(response)


async def test_the_service_recovers_after_the_fault(api, database):
    await create_project(api)
    await terminated_while_blocked(
        database, "projects", graphql(api, "{ projects { edges { node { id } } } }")
    )

    after = await graphql(api, "{ projects { edges { node { name } } } }")

    assert after.json() == {"data": {"projects": {"edges": [{"node": {"name": "Shop"}}]}}}


async def test_a_committed_create_says_it_was_saved(api, database):
    """The connection dies after the project was committed, while its answer is
    read: the client must learn that it was saved, or its retry makes a twin."""
    create = (
        'mutation { createProject(input: {name: "Kept"}) { __typename '
        "... on CreateProjectSuccess { project { id name viewerRole applications { id } } } } }"
    )

    response = await terminated_while_blocked(database, "applications", graphql(api, create))

    assert response.status_code == 200, response.text
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "SERVICE_UNAVAILABLE", "committed": True}
    assert "was saved" in error["message"]
    assert UNEXPECTED_ERROR not in response.text
    projects = await api("{ projects { edges { node { name } } } }")
    assert projects["projects"]["edges"] == [{"node": {"name": "Kept"}}]


async def test_a_refused_create_says_nothing_was_saved(api, database):
    response = await terminated_while_blocked(
        database,
        "projects",
        graphql(api, 'mutation { createProject(input: {name: "Gone"}) { __typename } }'),
    )

    assert_unavailable(response)
    assert "nothing was changed" in response.json()["errors"][0]["message"]
    assert (await api("{ projects { edges { node { name } } } }"))["projects"]["edges"] == []
