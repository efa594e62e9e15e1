"""Batch loads of the images index for GraphQL: a page of repositories with a
page of tags each is a fixed number of statements, however many repositories
the page holds (app/graphql/core/pagination.py reads each parent's page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tortoise.connection import connections

from app.graphql.core.loaders import BatchLoad
from app.graphql.core.pagination import Page, load_pages
from app.registries.image_models import ImageRepository, ImageTag


@dataclass(frozen=True)
class RepositoryStats:
    tag_count: int = 0
    last_pushed_at: datetime | None = None
    size_bytes: int | None = None
    """Of its distinct manifests (a layer shared by two is counted twice); None
    while one is not measured yet."""


async def load_repository_pages(
    keys: Sequence[tuple[int, str | None, Page]],
) -> list[list[ImageRepository]]:
    """(project id, region or None for all, page) -> its repositories, newest first."""
    by_region: dict[str | None, list[tuple[int, Page]]] = defaultdict(list)
    for project_id, region, page in keys:
        by_region[region].append((project_id, page))
    answers: dict[tuple[int, str | None, Page], list[ImageRepository]] = {}
    for region, wanted in by_region.items():
        equal = (("region", region),) if region is not None else ()
        pages = await load_pages(ImageRepository, "project_id", wanted, equal=equal)
        for (project_id, page), rows in zip(wanted, pages, strict=True):
            answers[(project_id, region, page)] = rows
    return [answers[key] for key in keys]


# Per repository, over its distinct manifests: the database sums them, so a
# repository with thousands of tags sends one row, not one per manifest.
# `unmeasured`: manifests whose size is not known yet (the sum is then null).
_STATS = (
    "SELECT repository_id, SUM(tags) AS tags, MAX(last) AS last, SUM(size) AS size, "
    "COUNT(*) - COUNT(size) AS unmeasured FROM (SELECT repository_id, digest, "
    "COUNT(*) AS tags, MAX(pushed_at) AS last, MAX(size_bytes) AS size FROM image_tags "
    "WHERE repository_id IN ({ids}) GROUP BY repository_id, digest) AS manifests "
    "GROUP BY repository_id"
)


async def load_repository_stats(ids: Sequence[int]) -> list[RepositoryStats]:
    # The ids are ints (the loader's keys are rows' ids): inlined, so any number
    # of them fits SQLite's limit on bound parameters.
    if not ids:
        return []
    inlined = ", ".join(str(int(repository_id)) for repository_id in ids)
    rows = await connections.get("default").execute_query_dict(_STATS.format(ids=inlined))
    found = {
        int(row["repository_id"]): RepositoryStats(
            tag_count=int(row["tags"]),
            last_pushed_at=_datetime(row["last"]),
            size_bytes=None if int(row["unmeasured"]) else int(row["size"]),
        )
        for row in rows
    }
    return [found.get(repository_id, RepositoryStats()) for repository_id in ids]


def _datetime(value: object) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


async def load_repositories(ids: Sequence[int]) -> list[ImageRepository | None]:
    found = {row.id: row for row in await ImageRepository.filter(id__in=list(ids))}
    return [found.get(repository_id) for repository_id in ids]


async def load_tag_pages(keys: Sequence[tuple[int, Page]]) -> list[list[ImageTag]]:
    """(repository id, page) -> its tags, most recently pushed first."""
    return await load_pages(ImageTag, "repository_id", keys)


REPOSITORY_PAGES = BatchLoad[tuple[int, str | None, Page], list[ImageRepository]](
    load_repository_pages
)
REPOSITORY = BatchLoad[int, ImageRepository | None](load_repositories)
REPOSITORY_STATS = BatchLoad[int, RepositoryStats](load_repository_stats)
TAG_PAGES = BatchLoad[tuple[int, Page], list[ImageTag]](load_tag_pages)
