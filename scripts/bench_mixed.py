"""`bench.py --mixed`: deploy claims under the mixed load of issue 22, beside the
GraphQL requests of the same run.

N clients (default 100) each loop through what a team does: create a project,
generate its registry credentials, log in to the registry, create an application,
deploy it, claim the deployment as a deploy target and report it SUCCEEDED. The
figure that matters is claim p50/p99 against GraphQL p50/p99 in the same run
(issue 22: no higher).

The load comes from this process (asyncio + httpx), not from the service's. It
must not be the bottleneck, or every latency would include its own queueing: it
prints the share of a core it used and how late its event loop ran timers (a
saturated generator shows both near 100 % and in the tens of milliseconds). The
latencies it prints are still end to end, and both kinds of request suffer any
generator delay alike, so the comparison holds either way.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench import (
    NODION,
    BenchFailed,
    _sqlite,
    cpu_seconds,
    postgres_cluster,
    process_tree,
    service_env,
    service_process,
)

REGION = "eu-central"
SERVICE_HOST = f"registry.{REGION}.nodion.net"
CREATE_PROJECT = """mutation($name: String!) { createProject(input: {name: $name}) {
  __typename ... on CreateProjectSuccess { project { id namespace
  defaultRegistry(region: "eu-central") { id } } } } }"""
GENERATE = """mutation($id: ID!) { generateCredentials(registryId: $id) {
  __typename ... on GenerateCredentialsSuccess { credentials { username token } } } }"""
CREATE_APP = """mutation($p: ID!) { createApplication(input: {projectId: $p, name: "web",
  region: "eu-central", strategy: PREBUILT_IMAGE, image: "nginx"}) {
  __typename ... on CreateApplicationSuccess { application { id } } } }"""
DEPLOY = """mutation($a: ID!) { deployApplication(applicationId: $a) { __typename } }"""


@dataclass
class Latencies:
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    measuring: bool = False
    transport_errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def note(self, kind: str, started: float, status: int) -> None:
        if self.measuring:
            self.by_kind[kind].append((time.perf_counter() - started) * 1000)
            self.statuses[kind][status] += 1


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class Client:
    def __init__(self, number: int, http: httpx.AsyncClient, api_token: str, target: str):
        self.number = number
        self.http = http
        self.api = {"Authorization": f"Bearer {api_token}"}
        self.target = {"Authorization": f"Bearer {target}"}
        self.round = 0

    async def graphql(self, seen: Latencies, query: str, variables: dict[str, Any]) -> Any:
        started = time.perf_counter()
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.api
        )
        seen.note("graphql", started, response.status_code)
        body = response.json()
        if response.status_code != 200 or body.get("errors"):
            raise BenchFailed(f"GraphQL answered {response.status_code}: {body}")
        return body["data"]

    async def one_round(self, seen: Latencies) -> None:
        self.round += 1
        name = f"Mixed {self.number} {self.round}"
        made = await self.graphql(seen, CREATE_PROJECT, {"name": name})
        project = made["createProject"]["project"]
        generated = await self.graphql(seen, GENERATE, {"id": project["defaultRegistry"]["id"]})
        credentials = generated["generateCredentials"]["credentials"]
        started = time.perf_counter()
        login = await self.http.get(
            "/registry/token",
            params={
                "service": SERVICE_HOST,
                "scope": f"repository:{project['namespace']}/web:pull,push",
            },
            auth=(credentials["username"], credentials["token"]),
        )
        seen.note("login", started, login.status_code)
        if login.status_code != 200:
            raise BenchFailed(f"a registry login answered {login.status_code}: {login.text}")
        app = await self.graphql(seen, CREATE_APP, {"p": project["id"]})
        application_id = app["createApplication"]["application"]["id"]
        await self.graphql(seen, DEPLOY, {"a": application_id})
        started = time.perf_counter()
        claim = await self.http.post("/deploy/v1/deployments/claim", headers=self.target)
        seen.note("claim", started, claim.status_code)
        if claim.status_code == 204:
            return  # another target took it (the oldest pending one of the region)
        if claim.status_code != 200:
            raise BenchFailed(f"a claim answered {claim.status_code}: {claim.text}")
        number = claim.json()["deployment"]["number"]
        started = time.perf_counter()
        report = await self.http.post(
            f"/deploy/v1/deployments/{number}/status",
            json={"status": "SUCCEEDED", "message": "bench"},
            headers=self.target,
        )
        seen.note("report", started, report.status_code)
        if report.status_code != 200:
            raise BenchFailed(f"a status report answered {report.status_code}: {report.text}")


async def loop_lag(lags: list[float], until: float) -> None:
    """How late the event loop wakes a 10 ms timer: the generator's own queueing."""
    while time.perf_counter() < until:
        asked = time.perf_counter()
        await asyncio.sleep(0.01)
        lags.append((time.perf_counter() - asked - 0.01) * 1000)


