#!/usr/bin/env python3
"""Attack the login throttle as issue 10 did, against real `nodion serve` processes.

Starts two service processes on one database (two workers behind a balancer),
generates a victim's registry credentials, then fires a burst of concurrent
wrong logins for the victim's username from 127.0.0.2 and 127.0.0.3, spread
over both processes, while the victim logs in with the right token from
127.0.0.1. Prints the answers each side got.

    .venv/bin/python scripts/throttle_burst.py [--burst 1000]
        [--database-url postgres://USER@127.0.0.1:PORT/DB]   (default: SQLite)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.registries.models import REGISTRY_TOKEN
from tests.servers import NODION, free_port, running_service, wait_for_port

EU = "registry.eu-central.nodion.net"


def credentials(service) -> tuple[str, str]:
    project = service.graphql(
        'mutation { createProject(input: {name: "Victim"}) { ... on CreateProjectSuccess '
        '{ project { defaultRegistry(region: "eu-central") { id } } } } }'
    )["createProject"]["project"]
    made = service.graphql(
        "mutation($id: ID!) { generateCredentials(registryId: $id) { "
        "... on GenerateCredentialsSuccess { credentials { username token } } } }",
        variables={"id": project["defaultRegistry"]["id"]},
    )["generateCredentials"]["credentials"]
    return made["username"], made["token"]


async def login(http: httpx.AsyncClient, url: str, username: str, token: str) -> int:
    basic = base64.b64encode(f"{username}:{token}".encode()).decode()
    response = await http.get(
        f"{url}/registry/token",
        params={"service": EU},
        headers={"Authorization": f"Basic {basic}"},
    )
    return response.status_code


async def attack(urls: list[str], username: str, token: str, burst: int) -> None:
    def client(address: str) -> httpx.AsyncClient:
        transport = httpx.AsyncHTTPTransport(local_address=address)
        limits = httpx.Limits(max_connections=100)
        return httpx.AsyncClient(transport=transport, limits=limits, timeout=60)

    attackers = [client("127.0.0.2"), client("127.0.0.3")]
    victim = client("127.0.0.1")
    done = asyncio.Event()
    victim_answers: list[int] = []

    async def rightful_user() -> None:
        number = 0
        while not done.is_set():
            victim_answers.append(await login(victim, urls[number % 2], username, token))
            number += 1
            await asyncio.sleep(0.1)

    watcher = asyncio.create_task(rightful_user())
    answers = await asyncio.gather(
        *(
            login(attackers[n % 2], urls[(n // 2) % 2], username, REGISTRY_TOKEN.new())
            for n in range(burst)
        )
    )
    done.set()
    await watcher
    for http in (*attackers, victim):
        await http.aclose()
    print(f"attacker, {burst} concurrent wrong logins from 2 addresses over 2 processes:")
    print(
        "  "
        + ", ".join(f"{count} x {status}" for status, count in sorted(Counter(answers).items()))
    )
    print(f"victim, right token every 0.1 s meanwhile ({len(victim_answers)} logins):")
    print("  " + ", ".join(f"{c} x {s}" for s, c in sorted(Counter(victim_answers).items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database_url = args.database_url or f"sqlite://{folder}/burst.sqlite3"
        with running_service(Path(folder), database_url, NODION_LOG_LEVEL="WARNING") as first:
            username, token = credentials(first)
            port = free_port()
            second = subprocess.Popen(
                [*NODION, "serve", "--port", str(port)],
                env=first.env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            try:
                wait_for_port(port, second)
                urls = [first.url, f"http://127.0.0.1:{port}"]
                print(f"two processes on {'PostgreSQL' if args.database_url else 'SQLite'}")
                asyncio.run(attack(urls, username, token, args.burst))
            finally:
                second.terminate()
                second.wait()


if __name__ == "__main__":
    main()
