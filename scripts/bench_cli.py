"""`bench.py --cli`: what the `nodion` command costs to start (issue 24, item 5).

In one run, alternating the order every round so that background load on a
shared machine hits every command alike, it times as subprocesses:

- `python -c pass` and `python -c "import httpx"` (the yardsticks: an HTTP
  client can not start faster than its HTTP library imports);
- `nodion --help` and `nodion projects list --help`;
- `nodion projects list` against a service it starts (SQLite, a few projects).

and then runs each again under `python -X importtime`, summing the top-level
imports' cumulative times. It prints medians and the ratios the issue sets as
goals: the user command path's imports within 1.5 x `import httpx`'s, and
`nodion projects list` within 2 x the wall time of `python -c "import httpx"`.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import BenchFailed, _sqlite, graphql, service_env, service_process

PYTHON = sys.executable
# The console script `pip install` made: what a user runs.
NODION = str(Path(sys.executable).parent / "nodion")
PROJECTS = 5
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+(\d+) \| (\s*)(\S+)$")
IMPORTS_GOAL = 1.5  # x `import httpx`, in -X importtime's sum
WALL_GOAL = 2.0  # `nodion projects list` x `python -c "import httpx"`, wall time


def commands() -> dict[str, list[str]]:
    return {
        "python -c pass": ["-c", "pass"],
        "python -c 'import httpx'": ["-c", "import httpx"],
        "nodion --help": [NODION, "--help"],
        "nodion projects list --help": [NODION, "projects", "list", "--help"],
        "nodion projects list": [NODION, "projects", "list"],
    }


def user_environment(folder: Path, url: str, token: str) -> dict[str, str]:
    """A user's shell: none of the service's settings, a private config folder,
    the service's URL and an API token. Python writes bytecode there: `pip
    install` compiles every package's, httpx's included, so a session that sets
    PYTHONDONTWRITEBYTECODE would time the compiling of the app's own modules on
    every run and compare it with an httpx that is never compiled."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("NODION_") and name != "PYTHONDONTWRITEBYTECODE"
    }
    return {
        **env,
        "XDG_CONFIG_HOME": str(folder / "config"),
        "NODION_URL": url,
        "NODION_TOKEN": token,
    }


def run(args: list[str], env: dict[str, str], importtime: bool = False) -> tuple[float, str]:
    """(wall seconds, stderr) of `python [-X importtime] args`; fails loudly on an error."""
    flags = ["-X", "importtime"] if importtime else []
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, *flags, *args], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchFailed(f"{args} exited {done.returncode}: {done.stderr[-2000:]}")
    if args[-1] == "list" and f"Bench CLI {PROJECTS - 1}" not in done.stdout:
        raise BenchFailed(f"`nodion projects list` did not list the projects: {done.stdout}")
    return elapsed, done.stderr


def imported_ms(stderr: str) -> float:
    """The sum of the top-level imports' cumulative times (what -X importtime
    reports for everything the process imported, start-up included)."""
    total_us = 0
    for line in stderr.splitlines():
        match = IMPORT_LINE.match(line)
        if match and not match.group(2):  # not indented: imported by no other module
            total_us += int(match.group(1))
    return total_us / 1000


def measure(env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    wall: dict[str, list[float]] = {name: [] for name in commands()}
    imports: dict[str, list[float]] = {name: [] for name in commands()}
    names = list(commands())
    for name in names:  # once before timing: writes the bytecode caches
        run(commands()[name], env)
    for number in range(runs):
        # Rotate the order: each command in turn runs first, after the others, ...
        order = names[number % len(names) :] + names[: number % len(names)]
        for name in order:
            wall[name].append(run(commands()[name], env)[0])
        for name in order:
            imports[name].append(imported_ms(run(commands()[name], env, importtime=True)[1]))
    return {
        name: {
            "wall_ms": statistics.median(wall[name]) * 1000,
            "imports_ms": statistics.median(imports[name]),
        }
        for name in names
    }


def report(results: dict[str, dict[str, float]], runs: int) -> None:
    httpx = results["python -c 'import httpx'"]
    print(f"\nnodion start-up: medians of {runs} runs of each, alternating order")
    print("| command | wall ms | x import httpx | -X importtime sum ms | x import httpx |")
    print("|---|---|---|---|---|")
    for name, row in results.items():
        print(
            f"| {name} | {row['wall_ms']:.0f} | {row['wall_ms'] / httpx['wall_ms']:.2f} "
            f"| {row['imports_ms']:.0f} | {row['imports_ms'] / httpx['imports_ms']:.2f} |"
        )
    print()
    for name in ("nodion --help", "nodion projects list"):
        ratio = results[name]["imports_ms"] / httpx["imports_ms"]
        verdict = "met" if ratio <= IMPORTS_GOAL else "MISSED"
        print(f"goal: imports of `{name}` <= {IMPORTS_GOAL} x import httpx: {ratio:.2f} {verdict}")
    ratio = results["nodion projects list"]["wall_ms"] / httpx["wall_ms"]
    verdict = "met" if ratio <= WALL_GOAL else "MISSED"
    print(
        f"goal: `nodion projects list` <= {WALL_GOAL} x import httpx, wall: {ratio:.2f} {verdict}"
    )


def bench_cli(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    if not Path(NODION).exists():
        raise BenchFailed(f"{NODION} is missing: run scripts/bootstrap.sh")
    with _sqlite(folder) as url:
        env = service_env(folder / "data", url)
        with service_process(env, 1) as (service_url, token, _):
            if token is None:
                raise BenchFailed("the service printed no demo API token")
            for number in range(PROJECTS):
                graphql(
                    service_url,
                    token,
                    "mutation($name: String!) { createProject(input: {name: $name}) "
                    "{ __typename } }",
                    {"name": f"Bench CLI {number}"},
                )
            results = measure(user_environment(folder, service_url, token), args.cli_runs)
    report(results, args.cli_runs)
    return results
