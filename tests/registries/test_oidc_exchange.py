"""Trusted publishers end to end in-process: a local OIDC issuer (https with a
test CA, discovery, JWKS, RS256 and ES256) signs CI-shaped tokens; the
exchange mints push credentials the token endpoint honours on the publisher's
repositories only, and each refusal of the issue's list is shown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from app.audit.models import AuditEvent
from app.projects.models import Project
from app.registries.models import ExchangedJti, PublisherCredential, TrustedPublisher
from app.registries.oidc import exchange as exchange_module
from app.registries.settings import RegistriesSettings
from app.settings import Settings
from tests.graphql_documents import create_project, default_registry
from tests.registries.publishers import TRUSTED_PUBLISHERS, add_publisher, remove_publisher
from tests.registries.test_token_endpoint import get_token
from tests.servers import free_port
from tests.support.oidc_issuer import OidcIssuer, rsa_key


@pytest.fixture
def allowed_networks() -> str:
    return "127.0.0.0/8"  # the issuer runs on loopback


@pytest.fixture
def settings(tmp_path, database_url, issuer) -> Settings:
    return Settings(data_dir=tmp_path, database_url=database_url).with_sections(
        RegistriesSettings(github_oidc_issuer=issuer.url)
    )


@pytest.fixture
async def published(api, issuer):
    """A project whose eu-central registry trusts octo/app's release workflow on
    main in the production environment: (namespace, hostname, publisher)."""
    project = await create_project(api, "Shop")
    registry = default_registry(project)
    added = await add_publisher(
        api,
        registry["id"],
        "GITHUB_ACTIONS",
        repository="octo/app",
        workflow="release.yml",
        environment="production",
        ref="refs/heads/main",
        caCertificate=issuer.ca_pem,
        repositories=[f"{project['namespace']}/app", f"{project['namespace']}/app-*"],
    )
    assert added["__typename"] == "AddTrustedPublisherSuccess", added
    return project["namespace"], registry["hostname"], added["publisher"]


async def exchange(client, token: str, hostname: str, namespace: str):
    return await client.post(
        "/registry/oidc/exchange",
        json={"token": token, "registry": hostname, "namespace": namespace},
    )


async def actions_on(client, signer, username, password, hostname, repository) -> list[str] | int:
    response = await get_token(
        client, username, password, service=hostname, scope=[f"repository:{repository}:pull,push"]
    )
    if response.status_code != 200:
        return response.status_code
    return claims_of_for(response.json()["token"], signer, hostname)["access"][0]["actions"]


def claims_of_for(token: str, signer, hostname: str) -> dict:
    return jwt.decode(
        token, signer.certificate.public_key(), algorithms=["ES256"], audience=hostname
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(claims: dict, header: dict) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


async def test_a_github_token_is_exchanged_for_a_short_lived_push_credential(
    client, signer, issuer, published
):
    namespace, hostname, _publisher = published
    claims = issuer.github_claims(hostname)
    token = issuer.sign(claims)
    before = datetime.now(UTC)
    response = await exchange(client, token, hostname, namespace)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["username"].startswith("publisher-")
    assert body["password"].startswith("ntp_")
    expires = datetime.fromisoformat(body["expiresAt"].replace("Z", "+00:00"))
    # NODION_OIDC_CREDENTIAL_TTL (900 s) is capped by the token's exp + 15 min.
    assert expires <= datetime.fromtimestamp(claims["exp"], UTC) + timedelta(minutes=15)
    assert expires <= before + timedelta(seconds=901)
    username, password = body["username"], body["password"]
    assert await actions_on(client, signer, username, password, hostname, f"{namespace}/app") == [
        "pull",
        "push",
    ]
    assert await actions_on(
        client, signer, username, password, hostname, f"{namespace}/app-worker"
    ) == ["pull", "push"]
    # A push outside the publisher's repositories gets nothing there.
    assert await actions_on(client, signer, username, password, hostname, f"{namespace}/db") == []
    assert await actions_on(client, signer, username, password, hostname, "other/app") == []
    event = await AuditEvent.get(action="oidc.exchanged")
    assert event.target_type == "TrustedPublisher"
    assert "octo/app" in event.detail and "release.yml" in event.detail
    assert token not in repr(await AuditEvent.all().values())


async def test_es256_tokens_are_accepted_too(client, issuer, published):
    namespace, hostname, _ = published
    response = await exchange(
        client, issuer.sign(issuer.github_claims(hostname), "ES256"), hostname, namespace
    )
    assert response.status_code == 200, response.text


async def test_the_jwt_is_a_password_of_oidc_until_its_exp_not_once(
    client, signer, issuer, published, api
):
    namespace, hostname, publisher = published
    token = issuer.sign(issuer.github_claims(hostname))
    for _ in range(2):  # docker sends it again with every token request of a push
        assert await actions_on(client, signer, "oidc", token, hostname, f"{namespace}/app") == [
            "pull",
            "push",
        ]
    assert await actions_on(client, signer, "oidc", token, hostname, f"{namespace}/db") == []
    assert await actions_on(client, signer, "someone", token, hostname, f"{namespace}/app") == 401
    # docker login asks for no repository: the username names the project.
    response = await get_token(client, f"oidc/{namespace}", token, service=hostname)
    assert response.status_code == 200, response.text
    assert (
        claims_of_for(response.json()["token"], signer, hostname)["exp"]
        <= (issuer.github_claims(hostname)["exp"])
    )
    listed = await api(TRUSTED_PUBLISHERS, {"id": publisher["registry"]["id"]})
    assert listed["node"]["trustedPublishers"][0]["lastUsedAt"] is not None


def _hs256_with_public_key(issuer: OidcIssuer, claims: dict) -> str:
    pem = (
        issuer.key("RS256")
        .private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    signing_input = unsigned(claims, {"alg": "HS256", "typ": "JWT", "kid": "rsa-1"})
    signature = hmac.new(pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


REFUSALS = {
    # name: (how the token differs, status, what the message says, mismatched claims)
    "another repository": (
        lambda i, h: i.sign(
            i.github_claims(
                h,
                repository="octo/other",
                job_workflow_ref="octo/other/.github/workflows/release.yml@refs/heads/main",
            )
        ),
        403,
        "repository octo/other on ref refs/heads/main",
        ["repository", "job_workflow_ref"],
    ),
    "another ref": (
        lambda i, h: i.sign(i.github_claims(h, ref="refs/heads/feature")),
        403,
        "on ref refs/heads/feature",
        ["ref"],
    ),
    "another workflow": (
        lambda i, h: i.sign(
            i.github_claims(h, job_workflow_ref="octo/app/.github/workflows/ci.yml@refs/heads/main")
        ),
        403,
        "job_workflow_ref",
        ["job_workflow_ref"],
    ),
    "another environment": (
        lambda i, h: i.sign(i.github_claims(h, environment="staging")),
        403,
        "environment",
        ["environment"],
    ),
    "the wrong audience": (
        lambda i, h: i.sign(i.github_claims(h, aud="registry.elsewhere.example")),
        401,
        "audience (aud)",
        [],
    ),
    "the wrong issuer": (
        lambda i, h: i.sign(i.github_claims(h, iss="https://token.actions.githubusercontent.com")),
        401,
        "No trusted publisher",
        [],
    ),
    "an expired token": (
        lambda i, h: i.sign(
            i.github_claims(h, iat=int(time.time()) - 900, exp=int(time.time()) - 5)
        ),
        401,
        "expired",
        [],
    ),
    "a token without exp": (
        lambda i, h: i.sign(i.github_claims(h, exp=None)),
        401,
        "'exp'",
        [],
    ),
    "a far-future exp": (
        lambda i, h: i.sign(i.github_claims(h, exp=int(time.time()) + 7200)),
        401,
        "longer than an hour",
        [],
    ),
    "an iat in the future": (
        lambda i, h: i.sign(i.github_claims(h, iat=int(time.time()) + 300)),
        401,
        "not valid yet",
        [],
    ),
    "an nbf in the future": (
        lambda i, h: i.sign(i.github_claims(h, nbf=int(time.time()) + 300)),
        401,
        "not valid yet",
        [],
    ),
    # Claims of the wrong type: PyJWT's refusals were "could not be verified".
    "a jti that is no string": (
        lambda i, h: i.sign(i.github_claims(h, jti=5)),
        401,
        "'jti' claim is not a string",
        [],
    ),
    "a sub that is no string": (
        lambda i, h: i.sign(i.github_claims(h, sub={"repo": "octo/app"})),
        401,
        "'sub' claim is not a string",
        [],
    ),
    "an iat that is no number": (
        lambda i, h: i.sign(i.github_claims(h, iat="now")),
        401,
        "'iat' claim is not a number",
        [],
    ),
    "an exp that is no number": (
        lambda i, h: i.sign(i.github_claims(h, exp=str(int(time.time()) + 300))),
        401,
        "'exp' claim is not a number",
        [],
    ),
    "a jti no database stores": (
        lambda i, h: i.sign(i.github_claims(h, jti="a\x00b")),
        401,
        "no jti claim of 1 to 255 printable characters",
        [],
    ),
    "a jti with a lone surrogate": (
        lambda i, h: i.sign(i.github_claims(h, jti="a\ud800")),
        401,
        "no jti claim of 1 to 255 printable characters",
        [],
    ),
    "alg none": (
        lambda i, h: unsigned(i.github_claims(h), {"alg": "none", "typ": "JWT"}) + ".",
        401,
        "only RS256 and ES256",
        [],
    ),
    "HS256 signed with the issuer's public key": (
        lambda i, h: _hs256_with_public_key(i, i.github_claims(h)),
        401,
        "only RS256 and ES256",
        [],
    ),
    "a key the JWKS does not hold": (
        lambda i, h: i.sign(i.github_claims(h), key=rsa_key("made-up")),
        401,
        "does not publish in its JWKS",
        [],
    ),
    "no kid, and the issuer has two keys": (  # was "a key (kid 'None')"
        lambda i, h: jwt.encode(i.github_claims(h), i.key().private, algorithm="RS256"),
        401,
        "names no key (kid)",
        [],
    ),
    "a known kid with another key": (
        lambda i, h: i.sign(i.github_claims(h), key=_impostor()),
        401,
        "signature does not verify",
        [],
    ),
}


def _impostor():
    return rsa_key("rsa-1")  # the issuer's kid, another key


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_each_refusal_says_what_to_fix_and_grants_nothing(client, issuer, published, case):
    make, status, says, mismatched = REFUSALS[case]
    namespace, hostname, _ = published
    response = await exchange(client, make(issuer, hostname), hostname, namespace)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert says in error["message"]
    assert error["mismatchedClaims"] == mismatched
    # Nothing about the publisher's expected values leaks into the refusal.
    assert "release.yml@*" not in response.text
    assert await PublisherCredential.all().count() == 0


@pytest.mark.parametrize("token", ["\\ud800.e30.e30", "\\u00e9.e30.e30", "e30.e30.sig\\u2028"])
async def test_a_token_that_is_not_ascii_is_not_a_jwt_not_a_500(client, published, token):
    # As JSON escapes: a lone surrogate is valid JSON but no UTF-8 (PyJWT encodes).
    namespace, hostname, _ = published
    body = f'{{"token": "{token}", "registry": "{hostname}", "namespace": "{namespace}"}}'
    body = body.encode()
    response = await client.post(
        "/registry/oidc/exchange", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 401, response.text
    assert "not a JWT" in response.json()["error"]["message"]


@pytest.mark.parametrize("claim", ["repository", "ref"])
async def test_a_signed_claim_no_utf_8_holds_is_refused_by_name_not_a_500(
    client, issuer, published, claim
):
    # A lone surrogate, which a JSON escape in the signed payload makes: the
    # refusal quoted the claim as it was, and writing the answer as UTF-8
    # raised UnicodeEncodeError, a 500. It is quoted escaped now.
    namespace, hostname, _ = published
    value = {"repository": "octo/app\ud800", "ref": "refs/heads/\ud800"}[claim]
    token = issuer.sign(issuer.github_claims(hostname, **{claim: value}))

    response = await exchange(client, token, hostname, namespace)

    assert response.status_code == 403, response.text
    error = response.json()["error"]
    assert error["mismatchedClaims"] == [claim]
    assert "\\ud800" in error["message"]
    assert await PublisherCredential.all().count() == 0


async def test_a_token_its_own_claims_refuse_costs_no_fetch_of_the_issuer_s_keys(
    client, issuer, published
):
    namespace, hostname, _ = published
    now = int(time.time())
    before = issuer.jwks_requests
    for claims in (
        issuer.github_claims(hostname, iat=now - 900, exp=now - 5),
        issuer.github_claims(hostname, exp=now + 7200),
        issuer.github_claims(hostname, exp=None),
    ):
        # A kid the (cold) cache cannot hold: a fetch, were any made.
        token = issuer.sign(claims, key=rsa_key("made-up"))
        assert (await exchange(client, token, hostname, namespace)).status_code == 401
    assert issuer.jwks_requests == before


async def test_a_claim_no_database_stores_is_left_out_of_the_audit_trail(
    client, api, issuer, published
):
    namespace, hostname, publisher = published
    any_ref = await add_publisher(
        api,
        publisher["registry"]["id"],
        "GITHUB_ACTIONS",
        repository="octo/app",
        caCertificate=issuer.ca_pem,
    )
    assert any_ref["__typename"] == "AddTrustedPublisherSuccess", any_ref
    token = issuer.sign(issuer.github_claims(hostname, ref="refs/heads/main\x00"))

    response = await exchange(client, token, hostname, namespace)

    assert response.status_code == 200, response.text  # was a 500 on PostgreSQL
    event = await AuditEvent.get(action="oidc.exchanged")
    assert event.detail == "octo/app release.yml"


async def test_a_replayed_jti_is_refused_by_the_exchange(client, issuer, published):
    namespace, hostname, _ = published
    token = issuer.sign(issuer.github_claims(hostname))
    assert (await exchange(client, token, hostname, namespace)).status_code == 200
    replayed = await exchange(client, token, hostname, namespace)
    assert replayed.status_code == 401
    assert "exchanged already" in replayed.json()["error"]["message"]
    assert await ExchangedJti.all().count() == 1
    assert await PublisherCredential.all().count() == 1


async def test_an_unreachable_issuer_is_503_with_retry_after_and_no_grant(
    api, client, issuer, published
):
    namespace, hostname, publisher = published
    down = f"https://127.0.0.1:{free_port()}"  # nothing listens there
    project_registry = publisher["registry"]["id"]
    added = await add_publisher(
        api,
        project_registry,
        "CUSTOM_OIDC",
        issuer=down,
        subject="ci:app",
        caCertificate=issuer.ca_pem,
    )
    assert added["__typename"] == "AddTrustedPublisherSuccess", added
    token = issuer.sign({**issuer.github_claims(hostname), "iss": down, "sub": "ci:app"})
    response = await exchange(client, token, hostname, namespace)
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    assert await PublisherCredential.all().count() == 0
    login = await get_token(
        client, "oidc", token, service=hostname, scope=[f"repository:{namespace}/app:push"]
    )
    assert login.status_code == 503
    assert "retry-after" in login.headers


@pytest.mark.parametrize("removed", ["the publisher", "its project"])
async def test_a_publisher_removed_while_its_token_is_exchanged_grants_nothing_not_a_500(
    client, issuer, published, monkeypatch, removed
):
    """Removed between the token's verification and the grant (the issuer's
    keys may take seconds to fetch): minting its credential broke the foreign
    key, a 500. Now the publisher is read, locked, in the grant's transaction."""
    namespace, hostname, _ = published
    verify = exchange_module.verify

    async def verify_then_remove(*args, **kwargs):
        verified = await verify(*args, **kwargs)
        if removed == "the publisher":
            await TrustedPublisher.filter(id=verified.publisher.id).delete()
        else:
            await Project.filter(namespace=namespace).delete()
        return verified

    monkeypatch.setattr(exchange_module, "verify", verify_then_remove)
    token = issuer.sign(issuer.github_claims(hostname))

    response = await exchange(client, token, hostname, namespace)

    assert response.status_code == 403, response.text
    assert "was removed" in response.json()["error"]["message"]
    assert await PublisherCredential.all().count() == 0
    assert await ExchangedJti.all().count() == 0
    assert not await AuditEvent.filter(action="oidc.exchanged").exists()


