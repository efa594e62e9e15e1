"""One service under uvicorn for all CLI tests (starting one costs seconds).

The user commands are HTTP clients: which database the service uses does not
change what they do, so this service runs on SQLite only; the API's own tests
cover PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.user_cli import UserCli, user_environment
from tests.servers import Service, run_cli, running_service


@pytest.fixture(scope="session")
def cli_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    folder = tmp_path_factory.mktemp("cli-service")
    with running_service(folder / "data", f"sqlite://{folder / 'nodion.sqlite3'}") as service:
        yield service


@pytest.fixture
def nodion(tmp_path: Path) -> UserCli:
    """The installed `nodion`, not logged in, with its own config folder."""
    return UserCli(user_environment(tmp_path / "home" / ".config"))


@pytest.fixture
def new_token(cli_service: Service) -> Callable[[], str]:
    """API tokens of fresh users, so a test sees only its own projects."""

    def make() -> str:
        created = run_cli(
            cli_service.env, "admin", "create-user", f"{uuid.uuid4().hex}@example.com"
        )
        assert created.returncode == 0, created.stderr
        return created.stdout.strip().splitlines()[-1]

    return make


@pytest.fixture
def logged_in(nodion: UserCli, cli_service: Service, new_token: Callable[[], str]) -> UserCli:
    """`nodion` logged in as a fresh user."""
    nodion.login(cli_service.url, new_token())
    return nodion
