"""Trusted publishers with a real registry (CNCF distribution) and skopeo: a
GitHub-shaped OIDC token from the local test issuer is exchanged and skopeo
pushes with the result; the token itself works as the password of `oidc`;
pushes outside the publisher's repositories are denied; removing the
publisher stops its credential. Two tenants (issue 30): another tenant's
publisher for the same issuer, made first with the broadest settings allowed
and a wrong CA, changes nothing for the first tenant's exchange, logins, audit
log or availability."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.oci_image import write_image
from tests.e2e.test_token_auth_e2e import ACCESS_DENIED, LOGIN_REFUSED, assert_denied, push
from tests.registries.publishers import ADD_TRUSTED_PUBLISHER, REMOVE_TRUSTED_PUBLISHER
from tests.servers import TOKEN_LINE, Service, run_cli, running_registry, running_service
from tests.support.oidc_issuer import OidcIssuer
from tests.tls_material import CertificateAuthority

EU = "registry.eu-central.nodion.net"
CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  ... on CreateProjectSuccess { project { id namespace registries { id region isDefault } } } } }"""


@pytest.fixture
def service(tmp_path: Path, database_url: str, issuer: OidcIssuer) -> Iterator[Service]:
    with running_service(
        tmp_path / "service",
        database_url,
        NODION_GITHUB_OIDC_ISSUER=issuer.url,
        NODION_ALLOWED_OUTBOUND_NETWORKS="127.0.0.0/8",  # the issuer, on loopback
    ) as running:
        yield running


@pytest.fixture
def eu_registry(service: Service, tmp_path: Path) -> Iterator[str]:
    with running_registry(service, "eu-central", tmp_path / "eu") as address:
        yield address


def published(service: Service, issuer: OidcIssuer) -> tuple[str, str]:
    """(namespace, publisher id): octo/app's workflows may push `<namespace>/app`."""
    project = service.graphql(CREATE, variables={"name": "CI"})["createProject"]["project"]
    registry = next(r for r in project["registries"] if r["region"] == "eu-central")
    fields = {
        "registryId": registry["id"],
        "provider": "GITHUB_ACTIONS",
        "repository": "octo/app",
        "ref": "refs/heads/main",
        "caCertificate": issuer.ca_pem,
        "repositories": [f"{project['namespace']}/app"],
    }
    added = service.graphql(ADD_TRUSTED_PUBLISHER, variables={"input": fields})
    result = added["addTrustedPublisher"]
    assert result["__typename"] == "AddTrustedPublisherSuccess", result
    return project["namespace"], result["publisher"]["id"]


def exchange(service: Service, token: str, namespace: str) -> httpx.Response:
    return httpx.post(
        f"{service.url}/registry/oidc/exchange",
        json={"token": token, "registry": EU, "namespace": namespace},
    )


def test_an_exchanged_credential_pushes_only_to_the_publishers_repositories(
    service, eu_registry, issuer, tmp_path
):
    namespace, publisher_id = published(service, issuer)
    write_image(tmp_path / "image", "1", b"built by CI\n")
    response = exchange(service, issuer.sign(issuer.github_claims(EU)), namespace)
    assert response.status_code == 200, response.text
    creds = f"{response.json()['username']}:{response.json()['password']}"

    pushed = push(tmp_path / "image", creds, f"{eu_registry}/{namespace}/app:1")
    assert pushed.returncode == 0, pushed.stderr
    outside = push(tmp_path / "image", creds, f"{eu_registry}/{namespace}/other:1")
    assert_denied(outside, ACCESS_DENIED)

    removed = service.graphql(REMOVE_TRUSTED_PUBLISHER, variables={"id": publisher_id})
    assert removed["removeTrustedPublisher"]["__typename"] == "RemoveTrustedPublisherSuccess"
    assert_denied(
        push(tmp_path / "image", creds, f"{eu_registry}/{namespace}/app:2"), LOGIN_REFUSED
    )


def test_the_ci_token_is_the_password_of_oidc(service, eu_registry, issuer, tmp_path):
    namespace, _ = published(service, issuer)
    write_image(tmp_path / "image", "1", b"built by CI\n")
    token = issuer.sign(issuer.github_claims(EU), "ES256")
    # docker login -u oidc: sent with every token request of the push, accepted each time.
    for tag in ("1", "2"):
        pushed = push(tmp_path / "image", f"oidc:{token}", f"{eu_registry}/{namespace}/app:{tag}")
        assert pushed.returncode == 0, pushed.stderr
    other_ref = issuer.sign(issuer.github_claims(EU, ref="refs/heads/feature"))
    refused = push(tmp_path / "image", f"oidc:{other_ref}", f"{eu_registry}/{namespace}/app:3")
    assert_denied(refused, LOGIN_REFUSED)


def test_removal_stops_a_credential_on_every_worker_at_once(tmp_path, database_url, issuer):
    """Two uvicorn workers: after the publisher is removed, no login with its
    credential succeeds on either (each login reads the credential afresh)."""
    with running_service(
        tmp_path / "service",
        database_url,
        workers=2,
        NODION_GITHUB_OIDC_ISSUER=issuer.url,
        NODION_ALLOWED_OUTBOUND_NETWORKS="127.0.0.0/8",
    ) as service:
        namespace, publisher_id = published(service, issuer)
        body = exchange(service, issuer.sign(issuer.github_claims(EU)), namespace).json()

        def logins() -> set[int]:
            return {
                httpx.get(
                    f"{service.url}/registry/token",
                    params={"service": EU, "scope": f"repository:{namespace}/app:push"},
                    auth=(body["username"], body["password"]),
                ).status_code
                # New connections, so both workers answer some; fewer than the
                # throttle lets fail per address and username (10).
                for _ in range(8)
            }

        assert logins() == {200}
        service.graphql(REMOVE_TRUSTED_PUBLISHER, variables={"id": publisher_id})
        assert logins() == {401}


