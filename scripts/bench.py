#!/usr/bin/env python3
"""Benchmark the hot paths against their floors, with wrk as the load generator.

Starts everything itself on 127.0.0.1: the service (`nodion serve`, one worker, or
several with --workers), the floors (scripts/bench_floors.py: a bare JSON endpoint
with a body the size of the token response, and a hand-written endpoint that answers
the GraphQL list with the same JSON through the same ORM), and on PostgreSQL a
throwaway cluster (scripts/start-test-postgres.sh). It seeds a user, a project with
generated credentials and 50 projects, checks that each path and its floor answer
alike, then loads them with `wrk` (Debian package) in alternating rounds: each round
runs the service and its floor back to back, in alternating order, so background load
on a shared machine hits both; the ratio is taken per round and the median printed.

    .venv/bin/python scripts/bench.py                          # SQLite and PostgreSQL
    .venv/bin/python scripts/bench.py --databases sqlite --rounds 5 --seconds 10
    .venv/bin/python scripts/bench.py --paths token --workers 1 2
    .venv/bin/python scripts/bench.py --paths list --fast-path on off
    .venv/bin/python scripts/bench.py --scale --seed-scale 0.1 --rounds 1 --seconds 3
    .venv/bin/python scripts/bench.py --cli --cli-runs 21
    .venv/bin/python scripts/bench.py --mixed --clients 100 --seconds 20

--scale measures how each path grows with the data instead (scripts/bench_scale.py):
each path on a seeded year-old database and on a near-empty one, p50/p99 and ratio.
--cli measures how fast the `nodion` command starts instead (scripts/bench_cli.py):
`nodion --help` and `nodion projects list` against `python -c "import httpx"`.
--mixed measures deploy claims under mixed load instead (scripts/bench_mixed.py):
N clients creating projects, generating credentials, logging in, deploying and
claiming; claim p50/p99 beside GraphQL p50/p99 of the same run.

Not a test: it prints figures and exits non-zero, loudly, when anything did not run
(a floor, wrk, a non-2xx answer, a path answering differently from its floor).
"""

from __future__ import annotations

import argparse
import base64
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.security.crypto import generate_key_entry
from app.security.keys import new_pepper
from tests.servers import NODION, free_port, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SERVICE_HOST = "registry.eu-central.nodion.net"
PROJECTS = 50
PROJECTS_LIST = (
    "{ projects(first: 50) { edges { node { id name namespace "
    "registries { id type name hostname region isDefault hasCredentials } } } } }"
)
SCALE_PATHS = (
    "token", "project", "deployments", "projects", "audit-action", "claim", "images"
)  # fmt: skip
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


class BenchFailed(SystemExit):
    def __init__(self, message: str) -> None:
        super().__init__(f"BENCH FAILED: {message}")


@dataclass(frozen=True)
class Load:
    """One wrk target: a URL plus the Lua script that sets method, body and headers,
    and the process that serves it (its CPU time is counted while wrk runs)."""

    url: str
    script: Path
    server_pid: int | None = None


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    cpu_us_per_request: float = 0.0  # the server's processes (all workers), user + system
    # With several workers: the busiest process's part of that CPU. The kernel hands
    # wrk's keep-alive connections to whichever worker accepts first, so in some
    # rounds one worker serves nearly all of them (then this is near 100 %).
    busiest_share: float | None = None


def process_tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *(child for c in children for child in process_tree(int(c)))]


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


@dataclass
class Target:
    name: str
    service: Load
    floor: Load


def lua_script(folder: Path, name: str, method: str, headers: dict[str, str], body: str) -> Path:
    lines = [f'wrk.method = "{method}"']
    for key, value in headers.items():
        lines.append(f'wrk.headers["{key}"] = "{value}"')
    if body:
        assert "]==]" not in body
        lines.append(f"wrk.body = [==[{body}]==]")
    path = folder / f"{name}.lua"
    path.write_text("\n".join(lines) + "\n")
    return path


