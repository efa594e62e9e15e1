"""A full disk is an outage the operator fixes by freeing space, never a bug
(issue 30): start-up on a full data folder is one line and leaves no partial
key file; while serving, writes answer 503 "the data folder is full" with
Retry-After, reads keep working (a token's last use is not recorded), and
/readyz answers 503 with that reason until space is back.

The disk is a real 2 MB tmpfs, filled with dd, in a mount namespace of its
own (`unshare -m`): the scenarios run inside it (tests/cli/full_disk_scenario.py)
and report what they saw."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.outage import STORAGE_FULL_MESSAGE, is_database_unavailable, unavailable_message
from app.security.keys import ConfigurationError, load_keys
from app.settings import Settings
from tests.conftest import require_or_skip

ON_TMPFS = 'mount -t tmpfs -o size=2m tmpfs "$0" && exec "$@"'


def on_a_small_tmpfs(scenario: str, folder: Path) -> dict:
    if shutil.which("unshare") is None:
        require_or_skip("NODION_REQUIRE_E2E", "unshare (util-linux) is needed for a small tmpfs")
    folder.mkdir()
    done = subprocess.run(
        [
            "unshare",
            "-m",
            "sh",
            "-c",
            ON_TMPFS,
            str(folder),
            sys.executable,
            "-m",
            "tests.cli.full_disk_scenario",
            scenario,
            str(folder),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_start_up_on_a_full_data_folder_is_one_line_and_leaves_no_key_file(tmp_path: Path):
    seen = on_a_small_tmpfs("start", tmp_path / "disk")

    returncode, output = seen["refused"]
    assert returncode != 0
    assert "Traceback" not in output, output
    # One line says it all (after the notice that a new database is made).
    [refusal] = [line for line in output.splitlines() if "error" in line]
    assert refusal.startswith("configuration error: cannot write the key file "), output
    assert "dev-keys.json: No space left on device; free space in the data folder" in refusal
    assert seen["left"] == []  # no empty dev-keys.json, no temporary file
    # Space freed: the next start makes the keys, with nothing to delete by hand.
    returncode, output = seen["again"]
    assert returncode == 0, output
    assert {"dev-keys.json", "token-signing-key.pem", "token-signing-cert.pem"} <= set(
        seen["after"]
    )
    assert not [name for name in seen["after"] if name.endswith(".tmp")]


def test_serving_on_a_full_disk_refuses_writes_keeps_reads_and_is_not_ready(tmp_path: Path):
    seen = on_a_small_tmpfs("serve", tmp_path / "disk")

    assert seen["ready"]["status"] == 503
    assert seen["ready"]["retryAfter"] == "5"
    assert seen["ready"]["body"] == {"status": "not ready", "reason": STORAGE_FULL_MESSAGE}
    # A read with a token never used before: its use goes unrecorded, not failed.
    assert seen["read"]["status"] == 200, seen["read"]
    assert [edge["node"]["name"] for edge in seen["read"]["body"]["data"]["projects"]["edges"]] == [
        "Shop"
    ]
    assert seen["write"]["status"] == 503, seen["write"]
    assert seen["write"]["retryAfter"] == "5"
    [error] = seen["write"]["body"]["errors"]
    assert error["message"] == STORAGE_FULL_MESSAGE
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    # A registry login (its first use, recorded on a disk with space) still pulls.
    assert seen["login"]["status"] == 200, seen["login"]
    assert seen["login"]["body"]["token"]
    # Space back: ready, and writes work; the refused one left nothing behind.
    assert seen["readyAgain"]["status"] == 200, seen["readyAgain"]
    assert seen["writeAgain"]["status"] == 200, seen["writeAgain"]
    assert seen["projects"] == ["Later", "Shop"]
    assert "Traceback" not in seen["output"], seen["output"]
    assert "Unexpected error" not in seen["output"], seen["output"]


def test_a_damaged_development_key_file_is_one_line_naming_it(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dev-keys.json").write_text('{"encryption_keys": "dev-1:')  # cut short

    with pytest.raises(ConfigurationError) as stopped:
        load_keys(Settings(data_dir=data, environment="development"))

    message = str(stopped.value)
    assert message.count("\n") == 0
    assert f"the development key file {data / 'dev-keys.json'} is damaged" in message
    assert "restore it from a backup" in message


def test_an_empty_development_key_file_never_held_a_key_and_is_made_again(tmp_path: Path):
    """What a failed write left before key files were written atomically."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "dev-keys.json").write_text("")

    keys = load_keys(Settings(data_dir=data, environment="development"))

    stored = json.loads((data / "dev-keys.json").read_text())
    assert keys.keyring.active.key_id == stored["encryption_keys"].split(":", 1)[0]


def test_a_damaged_signing_key_is_one_line_naming_it(tmp_path: Path):
    data = tmp_path / "data"
    load_keys(Settings(data_dir=data, environment="development"))
    (data / "token-signing-key.pem").write_text("-----BEGIN PRIVATE KEY-----\nAAA")

    with pytest.raises(ConfigurationError) as stopped:
        load_keys(Settings(data_dir=data, environment="development"))

    message = str(stopped.value)
    assert str(data / "token-signing-key.pem") in message
    assert "delete both files to generate a new pair" in message


def test_a_full_disk_is_unavailability_with_its_own_message():
    import sqlite3

    from asyncpg.exceptions import DiskFullError

    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # type: ignore[attr-defined]
    for error in (full, OSError(28, "No space left on device"), DiskFullError("disk full")):
        wrapped = RuntimeError("the ORM wraps it")
        wrapped.__cause__ = error
        assert is_database_unavailable(wrapped)
        assert unavailable_message(wrapped)[0] == STORAGE_FULL_MESSAGE
