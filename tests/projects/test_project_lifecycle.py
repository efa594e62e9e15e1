"""renameProject and deleteProject through the API, on SQLite and PostgreSQL:
what a user and an operator notice afterwards (logins refused, rows gone, the
audit trail kept, the namespace held back)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from app.applications.models import Application, Deployment
from app.applications.targets import create_target
from app.audit.models import AuditEvent
from app.projects.lifecycle import audit_trail
from app.projects.models import NamespaceQuarantine, Project, ProjectMember
from app.projects.quarantine import QUARANTINE
from app.registries.models import Registry
from tests.graphql_documents import (
    CREATE_PROJECT,
    DELETE_PROJECT,
    GENERATE_CREDENTIALS,
    RENAME_PROJECT,
    create_application,
    create_project,
    default_registry,
    deploy_application,
)

EU = "registry.eu-central.nodion.net"
CLAIM = "/deploy/v1/deployments/claim"
SET_MEMBER = """mutation($input: AddProjectMemberInput!) { addProjectMember(input: $input) {
  __typename } }"""
PROJECT = "query($id: ID!) { project(id: $id) { name namespace } }"


@pytest.fixture
def make_target(database, settings, keys):
    async def make(name: str, region: str = "eu-central") -> dict[str, str]:
        token = await create_target(name, region, settings, keys.token_pepper)
        return {"Authorization": f"Bearer {token}"}

    return make


async def rename(api, project_id: str, name: str) -> dict:
    return (await api(RENAME_PROJECT, {"id": project_id, "name": name}))["renameProject"]


async def delete(api, project_id: str, force: bool = False) -> dict:
    return (await api(DELETE_PROJECT, {"id": project_id, "force": force}))["deleteProject"]


async def login(client, username: str, token: str) -> int:
    basic = base64.b64encode(f"{username}:{token}".encode()).decode()
    response = await client.get(
        "/registry/token", params={"service": EU}, headers={"Authorization": f"Basic {basic}"}
    )
    return response.status_code


async def test_rename_changes_the_name_and_never_the_namespace(api):
    project = await create_project(api, "Shop")

    result = await rename(api, project["id"], "  Shop Europe ")

    assert result["__typename"] == "RenameProjectSuccess"
    assert result["project"]["name"] == "Shop Europe"
    assert result["project"]["namespace"] == "shop"
    assert (await api(PROJECT, {"id": project["id"]}))["project"] == {
        "name": "Shop Europe",
        "namespace": "shop",
    }
    renamed = await AuditEvent.get(action="project.renamed")
    assert (renamed.target_name, renamed.actor_email) == ("Shop Europe", "alice@example.com")


async def test_rename_keeps_a_users_project_names_apart(api):
    shop = await create_project(api, "Shop")
    blog = await create_project(api, "Blog")

    taken = await rename(api, blog["id"], "SHOP")
    assert taken["__typename"] == "ValidationError" and taken["field"] == "name"
    assert "Shop" in taken["message"]
    # A new spelling of its own name is fine, and frees the old one.
    assert (await rename(api, shop["id"], "SHOP"))["__typename"] == "RenameProjectSuccess"
    assert (await rename(api, shop["id"], "Shop Europe"))["__typename"] == "RenameProjectSuccess"
    assert (await rename(api, blog["id"], "Shop"))["__typename"] == "RenameProjectSuccess"


async def test_rename_refuses_bad_names_and_lower_roles(api, make_api):
    project = await create_project(api, "Shop")
    bad = await rename(api, project["id"], "\u202eevil")
    assert bad["__typename"] == "ValidationError" and bad["field"] == "name"

    developer = await make_api("dev@example.com")
    member = {"projectId": project["id"], "email": "dev@example.com", "role": "DEVELOPER"}
    await api(SET_MEMBER, {"input": member})
    assert (await rename(developer, project["id"], "Mine"))["__typename"] == (
        "PermissionDeniedError"
    )
    assert (await delete(developer, project["id"]))["__typename"] == "PermissionDeniedError"
    assert (await Project.get(id=int(project_id_of(project)))).name == "Shop"


def project_id_of(project: dict) -> str:
    return base64.b64decode(project["id"]).decode().partition(":")[2]


async def test_hostile_ids_are_not_found_and_change_nothing(api, make_api):
    mine = await create_project(api, "Shop")
    stranger = await make_api("mallory@example.com")
    registry_id = default_registry(mine)["id"]  # an ID of another type

    for attacker, target in ((stranger, mine["id"]), (api, registry_id), (api, "nonsense")):
        assert (await rename(attacker, target, "Owned"))["__typename"] == "NotFoundError"
        deleted = await delete(attacker, target, force=True)
        assert deleted["__typename"] == "NotFoundError"
        assert "not a member" in deleted["message"]

    assert await Project.filter(name="Shop", namespace="shop").count() == 1
    assert await Registry.filter(project__namespace="shop").count() == 2
    assert not await AuditEvent.filter(action__in=["project.renamed", "project.deleted"]).exists()


async def test_delete_is_refused_while_applications_exist_unless_forced(client, api, make_target):
    project = await create_project(api, "Shop")
    for name in ("web", "api"):
        await create_application(
            api,
            project["id"],
            name=name,
            region="eu-central",
            strategy="PREBUILT_IMAGE",
            image="nginx",
        )

    refused = await delete(api, project["id"])

    assert refused["__typename"] == "ConflictError"
    assert "api, web" in refused["message"] and "force" in refused["message"]
    assert await Application.filter(project__namespace="shop").count() == 2

    done = await delete(api, project["id"], force=True)
    assert done == {"__typename": "DeleteProjectSuccess", "deletedProjectId": project["id"]}
    assert not await Application.exists()
    assert not await Project.exists()


async def test_delete_revokes_every_credential_removes_every_row_and_keeps_the_audit(
    client, api, make_target
):
    project = await create_project(api, "Shop")
    registry = default_registry(project)
    made = (await api(GENERATE_CREDENTIALS, {"id": registry["id"]}))["generateCredentials"]
    registry_login = (made["credentials"]["username"], made["credentials"]["token"])
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="nginx",
    )
    await deploy_application(api, app["id"])
    claimed = (await client.post(CLAIM, headers=await make_target("eu-1"))).json()
    minted = base64.b64decode(claimed["dockerConfig"]["auths"][EU]["auth"]).decode()
    deploy_login = tuple(minted.split(":", 1))
    for username, token in (registry_login, deploy_login):
        assert await login(client, username, token) == 200
        assert await login(client, username, token) == 200  # answered from what was kept

    assert (await delete(api, project["id"], force=True))["__typename"] == "DeleteProjectSuccess"

    for username, token in (registry_login, deploy_login):
        assert await login(client, username, token) == 401
    assert (await api(PROJECT, {"id": project["id"]}))["project"] is None
    for model in (Project, ProjectMember, Registry, Application, Deployment):
        assert await model.all().count() == 0, model
    trail = await audit_trail("shop", limit=100)
    assert trail[0].action == "project.deleted"
    assert trail[-1].action == "project.created"
    assert {"deployment.claimed", "credentials.generated"} <= {event.action for event in trail}
    assert all(e.project_id is None and e.project_namespace == "shop" for e in trail)
    deleted = trail[0]
    assert (deleted.actor_email, deleted.target_name, deleted.detail) == (
        "alice@example.com",
        "Shop",
        "forced",
    )


async def test_a_deleted_namespace_is_held_back_for_30_days(api):
    first = await create_project(api, "Shop")
    await delete(api, first["id"])

    again = await create_project(api, "Shop")
    assert again["namespace"].startswith("shop-") and again["namespace"] != "shop"
    # Asked for by name, it is refused with the reason.
    chosen = await api(CREATE_PROJECT, {"name": "Shop two", "namespace": "shop"})
    assert chosen["createProject"]["__typename"] == "ValidationError", chosen
    assert "deleted less than 30 days ago" in chosen["createProject"]["message"]

    # Once the quarantine is over the namespace is free again.
    await delete(api, again["id"])
    long_ago = datetime.now(UTC) - QUARANTINE - timedelta(minutes=1)
    await NamespaceQuarantine.filter(namespace="shop").update(deleted_at=long_ago)
    assert (await create_project(api, "Shop"))["namespace"] == "shop"


async def test_the_audit_of_a_live_and_a_deleted_namespace_are_told_apart(api):
    first = await create_project(api, "Shop")
    await delete(api, first["id"])
    await NamespaceQuarantine.all().delete()
    second = await create_project(api, "Shop")
    assert second["namespace"] == "shop"

    trail = await audit_trail("shop", limit=10)

    assert [(e.action, e.project_id is None) for e in trail] == [
        ("project.created", False),
        ("project.deleted", True),
        ("project.created", True),
    ]
