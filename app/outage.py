"""Which exceptions mean "the database cannot be reached right now".

They are answered 503 SERVICE_UNAVAILABLE wherever they are raised (a resolver, a
DataLoader, authentication, /readyz, the token endpoint), never as a bug. asyncpg's
connection failures do not derive from ConnectionError, so its public base classes
are listed too; Tortoise sometimes wraps one in its own error, so the cause chain
is searched as well.
"""

from __future__ import annotations

import errno
import sqlite3
from collections.abc import Callable

from asyncpg.exceptions import (
    DiskFullError,
    InterfaceError,
    InternalClientError,
    OperatorInterventionError,
    PostgresConnectionError,
    ReadOnlySQLTransactionError,
)
from tortoise.exceptions import DBConnectionError

DATABASE_UNAVAILABLE: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused / reset sockets, before or during a query
    DBConnectionError,  # Tortoise could not open a connection
    PostgresConnectionError,  # ConnectionDoesNotExistError, ConnectionFailureError, …
    OperatorInterventionError,  # AdminShutdownError, CannotConnectNowError, CrashShutdownError
    InterfaceError,  # "connection is closed", a pool being closed
    # The protocol state machine meeting a server that is shutting down mid-query
    # (seen under scripts/chaos.sh), answered as any other lost connection.
    InternalClientError,
)
READONLY = sqlite3.SQLITE_READONLY  # "attempt to write a readonly database", all variants
UNAVAILABLE_CODE = "SERVICE_UNAVAILABLE"
UNAVAILABLE_MESSAGE = "The database is unavailable; nothing was changed. Try again shortly."
READ_ONLY_MESSAGE = (
    "The database is read-only (its file system or server refuses writes); nothing was "
    "changed. An operator has to make it writable."
)
STORAGE_FULL_MESSAGE = (
    "The data folder is full (no space left on its disk); nothing was changed. Reads still "
    "work; an operator has to free space."
)
FULL = sqlite3.SQLITE_FULL  # "database or disk is full"
RETRY_AFTER_SECONDS = 5


class DatabaseReadOnly(ConnectionError):
    """/readyz found the database read-only (app/readiness.py)."""


class StorageFull(ConnectionError):
    """/readyz found the data folder (nearly) full (app/readiness.py)."""


def is_storage_full(error: BaseException) -> bool:
    """A write refused for want of space: SQLite's SQLITE_FULL, a file write's
    ENOSPC (or a quota's EDQUOT), PostgreSQL's disk_full. Not a bug of the
    request, and nothing was written (a transaction rolls back whole): 503."""
    if isinstance(error, StorageFull | DiskFullError):
        return True
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    code = getattr(error, "sqlite_errorcode", None)  # sqlite3.Error, Python 3.11+
    return isinstance(error, sqlite3.Error) and code is not None and code & 0xFF == FULL


def _in_chain(error: BaseException | None, test: Callable[[BaseException], bool]) -> bool:
    """`test` holds for `error` or one it was raised from (drivers' errors arrive
    wrapped in Tortoise's); a cycle of causes is walked once."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if test(error):
            return True
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return False


def caused_by_full_storage(error: BaseException | None) -> bool:
    """`error`, or one it was raised from, is a write refused for want of space."""
    return _in_chain(error, is_storage_full)


def is_database_read_only(error: BaseException) -> bool:
    """The database answers but refuses writes: SQLite on a read-only file (or
    file system), PostgreSQL in a read-only transaction or on a standby. Not a bug
    of the request: an operator has to make it writable, so it is answered 503."""
    if isinstance(error, DatabaseReadOnly | ReadOnlySQLTransactionError):
        return True
    code = getattr(error, "sqlite_errorcode", None)  # sqlite3.Error, Python 3.11+
    return isinstance(error, sqlite3.Error) and code is not None and code & 0xFF == READONLY


def caused_by_read_only_database(error: BaseException | None) -> bool:
    """`error`, or one it was raised from, is the database refusing a write
    (drivers' errors arrive wrapped in Tortoise's)."""
    return _in_chain(error, is_database_read_only)


def is_database_unavailable(error: BaseException | None) -> bool:
    return _in_chain(
        error,
        lambda each: (
            isinstance(each, DATABASE_UNAVAILABLE)
            or is_database_read_only(each)
            or is_storage_full(each)
        ),
    )


class CommitOutcomeUnknown(ConnectionError):
    """The database went away during COMMIT (an outage, so answered 503); raised
    by app.transactions.atomic."""


OUTCOME_UNKNOWN_MESSAGE = (
    "The database became unavailable while saving; the change may or may not have been "
    "saved. Check before you repeat it."
)


def unavailable_message(error: BaseException) -> tuple[str, dict[str, object]]:
    """What a 503 says: nothing changed, unless the connection was lost mid-COMMIT."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, CommitOutcomeUnknown):
            return OUTCOME_UNKNOWN_MESSAGE, {"code": UNAVAILABLE_CODE, "outcome": "UNKNOWN"}
        if is_database_read_only(current):
            return READ_ONLY_MESSAGE, {"code": UNAVAILABLE_CODE}
        if is_storage_full(current):
            return STORAGE_FULL_MESSAGE, {"code": UNAVAILABLE_CODE, "reason": "STORAGE_FULL"}
        current = current.__cause__ or current.__context__
    return UNAVAILABLE_MESSAGE, {"code": UNAVAILABLE_CODE}
