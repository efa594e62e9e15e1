"""The tenant-isolation matrix (issue 30): two projects owned by two users,
each holding one of every kind of object (tests/security/tenants.py). Through
every entry point (every GraphQL query and mutation, read from the schema; the
token endpoint; the OIDC exchange and the `oidc` login; the events endpoint;
the deploy API; the CLI's reference resolution) the second tenant, Mallory,
tries every object of the first, Alice, by global ID and, where names are
accepted, by name, namespace or hostname. Each attempt must be refused or not
found, none may change a row of Alice's (every table is compared before and
after), and nothing of Alice's (names, IDs, namespace, hostnames, digests) may
appear in Mallory's answers or audit log.

The tenants are built once per test, and each test runs all of its cases and
reports every failure at once. A query or mutation, an HTTP route or a table
without its case here fails the matching test."""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import jwt
import pytest
import uvicorn
from starlette.routing import Mount, Route
from typer.testing import CliRunner

from app.audit.models import AuditEvent
from app.cli.errors import CliError, ExitCode
from app.cli.main import cli
from app.main import create_app
from app.registries.models import PublisherCredential
from app.registries.settings import RegistriesSettings
from app.settings import Region, Settings
from tests.graphql.test_no_leak import INTROSPECTION, QueryBuilder
from tests.registries.images.events import delete, digest_of, push
from tests.registries.publishers import add_publisher
from tests.security.graphql_cases import SCHEMA_FIELDS, judge, mutation_cases, query_cases
from tests.security.tenants import (
    OTHER_REGION,
    OWNERSHIP,
    REGION,
    SHARED,
    SHARED_DIGEST,
    THIRD_REGION,
    Failures,
    Tenant,
    Tenants,
    add_publishers,
    audit_of_mallory_names_nothing_of_alice,
    changes,
    deploy,
    fill,
    make_project,
    make_target,
    model_tables,
    notify,
    owned,
    owned_rows,
)
from tests.support.oidc_issuer import OidcIssuer
from tests.tls_material import CertificateAuthority


@pytest.fixture
def allowed_networks() -> str:
    return "127.0.0.0/8"  # the OIDC issuer runs on loopback


@pytest.fixture
def graphql_fast_path() -> bool:
    return True


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, issuer: OidcIssuer, graphql_fast_path: bool
) -> Settings:
    # The local issuer stands for GitHub Actions; the registry API is a closed
    # loopback port (an image size the events leave out is simply not found).
    # One walk asks for every list of every project at once: no cost limit.
    return Settings(
        data_dir=tmp_path,
        database_url=database_url,
        graphql_fast_path=graphql_fast_path,
        max_query_cost=10**9,
        # Mallory's refused logins must keep being judged, not throttled.
        auth_max_failures_per_address=10**6,
        auth_max_failures_per_address_and_username=10**6,
        auth_max_failures_per_username=10**6,
        auth_username_failure_delay=0,
        regions=[
            Region(slug=REGION, name="EU Central", api_url="http://127.0.0.1:9"),
            Region(slug=OTHER_REGION, name="US East", api_url="http://127.0.0.1:9"),
            Region(slug=THIRD_REGION, name="AP South", api_url="http://127.0.0.1:9"),
        ],
    ).with_sections(RegistriesSettings(github_oidc_issuer=issuer.url))


@pytest.fixture
async def tenants(make_api, client, keys, issuer, settings) -> Tenants:
    """Alice's objects are made first, so hers have the lower ids: a lookup
    that takes the first match of all tenants would find hers."""
    alice = await make_project(make_api, "alice@shop.example", "Alice Shop", "alice-org/app")
    mallory = await make_project(
        make_api, "mallory@works.example", "Mallory Works", "mallory-org/app"
    )
    for tenant in (alice, mallory):
        await add_publishers(tenant, issuer)
        await fill(tenant, client, keys)
    serving_alice = await make_target(settings, keys, "eu-alice")
    serving_mallory = await make_target(settings, keys, "eu-mallory")
    await deploy(alice, client, serving_alice, finish=True)
    await deploy(alice, client, serving_alice, finish=False)
    await deploy(mallory, client, serving_mallory, finish=False)
    return Tenants(alice, mallory, await owned(alice), await owned(mallory))


# ---------------------------------------------------------------------------
# GraphQL: one case per query and mutation field of the schema.


