"""Real processes for tests: the service under uvicorn (`nodion serve`) and a
CNCF distribution registry configured by `nodion admin registry-config`.
Everything listens on 127.0.0.1 and is stopped by PID when the test ends."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.security.crypto import generate_key_entry
from app.security.keys import new_pepper

NODION = [sys.executable, "-m", "app.cli"]
TOKEN_LINE = re.compile(r"^\s*(nat_[0-9A-Za-z]+)\s*$")
REGISTRY_BINARY = "/usr/bin/docker-registry"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen[Any], seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before listening")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listened on 127.0.0.1:{port} within {seconds}s")


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*NODION, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@dataclass
class Service:
    url: str
    demo_token: str
    env: dict[str, str]
    output: list[str]
    verify: str | bool = True  # a CA file when the service serves https
    pid: int = 0  # of the `nodion serve` process
    process: subprocess.Popen[str] | None = None
    drain: threading.Thread | None = None
    # What it wrote after it started serving (its logs), read as it comes.
    later_output: list[str] = field(default_factory=list)

    def stop_and_read_output(self) -> str:
        """Stop the service and return everything it wrote."""
        assert self.process is not None and self.drain is not None
        stop_process(self.process)
        self.drain.join(timeout=10)
        return "".join(self.output + self.later_output)

    def graphql(self, query: str, token: str | None = None, variables: dict | None = None) -> dict:
        response = httpx.post(
            self.url + "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"Authorization": f"Bearer {token or self.demo_token}"},
            timeout=10,
            verify=ssl.create_default_context(cafile=self.verify)
            if isinstance(self.verify, str)
            else self.verify,
        )
        body = response.json()
        assert not body.get("errors"), body
        return body["data"]


def _drain(stream: Any, into: list[str]) -> None:
    """Keep reading the service's output: a full pipe would block its logging,
    and with it every request."""
    for line in stream:
        into.append(line)


def stop_process(process: subprocess.Popen[Any]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_service(
    data_dir: Path,
    database_url: str,
    encryption_keys: str | None = None,
    *,
    tls: tuple[Path, Path, Path] | None = None,
    workers: int = 1,
    wrapper: tuple[str, ...] = (),
    **extra_env: str,
) -> Iterator[Service]:
    """`nodion serve` on a free port, with its own keys; yields once it answers.
    `tls` = (certificate, key, CA file) serves https; `workers` > 1 runs that many
    uvicorn worker processes; `wrapper` runs it through a command that ends by
    exec-ing it (its process id stays the service's)."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "NODION_DATA_DIR": str(data_dir),
        "NODION_DATABASE_URL": database_url,
        "NODION_ENCRYPTION_KEYS": encryption_keys or generate_key_entry("first"),
        "NODION_TOKEN_PEPPER": new_pepper(),
        **extra_env,
    }
    json_logs = env.get("NODION_LOG_FORMAT") == "json"
    https = ["--ssl-certfile", str(tls[0]), "--ssl-keyfile", str(tls[1])] if tls else []
    process = subprocess.Popen(
        [*wrapper, *NODION, "serve", "--port", str(port), "--workers", str(workers), *https],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    token = None
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            output.append(line)
            if not line or line.startswith("Try: curl"):  # the last line before serving
                break
            if json_logs and "admin create-token" in line:  # the JSON banner's last line
                break
            if match := TOKEN_LINE.match(line):
                token = match.group(1)
        wait_for_port(port, process)
        if json_logs:  # the JSON banner does not log the demo token: ask for one
            created = run_cli(env, "admin", "create-token", "demo@nodion.local")
            token = next(
                (m.group(1) for m in map(TOKEN_LINE.match, created.stdout.splitlines()) if m),
                None,
            )
        assert token, "serve printed no API token:\n" + "".join(output)
        scheme = "https" if tls else "http"
        service = Service(
            f"{scheme}://127.0.0.1:{port}",
            token,
            env,
            output,
            str(tls[2]) if tls else True,
            process.pid,
        )
        service.process = process
        service.drain = threading.Thread(
            target=_drain, args=(process.stdout, service.later_output), daemon=True
        )
        service.drain.start()
        yield service
    finally:
        stop_process(process)


def e2e_tools_missing() -> str | None:
    missing = [
        package
        for package, binary in (("docker-registry", REGISTRY_BINARY), ("skopeo", "skopeo"))
        if not shutil.which(binary)
    ]
    if missing:
        return f"end-to-end tools missing: apt-get install {' '.join(missing)}"
    return None


@contextmanager
def running_registry(
    service: Service,
    region: str,
    folder: Path,
    *,
    port: int | None = None,
    events_url: str | None = None,
) -> Iterator[str]:
    """A distribution registry for `region`, authenticating at `service` and
    notifying it (or `events_url`) of pushes; yields HOST:PORT."""
    port = port or free_port()
    folder.mkdir(parents=True, exist_ok=True)
    written = run_cli(
        service.env,
        "admin",
        "registry-config",
        "--region",
        region,
        "--realm",
        f"{service.url}/registry/token",
        "--listen",
        f"127.0.0.1:{port}",
        "--storage",
        str(folder / "storage"),
        "--cert-bundle",
        str(folder / "token-certs.pem"),
        *(["--events-url", events_url] if events_url else []),
    )
    assert written.returncode == 0, written.stderr
    with _registry_process(folder, written.stdout, port) as address:
        yield address


@contextmanager
def running_tls_registry(folder: Path, cert: Path, key: Path, auth: str = "") -> Iterator[str]:
    """A third-party-style registry on https://127.0.0.1:PORT; `auth` is the YAML
    of its `auth:` section (empty: open to anyone). Yields HOST:PORT."""
    port = free_port()
    config = (
        "version: 0.1\n"
        "log:\n  level: warn\n"
        f"storage:\n  filesystem:\n    rootdirectory: {json.dumps(str(folder / 'storage'))}\n"
        f"http:\n  addr: 127.0.0.1:{port}\n  secret: test-secret\n"
        f"  tls:\n    certificate: {json.dumps(str(cert))}\n    key: {json.dumps(str(key))}\n"
        + (f"auth:\n{auth}" if auth else "")
    )
    with _registry_process(folder, config, port) as address:
        yield address


@contextmanager
def _registry_process(folder: Path, config_text: str, port: int) -> Iterator[str]:
    """`docker-registry serve` with this config; yields HOST:PORT once it listens."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.yml"
    config.write_text(config_text)
    with (folder / "registry.log").open("w") as log:
        process = subprocess.Popen([REGISTRY_BINARY, "serve", str(config)], stdout=log, stderr=log)
        try:
            wait_for_port(port, process)
            yield f"127.0.0.1:{port}"
        finally:
            stop_process(process)
