"""/metrics: off unless NODION_METRICS_TOKEN is set, then Bearer only; labels
bounded whatever clients send; and a real Prometheus (Debian package
`prometheus`) scraping `nodion serve`, with one worker and with two, reads the
counters of a login, a GraphQL operation and a claim."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from app.operations import document
from app.settings import Settings
from tests.applications.test_lease_processes import claim, deployments, new_target
from tests.conftest import require_or_skip
from tests.servers import Service, free_port, running_service

METRICS_TOKEN = "metrics-bearer-for-tests"
SERIES = re.compile(r"^(nodion_[a-z_]+)(\{[^}]*\})? ", re.MULTILINE)


def series(exposition: str) -> set[str]:
    return {match.group(1) + (match.group(2) or "") for match in SERIES.finditer(exposition)}


@pytest.fixture
async def metrics_client(database, tmp_path, database_url, keys, outbound):
    settings = Settings(data_dir=tmp_path, database_url=database_url, metrics_token=METRICS_TOKEN)
    app = create_app(settings, keys, outbound=outbound, manage_database=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        ) as http,
    ):
        yield http


async def scrape(http: httpx.AsyncClient) -> str:
    answer = await http.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return answer.text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_metrics_are_off_without_a_token_and_bearer_only_with_one(client, metrics_client):
    assert (await client.get("/metrics")).status_code == 404  # NODION_METRICS_TOKEN unset
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": METRICS_TOKEN}):
        answer = await metrics_client.get("/metrics", headers=headers)
        assert answer.status_code == 401
        assert METRICS_TOKEN not in answer.text
    text = await scrape(metrics_client)
    assert "nodion_build_info{" in text
    # Every outcome is a series from the start (at 0 until one happens), so rates work.
    for outcome in ("granted", "unknown", "expired", "revoked", "throttled", "unavailable"):
        assert f'nodion_registry_logins_total{{outcome="{outcome}"}} ' in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_thousand_crafted_paths_and_operations_add_a_fixed_number_of_series(
    metrics_client, api
):
    # Each kind once, so what follows could only add series through the values.
    await metrics_client.get("/no/such/path")
    await metrics_client.post("/graphql", json={"query": "query Crafted { __typename }"})
    before = series(await scrape(metrics_client))

    # A thousand distinct values of each: a label taking any of them would add
    # hundreds of series against the 60 allowed below.
    for n in range(1_000):
        await metrics_client.request(
            ["GET", "POST", "BREW", "PURGE"][n % 4], f"/crafted/{n}/{'x' * (n % 50)}"
        )
    for n in range(1_000):
        await metrics_client.post(
            "/graphql",
            json={"query": f"query Crafted{n} {{ __typename }}", "operationName": f"Crafted{n}"},
        )
    for n in range(200):  # ids in route parameters do not count either
        await metrics_client.post(f"/deploy/v1/deployments/{n}/status")

    after = series(await scrape(metrics_client))
    new = after - before
    assert not [s for s in new if "Crafted" in s or "/crafted/" in s], sorted(new)[:5]
    assert len(new) <= 60, sorted(new)


async def test_graphql_outcomes_are_counted_by_operation(metrics_client, api):
    def count(text: str, operation: str, outcome: str) -> float:
        pattern = (
            rf'^nodion_graphql_operations_total\{{operation="{operation}",'
            rf'outcome="{outcome}"\}} (\S+)$'
        )
        match = re.search(pattern, text, re.MULTILINE)
        return float(match.group(1)) if match else 0.0

    before = await scrape(metrics_client)
    headers = {"Authorization": f"Bearer {api.token}"}
    await metrics_client.post("/graphql", json={"query": document("Viewer")}, headers=headers)
    await metrics_client.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    after = await scrape(metrics_client)
    assert count(after, "Viewer", "ok") == count(before, "Viewer", "ok") + 1
    assert count(after, "other", "invalid") == count(before, "other", "invalid") + 1


# The real Prometheus -------------------------------------------------------------


def prometheus_binary() -> str:
    binary = shutil.which("prometheus")
    if binary is None:  # CI installs it (NODION_REQUIRE_E2E=1): there, a missing one fails
        require_or_skip(
            "NODION_REQUIRE_E2E", "prometheus is not installed (apt-get install prometheus)"
        )
    assert binary is not None
    return binary


def prometheus(tmp_path: Path, target: str) -> tuple[subprocess.Popen[bytes], str]:
    binary = prometheus_binary()
    port = free_port()
    config = tmp_path / "prometheus.yml"
    config.write_text(
        json.dumps(  # YAML is a superset of JSON
            {
                "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
                "scrape_configs": [
                    {
                        "job_name": "nodion",
                        "authorization": {"type": "Bearer", "credentials": METRICS_TOKEN},
                        "static_configs": [{"targets": [target]}],
                    }
                ],
            }
        )
    )
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "prometheus.log").open("wb"),
    )
    return process, f"http://127.0.0.1:{port}"


def query(prometheus_url: str, expression: str) -> float | None:
    try:
        answer = httpx.get(
            prometheus_url + "/api/v1/query", params={"query": expression}, timeout=5
        ).json()
    except (httpx.HTTPError, ValueError):
        return None
    result = answer.get("data", {}).get("result", [])
    return float(result[0]["value"][1]) if result else None


def wait_for_value(prometheus_url: str, expression: str, expected: float) -> None:
    deadline = time.monotonic() + 60
    value = None
    while time.monotonic() < deadline:
        value = query(prometheus_url, expression)
        if value == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"{expression} = {value}, expected {expected}")


def traffic(service: Service) -> None:
    """One granted login, one Viewer operation, one granted claim."""
    created = service.graphql(
        'mutation { createProject(input: {name: "Scraped"}) { ... on CreateProjectSuccess '
        "{ project { registries { id region isDefault } } } } }"
    )["createProject"]["project"]
    registry = next(r for r in created["registries"] if r["region"] == "eu-central")
    made = service.graphql(document("GenerateCredentials"), variables={"id": registry["id"]})
    credentials = made["generateCredentials"]["credentials"]
    auth = base64.b64encode(f"{credentials['username']}:{credentials['token']}".encode())
    login = httpx.get(
        service.url + "/registry/token",
        params={"service": credentials["hostname"]},
        headers={"Authorization": f"Basic {auth.decode()}"},
        timeout=10,
    )
    assert login.status_code == 200
    service.graphql(document("Viewer"))
    deployments(service, 1)
    assert claim(service, new_target(service, "eu-1")).status_code == 200


@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_real_prometheus_reads_the_counters(tmp_path: Path, database_url: str, workers: int):
    prometheus_binary()  # before starting the service: skipped (or failed in CI) at once
    with running_service(
        tmp_path / "data",
        database_url,
        workers=workers,
        NODION_METRICS_TOKEN=METRICS_TOKEN,
        NODION_LOG_LEVEL="WARNING",
    ) as service:
        traffic(service)
        process, prometheus_url = prometheus(tmp_path, service.url.removeprefix("http://"))
        try:
            wait_for_value(prometheus_url, 'up{job="nodion"}', 1)
            wait_for_value(
                prometheus_url, 'sum(nodion_registry_logins_total{outcome="granted"})', 1
            )
            wait_for_value(
                prometheus_url,
                'sum(nodion_graphql_operations_total{operation="Viewer",outcome="ok"})',
                1,
            )
            wait_for_value(prometheus_url, 'sum(nodion_deploy_claims_total{outcome="granted"})', 1)
            wait_for_value(
                prometheus_url,
                'sum(nodion_http_requests_total{route="/deploy/v1/deployments/claim",'
                'method="POST",status="2xx"})',
                1,
            )
            wait_for_value(prometheus_url, "count(nodion_build_info)", 1)
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_every_domains_metric_is_in_the_metrics_table():
    """Domains declare their metrics (`Domain(metrics=...)`); operators find each
    in docs/operating.md."""
    from pathlib import Path

    from app import domains

    page = (Path(__file__).resolve().parents[1] / "docs/operating.md").read_text()
    rows = [line.split("|")[1] for line in page.splitlines() if line.startswith("| `nodion_")]

    missing = [name for name in domains.metrics() if not any(f"`{name}" in row for row in rows)]
    assert missing == []
