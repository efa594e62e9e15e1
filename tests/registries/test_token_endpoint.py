"""The token endpoint in-process: the protocol details a registry relies on."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from urllib.parse import parse_qs

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError

from app.audit.models import AuditEvent
from app.registries.models import REGISTRY_TOKEN
from app.registries.settings import RegistriesSettings
from app.registries.token_auth import IssuedToken
from app.registries.token_endpoint import query_values
from app.security.signing import libtrust_key_id
from tests.graphql_documents import (
    REMOVE_REGISTRY,
    default_registry,
)

EU = "registry.eu-central.nodion.net"
US = "registry.us-east.nodion.net"


def basic(username: str, token: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{username}:{token}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


async def get_token(client, username, token, *, service=EU, scope=None):
    params = [("service", service)] + [("scope", s) for s in (scope or [])]
    return await client.get("/registry/token", params=params, headers=basic(username, token))


def claims_of(token: str, signer) -> dict:
    return jwt.decode(
        token,
        signer.certificate.public_key(),
        algorithms=["ES256"],
        audience=EU,
        issuer="nodion",
    )


async def test_token_response_and_jwt_follow_the_spec(client, login, signer):
    project, username, token = login

    response = await get_token(
        client, username, token, scope=[f"repository:{project['namespace']}/app:pull,push"]
    )

    body = response.json()
    assert response.status_code == 200
    # A bearer token: no cache may keep it.
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    assert body["token"] == body["access_token"]
    assert body["expires_in"] == 300
    issued = datetime.fromisoformat(body["issued_at"].replace("Z", "+00:00"))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", body["issued_at"])
    header = jwt.get_unverified_header(body["token"])
    assert header["alg"] == "ES256"
    assert header["kid"] == libtrust_key_id(signer.certificate.public_key())
    assert re.fullmatch(r"([A-Z2-7]{4}:){11}[A-Z2-7]{4}", header["kid"])
    assert base64.b64decode(header["x5c"][0]) == signer.certificate.public_bytes(
        __import__("cryptography").hazmat.primitives.serialization.Encoding.DER
    )
    claims = claims_of(body["token"], signer)
    assert set(claims) == {"iss", "sub", "aud", "exp", "nbf", "iat", "jti", "access"}
    assert claims["sub"] == username
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iat"] == int(issued.timestamp())
    assert claims["access"] == [
        {"type": "repository", "name": f"{project['namespace']}/app", "actions": ["pull", "push"]}
    ]
    signature = base64.urlsafe_b64decode(body["token"].rsplit(".", 1)[1] + "==")
    assert len(signature) == 64  # JWS r||s, which distribution's libtrust expects


async def test_scopes_outside_the_namespace_get_empty_actions(client, login, signer):
    project, username, token = login
    ns = project["namespace"]

    response = await get_token(
        client,
        username,
        token,
        scope=[
            f"repository:{ns}/app:pull repository:other/app:pull,push",
            "registry:catalog:*",
            f"repository:{ns}/deep/path/x:push,delete",
            f"repository:{ns}-evil/app:pull",
            f"repository:{ns}/UPPER:pull",
            f"repository(plugin):{ns}/tool:pull",
            "garbage",
        ],
    )

    assert claims_of(response.json()["token"], signer)["access"] == [
        {"type": "repository", "name": f"{ns}/app", "actions": ["pull"]},
        {"type": "repository", "name": "other/app", "actions": []},
        {"type": "registry", "name": "catalog", "actions": []},
        {"type": "repository", "name": f"{ns}/deep/path/x", "actions": ["push"]},
        {"type": "repository", "name": f"{ns}-evil/app", "actions": []},
        {"type": "repository", "name": f"{ns}/UPPER", "actions": []},
        {"type": "repository", "name": f"{ns}/tool", "actions": ["pull"]},
    ]


async def test_login_without_scope_gets_a_token_with_no_access(client, login, signer):
    _, username, token = login

    response = await get_token(client, username, token)

    assert response.status_code == 200
    assert claims_of(response.json()["token"], signer)["access"] == []


async def test_crafted_query_strings_get_a_token_or_a_refusal_never_a_crash(client, login, signer):
    project, username, token = login
    ns = project["namespace"]
    headers = basic(username, token)

    async def ask(query: str):
        return await client.get(f"/registry/token?{query}", headers=headers)

    # Bad escapes, bytes that are not UTF-8, a name that is not ASCII: taken as
    # text (as Starlette's own parsing does), answered with no access there.
    odd = await ask(f"service={EU}&scope=repository:%ff%fe/x%zz:pull&scope=repository:é/ü:pull")
    assert odd.status_code == 200
    assert [grant["actions"] for grant in claims_of(odd.json()["token"], signer)["access"]] == [
        [],
        [],
    ]
    # The last `service` counts, as it did with Starlette's query_params.
    assert (await ask(f"service={US}&service={EU}")).status_code == 200
    assert (await ask(f"service={EU}&service={US}")).status_code == 401
    assert (await ask("service=&scope=x")).status_code == 401
    # Many scopes, up to the header limit: each answered, in order.
    many = "&".join(f"scope=repository:{ns}/app{n}:pull" for n in range(300))
    answered = await ask(f"service={EU}&{many}")
    assert answered.status_code == 200
    access = claims_of(answered.json()["token"], signer)["access"]
    assert [grant["name"] for grant in access] == [f"{ns}/app{n}" for n in range(300)]
    # Beyond it: refused before any work.
    assert (await ask(f"service={EU}&scope={'x' * 20_000}")).status_code == 431


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"service=registry.eu&scope=repository:ns/app:pull,push",
        b"scope=a&scope=&scope&&service=x&service=y",
        b"=v&name=&=&a=b=c",
        b"service=a%2Fb&scope=x+y",
        b"scope=%ff%fe/x%zz:pull&scope=repository:\xc3\xa9:pull",
        b"a;b=c&d=e;f",
        b"\xff\xfe=\x80&service=\xe9",
    ],
)
def test_the_query_is_read_as_parse_qs_reads_it(query):
    # The unescaped fast path of every login must not differ from what it skips.
    assert query_values(query) == parse_qs(query.decode("latin-1"), keep_blank_values=True)


@pytest.mark.parametrize(
    "variant",
    ["wrong token", "wrong username", "other service", "no service", "typo", "API token"],
)
async def test_bad_credentials_get_401_with_a_challenge(client, api, login, variant, count_queries):
    _, username, token = login
    other = token[:-1] + ("A" if token[-1] != "A" else "B")
    args = {
        "wrong token": (username, "nrt_" + "1" * 49, EU),
        "wrong username": ("someone-else", token, EU),
        "other service": (username, token, US),
        "no service": (username, token, ""),
        "typo": (username, other, EU),
        "API token": (username, api.token, EU),  # a well-formed token of another kind
    }[variant]
    count_queries.queries.clear()

    response = await get_token(client, args[0], args[1], service=args[2])

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic realm=")
    assert token not in response.text
    if variant in ("typo", "no service", "API token"):
        # The checksum, or a prefix of no registry credential, rejects it without the database.
        assert count_queries.queries == []


async def test_no_credentials_get_401(client):
    response = await client.get("/registry/token", params={"service": EU})

    assert response.status_code == 401
    assert "www-authenticate" in response.headers


def without_throttle(queries: list[str]) -> list[str]:
    return [q for q in queries if "login_attempts" not in q]


async def test_verification_is_one_query_then_none_and_last_used_is_written_once_a_minute(
    client, login, count_queries, database
):
    _, username, token = login
    count_queries.queries.clear()

    first = await get_token(client, username, token)
    after_first = without_throttle(count_queries.queries)
    count_queries.queries.clear()
    second = await get_token(client, username, token)
    after_second = list(count_queries.queries)
    count_queries.queries.clear()
    third = await get_token(client, username, token)

    assert first.status_code == second.status_code == third.status_code == 200
    selects = [q for q in after_first if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1
    # The first login's write of lastUsedAt is a commit: on SQLite any commit means
    # the next login looks again (one SELECT); PostgreSQL is told of changes to the
    # credential's columns only. After that, the login kept is used: no statement at
    # all, not even the PostgreSQL throttle's read of failure counts.
    expected_second = ["SELECT"] if database.startswith("sqlite") else []
    assert [q.split()[0].upper() for q in after_second] == expected_second
    assert count_queries.queries == []
    assert await AuditEvent.filter(action="credentials.used").count() == 1


async def test_removed_registry_is_refused_at_once(client, api, login):
    project, username, token = login
    await api(
        """mutation($p: ID!) { addRegistry(input: {projectId: $p, type: NODION,
           region: "eu-central"}) { __typename } }""",
        {"p": project["id"]},
    )
    assert (await get_token(client, username, token)).status_code == 200

    await api(REMOVE_REGISTRY, {"id": default_registry(project)["id"]})

    assert (await get_token(client, username, token)).status_code == 401


async def test_oauth2_password_grant(client, login, signer):
    project, username, token = login
    form = {
        "grant_type": "password",
        "service": EU,
        "client_id": "docker",
        "username": username,
        "password": token,
        "scope": f"repository:{project['namespace']}/app:pull",
    }

    granted = await client.post("/registry/token", data=form)
    refused = await client.post("/registry/token", data={**form, "password": "nrt_x"})
    refresh = await client.post("/registry/token", data={**form, "grant_type": "refresh_token"})

    assert granted.status_code == 200
    assert granted.headers["cache-control"] == "no-store"
    assert claims_of(granted.json()["access_token"], signer)["access"][0]["actions"] == ["pull"]
    assert refused.status_code == 401
    assert refresh.status_code == 400


async def test_repeated_failures_from_one_address_are_slowed(client, login):
    _, username, token = login
    # Well-formed guesses: a mistyped token is refused before it could count.
    statuses = [
        (await get_token(client, username, REGISTRY_TOKEN.new())).status_code for _ in range(11)
    ]

    blocked = await get_token(client, username, token)

    assert statuses == [401] * 10 + [429]
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 60


async def test_operator_documents_are_served(client, signer):
    bundle = await client.get("/registry/token/certs.pem")
    jwks = (await client.get("/.well-known/jwks.json")).json()

    assert bundle.text.startswith("-----BEGIN CERTIFICATE-----")
    [key] = jwks["keys"]
    assert key["kid"] == libtrust_key_id(signer.certificate.public_key())
    numbers = signer.certificate.public_key().public_numbers()
    x = int.from_bytes(base64.urlsafe_b64decode(key["x"] + "=="), "big")
    assert (key["kty"], key["crv"], x) == ("EC", "P-256", numbers.x)
    assert isinstance(signer.certificate.public_key(), ec.EllipticCurvePublicKey)


def test_token_lifetime_below_a_minute_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="registry_token_ttl"):
        RegistriesSettings(registry_token_ttl=30)


def test_an_issued_token_keeps_the_token_out_of_its_repr():
    issued = IssuedToken("eyJhbGciOiJFUzI1NiJ9.secret.signature", 300, "2026-11-29T16:00:00Z")

    assert "secret" not in repr(issued)
    assert "secret" not in str(issued)
