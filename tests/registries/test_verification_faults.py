"""Verification against servers that are not registries, or misbehave
(in-process servers on loopback, reachable through the allowlist)."""

from __future__ import annotations

import time

import pytest

from app.registries.models import Registry, RegistryType
from app.registries.providers import PROVIDERS
from app.registries.v2_client import RegistryClient
from app.security.crypto import KeyRing, generate_key_entry
from app.security.outbound import Outbound, parse_networks
from tests.graphql_documents import (
    ADD_REGISTRY,
    CHECK_IMAGE,
    VERIFY_REGISTRY,
    add_unverified,
    create_project,
    default_registry,
)
from tests.registries.conftest import add_custom
from tests.registries.fake_servers import http_server, silent_server, tls_context
from tests.tls_material import CertificateAuthority


@pytest.fixture
def allowed_networks() -> str:
    return "127.0.0.0/8"


@pytest.fixture
def server_tls(ca, tmp_path):
    return tls_context(*ca.issue_server_certificate(tmp_path / "tls"))


@pytest.mark.parametrize(
    "reply",
    [
        (404, {"Content-Type": "text/plain"}, b"404 page not found"),
        (200, {"Content-Type": "text/html"}, b"<html><body>Welcome to nginx!</body></html>"),
        (401, {"WWW-Authenticate": "Negotiate"}, b""),
    ],
    ids=["404", "html", "odd-challenge"],
)
async def test_a_web_server_is_not_a_registry(api, ca, server_tls, reply):
    async with http_server("127.0.0.1", lambda method, path, headers: reply, server_tls) as web:
        result = await add_custom(api, web.address, ca.pem)

    assert result["__typename"] == "RegistryVerificationError"
    assert result["status"] == "NOT_A_REGISTRY"
    assert "check the hostname" in result["message"]
    assert web.connections  # it really was asked
    assert await Registry.filter(type="CUSTOM").count() == 0


async def test_a_server_that_never_answers_times_out_within_the_bound(api, ca, outbound):
    async with silent_server("127.0.0.1") as silent:
        started = time.monotonic()
        result = await add_custom(api, silent.address, ca.pem)
        elapsed = time.monotonic() - started

    assert result["status"] == "TIMEOUT"
    assert "did not answer within 3 seconds" in result["message"]
    # One timeout bounds the whole check: a second attempt, or a timeout per phase
    # (connect, then read), would wait at least twice as long.
    assert outbound.timeout <= elapsed < 2 * outbound.timeout


async def test_a_certificate_from_another_ca_is_a_tls_error(api, server_tls):
    other_ca = CertificateAuthority.create("someone else")

    def registry_reply(method, path, headers):
        return 200, {"Docker-Distribution-Api-Version": "registry/2.0"}, b"{}"

    async with http_server("127.0.0.1", registry_reply, server_tls) as registry:
        result = await add_custom(api, registry.address, other_ca.pem)

    assert result["status"] == "TLS_ERROR"
    assert "caCertificate" in result["message"]


async def test_a_registry_answer_with_the_right_ca_is_ok(api, ca, server_tls):
    def registry_reply(method, path, headers):
        return 200, {"Docker-Distribution-Api-Version": "registry/2.0"}, b"{}"

    async with http_server("127.0.0.1", registry_reply, server_tls) as registry:
        result = await add_custom(api, registry.address, ca.pem)

    assert result["__typename"] == "AddRegistrySuccess"
    assert result["registry"]["verificationStatus"] == "OK"


async def test_an_oversized_answer_is_cut_off(api, ca, server_tls, outbound):
    big = b"x" * (outbound.max_response_bytes + 10)
    async with http_server("127.0.0.1", lambda *request: (200, {}, big), server_tls) as web:
        result = await add_custom(api, web.address, ca.pem)

    assert result["status"] == "NOT_A_REGISTRY"
    assert "more than" in result["message"]


@pytest.mark.parametrize("pem", ["not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n"])
async def test_a_malformed_ca_certificate_is_a_validation_error(api, pem, resolver):
    result = await add_custom(api, "registry.example.com", pem)

    assert result["__typename"] == "ValidationError"
    assert "PEM" in result["message"]
    assert resolver.asked == []  # rejected before any network activity