def parse_wrk(output: str) -> Run:
    def duration(label: str) -> float:
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if not match:
            raise BenchFailed(f"no {label} latency in wrk's output:\n{output}")
        return float(match.group(1)) * UNIT_MS[match.group(2)]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s+(\d+) requests in", output, re.MULTILINE)
    if not rps or not total:
        raise BenchFailed(f"wrk printed no throughput:\n{output}")
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        raise BenchFailed(f"wrk saw failed requests:\n{output}")
    if int(total.group(1)) == 0:
        raise BenchFailed(f"wrk completed no request:\n{output}")
    return Run(float(rps.group(1)), duration("50%"), duration("99%"), int(total.group(1)))


def wrk(load: Load, seconds: int, connections: int) -> Run:
    command = [
        "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
        "-s", str(load.script), load.url,
    ]  # fmt: skip
    pids = process_tree(load.server_pid) if load.server_pid else []
    before = {pid: cpu_seconds([pid]) for pid in pids}
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchFailed(f"wrk exited with {done.returncode}: {done.stderr}")
    run = parse_wrk(done.stdout)
    spent = [cpu_seconds([pid]) - before[pid] for pid in pids]
    if spent:
        run.cpu_us_per_request = sum(spent) / run.requests * 1e6
    if len(spent) > 1 and sum(spent) > 0:
        run.busiest_share = max(spent) / sum(spent)
    return run


