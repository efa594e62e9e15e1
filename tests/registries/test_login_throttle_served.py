"""The login throttle under `nodion serve` (uvicorn), with clients on several
loopback addresses: what a real attacker and a real victim would see."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.registries.models import REGISTRY_TOKEN
from tests.servers import Service, running_service

EU = "registry.eu-central.nodion.net"
CREATE = """mutation { createProject(input: {name: "Victim"}) {
  ... on CreateProjectSuccess { project { registries { id region } } } } }"""
GENERATE = """mutation($id: ID!) { generateCredentials(registryId: $id) {
  ... on GenerateCredentialsSuccess { credentials { username token } } } }"""


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[Service]:
    limits = {
        "NODION_AUTH_MAX_FAILURES_PER_ADDRESS": "5",
        "NODION_AUTH_MAX_FAILURES_PER_ADDRESS_AND_USERNAME": "3",
        "NODION_AUTH_MAX_FAILURES_PER_USERNAME": "4",  # the attack goes past it
    }
    # WARNING: no access log, which would fill the pipe nobody reads after start-up.
    with running_service(
        tmp_path / "data", database_url, NODION_LOG_LEVEL="WARNING", **limits
    ) as service:
        yield service


def credentials(server: Service) -> tuple[str, str]:
    project = server.graphql(CREATE)["createProject"]["project"]
    registry = next(r for r in project["registries"] if r["region"] == "eu-central")
    made = server.graphql(GENERATE, variables={"id": registry["id"]})
    generated = made["generateCredentials"]["credentials"]
    return generated["username"], generated["token"]


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


def login(http: httpx.Client, url: str, username: str, token: str, **headers: str) -> int:
    basic = base64.b64encode(f"{username}:{token}".encode()).decode()
    response = http.get(
        url + "/registry/token",
        params={"service": EU},
        headers={"Authorization": f"Basic {basic}", **headers},
    )
    return response.status_code


def test_attackers_on_other_addresses_never_lock_the_victim_out(server: Service):
    username, token = credentials(server)
    attacks, logins = [], []
    with (
        client_from("127.0.0.2") as one,
        client_from("127.0.0.3") as two,
        client_from("127.0.0.1") as victim,
    ):
        for _ in range(15):
            for attacker in (one, two):
                attacks.append(login(attacker, server.url, username, REGISTRY_TOKEN.new()))
            logins.append(login(victim, server.url, username, token))

    assert set(logins) == {200}
    assert attacks.count(401) == 6  # three per attacking address, then 429
    assert set(attacks[6:]) == {429}


def test_a_local_client_cannot_pose_as_other_addresses(server: Service):
    """uvicorn itself would believe X-Forwarded-For from 127.0.0.1; the service
    believes it only from NODION_TRUSTED_PROXIES (empty here)."""
    with client_from("127.0.0.1") as http:
        statuses = [
            login(
                http,
                server.url,
                f"user{n}",
                REGISTRY_TOKEN.new(),
                **{"X-Forwarded-For": f"192.0.2.{n}"},
            )
            for n in range(8)
        ]

    assert statuses == [401] * 5 + [429] * 3
