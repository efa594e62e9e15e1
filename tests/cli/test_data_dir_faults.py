"""A data folder that cannot be used stops `nodion serve` with one line naming the
folder and the reason, before anything is written (issue 22). The read-only cases
use a real read-only mount: tests run as root, and root ignores permission bits,
so `unshare -m` gives the service its own mount namespace with a read-only bind
mount (gone when the process ends)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from app.outage import READ_ONLY_MESSAGE, is_database_unavailable, unavailable_message
from tests.conftest import require_or_skip
from tests.servers import NODION, free_port, run_cli


def serve_line(env: dict[str, str], *wrapper: str) -> tuple[int, str]:
    done = subprocess.run(
        [*wrapper, *NODION, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def dev_env(data_dir: Path) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "NODION_DATA_DIR": str(data_dir),
        "NODION_ENCRYPTION_KEYS": "",
        "NODION_TOKEN_PEPPER": "",
    }


def assert_one_line(returncode: int, output: str, *expected: str) -> None:
    assert returncode != 0
    assert output.strip().count("\n") == 0, output
    assert "Traceback" not in output
    for text in expected:
        assert text in output, output


def test_a_file_as_data_folder(tmp_path: Path):
    data = tmp_path / "data"
    data.write_text("")
    assert_one_line(*serve_line(dev_env(data)), str(data), "it is a file, not a folder")


def test_a_data_folder_under_a_file(tmp_path: Path):
    (tmp_path / "file").write_text("")
    data = tmp_path / "file" / "data"
    assert_one_line(
        *serve_line(dev_env(data)), str(data), f"{tmp_path / 'file'} is a file, not a folder"
    )


def read_only(folder: Path) -> tuple[str, ...]:
    """Run a command with `folder` read-only (a bind mount in its own namespace)."""
    if shutil.which("unshare") is None:  # CI has it: there, a missing one fails
        require_or_skip(
            "NODION_REQUIRE_E2E", "unshare (util-linux) is needed for a read-only mount"
        )
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    return ("unshare", "-m", "sh", "-c", script, str(folder))


@pytest.mark.parametrize("holding", ["nothing", "a database and keys"])
def test_a_read_only_data_folder(tmp_path: Path, holding: str):
    data = tmp_path / "data"
    data.mkdir()
    env = dev_env(data)
    if holding != "nothing":
        assert run_cli(env, "admin", "create-user", "a@example.com").returncode == 0
    before = sorted(path.name for path in data.iterdir())

    returncode, output = serve_line(env, *read_only(data))

    assert_one_line(returncode, output, str(data), "read-only file system")
    assert sorted(path.name for path in data.iterdir()) == before


def test_a_read_only_database_is_unavailability_not_a_bug(tmp_path: Path):
    """SQLite's own error for a write it cannot make: answered 503 with what to do."""
    path = tmp_path / "db.sqlite3"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    database = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as raised:
        database.execute("INSERT INTO t VALUES (1)")

    assert is_database_unavailable(RuntimeError("wrapped").with_traceback(None)) is False
    wrapped = RuntimeError("tortoise wraps it")
    wrapped.__cause__ = raised.value
    assert is_database_unavailable(wrapped)
    assert unavailable_message(wrapped)[0] == READ_ONLY_MESSAGE
