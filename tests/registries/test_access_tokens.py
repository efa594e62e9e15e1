"""Access tokens of a Nodion registry: scoped, expiring, rotated under a grace
period, revoked at once; what the token endpoint grants with each, and the
refusals (typed errors, nothing written)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY

from app.audit.models import AuditEvent
from app.graphql.core.ids import decode_id, encode_id
from app.registries.models import RegistryToken
from tests.graphql_documents import (
    CREATE_REGISTRY_TOKEN,
    GENERATE_CREDENTIALS,
    PROJECT_REGISTRIES,
    REGISTRY_TOKENS,
    REVOKE_REGISTRY_TOKEN,
    ROTATE_REGISTRY_TOKEN,
    add_unverified,
    create_project,
    default_registry,
)
from tests.registries.test_token_endpoint import claims_of, get_token

SET_MEMBER = """mutation($input: AddProjectMemberInput!) { addProjectMember(input: $input) {
  __typename } }"""


async def create(api, registry_id: str, name: str = "ci", scope: str = "PUSH", **more) -> dict:
    variables = {"input": {"registryId": registry_id, "name": name, "scope": scope, **more}}
    return (await api(CREATE_REGISTRY_TOKEN, variables))["createRegistryToken"]


async def rotate(api, token_id: str, grace_period: int) -> dict:
    variables = {"input": {"tokenId": token_id, "gracePeriod": grace_period}}
    return (await api(ROTATE_REGISTRY_TOKEN, variables))["rotateRegistryToken"]


async def revoke(api, token_id: str) -> dict:
    return (await api(REVOKE_REGISTRY_TOKEN, {"id": token_id}))["revokeRegistryToken"]


async def tokens(api, registry_id: str, include_inactive: bool = False) -> list[dict]:
    variables = {"id": registry_id, "includeInactive": include_inactive}
    found = (await api(REGISTRY_TOKENS, variables))["node"]["tokens"]["edges"]
    return [edge["node"] for edge in found]


def scope_of(namespace: str, actions: str = "pull,push") -> list[str]:
    return [f"repository:{namespace}/app:{actions}"]


async def granted(client, signer, username: str, token: str, namespace: str) -> list[str] | int:
    """The actions a login with `token` gets on `<namespace>/app`, or the refusal's status."""
    response = await get_token(client, username, token, scope=scope_of(namespace))
    if response.status_code != 200:
        return response.status_code
    return claims_of(response.json()["token"], signer)["access"][0]["actions"]


@pytest.fixture
async def registry(api) -> tuple[dict, str]:
    project = await create_project(api, "Shop")
    return project, default_registry(project)["id"]


def logins_counted(outcome: str) -> float:
    """nodion_registry_logins_total{outcome} as this process counted it."""
    value = REGISTRY.get_sample_value("nodion_registry_logins_total", {"outcome": outcome})
    return value or 0.0


async def test_a_pull_token_pulls_and_a_push_token_pushes(api, client, signer, registry):
    project, registry_id = registry
    namespace = project["namespace"]

    pull = await create(api, registry_id, "deploys", "PULL")
    push = await create(api, registry_id, "ci", "PUSH")

    assert pull["__typename"] == push["__typename"] == "CreateRegistryTokenSuccess"
    credentials = pull["credentials"]
    assert credentials["username"] == namespace
    assert pull["token"]["tokenHint"] == credentials["token"][-4:]
    assert (pull["token"]["status"], pull["token"]["scope"]) == ("ACTIVE", "PULL")
    assert pull["token"]["createdBy"] == "alice@example.com"
    assert pull["token"]["expiresAt"] is None
    username = credentials["username"]
    assert await granted(client, signer, username, credentials["token"], namespace) == ["pull"]
    push_token = push["credentials"]["token"]
    assert await granted(client, signer, username, push_token, namespace) == ["pull", "push"]
    # Listed newest first, without any secret.
    listed = await tokens(api, registry_id)
    assert [t["name"] for t in listed] == ["ci", "deploys"]
    assert credentials["token"] not in str(listed)
    registries = (await api(PROJECT_REGISTRIES, {"id": project["id"]}))["project"]["registries"]
    summary = next(r for r in registries if r["id"] == registry_id)
    assert summary["hasCredentials"] is True
    assert summary["tokenHint"] == push_token[-4:]  # the newest working token
    events = await AuditEvent.filter(action="registry_token.created").values_list(
        "target_name", "detail"
    )
    assert sorted(events) == [
        ("Nodion Registry (EU Central) / ci", "PUSH, expires never"),
        ("Nodion Registry (EU Central) / deploys", "PULL, expires never"),
    ]


