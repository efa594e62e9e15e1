"""Access tokens with a real registry (CNCF distribution) and skopeo: scopes,
rotation under a grace period, revocation, expiry.

Expiry in seconds: the service runs with NODION_REGISTRY_TOKEN_MIN_EXPIRES_IN=1,
a test-only lower bound on `expiresIn` (300 s otherwise), so a token can be made
to stop within seconds; the clock is the real one."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
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

# Timestamps the service stores and the test's readings of the same clock may differ
# by rounding only; this much slack is far above that and far below any lifetime.
CLOCK_SLACK = 0.5
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

    def create(self, name: str, scope: str, expires_in: int | None = None) -> Token:
        fields = {"registryId": self.id, "name": name, "scope": scope, "expiresIn": expires_in}
        made = self.service.graphql(CREATE_REGISTRY_TOKEN, variables={"input": fields})
        result = made["createRegistryToken"]
        assert result["__typename"] == "CreateRegistryTokenSuccess", result
        return Token.of(result["token"], result["credentials"])

    def rotate(self, token_id: str, grace_period: int) -> tuple[Token, Token]:
        """(the new token, the old one as the rotation left it)"""
        variables = {"input": {"tokenId": token_id, "gracePeriod": grace_period}}
        result = self.service.graphql(ROTATE_REGISTRY_TOKEN, variables=variables)
        rotated = result["rotateRegistryToken"]
        assert rotated["__typename"] == "RotateRegistryTokenSuccess", rotated
        return Token.of(rotated["token"], rotated["credentials"]), Token.of(rotated["replaced"])

    def revoke(self, token_id: str) -> None:
        result = self.service.graphql(REVOKE_REGISTRY_TOKEN, variables={"id": token_id})
        assert result["revokeRegistryToken"]["__typename"] == "RevokeRegistryTokenSuccess"


@dataclass(frozen=True)
class Token:
    id: str
    creds: str  # user:token for skopeo ("" for the old token of a rotation)
    stops_at: float | None  # expiresAt, in seconds since the epoch

    @classmethod
    def of(cls, token: dict, credentials: dict | None = None) -> Token:
        expires = token["expiresAt"]
        return cls(
            token["id"],
            f"{credentials['username']}:{credentials['token']}" if credentials else "",
            datetime.fromisoformat(expires).timestamp() if expires else None,
        )


def timed_push(layout: Path, creds: str, target: str) -> float:
    """Seconds a push takes here and now: what a short lifetime must leave room for."""
    started = time.monotonic()
    pushed = push(layout, creds, target)
    assert pushed.returncode == 0, pushed.stderr
    return time.monotonic() - started


def lifetime_for(push_seconds: float, at_least: int) -> int:
    """A lifetime ten times what a push took (a push inside it never races its end,
    on a busy machine too), and no shorter than `at_least`."""
    return max(at_least, math.ceil(10 * push_seconds))


def wait_past(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()) + 1.1)  # past it, by more than a second


def test_a_pull_token_pulls_and_cannot_push(service, eu_registry, tmp_path):
    registry = Registry(service, eu_registry)
    push_token = registry.create("ci", "PUSH")
    pull_token = registry.create("deploys", "PULL")
    write_image(tmp_path / "image", "1", b"pull only\n")

    pushed = push(tmp_path / "image", push_token.creds, registry.target)
    pulled = pull(registry.target, pull_token.creds, tmp_path / "pulled")
    pull_pushes = push(tmp_path / "image", pull_token.creds, registry.target)

    assert pushed.returncode == 0, pushed.stderr
    assert pulled.returncode == 0, pulled.stderr
    assert_denied(pull_pushes, ACCESS_DENIED)


def test_rotation_grace_then_revocation(service, eu_registry, tmp_path):
    registry = Registry(service, eu_registry)
    old = registry.create("ci", "PUSH")
    write_image(tmp_path / "image", "1", b"rotate me\n")
    grace = lifetime_for(timed_push(tmp_path / "image", old.creds, registry.target), 8)

    before = time.time()
    new, replaced = registry.rotate(old.id, grace)
    after = time.time()

    # The old secret stops at the end of the grace period, counted from the rotation
    # (the service stamps it between our two readings of the same clock).
    assert replaced.stops_at is not None
    assert before + grace - CLOCK_SLACK <= replaced.stops_at <= after + grace + CLOCK_SLACK
    # During the grace period both push.
    for creds in (old.creds, new.creds):
        pushed = push(tmp_path / "image", creds, registry.target)
        elapsed = time.time() - before
        assert pushed.returncode == 0, f"{pushed.stderr} ({elapsed:.1f}s into {grace}s of grace)"
    # After it, only the new one.
    wait_past(replaced.stops_at)
    assert_denied(push(tmp_path / "image", old.creds, registry.target), LOGIN_REFUSED)
    assert push(tmp_path / "image", new.creds, registry.target).returncode == 0

    registry.revoke(new.id)

    assert_denied(pull(registry.target, new.creds, tmp_path / "after"), LOGIN_REFUSED)


def test_a_token_stops_at_its_expiry(service, eu_registry, tmp_path):
    registry = Registry(service, eu_registry)
    write_image(tmp_path / "image", "1", b"short-lived\n")
    pilot = registry.create("pilot", "PUSH")
    lifetime = lifetime_for(timed_push(tmp_path / "image", pilot.creds, registry.target), 6)

    before = time.time()
    short = registry.create("short", "PUSH", expires_in=lifetime)
    after = time.time()
    pushed = push(tmp_path / "image", short.creds, registry.target)

    assert short.stops_at is not None
    assert before + lifetime - CLOCK_SLACK <= short.stops_at <= after + lifetime + CLOCK_SLACK
    elapsed = time.time() - before
    assert pushed.returncode == 0, f"{pushed.stderr} ({elapsed:.1f}s into {lifetime}s of life)"
    wait_past(short.stops_at)
    assert_denied(push(tmp_path / "image", short.creds, registry.target), LOGIN_REFUSED)


@pytest.mark.parametrize("revoked_by", ["the token's ID", "its previous secret's ID"])
def test_revoking_a_rotated_token_stops_both_of_its_secrets(
    service, eu_registry, tmp_path, revoked_by
):
    """Issue 30: revoking `deploys` after a rotation left the secret in its grace
    period pulling until a second revoke. A token is one thing, however many
    secrets it has during a rotation."""
    registry = Registry(service, eu_registry)
    pusher = registry.create("ci", "PUSH")
    old = registry.create("deploys", "PULL")
    write_image(tmp_path / "image", "1", b"revoke the token, not a secret\n")
    assert push(tmp_path / "image", pusher.creds, registry.target).returncode == 0
    new, _ = registry.rotate(old.id, 3600)
    for number, creds in enumerate((old.creds, new.creds)):  # both work, and are kept
        pulled = pull(registry.target, creds, tmp_path / f"before-{number}")
        assert pulled.returncode == 0, pulled.stderr

    registry.revoke(new.id if revoked_by == "the token's ID" else old.id)

    for number, creds in enumerate((old.creds, new.creds)):
        assert_denied(pull(registry.target, creds, tmp_path / f"after-{number}"), LOGIN_REFUSED)
    assert (
        pull(registry.target, pusher.creds, tmp_path / "other").returncode == 0
    )  # only that token
