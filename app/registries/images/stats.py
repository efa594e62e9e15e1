"""A repository's tag count, last push and size, kept on its row.

The images tab shows them for every repository of its page. Summed per request,
they cost as much as the page's repositories have tags (a busy repository has
tens of thousands), so every write of a repository's tags refreshes its row in
the same transaction instead, and a page reads them with the rows it reads
anyway. A refresh recounts from the tags themselves (one statement per batch of
repositories), so no write path can drift them by an increment it got wrong.

Concurrent writers on PostgreSQL: a refresh first locks the repositories' rows
(FOR NO KEY UPDATE) in id order, so its UPDATE, which reads the tags committed
as of its own start, begins after every earlier refresh of those rows has
committed; the last refresh of a repository therefore sees every write before
it. (SQLite has one writer.)"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from app.registries.image_models import ImageRepository

# Correlated on the repository's id: each subquery reads that repository's tags
# through the (repository_id, digest) index. The size counts each manifest once
# and is NULL while one is not measured yet, as `sizeBytes` promises.
REFRESH = (
    "UPDATE image_repositories SET "
    "tag_count = (SELECT COUNT(*) FROM image_tags "
    "WHERE image_tags.repository_id = image_repositories.id), "
    "last_pushed_at = (SELECT MAX(pushed_at) FROM image_tags "
    "WHERE image_tags.repository_id = image_repositories.id), "
    "size_bytes = (SELECT CASE WHEN COUNT(*) > 0 AND COUNT(*) = COUNT(size) THEN SUM(size) END "
    "FROM (SELECT MAX(size_bytes) AS size FROM image_tags "
    "WHERE image_tags.repository_id = image_repositories.id GROUP BY digest) AS manifests)"
)
BATCH = 500


async def refresh_stats(connection: Any, repository_ids: Iterable[int]) -> None:
    """Recount the repositories' stats in the caller's transaction (`connection`),
    after it wrote their tags."""
    ids = sorted({int(repository_id) for repository_id in repository_ids})
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        if connection.capabilities.dialect == "postgres":
            # NO KEY UPDATE: the caller's new tags hold a KEY SHARE lock on their
            # repository (the foreign key), as a concurrent writer's do, and a
            # plain FOR UPDATE would wait for each other's. Rows, not
            # values_list: Tortoise drops the lock from a values query.
            await (
                ImageRepository.filter(id__in=batch)
                .select_for_update(no_key=True)
                .order_by("id")
                .only("id")
                .using_db(connection)
            )
        # The ids are ints: inlined, so a batch fits SQLite's limit on parameters.
        inlined = ", ".join(str(repository_id) for repository_id in batch)
        await connection.execute_query(f"{REFRESH} WHERE id IN ({inlined})")
