"""Applications through the API, as the dashboard and the CLI use them."""

from __future__ import annotations

import pytest

from app.applications.models import Application, Deployment
from app.audit.models import AuditEvent
from tests.graphql_documents import (
    ADD_REGISTRY,
    CREATE_APPLICATION,
    DEPLOY_APPLICATION,
    REMOVE_APPLICATION,
    REMOVE_REGISTRY,
    UPDATE_APPLICATION,
    create_application,
    create_project,
    deploy_application,
)

DIGEST = "sha256:" + "ab" * 32


async def add_docker_hub(api, project_id: str) -> dict:
    result = await api(
        ADD_REGISTRY,
        {"input": {"projectId": project_id, "type": "DOCKER_HUB", "verify": False}},
    )
    return result["addRegistry"]["registry"]


async def test_a_prebuilt_image_without_a_registry_uses_the_regions_nodion_registry(api):
    project = await create_project(api, "Shop")
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="nginx",
        tag="1.27",
    )
    eu = next(r for r in project["registries"] if r["region"] == "eu-central")
    assert app["registry"]["id"] == eu["id"]
    assert app["image"] == "shop/nginx"  # a Nodion registry holds the project's namespace
    assert app["imageReference"] == "registry.eu-central.nodion.net/shop/nginx:1.27"


async def test_image_references_with_tags_digests_and_docker_hub_names(api):
    project = await create_project(api, "Shop")
    hub = await add_docker_hub(api, project["id"])
    cases = [
        ({"image": "nginx"}, "docker.io/library/nginx:latest"),
        ({"image": "nginx:1.27"}, "docker.io/library/nginx:1.27"),
        ({"image": "team/app", "tag": "v2"}, "docker.io/team/app:v2"),
        ({"image": f"team/app@{DIGEST}"}, f"docker.io/team/app@{DIGEST}"),
    ]
    for number, (fields, reference) in enumerate(cases):
        app = await create_application(
            api,
            project["id"],
            name=f"app-{number}",
            region="us-east",
            strategy="PREBUILT_IMAGE",
            containerRegistryId=hub["id"],
            **fields,
        )
        assert app["imageReference"] == reference


async def test_builds_push_to_the_namespace_in_the_regions_nodion_registry(api):
    project = await create_project(api, "Shop")
    for strategy in ("DOCKERFILE", "BUILDPACKS"):
        name = strategy.lower()
        app = await create_application(
            api, project["id"], name=name, region="us-east", strategy=strategy
        )
        assert app["imageReference"] == f"registry.us-east.nodion.net/shop/{name}:latest"
        assert app["registry"]["type"] == "NODION"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "Web"}, "name"),
        ({"name": "-web"}, "name"),
        ({"name": "w" * 64}, "name"),
        ({"region": "mars-1"}, "region"),
        ({"image": None}, "image"),
        ({"image": "Nginx"}, "image"),
        ({"image": "ghcr.io/team/app"}, "image"),
        ({"image": "nginx:1.27", "tag": "1.26"}, "tag"),
        ({"image": "nginx", "tag": "bad tag"}, "tag"),
        ({"image": "nginx@sha256:short"}, "image"),
        ({"image": "x" * 100_000}, "image"),
        ({"strategy": "DOCKERFILE", "image": "nginx"}, "image"),
    ],
)
async def test_bad_input_is_a_validation_error_that_names_the_field_and_stores_nothing(
    api, fields, field
):
    project = await create_project(api, "Shop")
    base = {"name": "web", "region": "eu-central", "strategy": "PREBUILT_IMAGE", "image": "nginx"}
    result = await api(
        CREATE_APPLICATION, {"input": {"projectId": project["id"], **base, **fields}}
    )
    answer = result["createApplication"]
    assert answer["__typename"] == "ValidationError", answer
    assert answer["field"] == field
    assert await Application.all().count() == 0


