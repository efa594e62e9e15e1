from __future__ import annotations

import asyncio

from app.accounts.models import User
from app.audit.models import AuditEvent
from app.graphql.core.ids import decode_id
from app.registries.models import REGISTRY_TOKEN, Registry, RegistryToken, TokenScope
from app.security.tokens import token_digest
from tests.graphql_documents import (
    ADD_REGISTRY,
    GENERATE_CREDENTIALS,
    PROJECT_REGISTRIES,
    REMOVE_REGISTRY,
    UPDATE_CREDENTIALS,
    add_unverified,
    create_project,
    default_registry,
)


async def generate(api, registry_id: str) -> dict:
    return (await api(GENERATE_CREDENTIALS, {"id": registry_id}))["generateCredentials"]


async def test_generate_credentials_returns_the_token_once(api, keys):
    project = await create_project(api)
    registry = default_registry(project)

    result = await generate(api, registry["id"])

    credentials = result["credentials"]
    assert result["__typename"] == "GenerateCredentialsSuccess"
    assert credentials["hostname"] == "registry.eu-central.nodion.net"
    assert credentials["username"] == project["namespace"]
    assert REGISTRY_TOKEN.is_well_formed(credentials["token"])
    assert credentials["dockerLogin"] == (
        f"docker login registry.eu-central.nodion.net --username {project['namespace']} "
        "--password-stdin"
    )
    assert result["registry"]["hasCredentials"] is True
    assert result["registry"]["tokenHint"] == credentials["token"][-4:]
    # The registry's first access token, `default`, PUSH, no expiry: stored
    # encrypted and as a digest, never as plaintext.
    row = await RegistryToken.get(registry_id=decode_id(registry["id"], "Registry"))
    assert (row.name, row.scope, row.expires_at) == ("default", TokenScope.PUSH, None)
    assert row.ciphertext is not None
    assert credentials["token"].encode() not in row.ciphertext
    assert row.digest == token_digest(credentials["token"], keys.token_pepper)
    assert (
        keys.keyring.decrypt(row.ciphertext, context=f"registry_token:{row.id}:token")
        == credentials["token"]
    )

    again = await generate(api, registry["id"])

    assert again["__typename"] == "CredentialsAlreadyGeneratedError"
    assert "createRegistryToken" in again["message"]
    assert "rotateRegistryToken" in again["message"]
    assert await RegistryToken.filter(registry_id=row.registry_id).count() == 1


async def test_twenty_concurrent_generations_yield_exactly_one_token(api):
    project = await create_project(api)
    registry_id = default_registry(project)["id"]

    results = await asyncio.gather(*(generate(api, registry_id) for _ in range(20)))

    kinds = [result["__typename"] for result in results]
    assert kinds.count("GenerateCredentialsSuccess") == 1
    assert kinds.count("CredentialsAlreadyGeneratedError") == 19
    assert await AuditEvent.filter(action="credentials.generated").count() == 1


async def test_third_party_registries_do_not_generate_credentials(api):
    project = await create_project(api)
    added = await add_unverified(api, project["id"], "GHCR")

    result = await generate(api, added["registry"]["id"])

    assert result["__typename"] == "NotSupportedError"
    assert "updateCredentials" in result["message"]


async def test_update_credentials_overwrites_and_clears(api, keys):
    project = await create_project(api)
    added = await add_unverified(
        api, project["id"], "DOCKER_HUB", username="alice", token="old-password-1234"
    )
    registry_id = added["registry"]["id"]
    row = await Registry.get(id=decode_id(registry_id, "Registry"))
    old_ciphertext = row.token_ciphertext

    updated = await api(
        UPDATE_CREDENTIALS,
        {
            "input": {
                "verify": False,
                "registryId": registry_id,
                "username": "alice2",
                "token": "new-password-5678",
            }
        },
    )

    assert updated["updateCredentials"]["registry"]["username"] == "alice2"
    assert updated["updateCredentials"]["registry"]["tokenHint"] == "5678"
    await row.refresh_from_db()
    assert row.token_ciphertext != old_ciphertext
    assert keys.keyring.decrypt(row.token_ciphertext, context=row.encryption_context) == (
        "new-password-5678"
    )

    cleared = await api(UPDATE_CREDENTIALS, {"input": {"verify": False, "registryId": registry_id}})

    registry = cleared["updateCredentials"]["registry"]
    assert (registry["anonymous"], registry["hasCredentials"], registry["username"]) == (
        True,
        False,
        None,
    )
    await row.refresh_from_db()
    assert row.token_ciphertext is None and row.token_hint is None