async def test_generate_credentials_is_the_first_token_and_stays_one_shot(api, registry):
    _, registry_id = registry
    made = await create(api, registry_id, "first")
    assert made["__typename"] == "CreateRegistryTokenSuccess"

    again = (await api(GENERATE_CREDENTIALS, {"id": registry_id}))["generateCredentials"]

    assert again["__typename"] == "CredentialsAlreadyGeneratedError"
    assert "createRegistryToken" in again["message"]


async def test_rotation_keeps_the_old_token_for_the_grace_period(api, client, signer, registry):
    project, registry_id = registry
    namespace = project["namespace"]
    old = await create(api, registry_id, "ci", "PUSH", expiresIn=3600)
    username, old_token = old["credentials"]["username"], old["credentials"]["token"]

    rotated = await rotate(api, old["token"]["id"], 3600)

    assert rotated["__typename"] == "RotateRegistryTokenSuccess"
    new, replaced = rotated["token"], rotated["replaced"]
    new_token = rotated["credentials"]["token"]
    assert (new["name"], new["scope"], new["status"]) == ("ci", "PUSH", "ACTIVE")
    assert (replaced["status"], replaced["replacedBy"]["id"]) == ("EXPIRING", new["id"])
    # Same expiry length, counted from the rotation.
    created = datetime.fromisoformat(new["createdAt"])
    assert datetime.fromisoformat(new["expiresAt"]) - created == timedelta(hours=1)
    both = [old_token, new_token]
    for token in both:
        assert await granted(client, signer, username, token, namespace) == ["pull", "push"]
    # Rotating a token in its grace period is a conflict; nothing is made.
    again = await rotate(api, old["token"]["id"], 60)
    assert again["__typename"] == "ConflictError"
    assert await RegistryToken.all().count() == 2
    event = await AuditEvent.get(action="registry_token.rotated")
    old_id = decode_id(old["token"]["id"], "RegistryToken")
    new_id = decode_id(new["id"], "RegistryToken")
    assert event.detail is not None
    assert event.detail.startswith(f"old {old_id}, new {new_id}, grace ends ")

    # The grace period ends: only the new token works.
    ended = datetime.now(UTC) - timedelta(seconds=1)
    await RegistryToken.filter(id=old_id).update(grace_ends_at=ended)

    assert await granted(client, signer, username, old_token, namespace) == 401
    assert await granted(client, signer, username, new_token, namespace) == ["pull", "push"]
    # One row per token: the replaced secret is its token's, not a token of its own.
    listed = await tokens(api, registry_id, include_inactive=True)
    assert [(t["id"], t["status"], t["graceEndsAt"]) for t in listed] == [
        (new["id"], "ACTIVE", None)
    ]
    assert [t["id"] for t in await tokens(api, registry_id)] == [new["id"]]


async def test_rotation_with_no_grace_stops_the_old_token_now(api, client, signer, registry):
    project, registry_id = registry
    old = await create(api, registry_id, "ci")
    username, old_token = old["credentials"]["username"], old["credentials"]["token"]

    rotated = await rotate(api, old["token"]["id"], 0)

    assert rotated["replaced"]["status"] == "EXPIRED"
    assert await granted(client, signer, username, old_token, project["namespace"]) == 401


async def test_revocation_stops_a_token_at_once(api, client, signer, registry, caplog):
    project, registry_id = registry
    made = await create(api, registry_id, "ci")
    username, token = made["credentials"]["username"], made["credentials"]["token"]
    assert await granted(client, signer, username, token, project["namespace"]) == [
        "pull",
        "push",
    ]

    revoked = await revoke(api, made["token"]["id"])

    assert revoked["__typename"] == "RevokeRegistryTokenSuccess"
    assert revoked["token"]["status"] == "REVOKED"
    before = logins_counted("revoked")
    with caplog.at_level(logging.INFO, logger="app.registries.token_auth"):
        assert await granted(client, signer, username, token, project["namespace"]) == 401
    assert "revoked" in caplog.text
    assert logins_counted("revoked") == before + 1  # nodion_registry_logins_total
    assert token not in caplog.text
    assert (await revoke(api, made["token"]["id"]))["__typename"] == "ConflictError"
    assert await tokens(api, registry_id) == []
    registries = (await api(PROJECT_REGISTRIES, {"id": project["id"]}))["project"]["registries"]
    summary = next(r for r in registries if r["id"] == registry_id)
    assert (summary["hasCredentials"], summary["tokenHint"]) == (False, None)
    assert await AuditEvent.filter(action="registry_token.revoked").count() == 1


