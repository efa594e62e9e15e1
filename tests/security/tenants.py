"""Two tenants for the isolation matrix (tests/security/test_tenant_isolation.py):
each a user owning a project that holds one of every kind of object, made
through the API, the events endpoint and the deploy API as a user, a registry
and a deploy target would make them.

`Tenant.markers()` are the strings that identify a tenant (names, global IDs,
namespace, hostnames, digests): none of the first tenant's may appear in what
the second is answered. `owned_rows()` is the first tenant's part of every
table, to compare before and after the second tenant's attempts."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from tortoise import Tortoise

from app.applications.models import DeployTarget
from app.applications.targets import create_target
from app.audit.models import AuditEvent
from app.graphql.core.ids import decode_id
from app.registries.image_models import ImageRepository
from app.registries.images.event_secret import event_secret
from app.registries.models import RegistryToken
from tests.graphql_documents import (
    ADD_REGISTRY,
    CREATE_PROJECT,
    CREATE_REGISTRY_TOKEN,
    GENERATE_CREDENTIALS,
    REVOKE_REGISTRY_TOKEN,
    ROTATE_REGISTRY_TOKEN,
    SET_RETENTION_POLICY,
    create_application,
    deploy_application,
)
from tests.registries.images.events import ENVELOPE_TYPE, digest_of, envelope, push
from tests.registries.publishers import add_publisher

REGION = "eu-central"
OTHER_REGION = "us-east"
THIRD_REGION = "ap-south"
# One image both tenants pushed: a digest is content, not a tenant's.
SHARED_DIGEST = digest_of("an image both tenants pushed")


@dataclass
class Tenant:
    """What one tenant made, and the secrets only it holds."""

    api: Any  # tests.conftest.Api, signed in as this tenant's user
    email: str
    namespace: str
    project: dict[str, Any]
    ci_repository: str  # the GitHub repository its trusted publisher trusts
    user_id: str = ""
    registries: dict[str, dict[str, Any]] = field(default_factory=dict)  # by kind
    tokens: dict[str, dict[str, Any]] = field(default_factory=dict)  # by state
    secrets: dict[str, str] = field(default_factory=dict)  # token endpoint passwords
    username: str = ""  # of its generated credentials (the token endpoint's)
    publisher: dict[str, Any] = field(default_factory=dict)
    application: dict[str, Any] = field(default_factory=dict)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    repository: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)  # name -> digest
    target: dict[str, Any] = field(default_factory=dict)  # the deploy target serving it
    deploy_credential: tuple[str, str] = ("", "")  # from its claimed deployment

    @property
    def hostname(self) -> str:
        """Its default Nodion registry's hostname: the region's, shared by every tenant."""
        return str(self.registries["NODION"]["hostname"])

    @property
    def image(self) -> str:
        return f"{self.namespace}/web"

    def global_ids(self) -> dict[str, str]:
        """Every global ID of this tenant, by a label that names the object."""
        ids = {"project": self.project["id"], "user": self.user_id}
        ids |= {f"registry {kind}": r["id"] for kind, r in self.registries.items()}
        ids |= {f"token {state}": t["id"] for state, t in self.tokens.items()}
        ids |= {
            "trusted publisher": self.publisher["id"],
            "application": self.application["id"],
            "repository": self.repository["id"],
        }
        ids |= {f"deployment {d['status']}": d["id"] for d in self.deployments}
        return ids

    def markers(self) -> set[str]:
        """Strings that identify this tenant wherever they appear."""
        found = {
            self.email,
            self.namespace,
            self.project["name"],
            self.ci_repository,
            self.application["name"],
            self.repository["name"],
            self.target["name"],
            *self.global_ids().values(),
            *self.tags.values(),
        }
        for registry in self.registries.values():
            found |= {registry["name"], registry["hostname"]}
            if registry.get("username"):
                found.add(registry["username"])
        found |= {token["name"] for token in self.tokens.values()}
        # Its secrets: tokens, third-party passwords, what its deploy target holds.
        found |= {*self.secrets.values(), self.deploy_credential[1], self.target["token"]}
        return {marker for marker in found if marker}


async def graphql(api: Any, document: str, variables: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = await api(document, variables)
    [result] = data.values()
    return dict(result)


def ok(result: dict[str, Any], success: str) -> dict[str, Any]:
    assert result["__typename"] == success, result
    return result


async def notify(client: httpx.AsyncClient, keys: Any, *events: dict[str, Any]) -> httpx.Response:
    """A managed registry's notification, with its region's secret."""
    response = await client.post(
        "/registry/v1/events",
        content=json.dumps(envelope(*events)).encode(),
        headers={
            "Content-Type": ENVELOPE_TYPE,
            "Authorization": f"Bearer {event_secret(keys.token_pepper, REGION)}",
        },
    )
    assert response.status_code == 200, response.text
    return response


async def make_project(make_api: Any, email: str, name: str, ci: str) -> Tenant:
    """A user owning a project named `name`, whose namespace its name gives."""
    api = await make_api(email)
    namespace = name.lower().replace(" ", "-")
    created = ok(
        await graphql(api, CREATE_PROJECT, {"name": name, "namespace": namespace}),
        "CreateProjectSuccess",
    )
    tenant = Tenant(api, email, namespace, created["project"], ci)
    tenant.user_id = (await api("{ viewer { id } }"))["viewer"]["id"]
    for registry in created["project"]["registries"]:
        if registry["isDefault"]:
            kind = "NODION" if registry["region"] == REGION else f"NODION {registry['region']}"
            tenant.registries[kind] = registry
    return tenant


async def make_target(settings: Any, keys: Any, name: str) -> dict[str, Any]:
    """A deploy target of the first region, as `nodion admin create-deploy-target` makes it."""
    token = await create_target(name, REGION, settings, keys.token_pepper)
    return {"name": name, "token": token, "headers": {"Authorization": f"Bearer {token}"}}


async def add_publishers(tenant: Tenant, issuer: Any) -> None:
    added = await add_publisher(
        tenant.api,
        tenant.registries["NODION"]["id"],
        "GITHUB_ACTIONS",
        repository=tenant.ci_repository,
        caCertificate=issuer.ca_pem,
    )
    tenant.publisher = ok(added, "AddTrustedPublisherSuccess")["publisher"]


async def fill(tenant: Tenant, client: httpx.AsyncClient, keys: Any) -> None:
    """Every other kind of object, made as its owner would (deployments are
    made and claimed by `deploy`)."""
    api, ns = tenant.api, tenant.namespace
    project_id = tenant.project["id"]
    third_party = {
        "DOCKER_HUB": {"username": f"{ns}-hub-user", "token": f"{ns}-hub-secret"},
        "GHCR": {},
        "CUSTOM": {
            "hostname": f"{ns}.registry.test:5000",
            "username": f"{ns}-custom-user",
            "token": f"{ns}-custom-secret",
        },
        "NODION extra": {"region": REGION},
    }
    for kind, fields in third_party.items():
        variables = {
            "input": {
                "projectId": project_id,
                "type": kind.split()[0],
                "name": f"{ns}-{kind.split()[-1].lower().replace('_', '-')}",
                "verify": False,
                **fields,
            }
        }
        added = ok(await graphql(api, ADD_REGISTRY, variables), "AddRegistrySuccess")
        tenant.registries[kind] = added["registry"]
        if "token" in fields:
            tenant.secrets[f"{kind} password"] = fields["token"]

    nodion = tenant.registries["NODION"]["id"]
    generated = ok(
        await graphql(api, GENERATE_CREDENTIALS, {"id": nodion}), "GenerateCredentialsSuccess"
    )
    tenant.username = generated["credentials"]["username"]
    tenant.secrets["generated credentials"] = generated["credentials"]["token"]

    async def token(name: str, **more: Any) -> dict[str, Any]:
        variables = {"input": {"registryId": nodion, "name": f"{ns}-{name}", "scope": "PUSH"}}
        variables["input"] |= more
        made = ok(
            await graphql(api, CREATE_REGISTRY_TOKEN, variables), "CreateRegistryTokenSuccess"
        )
        tenant.secrets[name] = made["credentials"]["token"]
        return dict(made["token"])

    tenant.tokens["ACTIVE"] = await token("deploys")
    rotating = await token("rotating")
    rotated = ok(
        await graphql(
            api, ROTATE_REGISTRY_TOKEN, {"input": {"tokenId": rotating["id"], "gracePeriod": 3600}}
        ),
        "RotateRegistryTokenSuccess",
    )
    tenant.tokens["EXPIRING"] = rotated["replaced"]
    tenant.tokens["ACTIVE after rotation"] = rotated["token"]
    tenant.secrets["rotated"] = rotated["credentials"]["token"]
    retired = await token("retired")
    ok(
        await graphql(api, REVOKE_REGISTRY_TOKEN, {"id": retired["id"]}),
        "RevokeRegistryTokenSuccess",
    )
    tenant.tokens["REVOKED"] = retired
    short = await token("short", expiresIn=300)
    await RegistryToken.filter(id=decode_id(short["id"], "RegistryToken")).update(
        expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    tenant.tokens["EXPIRED"] = short

    # Repositories and tags, as the registry reports pushes.
    tenant.tags = {"1": digest_of(f"{ns}/web:1"), "latest": digest_of(f"{ns}/web:latest")}
    await notify(
        client,
        keys,
        *(
            push(tenant.image, tag, digest, actor=tenant.username)
            for tag, digest in tenant.tags.items()
        ),
        push(f"{ns}/shared", "1", SHARED_DIGEST, actor=tenant.username),
    )
    page = await api(
        """query($id: ID!) { node(id: $id) { ... on Project {
             repositories(first: 10) { edges { node { id name } } } } } }""",
        {"id": project_id},
    )
    tenant.repository = next(
        edge["node"]
        for edge in page["node"]["repositories"]["edges"]
        if edge["node"]["name"] == tenant.image
    )
    ok(
        await graphql(
            api,
            SET_RETENTION_POLICY,
            {"input": {"registryId": nodion, "keepLast": 10, "repositories": [f"{ns}/*"]}},
        ),
        "SetRetentionPolicySuccess",
    )
    tenant.application = await create_application(
        api,
        project_id,
        name=f"{ns}-app",
        region=REGION,
        strategy="PREBUILT_IMAGE",
        image="web",
        tag="1",
        deployOnPush=True,
    )


async def deploy(
    tenant: Tenant, client: httpx.AsyncClient, target: dict[str, Any], *, finish: bool
) -> None:
    """A deployment of its app, claimed by `target` (and reported done when
    `finish`): the claim is the deploy credential's way out."""
    deployed = await deploy_application(tenant.api, tenant.application["id"])
    claimed = await client.post("/deploy/v1/deployments/claim", headers=target["headers"])
    assert claimed.status_code == 200, claimed.text
    body = claimed.json()
    assert body["deployment"]["id"] == deployed["id"], body
    number = body["deployment"]["number"]
    auth = body["dockerConfig"]["auths"][tenant.hostname]
    username, _, password = base64.b64decode(auth["auth"]).decode().partition(":")
    tenant.deploy_credential = (username, password)
    status = "CLAIMED"
    if finish:
        reported = await client.post(
            f"/deploy/v1/deployments/{number}/status",
            json={"status": "SUCCEEDED"},
            headers=target["headers"],
        )
        assert reported.status_code == 200, reported.text
        status = "SUCCEEDED"
    tenant.deployments.append({"id": deployed["id"], "number": number, "status": status})
    tenant.target = target


