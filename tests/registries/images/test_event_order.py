"""Which push a tag keeps when the registry's clock cannot be trusted (issue 30):
a timestamp later than the event's arrival counts as the arrival, so one event
dated 9999-12-31 (or a replica whose clock runs ahead) no longer freezes the
tag; each tag keeps its latest pushes, readable in the API. And a large
envelope is applied in chunks, with the worker's other requests between them."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, datetime, timedelta

import pytest

from app.applications.models import Deployment
from app.registries.image_models import ImageRepository, ImageTag, ImageTagPush
from app.registries.images import index
from app.registries.images.history import TAG_HISTORY_KEPT
from app.registries.images.index import forget_applied_events
from tests.graphql_documents import create_application, create_project, default_registry
from tests.registries.images.events import T0, delete, digest_of, envelope, push

A, B, C = digest_of("a"), digest_of("b"), digest_of("c")
FAR_FUTURE = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

TAG_HISTORY = """
query TagHistory($id: ID!) {
  node(id: $id) {
    ... on Registry {
      repositories(first: 10) { edges { node { name tags(first: 10) { edges { node {
        name digest pushedAt pushedBy
        history { digest pushedAt reportedAt receivedAt pushedBy }
      } } } } } }
    }
  }
}"""


@pytest.fixture
async def shop(api):
    project = await create_project(api, "Shop")
    return project, default_registry(project)


async def tags(api, registry_id: str) -> dict[str, dict]:
    data = await api(TAG_HISTORY, {"id": registry_id})
    return {
        tag["node"]["name"]: tag["node"]
        for repository in data["node"]["repositories"]["edges"]
        for tag in repository["node"]["tags"]["edges"]
    }


def parsed(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_a_push_dated_in_the_far_future_does_not_freeze_its_tag(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    before = datetime.now(UTC)
    await notify(envelope(push(name, "latest", A, at=FAR_FUTURE, actor="skewed")))
    received = datetime.now(UTC)

    await notify(envelope(push(name, "latest", B, at=datetime.now(UTC), actor="ci")))

    latest = (await tags(api, registry["id"]))["latest"]
    assert latest["digest"] == B
    assert latest["pushedBy"] == "ci"
    newer, clamped = latest["history"]
    assert (newer["digest"], newer["pushedBy"]) == (B, "ci")
    assert newer["pushedAt"] == newer["reportedAt"]
    assert (clamped["digest"], clamped["pushedBy"]) == (A, "skewed")
    assert clamped["reportedAt"].startswith("9999-12-31T23:59:59")
    # Counted as pushed when it arrived, which the history says.
    assert clamped["pushedAt"] == clamped["receivedAt"]
    assert before <= parsed(clamped["pushedAt"]) <= received


async def test_a_registry_clock_minutes_ahead_does_not_outrank_a_later_push(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    # A replica four minutes ahead, then a push through one with the right time.
    await notify(envelope(push(name, "latest", A, at=datetime.now(UTC) + timedelta(minutes=4))))
    await notify(envelope(push(name, "latest", B, at=datetime.now(UTC))))

    assert (await tags(api, registry["id"]))["latest"]["digest"] == B


async def test_a_late_delivery_of_an_older_push_still_loses(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    now = datetime.now(UTC)
    await notify(envelope(push(name, "latest", B, at=now - timedelta(minutes=1))))
    await notify(envelope(push(name, "latest", A, at=now - timedelta(minutes=5))))  # retried

    latest = (await tags(api, registry["id"]))["latest"]
    assert latest["digest"] == B
    # Both are in the history, in the order they happened.
    assert [push["digest"] for push in latest["history"]] == [B, A]


async def test_a_tag_stored_with_a_time_in_the_future_loses_to_the_next_push(api, shop, notify):
    """A tag frozen before this fix (its row holds 9999-12-31) thaws at its next push."""
    project, registry = shop
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "latest", A)))
    await ImageTag.filter(name="latest").update(pushed_at=FAR_FUTURE, reported_at=None)

    await notify(envelope(push(name, "latest", B, at=datetime.now(UTC))))

    assert (await tags(api, registry["id"]))["latest"]["digest"] == B


@pytest.mark.parametrize("per_chunk", [500, 1])
async def test_future_dated_pushes_arriving_together_keep_their_registry_order(
    api, shop, notify, monkeypatch, per_chunk
):
    """Both clamp to the same arrival: the registry's timestamps still order
    them, also when a chunk boundary falls between them."""
    monkeypatch.setattr(index, "EVENTS_PER_CHUNK", per_chunk)
    project, registry = shop
    name = f"{project['namespace']}/web"

    await notify(
        envelope(
            push(name, "latest", B, at=FAR_FUTURE),
            push(name, "latest", A, at=FAR_FUTURE - timedelta(days=1)),
        )
    )

    assert (await tags(api, registry["id"]))["latest"]["digest"] == B


async def test_a_future_dated_delete_removes_only_what_was_pushed_before_it_arrived(
    api, shop, notify
):
    project, registry = shop
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "v1", A, at=datetime.now(UTC) - timedelta(minutes=1))))
    await notify(envelope(delete(name, A, at=FAR_FUTURE)))
    await notify(envelope(push(name, "v1", A, at=datetime.now(UTC))))  # pushed again

    assert (await tags(api, registry["id"]))["v1"]["digest"] == A


async def test_a_tag_keeps_its_latest_pushes_only(api, shop, notify):
    project, registry = shop
    name = f"{project['namespace']}/web"
    digests = [digest_of(str(n)) for n in range(TAG_HISTORY_KEPT + 3)]
    for minute, digest in enumerate(digests):
        await notify(envelope(push(name, "latest", digest, at=T0 + timedelta(minutes=minute))))

    history = (await tags(api, registry["id"]))["latest"]["history"]

    assert [push["digest"] for push in history] == digests[::-1][:TAG_HISTORY_KEPT]
    assert await ImageTagPush.all().count() == TAG_HISTORY_KEPT


async def test_the_history_of_a_deleted_tag_is_forgotten(api, shop, notify):
    project, _ = shop
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "kept", A), push(name, "gone", B)))
    await notify(envelope(delete(name, B)))

    await forget_applied_events()

    assert await ImageTagPush.all().values_list("tag", flat=True) == ["kept"]


async def web_deploying_stable_on_push(api, project) -> None:
    await create_application(
        api,
        project["id"],
        name="web",
        region="eu-central",
        strategy="PREBUILT_IMAGE",
        image="web",
        tag="stable",
        deployOnPush=True,
    )


async def test_deploy_on_push_fires_again_after_a_future_dated_push(api, shop, notify):
    project, _ = shop
    name = f"{project['namespace']}/web"
    await web_deploying_stable_on_push(api, project)
    await notify(envelope(push(name, "stable", A, at=FAR_FUTURE)))

    await notify(envelope(push(name, "stable", B, at=datetime.now(UTC))))

    references = await Deployment.all().order_by("id").values_list("image_reference", flat=True)
    assert [reference.rsplit("@", 1)[1] for reference in references] == [A, B]


async def test_a_chunk_that_fails_does_not_lose_the_reaction_to_those_before_it(
    api, shop, notify, monkeypatch
):
    """Each chunk commits on its own, so its pushes deploy when it commits: a
    retry of the envelope finds them applied and would not deploy them."""
    project, _ = shop
    name = f"{project['namespace']}/web"
    await web_deploying_stable_on_push(api, project)
    monkeypatch.setattr(index, "EVENTS_PER_CHUNK", 1)
    applying, calls = index._apply, []

    async def failing_second(region, chunk, received):
        calls.append(chunk)
        if len(calls) == 2:
            raise RuntimeError("the second chunk fails")
        return await applying(region, chunk, received)

    monkeypatch.setattr(index, "_apply", failing_second)
    body = envelope(push(name, "stable", A), push(name, "other", B))

    assert (await notify(body)).status_code == 500
    assert (await notify(body)).json()["duplicates"] == 1  # the registry's retry

    references = await Deployment.all().values_list("image_reference", flat=True)
    assert [reference.rsplit("@", 1)[1] for reference in references] == [A]


async def test_a_large_envelope_is_applied_in_chunks_with_other_requests_between(
    api, shop, notify, monkeypatch
):
    """10,000 events: every chunk holds at most EVENTS_PER_CHUNK of them, and a
    task of the same event loop runs between any two chunks. (The loop's
    longest stall is printed, not asserted: it depends on the machine.)"""
    project, _ = shop
    namespace = project["namespace"]
    count = 10_000
    events = [
        push(f"{namespace}/r{n % 50}", f"t{n}", digest_of(str(n)), at=T0 + timedelta(seconds=n))
        for n in range(count)
    ]
    ticks = 0
    chunks: list[tuple[int, int]] = []  # (events in the chunk, ticks before it began)
    applying = index._apply

    async def counted(region, chunk, received):
        chunks.append((len(chunk.event_ids), ticks))
        return await applying(region, chunk, received)

    monkeypatch.setattr(index, "_apply", counted)
    stalls: list[float] = []
    done = asyncio.Event()

    async def other_request() -> None:
        nonlocal ticks
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0)
            stalls.append(time.perf_counter() - started)
            ticks += 1

    ticker = asyncio.create_task(other_request())
    response = await notify(envelope(*events))
    done.set()
    await ticker

    assert response.status_code == 200, response.text
    assert response.json()["stored"] == count
    assert len(chunks) == count // index.EVENTS_PER_CHUNK
    assert all(size <= index.EVENTS_PER_CHUNK for size, _ in chunks)
    assert all(later > earlier for (_, earlier), (_, later) in itertools.pairwise(chunks))
    assert await ImageRepository.all().count() == 50
    assert await ImageTag.all().count() == count
    print(f"\n{count} events: longest event-loop stall {max(stalls) * 1000:.0f} ms")


async def test_the_histories_of_a_page_of_tags_cost_one_statement(api, shop, notify, count_queries):
    project, registry = shop
    name = f"{project['namespace']}/web"
    await notify(envelope(push(name, "only", A), push(name, "only", B, at=T0 + timedelta(1))))
    count_queries.queries.clear()
    one = await tags(api, registry["id"])
    few = len(count_queries.queries)
    await notify(
        envelope(*(push(name, f"t{n}", digest_of(str(n)), at=T0 + timedelta(n)) for n in range(9)))
    )
    count_queries.queries.clear()
    many = await tags(api, registry["id"])

    assert (len(one), len(many)) == (1, 10)
    assert len(count_queries.queries) == few, count_queries.queries
    assert [push["digest"] for push in one["only"]["history"]] == [B, A]
