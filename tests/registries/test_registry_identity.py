"""Issue 23, items 2, 3, 4 and 10: a registry once per project, providers at
their own hostnames, names that say the host once, and hostnames that the HTTP
client can use (no connection is attempted for a refused one)."""

from __future__ import annotations

import pytest

from app.projects.models import Project
from app.registries.models import Registry, RegistryType
from tests.graphql_documents import (
    ADD_REGISTRY,
    CHECK_IMAGE,
    UPDATE_CREDENTIALS,
    VERIFY_REGISTRY,
    create_project,
)


async def add(api, project_id: str, *, verify: bool = False, **fields) -> dict:
    variables = {"input": {"projectId": project_id, "verify": verify, **fields}}
    return (await api(ADD_REGISTRY, variables))["addRegistry"]


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "CUSTOM", "hostname": "registry.example.com:5000"},
        {"type": "DOCKER_HUB"},
        {"type": "DOCKER_HUB", "username": "ci", "token": "dckr_pat_1"},
        {"type": "GHCR", "username": "ci", "token": "ghp_1"},
    ],
)
async def test_the_same_registry_twice_is_a_conflict_naming_the_first(api, fields):
    project = await create_project(api)
    first = await add(api, project["id"], **fields)

    again = await add(api, project["id"], **{**fields, "hostname": fields.get("hostname")})

    assert first["__typename"] == "AddRegistrySuccess"
    assert again["__typename"] == "ConflictError", again
    assert repr(first["registry"]["name"]) in again["message"]
    assert await Registry.exclude(type=RegistryType.NODION).count() == 1


async def test_another_username_or_alias_spelling(api):
    project = await create_project(api)
    await add(api, project["id"], type="DOCKER_HUB", username="ci", token="t1")

    other_user = await add(api, project["id"], type="DOCKER_HUB", username="ops", token="t2")
    alias = await add(
        api, project["id"], type="DOCKER_HUB", hostname="index.docker.io", username="ci", token="t"
    )

    assert other_user["__typename"] == "AddRegistrySuccess"
    assert alias["__typename"] == "ConflictError"  # index.docker.io is docker.io


async def test_changing_credentials_into_a_twin_is_a_conflict(api):
    project = await create_project(api)
    await add(api, project["id"], type="GHCR", username="ci", token="t1")
    anonymous = (await add(api, project["id"], type="GHCR"))["registry"]

    update = {"registryId": anonymous["id"], "username": "ci", "token": "t2", "verify": False}
    result = (await api(UPDATE_CREDENTIALS, {"input": update}))["updateCredentials"]

    assert result["__typename"] == "ConflictError", result


@pytest.mark.parametrize(
    ("type", "hostname"),
    [("DOCKER_HUB", "evil.example.com"), ("GHCR", "ghcr.evil.example.com"), ("GHCR", "docker.io")],
)
async def test_providers_accept_only_their_own_hostname(api, type, hostname):
    project = await create_project(api)

    result = await add(api, project["id"], type=type, hostname=hostname)

    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "hostname"
    assert "CUSTOM" in result["message"]


@pytest.mark.parametrize(
    "alias", ["docker.io", "Index.Docker.IO", "registry-1.docker.io", "registry.hub.docker.com"]
)
async def test_docker_hub_aliases_are_stored_as_docker_io(api, alias):
    project = await create_project(api)

    result = await add(api, project["id"], type="DOCKER_HUB", hostname=alias)

    assert result["registry"]["hostname"] == "docker.io"


async def test_default_names_say_the_host_once(api):
    project = await create_project(api)

    hub = (await add(api, project["id"], type="DOCKER_HUB"))["registry"]
    ghcr = (await add(api, project["id"], type="GHCR"))["registry"]
    custom = (await add(api, project["id"], type="CUSTOM", hostname="r.example.com:5000"))[
        "registry"
    ]

    assert (hub["name"], ghcr["name"]) == ("Docker Hub", "GitHub Container Registry")
    assert custom["name"] == "r.example.com:5000"


@pytest.mark.parametrize(
    ("hostname", "why"),
    [
        ("0177.0.0.1", "another notation"),
        ("0177.0.0.1:5000", "another notation"),
        ("0x7f.1", "another notation"),
        ("127.1", "another notation"),
        ("2130706433", "another notation"),
        ("xn--localhost", "IDNA"),
        ("xn--a", "IDNA"),
    ],
)
async def test_hostnames_the_http_client_cannot_use_are_refused_before_any_connection(
    api, resolver, hostname, why
):
    project = await create_project(api)

    result = await add(api, project["id"], verify=True, type="CUSTOM", hostname=hostname)

    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "hostname"
    assert why in result["message"]
    assert resolver.asked == []


@pytest.mark.parametrize("hostname", ["0177.0.0.1", "xn--a", "127.1"])
async def test_rows_saved_before_the_check_answer_a_typed_error(api, resolver, hostname):
    project = await create_project(api)
    row = await Registry.create(
        project=await Project.get(namespace=project["namespace"]),
        type=RegistryType.CUSTOM,
        name="old",
        hostname=hostname,
    )
    from app.graphql.core.ids import encode_id

    registry_id = encode_id("Registry", row.id)

    verified = (await api(VERIFY_REGISTRY, {"id": registry_id}))["verifyRegistry"]
    checked = (await api(CHECK_IMAGE, {"id": registry_id, "image": "app", "tag": "1"}))[
        "checkImage"
    ]

    for result in (verified, checked):
        assert result["__typename"] == "ValidationError", result
        assert result["field"] == "hostname"
        assert "remove it and add it again" in result["message"]
    assert resolver.asked == []