async def drive(url: str, api_token: str, targets: list[str], args: argparse.Namespace) -> dict:
    seen = Latencies()
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as http:
        clients = [
            Client(n, http, api_token, targets[n % len(targets)]) for n in range(args.clients)
        ]
        warm_until = time.perf_counter() + args.warmup
        end = warm_until + args.seconds
        lags: list[float] = []
        cpu: dict[str, float] = {}

        async def run(client: Client) -> None:
            while time.perf_counter() < end:
                try:
                    await client.one_round(seen)
                except httpx.TransportError as error:
                    # A keep-alive connection the server closed as it was reused
                    # (its idle timeout, on a starved machine): counted, not fatal.
                    seen.transport_errors[type(error).__name__] += 1

        async def measure() -> None:
            await asyncio.sleep(args.warmup)
            seen.measuring = True
            cpu["start"], cpu["wall"] = time.process_time(), time.perf_counter()
            await loop_lag(lags, end)
            seen.measuring = False
            cpu["used"] = time.process_time() - cpu["start"]
            cpu["wall"] = time.perf_counter() - cpu["wall"]

        await asyncio.gather(measure(), *(run(client) for client in clients))
    result: dict[str, Any] = {}
    for kind, values in seen.by_kind.items():
        result[kind] = {
            "count": len(values),
            "p50_ms": percentile(values, 0.50),
            "p99_ms": percentile(values, 0.99),
            "statuses": dict(seen.statuses[kind]),
        }
    result["transport_errors"] = dict(seen.transport_errors)
    result["generator"] = {
        "core_share": cpu["used"] / cpu["wall"],
        "loop_lag_p50_ms": percentile(lags, 0.5),
        "loop_lag_p99_ms": percentile(lags, 0.99),
    }
    return result


def create_targets(env: dict[str, str], count: int) -> list[str]:
    """Deploy targets (their tokens), made by the operator command, in parallel."""
    processes = [
        subprocess.Popen(
            [*NODION, "admin", "create-deploy-target", f"bench-{n}", "--region", REGION, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(count)
    ]
    tokens = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            raise BenchFailed(f"create-deploy-target failed: {err}")
        tokens.append(json.loads(out)["token"])
    return tokens


def profile(pid: int, database: str, args: argparse.Namespace) -> subprocess.Popen[str] | None:
    """`--py-spy FOLDER`: sample the serving process over the measured seconds,
    waiting included (--idle: a request waiting for the database is where its
    latency goes), as collapsed stacks (one line per stack, greppable)."""
    if not args.py_spy:
        return None
    output = Path(args.py_spy) / f"mixed-{database}.collapsed"
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("py-spy")), "record", "--pid",
         str(pid), "--duration", str(args.warmup + args.seconds), "--rate", "50", "--idle",
         "--format", "raw", "--output", str(output), "--nonblocking"],
        text=True,
    )  # fmt: skip


def bench_mixed_database(database: str, args: argparse.Namespace, folder: Path) -> dict:
    with postgres_cluster(folder) if database == "postgres" else _sqlite(folder) as url:
        # 100 clients log in from one address here; in production each has its own.
        env = service_env(folder / "data", url, NODION_AUTH_MAX_PENDING_LOGINS_PER_ADDRESS="1000")
        workers = args.workers[0]
        with service_process(env, workers) as (service_url, api_token, service_pid):
            if api_token is None:
                raise BenchFailed("the first start printed no demo API token")
            targets = create_targets(env, args.targets)
            pids = process_tree(service_pid)
            before = cpu_seconds(pids)
            started = time.perf_counter()
            profiler = profile(pids[-1], database, args)
            result = asyncio.run(drive(service_url, api_token, targets, args))
            wall = time.perf_counter() - started
            if profiler is not None:
                profiler.wait(timeout=60)
            result["service_core_share"] = (cpu_seconds(pids) - before) / wall
    print_result(database, workers, args, result)
    return result


def print_result(database: str, workers: int, args: argparse.Namespace, result: dict) -> None:
    generator = result["generator"]
    print(
        f"\n{database}, {workers} worker(s), {args.clients} clients, {args.targets} deploy "
        f"targets, {args.seconds} s measured after {args.warmup} s warm-up; "
        f"{os.cpu_count()} CPUs shared with other work"
    )
    print("| requests | count | p50 ms | p99 ms | statuses |")
    print("|---|---|---|---|---|")
    for kind in ("claim", "graphql", "login", "report"):
        row = result.get(kind)
        if row:
            print(
                f"| {kind} | {row['count']} | {row['p50_ms']:.0f} | {row['p99_ms']:.0f} "
                f"| {row['statuses']} |"
            )
    print(
        f"generator: {generator['core_share']:.0%} of a core, event loop lag p50 "
        f"{generator['loop_lag_p50_ms']:.1f} ms p99 {generator['loop_lag_p99_ms']:.1f} ms; "
        f"service: {result['service_core_share']:.0%} of a core"
        + (
            f"; connection errors {result['transport_errors']}"
            if result["transport_errors"]
            else ""
        ),
        flush=True,
    )
    if "claim" in result and "graphql" in result:
        claim, graph = result["claim"], result["graphql"]
        verdict = (
            "claims no slower"
            if claim["p50_ms"] <= graph["p50_ms"] and claim["p99_ms"] <= graph["p99_ms"]
            else "CLAIMS SLOWER than GraphQL"
        )
        print(
            f"{verdict}: claim p50/p99 {claim['p50_ms']:.0f}/{claim['p99_ms']:.0f} ms, "
            f"GraphQL {graph['p50_ms']:.0f}/{graph['p99_ms']:.0f} ms",
            flush=True,
        )
