"""`nodion admin create-deploy-target` (declared by the applications domain)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.local import run_with_database

if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.settings import Settings


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
