"""Trusted publishers with a real registry (CNCF distribution) and skopeo: a
GitHub-shaped OIDC token from the local test issuer is exchanged and skopeo
pushes with the result; the token itself works as the password of `oidc`;
pushes outside the publisher's repositories are denied; removing the
publisher stops its credential."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.oci_image import write_image
from tests.e2e.test_token_auth_e2e import ACCESS_DENIED, LOGIN_REFUSED, assert_denied, push
from tests.registries.publishers import ADD_TRUSTED_PUBLISHER, REMOVE_TRUSTED_PUBLISHER
from tests.servers import Service, running_registry, running_service
from tests.support.oidc_issuer import OidcIssuer, running_issuer
from tests.tls_material import CertificateAuthority

EU = "registry.eu-central.nodion.net"
CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  ... on CreateProjectSuccess { project { id namespace registries { id region isDefault } } } } }"""


@pytest.fixture(scope="module")
def issuer(tmp_path_factory) -> Iterator[OidcIssuer]:
    ca = CertificateAuthority.create("e2e OIDC CA")
    with running_issuer(tmp_path_factory.mktemp("issuer"), ca) as running:
        yield running


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


def exchange(service: Service, token: str) -> httpx.Response:
    return httpx.post(
        f"{service.url}/registry/oidc/exchange", json={"token": token, "registry": EU}
    )


def test_an_exchanged_credential_pushes_only_to_the_publishers_repositories(
    service, eu_registry, issuer, tmp_path
):
    namespace, publisher_id = published(service, issuer)
    write_image(tmp_path / "image", "1", b"built by CI\n")
    response = exchange(service, issuer.sign(issuer.github_claims(EU)))
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
        body = exchange(service, issuer.sign(issuer.github_claims(EU))).json()

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
