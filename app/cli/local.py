"""What operator commands need before they touch the service's own database:
a data folder (announced when created), a reachable database (one clear line
when it is not), and for `serve` a free port (checked before any banner)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlsplit, urlunsplit

import typer

from app.cli.errors import CliError, ExitCode

# The service's modules, and the standard library's heavier ones (asyncio,
# sqlite3, socket), are imported where used, so that importing this module
# (every `nodion` command does) stays cheap for the user commands.
if TYPE_CHECKING:
    from app.security.keys import ServiceKeys
    from app.settings import Settings

T = TypeVar("T")
SQLITE_PREFIX = "sqlite://"


def unreachable_errors() -> tuple[type[BaseException], ...]:
    """What drivers raise when the database is not there: refused, unknown host,
    wrong password (asyncpg's errors are OSError or PostgresError subclasses)."""
    import sqlite3

    from tortoise.exceptions import DBConnectionError

    return (OSError, DBConnectionError, sqlite3.Error)


def sqlite_file(database_url: str) -> Path | None:
    if not database_url.startswith(SQLITE_PREFIX):
        return None
    path = database_url.removeprefix(SQLITE_PREFIX).split("?", 1)[0]
    return None if path in ("", ":memory:") else Path(path)


def shown_url(database_url: str) -> str:
    """The database URL without its password, for messages."""
    # Without the query too: drivers accept `?password=…` there.
    parts = urlsplit(database_url)
    userinfo, at, host = parts.netloc.rpartition("@")
    if not (at and ":" in userinfo):
        return database_url.split("?", 1)[0]  # as written (keeps sqlite:///…)
    # Rebuilt from the raw text, so a percent-encoded password is hidden too.
    netloc = f"{userinfo.partition(':')[0]}:***@{host}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", parts.fragment))


def notice(text: str) -> None:
    """A line for the operator on stderr; a log record when the logs are JSON
    (`nodion serve` with NODION_LOG_FORMAT=json), so that every line is JSON."""
    import logging

    from app.log_format import JsonFormatter

    if any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger().handlers):
        logging.getLogger("app.serve").info("%s", text)
    else:
        typer.echo(text, err=True)


def prepare_data_dir(settings: Settings) -> None:
    """Create the data folder and say so: a fresh, empty folder (and database)
    where one was expected is a surprise, e.g. when run outside the repository."""
    folder = settings.data_dir
    database = sqlite_file(settings.resolved_database_url)
    # Development keeps generated keys there; production needs it only for SQLite.
    needed = not settings.is_production or (
        database is not None and database.parent == folder.resolve()
    )
    if needed:
        _check_data_dir(
            folder,
            will_write=(database is not None and not database.exists())
            or _development_files_missing(settings),
        )
    if needed and not folder.exists():
        try:
            folder.mkdir(mode=0o700, parents=True)
        except OSError as error:
            raise _unusable(folder, error.strerror or str(error)) from None
        notice(f"Created the data folder {folder.absolute()} (NODION_DATA_DIR chooses another).")
    if database is not None and not database.exists():
        if not database.parent.is_dir():
            raise CliError(
                f"cannot create the SQLite database {database}: the folder {database.parent} "
                "does not exist (NODION_DATABASE_URL)"
            )
        notice(f"Creating a new SQLite database {database}.")
    elif database is not None:
        _check_sqlite_folder(database)


def _check_sqlite_folder(database: Path) -> None:
    """SQLite writes its journal beside the database even to read it: in a folder
    it cannot write into, the database cannot even be opened (and Tortoise then
    waits forever for its connection instead of failing), so this is one line
    before anything starts."""
    import os

    folder = database.absolute().parent
    if os.access(folder, os.W_OK | os.X_OK):
        return
    reason = (
        "is on a read-only file system"
        if os.statvfs(folder).f_flag & os.ST_RDONLY
        else "is not writable by this user"
    )
    raise CliError(
        f"cannot use the SQLite database {database}: its folder {folder} {reason} (SQLite "
        "writes its journal beside the database, even to read it) (NODION_DATABASE_URL)"
    )


def _unusable(folder: Path, reason: str) -> CliError:
    return CliError(f"cannot use the data folder {folder.absolute()} (NODION_DATA_DIR): {reason}")


def _check_data_dir(folder: Path, *, will_write: bool) -> None:
    """One line naming the folder and why it cannot be used, before anything is
    written into it (a half-written folder is worse than none). An existing
    read-only folder that already holds all it needs is served: requests then
    answer 503 (the database cannot be written), see app/outage.py."""
    import os

    if folder.exists() and not folder.is_dir():
        raise _unusable(folder, "it is a file, not a folder")
    existing = next(p for p in (folder.absolute(), *folder.absolute().parents) if p.exists())
    if not existing.is_dir():
        raise _unusable(folder, f"{existing} is a file, not a folder")
    if existing != folder.absolute():
        will_write = True  # the folder itself is to be created
    elif any(folder.glob("*.sqlite3")):
        will_write = True  # SQLite writes its journal beside the database, even to read
    if will_write and not os.access(existing, os.W_OK | os.X_OK):
        if os.statvfs(existing).f_flag & os.ST_RDONLY:
            raise _unusable(folder, f"{existing} is on a read-only file system")
        raise _unusable(folder, f"{existing} is not writable by this user")