@dataclass
class Owned:
    """The database ids of one tenant's rows."""

    user: int
    project: int
    namespace: str
    registries: set[int]
    publishers: set[int]
    repositories: set[int]
    targets: set[int]


def _int_ids(global_ids: list[str], type_name: str) -> set[int]:
    return {decode_id(value, type_name) for value in global_ids}


async def owned(tenant: Tenant) -> Owned:
    project = decode_id(tenant.project["id"], "Project")
    repositories = await ImageRepository.filter(project_id=project).values_list("id", flat=True)
    targets = await DeployTarget.filter(name=tenant.target["name"]).values_list("id", flat=True)
    return Owned(
        user=decode_id(tenant.user_id, "User"),
        project=project,
        namespace=tenant.namespace,
        registries=_int_ids([r["id"] for r in tenant.registries.values()], "Registry"),
        publishers=_int_ids([tenant.publisher["id"]], "TrustedPublisher"),
        repositories={int(row) for row in repositories},
        targets={int(row) for row in targets},
    )


Row = dict[str, Any]

# Whose each row is: every table of the models is listed here or in SHARED, so
# a new table makes the matrix say which tenant its rows belong to.
OWNERSHIP = {
    "users": lambda row, o: row["id"] == o.user,
    "api_tokens": lambda row, o: row["user_id"] == o.user,
    "projects": lambda row, o: row["id"] == o.project,
    "project_members": lambda row, o: o.project == row["project_id"] or o.user == row["user_id"],
    "namespace_quarantine": lambda row, o: row["namespace"] == o.namespace,
    "registries": lambda row, o: row["project_id"] == o.project,
    "registry_tokens": lambda row, o: row["project_id"] == o.project,
    "trusted_publishers": lambda row, o: row["project_id"] == o.project,
    "publisher_credentials": lambda row, o: row["publisher_id"] in o.publishers,
    "applications": lambda row, o: row["project_id"] == o.project,
    "deployments": lambda row, o: row["project_id"] == o.project,
    "deploy_targets": lambda row, o: row["id"] in o.targets,
    "image_repositories": lambda row, o: row["project_id"] == o.project,
    "image_tags": lambda row, o: row["repository_id"] in o.repositories,
    "image_tag_pushes": lambda row, o: row["repository_id"] in o.repositories,
    "retention_policies": lambda row, o: row["registry_id"] in o.registries,
    "audit_events": lambda row, o: (
        o.project == row["project_id"]
        or row["project_namespace"] == o.namespace
        or o.user == row["actor_id"]
    ),
}
SHARED = {
    "image_events": "event ids a registry sent, for idempotence: no tenant's data",
    "exchanged_jtis": "OIDC token ids already exchanged, of any issuer",
    "login_attempts": "throttle counters, keyed by a digest of address and username",
    "key_fingerprints": "the service's own keys",
    "periodic_turns": "when each of the service's periodic tasks last ran",
}


