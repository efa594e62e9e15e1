"""The images index end to end: a real registry (CNCF distribution) configured
by `nodion admin registry-config` notifies the service of skopeo's pushes; the
service lists them, deploys on push, deletes through the registry's API,
applies retention, and reconciles what notifications never told it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from app import storage
from app.operations import document
from app.registries.image_models import RetentionPolicy
from tests.e2e.oci_image import write_image
from tests.e2e.test_token_auth_e2e import Credentials, project_credentials, pull, push
from tests.graphql_documents import (
    CREATE_APPLICATION,
    DELETE_IMAGE_TAG,
    REGISTRY_REPOSITORIES,
    SET_RETENTION_POLICY,
)
from tests.registries.images.events import ENVELOPE_TYPE, T0
from tests.registries.images.events import envelope as envelope_of
from tests.registries.images.events import push as push_event
from tests.servers import Service, free_port, run_cli, running_registry, running_service

EU_HOST = "registry.eu-central.nodion.net"
DEPLOYMENTS = """query($id: ID!) { node(id: $id) { ... on Application {
  deployments(first: 10) { edges { node { imageReference } } } } } }"""


@dataclass
class Setup:
    service: Service
    registry: str  # HOST:PORT
    folder: Path


def start(
    tmp_path: Path,
    database_url: str,
    *,
    events_url: str | None = None,
    workers: int = 1,
    retention_interval: int = 0,
) -> Iterator[Setup]:
    port = free_port()
    regions = [
        {"slug": "eu-central", "name": "EU Central", "api_url": f"http://127.0.0.1:{port}"},
        {"slug": "us-east", "name": "US East", "api_url": "http://127.0.0.1:9"},
    ]
    with (
        running_service(
            tmp_path / "service",
            database_url,
            workers=workers,
            NODION_REGIONS=json.dumps(regions),
            NODION_IMAGE_RETENTION_INTERVAL=str(retention_interval),
        ) as service,
        running_registry(
            service, "eu-central", tmp_path / "eu", port=port, events_url=events_url
        ) as address,
    ):
        yield Setup(service, address, tmp_path)


@pytest.fixture
def setup(tmp_path: Path, database_url: str) -> Iterator[Setup]:
    yield from start(tmp_path, database_url)


@dataclass
class Sink:
    """Where a `deaf` registry's notifications go instead of the service: each
    envelope is kept (and answered 200, so the registry does not retry)."""

    url: str = ""
    envelopes: list[dict[str, Any]] = field(default_factory=list)

    def pushed(self) -> set[tuple[str, str]]:
        """(repository, tag) of every manifest push it was told of."""
        return {
            (event["target"]["repository"], event["target"]["tag"])
            for envelope in list(self.envelopes)
            for event in envelope.get("events", [])
            if event.get("action") == "push" and event.get("target", {}).get("tag")
        }


@contextmanager
def event_sink() -> Iterator[Sink]:
    sink = Sink()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            sink.envelopes.append(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.url = f"http://127.0.0.1:{server.server_address[1]}/elsewhere"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class DeafSetup(Setup):
    sink: Sink = field(default_factory=Sink)


@pytest.fixture
def deaf(tmp_path: Path, database_url: str) -> Iterator[DeafSetup]:
    """The registry notifies a sink of the test's instead of the service: every
    event is lost to the service, and the sink shows that it was sent. (A port of
    its own, held open: not a closed one that another test could start listening on.)"""
    with event_sink() as sink:
        for setup in start(tmp_path, database_url, events_url=sink.url):
            yield DeafSetup(setup.service, setup.registry, setup.folder, sink)


@pytest.fixture
def two_workers_retaining(tmp_path: Path, database_url: str) -> Iterator[Setup]:
    """Two workers, each applying the retention policies every 2 seconds."""
    yield from start(tmp_path, database_url, workers=2, retention_interval=2)


def image(folder: Path, name: str) -> tuple[Path, str, int]:
    """An OCI layout holding one image: (layout, manifest digest, config + layer size)."""
    layout = folder / name
    write_image(layout, "1", f"content of {name}\n".encode())
    [entry] = json.loads((layout / "index.json").read_text())["manifests"]
    digest = entry["digest"]
    manifest = json.loads((layout / "blobs/sha256" / digest.removeprefix("sha256:")).read_text())
    size = manifest["config"]["size"] + sum(layer["size"] for layer in manifest["layers"])
    return layout, digest, size


def pushed(setup: Setup, creds: Credentials, layout: Path, repository: str, tag: str) -> None:
    result = push(layout, creds.creds, f"{setup.registry}/{creds.namespace}/{repository}:{tag}")
    assert result.returncode == 0, result.stderr


def tags_of(service: Service, creds: Credentials) -> dict[str, dict[str, dict]]:
    """repository -> tag -> its fields."""
    data = service.graphql(
        REGISTRY_REPOSITORIES, variables={"id": creds.registry_id, "first": 50, "tags": 50}
    )
    return {
        edge["node"]["name"]: {t["node"]["name"]: t["node"] for t in edge["node"]["tags"]["edges"]}
        for edge in data["node"]["repositories"]["edges"]
    }


def stats_of(service: Service, creds: Credentials) -> dict[str, tuple[int, float | None]]:
    """repository -> (tagCount, sizeBytes), as the images tab shows them."""
    data = service.graphql(
        REGISTRY_REPOSITORIES, variables={"id": creds.registry_id, "first": 50, "tags": 1}
    )
    return {
        edge["node"]["name"]: (edge["node"]["tagCount"], edge["node"]["sizeBytes"])
        for edge in data["node"]["repositories"]["edges"]
    }


def eventually(check, seconds: float = 30.0):
    """`check()`'s value as soon as it is truthy, or its last value after `seconds`
    (a generous bound: it only decides how long a failing test waits)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


