"""Applying notifications to the images index, in bulk: an envelope of a
thousand events costs a handful of statements, not thousands.

Idempotent on the event id (distribution delivers at least once), and
tolerant of order: a tag keeps the push with the latest timestamp, and a
delete removes a digest's tags only if pushed before it.

The registry's clock is believed only up to the moment the event arrived: an
event cannot have happened after it was received, so a timestamp later than
that (a replica with a skewed clock, or a hostile `9999-12-31`) counts as the
arrival time (`effective_time`). Ordering purely by arrival would be wrong the
other way: a delivery that was retried for an hour, or a replica's backlog,
arrives after pushes that happened later. A tag row already holding a time
after now (stored before this rule) loses to any push.

A large envelope (what a registry queued while we were away) is applied in
chunks of `EVENTS_PER_CHUNK` events, each in its own transaction, and the
worker's other requests run between chunks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from app.projects.models import Project
from app.registries.image_models import ImageEvent, ImageRepository, ImageTag, ImageTagPush
from app.registries.images.history import forget_histories_of_deleted_tags, record_pushes
from app.registries.images.notifications import Delete, Envelope, Push
from app.registries.images.stats import refresh_stats
from app.registries.images.tag_keys import tag_filters
from app.transactions import atomic

# SQLite binds at most 999 parameters per statement on older builds, and nests
# expressions at most 1000 deep: filters over many keys go in chunks.
CHUNK = 300
# Events applied per transaction; between chunks the event loop runs the
# worker's other requests (measured: tests/registries/images/test_event_order.py).
EVENTS_PER_CHUNK = 500
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


@dataclass
class Applied:
    stored: int = 0
    duplicates: int = 0
    outside_namespaces: int = 0
    moved: list[TagMoved] = field(default_factory=list)
    chunks: int = 0

    def add(self, chunk: Applied) -> None:
        """Count a later chunk's result in."""
        self.stored += chunk.stored
        self.duplicates += chunk.duplicates
        self.outside_namespaces += chunk.outside_namespaces
        self.chunks += chunk.chunks
        self.moved.extend(chunk.moved)


def effective_time(reported: datetime, received: datetime) -> datetime:
    """When an event counts as having happened: the registry's timestamp, but
    never later than the event's arrival."""
    return min(reported, received)


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


def _latest_pushes(pushes: Iterable[Push], received: datetime) -> dict[tuple[str, str], Push]:
    """Per tag, its latest push of an envelope. Pushes clamped to the arrival
    time tie on it: their registry's own timestamps order them, then their
    places in the envelope (distribution sends events in the order they
    happened)."""
    latest: dict[tuple[str, str], Push] = {}
    for push in pushes:
        key = (push.repository, push.tag)
        before = latest.get(key)
        if before is None or (effective_time(push.at, received), push.at) >= (
            effective_time(before.at, received),
            before.at,
        ):
            latest[key] = push
    return latest


def _is_newer(push: Push, before: ImageTag, received: datetime) -> bool:
    """Ordered as `_latest_pushes` orders an envelope's pushes, so a push in a
    later chunk of one envelope is compared as it would be within one chunk."""
    if before.pushed_at > received:
        return True  # stored before clocks were checked: a time nobody can reach
    before_reported = before.reported_at or before.pushed_at
    return (effective_time(push.at, received), push.at) > (before.pushed_at, before_reported)


def _history(
    pushes: list[Push], repositories: dict[str, ImageRepository], received: datetime
) -> list[ImageTagPush]:
    return [
        ImageTagPush(
            repository_id=repositories[push.repository].id,
            tag=push.tag,
            digest=push.digest,
            pushed_at=effective_time(push.at, received),
            reported_at=push.at,
            received_at=received,
            pushed_by=push.pushed_by,
        )
        for push in pushes
        if push.repository in repositories
    ]


