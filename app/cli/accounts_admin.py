"""`nodion admin create-user` and `create-token` (declared by the accounts domain)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from app.cli.errors import CliError, ExitCode
from app.cli.local import run_with_database

if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.settings import Settings


def _print_token(email: str, token: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps({"email": email, "token": token}))
    else:
        typer.echo(f"API token for {email} (shown once, keep it secret):")
        typer.echo(token)


def create_user_command(
    email: str, as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False
) -> None:
    """Create a user and print a new API token for it."""
    from app.accounts.service import create_user, issue_api_token

    async def work(settings: Settings, keys: ServiceKeys) -> str:
        user = await create_user(email)
        return await issue_api_token(user, keys.token_pepper)

    _print_token(email.strip().lower(), run_with_database(work), as_json)


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
