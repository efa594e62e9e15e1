"""Applying notifications to the images index, in bulk: an envelope of a
thousand events costs a handful of statements, not thousands.

Idempotent on the event id (distribution delivers at least once), and
tolerant of order: a tag keeps the push with the latest timestamp, and a
delete removes a digest's tags only if pushed before it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from app.projects.models import Project
from app.registries.image_models import ImageEvent, ImageRepository, ImageTag
from app.registries.images.notifications import Delete, Envelope, Push
from app.registries.images.stats import refresh_stats
from app.transactions import atomic

# SQLite binds at most 999 parameters per statement on older builds, and nests
# expressions at most 1000 deep: filters over many keys go in chunks.
CHUNK = 300
T = TypeVar("T")


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass(frozen=True)
class TagMoved:
    """A tag now points at a digest it did not point at before."""

    project_id: int
    region: str
    repository: str
    tag: str
    digest: str
    pushed_by: str | None
    size_known: bool = True


@dataclass(frozen=True)
class Applied:
    stored: int
    duplicates: int
    outside_namespaces: int
    moved: list[TagMoved]


def namespace_of(repository: str) -> str:
    return repository.split("/", 1)[0]


async def _new_event_ids(region: str, ids: list[str]) -> set[str]:
    unique = sorted(set(ids))
    seen: set[str] = set()
    for chunk in _chunks(unique):
        rows = await ImageEvent.filter(region=region, event_id__in=list(chunk)).values_list(
            "event_id", flat=True
        )
        seen.update(str(row) for row in rows)
    return set(unique) - seen


async def _projects_by_namespace(repositories: Iterable[str]) -> dict[str, int]:
    namespaces = sorted({namespace_of(name) for name in repositories})
    found: dict[str, int] = {}
    for chunk in _chunks(namespaces):
        for namespace, project_id in await Project.filter(namespace__in=list(chunk)).values_list(
            "namespace", "id"
        ):
            found[str(namespace)] = int(project_id)
    return found


async def existing_repositories(region: str, names: Iterable[str]) -> dict[str, ImageRepository]:
    found: dict[str, ImageRepository] = {}
    for chunk in _chunks(sorted(set(names))):
        for row in await ImageRepository.filter(region=region, name__in=list(chunk)):
            found[row.name] = row
    return found


async def repositories_for(region: str, wanted: dict[str, int]) -> dict[str, ImageRepository]:
    """The rows of `wanted` (name -> project id), made where missing."""
    names = sorted(wanted)
    found = await existing_repositories(region, names)
    missing = [
        ImageRepository(project_id=wanted[name], region=region, name=name)
        for name in names
        if name not in found
    ]
    if missing:
        # Another delivery may make the same ones at once: theirs are as good.
        await ImageRepository.bulk_create(missing, ignore_conflicts=True)
        found.update(await existing_repositories(region, [row.name for row in missing]))
    return found


def _latest_pushes(pushes: Iterable[Push]) -> dict[tuple[str, str], Push]:
    latest: dict[tuple[str, str], Push] = {}
    for push in pushes:
        key = (push.repository, push.tag)
        if key not in latest or push.at > latest[key].at:
            latest[key] = push
    return latest


async def _apply_pushes(
    region: str, pushes: dict[tuple[str, str], Push], repositories: dict[str, ImageRepository]
) -> list[TagMoved]:
    keys = [key for key in pushes if key[0] in repositories]
    existing: dict[tuple[str, str], ImageTag] = {}
    by_id = {row.id: name for name, row in repositories.items()}
    for chunk in _chunks(keys):
        condition = Q()
        for name, tag in chunk:
            condition |= Q(repository_id=repositories[name].id, name=tag)
        for row in await ImageTag.filter(condition):
            existing[(by_id[row.repository_id], row.name)] = row
    replaced: list[int] = []
    created: list[ImageTag] = []
    moved: list[TagMoved] = []
    for key in keys:
        push, before = pushes[key], existing.get(key)
        if before is not None and before.pushed_at >= push.at:
            continue  # an older push arriving late
        target = repositories[key[0]]
        same = before is not None and before.digest == push.digest
        size = push.size_bytes
        if before is not None:
            replaced.append(before.id)  # a new row, also for the same digest: ids order by push
            if same and size is None:
                size = before.size_bytes
        created.append(
            ImageTag(
                repository_id=target.id,
                name=push.tag,
                digest=push.digest,
                media_type=push.media_type,
                size_bytes=size,
                pushed_at=push.at,
                pushed_by=push.pushed_by,
            )
        )
        if same:
            continue  # the tag names the digest it named: nothing moved
        moved.append(
            TagMoved(
                target.project_id,
                region,
                key[0],
                push.tag,
                push.digest,
                push.pushed_by,
                push.size_bytes is not None,
            )
        )
    for ids in _chunks(replaced):
        await ImageTag.filter(id__in=list(ids)).delete()
    if created:
        await ImageTag.bulk_create(created)
    return moved


async def _apply_deletes(deletes: list[Delete], repositories: dict[str, ImageRepository]) -> None:
    known = [delete for delete in deletes if delete.repository in repositories]
    for chunk in _chunks(known):
        condition = Q()
        for delete in chunk:
            condition |= Q(
                repository_id=repositories[delete.repository].id,
                digest=delete.digest,
                pushed_at__lte=delete.at,
            )
        await ImageTag.filter(condition).delete()


async def apply_envelope(region: str, envelope: Envelope) -> Applied:
    """Store what is new in `envelope` for `region`'s registry. Retried once when
    a concurrent delivery made the same tag first (a unique key says so)."""
    try:
        return await _apply(region, envelope)
    except IntegrityError:
        return await _apply(region, envelope)


def _take(unseen: set[str], event_id: str) -> bool:
    if event_id not in unseen:
        return False
    unseen.discard(event_id)
    return True


async def _apply(region: str, envelope: Envelope) -> Applied:
    async with atomic() as connection:
        new_ids = await _new_event_ids(region, envelope.event_ids)
        # An id twice in one envelope is a duplicate too: its first event counts.
        unseen = set(new_ids)
        pushes = [push for push in envelope.pushes if _take(unseen, push.event_id)]
        deletes = [delete for delete in envelope.deletes if _take(unseen, delete.event_id)]
        named = {push.repository for push in pushes} | {d.repository for d in deletes}
        projects = await _projects_by_namespace(named)
        inside = {
            name: projects[namespace_of(name)] for name in named if namespace_of(name) in projects
        }
        # Deletes need only repositories that exist; pushes make theirs.
        wanted = {
            push.repository: inside[push.repository] for push in pushes if push.repository in inside
        }
        repositories = await repositories_for(region, wanted)
        deleted_from = {d.repository for d in deletes if d.repository in inside} - set(repositories)
        if deleted_from:
            repositories.update(await existing_repositories(region, deleted_from))
        moved = await _apply_pushes(region, _latest_pushes(pushes), repositories)
        await _apply_deletes(deletes, repositories)
        await refresh_stats(connection, [row.id for row in repositories.values()])
        if new_ids:
            await ImageEvent.bulk_create(
                [ImageEvent(region=region, event_id=event_id) for event_id in sorted(new_ids)],
                ignore_conflicts=True,
            )
    outside = sum(1 for push in pushes if push.repository not in inside) + sum(
        1 for delete in deletes if delete.repository not in inside
    )
    return Applied(
        stored=len(pushes) + len(deletes) - outside,
        duplicates=len(envelope.event_ids) - len(pushes) - len(deletes),
        outside_namespaces=outside,
        moved=moved,
    )


APPLIED_EVENTS_KEPT = timedelta(days=7)


async def forget_applied_events(kept: timedelta = APPLIED_EVENTS_KEPT) -> int:
    """Forget the ids of events applied long ago (a registry retries within
    minutes to hours). One delivered again after that changes nothing anyway:
    its push is older than the tag's, or names the digest the tag has."""
    deleted: int = await ImageEvent.filter(received_at__lt=datetime.now(UTC) - kept).delete()
    return deleted
