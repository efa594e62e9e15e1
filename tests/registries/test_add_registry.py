from __future__ import annotations

import pytest

from app.registries.models import Registry
from tests.graphql_documents import ADD_REGISTRY, create_project


async def add(api, project_id: str, **fields) -> dict:
    # These tests are about input rules; verification has its own tests.
    result = await api(
        ADD_REGISTRY, {"input": {"projectId": project_id, "verify": False, **fields}}
    )
    return result["addRegistry"]


async def test_docker_hub_and_ghcr_fill_their_hostnames(api):
    project = await create_project(api)

    hub = await add(api, project["id"], type="DOCKER_HUB", username="alice", token="dckr_pat_1")
    ghcr = await add(api, project["id"], type="GHCR")

    assert hub["registry"]["hostname"] == "docker.io"
    assert hub["registry"]["hasCredentials"] is True
    assert hub["registry"]["anonymous"] is False
    assert hub["registry"]["tokenHint"] == "at_1"
    assert ghcr["registry"]["hostname"] == "ghcr.io"
    assert ghcr["registry"]["anonymous"] is True
    assert ghcr["registry"]["username"] is None


async def test_custom_registry_hostname_is_normalised(api):
    project = await create_project(api)

    result = await add(api, project["id"], type="CUSTOM", hostname="  Registry.Example.COM:5000 ")

    assert result["registry"]["hostname"] == "registry.example.com:5000"
    assert result["registry"]["name"] == "registry.example.com:5000"  # the host, said once


@pytest.mark.parametrize(
    "hostname",
    [
        "",
        "https://registry.example.com",
        "registry.example.com/path",
        "user@registry.example.com",
        "registry.example.com:0",
        "registry.example.com:65536",
        "registry.example.com:http",
        "-bad.example.com",
        "bad-.example.com",
        "in valid.example.com",
        "a..b",
        ("x" * 64) + ".example.com",
        ".".join(["abcdefgh"] * 30),
        "2001:db8::1",
        "[not-ipv6]:80",
    ],
)
async def test_bad_custom_hostnames_are_rejected_and_write_nothing(api, hostname):
    project = await create_project(api)

    result = await add(api, project["id"], type="CUSTOM", hostname=hostname)

    assert result["__typename"] == "ValidationError", result
    assert result["field"] == "hostname"
    assert await Registry.filter(type="CUSTOM").count() == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"username": "alice"}, "token"),
        ({"token": "secret-token"}, "username"),
        ({"username": "a:b", "token": "secret-token"}, "username"),
        ({"name": ""}, "name"),
        ({"name": "n" * 200}, "name"),
        ({"region": "eu-central"}, "region"),
    ],
)
async def test_bad_third_party_input_is_rejected(api, fields, field):
    project = await create_project(api)

    result = await add(api, project["id"], type="DOCKER_HUB", **fields)

    assert result["__typename"] == "ValidationError", result
    assert result["field"] == field
    assert await Registry.filter(type="DOCKER_HUB").count() == 0


async def test_nodion_registry_needs_a_known_region(api):
    project = await create_project(api)

    missing = await add(api, project["id"], type="NODION")
    unknown = await add(api, project["id"], type="NODION", region="mars-north")

    assert (missing["__typename"], missing["field"]) == ("ValidationError", "region")
    assert unknown["__typename"] == "ValidationError"
    assert "eu-central, us-east" in unknown["message"]
    assert await Registry.filter(type="NODION").count() == 2  # only the defaults


async def test_fresh_nodion_registry_is_not_default(api):
    project = await create_project(api)

    result = await add(api, project["id"], type="NODION", region="us-east")

    assert result["registry"]["region"] == "us-east"
    assert result["registry"]["hostname"] == "registry.us-east.nodion.net"
    assert result["registry"]["isDefault"] is False
    assert result["registry"]["hasCredentials"] is False


@pytest.mark.parametrize(
    "project_id",
    ["not-an-id", "UmVnaXN0cnk6MQ==", "UHJvamVjdDo5OTk5"],  # garbage, Registry:1, Project:9999
)
async def test_unknown_or_wrong_type_ids_are_not_found(api, project_id):
    await create_project(api)

    result = await add(api, project_id, type="GHCR")

    assert result["__typename"] == "NotFoundError"
    assert await Registry.filter(type="GHCR").count() == 0


async def test_registry_providers_describe_the_form(api):
    data = await api("{ registryProviders { type displayName defaultHostname hostnameRequired } }")

    providers = {p["type"]: p for p in data["registryProviders"]}
    assert providers["DOCKER_HUB"]["defaultHostname"] == "docker.io"
    assert providers["GHCR"]["defaultHostname"] == "ghcr.io"
    assert providers["CUSTOM"]["hostnameRequired"] is True
    assert set(providers) == {"NODION", "DOCKER_HUB", "GHCR", "CUSTOM"}


async def test_regions_list_configured_regions(api):
    data = await api("{ regions { slug name registryHostname } }")

    assert data["regions"] == [
        {
            "slug": "eu-central",
            "name": "EU Central",
            "registryHostname": "registry.eu-central.nodion.net",
        },
        {"slug": "us-east", "name": "US East", "registryHostname": "registry.us-east.nodion.net"},
    ]