def _development_files_missing(settings: Settings) -> bool:
    """Development generates keys into the data folder when they are not set."""
    from app.security.keys import DEV_KEYS_FILE, DEV_SIGNING_KEY_FILE

    if settings.is_production:
        return False
    keys_unset = not all(
        value is not None and value.get_secret_value().strip()
        for value in (settings.encryption_keys, settings.token_pepper)
    )
    signing_unset = settings.token_signing_key_file is None
    return (keys_unset and not (settings.data_dir / DEV_KEYS_FILE).exists()) or (
        signing_unset and not (settings.data_dir / DEV_SIGNING_KEY_FILE).exists()
    )


async def migrate(settings: Settings) -> bool:
    """Bring the schema up to date; False when the database is read-only but
    already up to date (it can be served, see `takes_writes`). Read-only with
    migrations to apply: one line."""
    from app import storage
    from app.outage import caused_by_full_storage, caused_by_read_only_database

    url = settings.resolved_database_url
    try:
        await storage.apply_migrations(url)
    except Exception as error:
        if caused_by_read_only_database(error):
            return await _read_only_database(url)
        if caused_by_full_storage(error):
            raise CliError(
                f"cannot migrate the database {shown_url(url)}: its disk is full (no space "
                "left); free space in the data folder, then start again (nothing was changed)",
                ExitCode.UNREACHABLE,
            ) from None
        if isinstance(error, unreachable_errors()):
            raise CliError(
                f"cannot reach the database {shown_url(url)}: "
                f"{error or type(error).__name__} (NODION_DATABASE_URL)",
                ExitCode.UNREACHABLE,
            ) from None
        raise
    return True


async def _read_only_database(url: str) -> bool:
    from app import storage

    pending = await storage.pending_migrations(url)
    if pending:
        raise CliError(
            f"cannot migrate the database {shown_url(url)}: it is read-only (its file system "
            f"or server refuses writes) and {len(pending)} migration(s) are not applied yet "
            "(NODION_DATABASE_URL)",
            ExitCode.UNREACHABLE,
        )
    return False


async def takes_writes(url: str, *, migrated: bool) -> bool:
    """On a connected database: whether it takes writes, and if not, a line
    saying what serving it means (a read-only database is served, not refused:
    reads still work, and /readyz tells the load balancer to look elsewhere).
    SQLite's migrations write nothing when there is nothing to do, so a database
    that migrated may still be read-only."""
    from app.outage import DatabaseReadOnly
    from app.readiness import check_database_ready

    if migrated:
        try:
            await check_database_ready(url)
            return True
        except DatabaseReadOnly:
            pass
    notice(
        f"The database {shown_url(url)} is read-only (its file system or server refuses "
        "writes): /readyz answers 503, and so does every request that has to write, "
        "until it is writable."
    )
    return False


async def verify_keys_or_stop(keys: ServiceKeys) -> None:
    """Stop with one line when the stored data needs keys that are not configured."""
    from app.key_check import KeyMismatch, verify_keys
    from app.security.keys import ConfigurationError, save_unsaved_keys

    try:
        await verify_keys(keys)
    except KeyMismatch as error:
        raise ConfigurationError(str(error)) from None
    save_unsaved_keys()


def run_with_database(
    work: Callable[[Settings, ServiceKeys], Awaitable[T]], *, check_keys: bool = True
) -> T:
    """Migrate, connect, check the keys, run `work`; domain failures become one
    `error:` line. `check_keys=False` only for commands that check every secret."""
    import asyncio

    from app import domains, storage
    from app.errors import DomainError
    from app.security.keys import load_keys

    settings = domains.settings()  # with every domain's section
    prepare_data_dir(settings)
    keys = load_keys(settings)

    async def main() -> T:
        await migrate(settings)
        await storage.connect(settings.resolved_database_url)
        try:
            if check_keys:
                await verify_keys_or_stop(keys)
            return await work(settings, keys)
        finally:
            await storage.disconnect()

    try:
        return asyncio.run(main())
    except DomainError as error:
        raise CliError(error.message, exit_code_of(error)) from None
    except Exception as error:
        from app.outage import (
            READ_ONLY_MESSAGE,
            STORAGE_FULL_MESSAGE,
            caused_by_full_storage,
            caused_by_read_only_database,
        )

        if caused_by_read_only_database(error):
            raise CliError(READ_ONLY_MESSAGE, ExitCode.UNREACHABLE) from None
        if caused_by_full_storage(error):
            raise CliError(STORAGE_FULL_MESSAGE, ExitCode.UNREACHABLE) from None
        raise


def exit_code_of(error: Exception) -> ExitCode:
    """The documented exit code (docs/api.md) of a domain failure in an admin
    command: the same numbers the user commands answer for the API's errors."""
    from app import errors

    codes = (
        (errors.NotFound, ExitCode.NOT_FOUND),
        (errors.PermissionDenied, ExitCode.FORBIDDEN),
        (errors.ValidationFailed | errors.Conflict | errors.NotSupported, ExitCode.REFUSED),
    )
    return next((code for kind, code in codes if isinstance(error, kind)), ExitCode.ERROR)


def check_port_free(host: str, port: int) -> None:
    """Fail before any banner when the port is taken (uvicorn would only log it
    after the start-up messages)."""
    import errno
    import socket

    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            probe.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise CliError(
                    f"port {port} on {host} is already in use (another `nodion serve`?); "
                    f"pick another with --port {port + 1}"
                ) from None
            raise CliError(f"cannot listen on {host}:{port}: {error.strerror}") from None