async def test_an_expired_token_is_refused_and_noted_once_an_hour(api, client, signer, registry):
    project, registry_id = registry
    made = await create(api, registry_id, "ci", expiresIn=300)
    username, token = made["credentials"]["username"], made["credentials"]["token"]
    token_id = decode_id(made["token"]["id"], "RegistryToken")
    await RegistryToken.filter(id=token_id).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )

    before = logins_counted("expired"), logins_counted("unknown")
    for _ in range(3):
        assert await granted(client, signer, username, token, project["namespace"]) == 401
    assert (logins_counted("expired"), logins_counted("unknown")) == (before[0] + 3, before[1])

    events = await AuditEvent.filter(action="registry_token.expired_use")
    assert [(e.target_id, e.detail) for e in events] == [(token_id, "expired")]
    listed = await tokens(api, registry_id, include_inactive=True)
    assert listed[0]["status"] == "EXPIRED"


async def test_a_jwt_never_outlives_its_token(api, client, signer, registry):
    project, registry_id = registry
    made = await create(api, registry_id, "ci", expiresIn=300)
    token_id = decode_id(made["token"]["id"], "RegistryToken")
    ends = datetime.now(UTC) + timedelta(seconds=30)
    await RegistryToken.filter(id=token_id).update(expires_at=ends)

    response = await get_token(
        client,
        made["credentials"]["username"],
        made["credentials"]["token"],
        scope=scope_of(project["namespace"]),
    )

    body = response.json()
    assert response.status_code == 200
    assert 1 <= body["expires_in"] <= 30
    claims = claims_of(body["token"], signer)
    assert claims["exp"] <= ends.timestamp()
    assert claims["exp"] - claims["iat"] == body["expires_in"]


async def test_hostile_input_is_refused_with_typed_errors_and_nothing_written(
    api, make_api, registry
):
    project, registry_id = registry
    made = await create(api, registry_id, "ci")
    token_id = made["token"]["id"]
    cases = [
        ({"name": "x" * 200}, "ValidationError", "name"),
        ({"name": "bad\nname"}, "ValidationError", "name"),
        ({"name": "   "}, "ValidationError", "name"),
        ({"name": "ci"}, "ValidationError", "name"),  # taken by an active token
        ({"expiresIn": -5}, "ValidationError", "expiresIn"),
        ({"expiresIn": 299}, "ValidationError", "expiresIn"),
        ({"expiresIn": 2_000_000_000}, "ValidationError", "expiresIn"),
    ]
    for fields, typename, field in cases:
        result = await create(api, registry_id, **{"name": "other", **fields})
        assert (result["__typename"], result.get("field")) == (typename, field), fields
    for grace in (-1, 604_801, 2_000_000_000):
        result = await rotate(api, token_id, grace)
        assert (result["__typename"], result["field"]) == ("ValidationError", "gracePeriod")
    # IDs of another type, or of another project's token: not found.
    other_api = await make_api("mallory@example.com")
    other_project = await create_project(other_api, "Other")
    theirs = await create(other_api, default_registry(other_project)["id"], "theirs")
    for wrong in (registry_id, theirs["token"]["id"], encode_id("RegistryToken", 999_999)):
        assert (await rotate(api, wrong, 0))["__typename"] == "NotFoundError"
        assert (await revoke(api, wrong))["__typename"] == "NotFoundError"
    assert (await create(other_api, registry_id, "x"))["__typename"] == "NotFoundError"
    # A third-party registry has no access tokens.
    ghcr = await add_unverified(api, project["id"], "GHCR")
    assert (await create(api, ghcr["registry"]["id"]))["__typename"] == "NotSupportedError"
    assert await RegistryToken.filter(registry_id=decode_id(registry_id, "Registry")).count() == 1
    assert await AuditEvent.filter(action__startswith="registry_token.").count() == 2


