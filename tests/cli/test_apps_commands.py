"""`nodion apps …` against the service under uvicorn: the installed executable,
the applications API over HTTP."""

from __future__ import annotations

from collections.abc import Callable

from app.cli.errors import ExitCode
from tests.cli.user_cli import UserCli
from tests.graphql_documents import CREATE_APPLICATION
from tests.servers import Service

NGINX = ["--strategy", "prebuilt_image", "--image", "nginx", "--tag", "1.27"]


def test_a_prebuilt_image_without_a_registry_uses_the_regions_nodion_registry(
    logged_in: UserCli,
):
    project = logged_in.ok("projects", "create", "Shop", "--json").json()

    shown = logged_in.ok(
        "apps", "create", "web", "--project", "Shop", "--region", "eu-central", *NGINX
    )
    as_json = logged_in.ok(
        "apps", "create", "api", "--project", "Shop", "--region", "us-east", *NGINX, "--json"
    ).json()

    assert (
        "No --container-registry given: using the Nodion registry of eu-central, "
        "registry.eu-central.nodion.net." in shown.stdout
    )
    assert f"registry.eu-central.nodion.net/{project['namespace']}/nginx:1.27" in shown.stdout
    assert as_json["registry"]["hostname"] == "registry.us-east.nodion.net"
    assert as_json["registry"]["isDefault"] is True
    assert as_json["imageReference"] == (
        f"registry.us-east.nodion.net/{project['namespace']}/nginx:1.27"
    )
    assert as_json["strategy"] == "PREBUILT_IMAGE"
    assert as_json["project"] == {"id": project["id"], "name": "Shop"}


def test_an_app_from_a_named_third_party_registry(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    logged_in.ok("registries", "add", "--project", "Shop", "--type", "docker-hub", "--no-verify")

    app = logged_in.ok(
        "apps",
        "create",
        "web",
        "--project",
        "Shop",
        "--region",
        "eu-central",
        "--container-registry",
        "docker.io",
        *NGINX,
        "--json",
    ).json()

    assert app["registry"]["hostname"] == "docker.io"
    assert app["imageReference"].endswith("nginx:1.27")


def test_a_bad_image_exits_with_the_apis_message(
    logged_in: UserCli, cli_service: Service, new_token: Callable[[], str]
):
    project = logged_in.ok("projects", "create", "Shop", "--json").json()
    bad = ["--strategy", "prebuilt_image", "--image", "Not An Image!", "--tag", "1"]

    result = logged_in("apps", "create", "web", "--project", "Shop", "--region", "eu-central", *bad)
    api = cli_service.graphql(
        CREATE_APPLICATION,
        logged_in.token,
        {
            "input": {
                "projectId": project["id"],
                "name": "web",
                "region": "eu-central",
                "strategy": "PREBUILT_IMAGE",
                "image": "Not An Image!",
                "tag": "1",
            }
        },
    )["createApplication"]

    assert result.code == ExitCode.REFUSED, result
    assert api["__typename"] == "ValidationError"
    assert result.stderr.startswith(f"error: {api['message']}")
    assert logged_in.ok("apps", "list", "--project", "Shop", "--json").json() == []


def test_deploy_and_list_deployments(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    app = logged_in.ok(
        "apps", "create", "web", "--project", "Shop", "--region", "eu-central", *NGINX, "--json"
    ).json()

    first = logged_in.ok("apps", "deploy", "web", "--json").json()
    second = logged_in.ok("apps", "deploy", app["id"], "--tag", "1.28", "--json").json()
    table = logged_in.ok("apps", "deployments", "web", "--project", "Shop")
    rows = logged_in.ok("apps", "deployments", "web", "--json").json()
    listed = logged_in.ok("apps", "list", "--project", "Shop", "--json").json()

    assert first["status"] == "PENDING"
    assert first["imageReference"].endswith("/nginx:1.27")
    assert second["imageReference"].endswith("/nginx:1.28")
    assert [row["id"] for row in rows] == [second["id"], first["id"]]  # newest first
    assert table.stdout.splitlines()[0].split()[:3] == ["STATUS", "IMAGE", "CREATED"]
    assert [a["name"] for a in listed] == ["web"]


def test_an_unknown_app_is_not_found(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")

    result = logged_in("apps", "deploy", "nope")

    assert result.code == ExitCode.NOT_FOUND
    assert "no app named 'nope'" in result.stderr
