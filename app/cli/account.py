"""`nodion login`, `logout`, `whoami`: the API URL and token this user works with."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from app.cli import config, operations
from app.cli.client import Api
from app.cli.output import JsonOption, print_json
from app.cli.secret_input import TokenFileOption, TokenStdinOption, read_secret


def login(
    url: Annotated[
        str | None,
        typer.Option(
            help=f"The service's URL (default: NODION_URL, the saved one, {config.DEFAULT_URL})."
        ),
    ] = None,
    token_stdin: TokenStdinOption = False,
    token_file: TokenFileOption = None,
) -> None:
    """Check an API token against the service and save URL and token for later commands.

    The token is read from standard input or a file, or asked for without echo;
    never pass it as an argument."""
    base = config.normalize_url(
        url
        or os.environ.get(config.URL_VARIABLE)
        or config.read_file().get("url")
        or config.DEFAULT_URL
    )
    token = read_secret(stdin=token_stdin, file=token_file, prompt="API token")
    viewer = Api(config.Connection(base, token)).execute(operations.VIEWER)["viewer"]
    path = config.save(base, token or "")
    typer.echo(f"Logged in to {base} as {viewer['email']}; saved to {path}.")
    if os.environ.get(config.TOKEN_VARIABLE):
        typer.echo("Note: NODION_TOKEN is set and overrides the saved token.", err=True)


def logout() -> None:
    """Forget the saved URL and token."""
    path = config.remove()
    typer.echo(f"Logged out; removed {path}." if path else "Not logged in; nothing to remove.")
    if os.environ.get(config.TOKEN_VARIABLE):
        typer.echo("Note: NODION_TOKEN is still set in this shell.", err=True)


def whoami(as_json: JsonOption = False) -> None:
    """Who the API token belongs to, and which service it is for."""
    connection = config.current()
    viewer = Api(connection).execute(operations.VIEWER)["viewer"]
    if as_json:
        print_json({"url": connection.url, **viewer})
    else:
        typer.echo(f"{viewer['email']} at {connection.url}")


def register(cli: typer.Typer) -> None:
    cli.command()(login)
    cli.command()(logout)
    cli.command()(whoami)
