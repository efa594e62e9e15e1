"""`nodion admin provision-regions` and `registry-config` (declared by the
registries domain)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError, ExitCode
from app.cli.local import run_with_database

if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.settings import Settings


def provision_regions_command() -> None:
    """Give every project a default Nodion registry in each configured region (idempotent)."""
    from app.registries.provisioning import provision_all_projects

    async def work(settings: Settings, keys: ServiceKeys) -> int:
        return await provision_all_projects(settings)

    typer.echo(f"Created {run_with_database(work)} default registries.")


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

    from app import domains
    from app.cli.local import prepare_data_dir
    from app.registries.images.event_secret import event_secret
    from app.registries.images.events_endpoint import EVENTS_PATH
    from app.registries.registry_config import distribution_config
    from app.security.keys import load_keys

    settings = domains.settings()  # with every domain's section
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
