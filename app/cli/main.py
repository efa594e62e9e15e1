"""The `nodion` command, assembled: the service's own commands (serve, migrate,
admin) and the user commands, which are GraphQL clients of a running service."""

from __future__ import annotations

import sys

import typer

from app.cli import account, service
from app.cli.admin import admin
from app.cli.apps import apps
from app.cli.commands import Commands
from app.cli.errors import CliError, ExitCode
from app.cli.hints import program
from app.cli.images import images
from app.cli.projects import projects
from app.cli.registries import registries

cli = Commands(
    help="Nodion registries: the container registry control plane.",
    no_args_is_help=True,
    # Click's plain help: flags without `<bool>` labels, and docstrings reflowed
    # to the terminal instead of keeping their source line breaks.
    rich_markup_mode=None,
    # Plain tracebacks for bugs: the rich ones print local variables, tokens included.
    pretty_exceptions_enable=False,
)
account.register(cli)
cli.add_typer(projects, name="projects")
cli.add_typer(registries, name="registries")
cli.add_typer(apps, name="apps")
cli.add_typer(images, name="images")
service.register(cli)
cli.add_typer(admin, name="admin")


def _settings_problems(error: BaseException) -> list[str] | None:
    """One line per invalid setting, when `error` is about the service's settings.
    Only consulted once app.settings was imported (nothing else raises these)."""
    if "app.settings" not in sys.modules:
        return None
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    from app.settings import describe_invalid_settings

    if isinstance(error, ValidationError | SettingsError):
        return describe_invalid_settings(error)
    return None


def main() -> None:
    """Run the command; expected failures end as one line on stderr and an exit
    code (see app/cli/errors.py), never as a traceback."""
    try:
        cli()
    except CliError as error:
        typer.echo(f"error: {error.message}", err=True)
        sys.exit(error.code)
    except SystemExit as exit_:
        # A ConfigurationError names the setting to fix and a command that
        # produces it; other exits (click's own) pass through.
        keys = sys.modules.get("app.security.keys")
        if keys is None or not isinstance(exit_, keys.ConfigurationError):
            raise
        hint = f"; run: {program()} {exit_.command}" if exit_.command else ""
        typer.echo(f"configuration error: {exit_.message}{hint}", err=True)
        sys.exit(ExitCode.ERROR)
    except Exception as error:
        problems = _settings_problems(error)
        if problems is None:
            raise
        for line in problems:
            typer.echo(f"configuration error: {line}", err=True)
        sys.exit(ExitCode.ERROR)