AUDIT = """query($id: ID!) { project(id: $id) { auditEvents(first: 100) {
  edges { node { action actorEmail targetType targetName detail } } } } }"""


def _user_token(service: Service, email: str) -> str:
    created = run_cli(service.env, "admin", "create-user", email)
    token = next(
        (m.group(1) for m in map(TOKEN_LINE.match, created.stdout.splitlines()) if m), None
    )
    assert token, created.stdout + created.stderr
    return token


def _audit(service: Service, project_id: str, token: str | None = None) -> list[dict]:
    project = service.graphql(AUDIT, token, {"id": project_id})["project"]
    return [edge["node"] for edge in project["auditEvents"]["edges"]]


@pytest.mark.parametrize("b_ca", ["wrong CA", "right CA"])
def test_another_tenants_publisher_made_first_changes_nothing_for_the_first(
    service, eu_registry, issuer, tmp_path, b_ca
):
    # Tenant B, first: GitHub's issuer (the test issuer stands in) for A's
    # repository, no workflow, ref or environment, and a CA the issuer fails
    # (its keys fetched with it made A's exchange a 503) or the right one (its
    # publisher took A's token: a grant in B's namespace).
    bob = _user_token(service, "bob@example.com")
    b_project = service.graphql(CREATE, bob, {"name": "Mallory"})["createProject"]["project"]
    b_registry = next(r for r in b_project["registries"] if r["region"] == "eu-central")
    wrong_ca = CertificateAuthority.create("not the issuer's CA").pem
    b_fields = {
        "registryId": b_registry["id"],
        "provider": "GITHUB_ACTIONS",
        "repository": "octo/app",
        "caCertificate": wrong_ca if b_ca == "wrong CA" else issuer.ca_pem,
    }
    b_added = service.graphql(ADD_TRUSTED_PUBLISHER, bob, {"input": b_fields})
    assert b_added["addTrustedPublisher"]["__typename"] == "AddTrustedPublisherSuccess"
    b_namespace = b_project["namespace"]
    # A custom publisher with GitHub's issuer and subject `*` is refused outright.
    b_custom = service.graphql(
        ADD_TRUSTED_PUBLISHER,
        bob,
        {
            "input": {
                "registryId": b_registry["id"],
                "provider": "CUSTOM_OIDC",
                "issuer": issuer.url,
                "subject": "*",
            }
        },
    )["addTrustedPublisher"]
    assert b_custom["__typename"] == "ValidationError", b_custom
    b_audit = _audit(service, b_project["id"], bob)

    # Tenant A, second.
    namespace, publisher_id = published(service, issuer)
    a_project_id = next(
        edge["node"]["id"]
        for edge in service.graphql("{ projects { edges { node { id namespace } } } }")["projects"][
            "edges"
        ]
        if edge["node"]["namespace"] == namespace
    )
    write_image(tmp_path / "image", "1", b"built by A's CI\n")

    # A's exchange: A's publisher, pushes to A's repository only.
    response = exchange(service, issuer.sign(issuer.github_claims(EU)), namespace)
    assert response.status_code == 200, response.text  # was 503 (B's CA), or B's grant:
    assert response.json()["username"] == f"publisher-{_node_id(publisher_id)}"
    creds = f"{response.json()['username']}:{response.json()['password']}"
    pushed = push(tmp_path / "image", creds, f"{eu_registry}/{namespace}/app:1")
    assert pushed.returncode == 0, pushed.stderr
    assert_denied(
        push(tmp_path / "image", creds, f"{eu_registry}/{b_namespace}/app:1"), ACCESS_DENIED
    )

    # Then B's CI fails in B's namespace, from the same address, more than the
    # throttle lets one username fail.
    stranger = {**issuer.github_claims(EU), "iss": "https://ci.nowhere.example"}
    statuses = [
        exchange(service, issuer.sign(stranger), b_namespace).status_code for _ in range(11)
    ]
    assert set(statuses[:10]) == {401} and statuses[10] == 429  # B's own, throttled
    again = exchange(service, issuer.sign(issuer.github_claims(EU)), namespace)
    assert again.status_code == 200, again.text  # A's exchanges are counted apart

    # A's CI token as the password of `oidc` (and `oidc/<namespace>`): A's only.
    token = issuer.sign(issuer.github_claims(EU), "ES256")
    for user in ("oidc", f"oidc/{namespace}"):
        pushed = push(tmp_path / "image", f"{user}:{token}", f"{eu_registry}/{namespace}/app:2")
        assert pushed.returncode == 0, pushed.stderr
    assert_denied(
        push(tmp_path / "image", f"oidc/{namespace}:{token}", f"{eu_registry}/{b_namespace}/app:2"),
        ACCESS_DENIED,
    )

    # A's audit log names A's publisher and A's CI; B's gained nothing.
    a_audit = _audit(service, a_project_id)
    exchanged = [event for event in a_audit if event["action"] == "oidc.exchanged"]
    assert len(exchanged) == 2
    assert all(event["detail"].startswith("octo/app") for event in exchanged)
    assert {event["targetType"] for event in exchanged} == {"TrustedPublisher"}
    assert b_namespace not in repr(a_audit) and "bob@" not in repr(a_audit)
    assert _audit(service, b_project["id"], bob) == b_audit


def _node_id(global_id: str) -> str:
    from strawberry.relay import GlobalID

    return GlobalID.from_id(global_id).node_id
