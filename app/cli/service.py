"""`nodion serve`, `migrate`, `export-schema`: the service's own commands.

The service's modules are imported inside the commands, so that the user
commands (GraphQL clients) start without loading the whole service."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.hints import program
from app.cli.local import (
    check_port_free,
    migrate,
    prepare_data_dir,
    takes_writes,
    verify_keys_or_stop,
)

if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.settings import Settings

DEMO_EMAIL = "demo@nodion.local"
SCHEMA_FILE = Path("schema.graphql")


def migrate_command() -> None:
    """Apply database migrations (operator)."""
    import asyncio

    from app import domains

    settings = domains.settings()  # with every domain's section
    prepare_data_dir(settings)
    asyncio.run(migrate(settings))
    typer.echo("Database is up to date.")


async def _prepare(settings: Settings, keys: ServiceKeys) -> str | None:
    """Migrate; refuse keys the stored data was not written with; in development,
    create a demo user on an empty database."""
    from app import storage
    from app.accounts.models import User
    from app.accounts.service import create_user, issue_api_token

    migrated = await migrate(settings)
    await storage.connect(settings.resolved_database_url)
    try:
        writable = await takes_writes(settings.resolved_database_url, migrated=migrated)
        await verify_keys_or_stop(keys)
        if settings.is_production or not writable or await User.exists():
            return None
        return await issue_api_token(await create_user(DEMO_EMAIL), keys.token_pepper)
    finally:
        await storage.disconnect()


def _banner(url: str, settings: Settings, demo_token: str | None) -> None:
    ide = " (open it in a browser for GraphiQL)" if settings.graphiql_enabled else ""
    dashboard = url.removesuffix("/graphql") + "/dashboard"
    nodion = program()
    if settings.log_format == "json":
        _json_banner(url, dashboard, settings, demo_token is not None, nodion)
        return
    typer.echo(f"Nodion registries API: {url}{ide}")
    typer.echo(f"Dashboard: {dashboard} (sign in with an API token)")
    if demo_token:
        typer.echo(f"Created the demo user {DEMO_EMAIL}. Its API token (shown once):")
        typer.echo(f"  {demo_token}")
        typer.echo(
            f"Try: curl -s {url} -H 'Authorization: Bearer {demo_token}' "
            "-H 'Content-Type: application/json' -d '{\"query\": \"{ viewer { email } }\"}'"
        )
    elif settings.is_production:
        typer.echo(f"Create a user and its API token with: {nodion} admin create-user EMAIL")
    else:
        typer.echo(f"Get an API token with: {nodion} admin create-token {DEMO_EMAIL}")


def _json_banner(url: str, dashboard: str, settings: Settings, demo: bool, nodion: str) -> None:
    """The banner as log records, so that every line a JSON run writes is JSON.
    Without the demo user's token: a log pipeline keeps what it reads."""
    import logging

    log = logging.getLogger("app.serve")
    log.info("Nodion registries API: %s", url, extra={"url": url})
    log.info("Dashboard: %s (sign in with an API token)", dashboard, extra={"url": dashboard})
    if demo:
        log.info(
            "Created the demo user %s; its API token is not logged: get one with: "
            "%s admin create-token %s",
            DEMO_EMAIL,
            nodion,
            DEMO_EMAIL,
        )
    elif settings.is_production:
        log.info("Create a user and its API token with: %s admin create-user EMAIL", nodion)
    else:
        log.info("Get an API token with: %s admin create-token %s", nodion, DEMO_EMAIL)


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    ssl_certfile: Annotated[
        Path | None, typer.Option(help="Serve https with this certificate (PEM).")
    ] = None,
    ssl_keyfile: Annotated[Path | None, typer.Option(help="The certificate's key (PEM).")] = None,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Worker processes (each checks what it keeps with the database)."),
    ] = 1,
) -> None:
    """Migrate the database; serve the API, the dashboard and GraphiQL (operator)."""
    import asyncio
    import logging
    import shutil

    # Before prometheus_client is imported (by anything below): every worker
    # process writes its metrics there, and /metrics adds them up (app/metrics.py).
    metrics_dir = _metrics_dir()
    import uvicorn

    from app import domains
    from app.request_id import configure_logging
    from app.security.keys import load_keys

    settings = domains.settings()  # with every domain's section
    configure_logging(settings.log_level, settings.log_format)
    if settings.log_level.upper() != "DEBUG":
        # Tortoise logs each closed connection at INFO: noise above the banner.
        logging.getLogger("tortoise").setLevel(logging.WARNING)
    check_port_free(host, port)
    prepare_data_dir(settings)
    keys = load_keys(settings)
    demo_token = asyncio.run(_prepare(settings, keys))
    scheme = "https" if ssl_certfile else "http"
    _banner(f"{scheme}://{host}:{port}/graphql", settings, demo_token)
    # Each worker process builds the app from the same environment (the keys are in
    # it, or in the data folder where load_keys has just put them in development).
    try:
        _run(uvicorn, host, port, workers, ssl_certfile, ssl_keyfile, settings)
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def _metrics_dir() -> Path | None:
    """A fresh folder for the workers' metric files, unless the operator chose one."""
    import os
    import tempfile

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    folder = Path(tempfile.mkdtemp(prefix="nodion-metrics."))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    return folder


def _run(
    uvicorn: Any,
    host: str,
    port: int,
    workers: int,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
    settings: Settings,
) -> None:
    uvicorn.run(
        "app.main:create_served_app",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        **uvicorn_options(settings),
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn, apart from where it listens; scripts/bench_floors.py
    serves its floors the same way, so a ratio compares apps, not HTTP stacks."""
    return {
        "log_config": None,
        # Our access log (app/http/access_log.py) leaves out the query string.
        "access_log": False,
        # h11 refuses a request line plus headers above this before the app sees it
        # (the app checks the same limit again). httptools would be faster, but
        # uvicorn puts no bound on the headers it buffers for it.
        "http": "h11",
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        # uvicorn would believe X-Forwarded-For from 127.0.0.1; the service decides
        # whom to believe itself (NODION_TRUSTED_PROXIES, see client_address.py).
        "proxy_headers": False,
    }


def export_schema(
    path: Annotated[Path, typer.Argument(help="Where to write the SDL.")] = SCHEMA_FILE,
) -> None:
    """Write the GraphQL schema (SDL) that the dashboard is built against."""
    from app.api.schema import schema

    path.write_text(schema.as_str() + "\n")
    typer.echo(f"Wrote {path}")


def register(cli: typer.Typer) -> None:
    cli.command("serve")(serve)
    cli.command("migrate")(migrate_command)
    cli.command("export-schema")(export_schema)