@pytest.mark.parametrize("graphql_fast_path", [True, False], ids=["fast-path", "stock-path"])
async def test_graphql_every_query_and_mutation_refuses_the_other_tenant(tenants: Tenants):
    mallory = tenants.mallory.api
    schema = (await mallory(SCHEMA_FIELDS))["__schema"]
    introspected = (await mallory(INTROSPECTION))["__schema"]
    arguments = {"id": f'"{tenants.mallory.project["id"]}"', "region": f'"{REGION}"', "first": "50"}
    walk = "query " + QueryBuilder(introspected, arguments).selection("Query", 0)
    cases = {**query_cases(tenants, walk), **mutation_cases(tenants)}
    fields = {f["name"] for f in schema["queryType"]["fields"]}
    fields |= {f["name"] for f in schema["mutationType"]["fields"]}
    assert set(cases) == fields, (
        f"fields without an isolation case: {sorted(fields - set(cases))}; "
        f"cases of no field: {sorted(set(cases) - fields)}"
    )
    markers = tenants.markers()
    before = await owned_rows(tenants.alice_owned)
    failures = Failures()
    for name, attempts in cases.items():
        for attempt in attempts:
            case = f"{name} ({attempt.label})"
            body = await mallory.raw(attempt.document, attempt.variables)
            if body.get("errors") or not body.get("data"):
                failures.add(case, f"errors instead of an answer: {body}")
                continue
            if problem := judge(attempt, body["data"], tenants):
                failures.add(case, problem)
            failures.check_leaks(case, json.dumps(body), markers, json.dumps(attempt.variables))
    for change in changes(before, await owned_rows(tenants.alice_owned)):
        failures.add("Alice's rows", change)
    await audit_of_mallory_names_nothing_of_alice(tenants, failures)
    failures.assert_none("isolation failures through GraphQL")


# ---------------------------------------------------------------------------
# The token endpoint: every credential Mallory holds, on Alice's repositories.


def access_of(token: str, signer: Any, audience: str) -> list[dict[str, Any]]:
    claims = jwt.decode(
        token, signer.certificate.public_key(), algorithms=["ES256"], audience=audience
    )
    return list(claims["access"])


