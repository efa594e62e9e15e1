"""The deploy targets' API in-process: claims, the credential hand-off, status
reports, and what the token endpoint lets a handed-over credential do."""

from __future__ import annotations

import asyncio
import base64
from datetime import UTC, datetime, timedelta

import jwt

from app.applications.models import Deployment, DeployTarget
from app.audit.models import AuditEvent
from tests.applications.test_applications import add_docker_hub
from tests.graphql_documents import (
    ADD_REGISTRY,
    create_application,
    create_project,
    deploy_application,
)

EU = "registry.eu-central.nodion.net"
CLAIM = "/deploy/v1/deployments/claim"


def basic(auth: str) -> dict[str, str]:
    return {"Authorization": f"Basic {auth}"}


def credentials_in(config: dict, host: str) -> tuple[str, str]:
    username, _, password = base64.b64decode(config["auths"][host]["auth"]).decode().partition(":")
    return username, password


async def access_for(client, auth: str, scopes: list[str], service: str = EU) -> list | int:
    params = [("service", service)] + [("scope", scope) for scope in scopes]
    response = await client.get("/registry/token", params=params, headers=basic(auth))
    if response.status_code != 200:
        return response.status_code
    claims = jwt.decode(response.json()["token"], options={"verify_signature": False})
    return [(entry["name"], entry["actions"]) for entry in claims["access"]]


async def prebuilt_app(api, name: str = "web", **fields) -> tuple[dict, dict]:
    project = await create_project(api, "Shop")
    app = await create_application(
        api,
        project["id"],
        name=name,
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image=fields.pop("image", "nginx"),
        **fields,
    )
    return project, app


async def test_nothing_to_claim_and_bad_tokens(client, api, make_target):
    headers = await make_target("eu-1")
    assert (await client.post(CLAIM, headers=headers)).status_code == 204
    for authorization in ("Bearer ndt_wrong", "Bearer " + "x" * 10_000, "Basic abc", ""):
        response = await client.post(CLAIM, headers={"Authorization": authorization})
        assert response.status_code == 401, authorization
        assert "deploy target token" in response.json()["error"]["message"]


async def test_a_nodion_prebuilt_deployment_gets_a_pull_only_credential_for_its_namespace(
    client, api, make_target
):
    _, app = await prebuilt_app(api)
    deployment = await deploy_application(api, app["id"])
    elsewhere = await make_target("us-1", "us-east")
    assert (await client.post(CLAIM, headers=elsewhere)).status_code == 204  # other region

    response = await client.post(CLAIM, headers=await make_target("eu-1"))
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["deployment"]["id"] == deployment["id"]
    assert body["deployment"]["imageReference"] == f"{EU}/shop/nginx:latest"
    username, token = credentials_in(body["dockerConfig"], EU)
    assert username == f"deployment-{body['deployment']['number']}"
    assert token.startswith("ndc_")
    auth = body["dockerConfig"]["auths"][EU]["auth"]

    granted = await access_for(
        client, auth, ["repository:shop/nginx:pull,push", "repository:other/app:pull"]
    )
    assert granted == [("shop/nginx", ["pull"]), ("other/app", [])]
    assert await access_for(client, auth, [], service="registry.us-east.nodion.net") == 401

    state = await api(
        "query($id: ID!) { node(id: $id) { ... on Deployment { status target claimedAt } } }",
        {"id": deployment["id"]},
    )
    assert state["node"]["status"] == "CLAIMED"
    assert state["node"]["target"] == "eu-1"


async def test_the_credential_ends_with_the_deployment_and_with_time(client, api, make_target):
    _, app = await prebuilt_app(api)
    for _ in range(2):
        await deploy_application(api, app["id"])
    target = await make_target("eu-1")
    first = (await client.post(CLAIM, headers=target)).json()
    second = (await client.post(CLAIM, headers=target)).json()
    first_auth = first["dockerConfig"]["auths"][EU]["auth"]
    second_auth = second["dockerConfig"]["auths"][EU]["auth"]
    assert isinstance(await access_for(client, first_auth, []), list)

    number = first["deployment"]["number"]
    report = await client.post(
        f"/deploy/v1/deployments/{number}/status",
        json={"status": "SUCCEEDED", "message": "running"},
        headers=target,
    )
    assert report.status_code == 200
    assert report.json()["deployment"]["status"] == "SUCCEEDED"
    assert await access_for(client, first_auth, []) == 401  # ended with the deployment

    await Deployment.filter(id=second["deployment"]["number"]).update(
        credential_expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert await access_for(client, second_auth, []) == 401  # expired


async def test_a_build_may_push_to_exactly_its_own_repository(client, api, make_target):
    project = await create_project(api, "Shop")
    app = await create_application(
        api, project["id"], name="web", region="eu-central", strategy="DOCKERFILE"
    )
    await deploy_application(api, app["id"], tag="v1")
    body = (await client.post(CLAIM, headers=await make_target("eu-1"))).json()
    assert body["deployment"]["imageReference"] == f"{EU}/shop/web:v1"
    assert body["deployment"]["strategy"] == "DOCKERFILE"
    auth = body["dockerConfig"]["auths"][EU]["auth"]
    granted = await access_for(
        client, auth, ["repository:shop/web:pull,push", "repository:shop/api:pull,push"]
    )
    assert granted == [("shop/web", ["pull", "push"]), ("shop/api", [])]


async def test_third_party_credentials_are_handed_over_and_the_disclosure_recorded(
    client, api, make_target
):
    project = await create_project(api, "Shop")
    password = "ghp_deploy-secret-0001"
    added = await api(
        ADD_REGISTRY,
        {
            "input": {
                "projectId": project["id"],
                "type": "GHCR",
                "username": "octo",
                "token": password,
                "verify": False,
            }
        },
    )
    ghcr = added["addRegistry"]["registry"]
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="octo/app:1",
        containerRegistryId=ghcr["id"],
    )
    await deploy_application(api, app["id"])
    body = (await client.post(CLAIM, headers=await make_target("eu-1"))).json()

    assert body["deployment"]["imageReference"] == "ghcr.io/octo/app:1"
    assert credentials_in(body["dockerConfig"], "ghcr.io") == ("octo", password)
    events = await AuditEvent.filter(action="credentials.disclosed").values(
        "actor_email", "target_name", "detail"
    )
    assert events == [
        {
            "actor_email": "deploy-target:eu-1",
            "target_name": ghcr["name"],
            "detail": f"deployment:{body['deployment']['number']}",
        }
    ]
    every_event = repr(await AuditEvent.all().values())
    assert password not in every_event


