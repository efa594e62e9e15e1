"""`nodion admin …`: operator commands that act on the database directly."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from app.cli.commands import Commands, FlagsDefaultFalseGroup
from app.cli.errors import CliError, ExitCode
from app.cli.local import run_with_database

# The service's modules are imported by the commands that use them: the user
# commands of `nodion` (GraphQL clients) then start without loading the service.
if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.security.stored_secrets import Reencryption
    from app.settings import Settings


class WithDomainCommands(FlagsDefaultFalseGroup):
    """`nodion admin`'s group: the shared commands below, then every domain's
    (`Domain.admin_commands`), loaded with the domain list the first time
    anything reads the group's commands, so `nodion` alone, and every user
    command, never loads the service."""

    _domains_loaded = False
    _commands: dict[str, Any]

    @property  # type: ignore[override]  # click declares a plain attribute
    def commands(self) -> dict[str, Any]:
        if not self._domains_loaded:
            self._domains_loaded = True
            self._add_domain_commands()
        return self._commands

    @commands.setter
    def commands(self, commands: dict[str, Any]) -> None:
        self._commands = commands

    def _add_domain_commands(self) -> None:
        from app import domains

        for name, where in domains.admin_commands(domains.DOMAINS).items():
            module, _, function = where.partition(":")
            one = Commands(add_completion=False, rich_markup_mode=None)  # as `nodion`
            one.command(name)(getattr(importlib.import_module(module), function))
            self._commands[name] = typer.main.get_command(one)


admin = Commands(
    help="Operator commands (they use the configured database directly).",
    no_args_is_help=True,
    group_class=WithDomainCommands,
)


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