async def turns_taken(database_url: str, count: int, seconds: float = 60) -> int:
    """How many times the (only) retention policy's applied_at moved on while we
    watched: returns once it moved `count` times, or after `seconds`. Read from
    the service's database, which no API shows."""
    await storage.connect(database_url)
    try:

        async def applied_at() -> datetime | None:
            return (await RetentionPolicy.get()).applied_at

        seen, moves = await applied_at(), 0
        deadline = time.monotonic() + seconds
        while moves < count and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
            now = await applied_at()
            if now != seen:
                seen, moves = now, moves + 1
        return moves
    finally:
        await storage.disconnect()


def create_app(service: Service, project_id: str, **fields) -> dict:
    result = service.graphql(
        CREATE_APPLICATION, variables={"input": {"projectId": project_id, **fields}}
    )
    assert result["createApplication"]["__typename"] == "CreateApplicationSuccess", result
    return result["createApplication"]["application"]


def project_id(service: Service, namespace: str) -> str:
    edges = service.graphql("{ projects(first: 50) { edges { node { id namespace } } } }")
    return next(
        e["node"]["id"] for e in edges["projects"]["edges"] if e["node"]["namespace"] == namespace
    )


def deployments(service: Service, app: dict) -> list[str]:
    data = service.graphql(DEPLOYMENTS, variables={"id": app["id"]})
    return [edge["node"]["imageReference"] for edge in data["node"]["deployments"]["edges"]]


