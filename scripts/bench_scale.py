"""`bench.py --scale`: every dashboard and deploy path on a year-old database and
on a near-empty one, in the same run (issue 24).

Both databases are seeded by scripts/seed_scale.py (the big one at `--seed-scale`
of the year; 1.0 is the issue's sizes), two `nodion serve` processes run side by
side, and each round loads the empty one and the big one back to back (alternating
which goes first), so background load on a shared machine hits both alike. The
figure that matters is the ratio of the big database's p50 to the empty one's.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from bench import (
    ROOT,
    BenchFailed,
    Load,
    Run,
    _sqlite,
    lua_script,
    postgres_cluster,
    service_env,
    service_process,
    wrk,
)
from strawberry.relay.utils import to_base64

from app.graphql.core.ids import encode_id
from app.operations import document

PROJECT_PAGE = """query ($id: ID!) { project(id: $id) { id name namespace
  registries { id type name hostname region isDefault username hasCredentials tokenHint
               lastUsedAt }
  applications { id name region deployments(first: 1) {
    edges { node { id status createdAt finishedAt } } } }
  auditEvents(first: 20) { edges { node { action actorEmail targetName createdAt } }
                           pageInfo { hasNextPage endCursor } } } }"""
DEEP_DEPLOYMENTS = """query ($id: ID!, $after: String) { node(id: $id) { ... on Application {
  deployments(first: 20, after: $after) { edges { cursor node { id status createdAt } }
                                          pageInfo { hasNextPage } } } } }"""
PROJECTS_LIST = """{ projects(first: 50) { edges { node { id name namespace
  registries { id type name hostname region isDefault hasCredentials } } }
  pageInfo { hasNextPage endCursor } } }"""
# The images tab sends its operation as the dashboard does (app/web/dashboard/
# views/images.js): the document with its fragments, every region.
IMAGES_TAB = "ProjectImages"
AUDIT_BY_ACTION = """query ($id: ID!, $action: String) { project(id: $id) {
  auditEvents(first: 20, action: $action) { edges { node { action targetName createdAt } }
                                            pageInfo { hasNextPage endCursor } } } }"""


@dataclass
class Side:
    """One database (empty or big) with its service and what its seed returned."""

    name: str
    database_url: str
    handles: dict[str, Any]
    service_url: str = ""
    service_pid: int = 0


@dataclass
class ScalePath:
    name: str
    loads: dict[str, Load]  # side name -> wrk target
    after_run: Callable[[Side], str] | None = None  # resets state; returns a note


def seed_side(side: str, database_url: str, env: dict[str, str], args: argparse.Namespace,
              folder: Path) -> Side:  # fmt: skip
    handles_file = folder / f"{side}-handles.json"
    size = ["--near-empty"] if side == "empty" else ["--scale", str(args.seed_scale)]
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts/seed_scale.py"), "--database-url", database_url,
         *size, "--handles", str(handles_file)],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BenchFailed(f"seeding the {side} database failed:\n{done.stdout}\n{done.stderr}")
    handles = json.loads(handles_file.read_text())
    print(
        f"  seeded {side}: {handles['sizes']} in {time.monotonic() - started:.0f} s "
        f"(rows: {handles['seconds']} s)",
        flush=True,
    )
    return Side(side, database_url, handles)


def graphql_lua(folder: Path, name: str, token: str, query: str, variables: dict) -> Path:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    return lua_script(
        folder, name, "POST", headers, json.dumps({"query": query, "variables": variables})
    )


def check_graphql(side: Side, token: str, query: str, variables: dict) -> dict:
    response = httpx.post(
        side.service_url + "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
        timeout=120,
    )
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise BenchFailed(f"{side.name}: GraphQL failed: {response.status_code} {body}")
    return body["data"]


def check_images_page(side: Side, data: dict) -> None:
    """Both databases answer the same page: 100 repositories (fewer only on a
    tiny seed), the big one's with a full page of tags (it holds thousands on the
    big database)."""
    sizes = side.handles["sizes"]
    edges = data["project"]["repositories"]["edges"]
    big = encode_id("Repository", side.handles["images_big_repository"])
    [repository] = [edge["node"] for edge in edges if edge["node"]["id"] == big]
    tags = len(repository["tags"]["edges"])
    if (len(edges), tags) != (
        min(100, sizes["big_project_repositories"]),
        min(100, sizes["big_repository_tags"]),
    ):
        raise BenchFailed(f"{side.name}: images tab has {len(edges)} repositories, {tags} tags")
    if repository["tagCount"] != side.handles["images_big_repository_tags"]:
        raise BenchFailed(f"{side.name}: the big repository counts {repository['tagCount']}")


def reset_claims(side: Side) -> str:
    """Claimed deployments go back to PENDING, so every run claims from the same
    queue; says how many the run claimed and whether it emptied its region."""
    region = side.handles["deploy_region"]
    reset = (
        "UPDATE deployments SET status = 'PENDING', claimed_at = NULL, target_id = NULL, "
        "target_name = NULL, credential_digest = NULL, credential_expires_at = NULL "
        "WHERE status = 'CLAIMED'"
    )
    count = "SELECT COUNT(*) FROM deployments WHERE status = 'CLAIMED'"
    left = f"SELECT COUNT(*) FROM deployments WHERE status = 'PENDING' AND region = '{region}'"
    if side.database_url.startswith("sqlite://"):
        connection = sqlite3.connect(side.database_url.removeprefix("sqlite://"), timeout=30)
        try:
            claimed = connection.execute(count).fetchone()[0]
            remaining = connection.execute(left).fetchone()[0]
            with connection:
                connection.execute(reset)
        finally:
            connection.close()
    else:

        async def on_postgres() -> tuple[int, int]:
            import asyncpg

            connection = await asyncpg.connect(side.database_url)
            try:
                claimed, remaining = (
                    await connection.fetchval(count),
                    await connection.fetchval(left),
                )
                await connection.execute(reset)
                return claimed, remaining
            finally:
                await connection.close()

        claimed, remaining = asyncio.run(on_postgres())
    return f"{side.name} claimed {claimed}" + (" (QUEUE EMPTIED: 204s)" if remaining == 0 else "")


def build_paths(sides: dict[str, Side], folder: Path, wanted: list[str]) -> list[ScalePath]:
    paths = []
    for name in wanted:
        loads: dict[str, Load] = {}
        after_run = None
        for side in sides.values():
            h = side.handles
            token = h["api_token"]
            project = encode_id("Project", 1)
            lua = f"{side.name}-{name}"
            if name == "token":
                basic = "Basic " + base64.b64encode(h["registry_login"].encode()).decode()
                url = (
                    f"{side.service_url}/registry/token?service={h['registry_service']}"
                    f"&scope=repository:{h['namespace']}/app:pull,push"
                )
                response = httpx.get(url, headers={"Authorization": basic}, timeout=60)
                if response.status_code != 200 or "token" not in response.json():
                    raise BenchFailed(f"{side.name}: token endpoint {response.status_code}")
                loads[side.name] = Load(
                    url, lua_script(folder, lua, "GET", {"Authorization": basic}, ""),
                    side.service_pid,
                )  # fmt: skip
                continue
            if name == "claim":
                target = h["deploy_target_token"]
                url = f"{side.service_url}/deploy/v1/deployments/claim"
                response = httpx.post(
                    url, headers={"Authorization": f"Bearer {target}"}, timeout=60
                )
                if response.status_code != 200:
                    raise BenchFailed(f"{side.name}: claim answered {response.status_code}")
                loads[side.name] = Load(
                    url,
                    lua_script(folder, lua, "POST", {"Authorization": f"Bearer {target}"}, ""),
                    side.service_pid,
                )
                after_run = reset_claims
                reset_claims(side)
                continue
            if name == "project":
                query, variables = PROJECT_PAGE, {"id": project}
            elif name == "deployments":
                cursor = to_base64("cursor", str(h["deployment_cursor_500"]))
                query = DEEP_DEPLOYMENTS
                variables = {"id": encode_id("Application", 1), "after": cursor}
            elif name == "projects":
                query, variables = PROJECTS_LIST, {}
            elif name == "images":
                query, variables = document(IMAGES_TAB), {"id": project, "region": None}
            else:
                query, variables = AUDIT_BY_ACTION, {"id": project, "action": h["rare_action"]}
            data = check_graphql(side, token, query, variables)
            if name == "images":
                check_images_page(side, data)
            loads[side.name] = Load(
                side.service_url + "/graphql",
                graphql_lua(folder, lua, token, query, variables),
                side.service_pid,
            )
        paths.append(ScalePath(name, loads, after_run))
    return paths


def scale_rounds(
    path: ScalePath, sides: dict[str, Side], args: argparse.Namespace
) -> dict[str, list[Run]]:
    runs: dict[str, list[Run]] = {name: [] for name in sides}
    for number in range(args.rounds):
        order = list(sides) if number % 2 == 0 else list(reversed(sides))
        notes = []
        for side_name in order:
            runs[side_name].append(wrk(path.loads[side_name], args.seconds, args.connections))
            if path.after_run:
                notes.append(path.after_run(sides[side_name]))
        empty, big = runs["empty"][-1], runs["big"][-1]
        print(
            f"  {path.name:13} round {number + 1}: empty p50 {empty.p50_ms:8.2f} p99 "
            f"{empty.p99_ms:8.2f} ({empty.rps:6.0f} req/s) | big p50 {big.p50_ms:8.2f} p99 "
            f"{big.p99_ms:8.2f} ({big.rps:6.0f} req/s) | ratio p50 {big.p50_ms / empty.p50_ms:.2f}"
            + (f" | {'; '.join(notes)}" if notes else ""),
            flush=True,
        )
    return runs


@contextmanager
def two_databases(database: str, folder: Path) -> Iterator[dict[str, str]]:
    """URLs of two empty databases: two SQLite files, or two databases of one
    throwaway PostgreSQL cluster."""
    if database == "sqlite":
        with _sqlite(folder / "empty") as empty, _sqlite(folder / "big") as big:
            (folder / "empty").mkdir(exist_ok=True)
            (folder / "big").mkdir(exist_ok=True)
            yield {"empty": empty, "big": big}
        return
    with postgres_cluster(folder) as url:
        base = url.rsplit("/", 1)[0]

        async def create() -> None:
            import asyncpg

            connection = await asyncpg.connect(url)
            try:
                for name in ("nodion_empty", "nodion_big"):
                    await connection.execute(f"CREATE DATABASE {name}")
            finally:
                await connection.close()

        asyncio.run(create())
        yield {"empty": f"{base}/nodion_empty", "big": f"{base}/nodion_big"}


def bench_scale_database(database: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    env = service_env(None, None)
    print(f"{database}:", flush=True)
    with two_databases(database, folder) as urls, ExitStack() as services:
        sides: dict[str, Side] = {}
        for name in ("empty", "big"):
            side_env = {**env, "NODION_DATA_DIR": str(folder / f"data-{name}")}
            sides[name] = side = seed_side(name, urls[name], side_env, args, folder)
            side_env["NODION_DATABASE_URL"] = urls[name]
            side.service_url, _, side.service_pid = services.enter_context(
                service_process(side_env, 1)
            )
        paths = build_paths(sides, folder, args.scale_paths)
        results = {path.name: scale_rounds(path, sides, args) for path in paths}
    rows = {}
    print(
        f"\n{database}: medians of {args.rounds} rounds "
        f"(wrk -c{args.connections} -d{args.seconds}s)"
    )
    print("| path | empty p50 / p99 ms | big p50 / p99 ms | ratio p50 big/empty |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        row = {
            f"{side}_{figure}": statistics.median(
                getattr(run, f"{figure}_ms") for run in runs[side]
            )
            for side in ("empty", "big")
            for figure in ("p50", "p99")
        }
        row["ratio"] = statistics.median(
            big.p50_ms / empty.p50_ms for empty, big in zip(runs["empty"], runs["big"], strict=True)
        )
        rows[name] = row
        print(
            f"| {name} | {row['empty_p50']:.2f} / {row['empty_p99']:.2f} | "
            f"{row['big_p50']:.2f} / {row['big_p99']:.2f} | {row['ratio']:.2f} |"
        )
    rows["seed"] = sides["big"].handles["sizes"] | {"seconds": sides["big"].handles["seconds"]}
    return rows