async def test_an_anonymous_registry_gets_no_auth_entry(client, api, make_target):
    project = await create_project(api, "Shop")
    hub = await add_docker_hub(api, project["id"])
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="nginx",
        containerRegistryId=hub["id"],
    )
    await deploy_application(api, app["id"])
    body = (await client.post(CLAIM, headers=await make_target("eu-1"))).json()
    assert body["dockerConfig"] == {"auths": {}}
    assert body["deployment"]["imageReference"] == "docker.io/library/nginx:latest"


async def test_status_reports_only_from_the_claiming_target(client, api, make_target):
    _, app = await prebuilt_app(api)
    await deploy_application(api, app["id"])
    owner, other = await make_target("eu-1"), await make_target("eu-2")
    number = (await client.post(CLAIM, headers=owner)).json()["deployment"]["number"]
    url = f"/deploy/v1/deployments/{number}/status"

    assert (await client.post(url, json={"status": "FAILED"}, headers=other)).status_code == 404
    for body, status in (
        (b"not json", 400),
        (b"[1, 2]", 400),
        (b'{"status": "DONE"}', 422),
        (b'{"status": "FAILED", "message": 5}', 422),
        (b'{"status": "FAILED", "message": "' + b"m" * 600 + b'"}', 422),
        (b"[" * 4000, 400),  # nested deeper than the JSON parser goes
        (b"x" * 10_000, 413),
        (b"\xff\xfe", 400),
    ):
        response = await client.post(url, content=body, headers=owner)
        assert response.status_code == status, (body[:20], response.text)
    for bad in ("abc", "99999999999", "0"):
        response = await client.post(
            f"/deploy/v1/deployments/{bad}/status", json={"status": "FAILED"}, headers=owner
        )
        assert response.status_code == 404
    done = await client.post(url, json={"status": "FAILED", "message": "no"}, headers=owner)
    assert done.status_code == 200
    again = await client.post(url, json={"status": "SUCCEEDED"}, headers=owner)
    assert again.status_code == 409
    state = await api(
        "query($id: ID!) { node(id: $id) { ... on Application { deployments { edges { node {"
        " status message finishedAt } } } } } }",
        {"id": app["id"]},
    )
    [edge] = state["node"]["deployments"]["edges"]
    assert edge["node"]["status"] == "FAILED"
    assert edge["node"]["message"] == "no"


async def test_two_targets_racing_claim_each_deployment_exactly_once(client, api, make_target):
    _, app = await prebuilt_app(api)
    for _ in range(20):
        await deploy_application(api, app["id"])
    targets = [await make_target("eu-1"), await make_target("eu-2")]

    responses = await asyncio.gather(
        *(client.post(CLAIM, headers=targets[n % 2]) for n in range(40))
    )
    claimed = [r.json()["deployment"]["number"] for r in responses if r.status_code == 200]
    assert sorted(claimed) == sorted(set(claimed))  # nothing claimed twice
    assert len(claimed) == 20
    assert sum(r.status_code == 204 for r in responses) == 20
    assert await Deployment.filter(status="CLAIMED").count() == 20


async def test_a_jwt_expires_with_the_deployment_credential_at_the_latest(client, api, make_target):
    """A JWT issued a moment before the credential expires does not outlive it."""
    _, app = await prebuilt_app(api)
    await deploy_application(api, app["id"])
    body = (await client.post(CLAIM, headers=await make_target("eu-1"))).json()
    ends = datetime.now(UTC) + timedelta(seconds=20)
    await Deployment.filter(id=body["deployment"]["number"]).update(credential_expires_at=ends)

    response = await client.get(
        "/registry/token",
        params={"service": EU},
        headers=basic(body["dockerConfig"]["auths"][EU]["auth"]),
    )

    assert response.status_code == 200
    assert 1 <= response.json()["expires_in"] <= 20
    claims = jwt.decode(response.json()["token"], options={"verify_signature": False})
    assert claims["exp"] <= ends.timestamp()


async def test_a_polling_target_is_noted_as_seen_once_a_minute(client, make_target):
    """Targets poll for work constantly: each poll is not a write."""
    headers = await make_target("eu-1")
    await client.post(CLAIM, headers=headers)
    first = (await DeployTarget.get(name="eu-1")).last_seen_at
    await client.post(CLAIM, headers=headers)
    assert first is not None
    assert (await DeployTarget.get(name="eu-1")).last_seen_at == first

    a_minute_ago = datetime.now(UTC) - timedelta(minutes=1, seconds=1)
    await DeployTarget.filter(name="eu-1").update(last_seen_at=a_minute_ago)
    await client.post(CLAIM, headers=headers)
    assert (await DeployTarget.get(name="eu-1")).last_seen_at > a_minute_ago
