#!/usr/bin/env python3
"""How long one large notification envelope holds up the other requests of the
worker that receives it (issue 30: 10,000 events blocked a worker ~4.5 s).

Starts one `nodion serve` worker, makes a project, then posts an envelope of
N push events (default 10,000; every tenth tag pushed twice) to the events
endpoint while another thread asks `/healthz` of the same worker back to back.
Prints the envelope's time and the slowest `/healthz` answers during it, next
to the slowest answers before it (the machine's own noise: a loaded machine
delays every request, whatever the service does).

    .venv/bin/python scripts/event_loop_lag.py [--events 10000]
        [--database-url postgres://USER@127.0.0.1:PORT/DB]   (default: SQLite)
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.registries.images.event_secret import event_secret
from tests.registries.images.events import ENVELOPE_TYPE, digest_of, envelope, push
from tests.servers import running_service


def slowest(latencies: list[float], count: int = 3) -> str:
    ordered = sorted(latencies, reverse=True)[:count]
    return ", ".join(f"{value * 1000:.0f} ms" for value in ordered) or "none"


def probe(url: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(timeout=60) as client:
        while not stop.is_set():
            started = time.perf_counter()
            client.get(url + "/healthz")
            latencies.append(time.perf_counter() - started)


def probed(url: str, seconds: float | None, action=None) -> tuple[list[float], float]:
    stop, latencies = threading.Event(), []
    thread = threading.Thread(target=probe, args=(url, stop, latencies))
    thread.start()
    started = time.perf_counter()
    try:
        if action is not None:
            action()
        else:
            time.sleep(seconds or 0)
    finally:
        elapsed = time.perf_counter() - started
        stop.set()
        thread.join()
    return latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        database_url = args.database_url or f"sqlite://{data / 'nodion.sqlite3'}"
        with running_service(data, database_url) as service:
            project = service.graphql(
                'mutation { createProject(input: {name: "Lag"}) { ... on CreateProjectSuccess '
                "{ project { namespace } } } }"
            )["createProject"]["project"]
            namespace = project["namespace"]
            now = datetime.now(UTC) - timedelta(days=1)
            events = [
                push(
                    f"{namespace}/r{n % 50}",
                    f"t{n % (args.events * 9 // 10 or 1)}",
                    digest_of(str(n)),
                    at=now + timedelta(seconds=n),
                )
                for n in range(args.events)
            ]
            body = json.dumps(envelope(*events)).encode()
            pepper = base64.b64decode(service.env["NODION_TOKEN_PEPPER"])
            secret = event_secret(pepper, "eu-central")
            answers: list[httpx.Response] = []

            def post() -> None:
                answers.append(
                    httpx.post(
                        service.url + "/registry/v1/events",
                        content=body,
                        headers={
                            "Content-Type": ENVELOPE_TYPE,
                            "Authorization": f"Bearer {secret}",
                        },
                        timeout=600,
                    )
                )

            idle, _ = probed(service.url, 3.0)
            during, elapsed = probed(service.url, None, post)
            [answer] = answers
            print(f"envelope: {args.events} events, {len(body) / 1e6:.1f} MB, {answer.status_code}")
            print(f"  {answer.text[:200]}")
            print(f"  answered in {elapsed:.2f} s")
            print(f"/healthz before it: {len(idle)} answers, slowest {slowest(idle)}")
            print(f"/healthz during it: {len(during)} answers, slowest {slowest(during)}")


if __name__ == "__main__":
    main()
