"""The full-disk scenarios of tests/cli/test_full_disk.py, run inside a mount
namespace whose FOLDER is a 2 MB tmpfs (the test's `unshare` mounts it; this
process and the services it starts see it, nothing else does). Prints one
JSON object of what it saw for the test to check.

    python -m tests.cli.full_disk_scenario start|serve FOLDER
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx

from tests.servers import NODION, free_port, run_cli, running_service

EU = "registry.eu-central.nodion.net"
CREATE = """mutation($name: String!) { createProject(input: {name: $name}) {
  __typename ... on CreateProjectSuccess { project { id registries { id region } } } } }"""
GENERATE = """mutation($id: ID!) { generateCredentials(registryId: $id) {
  ... on GenerateCredentialsSuccess { credentials { username token } } } }"""
PROJECTS = "{ projects(first: 50) { edges { node { name } } } }"


def fill(folder: Path) -> Path:
    """Fill the file system to its last block with one file."""
    filler = folder / "filler"
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
    )
    return filler


def dev_env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "NODION_DATA_DIR": str(data),
        "NODION_DATABASE_URL": f"sqlite://{data / 'nodion.sqlite3'}",
        "NODION_ENCRYPTION_KEYS": "",
        "NODION_TOKEN_PEPPER": "",
    }


def serve_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NODION, "serve", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def start(folder: Path) -> dict[str, object]:
    """`nodion serve` on a full data folder, then again once space is freed."""
    data = folder / "data"
    data.mkdir()
    filler = fill(folder)
    refused = serve_once(dev_env(data))
    left = sorted(path.name for path in data.iterdir())
    filler.unlink()
    # Once space is back, the keys are made and the service starts (`admin
    # create-user` runs the same start-up: keys, migrations, key check).
    again = run_cli(dev_env(data), "admin", "create-user", "a@example.com")
    return {
        "refused": [refused.returncode, refused.stdout + refused.stderr],
        "left": left,
        "again": [again.returncode, again.stdout + again.stderr],
        "after": sorted(path.name for path in data.iterdir()),
    }


def graphql(url: str, token: str, query: str, variables: dict | None = None) -> httpx.Response:
    return httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def login(url: str, username: str, token: str) -> httpx.Response:
    basic = base64.b64encode(f"{username}:{token}".encode()).decode()
    return httpx.get(
        url + "/registry/token",
        params={"service": EU, "scope": "repository:x/app:pull"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=30,
    )


def answer(response: httpx.Response) -> dict[str, object]:
    return {
        "status": response.status_code,
        "retryAfter": response.headers.get("retry-after"),
        "body": response.json(),
    }


def serve(folder: Path) -> dict[str, object]:
    """A running service whose data folder fills up, then has space again."""
    data = folder / "data"
    seen: dict[str, object] = {}
    with running_service(data, f"sqlite://{data / 'nodion.sqlite3'}") as service:
        project = service.graphql(CREATE, variables={"name": "Shop"})["createProject"]["project"]
        registry = next(r for r in project["registries"] if r["region"] == "eu-central")
        made = service.graphql(GENERATE, variables={"id": registry["id"]})
        credentials = made["generateCredentials"]["credentials"]
        # A token never used yet: its first use is recorded (a write).
        created = run_cli(service.env, "admin", "create-token", "demo@nodion.local")
        fresh_token = next(
            line.strip() for line in created.stdout.splitlines() if line.strip().startswith("nat_")
        )
        filler = fill(folder)
        seen["ready"] = answer(httpx.get(service.url + "/readyz", timeout=30))
        seen["read"] = answer(graphql(service.url, fresh_token, PROJECTS))
        seen["write"] = answer(graphql(service.url, service.demo_token, CREATE, {"name": "Full"}))
        seen["login"] = answer(login(service.url, credentials["username"], credentials["token"]))
        filler.unlink()
        seen["readyAgain"] = answer(httpx.get(service.url + "/readyz", timeout=30))
        seen["writeAgain"] = answer(
            graphql(service.url, service.demo_token, CREATE, {"name": "Later"})
        )
        seen["projects"] = sorted(
            edge["node"]["name"]
            for edge in service.graphql(PROJECTS)["projects"]["edges"]  # type: ignore[index]
        )
        seen["output"] = service.stop_and_read_output()
    return seen


if __name__ == "__main__":
    scenario, where = sys.argv[1], Path(sys.argv[2])
    print(json.dumps({"start": start, "serve": serve}[scenario](where)))
