"""POST /registry/v1/events: what the managed registries' notifications put in
the images index, and what the endpoint refuses."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from app.registries.images.event_secret import event_secret
from tests.graphql_documents import (
    PROJECT_REPOSITORIES,
    REGISTRY_REPOSITORIES,
    create_project,
    default_registry,
)
from tests.registries.images.events import (
    T0,
    blob_push,
    delete,
    digest_of,
    envelope,
    pull,
    push,
)

A, B, C = digest_of("a"), digest_of("b"), digest_of("c")


@pytest.fixture
async def shop(api):
    project = await create_project(api, "Shop")
    return project, default_registry(project)


async def repositories(api, registry_id: str, tags: int = 10) -> list[dict]:
    data = await api(REGISTRY_REPOSITORIES, {"id": registry_id, "first": 50, "tags": tags})
    return [edge["node"] for edge in data["node"]["repositories"]["edges"]]


def tag_names(repository: dict) -> list[str]:
    return [edge["node"]["name"] for edge in repository["tags"]["edges"]]


async def test_pushed_tags_are_listed_with_digest_size_and_pusher(api, shop, notify):
    project, registry = shop
    namespace = project["namespace"]
    later = T0 + timedelta(minutes=5)
    response = await notify(
        envelope(
            push(f"{namespace}/web", "v1", A, sizes=(173, 105), actor="ci"),
            push(f"{namespace}/web", "v2", B, at=later, sizes=(173, 2000)),
        )
    )
    assert response.status_code == 200, response.text
    assert response.json()["stored"] == 2

    [repository] = await repositories(api, registry["id"])
    assert repository["name"] == f"{namespace}/web"
    assert repository["region"] == "eu-central"
    assert repository["tagCount"] == 2
    assert repository["sizeBytes"] == 278 + 2173
    assert repository["lastPushedAt"].startswith("2026-01-01T00:05:00")
    v2, v1 = (edge["node"] for edge in repository["tags"]["edges"])
    assert (v2["name"], v2["digest"], v2["sizeBytes"]) == ("v2", B, 2173)
    assert (v1["name"], v1["digest"], v1["sizeBytes"], v1["pushedBy"]) == ("v1", A, 278, "ci")
    assert v1["mediaType"] == "application/vnd.oci.image.manifest.v1+json"


async def test_a_replayed_envelope_changes_nothing(api, shop, notify):
    project, registry = shop
    body = envelope(push(f"{project['namespace']}/web", "v1", A))
    assert (await notify(body)).json()["stored"] == 1
    before = await repositories(api, registry["id"])

    again = await notify(body)

    assert again.status_code == 200
    assert again.json() == {"stored": 0, "duplicates": 1, "ignored": 0, "outsideNamespaces": 0}
    assert await repositories(api, registry["id"]) == before


async def test_an_event_twice_in_one_envelope_is_stored_once_and_counted_a_duplicate(
    api, shop, notify
):
    project, registry = shop
    name = f"{project['namespace']}/web"
    pushed, deleted = push(name, "v1", A), delete(name, B)

    response = await notify(envelope(pushed, pushed, deleted, deleted))

    assert response.json() == {"stored": 2, "duplicates": 2, "ignored": 0, "outsideNamespaces": 0}
    [repository] = await repositories(api, registry["id"])
    assert tag_names(repository) == ["v1"]


async def test_the_later_push_wins_whatever_order_the_events_arrive_in(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "latest", B, at=T0 + timedelta(minutes=1))))
    await notify(envelope(push(name, "latest", A, at=T0)))  # older, delivered late

    [repository] = await repositories(api, registry["id"])
    assert [(e["node"]["name"], e["node"]["digest"]) for e in repository["tags"]["edges"]] == [
        ("latest", B)
    ]


async def test_a_delete_removes_every_tag_of_the_manifest_pushed_before_it(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "v1", A), push(name, "stable", A), push(name, "v2", B)))

    await notify(envelope(delete(name, A)))

    [repository] = await repositories(api, registry["id"])
    assert tag_names(repository) == ["v2"]


async def test_pulls_blobs_and_events_it_cannot_read_are_ignored_with_a_2xx(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    unreadable = [
        {"id": "x"},
        "not an event",
        {**push(name, "v1", A), "timestamp": "yesterday"},
        {**push(name, "v1", A), "target": {**push(name, "v1", A)["target"], "digest": "md5:1"}},
        {**push(name, "v1", A), "target": {**push(name, "v1", A)["target"], "repository": "A/B"}},
    ]
    response = await notify(envelope(pull(name, "v1", A), blob_push(name), *unreadable))

    assert response.status_code == 200
    assert response.json()["ignored"] == 7
    assert await repositories(api, registry["id"]) == []


async def test_timestamps_and_sizes_past_what_is_stored_are_skipped_not_a_500(api, shop, notify):
    # Year 1 at +01:00 is before year 1 in UTC, and four layers just under 2**62
    # sum past a BIGINT: each was a 500, which distribution retries forever,
    # blocking every later event of the registry.
    project, registry = shop
    name = f"{project['namespace']}/web"
    response = await notify(
        envelope(
            {**push(name, "old", A), "timestamp": "0001-01-01T00:00:00+01:00"},
            {**push(name, "late", A), "timestamp": "9999-12-31T23:59:59-01:00"},
            push(name, "big", B, sizes=(2**62 - 1,) * 4),
            push(name, "v1", C),
        )
    )

    assert response.status_code == 200, response.text
    assert response.json()["ignored"] == 2
    [repository] = await repositories(api, registry["id"])
    sizes = {
        edge["node"]["name"]: edge["node"]["sizeBytes"] for edge in repository["tags"]["edges"]
    }
    assert sizes == {"big": None, "v1": 2100}  # big: to be measured in the registry


@pytest.mark.parametrize("text", ["a\x00b", "a\ud800b"])
async def test_an_id_or_pusher_no_database_stores_is_skipped_not_a_500(api, shop, notify, text):
    # PostgreSQL stores no NUL, neither database a lone surrogate: each was a 500.
    project, registry = shop
    name = f"{project['namespace']}/web"

    response = await notify(
        envelope({**push(name, "v1", A), "id": text}, push(name, "v2", B, actor=text))
    )

    assert response.status_code == 200, response.text
    assert response.json()["ignored"] == 1  # no id: no event; no pusher: unknown
    [repository] = await repositories(api, registry["id"])
    [v2] = (edge["node"] for edge in repository["tags"]["edges"])
    assert (v2["name"], v2["pushedBy"]) == ("v2", None)


@pytest.mark.parametrize("secret", ["", "wrong", None])
async def test_a_forged_delivery_is_refused_and_nothing_stored(api, shop, notify, keys, secret):
    project, registry = shop
    body = envelope(push(f"{project['namespace']}/web", "v1", A))
    if secret is None:  # the secret another installation (another pepper) would send
        secret = event_secret(b"another pepper" * 3, "eu-central")

    response = await notify(body, secret=secret)

    assert response.status_code == 401
    assert "Bearer" in response.headers["www-authenticate"]
    assert await repositories(api, registry["id"]) == []


async def test_a_region_s_secret_stores_in_that_region_only(api, shop, notify, keys):
    project, registry = shop
    name = f"{project['namespace']}/web"

    await notify(envelope(push(name, "v1", A)), region="us-east")

    assert await repositories(api, registry["id"]) == []  # eu-central's registry
    us = default_registry(project, "us-east")
    assert [r["region"] for r in await repositories(api, us["id"])] == ["us-east"]


async def test_malformed_bodies_are_4xx(notify):
    for body in (b"{not json", b"\xff\xfe", b'{"events": 1}', b"[]", b"[" * 5000):
        response = await notify(body)
        assert response.status_code == 400, body[:10]


async def test_a_10_mb_envelope_is_413(notify):
    padding = "x" * (10 * 1024 * 1024)
    response = await notify(json.dumps({"events": [], "padding": padding}).encode())
    assert response.status_code == 413


async def test_an_event_for_another_project_s_namespace_is_theirs_only(api, make_api, shop, notify):
    project, registry = shop
    bob = await make_api("bob@example.com")
    other = await create_project(bob, "Other")
    mine, theirs = f"{project['namespace']}/web", f"{other['namespace']}/secret-app"

    response = await notify(
        envelope(push(mine, "v1", A), push(theirs, "v1", B), push("nobody/x", "v1", C))
    )

    assert response.json()["outsideNamespaces"] == 1  # nobody/x: no project has it
    assert [r["name"] for r in await repositories(api, registry["id"])] == [mine]
    bobs = await repositories(bob, default_registry(other)["id"])
    assert [r["name"] for r in bobs] == [theirs]
    seen = await api(PROJECT_REPOSITORIES, {"id": other["id"]})
    assert seen["node"] is None  # alice is no member of Bob's project


async def test_1000_events_in_one_envelope_take_a_few_statements(api, shop, notify, count_queries):
    project, registry = shop
    namespace = project["namespace"]
    events = [
        push(f"{namespace}/app-{i % 50}", f"v{i}", digest_of(str(i)), at=T0 + timedelta(seconds=i))
        for i in range(1000)
    ]
    count_queries.queries.clear()

    response = await notify(envelope(*events))

    assert response.status_code == 200
    assert response.json()["stored"] == 1000
    assert len(count_queries.queries) <= 30, len(count_queries.queries)
    listed = await repositories(api, registry["id"], tags=100)
    assert len(listed) == 50
    assert sum(r["tagCount"] for r in listed) == 1000


async def test_50_repositories_with_10_tags_each_cost_what_5_with_1_cost(
    api, shop, notify, count_queries
):
    project, registry = shop
    namespace = project["namespace"]
    await notify(
        envelope(
            *(
                push(
                    f"{namespace}/app-{r}",
                    f"v{t}",
                    digest_of(f"{r}-{t}"),
                    at=T0 + timedelta(seconds=t),
                )
                for r in range(50)
                for t in range(12)
            )
        )
    )

    async def statements(first: int, tags: int) -> tuple[int, int]:
        count_queries.queries.clear()
        data = await api(
            REGISTRY_REPOSITORIES, {"id": registry["id"], "first": first, "tags": tags}
        )
        edges = data["node"]["repositories"]["edges"]
        assert all(len(e["node"]["tags"]["edges"]) == tags for e in edges)
        return len(edges), len(count_queries.queries)

    few, few_statements = await statements(5, 1)
    many, many_statements = await statements(50, 10)

    assert (few, many) == (5, 50)
    assert many_statements == few_statements, count_queries.queries
    assert many_statements <= 10


async def test_pushing_a_tag_s_digest_again_moves_it_first_and_keeps_its_size(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    await notify(
        envelope(
            push(name, "v1", A, sizes=(10, 20)), push(name, "v2", B, at=T0 + timedelta(minutes=1))
        )
    )
    again = push(name, "v1", A, at=T0 + timedelta(minutes=2), actor="later")
    del again["target"]["references"]  # a registry without includereferences

    await notify(envelope(again))

    [repository] = await repositories(api, registry["id"])
    v1, v2 = (edge["node"] for edge in repository["tags"]["edges"])
    assert (v1["name"], v1["pushedBy"], v1["sizeBytes"], v2["name"]) == ("v1", "later", 30, "v2")