def model_tables() -> dict[str, str]:
    """Every table of the models, with its primary key column."""
    tables = {}
    for models in Tortoise.apps.values():
        for model in models.values():
            described = model.describe(serializable=True)
            tables[described["table"]] = described["pk_field"]["db_column"]
    return tables


async def owned_rows(whose: Owned) -> dict[str, dict[Any, Row]]:
    """The rows of `whose` in every table, by table and primary key."""
    connection = Tortoise.get_connection("default")
    dump = {}
    for table, key in sorted(model_tables().items()):
        if table in SHARED:
            continue
        belongs = OWNERSHIP[table]
        rows = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        dump[table] = {row[key]: row for row in rows if belongs(row, whose)}
    return dump


def changes(before: dict[str, dict[Any, Row]], after: dict[str, dict[Any, Row]]) -> list[str]:
    """What differs, one line per row: added, removed, or which columns changed."""
    found = []
    for table, rows in before.items():
        now = after[table]
        for key in rows.keys() - now.keys():
            found.append(f"{table} row {key} removed")
        for key in now.keys() - rows.keys():
            found.append(f"{table} row {key} added: {now[key]}")
        for key in rows.keys() & now.keys():
            columns = [c for c in rows[key] if rows[key][c] != now[key][c]]
            if columns:
                was = {c: rows[key][c] for c in columns}
                found.append(
                    f"{table} row {key} changed {was} -> { ({c: now[key][c] for c in columns}) }"
                )
    return found


