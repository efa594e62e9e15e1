"""Verified logins and clean throttle counts are kept only while the database has
not changed: a change made by anyone, anywhere (here: a connection of another
process, not this service's code) refuses the next login."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Hashable

import asyncpg
import httpx
import pytest
from tortoise.backends.base.config_generator import expand_db_url

from app.db_changes import (
    ChangeWatch,
    PostgresNotifications,
    SqliteDataVersion,
    Unwatched,
    watch_for,
)
from app.main import create_app
from app.security.attempts_table import DatabaseAttempts
from app.transactions import atomic
from tests.graphql_documents import default_registry
from tests.registries.test_access_tokens import revoke, rotate, tokens
from tests.registries.test_token_endpoint import get_token


async def changed(watch: ChangeWatch, since: Hashable, seconds: float = 5.0) -> None:
    """Until the watch reports a change (a notification is delivered asynchronously)."""
    async with asyncio.timeout(seconds):
        while watch.version() == since:  # noqa: ASYNC110 - a value to poll, no event
            await asyncio.sleep(0.005)


async def change_elsewhere(database_url: str, statement: str, *args: object) -> None:
    """What another process or host does: its own connection, its own commit."""
    if database_url.startswith("sqlite"):
        path = expand_db_url(database_url)["credentials"]["file_path"]
        with sqlite3.connect(path) as connection:
            connection.execute(statement.replace("$1", "?"), args)
    else:
        connection = await asyncpg.connect(database_url)
        try:
            await connection.execute(statement, *args)
        finally:
            await connection.close()


@pytest.fixture
async def watched(database, settings, keys, outbound) -> AsyncIterator[tuple]:
    """A client of an app running its lifespan with a watch the test can see."""
    watch = watch_for(database)
    app = create_app(settings, keys, outbound=outbound, manage_database=False, watch=watch)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http, watch


async def test_a_token_changed_elsewhere_is_refused_by_the_next_login(
    database, watched, login, count_queries
):
    http, watch = watched
    _, username, token = login
    assert watch.version() is not None
    for _ in range(3):
        assert (await get_token(http, username, token)).status_code == 200
    count_queries.queries.clear()
    assert (await get_token(http, username, token)).status_code == 200
    assert count_queries.queries == []  # the kept login was used

    before = watch.version()
    await change_elsewhere(database, REVOKE_ELSEWHERE, username)
    if database.startswith("sqlite"):
        # No delivery to wait for: a login sent after the commit starts in a later
        # pass of the event loop, which reads the version from the file again.
        await asyncio.sleep(0)
    else:
        await changed(watch, before)  # the notification's way to this process

    assert (await get_token(http, username, token)).status_code == 401


REVOKE_ELSEWHERE = (
    "UPDATE registry_tokens SET revoked_at = CURRENT_TIMESTAMP "
    "WHERE registry_id IN (SELECT id FROM registries WHERE username = $1)"
)

ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


@ON_POSTGRESQL
async def test_a_change_to_last_used_only_keeps_the_login_on_postgresql(database, watched, login):
    """lastUsedAt is written once a minute per credential; it says nothing about
    whether a token is valid, so PostgreSQL's triggers do not announce it. (On
    SQLite every commit counts as a change.)"""
    _, watch = watched
    _, username, _ = login
    before = watch.version()
    await change_elsewhere(
        database, "UPDATE registries SET last_used_at = now() WHERE username = $1", username
    )
    await change_elsewhere(database, "UPDATE registry_tokens SET last_used_at = now()")
    await change_elsewhere(database, "UPDATE registries SET name = name || ' (renamed)'")
    await changed(watch, before)
    assert watch.version() == (before[0], before[1] + 1, before[2])  # the rename only


async def test_the_watch_of_each_database(database, tmp_path):
    watch = watch_for(database)
    await watch.start()
    try:
        first = watch.version()
        assert first is not None
        assert watch.version() == first  # nothing changed
        if isinstance(watch, PostgresNotifications):
            # A statement on a watched table, even one that changes no row.
            await change_elsewhere(database, "DELETE FROM projects WHERE id = $1", -1)
            await changed(watch, first)
        else:  # any commit that writes, to any table; seen from the next pass on
            await change_elsewhere(database, "CREATE TABLE elsewhere (x INTEGER)")
            await asyncio.sleep(0)
        assert watch.version() != first
    finally:
        await watch.stop()
    assert watch.version() is None  # stopped: nothing may be kept
    assert isinstance(watch_for("sqlite://:memory:"), Unwatched)
    assert isinstance(watch_for(f"sqlite://{tmp_path}/x.sqlite3"), SqliteDataVersion)


async def test_sqlite_reads_the_version_once_per_pass_and_what_follows_a_commit_sees_it(
    tmp_path,
):
    path = str(tmp_path / "watched.sqlite3")
    with sqlite3.connect(path) as setup:
        setup.execute("CREATE TABLE t (x INTEGER)")
    watch = SqliteDataVersion(path)
    await watch.start()
    try:
        first = watch.version()
        with sqlite3.connect(path) as elsewhere:
            elsewhere.execute("INSERT INTO t VALUES (1)")
        # Read once per pass of the event loop: the same pass reuses the value...
        assert watch.version() == first
        # ...and whatever is queued after the commit (a request that arrived, a
        # commit's completion) runs in a later pass and reads it again.
        seen: list[Hashable | None] = []
        asyncio.get_running_loop().call_soon(lambda: seen.append(watch.version()))
        await asyncio.sleep(0)
        assert seen[0] is not None and seen[0] != first
        assert watch.version() == seen[0]
    finally:
        await watch.stop()


@ON_POSTGRESQL
async def test_a_commit_of_this_worker_counts_before_its_notification_arrives(watched):
    """The next request on the worker that committed may start before the
    database's notification is read from the socket; the commit itself counts.
    (SQLite's data_version already changes with the commit itself.)"""
    _, watch = watched
    before = watch.version()
    async with atomic() as connection:
        await connection.execute_query("DELETE FROM projects WHERE id = -1")
    assert watch.version() != before  # no await in between: no notification read yet


@ON_POSTGRESQL
async def test_a_lost_listener_keeps_nothing_until_it_listens_again(database):
    watch = PostgresNotifications(lambda: asyncpg.connect(database), retry_after=0.05)
    await watch.start()
    try:
        number, _, _ = watch.version()
        admin = await asyncpg.connect(database)
        try:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE 'LISTEN%' AND pid <> pg_backend_pid()"
            )
        finally:
            await admin.close()
        async with asyncio.timeout(5):
            while watch.listening.is_set():  # noqa: ASYNC110 - set again when it relistens
                await asyncio.sleep(0.001)
        # Changes made meanwhile were never heard of: a new connection number, so
        # nothing kept under the old one is used again.
        await asyncio.wait_for(watch.listening.wait(), 5)
        assert watch.version()[0] == number + 1
    finally:
        await watch.stop()


