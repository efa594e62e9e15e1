"""Batch loads of the images index for GraphQL: a page of repositories with a
page of tags each is a fixed number of statements, however many repositories
the page holds (app/graphql/core/pagination.py reads each parent's page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from app.graphql.core.loaders import BatchLoad
from app.graphql.core.pagination import Page, load_pages
from app.registries.image_models import ImageRepository, ImageTag, ImageTagPush
from app.registries.images.history import load_histories


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
TAG_PAGES = BatchLoad[tuple[int, Page], list[ImageTag]](load_tag_pages)
TAG_HISTORY = BatchLoad[tuple[int, str], list[ImageTagPush]](load_histories)
