from __future__ import annotations

from app.registries.models import Registry
from tests.graphql_documents import (
    ADD_REGISTRY,
    GENERATE_CREDENTIALS,
    REMOVE_REGISTRY,
    UPDATE_CREDENTIALS,
    add_unverified,
    create_project,
    default_registry,
)


async def test_a_second_user_sees_and_touches_nothing_of_the_first(api, make_api):
    project = await create_project(api, "Alice's")
    registry_id = default_registry(project)["id"]
    hub = await add_unverified(
        api, project["id"], "DOCKER_HUB", username="alice", token="alice-secret"
    )
    hub_id = hub["registry"]["id"]
    mallory = await make_api("mallory@example.com")

    listed = await mallory("{ projects { edges { node { id } } } }")
    assert listed["projects"]["edges"] == []
    got = await mallory("query($id: ID!) { project(id: $id) { id } }", {"id": project["id"]})
    assert got["project"] is None
    for object_id in (project["id"], registry_id, hub_id):
        node = await mallory("query($id: ID!) { node(id: $id) { id } }", {"id": object_id})
        assert node["node"] is None
    alice_user_id = (await api("{ viewer { id } }"))["viewer"]["id"]
    assert (await mallory("query($id: ID!) { node(id: $id) { id } }", {"id": alice_user_id}))[
        "node"
    ] is None

    attempts = [
        await mallory(GENERATE_CREDENTIALS, {"id": registry_id}),
        await mallory(REMOVE_REGISTRY, {"id": hub_id}),
        await mallory(
            UPDATE_CREDENTIALS,
            {"input": {"verify": False, "registryId": hub_id, "username": "m", "token": "mallory"}},
        ),
        await mallory(
            ADD_REGISTRY, {"input": {"projectId": project["id"], "type": "GHCR", "verify": False}}
        ),
        await mallory(
            """mutation($input: AddProjectMemberInput!) { addProjectMember(input: $input) {
               __typename ... on Error { message } } }""",
            {
                "input": {
                    "projectId": project["id"],
                    "email": "mallory@example.com",
                    "role": "ADMIN",
                }
            },
        ),
    ]

    for attempt in attempts:
        [result] = attempt.values()
        assert result["__typename"] == "NotFoundError", result
        assert "Alice" not in result["message"]
    assert await Registry.filter(project_id__isnull=False).count() == 3
    assert not (await Registry.get(id=int(_node_id(registry_id)))).has_credentials
    assert (await Registry.get(id=int(_node_id(hub_id)))).username == "alice"


def _node_id(global_id: str) -> str:
    from strawberry.relay import GlobalID

    return GlobalID.from_id(global_id).node_id
