"""`nodion admin …`: operator commands that act on the database directly."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from app import storage as database
from app.accounts.models import User
from app.accounts.service import create_user, issue_api_token
from app.applications.targets import create_target
from app.errors import DomainError
from app.registries.provisioning import provision_all_projects
from app.registries.registry_config import distribution_config
from app.registries.service import Reencryption, reencrypt_all
from app.security.crypto import generate_key_entry
from app.security.keys import ServiceKeys, load_keys, new_pepper
from app.settings import Settings

admin = typer.Typer(help="Operator commands (they use the configured database directly).")
T = TypeVar("T")


def run_with_database(work: Callable[[Settings, ServiceKeys], Awaitable[T]]) -> T:
    settings = Settings()
    keys = load_keys(settings)

    async def main() -> T:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        await database.apply_migrations(settings.resolved_database_url)
        await database.connect(settings.resolved_database_url)
        try:
            return await work(settings, keys)
        finally:
            await database.disconnect()

    try:
        return asyncio.run(main())
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(1) from None


def _print_token(email: str, token: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"email": email, "token": token}))
    else:
        typer.echo(f"API token for {email} (shown once, keep it secret):")
        typer.echo(token)


@admin.command("create-user")
def create_user_command(
    email: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Create a user and print a new API token for it."""

    async def work(settings: Settings, keys: ServiceKeys) -> str:
        user = await create_user(email)
        return await issue_api_token(user, keys.token_pepper)

    _print_token(email.strip().lower(), run_with_database(work), as_json)


@admin.command("create-token")
def create_token_command(
    email: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Print a new API token for an existing user."""

    async def work(settings: Settings, keys: ServiceKeys) -> str:
        user = await User.get_or_none(email=email.strip().lower())
        if user is None:
            typer.echo(f"error: no user with email {email!r}", err=True)
            raise typer.Exit(1)
        return await issue_api_token(user, keys.token_pepper)

    _print_token(email.strip().lower(), run_with_database(work), as_json)


@admin.command("provision-regions")
def provision_regions_command() -> None:
    """Give every project a default Nodion registry in each configured region (idempotent)."""

    async def work(settings: Settings, keys: ServiceKeys) -> int:
        return await provision_all_projects(settings)

    typer.echo(f"Created {run_with_database(work)} default registries.")


@admin.command("create-deploy-target")
def create_deploy_target_command(
    name: Annotated[str, typer.Argument(help="A DNS label, e.g. eu-central-1.")],
    region: Annotated[str, typer.Option(help="Region slug whose deployments it claims.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Register a deploy target and print its token (shown once)."""

    async def work(settings: Settings, keys: ServiceKeys) -> str:
        return await create_target(name, region, settings, keys.token_pepper)

    token = run_with_database(work)
    if as_json:
        typer.echo(json.dumps({"name": name, "region": region, "token": token}))
    else:
        typer.echo(f"Deploy target {name} ({region}); its token (shown once, keep it secret):")
        typer.echo(token)


@admin.command("rotate-keys")
def rotate_keys_command() -> None:
    """Re-encrypt every stored secret under the first key of NODION_ENCRYPTION_KEYS."""

    async def work(settings: Settings, keys: ServiceKeys) -> Reencryption:
        return await reencrypt_all(keys)

    result = run_with_database(work)
    if result.unreadable:
        typer.echo(f"Re-encrypted {result.changed} secrets.")
        typer.echo(
            f"error: no key in NODION_ENCRYPTION_KEYS decrypts the secrets of registries "
            f"{', '.join(map(str, result.unreadable))}; they were left unchanged. Add the key "
            "they were written with back to the ring and run rotate-keys again.",
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        f"Re-encrypted {result.changed} secrets; older keys can now be removed from the ring."
    )


@admin.command("generate-key")
def generate_key_command(
    key_id: Annotated[str, typer.Argument(help="Name of the new key, e.g. 2026-11.")],
) -> None:
    """Print a new key-ring entry and a token pepper for production settings."""
    entry = generate_key_entry(key_id)
    typer.echo(f"NODION_ENCRYPTION_KEYS entry (put it first to make it active): {entry}")
    typer.echo(f"NODION_TOKEN_PEPPER (set once, never change it): {new_pepper()}")


@admin.command("registry-config")
def registry_config_command(
    region: Annotated[str, typer.Option(help="Region slug, e.g. eu-central.")],
    realm: Annotated[str, typer.Option(help="URL of this service's /registry/token.")],
    listen: Annotated[str, typer.Option(help="HOST:PORT the registry listens on.")],
    storage: Annotated[Path, typer.Option(help="Folder for the registry's blobs.")],
    cert_bundle: Annotated[Path, typer.Option(help="Where to write the certificate bundle.")],
) -> None:
    """Write the token-signing certificate bundle and print a distribution config.yml."""
    settings = Settings()
    chosen = settings.region(region)
    if chosen is None:
        known = ", ".join(r.slug for r in settings.regions)
        typer.echo(f"error: unknown region {region!r}; configured: {known}", err=True)
        raise typer.Exit(1)
    keys = load_keys(settings)
    cert_bundle.parent.mkdir(parents=True, exist_ok=True)
    cert_bundle.write_bytes(keys.signer.certificate_pem())
    typer.echo(
        distribution_config(
            settings,
            chosen,
            realm=realm,
            listen=listen,
            storage=storage,
            cert_bundle=cert_bundle,
        ),
        nl=False,
    )
