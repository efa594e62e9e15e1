"""`nodion images …` and `nodion apps … --deploy-on-push` against the service
under uvicorn. The registry's notifications are posted as a registry would,
with the region's secret; nothing here reaches a registry."""

from __future__ import annotations

import base64

import httpx

from app.cli.errors import ExitCode
from app.registries.images.event_secret import event_secret
from tests.cli.user_cli import UserCli
from tests.registries.images.events import ENVELOPE_TYPE, digest_of, envelope, push
from tests.servers import Service

A = digest_of("cli-a")


def notify(service: Service, body: dict) -> None:
    pepper = base64.b64decode(service.env["NODION_TOKEN_PEPPER"])
    response = httpx.post(
        f"{service.url}/registry/v1/events",
        json=body,
        headers={
            "Content-Type": ENVELOPE_TYPE,
            "Authorization": f"Bearer {event_secret(pepper, 'eu-central')}",
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text


def test_images_list_shows_pushed_tags_and_delete_refuses_one_in_use(
    logged_in: UserCli, cli_service: Service
):
    project = logged_in.ok("projects", "create", "Shop", "--json").json()
    namespace = project["namespace"]
    app = logged_in.ok(
        "apps",
        "create",
        "web",
        "--project",
        "Shop",
        "--region",
        "eu-central",
        "--strategy",
        "prebuilt_image",
        "--image",
        "web",
        "--tag",
        "stable",
        "--deploy-on-push",
        "--json",
    ).json()
    assert app["deployOnPush"] is True
    notify(cli_service, envelope(push(f"{namespace}/web", "stable", A, sizes=(1000, 1500))))

    listed = logged_in.ok("images", "list", "--project", "Shop")
    as_json = logged_in.ok(
        "images", "list", "--project", "Shop", "--repository", "web", "--json"
    ).json()
    deployments = logged_in.ok("apps", "deployments", "web", "--json").json()

    assert f"{namespace}/web" in listed.stdout and "stable" in listed.stdout
    assert A[:19] in listed.stdout and "2.5 KB" in listed.stdout
    assert as_json[0]["tags"]["edges"][0]["node"]["digest"] == A
    assert [d["imageReference"] for d in deployments] == [
        f"registry.eu-central.nodion.net/{namespace}/web@{A}"
    ]
    refused = logged_in(
        "images", "delete", f"{namespace}/web:stable", "--project", "Shop", "--region", "eu-central"
    )
    assert refused.code == ExitCode.REFUSED, refused.stderr
    assert "in use by application web" in refused.stderr
    missing = logged_in(
        "images", "delete", f"{namespace}/web:nope", "--project", "Shop", "--region", "eu-central"
    )
    assert missing.code == ExitCode.NOT_FOUND, missing.stderr


def test_apps_update_switches_deploy_on_push(logged_in: UserCli):
    logged_in.ok("projects", "create", "Shop")
    logged_in.ok(
        "apps",
        "create",
        "web",
        "--project",
        "Shop",
        "--region",
        "eu-central",
        "--strategy",
        "prebuilt_image",
        "--image",
        "nginx",
    )

    on = logged_in.ok("apps", "update", "web", "--deploy-on-push", "--json").json()
    shown = logged_in.ok("apps", "update", "web", "--no-deploy-on-push", "--tag", "1.27")

    assert on["deployOnPush"] is True
    assert "Deploy on push  no" in shown.stdout or "Deploy on push: no" in shown.stdout, (
        shown.stdout
    )
    assert ":1.27" in shown.stdout
