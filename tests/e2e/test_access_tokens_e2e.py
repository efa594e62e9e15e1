"""Access tokens with a real registry (CNCF distribution) and skopeo: scopes,
rotation under a grace period, revocation, expiry.

Expiry in seconds: the service runs with NODION_REGISTRY_TOKEN_MIN_EXPIRES_IN=1,
a test-only lower bound on `expiresIn` (300 s otherwise), so a token can be made
to stop within seconds; the clock is the real one."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.oci_image import write_image
from tests.e2e.test_token_auth_e2e import (
    ACCESS_DENIED,
    LOGIN_REFUSED,
    assert_denied,
    pull,
    push,
)
from tests.graphql_documents import (
    CREATE_REGISTRY_TOKEN,
    REVOKE_REGISTRY_TOKEN,
    ROTATE_REGISTRY_TOKEN,
)
from tests.servers import Service, running_registry, running_service

CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  ... on CreateProjectSuccess { project { id namespace registries { id region isDefault } } } } }"""


@pytest.fixture
def service(tmp_path: Path, database_url: str) -> Iterator[Service]:
    with running_service(
        tmp_path / "service", database_url, NODION_REGISTRY_TOKEN_MIN_EXPIRES_IN="1"
    ) as running:
        yield running


@pytest.fixture
def eu_registry(service: Service, tmp_path: Path) -> Iterator[str]:
    with running_registry(service, "eu-central", tmp_path / "eu") as address:
        yield address


class Registry:
    """The project's eu-central Nodion registry, through the API."""

    def __init__(self, service: Service, address: str) -> None:
        self.service = service
        project = service.graphql(CREATE, variables={"name": "Tokens"})["createProject"]["project"]
        self.namespace = project["namespace"]
        self.id = next(
            r["id"] for r in project["registries"] if r["region"] == "eu-central" and r["isDefault"]
        )
        self.target = f"{address}/{self.namespace}/app:1"

    def create(self, name: str, scope: str, expires_in: int | None = None) -> tuple[str, str]:
        """(token id, user:token for skopeo)"""
        fields = {"registryId": self.id, "name": name, "scope": scope, "expiresIn": expires_in}
        made = self.service.graphql(CREATE_REGISTRY_TOKEN, variables={"input": fields})
        result = made["createRegistryToken"]
        assert result["__typename"] == "CreateRegistryTokenSuccess", result
        credentials = result["credentials"]
        return result["token"]["id"], f"{credentials['username']}:{credentials['token']}"

    def rotate(self, token_id: str, grace_period: int) -> tuple[str, str, str]:
        """(new token id, user:token, when the old one stops)"""
        variables = {"input": {"tokenId": token_id, "gracePeriod": grace_period}}
        result = self.service.graphql(ROTATE_REGISTRY_TOKEN, variables=variables)
        rotated = result["rotateRegistryToken"]
        assert rotated["__typename"] == "RotateRegistryTokenSuccess", rotated
        credentials = rotated["credentials"]
        return (
            rotated["token"]["id"],
            f"{credentials['username']}:{credentials['token']}",
            rotated["replaced"]["expiresAt"],
        )

    def revoke(self, token_id: str) -> None:
        result = self.service.graphql(REVOKE_REGISTRY_TOKEN, variables={"id": token_id})
        assert result["revokeRegistryToken"]["__typename"] == "RevokeRegistryTokenSuccess"


def wait_until(deadline: float) -> None:
    time.sleep(max(0.0, deadline - time.time()) + 1.1)  # past it, by more than a second


def test_a_pull_token_pulls_and_cannot_push(service, eu_registry, tmp_path):
    registry = Registry(service, eu_registry)
    _, push_creds = registry.create("ci", "PUSH")
    _, pull_creds = registry.create("deploys", "PULL")
    write_image(tmp_path / "image", "1", b"pull only\n")

    pushed = push(tmp_path / "image", push_creds, registry.target)
    pulled = pull(registry.target, pull_creds, tmp_path / "pulled")
    pull_pushes = push(tmp_path / "image", pull_creds, registry.target)

    assert pushed.returncode == 0, pushed.stderr
    assert pulled.returncode == 0, pulled.stderr
    assert_denied(pull_pushes, ACCESS_DENIED)


def test_rotation_grace_then_revocation(service, eu_registry, tmp_path):
    registry = Registry(service, eu_registry)
    old_id, old_creds = registry.create("ci", "PUSH")
    write_image(tmp_path / "image", "1", b"rotate me\n")
    assert push(tmp_path / "image", old_creds, registry.target).returncode == 0

    started = time.time()
    new_id, new_creds, old_stops = registry.rotate(old_id, 8)

    # During the grace period both push.
    for creds in (old_creds, new_creds):
        pushed = push(tmp_path / "image", creds, registry.target)
        assert pushed.returncode == 0, pushed.stderr
    assert time.time() < started + 8, "the pushes took longer than the grace period"
    # After it, only the new one.
    wait_until(started + 8)
    assert_denied(push(tmp_path / "image", old_creds, registry.target), LOGIN_REFUSED)
    assert push(tmp_path / "image", new_creds, registry.target).returncode == 0
    assert old_stops is not None

    registry.revoke(new_id)

    assert_denied(pull(registry.target, new_creds, tmp_path / "after"), LOGIN_REFUSED)


def test_a_token_stops_at_its_expiry(service, eu_registry, tmp_path):
    registry = Registry(service, eu_registry)
    started = time.time()
    _, creds = registry.create("short", "PUSH", expires_in=6)
    write_image(tmp_path / "image", "1", b"short-lived\n")

    pushed = push(tmp_path / "image", creds, registry.target)
    assert pushed.returncode == 0, pushed.stderr
    assert time.time() < started + 6, "the push took longer than the token lives"

    wait_until(started + 6)
    assert_denied(push(tmp_path / "image", creds, registry.target), LOGIN_REFUSED)


@pytest.mark.parametrize("revoked_by", ["the token's ID", "its previous secret's ID"])
def test_revoking_a_rotated_token_stops_both_of_its_secrets(
    service, eu_registry, tmp_path, revoked_by
):
    """Issue 30: revoking `deploys` after a rotation left the secret in its grace
    period pulling until a second revoke. A token is one thing, however many
    secrets it has during a rotation."""
    registry = Registry(service, eu_registry)
    _, pusher = registry.create("ci", "PUSH")
    old_id, old_creds = registry.create("deploys", "PULL")
    write_image(tmp_path / "image", "1", b"revoke the token, not a secret\n")
    assert push(tmp_path / "image", pusher, registry.target).returncode == 0
    new_id, new_creds, _ = registry.rotate(old_id, 3600)
    for number, creds in enumerate((old_creds, new_creds)):  # both work, and are kept
        pulled = pull(registry.target, creds, tmp_path / f"before-{number}")
        assert pulled.returncode == 0, pulled.stderr

    registry.revoke(new_id if revoked_by == "the token's ID" else old_id)

    for number, creds in enumerate((old_creds, new_creds)):
        assert_denied(pull(registry.target, creds, tmp_path / f"after-{number}"), LOGIN_REFUSED)
    assert pull(registry.target, pusher, tmp_path / "other").returncode == 0  # only that token
