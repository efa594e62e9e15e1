"""The `nodion` command as an operator runs it: real processes, real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app import storage
from app.cli.errors import ExitCode
from app.registries.models import ACCESS_TOKEN_CIPHERTEXT, RegistryToken
from app.security.crypto import KeyRing, generate_key_entry
from tests.servers import Service, free_port, run_cli, running_service


@pytest.fixture
def first_key() -> str:
    return generate_key_entry("first")


@pytest.fixture
def server(tmp_path: Path, database_url: str, first_key: str) -> Iterator[Service]:
    with running_service(tmp_path / "data", database_url, first_key) as service:
        yield service


CREATE = """mutation { createProject(input: {name: "Demo"}) {
  ... on CreateProjectSuccess { project { id registries { id region isDefault } } } } }"""


def test_serve_prints_a_working_token_and_serves_graphiql(server: Service):
    viewer = server.graphql("{ viewer { email } }", server.demo_token)
    page = httpx.get(server.url + "/graphql", headers={"Accept": "text/html"}, timeout=5)

    assert viewer == {"viewer": {"email": "demo@nodion.local"}}
    assert "graphiql" in page.text.lower()
    assert f"Authorization: Bearer {server.demo_token}" in server.output[-1]


def test_create_user_prints_a_token_that_works(server: Service):
    plain = run_cli(server.env, "admin", "create-user", "ops@example.com")
    as_json = run_cli(server.env, "admin", "create-user", "ci@example.com", "--json")
    duplicate = run_cli(server.env, "admin", "create-user", "ops@example.com")

    assert plain.returncode == 0, plain.stderr
    token = plain.stdout.strip().splitlines()[-1]
    assert server.graphql("{ viewer { email } }", token)["viewer"]["email"] == "ops@example.com"
    json_token = json.loads(as_json.stdout)["token"]
    assert server.graphql("{ viewer { email } }", json_token)["viewer"]["email"] == "ci@example.com"
    assert duplicate.returncode == ExitCode.REFUSED  # a ValidationError, as in user commands
    assert "already exists" in duplicate.stderr


def test_provision_regions_adds_a_new_region_once(server: Service):
    project = server.graphql(CREATE, server.demo_token)["createProject"]["project"]
    env = {
        **server.env,
        "NODION_REGIONS": json.dumps(
            [
                {"slug": "eu-central", "name": "EU Central"},
                {"slug": "us-east", "name": "US East"},
                {"slug": "ap-south", "name": "AP South"},
            ]
        ),
    }

    first = run_cli(env, "admin", "provision-regions")
    second = run_cli(env, "admin", "provision-regions")

    assert first.stdout.strip() == "Created 1 default registries."
    assert second.stdout.strip() == "Created 0 default registries."
    registries = server.graphql(
        "query($id: ID!) { project(id: $id) { registries { region isDefault hostname } } }",
        server.demo_token,
        {"id": project["id"]},
    )["project"]["registries"]
    assert {
        "region": "ap-south",
        "isDefault": True,
        "hostname": "registry.ap-south.nodion.net",
    } in registries
    assert len(registries) == 3


async def test_rotate_keys_moves_every_secret_to_the_new_key(server: Service, first_key: str):
    project = server.graphql(CREATE, server.demo_token)["createProject"]["project"]
    server.graphql(
        """mutation($id: ID!) { generateCredentials(registryId: $id) { __typename } }""",
        server.demo_token,
        {"id": project["registries"][0]["id"]},
    )
    new_key = generate_key_entry("second")
    env = {**server.env, "NODION_ENCRYPTION_KEYS": f"{new_key},{first_key}"}

    first = run_cli(env, "admin", "rotate-keys")
    second = run_cli(env, "admin", "rotate-keys")

    assert first.stdout.startswith("Re-encrypted 1 secrets"), first.stderr
    assert second.stdout.startswith("Re-encrypted 0 secrets")
    await storage.connect(server.env["NODION_DATABASE_URL"])
    try:
        # The generated token is the registry's first access token.
        [row] = await RegistryToken.filter(ciphertext__isnull=False)
        only_new = KeyRing.parse(new_key)
        context = ACCESS_TOKEN_CIPHERTEXT.context_of(row.id)
        assert only_new.decrypt(row.ciphertext, context=context).startswith("nrt_")
    finally:
        await storage.disconnect()


def test_production_without_keys_refuses_to_start(tmp_path: Path):
    env = {**os.environ, "NODION_ENVIRONMENT": "production", "NODION_DATA_DIR": str(tmp_path)}
    env.pop("NODION_ENCRYPTION_KEYS", None)
    env.pop("NODION_TOKEN_PEPPER", None)

    result = run_cli(env, "serve", "--port", str(free_port()))

    assert result.returncode != 0
    assert "NODION_ENCRYPTION_KEYS and NODION_TOKEN_PEPPER must be set in production" in (
        result.stderr
    )


def test_registry_config_for_an_unknown_region_names_the_known_ones(tmp_path: Path):
    env = {**os.environ, "NODION_DATA_DIR": str(tmp_path)}

    result = run_cli(
        env,
        "admin",
        "registry-config",
        "--region",
        "mars",
        "--realm",
        "http://x",
        "--listen",
        "127.0.0.1:5000",
        "--storage",
        str(tmp_path / "s"),
        "--cert-bundle",
        str(tmp_path / "b.pem"),
    )

    assert result.returncode == ExitCode.USAGE  # a wrong --region on the command line
    assert "unknown region 'mars'; configured: eu-central, us-east" in result.stderr
