"""Malformed input is a 4xx or a typed error naming the field, never a 500 or
"Unexpected error" (issue 10, cases 6 and 8), on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import logging

import pytest
from strawberry.relay import GlobalID
from strawberry.relay.utils import to_base64

from app.api.schema import UNEXPECTED_ERROR
from tests.graphql_documents import (
    ADD_REGISTRY,
    CREATE_PROJECT,
    REMOVE_REGISTRY,
    add_unverified,
    create_project,
)
from tests.projects.test_members import REMOVE_MEMBER, SET_MEMBER

TEN_DIGITS = "9999999999"  # past PostgreSQL's int4 primary keys
HUGE_IDS = [TEN_DIGITS, "2147483648", "99999999999999999999999", "0", "+5", "1_0", "٣"]


@pytest.mark.parametrize("node_id", HUGE_IDS)
async def test_ids_past_the_column_range_name_nothing(api, node_id):
    await create_project(api)
    project_id = str(GlobalID("Project", node_id))
    registry_id = str(GlobalID("Registry", node_id))

    read = await api.raw(
        "query($p: ID!, $r: ID!) { node(id: $r) { id } project(id: $p) { id } }",
        {"p": project_id, "r": registry_id},
    )
    removed = await api(REMOVE_REGISTRY, {"id": registry_id})
    added = await add_unverified(api, project_id, "DOCKER_HUB")

    assert read == {"data": {"node": None, "project": None}}
    assert removed["removeRegistry"]["__typename"] == "NotFoundError"
    assert added["__typename"] == "NotFoundError"


@pytest.mark.parametrize("cursor_id", [TEN_DIGITS, "-1", "0", "1e3"])
async def test_cursors_past_the_column_range_are_bad_input(api, cursor_id):
    after = to_base64("cursor", cursor_id)

    body = await api.raw(
        "query($a: String) { projects(after: $a) { edges { cursor } } }", {"a": after}
    )

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "`after`" in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "email",
    # A megabyte is refused by the body limit (tests/http); under it, 200 KB reaches the rules.
    ["bob\x00@example.com", "bob@example.com\x00", "b" * 200_000 + "@example.com"],
)
async def test_nul_bytes_and_huge_emails_are_validation_errors(api, email, caplog):
    project = await create_project(api)
    caplog.set_level(logging.DEBUG)

    added = await api(
        SET_MEMBER, {"input": {"projectId": project["id"], "email": email, "role": "VIEWER"}}
    )
    removed = await api(REMOVE_MEMBER, {"input": {"projectId": project["id"], "email": email}})

    for result in (added["addProjectMember"], removed["removeProjectMember"]):
        assert result == {
            "__typename": "ValidationError",
            "message": "Enter an email address like name@example.com.",
            "field": "email",
        }
    logged = sum(len(record.getMessage()) for record in caplog.records)
    assert logged < 20_000, f"{logged} characters of log for one bad email"


async def test_an_admin_removing_themselves_gets_a_null_role(api, make_api):
    project = await create_project(api)
    await make_api("bob@example.com")
    await api(
        SET_MEMBER,
        {"input": {"projectId": project["id"], "email": "bob@example.com", "role": "ADMIN"}},
    )

    body = await api.raw(
        """mutation($input: RemoveProjectMemberInput!) { removeProjectMember(input: $input) {
          __typename ... on ProjectMembersChanged { project { id name viewerRole } } } }""",
        {"input": {"projectId": project["id"], "email": "alice@example.com"}},
    )

    assert "errors" not in body, body
    changed = body["data"]["removeProjectMember"]
    assert changed["project"] == {"id": project["id"], "name": "Shop", "viewerRole": None}
    assert (await api("{ projects { edges { node { id } } } }"))["projects"]["edges"] == []


@pytest.mark.parametrize(
    "name",
    [
        "Shop\u202egnp.exe",  # right-to-left override
        "Sh\u200bop",  # zero-width space
        "Shop\u2066",  # left-to-right isolate
        "Sh\ufeffop",  # zero-width no-break space
        "Shop\x00",
        "Shop\u2028x",  # line separator
    ],
)
async def test_names_refuse_invisible_characters(api, name):
    project = await create_project(api)

    created = (await api(CREATE_PROJECT, {"name": name}))["createProject"]
    added = await add_unverified(api, project["id"], "DOCKER_HUB", name=name)

    for result in (created, added):
        assert result["__typename"] == "ValidationError"
        assert result["field"] == "name"
        assert "zero-width" in result["message"]


async def test_names_keep_ordinary_unicode(api):
    project = await create_project(api, "Café Ünïcode 東京 🚀")

    assert project["name"] == "Café Ünïcode 東京 🚀"


@pytest.mark.parametrize(
    "hostname",
    [
        "registry.eu-central.nodion.net",
        "REGISTRY.us-east.Nodion.net:443",
        "nodion.net",
        "evil.registry.eu-central.nodion.net:5000",
    ],
)
async def test_custom_registries_cannot_take_managed_hostnames(api, hostname):
    project = await create_project(api)

    result = await add_unverified(api, project["id"], "CUSTOM", hostname=hostname)

    assert result["__typename"] == "ValidationError"
    assert result["field"] == "hostname"
    assert "managed registries" in result["message"]


async def test_a_lookalike_domain_is_not_managed(api):
    project = await create_project(api)

    result = await add_unverified(api, project["id"], "CUSTOM", hostname="registry.notnodion.net")

    assert result["__typename"] == "AddRegistrySuccess"


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_the_bearer_scheme_is_case_insensitive(api, scheme):
    response = await api.http.post(
        "/graphql",
        json={"query": "{ viewer { email } }"},
        headers={"Authorization": f"{scheme} {api.token}"},
    )

    assert response.json() == {"data": {"viewer": {"email": "alice@example.com"}}}


@pytest.mark.parametrize(
    "authorization",
    [
        b"Basic " + base64.b64encode("bob:pässwörd".encode()).replace(b"=", b"\xe9"),
        b"Basic \xff\xfe\xfd",
        b"Basic " + base64.b64encode(b"bob:\xff\xfe"),  # base64 of bytes that are not UTF-8
    ],
)
async def test_non_ascii_basic_credentials_are_401(client, authorization):
    response = await client.get(
        "/registry/token",
        params={"service": "registry.eu-central.nodion.net"},
        headers=[(b"authorization", authorization)],
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"]


async def test_no_malformed_input_above_was_an_unexpected_error(api):
    # A guard for the cases above that answer 200: the masked message never appears.
    body = await api.raw('{ project(id: "UHJvamVjdDo5OTk5OTk5OTk5") { id } }')

    assert UNEXPECTED_ERROR not in str(body)
    assert body == {"data": {"project": None}}


async def test_add_registry_input_ids_are_not_found(api):
    variables = {"input": {"projectId": str(GlobalID("Project", TEN_DIGITS)), "type": "GHCR"}}

    result = (await api(ADD_REGISTRY, variables))["addRegistry"]

    assert result["__typename"] == "NotFoundError"