def test_pushes_are_listed_a_followed_tag_deploys_and_a_deleted_tag_is_gone(setup, tmp_path):
    service = setup.service
    creds = project_credentials(service, "Shop")
    app = create_app(
        service,
        project_id(service, creds.namespace),
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="web",
        tag="stable",
        deployOnPush=True,
    )
    one, one_digest, one_size = image(tmp_path, "one")
    two, two_digest, two_size = image(tmp_path, "two")
    web, marker = f"{creds.namespace}/web", f"{creds.namespace}/marker"

    pushed(setup, creds, one, "web", "v1")
    pushed(setup, creds, two, "web", "v2")
    listed = eventually(
        lambda: len(tags_of(service, creds).get(web, {})) == 2 and tags_of(service, creds)
    )

    assert listed, "both tags were not listed"
    assert (listed[web]["v1"]["digest"], listed[web]["v1"]["sizeBytes"]) == (one_digest, one_size)
    assert (listed[web]["v2"]["digest"], listed[web]["v2"]["sizeBytes"]) == (two_digest, two_size)
    assert listed[web]["v1"]["pushedBy"] == creds.username
    assert stats_of(service, creds)[web] == (2, one_size + two_size)
    assert deployments(service, app) == []

    pushed(setup, creds, two, "web", "stable")
    assert eventually(lambda: deployments(service, app)) == [f"{EU_HOST}/{web}@{two_digest}"]

    def stable_pushed_at() -> datetime:
        return datetime.fromisoformat(tags_of(service, creds)[web]["stable"]["pushedAt"])

    first_push_at = stable_pushed_at()
    pushed(setup, creds, two, "web", "stable")  # the same digest again
    # The barrier: a push after it, to another repository. The registry delivers
    # its notifications in order, one envelope answered before the next is sent,
    # and the service deploys before it answers: once the marker is listed, the
    # repeated push was applied, deployments and all.
    pushed(setup, creds, one, "marker", "after-stable")
    assert eventually(lambda: "after-stable" in tags_of(service, creds).get(marker, {}))
    assert stable_pushed_at() > first_push_at  # the repeated push was told, and applied
    assert len(deployments(service, app)) == 1
    assert stats_of(service, creds)[web] == (3, one_size + two_size)  # two's size once

    deleted = service.graphql(
        DELETE_IMAGE_TAG,
        variables={"input": {"registryId": creds.registry_id, "repository": web, "tag": "v1"}},
    )["deleteImageTag"]
    assert deleted["__typename"] == "DeleteImageTagSuccess", deleted
    gone = pull(f"{setup.registry}/{web}:v1", creds.creds, tmp_path / "pulled")
    assert gone.returncode != 0 and "manifest unknown" in gone.stderr, gone.stderr
    assert "v1" not in tags_of(service, creds)[web]
    assert stats_of(service, creds)[web] == (2, two_size)
    # stable (an app follows it) is refused without force, naming the app.
    refused = service.graphql(
        DELETE_IMAGE_TAG,
        variables={"input": {"registryId": creds.registry_id, "repository": web, "tag": "v2"}},
    )["deleteImageTag"]
    assert refused["__typename"] == "ConflictError" and "web" in refused["message"]


def test_replaying_a_delivered_envelope_deploys_nothing_more(setup, tmp_path):
    service = setup.service
    creds = project_credentials(service, "Shop")
    app = create_app(
        service,
        project_id(service, creds.namespace),
        name="api",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="api",
        tag="stable",
        deployOnPush=True,
    )
    layout, _, _ = image(tmp_path, "api")
    pushed(setup, creds, layout, "api", "stable")
    assert eventually(lambda: deployments(service, app))
    config = (setup.folder / "eu" / "config.yml").read_text()
    secret = config.split('"Bearer ', 1)[1].split('"', 1)[0]
    envelope = {
        "events": [
            {
                "id": "replayed-event",
                "timestamp": "2030-01-01T00:00:00.000000001Z",
                "action": "push",
                "target": {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + "e" * 64,
                    "repository": f"{creds.namespace}/api",
                    "tag": "stable",
                },
                "actor": {"name": creds.username},
            }
        ]
    }

    answers = [
        httpx.post(
            f"{service.url}/registry/v1/events",
            json=envelope,
            headers={"Authorization": f"Bearer {secret}"},
            timeout=10,
        )
        for _ in range(3)
    ]

    assert [a.json()["duplicates"] for a in answers] == [0, 1, 1]
    assert len(deployments(service, app)) == 2  # the first push, then the replayed digest once


