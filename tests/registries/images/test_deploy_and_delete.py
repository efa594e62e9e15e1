"""A push deploys the applications that follow its tag; a tag in use is not
deleted without force. (The registry side of both: tests/e2e/test_images_e2e.py.)"""

from __future__ import annotations

import pytest

from app.applications.models import Deployment, Strategy
from app.operations import document
from tests.graphql_documents import (
    DELETE_IMAGE_TAG,
    UPDATE_APPLICATION,
    create_application,
    create_project,
    default_registry,
)
from tests.registries.images.events import T0, digest_of, envelope, push

A, B = digest_of("a"), digest_of("b")
DEPLOYMENTS = document("ApplicationDeployments")
AUDIT = document("AuditEvents")


@pytest.fixture
async def followed(api):
    """A prebuilt-image app following `<namespace>/web:stable` in eu-central."""
    project = await create_project(api, "Shop")
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="web",
        tag="stable",
        deployOnPush=True,
    )
    return project, app


async def deployments(api, app) -> list[dict]:
    data = await api(DEPLOYMENTS, {"id": app["id"], "first": 50})
    return [edge["node"] for edge in data["node"]["deployments"]["edges"]]


async def test_a_push_of_the_followed_tag_deploys_that_digest_once(api, followed, notify):
    project, app = followed
    assert app["deployOnPush"] is True
    name = f"{project['namespace']}/web"
    first = envelope(push(name, "stable", A, actor="shop-ci"))

    await notify(first)
    await notify(first)  # delivered twice
    await notify(envelope(push(name, "stable", A)))  # the same digest pushed again
    await notify(envelope(push(name, "other", B)))  # a tag it does not follow

    [deployment] = await deployments(api, app)
    assert deployment["imageReference"] == f"registry.eu-central.nodion.net/{name}@{A}"
    assert deployment["status"] == "PENDING"
    events = (await api(AUDIT, {"id": project["id"]}))["project"]["auditEvents"]["edges"]
    created = next(e["node"] for e in events if e["node"]["action"] == "deployment.created")
    assert created["detail"] == f"deployment 1 from a push ({A[:19]})"
    assert created["actorEmail"] == "push:shop-ci"

    await notify(envelope(push(name, "stable", B, at=T0.replace(hour=2))))
    assert [d["imageReference"].rsplit("@", 1)[1] for d in await deployments(api, app)] == [B, A]


async def test_an_app_without_deploy_on_push_is_not_deployed(api, followed, notify):
    project, app = followed
    changed = await api(
        UPDATE_APPLICATION, {"input": {"applicationId": app["id"], "deployOnPush": False}}
    )
    assert changed["updateApplication"]["application"]["deployOnPush"] is False

    await notify(envelope(push(f"{project['namespace']}/web", "stable", A)))

    assert await deployments(api, app) == []


async def test_deleting_a_tag_an_application_uses_is_refused_naming_it(api, followed, notify):
    project, _ = followed
    await notify(envelope(push(f"{project['namespace']}/web", "stable", A)))
    registry = default_registry(project)

    result = await api(
        DELETE_IMAGE_TAG,
        {
            "input": {
                "registryId": registry["id"],
                "repository": f"{project['namespace']}/web",
                "tag": "stable",
            }
        },
    )

    assert result["deleteImageTag"]["__typename"] == "ConflictError"
    assert "web" in result["deleteImageTag"]["message"]


async def test_with_force_the_registry_is_asked_and_its_silence_deletes_nothing(
    api, followed, notify
):
    project, _ = followed
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "stable", A)))
    variables = {
        "input": {
            "registryId": default_registry(project)["id"],
            "repository": name,
            "tag": "stable",
            "force": True,
        }
    }

    result = await api(DELETE_IMAGE_TAG, variables)

    # Its API is a closed port here: nothing is deleted from the index either.
    assert result["deleteImageTag"]["__typename"] == "RegistryUnreachableError"
    assert "Nothing was deleted" in result["deleteImageTag"]["message"]


async def test_only_admins_delete_tags(api, make_api, followed, notify):
    project, _ = followed
    bob = await make_api("bob@example.com")
    result = await bob(
        DELETE_IMAGE_TAG,
        {
            "input": {
                "registryId": default_registry(project)["id"],
                "repository": "x/y",
                "tag": "v1",
            }
        },
    )
    assert result["deleteImageTag"]["__typename"] in ("NotFoundError", "PermissionDeniedError")


async def test_a_build_app_deploys_a_push_from_ci_but_not_its_own_build_s_push(api, notify):
    project = await create_project(api, "Shop")
    app = await create_application(
        api,
        project["id"],
        name="api",
        region="eu-central",
        strategy="DOCKERFILE",
        deployOnPush=True,
    )
    name = f"{project['namespace']}/api"
    assert app["imageReference"].endswith(f"{name}:latest")

    await notify(envelope(push(name, "latest", A, actor="ci")))
    [deployment] = await Deployment.all()
    # It runs the digest CI pushed: a deployment that built again would push again.
    assert deployment.strategy is Strategy.PREBUILT_IMAGE
    assert deployment.image_reference.endswith(f"{name}@{A}")

    await notify(
        envelope(
            push(name, "latest", B, actor=f"deployment-{deployment.id}", at=T0.replace(hour=3))
        )
    )
    assert await Deployment.all().count() == 1
