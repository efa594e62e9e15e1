"""`nodion admin …`: operator commands that act on the database directly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.admin_audit import audit_command
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.images_admin import apply_retention_command, sync_images_command
from app.cli.local import run_with_database
from app.cli.prune_audit import prune_audit_command

# The service's modules are imported by the commands that use them: the user
# commands of `nodion` (GraphQL clients) then start without loading the service.
if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.security.stored_secrets import Reencryption
    from app.settings import Settings

admin = Commands(
    help="Operator commands (they use the configured database directly).", no_args_is_help=True
)


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
    from app.accounts.service import create_user, issue_api_token

    async def work(settings: Settings, keys: ServiceKeys) -> str:
        user = await create_user(email)
        return await issue_api_token(user, keys.token_pepper)

    _print_token(email.strip().lower(), run_with_database(work), as_json)


@admin.command("create-token")
def create_token_command(
    email: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Print a new API token for an existing user."""
    from app.accounts.models import User
    from app.accounts.service import issue_api_token

    async def work(settings: Settings, keys: ServiceKeys) -> str:
        user = await User.get_or_none(email=email.strip().lower())
        if user is None:
            raise CliError(f"no user with email {email!r}", ExitCode.NOT_FOUND)
        return await issue_api_token(user, keys.token_pepper)

    _print_token(email.strip().lower(), run_with_database(work), as_json)


@admin.command("provision-regions")
def provision_regions_command() -> None:
    """Give every project a default Nodion registry in each configured region (idempotent)."""
    from app.registries.provisioning import provision_all_projects

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
    from app.applications.targets import create_target

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
    """Decrypt every stored secret and re-encrypt it under the first key of
    NODION_ENCRYPTION_KEYS; exits 1 naming the rows no configured key decrypts."""
    from app.key_check import rotate

    async def work(settings: Settings, keys: ServiceKeys) -> Reencryption:
        return await rotate(keys)

    result = run_with_database(work, check_keys=False)
    if result.unreadable:
        rows = ", ".join(
            f"{label} {row} (key {key_id!r})" for label, row, key_id in result.unreadable
        )
        raise CliError(
            f"{len(result.unreadable)} secrets do not decrypt with NODION_ENCRYPTION_KEYS: "
            f"{rows}. Nothing was changed for them ({result.changed} others were "
            "re-encrypted). Add the keys they were written with back to the ring and run "
            "rotate-keys again."
        )
    typer.echo(
        f"Re-encrypted {result.changed} secrets; older keys can now be removed from the ring."
    )


@admin.command("generate-key")
def generate_key_command(
    key_id: Annotated[str, typer.Argument(help="Name of the new key, e.g. 2026-11.")],
) -> None:
    """Print a new encryption key and a token pepper as lines for a .env file."""
    from app.security.crypto import generate_key_entry
    from app.security.keys import new_pepper

    typer.echo(f"# New key ring entry {key_id!r}. When rotating, put it first and keep the old")
    typer.echo("# entries after it: NODION_ENCRYPTION_KEYS=new,old (see `admin rotate-keys`).")
    typer.echo(f"NODION_ENCRYPTION_KEYS={generate_key_entry(key_id)}")
    typer.echo("# Set the pepper once and never change it: it keys every token digest.")
    typer.echo(f"NODION_TOKEN_PEPPER={new_pepper()}")


@admin.command("generate-signing-key")
def generate_signing_key_command(
    folder: Annotated[Path, typer.Argument(help="Folder for the key and certificate files.")],
) -> None:
    """Create the registry-token signing key (EC P-256, mode 0600) and its certificate,
    and print their settings as lines for a .env file."""
    from app.security.keys import DEV_SIGNING_CERT_FILE, DEV_SIGNING_KEY_FILE, write_private
    from app.security.signing import TokenSigner

    folder = folder.absolute()
    key_file, cert_file = folder / DEV_SIGNING_KEY_FILE, folder / DEV_SIGNING_CERT_FILE
    if key_file.exists() or cert_file.exists():
        raise CliError(
            f"{key_file} or {cert_file} exists already; it is not replaced", ExitCode.REFUSED
        )
    signer = TokenSigner.generate()
    write_private(key_file, signer.private_key_pem())
    cert_file.write_bytes(signer.certificate_pem())
    typer.echo("# The registries trust this certificate (admin registry-config writes it).")
    typer.echo(f"NODION_TOKEN_SIGNING_KEY_FILE={key_file}")
    typer.echo(f"NODION_TOKEN_SIGNING_CERT_FILE={cert_file}")


@admin.command("registry-config")
def registry_config_command(
    region: Annotated[str, typer.Option(help="Region slug, e.g. eu-central.")],
    realm: Annotated[str, typer.Option(help="URL of this service's /registry/token.")],
    listen: Annotated[str, typer.Option(help="HOST:PORT the registry listens on.")],
    storage: Annotated[Path, typer.Option(help="Folder for the registry's blobs.")],
    cert_bundle: Annotated[Path, typer.Option(help="Where to write the certificate bundle.")],
    events_url: Annotated[
        str | None,
        typer.Option(
            help="URL of this service's /registry/v1/events as the registry reaches it "
            "(default: on the origin of --realm)."
        ),
    ] = None,
) -> None:
    """Write the token-signing certificate bundle and print a distribution config.yml
    (token auth at --realm, notifications of pushes and deletes to --events-url)."""
    from urllib.parse import urlsplit, urlunsplit

    from app.cli.local import prepare_data_dir
    from app.registries.images.event_secret import event_secret
    from app.registries.images.events_endpoint import EVENTS_PATH
    from app.registries.registry_config import distribution_config
    from app.security.keys import load_keys
    from app.settings import Settings

    settings = Settings()
    chosen = settings.region(region)
    if chosen is None:
        known = ", ".join(r.slug for r in settings.regions)
        raise CliError(f"unknown region {region!r}; configured: {known}", ExitCode.USAGE)
    prepare_data_dir(settings)
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
            events_url=events_url or urlunsplit((*urlsplit(realm)[:2], EVENTS_PATH, "", "")),
            events_secret=event_secret(keys.token_pepper, chosen.slug),
        ),
        nl=False,
    )


admin.command("prune-audit")(prune_audit_command)
admin.command("sync-images")(sync_images_command)
admin.command("apply-retention")(apply_retention_command)
admin.command("audit")(audit_command)