def test_retention_keeps_the_newest_two_and_the_tag_an_app_uses(setup, tmp_path):
    service = setup.service
    creds = project_credentials(service, "Shop")
    web = f"{creds.namespace}/web"
    for number in range(6):
        layout, _, _ = image(tmp_path, f"r{number}")
        pushed(setup, creds, layout, "web", f"t{number}")
    create_app(
        service,
        project_id(service, creds.namespace),
        name="old",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="web",
        tag="t0",
    )
    assert eventually(lambda: len(tags_of(service, creds).get(web, {})) == 6)
    policy = service.graphql(
        SET_RETENTION_POLICY,
        variables={"input": {"registryId": creds.registry_id, "keepLast": 2}},
    )["setRetentionPolicy"]
    assert policy["__typename"] == "SetRetentionPolicySuccess", policy

    dry = run_cli(service.env, "admin", "apply-retention", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would delete") == 3 and len(tags_of(service, creds)[web]) == 6
    applied = run_cli(service.env, "admin", "apply-retention")

    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.count("\ndeleted ") + applied.stdout.startswith("deleted ") == 3
    assert "kept eu-central " + web + ":t0" in applied.stdout and "old" in applied.stdout
    assert sorted(tags_of(service, creds)[web]) == ["t0", "t4", "t5"]
    assert stats_of(service, creds)[web][0] == 3
    for number in (1, 2, 3):
        gone = pull(f"{setup.registry}/{web}:t{number}", creds.creds, tmp_path / f"p{number}")
        assert gone.returncode != 0
    kept = pull(f"{setup.registry}/{web}:t0", creds.creds, tmp_path / "p0")
    assert kept.returncode == 0, kept.stderr


def test_sync_images_finds_what_lost_notifications_never_told(deaf, tmp_path):
    service = deaf.service
    creds = project_credentials(service, "Shop")
    one, one_digest, one_size = image(tmp_path, "one")
    two, two_digest, two_size = image(tmp_path, "two")
    pushed(deaf, creds, one, "web", "v1")
    pushed(deaf, creds, two, "worker", "latest")
    web, worker = f"{creds.namespace}/web", f"{creds.namespace}/worker"
    # The barrier: the registry has sent both pushes' notifications (to the sink),
    # so none of them is still on its way to the service.
    assert eventually(lambda: {(web, "v1"), (worker, "latest")} <= deaf.sink.pushed())
    assert tags_of(service, creds) == {}

    synced = run_cli(service.env, "admin", "sync-images", "--region", "eu-central")

    assert synced.returncode == 0, synced.stderr
    assert "2 tags added" in synced.stdout
    listed = tags_of(service, creds)
    assert (listed[web]["v1"]["digest"], listed[web]["v1"]["sizeBytes"]) == (one_digest, one_size)
    assert listed[worker]["latest"]["digest"] == two_digest
    assert stats_of(service, creds) == {web: (1, one_size), worker: (1, two_size)}
    again = run_cli(service.env, "admin", "sync-images", "--region", "eu-central")
    assert "0 tags added, 0 changed, 0 removed" in again.stdout


def test_two_serving_workers_apply_a_policy_once_per_interval(
    two_workers_retaining, tmp_path, database_url
):
    setup = two_workers_retaining
    service = setup.service
    creds = project_credentials(service, "Shop")
    web = f"{creds.namespace}/web"
    for number in range(3):
        layout, _, _ = image(tmp_path, f"r{number}")
        pushed(setup, creds, layout, "web", f"t{number}")
    assert eventually(lambda: len(tags_of(service, creds).get(web, {})) == 3)

    policy = service.graphql(
        SET_RETENTION_POLICY,
        variables={"input": {"registryId": creds.registry_id, "keepLast": 1}},
    )["setRetentionPolicy"]
    assert policy["__typename"] == "SetRetentionPolicySuccess", policy

    # Nobody runs `apply-retention`: the service does, within an interval or two.
    assert eventually(lambda: sorted(tags_of(service, creds)[web]) == ["t2"])
    # The barrier: two more turns were taken after the one that deleted (the
    # policy's applied_at moved on twice), so the workers went on running the
    # policy past the deleting interval; a deletion made twice would be recorded.
    assert asyncio.run(turns_taken(database_url, count=2)) >= 2
    events = service.graphql(
        document("AuditEvents"), variables={"id": project_id(service, creds.namespace)}
    )["project"]["auditEvents"]["edges"]
    deleted = sorted(
        e["node"]["detail"] for e in events if e["node"]["action"] == "image_tag.deleted"
    )
    assert deleted == [f"{web}:t0", f"{web}:t1"]  # each deletion once, by one of the workers
    assert {
        e["node"]["actorEmail"] for e in events if e["node"]["action"] == "image_tag.deleted"
    } == {"retention"}
    gone = pull(f"{setup.registry}/{web}:t0", creds.creds, tmp_path / "p0")
    assert gone.returncode != 0


def test_a_push_whose_event_has_no_sizes_is_measured_from_the_registry(deaf, tmp_path):
    """Distribution without `includereferences` names no layer sizes: the service
    reads the manifests back and records the image sizes, on the tags and on the
    repository, once per delivery."""
    service = deaf.service
    creds = project_credentials(service, "Shop")
    one, one_digest, one_size = image(tmp_path, "one")
    two, two_digest, two_size = image(tmp_path, "two")
    pushed(deaf, creds, one, "web", "v1")
    pushed(deaf, creds, two, "web", "v2")
    web = f"{creds.namespace}/web"
    events = [
        push_event(web, tag, digest, at=T0 + timedelta(minutes=n))
        for n, (tag, digest) in enumerate([("v1", one_digest), ("v2", two_digest)])
    ]
    for event in events:
        del event["target"]["references"]
    config = (deaf.folder / "eu" / "config.yml").read_text()
    secret = config.split('"Bearer ', 1)[1].split('"', 1)[0]  # as the registry sends it

    delivered = httpx.post(
        f"{service.url}/registry/v1/events",
        content=json.dumps(envelope_of(*events)),
        headers={"Content-Type": ENVELOPE_TYPE, "Authorization": f"Bearer {secret}"},
    )

    assert delivered.status_code == 200, delivered.text
    assert eventually(lambda: stats_of(service, creds).get(web) == (2, one_size + two_size))
    listed = tags_of(service, creds)[web]
    assert (listed["v1"]["sizeBytes"], listed["v2"]["sizeBytes"]) == (one_size, two_size)


TAG_HISTORY = """query($id: ID!) { node(id: $id) { ... on Registry {
  repositories(first: 10) { edges { node { name tags(first: 10) { edges { node {
    name digest history { digest pushedAt reportedAt pushedBy } } } } } } } } } }"""


def test_a_real_push_after_a_future_dated_event_moves_the_tag_and_deploys(setup, tmp_path):
    """Issue 30: one event dated 9999-12-31 froze its tag, and deploy on push
    never fired again. Now the real push that follows it wins, and the tag's
    history shows all three."""
    service = setup.service
    creds = project_credentials(service, "Shop")
    app = create_app(
        service,
        project_id(service, creds.namespace),
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="web",
        tag="stable",
        deployOnPush=True,
    )
    one, one_digest, _ = image(tmp_path, "one")
    two, two_digest, _ = image(tmp_path, "two")
    web = f"{creds.namespace}/web"
    pushed(setup, creds, one, "web", "stable")
    assert eventually(lambda: deployments(service, app)) == [f"{EU_HOST}/{web}@{one_digest}"]
    config = (setup.folder / "eu" / "config.yml").read_text()
    secret = config.split('"Bearer ', 1)[1].split('"', 1)[0]
    skewed = push_event(web, "stable", "sha256:" + "f" * 64, actor="skewed-replica")
    skewed["timestamp"] = "9999-12-31T23:59:59.999999999Z"
    answer = httpx.post(
        f"{service.url}/registry/v1/events",
        json=envelope_of(skewed),
        headers={"Authorization": f"Bearer {secret}"},
        timeout=10,
    )
    assert answer.json()["stored"] == 1, answer.text

    pushed(setup, creds, two, "web", "stable")

    assert eventually(lambda: len(deployments(service, app)) == 3), deployments(service, app)
    assert deployments(service, app)[0] == f"{EU_HOST}/{web}@{two_digest}"
    data = service.graphql(TAG_HISTORY, variables={"id": creds.registry_id})
    [repository] = data["node"]["repositories"]["edges"]
    [stable] = repository["node"]["tags"]["edges"]
    assert stable["node"]["digest"] == two_digest
    history = stable["node"]["history"]
    assert [entry["digest"] for entry in history] == [two_digest, "sha256:" + "f" * 64, one_digest]
    assert history[1]["reportedAt"].startswith("9999-12-31")
    assert not history[1]["pushedAt"].startswith("9999")
    assert {history[0]["pushedBy"], history[2]["pushedBy"]} == {creds.username}
