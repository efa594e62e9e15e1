"""The README's quick start, run as written: the one `sh` block under its
heading, against the test service instead of port 8000."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.cli.user_cli import UserCli
from tests.servers import Service

REPOSITORY = Path(__file__).resolve().parents[2]
README_URL = "http://127.0.0.1:8000"


def quick_start_block() -> str:
    readme = (REPOSITORY / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, "the README's quick start has no sh block"
    return match.group(1)


def test_the_readme_quick_start_runs_as_written(
    nodion: UserCli, cli_service: Service, new_token: Callable[[], str]
):
    block = quick_start_block()
    assert block.count(README_URL) == 1
    script = "set -e\n" + block.replace(README_URL, cli_service.url)

    session = subprocess.run(
        ["bash", "-c", script],
        input=new_token() + "\n",  # what the user pastes at the login prompt
        cwd=REPOSITORY,
        env=nodion.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert session.returncode == 0, session.stdout + session.stderr
    out = session.stdout
    namespace = re.search(r"^Namespace: +(\S+)$", out, re.MULTILINE).group(1)
    assert "Logged in to" in out
    assert f"docker login registry.eu-central.nodion.net --username {namespace}" in out
    assert "using the Nodion registry of eu-central, registry.eu-central.nodion.net" in out
    assert f"registry.eu-central.nodion.net/{namespace}/nginx:1.27" in out
    assert "PENDING" in out
