"""Secrets are write-only: after generating and updating credentials, no field
of any type reachable from the schema, no log line and no database column
holds a token or a third-party password in plaintext."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import pytest
from tortoise import Tortoise

from app.applications.targets import create_target
from app.settings import Settings
from tests.graphql_documents import (
    CREATE_REGISTRY_TOKEN,
    GENERATE_CREDENTIALS,
    REVOKE_REGISTRY_TOKEN,
    ROTATE_REGISTRY_TOKEN,
    UPDATE_CREDENTIALS,
    add_unverified,
    create_application,
    create_project,
    default_registry,
    deploy_application,
)
from tests.registries.publishers import add_publisher

INTROSPECTION = """{ __schema { types { name kind
  possibleTypes { name } interfaces { name }
  fields { name args { name type { kind name ofType { kind name ofType { kind name } } } }
           type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } }
} } }"""

# Values for required arguments, by argument name.
MAX_DEPTH = 6


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    # The walk asks for every field at once, far past the cost limit a client
    # gets; this test is about what the fields reveal, not what they cost.
    return Settings(data_dir=tmp_path, database_url=database_url, max_query_cost=10**9)


@pytest.fixture
def allowed_networks() -> str:
    return "127.0.0.0/8"  # the OIDC issuer runs on loopback


class QueryBuilder:
    """Builds a selection of every field of every type, from the introspection result."""

    def __init__(self, schema: dict[str, Any], arguments: dict[str, str]) -> None:
        self.types = {t["name"]: t for t in schema["types"]}
        self.arguments = arguments
        self.seen_fields: set[str] = set()

    @staticmethod
    def _named(type_ref: dict[str, Any]) -> tuple[str, bool]:
        required = type_ref["kind"] == "NON_NULL"
        while type_ref.get("ofType"):
            type_ref = type_ref["ofType"]
        return type_ref["name"], required

    def selection(self, type_name: str, depth: int, path: tuple[str, ...] = ()) -> str:
        kind = self.types[type_name]["kind"]
        if kind in ("SCALAR", "ENUM"):
            return ""
        if kind == "INTERFACE":
            # Its types may share a field name with different types (Registry.region:
            # String, Application.region: String!), which one selection cannot
            # merge; each node type is walked on its own instead (see the test).
            return "{ __typename }"
        if kind == "UNION":
            parts = ["__typename"]
            for possible in self.types[type_name]["possibleTypes"]:
                inner = self.selection(possible["name"], depth, path)
                if inner:
                    parts.append(f"... on {possible['name']} {inner}")
            return "{ " + " ".join(parts) + " }"
        parts = ["__typename"]
        for field in self.types[type_name]["fields"]:
            rendered = self._field(type_name, field, depth, (*path, type_name))
            if rendered:
                parts.append(rendered)
        return "{ " + " ".join(parts) + " }"

    def _field(
        self, owner: str, field: dict[str, Any], depth: int, path: tuple[str, ...]
    ) -> str | None:
        args = []
        for arg in field["args"]:
            _, required = self._named(arg["type"])
            if arg["name"] in self.arguments:
                args.append(f"{arg['name']}: {self.arguments[arg['name']]}")
            elif required:
                return None
        target, _ = self._named(field["type"])
        head = field["name"] + (f"({', '.join(args)})" if args else "")
        if self.types[target]["kind"] in ("SCALAR", "ENUM"):
            self.seen_fields.add(f"{owner}.{field['name']}")
            return head
        if depth >= MAX_DEPTH or target in path:
            return None  # a type already expanded on this path adds no new field
        inner = self.selection(target, depth + 1, path)
        self.seen_fields.add(f"{owner}.{field['name']}")
        return f"{head} {inner}"


async def _table_dump() -> str:
    connection = Tortoise.get_connection("default")
    dump = []
    for table in (
        "users",
        "api_tokens",
        "projects",
        "project_members",
        "registries",
        "registry_tokens",
        "audit_events",
        "applications",
        "deployments",
        "deploy_targets",
        "trusted_publishers",
        "publisher_credentials",
        "exchanged_jtis",
    ):
        dump.append(repr(await connection.execute_query_dict(f'SELECT * FROM "{table}"')))
    return "\n".join(dump)


async def test_no_secret_is_readable_anywhere(
    api, anonymous, caplog, database_url, client, settings, keys, issuer
):
    caplog.set_level(logging.DEBUG)
    project = await create_project(api)
    managed = default_registry(project)
    generated = await api(GENERATE_CREDENTIALS, {"id": managed["id"]})
    nodion_token = generated["generateCredentials"]["credentials"]["token"]
    # Access tokens: made, rotated (the old one in its grace period), revoked,
    # and each used at the token endpoint, accepted or refused.
    made = await api(
        CREATE_REGISTRY_TOKEN,
        {"input": {"registryId": managed["id"], "name": "ci", "scope": "PULL", "expiresIn": 3600}},
    )
    pull_token = made["createRegistryToken"]["credentials"]["token"]
    rotated = await api(
        ROTATE_REGISTRY_TOKEN,
        {"input": {"tokenId": made["createRegistryToken"]["token"]["id"], "gracePeriod": 600}},
    )
    rotated_token = rotated["rotateRegistryToken"]["credentials"]["token"]
    revoked = await api(
        REVOKE_REGISTRY_TOKEN, {"id": rotated["rotateRegistryToken"]["token"]["id"]}
    )
    old_token_id = made["createRegistryToken"]["token"]["id"]
    for token in (nodion_token, pull_token, rotated_token):
        await client.get(
            "/registry/token",
            params={"service": "registry.eu-central.nodion.net"},
            auth=(project["namespace"], token),
        )
    # A trusted publisher: a CI's OIDC token exchanged, and used as a password.
    publisher = await add_publisher(
        api,
        managed["id"],
        "CUSTOM_OIDC",
        issuer=issuer.url,
        subject="ci:app",
        caCertificate=issuer.ca_pem,
    )
    ci_token = issuer.sign({**issuer.github_claims(managed["hostname"]), "sub": "ci:app"})
    exchanged = await client.post(
        "/registry/oidc/exchange",
        json={
            "token": ci_token,
            "registry": managed["hostname"],
            "namespace": project["namespace"],
        },
    )
    minted = exchanged.json()["password"]
    oidc_user = f"oidc/{project['namespace']}"
    for username, password in ((oidc_user, ci_token), (exchanged.json()["username"], minted)):
        login = await client.get(
            "/registry/token",
            params={"service": managed["hostname"]},
            auth=(username, password),
        )
        assert login.status_code == 200
    old_password, new_password = "dckr_pat_OLD-password-0001", "dckr_pat_NEW-password-0002"
    added = await add_unverified(
        api, project["id"], "DOCKER_HUB", username="alice", token=old_password
    )
    hub_id = added["registry"]["id"]
    updated = await api(
        UPDATE_CREDENTIALS,
        {
            "input": {
                "verify": False,
                "registryId": hub_id,
                "username": "alice",
                "token": new_password,
            }
        },
    )
    app = await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="team/app",
        containerRegistryId=hub_id,
    )
    deployment = await deploy_application(api, app["id"])
    target = await create_target("eu-1", "eu-central", settings, keys.token_pepper)
    claimed = await client.post(
        "/deploy/v1/deployments/claim", headers={"Authorization": f"Bearer {target}"}
    )
    handed_over = claimed.json()["dockerConfig"]["auths"]["docker.io"]["auth"]
    assert new_password in base64.b64decode(handed_over).decode()  # the one way out
    secrets = [
        nodion_token,
        pull_token,
        rotated_token,
        old_password,
        new_password,
        api.token,
        target,
        handed_over,
        ci_token,
        ci_token.split(".")[2],  # its signature alone
        minted,
    ]

    schema = (await anonymous(INTROSPECTION))["__schema"]
    builder = QueryBuilder(
        schema, {"id": f'"{project["id"]}"', "region": '"eu-central"', "first": "50"}
    )
    queries = [
        "query " + builder.selection("Query", 0),
        *(
            f'query {{ node(id: "{i}") {{ ... on {kind} {builder.selection(kind, 1)} }} }}'
            for i, kind in (
                (project["id"], "Project"),
                (managed["id"], "Registry"),
                (hub_id, "Registry"),
                (old_token_id, "RegistryToken"),
                (app["id"], "Application"),
                (publisher["publisher"]["id"], "TrustedPublisher"),
                (deployment["id"], "Deployment"),
            )
        ),
    ]
    responses = [repr(await api(q)) for q in queries]

    # The walk reached the fields that would leak, if any did.
    for field in (
        "Registry.username",
        "Registry.tokenHint",
        "AuditEvent.action",
        "RegistryProvider.defaultHostname",
        "User.email",
        "ProjectMember.role",
        "Application.imageReference",
        "Deployment.imageReference",
        "Deployment.target",
        "RegistryToken.tokenHint",
        "RegistryToken.createdBy",
        "RegistryToken.status",
        "Registry.trustedPublishers",
        "TrustedPublisher.conditions",
    ):
        assert field in builder.seen_fields, field
    assert "alice" in responses[0] and "credentials.updated" in responses[0]
    leaks = {
        "mutation responses": repr([added, updated, revoked, publisher]),
        "queries": "\n".join(responses),
        "logs": caplog.text,
        "database rows": await _table_dump(),
    }
    if database_url.startswith("sqlite://"):
        database_file = Path(database_url.removeprefix("sqlite://"))
        leaks["database files"] = b"".join(
            path.read_bytes() for path in database_file.parent.glob(database_file.name + "*")
        ).decode("latin-1")
    for where, text in leaks.items():
        for secret in secrets:
            assert secret not in text, f"a secret leaked into {where}"
    assert len(caplog.records) > 10  # the logs really were captured, SQL included