def leaked(text: str, markers: set[str], sent: str = "") -> list[str]:
    """The markers in `text` that the request itself did not carry."""
    return sorted(marker for marker in markers if marker in text and marker not in sent)


@dataclass
class Tenants:
    alice: Tenant
    mallory: Tenant
    alice_owned: Owned
    mallory_owned: Owned

    def markers(self) -> set[str]:
        """Alice's markers that are hers alone (a region's hostname, docker.io
        and the default registries' names are every tenant's)."""
        return self.alice.markers() - self.mallory.markers()


@dataclass
class Failures:
    """Every failed expectation of a test, reported together."""

    lines: list[str] = field(default_factory=list)

    def add(self, case: str, problem: str) -> None:
        self.lines.append(f"{case}: {problem}")

    def check_leaks(self, case: str, answer: str, markers: set[str], sent: str) -> None:
        if found := leaked(answer, markers, sent):
            self.add(case, f"the answer names Alice's {found}: {answer[:300]}")

    def assert_none(self, what: str) -> None:
        assert not self.lines, f"{len(self.lines)} {what}:\n  " + "\n  ".join(self.lines)


async def audit_of_mallory_names_nothing_of_alice(
    tenants: Tenants, failures: Failures, since: int = 0, also: frozenset[str] = frozenset()
) -> None:
    """Mallory's audit trail (her project's, and what she did anywhere; from
    event `since` on) neither names nor points at anything of Alice's."""
    mallory = tenants.mallory_owned
    newer = AuditEvent.filter(id__gt=since)
    events = await newer.filter(project_id=mallory.project).values()
    events += await newer.filter(actor_id=mallory.user).exclude(project_id=mallory.project).values()
    alice = tenants.alice_owned
    alice_targets = {
        ("Project", alice.project),
        ("User", alice.user),
        *(("Registry", i) for i in alice.registries),
        *(("TrustedPublisher", i) for i in alice.publishers),
    }
    for event in events:
        text = json.dumps(event, default=str)
        if found := leaked(text, tenants.markers() | also):
            failures.add("Mallory's audit log", f"names Alice's {found}: {text}")
        if (event["target_type"], event["target_id"]) in alice_targets:
            failures.add("Mallory's audit log", f"points at Alice's object: {text}")
        if event["project_id"] == alice.project:
            failures.add("Mallory's audit log", f"is Alice's: {text}")
