"""/readyz: ready means the database answers AND takes writes. A read-only
database (a data folder remounted read-only, a PostgreSQL standby) answers every
read and fails every login and change, so it is not ready (503); so is a
SQLite data folder with less than MIN_FREE_BYTES free (every write would fail
with SQLITE_FULL), until space is freed. (A PostgreSQL server's disk is not
ours to measure: its disk_full errors answer 503 all the same.)"""

from __future__ import annotations

import os

from tortoise import Tortoise

from app.outage import DatabaseReadOnly, StorageFull

# Less than this free in the SQLite data folder is full: a write's journal
# alone takes a few pages per table and index it touches.
MIN_FREE_BYTES = 1024 * 1024


async def check_database_ready(database_url: str) -> None:
    connection = Tortoise.get_connection("default")
    if database_url.startswith("sqlite://"):
        await connection.execute_query("SELECT 1")
        # Asked of the file system without writing: access() reports a
        # read-only mount (EROFS) and missing permissions, for the file and for
        # the folder its journal is written into.
        path = database_url.removeprefix("sqlite://").split("?", 1)[0]
        folder = os.path.dirname(path) or "."
        if not (os.access(path, os.W_OK) and os.access(folder, os.W_OK | os.X_OK)):
            raise DatabaseReadOnly(f"the SQLite database {path} cannot be written")
        free = free_bytes(folder)
        if free < MIN_FREE_BYTES:
            raise StorageFull(f"the data folder {folder} has {free} bytes free")
        return
    _, rows = await connection.execute_query("SHOW transaction_read_only")
    if rows and str(rows[0]["transaction_read_only"]).lower() == "on":
        raise DatabaseReadOnly("the PostgreSQL server takes no writes (transaction_read_only)")


def free_bytes(folder: str) -> int:
    """Bytes an unprivileged writer may still use in `folder`'s file system."""
    stats = os.statvfs(folder)
    return stats.f_bavail * stats.f_frsize
