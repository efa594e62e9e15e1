"""The `nodion` command."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from app import storage
from app.accounts.models import User
from app.accounts.service import create_user, issue_api_token
from app.cli.admin import admin
from app.request_id import configure_logging
from app.security.keys import ServiceKeys, load_keys
from app.settings import Settings

cli = typer.Typer(
    help="Nodion registries: the container registry control plane.", no_args_is_help=True
)
cli.add_typer(admin, name="admin")

DEMO_EMAIL = "demo@nodion.local"
SCHEMA_FILE = Path("schema.graphql")


@cli.command()
def migrate() -> None:
    """Apply database migrations."""
    settings = Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    asyncio.run(storage.apply_migrations(settings.resolved_database_url))
    typer.echo("Database is up to date.")


async def _prepare(settings: Settings, keys: ServiceKeys) -> str | None:
    """Migrate; in development, create a demo user on an empty database."""
    await storage.apply_migrations(settings.resolved_database_url)
    if settings.is_production:
        return None
    await storage.connect(settings.resolved_database_url)
    try:
        if await User.exists():
            return None
        return await issue_api_token(await create_user(DEMO_EMAIL), keys.token_pepper)
    finally:
        await storage.disconnect()


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve https with this certificate (PEM).")
    ] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="The certificate's key (PEM).")] = None,
) -> None:
    """Migrate the database and serve the API (GraphiQL at /graphql)."""
    import uvicorn

    from app.main import create_app

    settings = Settings()
    configure_logging(settings.log_level)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    keys = load_keys(settings)
    demo_token = asyncio.run(_prepare(settings, keys))
    scheme = "https" if ssl_certfile else "http"
    url = f"{scheme}://{host}:{port}/graphql"
    typer.echo(f"Nodion registries API: {url} (open it in a browser for GraphiQL)")
    if demo_token:
        typer.echo(f"Created the demo user {DEMO_EMAIL}. Its API token (shown once):")
        typer.echo(f"  {demo_token}")
        typer.echo(
            f"Try: curl -s {url} -H 'Authorization: Bearer {demo_token}' "
            "-H 'Content-Type: application/json' -d '{\"query\": \"{ viewer { email } }\"}'"
        )
    else:
        typer.echo(
            "Get an API token with: nodion admin create-token EMAIL "
            f"(or nodion admin create-user EMAIL; the demo user is {DEMO_EMAIL})"
        )
    uvicorn.run(
        create_app(settings, keys),
        host=host,
        port=port,
        log_config=None,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )


@cli.command("export-schema")
def export_schema(
    path: Annotated[Path, typer.Argument(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL schema (SDL) that the dashboard is built against."""
    from app.graphql.schema import schema

    path.write_text(schema.as_str() + "\n")
    typer.echo(f"Wrote {path}")


def main() -> None:
    cli()
