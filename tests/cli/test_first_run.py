"""The first run as a new user meets it: bad settings, no database, a taken
port, a fresh data folder, production from nothing. Each failure is one line
that names what to change, never a traceback."""

from __future__ import annotations

import re
import shlex
import shutil
import socket
import stat
import subprocess
from pathlib import Path

import pytest

from app.cli.errors import ExitCode
from app.cli.local import shown_url
from tests.cli.user_cli import EXECUTABLE, UserCli, user_environment
from tests.servers import free_port, wait_for_port

REPOSITORY = Path(__file__).resolve().parents[2]
ENV_LINE = re.compile(r"^(NODION_[A-Z_]+)=([^\s'\"]+)$")


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(EXECUTABLE), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def operator_env(tmp_path: Path) -> dict[str, str]:
    """An operator's shell: no NODION_* settings except a data folder in tmp."""
    env = user_environment(tmp_path / "home" / ".config")
    return {**env, "NODION_DATA_DIR": str(tmp_path / "data")}


def dotenv(text: str) -> dict[str, str]:
    """The settings in lines meant for a .env file; every other line is a comment."""
    values = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = ENV_LINE.match(line)
        assert match, f"not a .env line: {line!r}"
        values[match.group(1)] = match.group(2)
    return values


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NODION_ENVIRONMENT", "prod", "'development' or 'production'"),
        ("NODION_REGISTRY_TOKEN_TTL", "10", "greater than or equal to 60"),
        ("NODION_REGIONS", "eu-central", 'not valid JSON; expected e.g. [{"slug"'),
    ],
)
def test_invalid_settings_are_one_line_for_every_command(
    operator_env: dict[str, str], tmp_path: Path, variable: str, value: str, expected: str
):
    env = {**operator_env, variable: value}

    helps = [run(args, env, tmp_path) for args in (["--help"], ["serve", "--help"])]
    commands = [run(args, env, tmp_path) for args in (["migrate"], ["admin", "provision-regions"])]

    for result in helps:
        assert result.returncode == 0, result.stderr
        assert "Usage:" in result.stdout
    for result in commands:
        assert result.returncode == ExitCode.ERROR
        [line] = result.stderr.splitlines()
        assert line.startswith(f"configuration error: {variable}"), line
        assert expected in line
    assert not (tmp_path / "data").exists()


def test_an_unreachable_database_is_one_line(operator_env: dict[str, str], tmp_path: Path):
    port = free_port()
    env = {**operator_env, "NODION_DATABASE_URL": f"postgres://nodion:s3cret@127.0.0.1:{port}/x"}

    migrate = run(["migrate"], env, tmp_path)
    serve = run(["serve", "--port", str(free_port())], env, tmp_path)

    for result in (migrate, serve):
        assert result.returncode == ExitCode.UNREACHABLE  # docs/api.md: "or its database"
        [line] = [
            line
            for line in result.stderr.splitlines()
            if not line.startswith("Created the data folder") and "WARNING" not in line
        ]
        assert line.startswith(
            f"error: cannot reach the database postgres://nodion:***@127.0.0.1:{port}/x:"
        ), result.stderr
        assert "s3cret" not in result.stdout + result.stderr
    assert "Nodion registries API" not in serve.stdout


def test_a_port_in_use_is_reported_before_any_banner(operator_env: dict[str, str], tmp_path: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = run(["serve", "--port", str(port)], operator_env, tmp_path)

    assert result.returncode == ExitCode.ERROR
    assert result.stderr.strip() == (
        f"error: port {port} on 127.0.0.1 is already in use (another `nodion serve`?); "
        f"pick another with --port {port + 1}"
    )
    assert result.stdout == ""
    assert not (tmp_path / "data").exists()


def test_a_new_data_folder_and_database_are_announced(operator_env: dict[str, str], tmp_path: Path):
    env = {name: value for name, value in operator_env.items() if name != "NODION_DATA_DIR"}
    (tmp_path / "elsewhere").mkdir()

    first = run(["migrate"], env, tmp_path / "elsewhere")
    second = run(["migrate"], env, tmp_path / "elsewhere")

    folder = tmp_path / "elsewhere" / "var"
    assert first.returncode == 0, first.stderr
    assert f"Created the data folder {folder}" in first.stderr
    assert f"Creating a new SQLite database {folder / 'nodion.sqlite3'}" in first.stderr
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert second.returncode == 0
    assert "Created" not in second.stderr and "Creating" not in second.stderr


def test_hints_can_be_pasted_as_printed(operator_env: dict[str, str]):
    env = {**operator_env, "NODION_ENVIRONMENT": "production"}

    refused = run(["serve", "--port", str(free_port())], env, REPOSITORY)
    hint = refused.stderr.strip().rpartition("; run: ")[2]
    pasted = subprocess.run(
        shlex.split(hint), env=env, cwd=REPOSITORY, capture_output=True, text=True, check=False
    )

    assert refused.returncode == ExitCode.ERROR
    assert hint == ".venv/bin/nodion admin generate-key key1", refused.stderr
    assert pasted.returncode == 0, pasted.stderr
    assert set(dotenv(pasted.stdout)) == {"NODION_ENCRYPTION_KEYS", "NODION_TOKEN_PEPPER"}


def test_production_from_nothing_to_a_started_service(
    operator_env: dict[str, str], tmp_path: Path, nodion: UserCli
):
    keys = run(["admin", "generate-key", "2026-11"], operator_env, tmp_path)
    signing = run(["admin", "generate-signing-key", "keys"], operator_env, tmp_path)
    again = run(["admin", "generate-signing-key", "keys"], operator_env, tmp_path)
    settings = {**dotenv(keys.stdout), **dotenv(signing.stdout)}
    env = {**operator_env, **settings, "NODION_ENVIRONMENT": "production", "PYTHONUNBUFFERED": "1"}
    port = free_port()

    service = subprocess.Popen(
        [str(EXECUTABLE), "serve", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, service)
        user = run(["admin", "create-user", "ops@example.com"], env, tmp_path)
        nodion.login(f"http://127.0.0.1:{port}", user.stdout.strip().splitlines()[-1])
        whoami = nodion("whoami")
    finally:
        service.terminate()
        output, _ = service.communicate(timeout=10)

    key_file = Path(settings["NODION_TOKEN_SIGNING_KEY_FILE"])
    assert key_file.parent == tmp_path / "keys"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert again.returncode == ExitCode.REFUSED and "not replaced" in again.stderr
    banner = output.split("uvicorn", 1)[0]
    assert "demo" not in banner
    assert "tortoise" not in banner.lower()
    on_path = shutil.which("nodion", path=env["PATH"])
    shown = "nodion" if on_path and Path(on_path).resolve() == EXECUTABLE.resolve() else EXECUTABLE
    assert f"Create a user and its API token with: {shown} admin create-user EMAIL" in banner
    assert whoami.stdout.strip() == f"ops@example.com at http://127.0.0.1:{port}"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgres://nodion:s3cret@db:5432/nodion", "postgres://nodion:***@db:5432/nodion"),
        ("postgres://nodion:p%40ss@[::1]:5432/x", "postgres://nodion:***@[::1]:5432/x"),
        ("postgres://db/x?password=s3cret", "postgres://db/x"),
        ("postgres://nodion@db/x", "postgres://nodion@db/x"),
    ],
)
def test_database_urls_are_shown_without_passwords(url: str, shown: str):
    assert shown_url(url) == shown
