"""Fault run against a real service on PostgreSQL (driven by scripts/chaos.sh).

Load: WORKERS clients that create projects (each with a unique name) and read
them back. Faults, mid-load: kill -9 of the service (restarted at once), then
PostgreSQL stopped for OUTAGE seconds. Then it counts, and fails (exit 1) on any
5xx other than 503, any "Unexpected error", any acknowledged write that is not
in the database, or any project created twice.

A client retries a create only when the answer says nothing was changed (503)
or when the connection was refused (the request never left); a request cut off
after it was sent is not retried, as a careful client would not either.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

UNEXPECTED = "Unexpected error"
CREATE = (
    "mutation($name: String!) { createProject(input: {name: $name}) { __typename "
    "... on CreateProjectSuccess { project { id name registries { id } } } } }"
)
READ = "{ projects(first: 5) { edges { node { id name registries { id hostname } } } } }"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    acknowledged: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)
    requests: int = 0
    unexpected: int = 0
    missing_request_id: int = 0
    last_failure: float = 0.0
    samples: list[str] = field(default_factory=list)  # request ids of bad answers
    history: dict[str, list[str]] = field(default_factory=dict)  # create name -> answers


class Service:
    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.env = env
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.token: str | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> float:
        """Graceful stop; returns how long it took (kill -9 after 15 s)."""
        started = time.monotonic()
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return time.monotonic() - started


async def wait_ready(url: str, seconds: float = 30) -> float:
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=2) as http:
        while time.monotonic() - started < seconds:
            try:
                if (await http.get(url + "/readyz")).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.02)
    raise TimeoutError("the service did not become ready")


async def worker(n: int, url: str, token: str, until: float, tally: Tally) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    serial = 0
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=5) as http:
        while time.monotonic() < until:
            serial += 1
            name = f"chaos-{n}-{serial}"
            while time.monotonic() < until:  # retry the same create while it is safe to
                outcome = await send(http, {"query": CREATE, "variables": {"name": name}}, tally)
                tally.history.setdefault(name, []).append(outcome)
                if outcome == "ok":
                    tally.acknowledged.add(name)
                    break
                if outcome == "unanswered":
                    tally.unanswered.add(name)
                    break
                await asyncio.sleep(0.2)  # 503 or refused: nothing changed, try again
            await send(http, {"query": READ}, tally)


async def send(http: httpx.AsyncClient, body: dict, tally: Tally) -> str:
    tally.requests += 1
    try:
        response = await http.post("/graphql", json=body)
    except httpx.ConnectError:
        tally.statuses["refused"] += 1
        tally.last_failure = time.monotonic()
        return "retry"
    except httpx.TransportError:
        tally.statuses["cut off"] += 1
        tally.last_failure = time.monotonic()
        return "unanswered"
    tally.statuses[str(response.status_code)] += 1
    if "x-request-id" not in response.headers:
        tally.missing_request_id += 1
    if UNEXPECTED in response.text:
        tally.unexpected += 1
        tally.samples.append(response.headers.get("x-request-id", "-"))
    if response.status_code == 200 and not response.json().get("errors"):
        return "ok"
    tally.last_failure = time.monotonic()
    if response.status_code != 503:
        return "unanswered"
    extensions = response.json()["errors"][0].get("extensions", {})
    if extensions.get("outcome") == "UNKNOWN":  # lost mid-COMMIT: check, do not repeat
        tally.statuses["503 outcome unknown"] += 1
        return "unanswered"
    return "retry"


async def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin-url", required=True, help="postgres://…/postgres")
    parser.add_argument("--pg-data", required=True, help="the cluster's data directory")
    parser.add_argument("--pg-options", required=True, help="its server options (port, socket)")
    parser.add_argument("--workdir", required=True, type=Path)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--outage", type=float, default=10)
    args = parser.parse_args()

    admin = await asyncpg.connect(args.admin_url)
    await admin.execute("DROP DATABASE IF EXISTS nodion_chaos WITH (FORCE)")
    await admin.execute("CREATE DATABASE nodion_chaos")
    await admin.close()
    database_url = args.admin_url.rsplit("/", 1)[0] + "/nodion_chaos"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "NODION_DATA_DIR": str(args.workdir / "data"),
        "NODION_DATABASE_URL": database_url,
        "NODION_LOG_LEVEL": "INFO",
    }
    service = Service(env, port, args.workdir / "service.log")
    service.start()
    await wait_ready(url)
    printed = subprocess.run(  # noqa: ASYNC221 - once, before the load
        [sys.executable, "-m", "app.cli", "admin", "create-token", "demo@nodion.local"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"nat_[0-9A-Za-z]+", printed)
    assert match, printed
    token = match.group(0)

    tally = Tally()
    started = time.monotonic()
    until = started + args.seconds
    load = [asyncio.create_task(worker(n, url, token, until, tally)) for n in range(args.workers)]
    pg_ctl = ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", args.pg_data]
    if os.getuid() == 0:
        pg_ctl = ["runuser", "-u", "postgres", "--", *pg_ctl]

    await asyncio.sleep(args.seconds * 0.2)
    service.kill()
    killed = time.monotonic()
    service.start()
    await wait_ready(url)
    kill_recovery = time.monotonic() - killed

    await asyncio.sleep(args.seconds * 0.15)
    await asyncio.to_thread(
        subprocess.run, [*pg_ctl, "-m", "fast", "-w", "stop"], capture_output=True, check=True
    )
    stopped = time.monotonic()
    await asyncio.sleep(args.outage)
    await asyncio.to_thread(
        subprocess.run,
        [*pg_ctl, "-l", str(args.workdir / "postgres.log"), "-o", args.pg_options, "-w", "start"],
        capture_output=True,
        check=True,
    )
    restarted = time.monotonic()
    outage_seconds = restarted - stopped
    ready_after_outage = await wait_ready(url)
    await asyncio.gather(*load)
    stop_seconds = service.stop()

    check = await asyncpg.connect(database_url)
    rows = await check.fetch("SELECT name, count(*) AS n FROM projects GROUP BY name")
    await check.close()
    stored = {row["name"]: row["n"] for row in rows}
    lost = sorted(name for name in tally.acknowledged if name not in stored)
    duplicates = sorted(name for name, n in stored.items() if n > 1)
    other_5xx = sum(
        count
        for status, count in tally.statuses.items()
        if status.startswith("5") and not status.startswith("503")  # "503 outcome unknown" too
    )

    print(f"requests:                 {tally.requests}")
    print(f"answers by status:        {dict(sorted(tally.statuses.items()))}")
    print(f"503s:                     {tally.statuses['503']}")
    print(
        f"  of them, lost mid-COMMIT (outcome unknown, not retried): "
        f"{tally.statuses['503 outcome unknown']}"
    )
    print(f"other 5xx:                {other_5xx}")
    print(f"'Unexpected error':       {tally.unexpected}")
    print(f"answers without X-Request-ID: {tally.missing_request_id}")
    print(f"acknowledged creates:     {len(tally.acknowledged)}")
    print(f"unanswered creates:       {len(tally.unanswered)} (cut off by kill -9; not retried)")
    print(f"lost acknowledged writes: {len(lost)} {lost[:5]}")
    print(f"duplicates:               {len(duplicates)} {duplicates[:5]}")
    print(f"recovery after kill -9:   {kill_recovery:.2f} s (kill to ready, restart included)")
    print(f"PostgreSQL outage:        {outage_seconds:.1f} s")
    print(f"recovery after outage:    {ready_after_outage:.2f} s (PostgreSQL up to ready)")
    print(f"graceful stop at the end: {stop_seconds:.1f} s")
    failed = other_5xx or tally.unexpected or lost or duplicates or tally.missing_request_id
    for name in duplicates[:5]:
        print(f"  answers for {name}: {tally.history.get(name)}")
    log = (args.workdir / "service.log").read_text(errors="replace").splitlines()
    for request_id in tally.samples[:5]:
        print(f"  log of request {request_id}:")
        for line in log:
            if request_id in line:
                print("   ", line[:400])
    print("FAIL" if failed else "PASS")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