async def test_registries_of_other_projects_and_regions(api, make_api):
    project = await create_project(api, "Shop")
    other = await create_project(await make_api("bob@example.com"), "Other")
    base = {"name": "web", "region": "eu-central", "strategy": "PREBUILT_IMAGE", "image": "x"}

    foreign = other["registries"][0]["id"]
    result = await api(
        CREATE_APPLICATION,
        {"input": {"projectId": project["id"], **base, "containerRegistryId": foreign}},
    )
    assert result["createApplication"]["__typename"] == "NotFoundError"

    us_east = next(r for r in project["registries"] if r["region"] == "us-east")["id"]
    result = await api(
        CREATE_APPLICATION,
        {"input": {"projectId": project["id"], **base, "containerRegistryId": us_east}},
    )
    assert result["createApplication"] == {
        "__typename": "ValidationError",
        "message": result["createApplication"]["message"],
        "field": "containerRegistryId",
    }
    assert "us-east" in result["createApplication"]["message"]


async def test_names_are_unique_per_project(api, make_api):
    project = await create_project(api, "Shop")
    fields = {"name": "web", "region": "eu-central", "strategy": "DOCKERFILE"}
    await create_application(api, project["id"], **fields)
    result = await api(CREATE_APPLICATION, {"input": {"projectId": project["id"], **fields}})
    assert result["createApplication"]["field"] == "name"
    bob = await make_api("bob@example.com")
    other = await create_project(bob, "Other")
    again = await create_application(bob, other["id"], **fields)  # another project may
    assert again["name"] == "web"


async def test_update_and_remove(api):
    project = await create_project(api, "Shop")
    hub = await add_docker_hub(api, project["id"])
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="nginx:1.26",
    )
    updated = (
        await api(
            UPDATE_APPLICATION,
            {
                "input": {
                    "applicationId": app["id"],
                    "containerRegistryId": hub["id"],
                    "image": "nginx",
                    "tag": "1.27",
                }
            },
        )
    )["updateApplication"]["application"]
    assert updated["imageReference"] == "docker.io/library/nginx:1.27"
    pinned = (
        await api(
            UPDATE_APPLICATION, {"input": {"applicationId": app["id"], "image": f"nginx@{DIGEST}"}}
        )
    )["updateApplication"]["application"]
    assert pinned["imageReference"] == f"docker.io/library/nginx@{DIGEST}"

    removed = (await api(REMOVE_APPLICATION, {"id": app["id"]}))["removeApplication"]
    assert removed["__typename"] == "RemoveApplicationSuccess"
    assert removed["project"]["applications"] == []
    actions = await AuditEvent.filter(target_type="Application").values_list("action", flat=True)
    assert sorted(actions) == [
        "application.created",
        "application.removed",
        "application.updated",
        "application.updated",
    ]


async def test_a_registry_in_use_cannot_be_removed(api):
    project = await create_project(api, "Shop")
    hub = await add_docker_hub(api, project["id"])
    await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="nginx",
        containerRegistryId=hub["id"],
    )
    result = (await api(REMOVE_REGISTRY, {"id": hub["id"]}))["removeRegistry"]
    assert result["__typename"] == "ConflictError"
    assert "web" in result["message"]


async def test_deploy_fixes_the_reference_and_lists_newest_first(api):
    project = await create_project(api, "Shop")
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="nginx",
        tag="1.26",
    )
    first = await deploy_application(api, app["id"])
    second = await deploy_application(api, app["id"], tag="1.27")
    assert first["status"] == "PENDING"
    assert first["imageReference"] == "registry.eu-central.nodion.net/shop/nginx:1.26"
    assert second["imageReference"] == "registry.eu-central.nodion.net/shop/nginx:1.27"
    await api(UPDATE_APPLICATION, {"input": {"applicationId": app["id"], "tag": "2.0"}})

    data = await api(
        """query($id: ID!) { node(id: $id) { ... on Application {
             deployments(first: 5) { edges { node { id imageReference } } } } } }""",
        {"id": app["id"]},
    )
    listed = [edge["node"] for edge in data["node"]["deployments"]["edges"]]
    assert [d["id"] for d in listed] == [second["id"], first["id"]]
    assert listed[1]["imageReference"].endswith(":1.26")  # fixed at creation
    assert await Deployment.all().count() == 2