async def test_verification_is_on_by_default_and_a_failure_stores_nothing(api, resolver):
    project = await create_project(api)

    result = await api(
        ADD_REGISTRY,
        {
            "input": {
                "projectId": project["id"],
                "type": "DOCKER_HUB",
                "username": "me",
                "token": "t0ken",
            }
        },
    )

    assert result["addRegistry"]["__typename"] == "RegistryVerificationError"
    assert result["addRegistry"]["status"] == "UNREACHABLE"
    # Docker Hub's API host, looked up by the test resolver (which never uses DNS).
    assert resolver.asked == ["registry-1.docker.io"]
    assert await Registry.filter(type="DOCKER_HUB").count() == 0


async def test_docker_hub_names_and_token_flow(ca, tmp_path):
    """docker.io is reached at registry-1.docker.io, a one-segment name means
    library/<name>, and the Bearer challenge is answered at its realm."""
    cert, key = ca.issue_server_certificate(
        tmp_path / "hub", ("registry-1.docker.io", "auth.docker.io")
    )
    seen: list[tuple[str, str]] = []

    def hub(method, path, headers):
        seen.append((method, path))
        if path.startswith("/token"):
            return 200, {"Content-Type": "application/json"}, b'{"token": "anonymous-token"}'
        if headers.get("authorization") != "Bearer anonymous-token":
            realm = f"https://auth.docker.io:{server.port}/token"
            challenge = f'Bearer realm="{realm}",service="registry.docker.io"'
            return 401, {"WWW-Authenticate": challenge}, b""
        return 200, {"Docker-Content-Digest": "sha256:" + "a" * 64}, b""

    async with http_server("127.0.0.1", hub, tls_context(cert, key)) as server:

        async def dns(host: str, port: int) -> list[str]:
            assert host in ("registry-1.docker.io", "auth.docker.io")
            return ["127.0.0.1"]

        outbound = Outbound(
            parse_networks("127.0.0.1/32"), timeout=3, max_response_bytes=65_536, resolver=dns
        )
        docker_hub = PROVIDERS[RegistryType.DOCKER_HUB]
        assert docker_hub.api_host_for("docker.io") == "registry-1.docker.io"
        # The fake answers on one port for both names; point the client at it.
        client = RegistryClient(outbound, f"registry-1.docker.io:{server.port}", None, ca.pem)
        outcome = await client.check_image(docker_hub.api_repository("docker.io", "nginx"), "1.27")

    assert outcome.status == "FOUND"
    assert outcome.digest == "sha256:" + "a" * 64
    assert seen == [
        ("HEAD", "/v2/library/nginx/manifests/1.27"),
        ("GET", "/token?service=registry.docker.io&scope=repository%3Alibrary%2Fnginx%3Apull"),
        ("HEAD", "/v2/library/nginx/manifests/1.27"),
    ]


async def test_viewers_cannot_run_checks_and_managed_registries_are_not_checked(
    api, make_api, resolver
):
    project = await create_project(api)
    hub = await add_unverified(api, project["id"], "GHCR")
    viewer = await make_api("viewer@example.com")
    await api(
        """mutation($p: ID!) { addProjectMember(input: {projectId: $p,
           email: "viewer@example.com", role: VIEWER}) { __typename } }""",
        {"p": project["id"]},
    )

    by_viewer = await viewer(VERIFY_REGISTRY, {"id": hub["registry"]["id"]})
    image_by_viewer = await viewer(
        CHECK_IMAGE, {"id": hub["registry"]["id"], "image": "app", "tag": "1"}
    )
    managed = await api(VERIFY_REGISTRY, {"id": default_registry(project)["id"]})

    assert by_viewer["verifyRegistry"]["__typename"] == "PermissionDeniedError"
    assert image_by_viewer["checkImage"]["__typename"] == "PermissionDeniedError"
    assert managed["verifyRegistry"]["__typename"] == "NotSupportedError"
    assert resolver.asked == []


async def test_credentials_no_key_decrypts_give_a_clear_error_and_no_connection(
    api, keys, resolver
):
    project = await create_project(api)
    hub = await add_unverified(api, project["id"], "DOCKER_HUB", username="me", token="t0ken")
    row = await Registry.get(type="DOCKER_HUB")
    lost_key = KeyRing.parse(generate_key_entry("lost"))
    row.token_ciphertext = lost_key.encrypt("t0ken", context=row.encryption_context)
    await row.save()

    result = await api(VERIFY_REGISTRY, {"id": hub["registry"]["id"]})

    assert result["verifyRegistry"]["__typename"] == "CredentialsUnreadableError"
    assert "restore the encryption key" in result["verifyRegistry"]["message"]
    assert resolver.asked == []
