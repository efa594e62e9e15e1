"""Leases with real processes and the real clock, on SQLite and PostgreSQL: a
target process that claims and is killed with SIGKILL, and a client that hangs
up before its answer, leave nothing stuck; the work comes back after the lease
(NODION_DEPLOY_LEASE=5), the dead holder's credential is refused by the token
endpoint, and its late report gets 409."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from app.operations import document
from tests.servers import Service, run_cli, running_service

EU = "registry.eu-central.nodion.net"
LEASE = 5
CREATE_PROJECT = """mutation { createProject(input: {name: "Leases"}) {
  ... on CreateProjectSuccess { project { id } } } }"""
CREATE_APP = """mutation($p: ID!) { createApplication(input: {projectId: $p, name: "web",
  region: "eu-central", strategy: PREBUILT_IMAGE, image: "nginx"}) {
  ... on CreateApplicationSuccess { application { id } } } }"""
DEPLOY = """mutation($a: ID!) { deployApplication(applicationId: $a) {
  ... on DeployApplicationSuccess { deployment { id } } } }"""

# A deploy target that claims, writes what it got where the test reads it, and
# then hangs as a real one would while pulling: the test kills it.
CLAIMING_TARGET = """
import sys, httpx
answer = httpx.post(sys.argv[1] + "/deploy/v1/deployments/claim",
                    headers={"Authorization": "Bearer " + sys.argv[2]}, timeout=30)
open(sys.argv[3], "w").write(answer.text)
import time
time.sleep(600)
"""


def deployments(service: Service, count: int) -> str:
    """`count` pending deployments of a new project's app; returns the project's id."""
    project = service.graphql(CREATE_PROJECT)["createProject"]["project"]
    app = service.graphql(CREATE_APP, variables={"p": project["id"]})["createApplication"]
    for _ in range(count):
        service.graphql(DEPLOY, variables={"a": app["application"]["id"]})
    return str(project["id"])


def claims_recorded(service: Service, project_id: str) -> list[str]:
    """The details ("attempt N") of the project's `deployment.claimed` audit events:
    one per claim that committed, whether or not its answer reached anyone."""
    events = service.graphql(document("AuditEvents"), variables={"id": project_id})
    return [
        edge["node"]["detail"]
        for edge in events["project"]["auditEvents"]["edges"]
        if edge["node"]["action"] == "deployment.claimed"
    ]


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    """Until `check()` holds; returns as soon as it does (`seconds` only bounds a failure)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} within {seconds}s"
        time.sleep(0.05)


def new_target(service: Service, name: str) -> str:
    made = run_cli(
        service.env, "admin", "create-deploy-target", name, "--region", "eu-central", "--json"
    )
    assert made.returncode == 0, made.stderr
    return str(json.loads(made.stdout)["token"])


def claim(service: Service, token: str) -> httpx.Response:
    return httpx.post(
        service.url + "/deploy/v1/deployments/claim",
        headers={"Authorization": f"Bearer {token}"},
        timeout=20,
    )


def claim_within(service: Service, token: str, seconds: float) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        answer = claim(service, token)
        if answer.status_code == 200:
            return answer.json()
        assert answer.status_code == 204, answer.text
        time.sleep(0.5)
    raise AssertionError(f"nothing was claimable within {seconds}s")


def token_endpoint_status(service: Service, auth: str) -> int:
    return httpx.get(
        service.url + "/registry/token",
        params={"service": EU, "scope": "repository:leases/nginx:pull"},
        headers={"Authorization": f"Basic {auth}"},
        timeout=10,
    ).status_code


def test_a_killed_target_loses_its_lease_and_the_work_goes_to_another(
    tmp_path: Path, database_url: str
):
    with running_service(
        tmp_path / "data", database_url, NODION_DEPLOY_LEASE=str(LEASE)
    ) as service:
        deployments(service, 1)
        dead_token, alive_token = new_target(service, "eu-1"), new_target(service, "eu-2")
        answer_file = tmp_path / "claimed.json"
        target = subprocess.Popen(
            [sys.executable, "-c", CLAIMING_TARGET, service.url, dead_token, str(answer_file)]
        )
        try:
            deadline = time.monotonic() + 20
            while not answer_file.exists() or not answer_file.read_text():
                assert time.monotonic() < deadline, "the target never got its claim"
                time.sleep(0.05)
        finally:
            os.kill(target.pid, signal.SIGKILL)
            target.wait()
        first = json.loads(answer_file.read_text())
        number = first["deployment"]["number"]
        first_auth = first["dockerConfig"]["auths"][EU]["auth"]
        assert token_endpoint_status(service, first_auth) == 200
        assert claim(service, alive_token).status_code == 204  # still held

        second = claim_within(service, alive_token, LEASE + 10)
        assert second["deployment"]["number"] == number
        assert second["deployment"]["attempt"] == 2
        assert token_endpoint_status(service, first_auth) == 401  # died with its lease
        second_auth = second["dockerConfig"]["auths"][EU]["auth"]
        assert token_endpoint_status(service, second_auth) == 200

        late = httpx.post(
            f"{service.url}/deploy/v1/deployments/{number}/status",
            json={"status": "SUCCEEDED"},
            headers={"Authorization": f"Bearer {dead_token}"},
            timeout=10,
        )
        assert late.status_code == 409, late.text


def test_a_client_that_hangs_up_before_its_answer_leaves_nothing_stuck(
    tmp_path: Path, database_url: str
):
    with running_service(
        tmp_path / "data", database_url, NODION_DEPLOY_LEASE=str(LEASE)
    ) as service:
        project_id = deployments(service, 3)
        token = new_target(service, "eu-1")
        port = urlsplit(service.url).port
        assert port is not None
        for number in range(1, 4):  # sent in full, then gone without reading a byte
            with socket.create_connection(("127.0.0.1", port)) as hang_up:
                hang_up.sendall(
                    b"POST /deploy/v1/deployments/claim HTTP/1.1\r\nHost: x\r\n"
                    b"Authorization: Bearer " + token.encode() + b"\r\n"
                    b"Content-Length: 0\r\n\r\n"
                )
            # The barrier: this hang-up's claim committed (its audit event is there)
            # before the next one is sent.
            wait_for(
                lambda number=number: len(claims_recorded(service, project_id)) == number,
                30,
                f"hang-up {number} claimed nothing",
            )
        numbers: dict[int, int] = {}  # deployment number -> attempt when it came back
        deadline = time.monotonic() + LEASE + 30
        while len(numbers) < 3 and time.monotonic() < deadline:
            deployment = claim_within(service, token, LEASE + 30)["deployment"]
            numbers.setdefault(deployment["number"], deployment["attempt"])
        # All three came back to a target that hears its answers, each claim of a
        # hang-up counted as an attempt: 3 lost claims + these 3 = 6 attempts, however
        # the hang-ups' claims fell on the deployments.
        assert len(numbers) == 3
        assert sum(numbers.values()) == 6, numbers
