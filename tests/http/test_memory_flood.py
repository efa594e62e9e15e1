"""A flood of oversized requests leaves a real uvicorn's memory where it was
(issue 10, case 1): before, 30 bodies of 20-50 MB took it from 823 MB to 2 GB
resident, kept by the parse cache. Prints its figures (run with -s)."""

from __future__ import annotations

import json
import secrets
import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.servers import running_service

MIB = 1_048_576


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def oversized_post(port: int, body_bytes: int, *, chunked: bool) -> str:
    """Send up to `body_bytes` of a GraphQL comment; return the status line."""
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_bytes}"
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"{framing}\r\nConnection: close\r\n\r\n"
    ).encode()
    piece = b"x" * 65_536
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        sent = 0
        try:
            while sent < body_bytes:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: what a limit should do
        try:
            return sock.recv(4096).split(b"\r\n", 1)[0].decode()
        except ConnectionResetError:
            return "reset"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_memory_returns_after_a_flood_of_oversized_requests(tmp_path, database_url):
    with running_service(tmp_path / "data", database_url) as service:
        assert service.process is not None
        pid = service.process.pid
        port = urlsplit(service.url).port
        assert port
        with httpx.Client(base_url=service.url, timeout=30) as http:

            def normal_traffic() -> None:
                for _ in range(100):
                    http.post(
                        "/graphql",
                        json={"query": "{ viewer { email } }"},
                        headers={"Authorization": f"Bearer {service.demo_token}"},
                    )

            def near_limit_documents(count: int) -> list[int]:
                """Documents just under the body limit, each unique: parsed, never cached."""
                statuses = []
                for _ in range(count):
                    comment = secrets.token_hex(125_000)  # 250,000 characters
                    body = json.dumps({"query": f"# {comment}\n{{ __typename }}"})
                    statuses.append(
                        http.post(
                            "/graphql", content=body, headers={"Content-Type": "application/json"}
                        ).status_code
                    )
                return statuses

            # "Where it started": a process that has served its ordinary traffic,
            # including a few of the largest requests it accepts.
            normal_traffic()
            near_limit_documents(20)
            normal_traffic()
            before = rss_bytes(pid)
            started = time.monotonic()

            statuses = [oversized_post(port, 20 * MIB, chunked=False) for _ in range(30)]
            statuses += [oversized_post(port, 20 * MIB, chunked=True) for _ in range(30)]
            # (Thousands of near-limit documents do grow RSS slowly, ~3 MB per 100,
            # with no Python object kept: allocator fragmentation, see issue 10's note.)
            near_limit = near_limit_documents(30)
            healthz = http.get("/healthz")
            flood_seconds = time.monotonic() - started
            normal_traffic()
            after = rss_bytes(pid)

    print(
        f"\nRSS before {before / MIB:.1f} MiB, after {after / MIB:.1f} MiB "
        f"({(after - before) / before:+.1%}); 60 oversized requests of 20 MiB "
        f"(30 with Content-Length, 30 chunked) + 30 unique 250 kB documents in "
        f"{flood_seconds:.1f} s"
    )
    assert all(s.endswith("413 Request Entity Too Large") or s == "reset" for s in statuses), (
        statuses
    )
    assert statuses.count("reset") < len(statuses) / 2, statuses
    assert set(near_limit) == {200}
    assert healthz.status_code == 200
    assert after <= before * 1.10, f"RSS grew from {before} to {after}"