async def test_viewers_read_but_cannot_create_or_deploy(api, make_api):
    project = await create_project(api, "Shop")
    app = await create_application(
        api, project["id"], name="web", region="eu-central", strategy="DOCKERFILE"
    )
    viewer = await make_api("viewer@example.com")
    await api(
        """mutation($p: ID!) { addProjectMember(input: {projectId: $p, email: "viewer@example.com",
             role: VIEWER}) { __typename } }""",
        {"p": project["id"]},
    )
    result = await viewer(
        CREATE_APPLICATION,
        {
            "input": {
                "projectId": project["id"],
                "name": "api",
                "region": "eu-central",
                "strategy": "DOCKERFILE",
            }
        },
    )
    assert result["createApplication"]["__typename"] == "PermissionDeniedError"
    deployed = await viewer(
        "mutation($id: ID!) { deployApplication(applicationId: $id) { __typename } }",
        {"id": app["id"]},
    )
    assert deployed["deployApplication"]["__typename"] == "PermissionDeniedError"
    seen = await viewer(
        "query($id: ID!) { node(id: $id) { ... on Application { name } } }", {"id": app["id"]}
    )
    assert seen["node"] == {"name": "web"}


async def test_other_users_see_nothing(api, make_api):
    project = await create_project(api, "Shop")
    app = await create_application(
        api, project["id"], name="web", region="eu-central", strategy="DOCKERFILE"
    )
    deployment = await deploy_application(api, app["id"])
    stranger = await make_api("mallory@example.com")
    for node_id in (app["id"], deployment["id"]):
        data = await stranger("query($id: ID!) { node(id: $id) { id } }", {"id": node_id})
        assert data["node"] is None
    result = await stranger(
        "mutation($id: ID!) { deployApplication(applicationId: $id) { __typename } }",
        {"id": app["id"]},
    )
    assert result["deployApplication"]["__typename"] == "NotFoundError"


async def test_deploy_refuses_bad_tags_and_ids_and_queues_nothing(api):
    project = await create_project(api, "Shop")
    app = await create_application(
        api, project["id"], name="web", region="eu-central", strategy="DOCKERFILE"
    )
    for tag in ("bad tag", "-x", "t" * 129, "ünïcode", "a\x00b"):
        result = (await api(DEPLOY_APPLICATION, {"id": app["id"], "tag": tag}))["deployApplication"]
        assert result["__typename"] == "ValidationError", tag
        assert result["field"] == "tag"
    for bad_id in (project["id"], "QXBwbGljYXRpb246OTk5OTk5OTk5OTk5", "garbage", "x" * 10_000):
        result = (await api(DEPLOY_APPLICATION, {"id": bad_id}))["deployApplication"]
        assert result["__typename"] == "NotFoundError", bad_id
    assert await Deployment.all().count() == 0


async def test_rotating_the_nodion_registry_moves_build_apps_along(api):
    project = await create_project(api, "Shop")
    old = next(r for r in project["registries"] if r["region"] == "eu-central")
    build = await create_application(
        api, project["id"], name="web", region="eu-central", strategy="DOCKERFILE"
    )
    prebuilt = await create_application(
        api,
        project["id"],
        name="cache",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="redis",
    )
    fresh = (
        await api(
            ADD_REGISTRY,
            {"input": {"projectId": project["id"], "type": "NODION", "region": "eu-central"}},
        )
    )["addRegistry"]["registry"]

    refused = (await api(REMOVE_REGISTRY, {"id": old["id"]}))["removeRegistry"]
    assert refused["__typename"] == "ConflictError"
    assert "cache" in refused["message"] and "web" not in refused["message"]
    assert build["registry"]["id"] == old["id"]  # nothing moved by the refused removal
    await api(
        UPDATE_APPLICATION,
        {"input": {"applicationId": prebuilt["id"], "containerRegistryId": fresh["id"]}},
    )
    removed = (await api(REMOVE_REGISTRY, {"id": old["id"]}))["removeRegistry"]
    assert removed["__typename"] == "RemoveRegistrySuccess"
    moved = await api(
        "query($id: ID!) { node(id: $id) { ... on Application {"
        " registry { id } imageReference } } }",
        {"id": build["id"]},
    )
    assert moved["node"]["registry"]["id"] == fresh["id"]
    assert moved["node"]["imageReference"] == "registry.eu-central.nodion.net/shop/web:latest"
