"""Whether the database may have changed since a moment: what lets a process keep
what it read (a verified credential, a throttle count) and still see every change
made by any other process or host at once.

`version()` returns a value that differs whenever a relevant change may have been
committed since an earlier call, or None when that cannot be known right now (then
nothing kept may be trusted). Whoever keeps a result takes the version *before*
reading the database and keeps the result only under that version, so a change
committed while it read is never hidden.

- SQLite (one host, one file): `PRAGMA data_version` on a connection of this
  process that never writes. It changes on every commit by any other connection,
  ours included, in any process. A cheap read, no thread hop, read once
  per pass of the event loop (see SqliteDataVersion); any commit counts, so a
  write anywhere just means one more read.
- PostgreSQL (any number of hosts): a listening connection per process. Triggers
  (migration 0005) and the throttle notify `CHANNEL` in the committing transaction;
  PostgreSQL delivers the notification to every listener when that transaction
  commits. While the listener is not connected the version is None. A notification
  reaches another worker before a client that saw the commit can reach it, as long
  as that worker's event loop is not stalled for longer than the client's round trip.
  The worker that committed does not wait for its own notification: the next
  request on it may start before the notification is read from the socket, so
  every commit made through `app.transactions.atomic` counts at once
  (`note_local_commit`), and the version is (connection number, notifications,
  local commits).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Hashable
from contextlib import suppress
from typing import Any, Protocol

import asyncpg
from tortoise.backends.base.config_generator import expand_db_url

log = logging.getLogger(__name__)

CHANNEL = "nodion_changes"


class _LocalCommits:
    """Commits made by this process, counted the moment each one returns."""

    count = 0


def note_local_commit() -> None:
    """Called after every commit of this process that may have changed a watched
    row (or whose outcome is unknown), so that what this process kept is dropped
    before its next request, without waiting for the database's notification."""
    _LocalCommits.count += 1


class ChangeWatch(Protocol):
    def version(self) -> Hashable | None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Unwatched:
    """Nothing is known, so nothing read may be kept (an app not started through
    its lifespan, a database that cannot be watched)."""

    def version(self) -> Hashable | None:
        return None

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class SqliteDataVersion:
    """Read once per pass of the event loop, not once per login. A value read
    during one pass is forgotten by a callback queued right after the read, and
    asyncio runs callbacks in the order they were queued. Whatever reacts to
    something that happened after the read (a request whose bytes arrived, a
    commit's completion, a client that saw a commit and sent its next login) is
    queued after it too, so it reads the version again: no change committed
    before such a request started is hidden from it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._connection: sqlite3.Connection | None = None
        self._this_pass: int | None = None

    async def start(self) -> None:
        # timeout=0: a locked file answers "unknown" at once instead of stalling
        # the event loop (in WAL mode reading the version does not wait for writers).
        self._connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)

    def version(self) -> Hashable | None:
        if self._this_pass is not None:
            return self._this_pass
        if self._connection is None:
            return None
        try:
            row = self._connection.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            return None
        version: int = row[0]
        self._this_pass = version
        asyncio.get_running_loop().call_soon(self._forget)
        return version

    def _forget(self) -> None:
        self._this_pass = None

    async def stop(self) -> None:
        self._this_pass = None
        if self._connection is not None:
            self._connection.close()
            self._connection = None


Connect = Callable[[], Awaitable[asyncpg.Connection]]


class PostgresNotifications:
    """Counts notifications on `CHANNEL`; the version is (connection number, count,
    this process's own commits). A new connection may have missed notifications,
    so it starts a new number.
    The connection is checked every `check_every` seconds, so one that died
    without a word is noticed within `check_every + check_timeout`."""

    def __init__(
        self,
        connect: Connect,
        *,
        retry_after: float = 1.0,
        check_every: float = 5.0,
        check_timeout: float = 2.0,
    ) -> None:
        self.connect = connect
        self.retry_after = retry_after
        self.check_every = check_every
        self.check_timeout = check_timeout
        self._connection: asyncpg.Connection | None = None
        self.listening = asyncio.Event()  # set while notifications are heard
        self._number = 0
        self._count = 0
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Event | None = None  # set when the connection is lost or on stop
        self._stopped = False

    def version(self) -> Hashable | None:
        if not self.listening.is_set():
            return None
        return (self._number, self._count, _LocalCommits.count)

    def _notified(self, *args: Any) -> None:
        self._count += 1

    async def start(self, wait: float = 5.0) -> None:
        """Starts listening and waits up to `wait` seconds for it; a database that
        does not allow it then is served without keeping anything, until it does."""
        self._task = asyncio.create_task(self._listen())
        with suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.listening.wait(), wait)

    async def _listen(self) -> None:
        # `_stopped` as well as cancellation: on Python 3.11 a cancellation that
        # meets a completing `wait_for` (inside asyncpg's connect, say) can be lost.
        while not self._stopped:
            try:
                await self._listen_once()
            except Exception as error:  # any failure: keep nothing, try again
                # The type only: a message could carry the connection's address.
                log.warning("Not listening for database changes (%s)", type(error).__name__)
            finally:
                self.listening.clear()
                if self._connection is not None:
                    with suppress(Exception):
                        self._connection.terminate()
                    self._connection = None
            if not self._stopped:
                await asyncio.sleep(self.retry_after)

    async def _listen_once(self) -> None:
        connection = self._connection = await self.connect()
        wake = self._wake = asyncio.Event()
        if self._stopped:
            return

        def lost(_: object) -> None:
            self.listening.clear()  # at once: nothing kept is trusted from here on
            wake.set()

        connection.add_termination_listener(lost)
        await connection.add_listener(CHANNEL, self._notified)
        self._number += 1
        self._count = 0
        self.listening.set()
        while not wake.is_set():
            with suppress(TimeoutError):
                async with asyncio.timeout(self.check_every):
                    await wake.wait()
            if not wake.is_set():
                await connection.fetchval("SELECT 1", timeout=self.check_timeout)

    async def stop(self) -> None:
        self._stopped = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            self._task.cancel()
            # Bounded: every step of the loop is (connect 10 s, check 2 s), and
            # shutting down must not hang on it whatever happens.
            await asyncio.wait({self._task}, timeout=15)
            self._task = None
        self.listening.clear()


def watch_for(database_url: str) -> ChangeWatch:
    config = expand_db_url(database_url)
    credentials = config["credentials"]
    if config["engine"] == "tortoise.backends.sqlite":
        path = credentials["file_path"]
        # A memory database is private to its connection: nothing to watch it with.
        if path == ":memory:" or "mode=memory" in path:
            return Unwatched()
        return SqliteDataVersion(path)
    if config["engine"] == "tortoise.backends.asyncpg":
        keys = ("host", "port", "user", "password", "database", "ssl")
        arguments = {key: credentials[key] for key in keys if key in credentials}
        return PostgresNotifications(lambda: asyncpg.connect(**arguments, timeout=10))
    return Unwatched()