@ON_POSTGRESQL
async def test_clean_throttle_counts_are_kept_until_a_failure_anywhere(database, count_queries):
    """(On SQLite the counts live in each process: MemoryAttempts.)"""
    watches = [watch_for(database), watch_for(database)]
    for watch in watches:
        await watch.start()
    try:
        here, elsewhere = (DatabaseAttempts(watch) for watch in watches)
        keys = ["address-key", "pair-key"]
        assert await here.add([], 100, 95, read=keys) == {"address-key": [], "pair-key": []}
        count_queries.queries.clear()
        await here.add([], 100, 95, read=keys)
        assert count_queries.queries == []  # known clean, nothing changed

        before = watches[0].version()
        await elsewhere.add(["pair-key"], 100, 95)  # a failure counted by another worker
        await changed(watches[0], before)

        counts = await here.add([], 100, 95, read=keys)
        assert counts == {"address-key": [], "pair-key": [(100, 1)]}
    finally:
        for watch in watches:
            await watch.stop()


@ON_POSTGRESQL
async def test_stop_ends_the_listener_whenever_it_is_called(database):
    """Also in the middle of (re)connecting, when Python 3.11 can lose the
    cancellation: serving must never hang at shutdown."""
    connections: list[asyncpg.Connection] = []

    async def connect_that_swallows_cancellation() -> asyncpg.Connection:
        # What 3.11's wait_for does when the connection is made as the
        # cancellation arrives: the connection is returned, the cancellation lost.
        task = asyncio.ensure_future(asyncpg.connect(database))
        try:
            connection = await asyncio.shield(task)
        except asyncio.CancelledError:
            connection = await task
        connections.append(connection)
        return connection

    for delay in (0.0, 0.001, 0.003, 0.2):
        watch = PostgresNotifications(connect_that_swallows_cancellation, retry_after=0.01)
        await watch.start(wait=delay)
        async with asyncio.timeout(1):
            await watch.stop()
        assert watch.version() is None
    assert connections
    assert all(connection.is_closed() for connection in connections)


async def test_revoking_a_rotated_token_drops_its_grace_secret_from_every_worker(
    database, watched, api, login, count_queries
):
    """Issue 30: the previous secret, in its grace period and kept by a worker
    that verified it, is refused by that worker's next login once another
    worker revoked the token."""
    http, watch = watched
    project, username, old_secret = login
    (token,) = await tokens(api, default_registry(project)["id"])
    rotated = await rotate(api, token["id"], 3600)
    for _ in range(2):
        assert (await get_token(http, username, old_secret)).status_code == 200
    count_queries.queries.clear()
    assert (await get_token(http, username, old_secret)).status_code == 200
    assert count_queries.queries == []  # this worker keeps the grace secret's login

    before = watch.version()
    assert (await revoke(api, rotated["token"]["id"]))["__typename"] == "RevokeRegistryTokenSuccess"
    if database.startswith("sqlite"):
        await asyncio.sleep(0)  # see test_a_token_changed_elsewhere_is_refused_by_the_next_login
    else:
        await changed(watch, before)

    assert (await get_token(http, username, old_secret)).status_code == 401
    new_secret = rotated["credentials"]["token"]
    assert (await get_token(http, username, new_secret)).status_code == 401
