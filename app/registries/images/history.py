"""A tag's short history: its latest pushes (digest, when, by whom), so a user
can see what a tag named before and why it names what it does now (a push with
a registry clock far ahead, a push delivered late).

Bounded per tag: each write keeps the newest `TAG_HISTORY_KEPT` pushes of the
tags it touched, and the periodic clean-up forgets the history of tags that no
longer exist (deleted, or expired by retention)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from tortoise.functions import Count

from app.registries.image_models import ImageTagPush
from app.registries.images.tag_keys import TagKey, tag_filters

TAG_HISTORY_KEPT = 10
CHUNK = 300  # ids per DELETE


def _newest_first(row: ImageTagPush) -> tuple[Any, int]:
    return (row.pushed_at, row.id)


async def _rows_of(keys: Sequence[TagKey]) -> list[ImageTagPush]:
    rows: list[ImageTagPush] = []
    for condition in tag_filters(keys, name_field="tag"):
        rows.extend(await ImageTagPush.filter(condition))
    return rows


async def record_pushes(pushes: list[ImageTagPush]) -> None:
    """Add `pushes` to their tags' histories and drop what falls past the newest
    `TAG_HISTORY_KEPT` of each. Called in the transaction that moves the tags.
    Only the tags now over the limit are read (found by one count per few
    hundred tags): reading every touched tag's history doubled an envelope's
    time."""
    if not pushes:
        return
    await ImageTagPush.bulk_create(pushes)
    over: list[TagKey] = []
    for condition in tag_filters(((p.repository_id, p.tag) for p in pushes), name_field="tag"):
        rows = (
            await ImageTagPush.filter(condition)
            .annotate(kept=Count("id"))
            .group_by("repository_id", "tag")
            .filter(kept__gt=TAG_HISTORY_KEPT)
            .values_list("repository_id", "tag")
        )
        over.extend((int(repository_id), str(tag)) for repository_id, tag in rows)
    by_tag: dict[TagKey, list[ImageTagPush]] = defaultdict(list)
    for row in await _rows_of(over) if over else []:
        by_tag[(row.repository_id, row.tag)].append(row)
    dropped = [
        row.id
        for rows in by_tag.values()
        for row in sorted(rows, key=_newest_first, reverse=True)[TAG_HISTORY_KEPT:]
    ]
    for start in range(0, len(dropped), CHUNK):
        await ImageTagPush.filter(id__in=dropped[start : start + CHUNK]).delete()


async def load_histories(keys: Sequence[TagKey]) -> list[list[ImageTagPush]]:
    """(repository id, tag) -> its kept pushes, newest first: one statement per
    few hundred tags, each holding at most `TAG_HISTORY_KEPT` rows."""
    by_tag: dict[TagKey, list[ImageTagPush]] = defaultdict(list)
    for row in await _rows_of(keys):
        by_tag[(row.repository_id, row.tag)].append(row)
    return [
        sorted(by_tag.get(key, []), key=_newest_first, reverse=True)[:TAG_HISTORY_KEPT]
        for key in keys
    ]


FORGET_UNTAGGED = (
    "DELETE FROM image_tag_pushes WHERE NOT EXISTS (SELECT 1 FROM image_tags "
    "WHERE image_tags.repository_id = image_tag_pushes.repository_id "
    "AND image_tags.name = image_tag_pushes.tag)"
)


async def forget_histories_of_deleted_tags(connection: Any) -> None:
    """A deleted tag's history goes with it (at the next periodic run): tags
    named per commit would otherwise leave rows behind forever."""
    await connection.execute_query(FORGET_UNTAGGED)