async def oidc_credential(client: Any, issuer: OidcIssuer, tenant: Tenant) -> tuple[str, str]:
    """A push credential from the tenant's own CI, for its own namespace."""
    token = issuer.sign(issuer.github_claims(tenant.hostname, repository=tenant.ci_repository))
    answer = await client.post(
        "/registry/oidc/exchange",
        json={"token": token, "registry": tenant.hostname, "namespace": tenant.namespace},
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["username"], answer.json()["password"]


async def token_request(
    client: Any, method: str, params: list[tuple[str, str]], username: str, password: str
) -> Any:
    """GET as docker logs in; POST as the OAuth2 password grant newer clients try
    first (its form takes one `scope`, which may hold several)."""
    if method == "GET":
        return await client.get("/registry/token", params=params, auth=(username, password))
    service = params[0][1]
    form = {
        "grant_type": "password",
        "service": service,
        "scope": " ".join(value for name, value in params if name == "scope"),
        "username": username,
        "password": password,
    }
    return await client.post("/registry/token", data=form)


async def test_token_endpoint_grants_nothing_of_the_other_tenant(
    tenants: Tenants, client, signer, issuer
):
    alice, mallory = tenants.alice, tenants.mallory
    credentials = {
        "generated credentials": (mallory.username, mallory.secrets["generated credentials"]),
        "ACTIVE token": (mallory.username, mallory.secrets["deploys"]),
        "EXPIRING token": (mallory.username, mallory.secrets["rotating"]),
        "token that replaced it": (mallory.username, mallory.secrets["rotated"]),
        "deploy credential": mallory.deploy_credential,
        "publisher credential": await oidc_credential(client, issuer, mallory),
    }
    # Alice's refused tokens are hers; Mallory's own refused ones must stay refused.
    refused_own = {
        "REVOKED token": (mallory.username, mallory.secrets["retired"]),
        "EXPIRED token": (mallory.username, mallory.secrets["short"]),
    }
    scopes = [
        f"repository:{mallory.image}:pull",  # the control: granted, so the rest is judged
        f"repository:{alice.image}:pull,push,delete",
        f"repository:{alice.image}:*",
        f"repository:{alice.namespace}/shared:pull",
        f"repository:{mallory.namespace}/../{alice.image}:pull,push",
        f"repository:{mallory.namespace}/./../{alice.namespace}/x:push",
        f"repository:{alice.namespace}:pull,push",
        "registry:catalog:*",
    ]
    services = [
        alice.hostname,  # the region's, shared
        *(r["hostname"] for k, r in alice.registries.items() if not k.startswith("NODION")),
    ]
    markers = tenants.markers()
    before = await owned_rows(tenants.alice_owned)
    failures = Failures()
    for kind, (username, password) in {**credentials, **refused_own}.items():
        for username_used in (username, alice.username):
            for service, method in itertools.product(services, ("GET", "POST")):
                case = f"{kind} as {username_used!r} for {service} ({method})"
                params = [("service", service), *(("scope", scope) for scope in scopes)]
                answer = await token_request(client, method, params, username_used, password)
                failures.check_leaks(case, answer.text, markers, json.dumps(params))
                works = (
                    kind in credentials and username_used == username and service == alice.hostname
                )
                if answer.status_code in (401, 403):
                    if works:  # the control: what must work does, so refusals mean something
                        failures.add(case, f"Mallory's own credential was refused: {answer.text}")
                    continue
                if kind in refused_own:
                    failures.add(case, f"a token of Mallory's that ended got {answer.status_code}")
                    continue
                if answer.status_code != 200:
                    failures.add(case, f"answered {answer.status_code}: {answer.text}")
                    continue
                for entry in access_of(answer.json()["token"], signer, service):
                    own = entry["name"] == mallory.image
                    if entry["actions"] and not own:
                        failures.add(case, f"granted {entry}")
                    if own and "pull" not in entry["actions"]:  # the control: it works
                        failures.add(case, f"Mallory's own credential cannot pull her {entry}")
    for change in changes(before, await owned_rows(tenants.alice_owned)):
        failures.add("Alice's rows", change)
    await audit_of_mallory_names_nothing_of_alice(tenants, failures)
    failures.assert_none("isolation failures at the token endpoint")


# ---------------------------------------------------------------------------
# The OIDC exchange and the `oidc` login (trusted publishers, issue 30 item 1).
# In eu-central each tenant trusts its own CI (the fixture); Mallory's CI then
# asks for Alice's namespace. In the other two regions, where no publisher
# exists yet, Mallory first adds the broadest publishers the service accepts
# for the same issuer (in us-east any subject, and one trusting Alice's CI
# repository; in ap-south one trusting it with a CA that signed nothing of the
# issuer's); Alice then trusts that CI identity of hers, whose exchange and
# login must be granted by Alice's publisher alone, answered, and recorded in
# Alice's audit log only.

WRONG_CA = CertificateAuthority.create("a CA that signed nothing of the issuer's")
ALICE_RELEASE = "alice-org/release"  # the CI identity Alice trusts after Mallory
ALICE_IDENTITIES = frozenset({ALICE_RELEASE})
PUBLISHED_FIRST = (f"NODION {OTHER_REGION}", f"NODION {THIRD_REGION}")


def mallory_s_broadest(issuer: OidcIssuer) -> dict[str, dict[str, dict[str, Any]]]:
    """By registry: Mallory's publishers, added before Alice's there."""
    return {
        f"NODION {OTHER_REGION}": {
            "CUSTOM_OIDC on GitHub's issuer, any subject": {
                "provider": "CUSTOM_OIDC",
                "issuer": issuer.url,
                "subject": "*",
                "caCertificate": issuer.ca_pem,
            },
            "GitHub Actions trusting Alice's repository": {
                "provider": "GITHUB_ACTIONS",
                "repository": ALICE_RELEASE,
                "caCertificate": issuer.ca_pem,
            },
        },
        f"NODION {THIRD_REGION}": {
            "GitHub Actions trusting Alice's repository, with a wrong CA": {
                "provider": "GITHUB_ACTIONS",
                "repository": ALICE_RELEASE,
                "caCertificate": WRONG_CA.pem,
            },
        },
    }


async def mallory_publishes_first(tenants: Tenants, issuer: OidcIssuer) -> dict[str, list[str]]:
    """Mallory's publishers, then Alice's: Mallory's come first in id order.
    Returns, by registry, the ones the service accepted (issue 30 refuses a
    bare `*` subject, and a CUSTOM_OIDC publisher on GitHub's issuer)."""
    accepted: dict[str, list[str]] = {}
    for kind, publishers in mallory_s_broadest(issuer).items():
        accepted[kind] = []
        for label, fields in publishers.items():
            added = await add_publisher(
                tenants.mallory.api, tenants.mallory.registries[kind]["id"], **fields
            )
            if added["__typename"] == "AddTrustedPublisherSuccess":
                accepted[kind].append(label)
        alice_added = await add_publisher(
            tenants.alice.api,
            tenants.alice.registries[kind]["id"],
            "GITHUB_ACTIONS",
            repository=ALICE_RELEASE,
            caCertificate=issuer.ca_pem,
        )
        assert alice_added["__typename"] == "AddTrustedPublisherSuccess", alice_added
    return accepted


async def granted_actions(
    client: Any, signer: Any, username: str, password: str, service: str, repositories: list[str]
) -> dict[str, list[str]] | int:
    """What one login is granted on each repository, or the status refusing it."""
    scopes = [("scope", f"repository:{repository}:pull,push") for repository in repositories]
    answer = await client.get(
        "/registry/token", params=[("service", service), *scopes], auth=(username, password)
    )
    if answer.status_code != 200:
        return int(answer.status_code)
    return {e["name"]: e["actions"] for e in access_of(answer.json()["token"], signer, service)}


async def last_audit_event() -> int:
    """Events after this one are the attempts' (Mallory names Alice's CI
    repository herself when she adds a publisher trusting it)."""
    newest = await AuditEvent.all().order_by("-id").first()
    return newest.id if newest else 0


async def credentials_minted_for(tenant: Tenant) -> int:
    """How many exchanged credentials the tenant's publishers hold."""
    project = (await owned(tenant)).project
    return await PublisherCredential.filter(publisher__project_id=project).count()


def mallory_ci_token(tenants: Tenants, issuer: OidcIssuer, hostname: str) -> str:
    return issuer.sign(issuer.github_claims(hostname, repository=tenants.mallory.ci_repository))


async def test_oidc_exchange_never_grants_across_tenants(tenants: Tenants, client, signer, issuer):
    alice, mallory = tenants.alice, tenants.mallory
    accepted = await mallory_publishes_first(tenants, issuer)
    since = await last_audit_event()
    markers = tenants.markers() | ALICE_IDENTITIES
    alice_owned = await owned(alice)
    failures = Failures()

    # Mallory's CI exchanged for Alice's namespace, in every region: refused.
    before = await owned_rows(alice_owned)
    for kind, namespace in itertools.product(
        ("NODION", *PUBLISHED_FIRST), (alice.namespace, alice.namespace.upper(), alice.image)
    ):
        hostname = alice.registries[kind]["hostname"]
        case = f"Mallory's CI token for namespace {namespace!r} at {hostname}"
        token = mallory_ci_token(tenants, issuer, hostname)
        body = {"token": token, "registry": hostname, "namespace": namespace}
        answer = await client.post("/registry/oidc/exchange", json=body)
        failures.check_leaks(case, answer.text, markers, json.dumps(body))
        if not 400 <= answer.status_code < 500:
            failures.add(case, f"answered {answer.status_code}: {answer.text}")
    for change in changes(before, await owned_rows(alice_owned)):
        failures.add("Alice's rows", change)

    # Alice's CI exchanged for her namespace: Alice's publisher grants it,
    # on Alice's repositories only.
    for kind in PUBLISHED_FIRST:
        hostname = alice.registries[kind]["hostname"]
        case = f"Alice's CI token at {hostname}, after Mallory's {accepted[kind]}"
        mallory_credentials = await credentials_minted_for(mallory)
        token = issuer.sign(issuer.github_claims(hostname, repository=ALICE_RELEASE))
        body = {"token": token, "registry": hostname, "namespace": alice.namespace}
        answer = await client.post("/registry/oidc/exchange", json=body)
        if answer.status_code != 200:
            failures.add(case, f"answered {answer.status_code}: {answer.text}")
        else:
            got = answer.json()
            asked = [alice.image, mallory.image]
            actions = await granted_actions(
                client, signer, got["username"], got["password"], hostname, asked
            )
            expected = {alice.image: ["pull", "push"], mallory.image: []}
            if actions != expected:
                failures.add(case, f"the credential grants {actions}, not {expected}")
        if await credentials_minted_for(mallory) != mallory_credentials:
            failures.add(case, "one of Mallory's publishers took Alice's token")
    await audit_of_mallory_names_nothing_of_alice(tenants, failures, since, ALICE_IDENTITIES)
    failures.assert_none("isolation failures at the OIDC exchange")


async def test_oidc_login_never_grants_across_tenants(tenants: Tenants, client, signer, issuer):
    alice, mallory = tenants.alice, tenants.mallory
    accepted = await mallory_publishes_first(tenants, issuer)
    since = await last_audit_event()
    alice_owned = await owned(alice)
    failures = Failures()

    # Mallory's CI token as the password of `oidc`, asking for Alice's
    # repositories (alone, or with her own in one login), in both regions.
    before = await owned_rows(alice_owned)
    logins = ([alice.image], [mallory.image, alice.image], [f"{alice.namespace}/shared"])
    for kind, asked in itertools.product(("NODION", *PUBLISHED_FIRST), logins):
        hostname = alice.registries[kind]["hostname"]
        case = f"Mallory's CI token as `oidc` for {asked} at {hostname}"
        token = mallory_ci_token(tenants, issuer, hostname)
        actions = await granted_actions(client, signer, "oidc", token, hostname, asked)
        if isinstance(actions, int):
            if not 400 <= actions < 500:
                failures.add(case, f"answered {actions}")
        elif any(actions.get(r) for r in asked if r.startswith(f"{alice.namespace}/")):
            failures.add(case, f"granted {actions}")
    for change in changes(before, await owned_rows(alice_owned)):
        failures.add("Alice's rows", change)

    # Alice's CI token as the password of `oidc`: her repositories, by her publisher.
    for kind in PUBLISHED_FIRST:
        hostname = alice.registries[kind]["hostname"]
        case = f"Alice's CI token as `oidc` at {hostname}, after Mallory's {accepted[kind]}"
        token = issuer.sign(issuer.github_claims(hostname, repository=ALICE_RELEASE))
        actions = await granted_actions(client, signer, "oidc", token, hostname, [alice.image])
        if actions != {alice.image: ["pull", "push"]}:
            failures.add(case, f"granted {actions}, not pull and push on {alice.image}")
    await audit_of_mallory_names_nothing_of_alice(tenants, failures, since, ALICE_IDENTITIES)
    failures.assert_none("isolation failures at the `oidc` login")


# ---------------------------------------------------------------------------
# The events endpoint: what a registry reports of Mallory's pushes.


async def test_events_endpoint_applies_a_tenant_s_pushes_to_its_own_project_only(
    tenants: Tenants, client, keys
):
    alice, mallory = tenants.alice, tenants.mallory
    actor = mallory.username
    pushes = {
        "a new digest of Mallory's web:1 (Alice's app deploys web:1 on push)": [
            push(mallory.image, "1", digest_of("mallory's next web"), actor=actor)
        ],
        "Alice's digest pushed to Mallory's repository": [
            push(f"{mallory.namespace}/copy", "1", alice.tags["1"], actor=actor)
        ],
        "the digest both pushed, deleted from Mallory's repository": [
            delete(f"{mallory.namespace}/shared", SHARED_DIGEST)
        ],
        "Alice's digest deleted from Mallory's repository": [
            delete(f"{mallory.namespace}/copy", alice.tags["1"]),
            delete(mallory.image, alice.tags["latest"]),
        ],
        "a path that climbs out of Mallory's namespace": [
            push(f"{mallory.namespace}/../{alice.image}", "1", digest_of("climb"), actor=actor),
            delete(f"{mallory.namespace}/../{alice.image}", alice.tags["1"]),
        ],
        "a namespace that Alice's is a prefix of": [
            push(f"{alice.namespace}x/web", "1", digest_of("prefix"), actor=actor),
            push(f"{alice.namespace}-x/web", "1", digest_of("prefix"), actor=actor),
        ],
    }
    markers = tenants.markers()
    before = await owned_rows(tenants.alice_owned)
    failures = Failures()
    for case, events in pushes.items():
        answer = await notify(client, keys, *events)
        failures.check_leaks(case, answer.text, markers, json.dumps(events))
    for change in changes(before, await owned_rows(tenants.alice_owned)):
        failures.add("Alice's rows", change)
    await audit_of_mallory_names_nothing_of_alice(tenants, failures)
    failures.assert_none("isolation failures at the events endpoint")


# ---------------------------------------------------------------------------
# The deploy API: Mallory's credentials, and the target serving her.


async def test_deploy_api_reaches_no_other_tenant_s_deployment(tenants: Tenants, client):
    alice, mallory = tenants.alice, tenants.mallory
    bearers = {
        "Mallory's API token": mallory.api.token,
        "Mallory's registry token": mallory.secrets["deploys"],
        "Mallory's deploy credential": mallory.deploy_credential[1],
    }
    serving_mallory = mallory.target["headers"]
    paths = [
        f"/deploy/v1/deployments/{d[key]}/{action}"
        for d in alice.deployments
        for key in ("number", "id")
        for action in ("heartbeat", "status")
    ]
    markers = tenants.markers()
    before = await owned_rows(tenants.alice_owned)
    failures = Failures()
    for label, bearer in bearers.items():
        for path in ["/deploy/v1/deployments/claim", *paths]:
            case = f"{label} on {path}"
            answer = await client.post(
                path, json={"status": "FAILED"}, headers={"Authorization": f"Bearer {bearer}"}
            )
            if answer.status_code != 401:
                failures.add(case, f"answered {answer.status_code}: {answer.text}")
    for path in paths:
        for status in ("SUCCEEDED", "FAILED"):
            case = f"the target serving Mallory on {path} ({status})"
            answer = await client.post(
                path, json={"status": status, "message": "x"}, headers=serving_mallory
            )
            if answer.status_code != 404:
                failures.add(case, f"answered {answer.status_code}: {answer.text}")
            failures.check_leaks(case, answer.text, markers, path)
    case = "the target serving Mallory claims again"
    answer = await client.post("/deploy/v1/deployments/claim", headers=serving_mallory)
    if answer.status_code != 204:
        failures.add(case, f"answered {answer.status_code}: {answer.text}")
    for change in changes(before, await owned_rows(tenants.alice_owned)):
        failures.add("Alice's rows", change)
    await audit_of_mallory_names_nothing_of_alice(tenants, failures)
    failures.assert_none("isolation failures at the deploy API")


# ---------------------------------------------------------------------------
# The CLI's reference resolution: `nodion` as Mallory, naming Alice's objects.


@pytest.fixture
async def served(database, settings, keys, outbound) -> AsyncIterator[str]:
    """The app under uvicorn on 127.0.0.1 (the CLI speaks HTTP), in this
    test's event loop and database."""
    app = create_app(settings, keys, outbound=outbound, manage_database=False)
    server = uvicorn.Server(uvicorn.Config(app, lifespan="off", log_level="warning"))
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    # uvicorn says it has started by a flag only; the socket is bound already,
    # so this waits for its startup, not for something to not happen.
    while not server.started:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listener.close()


def cli_attempts(t: Tenants) -> list[list[str]]:
    alice, mallory = t.alice, t.mallory
    alone = t.markers()  # not a name both have (the default registries' names)
    projects = [alice.project["id"], alice.project["name"], alice.namespace]
    names = [value for r in alice.registries.values() for value in (r["name"], r["hostname"])]
    registries = [
        *(r["id"] for r in alice.registries.values()),
        *sorted({name for name in names if name in alone}),
    ]
    apps = [alice.application["id"], alice.application["name"]]
    tokens = [token["id"] for token in alice.tokens.values()]
    tokens += sorted({token["name"] for token in alice.tokens.values()})
    own_registry = mallory.registries["NODION"]["id"]
    within = ["--project", mallory.namespace]
    return [
        *(["projects", "rename", p, "Taken"] for p in projects),
        *(["projects", "delete", p, "--yes", "--force"] for p in projects),
        *(["registries", "list", "--project", p] for p in projects),
        *(["apps", "list", "--project", p] for p in projects),
        *(["registries", "remove", r] for r in registries),
        *(["registries", "remove", r, *within] for r in registries),
        *(["registries", "generate-credentials", r] for r in registries),
        *(["registries", "tokens", "list", r, "--all"] for r in registries),
        *(
            ["registries", "tokens", "revoke", r, alice.tokens["ACTIVE"]["name"]]
            for r in registries
        ),
        *(["registries", "tokens", "revoke", own_registry, token] for token in tokens),
        *(
            ["registries", "tokens", "rotate", own_registry, token, "--grace", "0"]
            for token in tokens
        ),
        *(["registries", "publishers", "list", r] for r in registries),
        ["registries", "publishers", "remove", own_registry, alice.publisher["id"]],
        *(["registries", "publishers", "remove", r, alice.publisher["id"]] for r in registries),
        *(["apps", "deploy", a] for a in apps),
        *(["apps", "deploy", a, *within] for a in apps),
        *(["apps", "deployments", a] for a in apps),
        *(
            ["images", "delete", f"{alice.image}:1", "--project", p, "--region", REGION, "--force"]
            for p in [*projects, mallory.namespace]
        ),
        *(["images", "list", "--project", p] for p in projects),
    ]


async def test_cli_reference_resolution_finds_nothing_of_the_other_tenant(
    tenants: Tenants, served: str, tmp_path: Path
):
    env = {
        "NODION_URL": served,
        "NODION_TOKEN": tenants.mallory.api.token,
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    markers = tenants.markers()
    before = await owned_rows(tenants.alice_owned)
    failures = Failures()
    runner = CliRunner()
    for arguments in cli_attempts(tenants):
        case = "nodion " + " ".join(arguments)
        result = await asyncio.to_thread(runner.invoke, cli, arguments, env=env)
        error = result.exception
        code = error.code if isinstance(error, CliError) else result.exit_code
        output = result.output + (error.message if isinstance(error, CliError) else "")
        if error is not None and not isinstance(error, CliError | SystemExit):
            failures.add(case, f"raised {error!r}")
        elif code == ExitCode.OK and _lists_something(arguments):
            pass  # listing something of Mallory's own is fine; the leak check decides
        elif code == ExitCode.OK:
            failures.add(case, f"succeeded: {output}")
        failures.check_leaks(case, output, markers, " ".join(arguments))
    for change in changes(before, await owned_rows(tenants.alice_owned)):
        failures.add("Alice's rows", change)
    await audit_of_mallory_names_nothing_of_alice(tenants, failures)
    failures.assert_none("isolation failures of the CLI's reference resolution")


def _lists_something(arguments: list[str]) -> bool:
    return "list" in arguments or "deployments" in arguments


# ---------------------------------------------------------------------------
# Nothing goes without a case: the routes and the tables.

# Every route of the app, and where its isolation is shown (or why it holds no
# tenant's data).
ROUTES = {
    "/registry/token": test_token_endpoint_grants_nothing_of_the_other_tenant,
    "/registry/token/certs.pem": "the service's public signing certificate",
    "/.well-known/jwks.json": "the service's public signing keys",
    "/registry/oidc/exchange": test_oidc_exchange_never_grants_across_tenants,
    "/registry/v1/events": test_events_endpoint_applies_a_tenant_s_pushes_to_its_own_project_only,
    **dict.fromkeys(
        (
            "/deploy/v1/deployments/claim",
            "/deploy/v1/deployments/{deployment_id}/heartbeat",
            "/deploy/v1/deployments/{deployment_id}/status",
        ),
        test_deploy_api_reaches_no_other_tenant_s_deployment,
    ),
    "/graphql": test_graphql_every_query_and_mutation_refuses_the_other_tenant,
    "/healthz": "no data: the process is up",
    "/readyz": "no data: the database answers",
    "/metrics": "counters with bounded labels, no tenant's names (tests/test_metrics.py)",
    "/": "a redirect to the dashboard",
    "/dashboard": "static page; its data comes through /graphql",
    "/dashboard/operations.json": "the client's GraphQL documents",
    "/dashboard/assets": "static files",
    "/static": "static files",
}


def test_every_route_and_table_has_an_isolation_case(tmp_path: Path, keys) -> None:
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite://{tmp_path / 'unused.sqlite3'}")
    app = create_app(settings, keys, manage_database=False)
    paths = {route.path for route in app.routes if isinstance(route, Route | Mount)}
    assert paths == set(ROUTES), (
        f"routes without an isolation case: {sorted(paths - set(ROUTES))}; "
        f"cases of no route: {sorted(set(ROUTES) - paths)}"
    )


async def test_every_table_says_whose_rows_it_holds(database) -> None:
    tables = set(model_tables())
    assert tables == set(OWNERSHIP) | set(SHARED), (
        f"tables without an owner rule (tests/security/tenants.py): "
        f"{sorted(tables - set(OWNERSHIP) - set(SHARED))}; rules of no table: "
        f"{sorted(set(OWNERSHIP) | set(SHARED) - tables)}"
    )