async def test_update_credentials_half_filled_is_rejected_and_keeps_the_old(api):
    project = await create_project(api)
    added = await add_unverified(api, project["id"], "GHCR", username="a", token="t-1")
    registry_id = added["registry"]["id"]
    before = await Registry.get(id=decode_id(registry_id, "Registry"))

    result = await api(
        UPDATE_CREDENTIALS, {"input": {"verify": False, "registryId": registry_id, "username": "b"}}
    )

    assert result["updateCredentials"]["__typename"] == "ValidationError"
    after = await Registry.get(id=before.id)
    assert (after.username, after.token_ciphertext) == (before.username, before.token_ciphertext)


async def test_update_credentials_on_nodion_explains_rotation(api):
    project = await create_project(api)

    result = await api(
        UPDATE_CREDENTIALS,
        {
            "input": {
                "verify": False,
                "registryId": default_registry(project)["id"],
                "username": "x",
                "token": "y",
            }
        },
    )

    assert result["updateCredentials"]["__typename"] == "NotSupportedError"
    assert "rotateRegistryToken" in result["updateCredentials"]["message"]


async def test_removing_a_registry_removes_its_tokens(api, keys):
    project = await create_project(api)
    old = default_registry(project)
    old_token = (await generate(api, old["id"]))["credentials"]["token"]
    fresh = (
        await api(
            ADD_REGISTRY,
            {"input": {"projectId": project["id"], "type": "NODION", "region": "eu-central"}},
        )
    )["addRegistry"]

    removed = (await api(REMOVE_REGISTRY, {"id": old["id"]}))["removeRegistry"]

    assert removed["__typename"] == "RemoveRegistrySuccess"
    after = (await api(PROJECT_REGISTRIES, {"id": project["id"]}))["project"]
    remaining = {r["id"]: r for r in after["registries"]}
    assert old["id"] not in remaining
    assert remaining[fresh["registry"]["id"]]["isDefault"] is True
    # The old token's digest is gone: the token endpoint cannot find it any more.
    assert not await RegistryToken.exists(digest=token_digest(old_token, keys.token_pepper))
    assert await AuditEvent.filter(action="registry.removed").count() == 1


async def test_removing_the_only_registry_of_a_region_is_refused(api):
    project = await create_project(api)

    result = (await api(REMOVE_REGISTRY, {"id": default_registry(project)["id"]}))["removeRegistry"]

    assert result["__typename"] == "ConflictError"
    assert "add a fresh Nodion registry in that region first" in result["message"]
    assert await Registry.filter(region="eu-central").count() == 1


async def test_third_party_registries_are_removed_without_conditions(api):
    project = await create_project(api)
    added = await add_unverified(api, project["id"], "GHCR")

    result = await api(REMOVE_REGISTRY, {"id": added["registry"]["id"]})

    assert result["removeRegistry"]["__typename"] == "RemoveRegistrySuccess"
    assert await Registry.filter(type="GHCR").count() == 0


async def test_only_admins_change_registries(api, make_api):
    project = await create_project(api)
    registry_id = default_registry(project)["id"]
    for email, role in (("dev@example.com", "DEVELOPER"), ("view@example.com", "VIEWER")):
        member = await make_api(email)
        added = await api(
            """mutation($input: AddProjectMemberInput!) { addProjectMember(input: $input) {
               __typename } }""",
            {"input": {"projectId": project["id"], "email": email, "role": role}},
        )
        assert added["addProjectMember"]["__typename"] == "ProjectMembersChanged"

        seen = await member(
            "query($id: ID!) { node(id: $id) { ... on Registry { hostname } } }",
            {"id": registry_id},
        )
        generated = await generate(member, registry_id)
        removal = (await member(REMOVE_REGISTRY, {"id": registry_id}))["removeRegistry"]
        addition = await member(
            ADD_REGISTRY, {"input": {"projectId": project["id"], "type": "GHCR", "verify": False}}
        )

        assert seen["node"]["hostname"] == "registry.eu-central.nodion.net"
        assert generated["__typename"] == "PermissionDeniedError"
        assert f"you are {role}" in generated["message"]
        assert removal["__typename"] == "PermissionDeniedError"
        assert addition["addRegistry"]["__typename"] == "PermissionDeniedError"
    assert not (await Registry.get(id=decode_id(registry_id, "Registry"))).has_credentials
    assert await User.all().count() == 3


async def test_removing_both_registries_of_a_region_at_once_keeps_one(api):
    project = await create_project(api)
    old = default_registry(project)
    fresh = await api(
        ADD_REGISTRY,
        {"input": {"projectId": project["id"], "type": "NODION", "region": "eu-central"}},
    )

    results = await asyncio.gather(
        api(REMOVE_REGISTRY, {"id": old["id"]}),
        api(REMOVE_REGISTRY, {"id": fresh["addRegistry"]["registry"]["id"]}),
    )

    kinds = sorted(r["removeRegistry"]["__typename"] for r in results)
    assert kinds == ["ConflictError", "RemoveRegistrySuccess"]
    [survivor] = await Registry.filter(region="eu-central")
    assert survivor.is_default
