"""Shared fixtures: a fresh database per test (SQLite, and PostgreSQL when
configured), the app on an in-process transport, users with API tokens."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from tortoise.backends.base.executor import EXECUTOR_CACHE

from app import storage
from app.accounts.models import User
from app.accounts.service import create_user, issue_api_token
from app.main import create_app
from app.security.crypto import KeyRing, generate_key_entry
from app.security.keys import ServiceKeys
from app.security.outbound import Outbound, parse_networks
from app.security.signing import TokenSigner
from app.settings import Settings
from tests import databases
from tests.support.oidc_issuer import OidcIssuer, running_issuer
from tests.tls_material import CertificateAuthority

POSTGRES_URL_VARIABLE = "NODION_TEST_POSTGRES_URL"
OWNS_RUN_DIR = pytest.StashKey[bool]()


def require_or_skip(variable: str, reason: str) -> None:
    """Skip with `reason`, unless CI demands the service (`variable`=1): then fail."""
    if os.environ.get(variable) == "1":
        pytest.fail(f"{variable}=1 but {reason}")
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    # One folder for the whole run, shared by every xdist worker (they inherit the
    # environment of the process that starts them): the SQLite template and the
    # log of migrations from empty live there.
    if databases.RUN_DIR_VARIABLE not in os.environ:
        os.environ[databases.RUN_DIR_VARIABLE] = tempfile.mkdtemp(prefix="nodion-test-run-")
        config.stash[OWNS_RUN_DIR] = True


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The guard: a database kind migrated from empty more than once in a run means
    some fixture went back to migrating per test (issue 29: 21 minutes of CI)."""
    if not session.config.stash.get(OWNS_RUN_DIR, False):
        return
    folder = databases.run_dir()
    repeated = {
        kind: count for kind, count in databases.migrations_from_empty(folder).items() if count > 1
    }
    shutil.rmtree(folder, ignore_errors=True)
    if repeated:
        writer = session.config.get_terminal_writer()
        writer.line()
        writer.line(
            f"FAILED: databases migrated from empty more than once in this run: {repeated}"
            " (copy the template: tests/databases.py)",
            red=True,
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def postgres_admin_url() -> str:
    admin_url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not admin_url:
        require_or_skip(
            "NODION_REQUIRE_POSTGRES",
            f"{POSTGRES_URL_VARIABLE} is not set (e.g. postgres://postgres@127.0.0.1:5433/postgres)",
        )
    assert admin_url is not None
    return admin_url


@asynccontextmanager
async def postgres_database(template: str | None = None) -> AsyncIterator[str]:
    """A database of its own on the test cluster, dropped afterwards: a copy of
    `template`, or empty."""
    import asyncpg

    admin_url = postgres_admin_url()
    name = databases.new_postgres_name()
    admin = await asyncpg.connect(admin_url)
    try:
        copy = f' TEMPLATE "{template}"' if template else ""
        await admin.execute(f'CREATE DATABASE "{name}"{copy}')
        yield databases.with_database(admin_url, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with every migration applied, as fresh as a new one: a copy of
    the run's template (tests/databases.py)."""
    if request.param == "sqlite":
        template = await databases.sqlite_template()
        yield databases.copy_sqlite_template(template, tmp_path / "test.sqlite3")
        return
    template_name = await databases.postgres_template(postgres_admin_url())
    async with postgres_database(template_name) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgres"])
async def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A database with nothing in it, not even the migrations: for the tests of
    migrating itself."""
    if request.param == "sqlite":
        yield f"sqlite://{tmp_path / 'empty.sqlite3'}"
        return
    async with postgres_database() as url:
        yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[str]:
    # Tortoise caches prepared INSERT/DELETE statements per process, keyed by
    # connection name only; tests switch between SQLite and PostgreSQL, whose
    # placeholders differ, so the cache must not outlive a test.
    EXECUTOR_CACHE.clear()
    await storage.connect(database_url)
    try:
        yield database_url
    finally:
        await storage.disconnect()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Settings:
    if request.node.get_closest_marker("fast_path_only"):
        # The test asserts the fast path's own shortcuts: on, whichever way the
        # suite runs (scripts/test.sh runs tests/graphql with it off too).
        return Settings(data_dir=tmp_path, database_url=database_url, graphql_fast_path=True)
    if request.node.get_closest_marker("stock_path_only"):
        return Settings(data_dir=tmp_path, database_url=database_url, graphql_fast_path=False)
    return Settings(data_dir=tmp_path, database_url=database_url)


@pytest.fixture(scope="session")
def signer() -> TokenSigner:
    return TokenSigner.generate()


@pytest.fixture
def keys(signer: TokenSigner) -> ServiceKeys:
    return ServiceKeys(
        keyring=KeyRing.parse(generate_key_entry("test1")),
        token_pepper=os.urandom(32),
        signer=signer,
    )


class LoopbackOnlyResolver:
    """Tests never look up a name on the network: `localhost` is 127.0.0.1 and
    ::1, any other name fails here (and is recorded) before any DNS traffic."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host == "localhost":
            return ["127.0.0.1", "::1"]
        raise OSError(f"the test resolver does not look up {host!r}")


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcIssuer]:
    """A local https OIDC issuer (tests/support/oidc_issuer.py) with a CA of its
    own, one per test module that asks for it."""
    ca = CertificateAuthority.create("OIDC test issuer CA")
    with running_issuer(tmp_path_factory.mktemp("issuer"), ca) as running:
        yield running


@pytest.fixture
def resolver() -> LoopbackOnlyResolver:
    return LoopbackOnlyResolver()


@pytest.fixture
def allowed_networks() -> str:
    """Override in a test module to let the app reach test registries on loopback."""
    return ""


@pytest.fixture
def outbound(resolver: LoopbackOnlyResolver, allowed_networks: str) -> Outbound:
    return Outbound(
        parse_networks(allowed_networks), timeout=3, max_response_bytes=65_536, resolver=resolver
    )


@pytest.fixture
async def client(
    database: str, settings: Settings, keys: ServiceKeys, outbound: Outbound
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, keys, outbound=outbound, manage_database=False)
    transport = httpx.ASGITransport(app=app)
    # The lifespan, as a server runs it (the database is the `database` fixture's).
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as http,
    ):
        yield http


class Api:
    """A GraphQL client as the dashboard would be: one user's bearer token."""

    def __init__(self, http: httpx.AsyncClient, token: str | None, user: User | None) -> None:
        self.http = http
        self.token = token
        self.user = user

    async def raw(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        return response.json()

    async def __call__(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The `data` of a query that must not fail."""
        body = await self.raw(query, variables)
        assert not body.get("errors"), body["errors"]
        return body["data"]


@pytest.fixture
async def make_api(client: httpx.AsyncClient, keys: ServiceKeys):
    async def make(email: str) -> Api:
        user = await create_user(email)
        return Api(client, await issue_api_token(user, keys.token_pepper), user)

    return make


@pytest.fixture
async def api(make_api) -> Api:
    return await make_api("alice@example.com")


@pytest.fixture
def anonymous(client: httpx.AsyncClient) -> Api:
    return Api(client, None, None)


class QueryCounter(logging.Handler):
    """Counts SQL statements by listening to Tortoise's database client log."""

    STATEMENTS = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.queries: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = str(record.args[0]) if record.args else str(record.msg)
        if text.lstrip().upper().startswith(self.STATEMENTS):
            self.queries.append(text)


@pytest.fixture
def count_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(previous)
