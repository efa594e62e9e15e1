#!/usr/bin/env python3
"""Benchmark the Docker token endpoint against a bare Starlette endpoint.

Serves the app with uvicorn (one worker, SQLite, a project with generated
credentials) and, in the same run, a bare Starlette app that returns a JSON
body of the same size. This process, separate from both servers, loads each
on 127.0.0.1 for a fixed time with a fixed number of concurrent connections
and prints requests/s, p50 and p99 for each and their ratio.

    .venv/bin/python scripts/bench_token_endpoint.py [--seconds 10] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import free_port, running_service, wait_for_port


def baseline_server(port: int, size: int) -> None:
    """A bare Starlette endpoint returning `size` bytes of JSON."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    padding = "x" * max(0, size - len('{"token":""}'))

    async def token(request):
        return JSONResponse({"token": padding})

    app = Starlette(routes=[Route("/token", token)])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def load(url: str, headers: dict[str, str], seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=10) as client:

        async def worker() -> None:
            nonlocal failures
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                response = await client.get(url, headers=headers)
                if response.status_code != 200:
                    failures += 1
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100)
    return {
        "requests": len(latencies),
        "failures": failures,
        "rps": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--baseline-server", nargs=2, type=int, metavar=("PORT", "SIZE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.baseline_server:
        baseline_server(*args.baseline_server)
        return

    with (
        tempfile.TemporaryDirectory() as folder,
        running_service(
            Path(folder), f"sqlite://{folder}/bench.sqlite3", NODION_LOG_LEVEL="WARNING"
        ) as service,
    ):
        project = service.graphql(
            'mutation { createProject(input: {name: "Bench"}) { '
            "... on CreateProjectSuccess { project { namespace "
            'defaultRegistry(region: "eu-central") { id } } } } }'
        )
        project = project["createProject"]["project"]
        made = service.graphql(
            "mutation($id: ID!) { generateCredentials(registryId: $id) { "
            "... on GenerateCredentialsSuccess { credentials { username token } } } }",
            variables={"id": project["defaultRegistry"]["id"]},
        )["generateCredentials"]["credentials"]
        basic = base64.b64encode(f"{made['username']}:{made['token']}".encode()).decode()
        headers = {"Authorization": f"Basic {basic}"}
        token_url = (
            f"{service.url}/registry/token?service=registry.eu-central.nodion.net"
            f"&scope=repository:{project['namespace']}/app:pull,push"
        )
        sample = httpx.get(token_url, headers=headers)
        assert sample.status_code == 200, sample.text
        size = len(sample.content)

        port = free_port()
        baseline = subprocess.Popen(
            [sys.executable, __file__, "--baseline-server", str(port), str(size)],
            env=os.environ.copy(),
        )
        try:
            wait_for_port(port, baseline)
            bare_url = f"http://127.0.0.1:{port}/token"
            assert len(httpx.get(bare_url).content) == size
            ours = asyncio.run(load(token_url, headers, args.seconds, args.concurrency))
            bare = asyncio.run(load(bare_url, headers, args.seconds, args.concurrency))
        finally:
            baseline.terminate()
            baseline.wait()

    print(
        f"response body: {size} bytes; {args.concurrency} connections; "
        f"{args.seconds:.0f} s each; uvicorn, 1 worker; SQLite"
    )
    for name, result in (("token endpoint", ours), ("bare starlette", bare)):
        print(
            f"{name:15} {result['rps']:8.0f} req/s   p50 {result['p50_ms']:6.2f} ms   "
            f"p99 {result['p99_ms']:6.2f} ms   ({result['requests']} requests, "
            f"{result['failures']} failed)"
        )
    print(
        f"ratio token/bare: {ours['rps'] / bare['rps']:.2f} of the throughput, "
        f"p50 x{ours['p50_ms'] / bare['p50_ms']:.1f}"
    )
    print(json.dumps({"token_endpoint": ours, "bare_starlette": bare}))


if __name__ == "__main__":
    main()
