"""The documentation's runnable blocks, run as written against the test service
instead of port 8000: the README's quick start (the `nodion` CLI from login to a
deployment) and the `curl` walkthrough in docs/using.md (the API over HTTP).

The other shell blocks in the README and docs/ need a real registry, Docker, a
PostgreSQL server, npm or wrk; tests/cli/test_docs_commands.py checks that they
parse and that what they name exists."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.cli.user_cli import UserCli
from tests.servers import Service

REPOSITORY = Path(__file__).resolve().parents[2]
DOCS_URL = "http://127.0.0.1:8000"
TOKEN_LINE = "TOKEN=nat_...   # the token printed by ./scripts/serve.sh"


def sh_block_under(document: str, heading: str) -> str:
    """The first `sh` block of the section whose heading starts with `heading`."""
    text = (REPOSITORY / document).read_text()
    section = text.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, f"{document}: the section {heading!r} has no sh block"
    return match.group(1)


def run_as_written(script: str, stdin: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", "-c", "set -eo pipefail\n" + script],
        input=stdin,
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def cli_block(service: Service) -> str:
    block = sh_block_under("README.md", "Quick start")
    assert block.count(DOCS_URL) == 1
    return block.replace(DOCS_URL, service.url)


def http_block(service: Service, token: str) -> str:
    block = sh_block_under("docs/using.md", "A project and its credentials over HTTP")
    assert block.count(DOCS_URL) == 1
    assert block.count(TOKEN_LINE) == 1
    return block.replace(DOCS_URL, service.url).replace(TOKEN_LINE, f"TOKEN={token}")


def answers(session: subprocess.CompletedProcess) -> list[dict]:
    return [json.loads(line) for line in session.stdout.splitlines() if line]


def test_both_walkthroughs_in_turn_and_then_again(
    nodion: UserCli, cli_service: Service, new_token: Callable[[], str]
):
    """The CLI quick start, then the HTTP walkthrough, then both once more, as
    one reader (one user): every command succeeds each time, and neither
    walkthrough trips over the projects the other made."""
    token = new_token()
    pasted_at_the_login_prompt = token + "\n"

    cli = run_as_written(cli_block(cli_service), pasted_at_the_login_prompt, nodion.env)
    http = run_as_written(http_block(cli_service, token), "", nodion.env)
    cli_again = run_as_written(cli_block(cli_service), pasted_at_the_login_prompt, nodion.env)
    http_again = run_as_written(http_block(cli_service, token), "", nodion.env)

    for session in (cli, http, cli_again, http_again):
        assert session.returncode == 0, session.stdout + session.stderr

    # The CLI, the first time: from login to a deployment.
    out = cli.stdout
    namespace = re.search(r"^Namespace: +(\S+)$", out, re.MULTILINE).group(1)
    assert "Logged in to" in out
    assert f"docker login registry.eu-central.nodion.net --username {namespace}" in out
    assert "using the Nodion registry of eu-central, registry.eu-central.nodion.net" in out
    assert f"registry.eu-central.nodion.net/{namespace}/nginx:1.27" in out
    assert "PENDING" in out

    # Over HTTP, the first time: its own project and credentials.
    created, credentials, again, docker_hub = answers(http)
    project = created["data"]["createProject"]["project"]
    assert project["namespace"] == "web-shop"
    hostnames = {registry["hostname"] for registry in project["registries"]}
    assert "registry.eu-central.nodion.net" in hostnames
    assert len(hostnames) >= 2  # one in every region
    shown = credentials["data"]["generateCredentials"]["credentials"]
    assert shown["hostname"] == "registry.eu-central.nodion.net"
    assert shown["token"].startswith("nrt_")
    assert f"--username {shown['username']}" in shown["dockerLogin"]
    assert shown["username"] == "web-shop"  # the project it created, not the CLI's Shop
    refused = again["data"]["generateCredentials"]
    assert refused["__typename"] == "CredentialsAlreadyGeneratedError"
    assert refused["message"]
    registry = docker_hub["data"]["addRegistry"]["registry"]
    assert registry["hostname"] == "docker.io"
    assert registry["username"] == "me"
    assert registry["hasCredentials"] is True
    assert "dckr_pat_example" not in registry["tokenHint"]
    assert token not in http.stdout

    # The second time, the CLI reports what exists and deploys again.
    assert re.search(rf"^Namespace: +{namespace}$", cli_again.stdout, re.MULTILINE)
    assert "nothing was created" in cli_again.stderr
    assert "Nothing to do" in cli_again.stderr and "nrt_" not in cli_again.stdout
    assert cli_again.stdout.count("PENDING") >= 2  # both deployments listed

    # Over HTTP, the second time: typed answers, and the same project throughout.
    created, first, second, docker_hub = answers(http_again)
    assert created["data"]["createProject"]["__typename"] == "ValidationError"
    assert "Web shop" in created["data"]["createProject"]["message"]
    assert "already generated" in first["data"]["generateCredentials"]["message"]
    assert second["data"]["generateCredentials"]["__typename"] == (
        "CredentialsAlreadyGeneratedError"
    )
    assert docker_hub["data"]["addRegistry"]["__typename"] == "ConflictError"
