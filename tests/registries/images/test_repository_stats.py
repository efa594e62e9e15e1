"""A repository's tag count, last push and size, as the images tab shows them:
kept on its row by every write of its tags, each manifest's size counted once,
and equal to a recount of the tags after any sequence of pushes and deletes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from tortoise.connection import connections

from app.projects.models import Project
from app.registries.image_models import ImageRepository, ImageTag
from app.registries.images.stats import refresh_stats
from tests.graphql_documents import REGISTRY_REPOSITORIES, create_project, default_registry
from tests.registries.images.events import T0, delete, digest_of, envelope, push

START = datetime(2026, 1, 1, tzinfo=UTC)
MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"


def stats(row: ImageRepository) -> tuple[int, datetime | None, int | None]:
    return row.tag_count, row.last_pushed_at, row.size_bytes


async def recount(repository_id: int) -> tuple[int, datetime | None, int | None]:
    """What the tags say, counted here in Python."""
    tags = await ImageTag.filter(repository_id=repository_id)
    sizes = {tag.digest: tag.size_bytes for tag in tags}
    size = None if not tags or None in sizes.values() else sum(sizes.values())  # type: ignore[arg-type]
    return len(tags), max((tag.pushed_at for tag in tags), default=None), size


async def test_a_refresh_counts_tags_and_sizes_each_manifest_once(database):
    project = await Project.create(name="Shop", namespace="shop")
    web, worker, empty = [
        await ImageRepository.create(project=project, region="eu-central", name=f"shop/{name}")
        for name in ("web", "worker", "empty")
    ]
    tags = [
        # web: two tags of one manifest (its size counted once) and another one.
        (web, "v1", "sha256:" + "a" * 64, 3_000_000_000, 0),
        (web, "latest", "sha256:" + "a" * 64, 3_000_000_000, 5),
        (web, "v0", "sha256:" + "b" * 64, 1_000, 2),
        # worker: one manifest not measured yet, so its sum is unknown.
        (worker, "v1", "sha256:" + "c" * 64, 500, 1),
        (worker, "v2", "sha256:" + "d" * 64, None, 3),
    ]
    await ImageTag.bulk_create(
        [
            ImageTag(
                repository=repository,
                name=name,
                digest=digest,
                media_type=MEDIA_TYPE,
                size_bytes=size,
                pushed_at=START + timedelta(minutes=minutes),
            )
            for repository, name, digest, size, minutes in tags
        ]
    )

    await refresh_stats(connections.get("default"), [worker.id, web.id, empty.id, worker.id])

    rows = {row.name: row for row in await ImageRepository.all()}
    assert stats(rows["shop/web"]) == (3, START + timedelta(minutes=5), 3_000_001_000)
    assert stats(rows["shop/worker"]) == (2, START + timedelta(minutes=3), None)
    assert stats(rows["shop/empty"]) == (0, None, None)
    await refresh_stats(connections.get("default"), [])  # nothing to do, and no error


async def test_pushes_moves_and_deletes_keep_them_equal_to_a_recount(api, notify):
    project = await create_project(api, "Shop")
    registry = default_registry(project)
    web = f"{project['namespace']}/web"
    A, B, C = digest_of("a"), digest_of("b"), digest_of("c")
    minute = timedelta(minutes=1)
    steps = [
        envelope(
            push(web, "v1", A, sizes=(10, 20)),
            push(web, "latest", A, at=T0 + minute, sizes=(10, 20)),
        ),
        envelope(push(web, "v2", B, at=T0 + 2 * minute, sizes=(5,))),
        # `latest` moves to B: A is still named by v1, so both sizes count once.
        envelope(push(web, "latest", B, at=T0 + 3 * minute, sizes=(5,))),
        envelope(push(web, "v3", C, at=T0 + 4 * minute)),
        envelope(delete(web, A, at=T0 + 5 * minute)),
        envelope(delete(web, B, at=T0 + 6 * minute), delete(web, C, at=T0 + 6 * minute)),
    ]
    seen = []
    for step in steps:
        assert (await notify(step)).status_code == 200
        [row] = await ImageRepository.filter(name=web)
        assert stats(row) == await recount(row.id)
        data = await api(REGISTRY_REPOSITORIES, {"id": registry["id"], "first": 5, "tags": 1})
        [node] = [edge["node"] for edge in data["node"]["repositories"]["edges"]]
        seen.append((node["tagCount"], node["sizeBytes"]))
    assert seen == [(2, 30), (3, 35), (3, 35), (4, 2135), (3, 2105), (0, None)]


async def test_concurrent_deliveries_to_one_repository_leave_it_counted_right(api, notify):
    # On PostgreSQL each delivery commits in its own transaction: without the
    # lock a refresh would read the tags as they were before another's commit.
    project = await create_project(api, "Shop")
    web = f"{project['namespace']}/web"
    deliveries = [
        envelope(push(web, f"v{n}", digest_of(str(n)), at=T0 + timedelta(seconds=n)))
        for n in range(12)
    ]

    answers = await asyncio.gather(*(notify(delivery) for delivery in deliveries))

    assert [answer.status_code for answer in answers] == [200] * 12
    [row] = await ImageRepository.filter(name=web)
    assert stats(row) == await recount(row.id)
    assert (row.tag_count, row.size_bytes) == (12, 12 * 2100)
