"""The deploy hand-off end to end: a real registry (CNCF distribution) behind
our token endpoint, or a third-party one with htpasswd over TLS; a deploy
target claims the deployment over HTTP, and skopeo pulls (and for builds,
pushes) with exactly the `config.json` the claim handed over."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import bcrypt
import httpx
import pytest

from app import storage
from app.applications.models import Deployment
from tests.e2e.oci_image import blob, write_image
from tests.e2e.test_token_auth_e2e import (
    ACCESS_DENIED,
    LOGIN_REFUSED,
    assert_denied,
    project_credentials,
    push,
    skopeo,
)
from tests.graphql_documents import ADD_REGISTRY, CREATE_APPLICATION, DEPLOY_APPLICATION
from tests.servers import (
    Service,
    run_cli,
    running_tls_registry,
)
from tests.tls_material import CertificateAuthority

EU_HOST = "registry.eu-central.nodion.net"


def deploy_target(service: Service, name: str, region: str = "eu-central") -> dict[str, str]:
    made = run_cli(service.env, "admin", "create-deploy-target", name, "--region", region, "--json")
    assert made.returncode == 0, made.stderr
    printed = json.loads(made.stdout)
    assert printed["name"] == name and printed["token"].startswith("ndt_")
    return {"Authorization": f"Bearer {printed['token']}"}


def claim(service: Service, target: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{service.url}/deploy/v1/deployments/claim", headers=target, timeout=10)


def report(service: Service, target: dict[str, str], number: int, status: str) -> int:
    url = f"{service.url}/deploy/v1/deployments/{number}/status"
    return httpx.post(url, json={"status": status}, headers=target, timeout=10).status_code


def authfile(config: dict, path: Path, *, serve_as: str | None = None) -> Path:
    """The handed-over config.json, as the target writes it. `serve_as`: the
    registry's test address, standing in for what DNS would give the target
    for the managed hostname (the credential itself is used as handed over)."""
    auths = config["auths"]
    if serve_as is not None:
        auths = {serve_as: auths[EU_HOST]}
    path.write_text(json.dumps({"auths": auths}))
    return path


def with_authfile(file: Path, *args: str):
    return skopeo("--authfile", str(file), *args)


def create_app(service: Service, project_id: str, **fields) -> dict:
    variables = {"input": {"projectId": project_id, **fields}}
    result = service.graphql(CREATE_APPLICATION, variables=variables)
    assert result["createApplication"]["__typename"] == "CreateApplicationSuccess", result
    return result["createApplication"]["application"]


def project_id_of(service: Service, namespace: str) -> str:
    edges = service.graphql("{ projects(first: 50) { edges { node { id namespace } } } }")
    return next(
        e["node"]["id"] for e in edges["projects"]["edges"] if e["node"]["namespace"] == namespace
    )


def expire(database_url: str, number: int) -> None:
    async def run() -> None:
        await storage.connect(database_url)
        try:
            await Deployment.filter(id=number).update(
                credential_expires_at=datetime.now(UTC) - timedelta(seconds=1)
            )
        finally:
            await storage.disconnect()

    asyncio.run(run())


def lose_lease(database_url: str, number: int) -> None:
    """The holder stopped renewing: its lease ends now (tests/applications/
    test_lease_processes.py shows a killed target getting there by itself)."""

    async def run() -> None:
        await storage.connect(database_url)
        try:
            await Deployment.filter(id=number).update(
                lease_expires_at=datetime.now(UTC) - timedelta(seconds=1)
            )
        finally:
            await storage.disconnect()

    asyncio.run(run())


def test_a_lost_lease_hands_the_work_on_and_the_first_credential_stops_working(
    service, eu_registry, tmp_path, database_url
):
    alice = project_credentials(service, "Lease Shop")
    write_image(tmp_path / "image", "1", b"leased\n")
    target_ref = f"{eu_registry}/{alice.namespace}/app:1"
    assert push(tmp_path / "image", alice.creds, target_ref).returncode == 0
    app = create_app(
        service,
        project_id_of(service, alice.namespace),
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="app",
        tag="1",
    )
    service.graphql(DEPLOY_APPLICATION, variables={"id": app["id"]})
    dead, alive = deploy_target(service, "eu-dead"), deploy_target(service, "eu-alive")
    first = claim(service, dead).json()
    number = first["deployment"]["number"]
    source = first["deployment"]["imageReference"].replace(EU_HOST, eu_registry)
    first_file = authfile(first["dockerConfig"], tmp_path / "first.json", serve_as=eu_registry)
    pulled = with_authfile(
        first_file, "--src-tls-verify=false", f"docker://{source}", f"oci:{tmp_path / 'a'}:1"
    )
    assert pulled.returncode == 0, pulled.stderr

    lose_lease(database_url, number)
    second = claim(service, alive).json()

    assert second["deployment"]["number"] == number  # the same work, handed on
    stale = with_authfile(
        first_file, "--src-tls-verify=false", f"docker://{source}", f"oci:{tmp_path / 'b'}:1"
    )
    assert_denied(stale, LOGIN_REFUSED)
    second_file = authfile(second["dockerConfig"], tmp_path / "second.json", serve_as=eu_registry)
    fresh = with_authfile(
        second_file, "--src-tls-verify=false", f"docker://{source}", f"oci:{tmp_path / 'c'}:1"
    )
    assert fresh.returncode == 0, fresh.stderr
    assert report(service, dead, number, "SUCCEEDED") == 409  # the late report of the old holder
    assert report(service, alive, number, "SUCCEEDED") == 200


def test_a_prebuilt_image_from_the_nodion_registry(service, eu_registry, tmp_path, database_url):
    alice = project_credentials(service, "Alice Shop")
    bob = project_credentials(service, "Bob Shop")
    layer = write_image(tmp_path / "image", "1", b"alice's app\n")
    assert (
        push(tmp_path / "image", alice.creds, f"{eu_registry}/{alice.namespace}/app:1").returncode
        == 0
    )
    assert (
        push(tmp_path / "image", bob.creds, f"{eu_registry}/{bob.namespace}/app:1").returncode == 0
    )

    # No registry chosen: the region's Nodion registry is picked.
    app = create_app(
        service,
        project_id_of(service, alice.namespace),
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="app",
        tag="1",
    )
    assert app["registry"]["hostname"] == EU_HOST
    assert app["imageReference"] == f"{EU_HOST}/{alice.namespace}/app:1"
    for _ in range(2):
        service.graphql(DEPLOY_APPLICATION, variables={"id": app["id"]})

    assert claim(service, deploy_target(service, "us-1", "us-east")).status_code == 204
    target = deploy_target(service, "eu-1")
    first, second = claim(service, target).json(), claim(service, target).json()
    assert claim(service, target).status_code == 204  # nothing left
    file = authfile(first["dockerConfig"], tmp_path / "auth.json", serve_as=eu_registry)
    source = first["deployment"]["imageReference"].replace(EU_HOST, eu_registry)

    pulled = with_authfile(
        file, "--src-tls-verify=false", f"docker://{source}", f"oci:{tmp_path / 'pulled'}:1"
    )
    assert pulled.returncode == 0, pulled.stderr
    assert blob(tmp_path / "pulled", layer) == blob(tmp_path / "image", layer)
    cannot_push = with_authfile(
        file,
        "--dest-tls-verify=false",
        f"oci:{tmp_path / 'image'}:1",
        f"docker://{eu_registry}/{alice.namespace}/app:2",
    )
    assert_denied(cannot_push, ACCESS_DENIED)
    not_bobs = with_authfile(
        file,
        "--src-tls-verify=false",
        f"docker://{eu_registry}/{bob.namespace}/app:1",
        f"oci:{tmp_path / 'bob'}:1",
    )
    assert_denied(not_bobs, ACCESS_DENIED)

    assert report(service, target, first["deployment"]["number"], "SUCCEEDED") == 200
    after_report = with_authfile(
        file, "--src-tls-verify=false", f"docker://{source}", f"oci:{tmp_path / 'again'}:1"
    )
    assert_denied(after_report, LOGIN_REFUSED)

    expire(database_url, second["deployment"]["number"])
    second_file = authfile(second["dockerConfig"], tmp_path / "second.json", serve_as=eu_registry)
    expired = with_authfile(
        second_file, "--src-tls-verify=false", f"docker://{source}", f"oci:{tmp_path / 'late'}:1"
    )
    assert_denied(expired, LOGIN_REFUSED)


def test_a_dockerfile_build_pushes_to_its_own_repository_only(service, eu_registry, tmp_path):
    alice = project_credentials(service, "Alice Shop")
    app = create_app(
        service,
        project_id_of(service, alice.namespace),
        name="web",
        region="eu-central",
        strategy="DOCKERFILE",
    )
    service.graphql(DEPLOY_APPLICATION, variables={"id": app["id"]})
    body = claim(service, deploy_target(service, "eu-1")).json()
    assert body["deployment"]["imageReference"] == f"{EU_HOST}/{alice.namespace}/web:latest"
    file = authfile(body["dockerConfig"], tmp_path / "auth.json", serve_as=eu_registry)
    write_image(tmp_path / "built", "1", b"built by the target\n")

    def push_to(repository: str):
        return with_authfile(
            file,
            "--dest-tls-verify=false",
            f"oci:{tmp_path / 'built'}:1",
            f"docker://{eu_registry}/{repository}:latest",
        )

    assert push_to(f"{alice.namespace}/web").returncode == 0
    assert_denied(push_to(f"{alice.namespace}/api"), ACCESS_DENIED)
    assert_denied(push_to("library/web"), ACCESS_DENIED)


@pytest.fixture
def htpasswd_registry(tmp_path) -> Iterator[tuple[str, str]]:
    ca = CertificateAuthority.create("test CA")
    cert, key = ca.issue_server_certificate(tmp_path / "tls")
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text(f"ci:{bcrypt.hashpw(b'pull-secret-0001', bcrypt.gensalt()).decode()}\n")
    auth = f"  htpasswd:\n    realm: test\n    path: {json.dumps(str(htpasswd))}\n"
    with running_tls_registry(tmp_path / "custom", cert, key, auth) as address:
        yield address, ca.pem


def test_a_custom_registry_gets_its_stored_credentials(service, htpasswd_registry, tmp_path):
    address, ca_pem = htpasswd_registry
    layer = write_image(tmp_path / "image", "1", b"vendored product\n")
    pushed = skopeo(
        "--dest-creds",
        "ci:pull-secret-0001",
        "--dest-tls-verify=false",
        f"oci:{tmp_path / 'image'}:1",
        f"docker://{address}/team/app:1",
    )
    assert pushed.returncode == 0, pushed.stderr
    project = service.graphql(
        'mutation { createProject(input: {name: "Vendor"}) { ... on CreateProjectSuccess {'
        " project { id } } } }"
    )["createProject"]["project"]
    added = service.graphql(
        ADD_REGISTRY,
        variables={
            "input": {
                "projectId": project["id"],
                "type": "CUSTOM",
                "hostname": address,
                "username": "ci",
                "token": "pull-secret-0001",
                "caCertificate": ca_pem,
                "verify": False,
            }
        },
    )["addRegistry"]
    app = create_app(
        service,
        project["id"],
        name="product",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="team/app:1",
        containerRegistryId=added["registry"]["id"],
    )
    assert app["imageReference"] == f"{address}/team/app:1"
    service.graphql(DEPLOY_APPLICATION, variables={"id": app["id"]})

    body = claim(service, deploy_target(service, "eu-1")).json()
    file = authfile(body["dockerConfig"], tmp_path / "auth.json")
    pulled = with_authfile(
        file,
        "--src-tls-verify=false",
        f"docker://{body['deployment']['imageReference']}",
        f"oci:{tmp_path / 'pulled'}:1",
    )
    assert pulled.returncode == 0, pulled.stderr
    assert blob(tmp_path / "pulled", layer) == blob(tmp_path / "image", layer)
    anonymous = skopeo(
        "--src-no-creds",
        "--src-tls-verify=false",
        f"docker://{address}/team/app:1",
        f"oci:{tmp_path / 'anon'}:1",
    )
    assert anonymous.returncode != 0  # the registry really needs the handed-over credentials
