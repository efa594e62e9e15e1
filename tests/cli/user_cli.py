"""The installed `nodion` executable, run as a user runs it: a subprocess with
its own config folder and none of the service's settings in its environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.cli.errors import ExitCode

# bootstrap.sh installs the project into .venv; its `nodion` script is what users run.
EXECUTABLE = Path(sys.executable).parent / "nodion"


def user_environment(config_home: Path) -> dict[str, str]:
    """A user's shell: no NODION_* service settings, a private config folder."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("NODION_")}
    return {**env, "XDG_CONFIG_HOME": str(config_home), "HOME": str(config_home.parent)}


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)


@dataclass
class UserCli:
    env: dict[str, str]
    token: str | None = None  # the API token it logged in with

    @property
    def config_file(self) -> Path:
        return Path(self.env["XDG_CONFIG_HOME"]) / "nodion" / "config.json"

    def __call__(self, *args: str, stdin: str = "", **extra_env: str) -> Result:
        assert EXECUTABLE.exists(), f"{EXECUTABLE} is missing: run scripts/bootstrap.sh"
        done = subprocess.run(
            [str(EXECUTABLE), *args],
            input=stdin,
            env={**self.env, **extra_env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str, stdin: str = "") -> Result:
        result = self(*args, stdin=stdin)
        assert result.code == ExitCode.OK, (args, result)
        return result

    def login(self, url: str, token: str) -> None:
        self.ok("login", "--url", url, "--token-stdin", stdin=token + "\n")
        self.token = token
