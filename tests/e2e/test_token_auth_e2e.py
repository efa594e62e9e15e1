"""`docker login/push/pull` against a real registry (CNCF distribution) that
delegates authentication to our token endpoint, with skopeo as the client."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.oci_image import blob, write_image
from tests.servers import Service

CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  ... on CreateProjectSuccess { project { id namespace
        registries { id region isDefault } } } } }"""
GENERATE = """mutation($id: ID!) { generateCredentials(registryId: $id) {
  ... on GenerateCredentialsSuccess { credentials { username token } } } }"""
LAST_USED = """query($id: ID!) { node(id: $id) { ... on Registry { lastUsedAt } } }"""
REMOVE = """mutation($id: ID!) { removeRegistry(registryId: $id) { __typename } }"""
ADD_NODION = """mutation($p: ID!) { addRegistry(input: {projectId: $p, type: NODION,
  region: "eu-central"}) { ... on AddRegistrySuccess { registry { id } } } }"""


@dataclass
class Credentials:
    registry_id: str
    namespace: str
    username: str
    token: str

    @property
    def creds(self) -> str:
        return f"{self.username}:{self.token}"


def project_credentials(service: Service, name: str, region: str = "eu-central") -> Credentials:
    project = service.graphql(CREATE, variables={"name": name})["createProject"]["project"]
    registry = next(r for r in project["registries"] if r["region"] == region and r["isDefault"])
    made = service.graphql(GENERATE, variables={"id": registry["id"]})
    credentials = made["generateCredentials"]["credentials"]
    return Credentials(registry["id"], project["namespace"], **credentials)


def skopeo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["skopeo", "--insecure-policy", "copy", "--retry-times", "0", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": os.environ.get("HOME", "/tmp")},
    )


def push(layout: Path, creds: str | None, target: str) -> subprocess.CompletedProcess[str]:
    auth = ["--dest-creds", creds] if creds else ["--dest-no-creds"]
    return skopeo(*auth, "--dest-tls-verify=false", f"oci:{layout}:1", f"docker://{target}")


def pull(source: str, creds: str | None, layout: Path) -> subprocess.CompletedProcess[str]:
    auth = ["--src-creds", creds] if creds else ["--src-no-creds"]
    return skopeo(*auth, "--src-tls-verify=false", f"docker://{source}", f"oci:{layout}:1")


LOGIN_REFUSED = "invalid username/password"  # our token endpoint answered 401
ACCESS_DENIED = "denied: requested access to the resource is denied"  # token without the action


def assert_denied(result: subprocess.CompletedProcess[str], reason: str) -> None:
    assert result.returncode != 0, result.stdout
    assert reason in result.stderr, result.stderr


def test_push_and_pull_in_the_project_namespace(service, eu_registry, tmp_path):
    alice = project_credentials(service, "Alice Shop")
    layer_digest = write_image(tmp_path / "image", "1", b"hello from alice\n")
    before = service.graphql(LAST_USED, variables={"id": alice.registry_id})

    pushed = push(tmp_path / "image", alice.creds, f"{eu_registry}/{alice.namespace}/app:1")
    pulled = pull(f"{eu_registry}/{alice.namespace}/app:1", alice.creds, tmp_path / "pulled")

    assert pushed.returncode == 0, pushed.stderr
    assert pulled.returncode == 0, pulled.stderr
    assert blob(tmp_path / "pulled", layer_digest) == blob(tmp_path / "image", layer_digest)
    assert before["node"]["lastUsedAt"] is None
    after = service.graphql(LAST_USED, variables={"id": alice.registry_id})
    assert after["node"]["lastUsedAt"] is not None


def test_credentials_only_reach_their_own_namespace(service, eu_registry, tmp_path):
    alice = project_credentials(service, "Alice Shop")
    bob = project_credentials(service, "Bob Shop")
    write_image(tmp_path / "image", "1", b"alice's secret sauce\n")
    assert (
        push(tmp_path / "image", alice.creds, f"{eu_registry}/{alice.namespace}/app:1").returncode
        == 0
    )

    into_bob = push(tmp_path / "image", alice.creds, f"{eu_registry}/{bob.namespace}/app:1")
    outside = push(tmp_path / "image", alice.creds, f"{eu_registry}/library/app:1")
    bob_pulls_alice = pull(f"{eu_registry}/{alice.namespace}/app:1", bob.creds, tmp_path / "b")

    assert_denied(into_bob, ACCESS_DENIED)
    assert_denied(outside, ACCESS_DENIED)
    assert_denied(bob_pulls_alice, ACCESS_DENIED)


def test_wrong_missing_and_other_region_credentials_are_denied(service, eu_registry, tmp_path):
    alice = project_credentials(service, "Alice Shop")
    us = project_credentials(service, "US Shop", region="us-east")
    write_image(tmp_path / "image", "1", b"x\n")
    target = f"{eu_registry}/{alice.namespace}/app:1"
    wrong = alice.token[:-1] + ("A" if alice.token[-1] != "A" else "B")

    assert_denied(push(tmp_path / "image", f"{alice.username}:{wrong}", target), LOGIN_REFUSED)
    assert_denied(push(tmp_path / "image", None, target), LOGIN_REFUSED)
    assert_denied(
        push(tmp_path / "image", f"{alice.namespace}:nrt_not-a-token", target), LOGIN_REFUSED
    )
    # A us-east token at the eu-central registry: right project name, wrong service.
    assert_denied(
        push(tmp_path / "image", us.creds, f"{eu_registry}/{us.namespace}/app:1"), LOGIN_REFUSED
    )


def test_removed_registry_token_is_denied_at_once(service, eu_registry, tmp_path):
    alice = project_credentials(service, "Alice Shop")
    write_image(tmp_path / "image", "1", b"x\n")
    target = f"{eu_registry}/{alice.namespace}/app:1"
    assert push(tmp_path / "image", alice.creds, target).returncode == 0
    project_id = service.graphql("{ projects(first: 1) { edges { node { id } } } }")["projects"][
        "edges"
    ][0]["node"]["id"]
    service.graphql(ADD_NODION, variables={"p": project_id})

    removed = service.graphql(REMOVE, variables={"id": alice.registry_id})

    assert removed["removeRegistry"]["__typename"] == "RemoveRegistrySuccess"
    assert_denied(pull(target, alice.creds, tmp_path / "after"), LOGIN_REFUSED)