async def test_the_fifty_first_active_token_is_refused(api, registry):
    _, registry_id = registry
    registry_pk = decode_id(registry_id, "Registry")
    now = datetime.now(UTC)
    await RegistryToken.bulk_create(
        [
            RegistryToken(
                registry_id=registry_pk,
                project_id=1,
                name=f"t{n}",
                scope="PULL",
                digest=f"{n:064d}",
                hint="abcd",
                created_at=now,
            )
            for n in range(49)
        ]
    )
    assert (await create(api, registry_id, "fiftieth"))[
        "__typename"
    ] == "CreateRegistryTokenSuccess"

    refused = await create(api, registry_id, "fifty-first")

    assert refused["__typename"] == "ConflictError"
    assert "at most 50 active tokens" in refused["message"]
    assert await RegistryToken.filter(registry_id=registry_pk).count() == 50


async def test_members_below_admin_list_but_do_not_change_tokens(api, make_api, registry):
    project, registry_id = registry
    made = await create(api, registry_id, "ci")
    for email, role in (("dev@example.com", "DEVELOPER"), ("viewer@example.com", "VIEWER")):
        member = await make_api(email)
        await api(SET_MEMBER, {"input": {"projectId": project["id"], "email": email, "role": role}})

        assert [t["name"] for t in await tokens(member, registry_id)] == ["ci"]
        assert (await create(member, registry_id, "mine"))["__typename"] == "PermissionDeniedError"
        rotated = await rotate(member, made["token"]["id"], 0)
        assert rotated["__typename"] == "PermissionDeniedError"
        revoked = await revoke(member, made["token"]["id"])
        assert revoked["__typename"] == "PermissionDeniedError"
    assert await RegistryToken.all().count() == 1


@pytest.mark.parametrize("named_by", ["current secret", "previous secret"])
async def test_revoking_a_rotated_token_stops_every_secret_of_it(
    api, client, signer, registry, named_by
):
    """Issue 30: the token was revoked, its previous secret (in its grace
    period) kept working until a second revoke."""
    project, registry_id = registry
    namespace = project["namespace"]
    old = await create(api, registry_id, "deploys", "PULL")
    other = await create(api, registry_id, "ci", "PUSH")
    username = old["credentials"]["username"]
    rotated = await rotate(api, old["token"]["id"], 3600)
    secrets = [old["credentials"]["token"], rotated["credentials"]["token"]]
    for secret in secrets:
        assert await granted(client, signer, username, secret, namespace) == ["pull"]
    listed = await tokens(api, registry_id)
    deploys = next(t for t in listed if t["name"] == "deploys")
    assert [t["name"] for t in listed] == ["deploys", "ci"]  # one row per token
    assert deploys["graceEndsAt"] == rotated["replaced"]["expiresAt"]
    assert deploys["graceTokenHint"] == old["token"]["tokenHint"]

    named = rotated["token"]["id"] if named_by == "current secret" else old["token"]["id"]
    revoked = await revoke(api, named)

    assert revoked["__typename"] == "RevokeRegistryTokenSuccess", revoked
    both = [revoked["token"], *revoked["revokedWithIt"]]
    assert {t["id"] for t in both} == {old["token"]["id"], rotated["token"]["id"]}
    assert {t["status"] for t in both} == {"REVOKED"}
    for secret in secrets:
        assert await granted(client, signer, username, secret, namespace) == 401
    other_secret = other["credentials"]["token"]
    assert await granted(client, signer, username, other_secret, namespace) == ["pull", "push"]
    after = await tokens(api, registry_id, include_inactive=True)
    assert [(t["name"], t["status"], t["graceEndsAt"]) for t in after] == [
        ("deploys", "REVOKED", None),
        ("ci", "ACTIVE", None),
    ]
    for either in (old["token"]["id"], rotated["token"]["id"]):
        assert (await revoke(api, either))["__typename"] == "ConflictError"
    event = await AuditEvent.get(action="registry_token.revoked")
    assert event.detail is not None and event.detail.startswith("with ")