async def test_a_credential_stops_at_its_expiry(client, signer, issuer, published):
    namespace, hostname, _ = published
    body = (
        await exchange(client, issuer.sign(issuer.github_claims(hostname)), hostname, namespace)
    ).json()
    args = (client, signer, body["username"], body["password"], hostname, f"{namespace}/app")
    assert await actions_on(*args) == ["pull", "push"]
    # Its expiry, reached: the row's end is moved to now (the clock is not ours to move).
    await PublisherCredential.all().update(expires_at=datetime.now(UTC))
    assert await actions_on(*args) == 401


async def test_removing_the_publisher_stops_its_credentials_and_tokens_at_once(
    api, client, signer, issuer, published
):
    namespace, hostname, publisher = published
    token = issuer.sign(issuer.github_claims(hostname))
    body = (await exchange(client, token, hostname, namespace)).json()
    args = (client, signer, body["username"], body["password"], hostname, f"{namespace}/app")
    assert await actions_on(*args) == ["pull", "push"]
    assert (await remove_publisher(api, publisher["id"]))["__typename"] == (
        "RemoveTrustedPublisherSuccess"
    )
    assert await actions_on(*args) == 401
    assert await actions_on(client, signer, "oidc", token, hostname, f"{namespace}/app") == 401
    fresh = await exchange(client, issuer.sign(issuer.github_claims(hostname)), hostname, namespace)
    assert fresh.status_code == 401


async def test_failed_exchanges_are_throttled_as_logins(client, issuer, published, settings):
    namespace, hostname, _ = published
    bad = issuer.sign(issuer.github_claims(hostname, ref="refs/heads/x"))
    statuses = [
        (await exchange(client, bad, hostname, namespace)).status_code
        for _ in range(settings.auth_max_failures_per_address_and_username + 1)
    ]
    assert statuses[-1] == 429
    good = await exchange(client, issuer.sign(issuer.github_claims(hostname)), hostname, namespace)
    assert good.status_code == 429
