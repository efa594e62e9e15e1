"""A repository's tag count, last push and size, as the images tab shows them:
summed by the database over the repository's distinct manifests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.projects.models import Project
from app.registries.image_models import ImageRepository, ImageTag
from app.registries.images.loaders import RepositoryStats, load_repository_stats

START = datetime(2026, 1, 1, tzinfo=UTC)
MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"


async def test_stats_count_tags_and_size_each_manifest_once(database):
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

    stats = await load_repository_stats([worker.id, web.id, empty.id, worker.id])

    assert stats[0] == stats[3] == RepositoryStats(2, START + timedelta(minutes=3), None)
    assert stats[1] == RepositoryStats(3, START + timedelta(minutes=5), 3_000_001_000)
    assert stats[2] == RepositoryStats()
    assert await load_repository_stats([]) == []
