"""A database that takes no writes is an outage the operator has to fix, not a
bug: `nodion serve` starts on it and says so, `/readyz` answers not ready and
why, and GraphQL changes and registry logins answer 503 with what to do, never
500 "Unexpected error" (issue 22).

Each database is made read-only the way it happens in production: PostgreSQL by
`default_transaction_read_only` (as on a standby), SQLite by a read-only mount
of its file (its own mount namespace: tests run as root, and root ignores
permission bits). A read-only *folder* cannot serve SQLite at all (SQLite writes
its journal beside the database even to read): that is one line at start-up."""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest

from app.outage import READ_ONLY_MESSAGE
from app.security.crypto import generate_key_entry
from tests.conftest import require_or_skip
from tests.graphql_documents import GENERATE_CREDENTIALS
from tests.servers import NODION, free_port, run_cli, running_service, stop_process, wait_for_port

EU = "registry.eu-central.nodion.net"
CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  ... on CreateProjectSuccess { project { id registries { id region isDefault } } } } }"""
CREATE_ANOTHER = 'mutation { createProject(input: {name: "Another"}) { __typename } }'
# PostgreSQL's own read-only switch (`default_transaction_read_only`): no SQLite case.
ON_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
MOUNT_READ_ONLY = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'


def read_only_mount_of(path: Path) -> tuple[str, ...]:
    """Run a command with `path` (a file or folder) mounted read-only for it alone."""
    if shutil.which("unshare") is None:  # CI has it: there, a missing one fails
        require_or_skip(
            "NODION_REQUIRE_E2E", "unshare (util-linux) is needed for a read-only mount"
        )
    return ("unshare", "-m", "sh", "-c", MOUNT_READ_ONLY, str(path))


def login(url: str, username: str, token: str) -> httpx.Response:
    basic = base64.b64encode(f"{username}:{token}".encode()).decode()
    return httpx.get(
        url + "/registry/token",
        params={"service": EU, "scope": "repository:shop/app:pull"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=10,
    )


def written_while_writable(
    data_dir: Path, database_url: str
) -> tuple[dict[str, str], str, tuple[str, str]]:
    """A project with registry credentials, made while the database took writes:
    the service's environment, an API token, the credentials (never used: their
    first login records its time, a write)."""
    with running_service(data_dir, database_url) as service:
        project = service.graphql(CREATE, variables={"name": "Shop"})["createProject"]["project"]
        registry = next(r for r in project["registries"] if r["region"] == "eu-central")
        made = service.graphql(GENERATE_CREDENTIALS, variables={"id": registry["id"]})
        credentials = made["generateCredentials"]["credentials"]
        pair = (credentials["username"], credentials["token"])
        return service.env, service.demo_token, pair


def serve_read_only(
    env: dict[str, str], api_token: str, credentials: tuple[str, str], *wrapper: str
) -> str:
    """Start `nodion serve`, ask it what a user and a load balancer would, and
    return everything it wrote."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*wrapper, *NODION, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, process, seconds=30)
        ready = httpx.get(url + "/readyz", timeout=10)
        change = httpx.post(
            url + "/graphql",
            json={"query": CREATE_ANOTHER},
            headers={"Authorization": f"Bearer {api_token}"},
            timeout=10,
        )
        refused = login(url, *credentials)
    finally:
        stop_process(process)
    assert process.stdout is not None
    output = process.stdout.read()

    assert ready.status_code == 503
    assert ready.headers["retry-after"] == "5"
    assert ready.json() == {"status": "not ready", "reason": READ_ONLY_MESSAGE}
    assert change.status_code == 503, change.text
    error = change.json()["errors"][0]
    assert error["message"] == READ_ONLY_MESSAGE
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert refused.status_code == 503, refused.text
    assert refused.json()["errors"][0]["message"] == READ_ONLY_MESSAGE
    assert "is read-only (its file system or server refuses writes)" in output
    assert "Traceback" not in output, output
    assert "Unexpected error" not in output, output
    return output


async def set_read_only(database_url: str, on: bool) -> None:
    parts = urlsplit(database_url)
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(
            f'ALTER DATABASE "{parts.path.lstrip("/")}" '
            f"SET default_transaction_read_only = {'on' if on else 'off'}"
        )
    finally:
        await admin.close()


def serve_once(env: dict[str, str], *wrapper: str) -> subprocess.CompletedProcess[str]:
    """`nodion serve` expected to refuse (bounded: a started service would time out)."""
    return subprocess.run(
        [*wrapper, *NODION, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@ON_POSTGRESQL
async def test_postgresql_read_only_is_served_not_ready_and_answers_503(
    tmp_path: Path, database_url: str
):
    env, api_token, credentials = await asyncio.to_thread(
        written_while_writable, tmp_path / "data", database_url
    )
    # A key added meanwhile cannot be recorded: it waits, the start does not fail.
    keys = f"{generate_key_entry('second')},{env['NODION_ENCRYPTION_KEYS']}"
    env = {**env, "NODION_ENCRYPTION_KEYS": keys}
    await set_read_only(database_url, True)
    try:
        output = await asyncio.to_thread(serve_read_only, env, api_token, credentials)
        user = await asyncio.to_thread(run_cli, env, "admin", "create-user", "b@example.com")
    finally:
        await set_read_only(database_url, False)

    assert "the configured keys are recorded later" in output
    assert user.returncode == 6, user.stderr
    assert user.stderr.strip().splitlines()[-1] == f"error: {READ_ONLY_MESSAGE}"
    assert "Traceback" not in user.stderr


@pytest.mark.parametrize("empty_database_url", ["postgres"], indirect=True)
async def test_postgresql_read_only_with_migrations_to_apply_is_refused(
    tmp_path: Path, empty_database_url: str
):
    database_url = empty_database_url
    env = {**os.environ, "NODION_DATA_DIR": str(tmp_path), "NODION_DATABASE_URL": database_url}
    await set_read_only(database_url, True)  # a new database: nothing migrated yet
    try:
        done = await asyncio.to_thread(serve_once, env)
    finally:
        await set_read_only(database_url, False)

    assert done.returncode == 6
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        f"error: cannot migrate the database {database_url}: it is read-only (its file "
        "system or server refuses writes) and "
    )
    assert last.endswith(" migration(s) are not applied yet (NODION_DATABASE_URL)")


def test_sqlite_file_mounted_read_only_is_served_not_ready_and_answers_503(tmp_path: Path):
    database = tmp_path / "db" / "nodion.sqlite3"
    database.parent.mkdir()
    env, api_token, credentials = written_while_writable(tmp_path / "data", f"sqlite://{database}")

    serve_read_only(env, api_token, credentials, *read_only_mount_of(database))


def test_sqlite_in_a_read_only_folder_is_refused_in_one_line(tmp_path: Path):
    folder = tmp_path / "db"
    folder.mkdir()
    env = {
        **os.environ,
        "NODION_DATA_DIR": str(tmp_path / "data"),
        "NODION_DATABASE_URL": f"sqlite://{folder / 'nodion.sqlite3'}",
    }
    assert run_cli(env, "admin", "create-user", "a@example.com").returncode == 0
    before = sorted(path.name for path in folder.iterdir())

    done = serve_once(env, *read_only_mount_of(folder))

    assert done.returncode == 1
    assert done.stdout + done.stderr == (
        f"error: cannot use the SQLite database {folder / 'nodion.sqlite3'}: its folder "
        f"{folder} is on a read-only file system (SQLite writes its journal beside the "
        "database, even to read it) (NODION_DATABASE_URL)\n"
    )
    assert sorted(path.name for path in folder.iterdir()) == before
