"""A PostgreSQL cluster of a test's own, to stop and start mid-test (an outage)
without touching the cluster every other test shares."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import require_or_skip

PG_BIN = Path("/usr/lib/postgresql/15/bin")
ROOT = Path(__file__).resolve().parents[2]


def _as_owner() -> list[str]:
    # initdb and pg_ctl refuse to run as root; the script made the cluster `postgres`'s.
    return ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []


class PrivateCluster:
    def __init__(self, folder: Path, port: int, url: str) -> None:
        self.folder = folder
        self.port = port
        self.url = url

    def _pg_ctl(self, *args: str) -> None:
        # The server's output goes to its log: a pipe it inherited would keep us waiting.
        subprocess.run(
            [*_as_owner(), str(PG_BIN / "pg_ctl"), "-D", str(self.folder / "data"), *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )

    def stop(self) -> None:
        """Fast shutdown: every connection is cut, as in a crash of the server."""
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        """Up again with the options scripts/start-test-postgres.sh gave it."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "-w", "start")


@contextmanager
def private_cluster(port: int) -> Iterator[PrivateCluster]:
    if not (PG_BIN / "initdb").exists():
        require_or_skip(  # CI installs them: there, a missing one fails
            "NODION_REQUIRE_POSTGRES",
            f"PostgreSQL 15 server binaries are not installed ({PG_BIN / 'initdb'} is missing;"
            " apt-get install postgresql-15)",
        )
    # Not under tmp_path: the `postgres` user (when run as root) cannot enter it.
    folder = Path(tempfile.mkdtemp(prefix="nodion-pg."))
    url = subprocess.run(
        [str(ROOT / "scripts/start-test-postgres.sh"), str(port), str(folder)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    try:
        yield PrivateCluster(folder, port, url)
    finally:
        subprocess.run(
            [
                *_as_owner(),
                str(PG_BIN / "pg_ctl"),
                "-D",
                str(folder / "data"),
                "-m",
                "immediate",
                "stop",
            ],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(folder, ignore_errors=True)
