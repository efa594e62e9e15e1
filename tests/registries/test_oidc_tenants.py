"""Trusted publishers stay within their project (issue 30).

Two tenants whose CI runs on one issuer (the local test issuer stands in for
GitHub Actions: `NODION_GITHUB_OIDC_ISSUER` is its URL). Tenant B adds a
publisher for that issuer first, with the broadest settings still allowed (or,
as stored before this issue, a CUSTOM_OIDC one with subject `*`), and with a
caCertificate that is wrong, or right. Tenant A's exchange and `oidc` login
still work, are granted in A's namespace only, A's audit log names only A's
things, and B's audit log gains nothing of A. Before: the region's publishers
were searched in id order, so B's publisher took A's token (a push into B's
namespace, B's audit log naming A's repository), or its wrong CA made A's
exchange a 503.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from strawberry.relay import GlobalID

from app.audit.models import AuditEvent
from app.registries.models import (
    PublisherCredential,
    PublisherProvider,
    Registry,
    TrustedPublisher,
)
from app.registries.settings import RegistriesSettings
from app.settings import Settings
from tests.graphql_documents import GENERATE_CREDENTIALS, create_project, default_registry
from tests.registries.publishers import TRUSTED_PUBLISHERS, add_publisher
from tests.registries.test_oidc_exchange import actions_on, exchange
from tests.registries.test_token_endpoint import get_token
from tests.support.oidc_issuer import OidcIssuer
from tests.tls_material import CertificateAuthority

WRONG_CA = CertificateAuthority.create("Not the issuer's CA").pem


@pytest.fixture
def allowed_networks() -> str:
    return "127.0.0.0/8"  # the issuer runs on loopback


@pytest.fixture
def settings(tmp_path, database_url, issuer) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url).with_sections(
        RegistriesSettings(github_oidc_issuer=issuer.url)
    )


async def _tenant_b_publisher(make_api, issuer: OidcIssuer, kind: str, ca: str) -> dict:
    """Tenant B's project and its publisher for the issuer, made before A's."""
    bob = await make_api("bob@example.com")
    project = await create_project(bob, "Mallory")
    registry = default_registry(project)
    if kind == "broadest allowed":
        # GitHub's issuer is taken as GITHUB_ACTIONS only, which binds the
        # repository: B names A's, with no workflow, ref or environment.
        added = await add_publisher(
            bob, registry["id"], "GITHUB_ACTIONS", repository="octo/app", caCertificate=ca
        )
        assert added["__typename"] == "AddTrustedPublisherSuccess", added
        publisher_id = int(_node_id(added["publisher"]["id"]))
    else:  # stored before issue 30: CUSTOM_OIDC, GitHub's issuer, subject `*`
        row = await Registry.get(
            hostname=registry["hostname"], project__namespace=project["namespace"]
        )
        publisher = await TrustedPublisher.create(
            registry_id=row.id,
            project_id=row.project_id,
            provider=PublisherProvider.CUSTOM_OIDC,
            issuer=issuer.url,
            audience=registry["hostname"],
            ca_certificate=ca,
            conditions={"sub": "*"},
            repositories=[f"{project['namespace']}/*"],
            created_at=datetime.now(UTC),
            created_by="bob@example.com",
        )
        publisher_id = publisher.id
    return {"namespace": project["namespace"], "publisher_id": publisher_id, "api": bob}


def _node_id(global_id: str) -> str:
    return GlobalID.from_id(global_id).node_id


async def _tenant_a(api, issuer: OidcIssuer, older_with_wrong_ca: bool = False) -> dict:
    project = await create_project(api, "Shop")
    registry = default_registry(project)
    if older_with_wrong_ca:  # one of A's own, first in id order, its CA wrong
        older = await add_publisher(
            api,
            registry["id"],
            "GITHUB_ACTIONS",
            repository="octo/app",
            environment="staging",
            caCertificate=WRONG_CA,
        )
        assert older["__typename"] == "AddTrustedPublisherSuccess", older
    added = await add_publisher(
        api,
        registry["id"],
        "GITHUB_ACTIONS",
        repository="octo/app",
        ref="refs/heads/main",
        caCertificate=issuer.ca_pem,
        repositories=[f"{project['namespace']}/app"],
    )
    assert added["__typename"] == "AddTrustedPublisherSuccess", added
    return {
        "namespace": project["namespace"],
        "hostname": registry["hostname"],
        "publisher_id": int(_node_id(added["publisher"]["id"])),
        "project_id": int(_node_id(project["id"])),
        "registry_id": int(_node_id(registry["id"])),
    }


async def _audit_of(namespace: str) -> list[tuple]:
    events = await AuditEvent.filter(project__namespace=namespace).order_by("id")
    return [(e.id, e.action, e.target_type, e.target_id, e.target_name, e.detail) for e in events]


@pytest.mark.parametrize("b_ca", ["wrong CA", "right CA"])
@pytest.mark.parametrize("b_kind", ["broadest allowed", "stored with subject *"])
async def test_another_tenants_publisher_made_first_changes_nothing_for_a(
    api, make_api, client, signer, issuer, b_kind, b_ca
):
    b = await _tenant_b_publisher(
        make_api, issuer, b_kind, WRONG_CA if b_ca == "wrong CA" else issuer.ca_pem
    )
    a = await _tenant_a(api, issuer)
    assert b["publisher_id"] < a["publisher_id"]  # B's is the first in id order
    b_audit_before = await _audit_of(b["namespace"])
    hostname, ns, other = a["hostname"], a["namespace"], b["namespace"]

    # The exchange for A's namespace: A's publisher, A's repositories only.
    response = await exchange(client, issuer.sign(issuer.github_claims(hostname)), hostname, ns)
    assert response.status_code == 200, response.text  # was 503 (B's CA) or B's grant
    body = response.json()
    assert body["username"] == f"publisher-{a['publisher_id']}"
    assert body["namespace"] == ns
    creds = (body["username"], body["password"])
    assert await actions_on(client, signer, *creds, hostname, f"{ns}/app") == ["pull", "push"]
    assert await actions_on(client, signer, *creds, hostname, f"{other}/app") == []

    # The CI token as the password of `oidc`: the project is the scope's.
    token = issuer.sign(issuer.github_claims(hostname))
    assert await actions_on(client, signer, "oidc", token, hostname, f"{ns}/app") == [
        "pull",
        "push",
    ]
    named = await get_token(
        client, f"oidc/{ns}", token, service=hostname, scope=[f"repository:{other}/app:pull,push"]
    )
    assert named.status_code == 200, named.text
    both = await get_token(
        client,
        "oidc",
        token,
        service=hostname,
        scope=[f"repository:{ns}/app:pull,push", f"repository:{other}/app:pull"],
    )
    assert both.status_code == 401
    assert "one project's repositories" in both.json()["errors"][0]["message"]

    # Nothing was minted for, or noted on, B's publisher.
    assert {c.publisher_id for c in await PublisherCredential.all()} == {a["publisher_id"]}
    b_publisher = await TrustedPublisher.get(id=b["publisher_id"])
    assert b_publisher.last_used_at is None
    # A's audit log names A's publisher only; B's gained nothing.
    a_audit = await _audit_of(ns)
    [exchanged] = [event for event in a_audit if event[1] == "oidc.exchanged"]
    assert exchanged[2:4] == ("TrustedPublisher", a["publisher_id"])
    assert other not in repr(a_audit) and "bob@" not in repr(a_audit)
    assert await _audit_of(b["namespace"]) == b_audit_before
    assert await AuditEvent.filter(action="oidc.exchanged").count() == 1


async def test_each_publisher_of_a_project_is_verified_with_its_own_ca(api, client, issuer):
    a = await _tenant_a(api, issuer, older_with_wrong_ca=True)
    token = issuer.sign(issuer.github_claims(a["hostname"]))
    response = await exchange(client, token, a["hostname"], a["namespace"])
    assert response.status_code == 200, response.text  # was 503: the first one's CA
    assert response.json()["username"] == f"publisher-{a['publisher_id']}"


async def test_a_project_whose_only_publisher_cannot_reach_the_issuer_is_503(api, client, issuer):
    # Its own publisher's CA: the issuer cannot be asked, nothing is granted.
    a = await _tenant_a(api, issuer)
    await TrustedPublisher.filter(id=a["publisher_id"]).update(ca_certificate=WRONG_CA)
    token = issuer.sign(issuer.github_claims(a["hostname"]))
    response = await exchange(client, token, a["hostname"], a["namespace"])
    assert response.status_code == 503, response.text
    assert await PublisherCredential.all().count() == 0


async def test_the_exchange_requires_the_namespace_and_says_so(api, client, issuer):
    a = await _tenant_a(api, issuer)
    token = issuer.sign(issuer.github_claims(a["hostname"]))
    missing = await client.post(
        "/registry/oidc/exchange", json={"token": token, "registry": a["hostname"]}
    )
    assert missing.status_code == 400, missing.text  # was 200: any project's publisher
    assert "namespace is required" in missing.json()["error"]["message"]
    for wrong in ("Shop/../x", 5, "x" * 64):
        refused = await client.post(
            "/registry/oidc/exchange",
            json={"token": token, "registry": a["hostname"], "namespace": wrong},
        )
        assert refused.status_code == 400, refused.text
        assert "namespace is a project's namespace" in refused.json()["error"]["message"]
    assert await PublisherCredential.all().count() == 0


async def test_a_namespace_with_a_trailing_newline_is_no_namespace(api, client, issuer):
    # `$` in the namespace pattern matched before a final newline: `shop\n` was
    # taken as a namespace, looked up, counted by the throttle under a key of its
    # own, and told to "add a publisher", where it is a 400 (or a login's 401)
    # that says what a namespace is.
    a = await _tenant_a(api, issuer)
    hostname, ns = a["hostname"], a["namespace"]
    token = issuer.sign(issuer.github_claims(hostname))
    response = await exchange(client, token, hostname, f"{ns}\n")
    assert response.status_code == 400, response.text
    assert "namespace is a project's namespace" in response.json()["error"]["message"]
    login = await get_token(client, f"oidc/{ns}\n", token, service=hostname)
    assert login.status_code == 401, login.text
    assert "is not oidc/<namespace>" in login.json()["errors"][0]["message"]
    assert await PublisherCredential.all().count() == 0


@pytest.mark.parametrize("asked", ["SHOP/app", "../app", "shop_x/app"])
async def test_an_oidc_login_for_one_repository_outside_any_namespace_says_so(
    api, client, issuer, asked
):
    # One namespace asked for, but none a project can have: the refusal said
    # the login "asks for" several projects' repositories.
    a = await _tenant_a(api, issuer)
    token = issuer.sign(issuer.github_claims(a["hostname"]))
    login = await get_token(
        client, "oidc", token, service=a["hostname"], scope=[f"repository:{asked}:pull"]
    )
    assert login.status_code == 401, login.text
    message = login.json()["errors"][0]["message"]
    assert "is not a project's namespace" in message
    assert "one project's repositories" not in message
    assert "oidc/<namespace>" in message


async def test_another_namespace_has_no_publisher_for_the_token(api, make_api, client, issuer):
    a = await _tenant_a(api, issuer)
    bob = await make_api("bob@example.com")
    other = (await create_project(bob, "Mallory"))["namespace"]
    token = issuer.sign(issuer.github_claims(a["hostname"]))
    for namespace in (other, "no-such-project"):
        response = await exchange(client, token, a["hostname"], namespace)
        assert response.status_code == 401, response.text
        assert f"for namespace {namespace}" in response.json()["error"]["message"]
    assert await PublisherCredential.all().count() == 0


async def test_an_oidc_login_must_name_one_project(api, client, signer, issuer):
    a = await _tenant_a(api, issuer)
    hostname, ns = a["hostname"], a["namespace"]
    token = issuer.sign(issuer.github_claims(hostname))
    # docker login asks for no repository: plain `oidc` cannot say which project.
    bare = await get_token(client, "oidc", token, service=hostname)
    assert bare.status_code == 401
    assert "oidc/<namespace>" in bare.json()["errors"][0]["message"]
    assert bare.headers["www-authenticate"].startswith("Basic")
    named = await get_token(client, f"oidc/{ns}", token, service=hostname)
    assert named.status_code == 200, named.text
    bad = await get_token(client, "oidc/Not A Namespace", token, service=hostname)
    assert bad.status_code == 401
    assert "oidc/shop" in bad.json()["errors"][0]["message"]


async def test_one_tenants_failures_do_not_throttle_anothers_exchanges(
    api, make_api, client, issuer, settings
):
    a = await _tenant_a(api, issuer)
    bob = await make_api("bob@example.com")
    other = (await create_project(bob, "Mallory"))["namespace"]
    # B's CI fails over and over from the same (shared runner) address.
    bad = issuer.sign(issuer.github_claims(a["hostname"], ref="refs/heads/x"))
    for _ in range(settings.auth_max_failures_per_address_and_username + 1):
        assert (await exchange(client, bad, a["hostname"], other)).status_code in (401, 429)
    good = issuer.sign(issuer.github_claims(a["hostname"]))
    response = await exchange(client, good, a["hostname"], a["namespace"])
    assert response.status_code == 200, response.text  # was 429: one `oidc` for all


async def test_a_stored_publisher_that_binds_no_identity_accepts_nothing_and_says_so(
    api, client, issuer
):
    a = await _tenant_a(api, issuer)
    await TrustedPublisher.filter(id=a["publisher_id"]).update(
        provider=PublisherProvider.CUSTOM_OIDC, conditions={"sub": "*"}
    )
    token = issuer.sign(issuer.github_claims(a["hostname"]))
    response = await exchange(client, token, a["hostname"], a["namespace"])
    assert response.status_code == 403, response.text
    message = response.json()["error"]["message"]
    assert "binds no identity claim to an exact value" in message
    assert "repository=org/app" in message
    login = await get_token(
        client,
        "oidc",
        token,
        service=a["hostname"],
        scope=[f"repository:{a['namespace']}/app:push"],
    )
    assert login.status_code == 401
    assert await PublisherCredential.all().count() == 0
    # The API says so where the publisher is listed (the dashboard and CLI show it).
    registry_id = GlobalID("Registry", str(a["registry_id"]))
    [listed] = (await api(TRUSTED_PUBLISHERS, {"id": str(registry_id)}))["node"][
        "trustedPublishers"
    ]
    assert listed["problem"].startswith("It accepts no token: it binds no identity claim")


async def test_a_project_whose_namespace_is_oidc_logs_in_with_its_tokens(api, client, signer):
    # `oidc` was taken for a CI's JWT whatever the password: this project's
    # own access tokens (username = its namespace) were refused.
    project = await create_project(api, "OIDC")
    assert project["namespace"] == "oidc"
    made = await api(GENERATE_CREDENTIALS, {"id": default_registry(project)["id"]})
    credentials = made["generateCredentials"]["credentials"]
    assert credentials["username"] == "oidc"
    hostname = default_registry(project)["hostname"]
    actions = await actions_on(client, signer, "oidc", credentials["token"], hostname, "oidc/app")
    assert actions == ["pull", "push"]


async def test_the_exchange_reads_one_projects_publishers_in_one_query(
    api, make_api, client, issuer, count_queries
):
    a = await _tenant_a(api, issuer)
    hostname, ns = a["hostname"], a["namespace"]

    async def statements() -> list[str]:
        count_queries.queries.clear()
        token = issuer.sign(issuer.github_claims(hostname))
        assert (await exchange(client, token, hostname, ns)).status_code == 200
        # The throttle's own (PostgreSQL prunes its table now and then) aside.
        return [q for q in count_queries.queries if "login_attempts" not in q]

    alone = await statements()
    for number in range(4):  # other tenants' publishers for the same issuer
        await _tenant_b_publisher(
            lambda email, n=number: make_api(f"b{n}-{email}"),
            issuer,
            "broadest allowed",
            issuer.ca_pem,
        )
    among_others = await statements()
    assert len(among_others) == len(alone)
    # The candidates' lookup (the grant then locks the accepting one by id).
    [lookup] = [q for q in among_others if 'FROM "trusted_publishers"' in q and "JOIN" in q]
    assert '"namespace"' in lookup  # narrowed to the project in the query itself