async def _apply_pushes(
    region: str,
    pushes: dict[tuple[str, str], Push],
    repositories: dict[str, ImageRepository],
    received: datetime,
) -> list[TagMoved]:
    keys = [key for key in pushes if key[0] in repositories]
    existing: dict[tuple[str, str], ImageTag] = {}
    by_id = {row.id: name for name, row in repositories.items()}
    for condition in tag_filters((repositories[name].id, tag) for name, tag in keys):
        for row in await ImageTag.filter(condition):
            existing[(by_id[row.repository_id], row.name)] = row
    replaced: list[int] = []
    created: list[ImageTag] = []
    moved: list[TagMoved] = []
    for key in keys:
        push, before = pushes[key], existing.get(key)
        if before is not None and not _is_newer(push, before, received):
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
                pushed_at=effective_time(push.at, received),
                reported_at=push.at,
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


async def _apply_deletes(
    deletes: list[Delete], repositories: dict[str, ImageRepository], received: datetime
) -> None:
    known = [delete for delete in deletes if delete.repository in repositories]
    for chunk in _chunks(known):
        condition = Q()
        for delete in chunk:
            condition |= Q(
                repository_id=repositories[delete.repository].id,
                digest=delete.digest,
                pushed_at__lte=effective_time(delete.at, received),
            )
        await ImageTag.filter(condition).delete()


def _split(envelope: Envelope) -> list[Envelope]:
    """`envelope` in chunks of at most EVENTS_PER_CHUNK events. Pushes and
    deletes are kept apart by the reader, so each chunk holds a run of one
    kind: the pushes first, then the deletes (whose timestamps, not their
    places, decide which tags they remove)."""
    chunks: list[Envelope] = []
    for start in range(0, len(envelope.pushes), EVENTS_PER_CHUNK):
        chunks.append(Envelope(pushes=envelope.pushes[start : start + EVENTS_PER_CHUNK]))
    for start in range(0, len(envelope.deletes), EVENTS_PER_CHUNK):
        chunks.append(Envelope(deletes=envelope.deletes[start : start + EVENTS_PER_CHUNK]))
    return chunks or [Envelope()]


async def apply_envelope(
    region: str,
    envelope: Envelope,
    received: datetime | None = None,
    after_chunk: Callable[[list[TagMoved]], Awaitable[None]] | None = None,
) -> Applied:
    """Store what is new in `envelope` for `region`'s registry, `received` (by
    default: now), chunk by chunk; `after_chunk` is given the tags each chunk
    moved once it is committed. Each chunk is retried once when a concurrent
    delivery made the same tag first (a unique key says so)."""
    received = received or datetime.now(UTC)
    applied = Applied()
    for number, chunk in enumerate(_split(envelope)):
        if number:
            await asyncio.sleep(0)  # the worker's other requests go first
        try:
            done = await _apply(region, chunk, received)
        except IntegrityError:
            done = await _apply(region, chunk, received)
        if done.moved and after_chunk is not None:
            await after_chunk(done.moved)
        applied.add(done)
    return applied


def _take(unseen: set[str], event_id: str) -> bool:
    if event_id not in unseen:
        return False
    unseen.discard(event_id)
    return True


async def _apply(region: str, envelope: Envelope, received: datetime) -> Applied:
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
        moved = await _apply_pushes(
            region, _latest_pushes(pushes, received), repositories, received
        )
        await record_pushes(_history(pushes, repositories, received))
        await _apply_deletes(deletes, repositories, received)
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
        chunks=1,
    )


APPLIED_EVENTS_KEPT = timedelta(days=7)


async def forget_applied_events(kept: timedelta = APPLIED_EVENTS_KEPT) -> int:
    """Forget the ids of events applied long ago (a registry retries within
    minutes to hours). One delivered again after that changes nothing anyway:
    its push is older than the tag's, or names the digest the tag has (unless
    its registry's clock put it after its first arrival: counted as arriving
    again, it would move the tag back; registries retry for hours, not days).
    The histories of deleted tags go too."""
    deleted: int = await ImageEvent.filter(received_at__lt=datetime.now(UTC) - kept).delete()
    async with atomic() as connection:
        await forget_histories_of_deleted_tags(connection)
    return deleted