@contextmanager
def postgres_cluster(folder: Path) -> Iterator[str]:
    """A throwaway PostgreSQL 15 cluster, as the test suite starts one."""
    if not (PG_BIN / "initdb").exists():
        raise BenchFailed(f"PostgreSQL 15 not found in {PG_BIN} (apt-get install postgresql-15)")
    # Not under `folder`: as root the cluster belongs to `postgres`, which must reach it.
    data = Path(tempfile.mkdtemp(prefix="nodion-pg."))
    started = subprocess.run(
        [str(ROOT / "scripts/start-test-postgres.sh"), str(free_port()), str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    if started.returncode != 0:
        raise BenchFailed(f"PostgreSQL did not start: {started.stderr}")
    try:
        yield started.stdout.strip()
    finally:
        owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        subprocess.run(
            [*owner, str(PG_BIN / "pg_ctl"), "-D", str(data / "data"), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
        shutil.rmtree(data, ignore_errors=True)


def service_env(data_dir: Path | None, database_url: str | None, **extra: str) -> dict[str, str]:
    """The environment of a benched `nodion serve`: its own keys, warnings only."""
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "NODION_ENCRYPTION_KEYS": generate_key_entry("bench"),
        "NODION_TOKEN_PEPPER": new_pepper(),
        "NODION_LOG_LEVEL": "WARNING",
        **extra,
    }
    if data_dir is not None:
        env["NODION_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["NODION_DATABASE_URL"] = database_url
    return env


@contextmanager
def service_process(env: dict[str, str], workers: int) -> Iterator[tuple[str, str | None, int]]:
    """`nodion serve`; yields (base URL, the demo API token if this start created one,
    the process id)."""
    port = free_port()
    args = ["--workers", str(workers)] if workers != 1 else []
    process = subprocess.Popen(
        [*NODION, "serve", "--port", str(port), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        token = None
        output = []
        for line in process.stdout:
            output.append(line)
            if match := re.match(r"^\s*(nat_[0-9A-Za-z]+)\s*$", line):
                token = match.group(1)
            if line.startswith(("Try: curl", "Get an API token")):
                break
        else:
            raise BenchFailed("the service exited while starting:\n" + "".join(output))
        # Echo the rest (warnings, errors) so a full pipe never blocks the server.
        threading.Thread(target=echo, args=(process,), daemon=True).start()
        wait_for_port(port, process, seconds=60)
        yield f"http://127.0.0.1:{port}", token, process.pid
    finally:
        stop_process(process)


def echo(process: subprocess.Popen[str]) -> None:
    """Pass on what the service logs, except the tracebacks of requests that wrk
    abandons when a run ends (ClientDisconnect): one line says how many there were."""
    assert process.stdout is not None
    pending: list[str] = []
    disconnects = 0
    for line in process.stdout:
        if not line.startswith((" ", "Traceback", "starlette.requests.ClientDisconnect")):
            if pending and not any("ClientDisconnect" in p for p in pending):
                sys.stderr.writelines("  [service] " + p for p in pending)
            pending = []
        pending.append(line)
        if line.startswith("starlette.requests.ClientDisconnect"):
            disconnects += 1
    if pending and not any("ClientDisconnect" in p for p in pending):
        sys.stderr.writelines("  [service] " + p for p in pending)
    if disconnects:
        sys.stderr.write(f"  [service] logged {disconnects} ClientDisconnect tracebacks\n")


@contextmanager
def floors_process(env: dict[str, str], token_body_size: int) -> Iterator[tuple[str, int]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts/bench_floors.py"), str(port), str(token_body_size)],
        env=env,
    )
    try:
        wait_for_port(port, process, seconds=60)
        yield f"http://127.0.0.1:{port}", process.pid
    finally:
        stop_process(process)


def graphql(url: str, token: str, query: str, variables: dict[str, Any] | None = None) -> dict:
    response = httpx.post(
        url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise BenchFailed(f"GraphQL failed: {response.status_code} {body}")
    return body["data"]


def seed(url: str, api_token: str) -> tuple[str, str]:
    """50 projects for the list; the first one's registry credentials for the token
    endpoint. Returns (Basic authorization value, the project's namespace)."""
    created = None
    for number in range(PROJECTS):
        created = graphql(
            url,
            api_token,
            "mutation($name: String!) { createProject(input: {name: $name}) { "
            "... on CreateProjectSuccess { project { namespace "
            'defaultRegistry(region: "eu-central") { id } } } } }',
            {"name": f"Bench {number}"},
        )["createProject"]["project"]
    assert created is not None
    credentials = graphql(
        url,
        api_token,
        "mutation($id: ID!) { generateCredentials(registryId: $id) { "
        "... on GenerateCredentialsSuccess { credentials { username token } } } }",
        {"id": created["defaultRegistry"]["id"]},
    )["generateCredentials"]["credentials"]
    pair = f"{credentials['username']}:{credentials['token']}".encode()
    return "Basic " + base64.b64encode(pair).decode(), created["namespace"]


def check_token(token_load: Load, basic: str) -> int:
    """The token endpoint answers 200 with a valid body; returns that body's size."""
    sample = httpx.get(token_load.url, headers={"Authorization": basic}, timeout=30)
    if sample.status_code != 200 or "token" not in sample.json():
        raise BenchFailed(f"the token endpoint answered {sample.status_code}: {sample.text}")
    return len(sample.content)


def check_list_alike(service_url: str, floor_url: str, api_token: str) -> None:
    ours = graphql(service_url, api_token, PROJECTS_LIST)
    response = httpx.post(
        floor_url + "/projects",
        json={"query": PROJECTS_LIST},
        headers={"Authorization": f"Bearer {api_token}"},
        timeout=30,
    )
    if response.status_code != 200:
        raise BenchFailed(f"the list floor answered {response.status_code}: {response.text}")
    if response.json()["data"] != ours:
        raise BenchFailed("the list floor's JSON differs from the GraphQL answer")
    if len(ours["projects"]["edges"]) != PROJECTS:
        raise BenchFailed(f"the list has {len(ours['projects']['edges'])} projects, not 50")


def rounds(path: Target, args: argparse.Namespace) -> list[tuple[Run, Run]]:
    """(service, floor) per round; odd rounds load the floor first."""
    results = []
    for number in range(args.rounds):
        order = ("service", "floor") if number % 2 == 0 else ("floor", "service")
        runs = {which: wrk(getattr(path, which), args.seconds, args.connections) for which in order}
        results.append((runs["service"], runs["floor"]))
        service, floor = runs["service"], runs["floor"]
        print(
            f"  {path.name:24} round {number + 1}: service {service.rps:7.0f} req/s "
            f"p50 {service.p50_ms:6.2f} p99 {service.p99_ms:6.2f} | floor {floor.rps:7.0f} "
            f"req/s p50 {floor.p50_ms:6.2f} p99 {floor.p99_ms:6.2f} | "
            f"ratio {service.rps / floor.rps:.2f} | CPU us/request "
            f"{service.cpu_us_per_request:.0f} / {floor.cpu_us_per_request:.0f}"
            + (
                f" | busiest worker {service.busiest_share:.0%} of the service's CPU"
                if service.busiest_share is not None
                else ""
            ),
            flush=True,
        )
    return results


def summary(name: str, results: list[tuple[Run, Run]]) -> dict[str, float]:
    def median(values: list[float]) -> float:
        return statistics.median(values)

    row = {
        "rps": median([s.rps for s, _ in results]),
        "p50_ms": median([s.p50_ms for s, _ in results]),
        "p99_ms": median([s.p99_ms for s, _ in results]),
        "floor_rps": median([f.rps for _, f in results]),
        "floor_p50_ms": median([f.p50_ms for _, f in results]),
        "floor_p99_ms": median([f.p99_ms for _, f in results]),
        "ratio": median([s.rps / f.rps for s, f in results]),
        "p99_vs_floor": median([s.p99_ms / f.p99_ms for s, f in results]),
        "cpu_us_per_request": median([s.cpu_us_per_request for s, _ in results]),
        "floor_cpu_us_per_request": median([f.cpu_us_per_request for _, f in results]),
    }
    print(
        f"| {name} | {row['rps']:.0f} req/s, p50 {row['p50_ms']:.2f} ms, "
        f"p99 {row['p99_ms']:.2f} ms | {row['floor_rps']:.0f} req/s, "
        f"p50 {row['floor_p50_ms']:.2f} ms, p99 {row['floor_p99_ms']:.2f} ms | "
        f"{row['ratio']:.2f} | {row['p99_vs_floor']:.1f}x | {row['cpu_us_per_request']:.0f} / "
        f"{row['floor_cpu_us_per_request']:.0f} |"
    )
    return row


def bench_database(database: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    with postgres_cluster(folder) if database == "postgres" else _sqlite(folder) as url:
        env = service_env(folder / "data", url)
        api_token = basic = namespace = None
        report: dict[str, Any] = {}
        lines: list[str] = []
        for fast_path, workers in itertools.product(args.fast_path, args.workers):
            env["NODION_GRAPHQL_FAST_PATH"] = fast_path
            suffix = "" if fast_path == "on" else ", fast path off"
            with service_process(env, workers) as (service_url, demo_token, service_pid):
                if api_token is None:
                    if demo_token is None:
                        raise BenchFailed("the first start printed no demo API token")
                    api_token = demo_token
                    basic, namespace = seed(service_url, api_token)
                assert basic is not None
                token_url = (
                    f"{service_url}/registry/token?service={SERVICE_HOST}"
                    f"&scope=repository:{namespace}/app:pull,push"
                )
                token_lua = lua_script(folder, "token", "GET", {"Authorization": basic}, "")
                token_load = Load(token_url, token_lua, service_pid)
                size = check_token(token_load, basic)
                with floors_process(env, size) as (floor_url, floor_pid):
                    if len(httpx.get(floor_url + "/token", timeout=30).content) != size:
                        raise BenchFailed("the token floor's body has another size")
                    check_list_alike(service_url, floor_url, api_token)
                    headers = {
                        "Authorization": f"Bearer {api_token}",
                        "Content-Type": "application/json",
                    }
                    body = json.dumps({"query": PROJECTS_LIST})
                    list_lua = lua_script(folder, "list", "POST", headers, body)
                    paths = {
                        "token": Target(
                            f"GET /registry/token ({size} B)",
                            token_load,
                            Load(floor_url + "/token", token_lua, floor_pid),
                        ),
                        "list": Target(
                            "GraphQL projects(first: 50)",
                            Load(service_url + "/graphql", list_lua, service_pid),
                            Load(floor_url + "/projects", list_lua, floor_pid),
                        ),
                    }
                    print(f"{database}, {workers} worker(s){suffix}:", flush=True)
                    results = {name: rounds(paths[name], args) for name in args.paths}
                for name, result in results.items():
                    label = f"{paths[name].name}, {workers} worker(s){suffix}"
                    lines.append(label)
                    report[label] = result
        print(f"\n{database}: medians of {args.rounds} rounds")
        print(
            "| path | this service | floor | ratio req/s | p99 vs floor "
            "| CPU us/request (service / floor) |"
        )
        print("|---|---|---|---|---|---|")
        rows = {label: summary(label, report[label]) for label in lines}
        compare_workers = len(args.workers) > 1 and "on" in args.fast_path
        for name in args.paths if compare_workers else ():
            first = rows[f"{paths[name].name}, {args.workers[0]} worker(s)"]
            for workers in args.workers[1:]:
                row = rows[f"{paths[name].name}, {workers} worker(s)"]
                # What more workers cost per request (contention, not cores): with a
                # core for each worker, throughput would grow by this factor.
                per_core = workers / args.workers[0] * first["cpu_us_per_request"]
                print(
                    f"{paths[name].name}: {workers} workers / {args.workers[0]}: "
                    f"{row['rps'] / first['rps']:.2f} x the requests/s (medians) on "
                    f"{os.cpu_count()} CPUs shared with wrk; server CPU per request "
                    f"{first['cpu_us_per_request']:.0f} -> {row['cpu_us_per_request']:.0f} us, "
                    f"so with a core per worker: {per_core / row['cpu_us_per_request']:.2f} x"
                )
        return rows


@contextmanager
def _sqlite(folder: Path) -> Iterator[str]:
    yield f"sqlite://{folder / 'bench.sqlite3'}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--paths", nargs="+", default=["token", "list"], choices=["token", "list"])
    parser.add_argument("--workers", nargs="+", type=int, default=[1])
    # NODION_GRAPHQL_FAST_PATH of the service: `on off` measures both, side by side.
    parser.add_argument("--fast-path", nargs="+", default=["on"], choices=["on", "off"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scale", action="store_true", help="big database vs near-empty")
    parser.add_argument("--seed-scale", type=float, default=1.0, help="of issue 24's year")
    parser.add_argument(
        "--scale-paths", nargs="+", default=list(SCALE_PATHS), choices=list(SCALE_PATHS)
    )
    parser.add_argument("--cli", action="store_true", help="`nodion` start-up vs import httpx")
    parser.add_argument("--cli-runs", type=int, default=21, help="runs of each command")
    parser.add_argument("--mixed", action="store_true", help="claims under mixed load")
    parser.add_argument("--clients", type=int, default=100, help="--mixed: concurrent clients")
    parser.add_argument("--targets", type=int, default=10, help="--mixed: deploy targets")
    parser.add_argument("--warmup", type=int, default=5, help="--mixed: seconds not measured")
    parser.add_argument("--py-spy", help="--mixed: write the service's py-spy stacks here")
    args = parser.parse_args()
    if args.mixed:
        from bench_mixed import bench_mixed_database

        results = {}
        for database in args.databases:
            with tempfile.TemporaryDirectory() as folder:
                results[database] = bench_mixed_database(database, args, Path(folder))
        print(json.dumps(results))
        return
    if args.cli:
        from bench_cli import bench_cli

        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(bench_cli(args, Path(folder))))
        return
    if not shutil.which("wrk"):
        raise BenchFailed("wrk is not installed (apt-get install wrk)")
    print(
        f"wrk -t1 -c{args.connections} -d{args.seconds}s, {args.rounds} alternating rounds; "
        f"{os.cpu_count()} CPUs; {sys.version.split()[0]}",
        flush=True,
    )
    everything = {}
    if args.scale:
        from bench_scale import bench_scale_database

        for database in args.databases:
            with tempfile.TemporaryDirectory() as folder:
                everything[database] = bench_scale_database(database, args, Path(folder))
        print(json.dumps(everything))
        return
    for database in args.databases:
        with tempfile.TemporaryDirectory() as folder:
            everything[database] = bench_database(database, args, Path(folder))
    print(json.dumps(everything))


if __name__ == "__main__":
    main()
