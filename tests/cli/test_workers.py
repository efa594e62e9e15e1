"""`nodion serve --workers N`: N processes sharing one database and nothing else."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx

from tests.graphql_documents import GENERATE_CREDENTIALS, REMOVE_REGISTRY
from tests.servers import running_service

EU = "registry.eu-central.nodion.net"
CREATE = """mutation { createProject(input: {name: "Workers"}) {
  ... on CreateProjectSuccess { project { id namespace
    registries { id region isDefault } } } } }"""
ADD_NODION = """mutation($p: ID!) { addRegistry(input: {projectId: $p, type: NODION,
  region: "eu-central"}) { __typename } }"""
LOGINS = 40  # each on a fresh connection, which the kernel hands to either worker


# Every refused login in these tests is expected: the brute-force throttle must not answer.
REFUSALS_EXPECTED = {
    "NODION_LOG_LEVEL": "WARNING",
    "NODION_AUTH_MAX_FAILURES_PER_ADDRESS": "1000",
    "NODION_AUTH_MAX_FAILURES_PER_ADDRESS_AND_USERNAME": "1000",
    "NODION_AUTH_MAX_FAILURES_PER_USERNAME": "1000",
}


def worker_pids(serve_pid: int) -> list[int]:
    """The uvicorn workers: child processes of `nodion serve` started by multiprocessing."""
    children = Path(f"/proc/{serve_pid}/task/{serve_pid}/children").read_text().split()
    return [
        int(pid)
        for pid in children
        if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
        and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]


def login_statuses(url: str, username: str, token: str) -> set[int]:
    basic = base64.b64encode(f"{username}:{token}".encode()).decode()
    statuses = set()
    for _ in range(LOGINS):
        with httpx.Client(timeout=10) as fresh:  # a new connection every time
            response = fresh.get(
                url + "/registry/token",
                params={"service": EU},
                headers={"Authorization": f"Basic {basic}"},
            )
        statuses.add(response.status_code)
    return statuses


def test_two_workers_serve_and_a_removed_registry_fails_on_every_one(
    tmp_path: Path, database_url: str
):
    with running_service(
        tmp_path / "data",
        database_url,
        workers=2,
        **REFUSALS_EXPECTED,
    ) as service:
        assert len(worker_pids(service.pid)) == 2
        project = service.graphql(CREATE)["createProject"]["project"]
        registry = next(r for r in project["registries"] if r["region"] == "eu-central")
        service.graphql(ADD_NODION, variables={"p": project["id"]})  # so removal is allowed
        made = service.graphql(GENERATE_CREDENTIALS, variables={"id": registry["id"]})
        credentials = made["generateCredentials"]["credentials"]
        username, token = credentials["username"], credentials["token"]
        # Twice: the second round is answered from what each worker kept.
        assert login_statuses(service.url, username, token) == {200}
        assert login_statuses(service.url, username, token) == {200}

        service.graphql(REMOVE_REGISTRY, variables={"id": registry["id"]})

        # What a worker keeps holds only while the database has not changed (SQLite:
        # data_version; PostgreSQL: a notification that reached every worker when
        # the removal committed): the next login anywhere fails.
        assert login_statuses(service.url, username, token) == {401}


CREATE_TOKEN = """mutation($r: ID!) { createRegistryToken(input: {registryId: $r, name: "ci",
  scope: PUSH}) { ... on CreateRegistryTokenSuccess { token { id }
  credentials { username token } } } }"""
REVOKE_TOKEN = """mutation($t: ID!) { revokeRegistryToken(tokenId: $t) { __typename } }"""


def test_two_workers_and_a_revoked_token_fails_on_every_one(tmp_path: Path, database_url: str):
    with running_service(
        tmp_path / "data",
        database_url,
        workers=2,
        **REFUSALS_EXPECTED,
    ) as service:
        assert len(worker_pids(service.pid)) == 2
        project = service.graphql(CREATE)["createProject"]["project"]
        registry = next(r for r in project["registries"] if r["region"] == "eu-central")
        made = service.graphql(CREATE_TOKEN, variables={"r": registry["id"]})
        made = made["createRegistryToken"]
        username, token = made["credentials"]["username"], made["credentials"]["token"]
        # Twice: the second round is answered from what each worker kept.
        assert login_statuses(service.url, username, token) == {200}
        assert login_statuses(service.url, username, token) == {200}

        revoked = service.graphql(REVOKE_TOKEN, variables={"t": made["token"]["id"]})
        assert revoked["revokeRegistryToken"]["__typename"] == "RevokeRegistryTokenSuccess"

        # The revocation is a write: each worker's kept login is dropped, the next
        # login anywhere fails.
        assert login_statuses(service.url, username, token) == {401}