@pytest.mark.parametrize("stopped_by", ["a rotation with no grace", "a second rotation"])
async def test_revoking_a_token_by_the_id_of_a_secret_that_stopped_stops_the_token(
    api, client, signer, registry, stopped_by
):
    """The ID a script kept from createRegistryToken names a secret whose
    grace already ended (rotated with no grace, or rotated twice): revoking
    it answered success and "stops working now" while the token's current
    secrets kept working. A secret a rotation replaced is its token's."""
    project, registry_id = registry
    namespace = project["namespace"]
    first = await create(api, registry_id, "deploys", "PULL")
    username = first["credentials"]["username"]
    rotated = [await rotate(api, first["token"]["id"], 0 if "no grace" in stopped_by else 3600)]
    if stopped_by == "a second rotation":
        rotated.append(await rotate(api, rotated[0]["token"]["id"], 3600))
    working = [r["credentials"]["token"] for r in rotated]
    for secret in working:
        assert await granted(client, signer, username, secret, namespace) == ["pull"]

    revoked = await revoke(api, first["token"]["id"])

    assert revoked["__typename"] == "RevokeRegistryTokenSuccess", revoked
    assert {t["id"] for t in revoked["revokedWithIt"]} == {r["token"]["id"] for r in rotated}
    for secret in working:
        assert await granted(client, signer, username, secret, namespace) == 401
    assert await tokens(api, registry_id) == []


async def test_revoking_a_token_that_expired_leaves_a_newer_one_of_its_name(api, registry):
    """An expired token that no rotation replaced is a token of its own: the
    active token that took its name later is not revoked with it."""
    _, registry_id = registry
    old = await create(api, registry_id, "deploys", "PULL")
    old_id = decode_id(old["token"]["id"], "RegistryToken")
    await RegistryToken.filter(id=old_id).update(expires_at=datetime.now(UTC) - timedelta(hours=1))
    newer = await create(api, registry_id, "deploys", "PULL")
    assert newer["__typename"] == "CreateRegistryTokenSuccess", newer

    revoked = await revoke(api, old["token"]["id"])

    assert revoked["__typename"] == "RevokeRegistryTokenSuccess", revoked
    assert revoked["revokedWithIt"] == []
    assert [t["id"] for t in await tokens(api, registry_id)] == [newer["token"]["id"]]


async def test_rotating_a_token_in_grace_again_ends_the_older_grace_now(
    api, client, signer, registry
):
    project, registry_id = registry
    namespace = project["namespace"]
    first = await create(api, registry_id, "ci", "PULL")
    username = first["credentials"]["username"]
    second = await rotate(api, first["token"]["id"], 3600)

    third = await rotate(api, second["token"]["id"], 3600)

    assert third["__typename"] == "RotateRegistryTokenSuccess", third
    ended = third["graceEnded"]
    assert [(t["id"], t["status"]) for t in ended] == [(first["token"]["id"], "EXPIRED")]
    assert third["replaced"]["status"] == "EXPIRING"
    secrets = [t["credentials"]["token"] for t in (first, second, third)]
    assert [await granted(client, signer, username, s, namespace) for s in secrets] == [
        401,
        ["pull"],
        ["pull"],
    ]
    (listed,) = await tokens(api, registry_id)
    assert listed["id"] == third["token"]["id"]
    assert listed["graceTokenHint"] == second["token"]["tokenHint"]
    assert listed["graceEndsAt"] == third["replaced"]["expiresAt"]
    event = await AuditEvent.filter(action="registry_token.rotated").order_by("-id").first()
    assert event is not None and event.detail is not None
    assert event.detail.endswith(f"ended {decode_id(first['token']['id'], 'RegistryToken')}")


async def test_listing_tokens_with_previous_secrets_costs_the_same_queries_for_1_or_10(
    api, registry, count_queries
):
    """graceEndsAt and graceTokenHint of a page of tokens: one batched read."""
    _, registry_id = registry

    async def listed_with_queries() -> tuple[int, int]:
        count_queries.queries.clear()
        found = await tokens(api, registry_id)
        return sum(t["graceEndsAt"] is not None for t in found), len(count_queries.queries)

    made = await create(api, registry_id, "token 0")
    await rotate(api, made["token"]["id"], 3600)
    one = await listed_with_queries()
    for number in range(1, 10):
        made = await create(api, registry_id, f"token {number}")
        await rotate(api, made["token"]["id"], 3600)
    ten = await listed_with_queries()

    assert (one[0], ten[0]) == (1, 10)
    assert ten[1] == one[1], count_queries.queries
