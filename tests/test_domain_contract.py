"""The domain contract: a domain that stores a secret, issues its own tokens,
serves a route, runs periodic work, reads a setting, counts a metric and adds an
admin command declares all of it in its `Domain`, and the shared machinery (key
check, rotate-keys, token shapes, the token endpoint, routing, background work,
settings, metrics, `nodion admin`) covers it.

The toy "vaults" domain below is a real domain in everything but its folder: a
Tortoise model, a secret encrypted per row, a token kind whose digests it stores,
a `docker login` verifier, a route, a periodic task, a setting, a metric and an
admin command. It is registered as app.domains registers
every domain, by being in the domain list, here passed in (`of=`) instead of
edited into `app.domains.DOMAINS`, so no global state changes."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import os
from collections.abc import AsyncIterator

import httpx
import pytest
import typer
from prometheus_client import REGISTRY, Counter
from pydantic import Field, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from tortoise import Tortoise, fields
from tortoise.backends.base.executor import EXECUTOR_CACHE
from tortoise.models import Model
from typer.testing import CliRunner

from app import db, domains, storage
from app.cli.main import cli
from app.db_changes import Unwatched
from app.domain import Domain, PeriodicTask, Running, Serving
from app.domains import DOMAINS
from app.events import Hooks
from app.key_check import KeyMismatch, rotate, verify_keys
from app.main import create_app
from app.periodic import background_work
from app.registries.domain import DOMAIN as REGISTRIES
from app.registries.token_auth import Access, LoginRefused
from app.security.crypto import DecryptionError, KeyRing, generate_key_entry
from app.security.keys import ServiceKeys
from app.security.stored_secrets import EncryptedField, TokenDigests, reveal
from app.security.tokens import TokenKind, token_digest
from app.settings import Section, Settings

# --- the toy domain: what would be app/vaults/{models,domain}.py -------------------


class Vault(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=63)
    secret_ciphertext = fields.BinaryField(null=True)
    token_digest = fields.CharField(max_length=64, null=True, unique=True)

    class Meta:
        table = "toy_vaults"


__models__ = [Vault]  # what Tortoise discovers in this module (it imports other models)

VAULT_TOKEN = TokenKind("nvt_")
VAULT_SECRET = EncryptedField(
    Vault, "secret_ciphertext", context="vault:{id}:secret", label="vault"
)
SERVICE = "vaults.example.test"


async def open_vault(name: str, secret: str, keys: ServiceKeys) -> tuple[Vault, str]:
    """A vault with its secret stored encrypted, and its access token (shown once)."""
    token = VAULT_TOKEN.new()
    vault = await Vault.create(name=name, token_digest=token_digest(token, keys.token_pepper))
    context = VAULT_SECRET.context_of(vault.id)  # the row id binds it: after the insert
    vault.secret_ciphertext = keys.keyring.encrypt(secret, context=context)
    await vault.save(update_fields=["secret_ciphertext"])
    return vault, token


async def vault_of(token: str, pepper: bytes) -> Vault | None:
    if not VAULT_TOKEN.is_well_formed(token):
        return None
    return await Vault.get_or_none(token_digest=token_digest(token, pepper))


async def verify_for_docker(username: str, token: str, service: str, pepper: bytes) -> Access:
    vault = await vault_of(token, pepper)
    assert vault is not None, "the token endpoint refuses malformed tokens before verifiers"
    return Access(audience=service, actions=("pull",), namespace=vault.name)


def vault_routes(serving: Serving) -> list[Route]:
    async def secret(request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        vault = await vault_of(token, serving.keys.token_pepper)
        if vault is None:
            return JSONResponse({"error": "unknown token"}, status_code=401)
        return JSONResponse({"secret": reveal(VAULT_SECRET, vault, serving.keys, why="owner")})

    return [Route("/vaults/secret", secret, methods=["GET"])]


class VaultSettings(Section):
    """What would be app/vaults/settings.py: NODION_VAULT_SEAL_EVERY."""

    vault_seal_every: int = Field(default=3600, ge=1, description="seconds")


VAULTS_SEALED = Counter("nodion_vaults_sealed_total", "Vaults sealed by the periodic sweep.")


async def seal_vaults(running: Running) -> None:
    VAULTS_SEALED.inc(await Vault.filter(secret_ciphertext__isnull=False).count())


VAULT_SEALING = PeriodicTask(
    "vault-sealing",
    every=lambda settings: VaultSettings.of(settings).vault_seal_every,
    run=seal_vaults,
    at_start=True,
)


def vault_policy_command() -> None:
    """Print how often vaults are sealed."""
    seal_every = VaultSettings.of(domains.settings(of=WITH_VAULTS)).vault_seal_every
    typer.echo(f"Vaults are sealed every {seal_every} s.")


VAULTS = Domain(
    name="vaults",
    models=__name__,
    token_kinds=[VAULT_TOKEN],
    token_verifiers={VAULT_TOKEN: verify_for_docker},
    encrypted=[VAULT_SECRET],
    token_digests=[TokenDigests(Vault, "token_digest")],
    routes=vault_routes,
    periodic=[VAULT_SEALING],
    settings=VaultSettings,
    metrics=[VAULTS_SEALED],
    admin_commands={"vault-policy": f"{__name__}:vault_policy_command"},
)

# --- the app with it: the one line a real domain adds to app/domains.py ------------

WITH_VAULTS = [*DOMAINS, VAULTS]


@pytest.fixture
async def vault_database(database_url: str) -> AsyncIterator[str]:
    EXECUTOR_CACHE.clear()
    await storage.apply_migrations(database_url)  # the app's tables, as every start
    await db.connect(database_url, domains.model_modules(WITH_VAULTS))
    # The toy's table: a real domain would add its migration to app/migrations.
    await Tortoise.generate_schemas(safe=True)
    try:
        yield database_url
    finally:
        await db.disconnect()


def with_ring(keys: ServiceKeys, *entries: KeyRing) -> ServiceKeys:
    return dataclasses.replace(keys, keyring=KeyRing([ring.active for ring in entries]))


async def test_the_key_check_covers_the_domains_secret(vault_database, keys):
    await open_vault("team", "s3cret", keys)
    lost = with_ring(keys, KeyRing.parse(generate_key_entry("test2")))

    with pytest.raises(KeyMismatch) as stopped:
        await verify_keys(lost, of=WITH_VAULTS)

    assert "encryption key 'test1' is not in NODION_ENCRYPTION_KEYS" in str(stopped.value)
    assert "1 stored secret" in str(stopped.value)
    await verify_keys(lost, of=DOMAINS)  # undeclared, the secret goes unnoticed


async def test_the_key_check_counts_the_domains_token_digests(vault_database, keys):
    await open_vault("team", "s3cret", keys)
    await verify_keys(keys, of=WITH_VAULTS)  # records the pepper's fingerprint
    other_pepper = dataclasses.replace(keys, token_pepper=os.urandom(32))

    with pytest.raises(KeyMismatch, match="NODION_TOKEN_PEPPER is not the pepper 1 stored token"):
        await verify_keys(other_pepper, of=WITH_VAULTS)


async def test_rotate_keys_reencrypts_the_domains_rows(vault_database, keys):
    vault, _ = await open_vault("team", "s3cret", keys)
    newest = KeyRing.parse(generate_key_entry("test2"))

    result = await rotate(with_ring(keys, newest, keys.keyring), of=WITH_VAULTS)

    assert (result.changed, result.unreadable) == (1, [])
    rotated = await Vault.get(id=vault.id)
    assert reveal(VAULT_SECRET, rotated, with_ring(keys, newest), why="test") == "s3cret"
    with pytest.raises(DecryptionError):
        reveal(VAULT_SECRET, rotated, keys, why="test")  # the old key no longer opens it
    await verify_keys(with_ring(keys, newest), of=WITH_VAULTS)  # the old key may go


async def test_rotate_keys_names_the_domains_rows_it_cannot_decrypt(vault_database, keys):
    vault, _ = await open_vault("team", "s3cret", keys)
    only_new = with_ring(keys, KeyRing.parse(generate_key_entry("test2")))

    result = await rotate(only_new, of=WITH_VAULTS)

    assert (result.changed, result.unreadable) == (0, [("vault", vault.id, "test1")])


def test_the_token_shape_check_knows_the_domains_prefix():
    kinds = domains.token_kinds(WITH_VAULTS)
    token = VAULT_TOKEN.new()
    typo = token[:10] + ("a" if token[10] != "a" else "b") + token[11:]

    assert kinds["nvt_"] is VAULT_TOKEN
    assert kinds["nvt_"].is_well_formed(token)
    assert not kinds["nvt_"].is_well_formed(typo)  # the checksum catches it


def test_a_prefix_another_domain_issues_is_refused():
    thief = Domain(name="thief", token_kinds=[TokenKind("nrt_")])

    with pytest.raises(ValueError, match="'nrt_' is declared twice"):
        domains.token_kinds([*DOMAINS, thief])


def test_hooks_for_an_event_no_domain_runs_are_refused():
    listener = Domain(name="listener", hooks={"vault.opened": [verify_for_docker]})

    with pytest.raises(ValueError, match=r"'vault\.opened', which no domain runs"):
        domains.hooks([*DOMAINS, listener])
    domains.hooks([*DOMAINS, listener, Domain(name="vaults", events=["vault.opened"])])


def basic(username: str, token: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{token}".encode()).decode()}


async def test_the_domains_route_and_tokens_are_served(vault_database, keys, settings):
    _, token = await open_vault("team", "s3cret", keys)
    routes = domains.routes(settings, keys, Unwatched(), of=WITH_VAULTS)
    app = Starlette(routes=routes)
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        secret = await http.get("/vaults/secret", headers={"Authorization": f"Bearer {token}"})
        login = await http.get(
            "/registry/token", params={"service": SERVICE}, headers=basic("ci", token)
        )
        typo = token[:-1] + ("a" if token[-1] != "a" else "b")
        refused = await http.get(
            "/registry/token", params={"service": SERVICE}, headers=basic("ci", typo)
        )

    assert secret.json() == {"secret": "s3cret"}
    assert login.status_code == 200 and login.json()["token"]  # docker login with it
    assert refused.status_code == 401
    # The registries' token endpoint still leads, ahead of the new domain's route.
    assert (routes[0].path, routes[0].methods) == ("/registry/token", {"GET", "HEAD"})


def test_the_token_endpoint_comes_first_through_the_registries_domain(keys, tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite://{tmp_path / 'unused.db'}")
    first = create_app(settings, keys, manage_database=False).routes[0]

    assert REGISTRIES.routes is not None
    assert isinstance(first, Route)
    assert (first.path, first.methods) == ("/registry/token", {"GET", "HEAD"})


async def test_the_domains_periodic_task_runs_with_its_setting_and_counts_its_metric(
    vault_database, keys, monkeypatch
):
    await open_vault("team", "s3cret", keys)
    monkeypatch.setenv("NODION_VAULT_SEAL_EVERY", "600")
    settings = domains.settings(Settings(), of=WITH_VAULTS)
    before = REGISTRY.get_sample_value("nodion_vaults_sealed_total")

    assert VaultSettings.of(settings).vault_seal_every == 600
    sealed = asyncio.Event()  # told when the toy's own task has run

    async def seal_and_tell(running: Running) -> None:
        await seal_vaults(running)
        sealed.set()

    told = dataclasses.replace(VAULT_SEALING, run=seal_and_tell)
    with_told = [*DOMAINS, dataclasses.replace(VAULTS, periodic=[told])]
    async with background_work(with_told, Running(settings, keys, Hooks())):
        await sealed.wait()  # a task due at start runs beside serving from the start

    assert REGISTRY.get_sample_value("nodion_vaults_sealed_total") == before + 1
    assert domains.metrics(WITH_VAULTS)["nodion_vaults_sealed"] is VAULTS_SEALED


def test_an_invalid_domain_setting_stops_the_start(monkeypatch):
    monkeypatch.setenv("NODION_VAULT_SEAL_EVERY", "0")

    with pytest.raises(ValidationError, match="vault_seal_every"):
        domains.settings(Settings(), of=WITH_VAULTS)


def test_the_domains_admin_command_is_a_nodion_admin_command(monkeypatch):
    monkeypatch.setattr(domains, "DOMAINS", WITH_VAULTS)  # the one line in app/domains.py
    monkeypatch.setenv("NODION_VAULT_SEAL_EVERY", "900")

    result = CliRunner().invoke(cli, ["admin", "vault-policy"])
    listed = CliRunner().invoke(cli, ["admin", "--help"])

    assert result.exit_code == 0, result.output
    assert result.output == "Vaults are sealed every 900 s.\n"
    assert "vault-policy" in listed.output and "rotate-keys" in listed.output


def test_a_metric_two_domains_declare_is_refused():
    twin = Domain(name="twin", metrics=[VAULTS_SEALED])

    with pytest.raises(ValueError, match="'nodion_vaults_sealed' is declared twice"):
        domains.metrics([*WITH_VAULTS, twin])


def test_an_admin_command_two_domains_declare_is_refused():
    twin = Domain(name="twin", admin_commands={"vault-policy": "elsewhere:command"})

    with pytest.raises(ValueError, match="'vault-policy' is declared twice"):
        domains.admin_commands([*WITH_VAULTS, twin])


async def test_a_verifiers_refusal_reason_is_returned_and_counted(vault_database, keys, settings):
    """A verifier that knows why it refuses returns it (no side channel): the
    token endpoint answers 401 as for any refusal and counts the reason."""
    _, token = await open_vault("team", "s3cret", keys)

    async def revoked(username: str, token: str, service: str, pepper: bytes) -> LoginRefused:
        return LoginRefused("revoked")

    revoking = dataclasses.replace(VAULTS, token_verifiers={VAULT_TOKEN: revoked})
    routes = domains.routes(settings, keys, Unwatched(), of=[*DOMAINS, revoking])
    counted = "nodion_registry_logins_total"
    before = REGISTRY.get_sample_value(counted, {"outcome": "revoked"})
    transport = httpx.ASGITransport(app=Starlette(routes=routes))

    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        login = await http.get(
            "/registry/token", params={"service": SERVICE}, headers=basic("ci", token)
        )

    assert login.status_code == 401
    assert REGISTRY.get_sample_value(counted, {"outcome": "revoked"}) == before + 1
