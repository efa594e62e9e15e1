from __future__ import annotations

import pytest

from app.projects.models import Project
from app.registries.models import Registry
from tests.graphql_documents import CREATE_PROJECT, create_project


async def test_create_project_provisions_one_default_registry_per_region(api):
    project = await create_project(api, "My Shop")

    assert project["name"] == "My Shop"
    assert project["namespace"] == "my-shop"
    by_region = {r["region"]: r for r in project["registries"]}
    assert set(by_region) == {"eu-central", "us-east"}
    eu_central = by_region["eu-central"]
    assert eu_central == {
        "id": eu_central["id"],
        "type": "NODION",
        "region": "eu-central",
        "hostname": "registry.eu-central.nodion.net",
        "isDefault": True,
        "name": "Nodion Registry (EU Central)",
        # No credentials until someone generates them; nothing to verify yet.
        "username": None,
        "hasCredentials": False,
        "anonymous": False,
        "tokenHint": None,
        "verificationStatus": None,
        "verificationMessage": None,
        "lastVerifiedAt": None,
        "lastUsedAt": None,
        "createdAt": eu_central["createdAt"],
    }
    assert by_region["us-east"]["hostname"] == "registry.us-east.nodion.net"


async def test_namespaces_are_unique_and_dns_label_safe(api, make_api):
    first = await create_project(api, "Shop!")
    other = await make_api("bob@example.com")
    second = await create_project(other, "shop")

    assert first["namespace"] == "shop"
    assert second["namespace"].startswith("shop-")
    assert second["namespace"] != first["namespace"]
    for namespace in (first["namespace"], second["namespace"]):
        assert namespace.replace("-", "").isalnum() and namespace == namespace.lower()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "must not be empty"), ("   ", "must not be empty"), ("x" * 200, "at most 100")],
)
async def test_bad_names_are_validation_errors_and_write_nothing(api, name, message):
    result = (await api(CREATE_PROJECT, {"name": name}))["createProject"]

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "name"
    assert message in result["message"]
    assert await Project.all().count() == 0
    assert await Registry.all().count() == 0


async def test_projects_connection_is_newest_first_and_pages(api):
    for name in ("one", "two", "three"):
        await create_project(api, name)
    query = """query($after: String) { projects(first: 2, after: $after) {
        edges { cursor node { name } } pageInfo { hasNextPage endCursor } } }"""

    first_page = (await api(query))["projects"]
    second_page = (await api(query, {"after": first_page["pageInfo"]["endCursor"]}))["projects"]

    assert [e["node"]["name"] for e in first_page["edges"]] == ["three", "two"]
    assert first_page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["name"] for e in second_page["edges"]] == ["one"]
    assert second_page["pageInfo"]["hasNextPage"] is False


async def test_audit_log_records_creation(api):
    project = await create_project(api)
    query = """query($id: ID!) { project(id: $id) { auditEvents(first: 10) {
        edges { node { action actorEmail targetType targetName } } } } }"""

    events = (await api(query, {"id": project["id"]}))["project"]["auditEvents"]["edges"]

    assert [e["node"] for e in events] == [
        {
            "action": "project.created",
            "actorEmail": "alice@example.com",
            "targetType": "Project",
            "targetName": "Shop",
        },
    ]
